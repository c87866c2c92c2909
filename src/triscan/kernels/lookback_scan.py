"""Look-back scan: one pass over long rows when there are too few rows to fill the GPU.

Each row is cut into chunks of BLOCK elements, one chunk per program (Merrill & Garland,
"Single-pass Parallel Prefix Scan with Decoupled Look-back", 2016; CUB's DeviceScan). A
program scans its chunk in registers, publishes the chunk's total, learns the sum of
everything before it from its predecessors' published values, publishes its own
inclusive prefix, and writes its chunk once.

Programs are persistent: at most a few per SM are launched, and each keeps drawing
chunks until none are left, so the cost of starting a program is paid a few times per SM
rather than once per chunk.

Why it cannot deadlock: chunk ids are not program ids (the hardware may start programs
in any order) but tickets drawn with an atomic increment by a running program. A
program only ever waits for chunks with smaller tickets, which running programs drew
earlier. A program that draws a ticket loads that chunk and publishes its total before
it waits for anything, so every drawn chunk publishes its total after one load; every
wait therefore ends, and the chain of waits always reaches a chunk with a published
prefix or the first chunk of its row, which needs nobody. (The column kernel holds one chunk
at a time and loads it right after its ticket: the same argument.) Under the Triton interpreter
programs run one after another in order, so every wait is already satisfied.

Workspace per call, zeroed, plus a ticket counter: a status per chunk (0 = nothing yet,
1 = chunk total published, 2 = inclusive prefix published) and its value. For float32 sums
(PACKED) status and value share one int64 word, per chunk (rows) or per chunk and lane
(columns), written and read in one access; otherwise an int32 status word per chunk and two
value slots in the accumulator dtype, a value written before its status word is released and
read after the status word is acquired.

No atomic here waits for memory it does not guard. A packed word orders nothing but itself,
and neither does a ticket, so both are relaxed: a release or acq_rel atomic compiles to a
MEMBAR that waits until the thread's earlier stores (the previous chunk's output) have
drained. On an H100, relaxed tickets took 1-D 2^30 from 92.0% to 94.7% of copy, and relaxed
packed publishes to 99.9% (reverse 1-D 87.2% -> 95.0%, narrow K 77.6% -> 82.9%;
benchmarks/NOTES.md sections 16 and 18).
"""

import torch
import triton
import triton.language as tl

from ._launch import ceil_div, launch_kernel, power_of_two_at_least
from .column_scan import _before_runs, _run_steps

LOOKBACK_SCAN_CONFIGS = [
    triton.Config({"BLOCK": block}, num_warps=warps, num_stages=stages)
    # (4096, 2): as many elements per thread as (8192, 4) at 167 registers, twice the programs per SM
    for block, warps in ((2048, 4), (4096, 2), (4096, 4), (8192, 4), (8192, 8))
    for stages in (1, 2)
]


@triton.jit
def _pack(value, status: tl.constexpr):
    """A sum and its status in one int64 word, written and read in one access: the sum as a
    float64 whose two lowest mantissa bits hold the status (1 or 2, so a published word is never
    0). Prefixes carried from chunk to chunk then round at float64 (50 bits kept), not float32:
    a float32 prefix rounds once per look-back hop, and with fast look-backs there is a hop
    every few chunks (1-D 2^27: max error 95 against 51 before the hops got shorter)."""
    bits = value.to(tl.float64).to(tl.int64, bitcast=True)
    return (bits & -4) | status


@triton.jit
def _status(words):
    """The statuses of packed words (0: nothing published)."""
    return (words & 3).to(tl.int32)


@triton.jit
def _sum(words):
    """The float64 sums of packed words."""
    return (words & -4).to(tl.float64, bitcast=True)


@triton.jit
def _row_chunk_start(ticket, chunks_per_row, REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """First position of chunk `ticket` in its row: tickets walk a row from its start, or
    from its end when REVERSE (chunks stay aligned to the row's start either way)."""
    chunk = ticket % chunks_per_row
    if REVERSE:
        chunk = chunks_per_row - 1 - chunk
    return chunk.to(tl.int64) * BLOCK


@triton.jit
def _chunk_lanes(REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """Positions within a chunk: [BLOCK] in order, or with REVERSE [BLOCK // 4, 4]: runs of 4
    (each one 16-byte vector for float32) in reverse run order, so that suffix sums become a
    forward scan over runs (see _suffix_sums)."""
    if REVERSE:
        lanes = (BLOCK // 4 - 1 - tl.arange(0, BLOCK // 4))[:, None] * 4 + tl.arange(0, 4)[None, :]
    else:
        lanes = tl.arange(0, BLOCK)
    return lanes


@triton.jit
def _chunk_total(values, REVERSE: tl.constexpr):
    """Sum of a chunk shaped as _chunk_lanes."""
    if REVERSE:
        total = tl.sum(tl.sum(values, 1), 0)
    else:
        total = tl.sum(values, 0)
    return total


@triton.jit
def _suffix_sums(values):
    """Inclusive sums from the end of a [BLOCK // 4, 4] chunk held as _chunk_lanes(True) holds
    it, without tl.cumsum(reverse=True): Triton 3.6 lowers that with shuffles even along an
    axis inside one thread (640 for [2048, 4]; 736 against 96 forward for [8192]; NOTES.md
    section 15). A run's suffix sums are three additions in registers; the sums of the runs
    after each run are a forward scan, since later runs come first; additions only, so Inf and
    NaN go as in torch."""
    column = tl.arange(0, 4)[None, :]
    suffix_3 = tl.sum(tl.where(column == 3, values, 0), 1)  # [BLOCK // 4]
    suffix_2 = tl.sum(tl.where(column == 2, values, 0), 1) + suffix_3
    suffix_1 = tl.sum(tl.where(column == 1, values, 0), 1) + suffix_2
    suffix_0 = tl.sum(tl.where(column == 0, values, 0), 1) + suffix_1
    after_run, _ = _before_runs(suffix_0)
    inside = tl.where(column == 0, suffix_0[:, None], tl.where(column == 1, suffix_1[:, None],
                      tl.where(column == 2, suffix_2[:, None], suffix_3[:, None])))
    return inside + after_run[:, None]  # [BLOCK // 4, 4]


@triton.jit
def _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, length, stride_x_row, stride_x_col,
                    REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """The input of chunk `ticket` (all zeros past the last chunk), shaped as _chunk_lanes."""
    row = (ticket // chunks_per_row).to(tl.int64)
    start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
    lanes = _chunk_lanes(REVERSE, BLOCK)
    mask = (start + lanes < length) & (ticket < total_chunks)
    return tl.load(x_ptr + row * stride_x_row + (start + lanes) * stride_x_col, mask=mask, other=0)


@triton.jit
def _publish_row_total(status_ptr, values_ptr, max_chunks, ticket, total, first_in_row, PACKED: tl.constexpr):
    """Publish a chunk's total (status 1); the first chunk of a row publishes it as its
    inclusive prefix (status 2), since nothing comes before it."""
    if PACKED:  # value and status in one word: nothing else to order, so relaxed (no MEMBAR)
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_row, _pack(total, 2), _pack(total, 1)),
                       sem="relaxed")
    else:
        # totals at values_ptr[ticket], inclusive prefixes at values_ptr[max_chunks + ticket]
        tl.store(values_ptr + tl.where(first_in_row, max_chunks, 0) + ticket, total)
        tl.debug_barrier()  # every thread's value store precedes the flag's release
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_row, 2, 1), sem="release")


@triton.autotune(
    configs=LOOKBACK_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "SHIFT", "REVERSE"],
    # every timing run of the autotuner needs fresh flags and a fresh ticket counter
    reset_to_zero=["status_ptr"],
)
@triton.jit
def lookback_scan_kernel(
    x_ptr,  # input, rows of `length` elements: x[row, col] at row * stride_x_row + col * stride_x_col
    y_ptr,  # output, rows of `length + SHIFT` contiguous elements starting at row * stride_y_row
    status_ptr,  # [chunks + 1], zeroed: a status word per chunk, then the ticket counter
    values_ptr,  # ACC_DTYPE [2 * chunks]: chunk totals, then inclusive prefixes (unused if PACKED)
    max_chunks,  # chunks the workspace holds (index of the ticket counter)
    rows,
    length,
    stride_x_row,
    stride_x_col,
    stride_y_row,
    LENGTH_BUCKET,  # autotune key, unused in the body
    SHIFT: tl.constexpr,  # 1: exclusive (y[0] = 0, y[j + 1] = x[0] + ... + x[j]); 0: inclusive
    ACC_DTYPE: tl.constexpr,
    LOOKBACK: tl.constexpr,  # predecessors examined at once
    PACKED: tl.constexpr,  # float32 sums: int64 words, a float64 sum with its status in the low bits
    REVERSE: tl.constexpr,  # sum from the end: y[p] = x[p + SHIFT] + ... (rows of length + SHIFT inputs)
    BLOCK: tl.constexpr,
):
    # input positions per row: with REVERSE the row's first SHIFT positions are read, never summed
    positions = length + SHIFT if REVERSE else length
    chunks_per_row = tl.cdiv(positions, BLOCK)
    # persistent: each program keeps drawing tickets until every chunk is taken
    total_chunks = rows * chunks_per_row
    lanes = _chunk_lanes(REVERSE, BLOCK)
    totals_ptr = values_ptr
    prefixes_ptr = values_ptr + max_chunks
    ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")
    x = _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, positions, stride_x_row, stride_x_col,
                        REVERSE, BLOCK)
    total = _chunk_total(x.to(ACC_DTYPE), REVERSE)
    if ticket < total_chunks:
        _publish_row_total(status_ptr, values_ptr, max_chunks, ticket, total, ticket % chunks_per_row == 0,
                           PACKED)
    while ticket < total_chunks:
        row = (ticket // chunks_per_row).to(tl.int64)
        chunk = ticket % chunks_per_row  # in drawing order
        start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
        y_row = y_ptr + row * stride_y_row
        # This chunk's total is out. Draw the next chunk, load it and publish its total
        # before waiting on this chunk's predecessors: a drawn chunk's total then follows
        # one load and no wait, so waits never chain from program to program, and the
        # look-back below finds its predecessors published (benchmarks/NOTES.md, section 6).
        next_ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")
        x_next = _load_row_chunk(x_ptr, next_ticket, total_chunks, chunks_per_row, positions, stride_x_row,
                                 stride_x_col, REVERSE, BLOCK)
        next_total = _chunk_total(x_next.to(ACC_DTYPE), REVERSE)
        if next_ticket < total_chunks:
            _publish_row_total(status_ptr, values_ptr, max_chunks, next_ticket, next_total,
                               next_ticket % chunks_per_row == 0, PACKED)
        # the prefix before this chunk, carried in float64 when PACKED (see _pack)
        exclusive = tl.zeros([], dtype=tl.float64 if PACKED else ACC_DTYPE)
        if chunk == 0:
            if SHIFT == 1:  # the scan's leading zero: first output, or last when REVERSE
                tl.store(y_row + (length if REVERSE else 0), tl.zeros([], dtype=y_ptr.dtype.element_ty))
        else:
            steps = tl.arange(0, LOOKBACK)
            row_first = ticket - chunk  # ticket of this row's chunk 0
            window_end = ticket  # examine tickets [window_end - LOOKBACK, window_end)
            done = tl.zeros([], dtype=tl.int32)
            while done == 0:
                index = window_end - 1 - steps  # [LOOKBACK], nearest predecessor first
                valid = index >= row_first
                if PACKED:
                    # one 64-bit volatile load sees a status and its value together
                    words = tl.load(status_ptr + index, mask=valid, other=0, volatile=True)
                    flags = tl.where(valid, _status(words), 2)
                else:
                    flags = tl.atomic_add(status_ptr + index, 0, mask=valid, sem="acquire")
                    flags = tl.where(valid, flags, 2)
                # nearest predecessor that has published its inclusive prefix
                nearest = tl.min(tl.where(flags == 2, steps, LOOKBACK), 0)
                ready = tl.min(tl.where(steps < nearest, flags, 2), 0) > 0
                if ready:
                    if PACKED:
                        exclusive += tl.sum(tl.where(valid & (steps <= nearest), _sum(words), 0), 0)
                    else:
                        totals = tl.load(totals_ptr + index, mask=valid & (steps < nearest), other=0,
                                         volatile=True)
                        prefix = tl.load(prefixes_ptr + index, mask=valid & (steps == nearest), other=0,
                                         volatile=True)
                        exclusive += tl.sum(totals.to(ACC_DTYPE), 0) + tl.sum(prefix.to(ACC_DTYPE), 0)
                    done = (nearest < LOOKBACK).to(tl.int32)
                    window_end -= LOOKBACK
            if PACKED:
                tl.atomic_xchg(status_ptr + ticket, _pack(exclusive + total, 2), sem="relaxed")
            else:
                tl.store(prefixes_ptr + ticket, exclusive + total)
                tl.debug_barrier()
                tl.atomic_xchg(status_ptr + ticket, 2, sem="release")
        if REVERSE:
            out = _suffix_sums(x.to(ACC_DTYPE)) + exclusive.to(ACC_DTYPE)  # [BLOCK // 4, 4]
        else:
            out = tl.cumsum(x.to(ACC_DTYPE), 0) + exclusive.to(ACC_DTYPE)  # [BLOCK]
        if REVERSE:  # the sum from input position q on goes to output position q - SHIFT
            position = start + lanes
            tl.store(y_row + (position - SHIFT), out.to(y_ptr.dtype.element_ty),
                     mask=(position >= SHIFT) & (position < positions))
        else:
            tl.store(y_row + (start + lanes + SHIFT), out.to(y_ptr.dtype.element_ty),
                     mask=start + lanes < length)
        ticket = next_ticket
        x = x_next
        total = next_total


def launch_lookback_scan(x, y, rows, length, stride_x_row, stride_x_col, stride_y_row, shift, acc_dtype,
                         workspace_dtype, max_programs, interpreted, reverse=False, compiled=None):
    """Scan `rows` long rows of `x` into `y` with chunks spread over the whole GPU, by at most
    `max_programs` persistent programs (`reverse`: sums from the end, as reverse_row_scan_kernel)."""
    # the workspace is sized for the smallest block, whichever config the autotuner runs
    block = 64 if interpreted else min(config.kwargs["BLOCK"] for config in lookback_scan_kernel.configs)
    max_chunks = rows * ceil_div(length + shift, block)
    packed = workspace_dtype == torch.float32
    status = torch.zeros(max_chunks + 1, dtype=torch.int64 if packed else torch.int32, device=x.device)
    values = status if packed else torch.empty(2 * max_chunks, dtype=workspace_dtype, device=x.device)
    kernel = lookback_scan_kernel.fn if interpreted else lookback_scan_kernel
    meta = {"BLOCK": 64, "num_warps": 1} if interpreted else {}
    positions = length + shift if reverse else length
    grid = lambda meta: (min(rows * ceil_div(positions, meta["BLOCK"]), max_programs),)
    arguments = (x, y, status, values, max_chunks, rows, length, stride_x_row, stride_x_col, stride_y_row,
                 power_of_two_at_least(length))
    constexprs = dict(SHIFT=shift, ACC_DTYPE=acc_dtype, LOOKBACK=32, PACKED=packed, REVERSE=reverse, **meta)
    launch_kernel(kernel, grid, arguments, constexprs, compiled)


# Tiles of [BLOCK_L, BLOCK_K]; BLOCK_K is pruned to the inner size, up to 256 lanes. Every
# chunk publishes BLOCK_K totals and prefixes, so tiles stay at least 64 steps long: the
# workspace traffic is then a few percent of the data's. Runs of SUB = 8 steps per thread:
# fewer registers and instructions than 1 or 16 for every tile shape compiled offline.
def _column_lookback_configs():
    configs = []

    def config(block_l, block_k, sub, warps, stages=1, transpose=False, lookback=32):
        return triton.Config({"BLOCK_L": block_l, "BLOCK_K": block_k, "SUB": sub, "TRANSPOSE": transpose,
                              "LOOKBACK": lookback}, num_warps=warps, num_stages=stages)

    for block_k in (2, 4, 8, 16, 32, 64, 128, 256):
        for block_l in sorted({max(64, 4096 // block_k), max(128, 8192 // block_k)}):
            tile = block_l * block_k
            # 8192-element tiles sit near the register limit with 4 warps: try 8 as well
            for warps in (4, 8) if tile == 8192 else (4,) if tile < 8192 else (8,):
                configs += [config(block_l, block_k, 8, warps, stages) for stages in (1, 2)]
        if block_k <= 16:
            # narrow lanes: 2-warp tiles of 2048 elements; 8192-element tiles with runs of 2 and
            # 16 steps; and, for contiguous rows, the same 16-step runs loaded and stored flat
            # (TRANSPOSE), with look-back windows of 32 or 64 chunks. H100, one process, one chunk
            # per program at a time (NOTES.md section 25), flat tiles: (2^27, 8) 93.0% of copy
            # with windows of 32, 94.2% with 64 (168 registers, 3 programs per SM); (2^28, 4)
            # 92.6%, (2^29, 2) 93.1%, (2^26, 16) 88.9%. Windows of 64 cost K = 16 its third
            # program per SM (210 registers), so the autotuner picks
            configs += [config(2048 // block_k, block_k, 8, 2)]
            configs += [config(8192 // block_k, block_k, sub, 4) for sub in (2, 16)]
            configs += [config(8192 // block_k, block_k, 16, 4, transpose=True, lookback=lookback)
                        for lookback in (32, 64)]
            # rows narrower than the lane tile (3 lanes in a tile of 4) are gathered into padded
            # rows, whose indices cost registers: 8192-element flat tiles take 250 per thread for
            # 3 lanes, 4096-element ones 128-160 (sm_90, offline)
            configs += [config(4096 // block_k, block_k, sub, 4, transpose=True) for sub in (8, 16)]
    return configs


COLUMN_LOOKBACK_SCAN_CONFIGS = _column_lookback_configs()


@triton.jit
def _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr):
    """(outer index, first scan step, first lane) of chunk `ticket`'s [BLOCK_L, BLOCK_K] tile."""
    group = ticket // chunks_per_group  # one (outer index, lane tile) pair
    outer = (group // tiles_k).to(tl.int64)
    first_step = (ticket % chunks_per_group).to(tl.int64) * BLOCK_L
    first_lane = (group % tiles_k) * BLOCK_K
    return outer, first_step, first_lane


@triton.jit
def _tile_offsets(stride_scan, stride_inner, DENSE: tl.constexpr, WIDE_OFFSETS: tl.constexpr,
                  BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr, SUB: tl.constexpr):
    """Element offsets of a [BLOCK_L // SUB, SUB, BLOCK_K] tile from its first element. int32
    unless the tile spans 2^31 elements: 64-bit offsets would double the registers of every
    tile. DENSE: the tile is one contiguous block (stride_scan == BLOCK_K, stride_inner == 1);
    spelled with constants, so the compiler sees 16-byte runs and loads them as vectors."""
    steps = _run_steps(BLOCK_L, SUB)
    lanes = tl.arange(0, BLOCK_K)[None, None, :]
    # One return: Triton's code generator visits every return, also those after a constexpr
    # branch has returned, and rejects returns of different types (int32 and int64 here).
    if DENSE:
        offsets = steps * BLOCK_K + lanes
    elif WIDE_OFFSETS:
        offsets = steps.to(tl.int64) * stride_scan + lanes.to(tl.int64) * stride_inner
    else:
        offsets = steps * stride_scan + lanes * stride_inner
    return offsets  # [BLOCK_L // SUB, SUB, BLOCK_K]


@triton.jit
def _minimum2(a0, a1, b0, b1):
    """Combine of a two-tensor minimum reduction."""
    return tl.minimum(a0, b0), tl.minimum(a1, b1)


@triton.jit
def _window_words(values_ptr, window_end, group_first, slot, LOOKBACK: tl.constexpr, BLOCK_K: tl.constexpr):
    """Packed words of chunks window_end - 1, window_end - 2, ... (LOOKBACK of them, nearest
    first; zero before group_first), per lane: [LOOKBACK, BLOCK_K]."""
    index = window_end - 1 - tl.arange(0, LOOKBACK)  # [LOOKBACK]
    slots = (index * slot)[:, None] + tl.arange(0, BLOCK_K)[None, :]  # [LOOKBACK, BLOCK_K]
    return tl.load(values_ptr + slots, mask=(index >= group_first)[:, None], other=0, volatile=True)


@triton.jit
def _tile_elements(length, first_step, BLOCK_L: tl.constexpr, ROW: tl.constexpr):
    """Elements of a flat tile (steps of ROW contiguous elements) that lie in the scan, as an
    int32 bound for its flat offsets."""
    return (tl.minimum(length - first_step, BLOCK_L) * ROW).to(tl.int32)


@triton.jit
def _load_column_chunk(x_ptr, ticket, outer, first_step, first_lane, inner, length, stride_x_outer,
                       stride_x_scan, stride_x_inner, DENSE: tl.constexpr, WIDE_OFFSETS: tl.constexpr,
                       TRANSPOSE: tl.constexpr, FLAT_INNER: tl.constexpr, BLOCK_L: tl.constexpr,
                       BLOCK_K: tl.constexpr, SUB: tl.constexpr):
    """The input tile of chunk `ticket` (placed by _column_chunk; zeros past the scan's end),
    [BLOCK_L // SUB, SUB, BLOCK_K].

    TRANSPOSE (steps of contiguous lanes): in the run layout each warp instruction touches 16 separate 32-byte
    sectors, and a copy with that access pattern alone tops out at 80-92% of a torch copy
    (NOTES.md section 20). So the chunk is loaded flat, coalesced, and moved to the run layout
    through shared memory. Triton has no call for that move, but it places one where two
    layouts meet: a tensor's layout comes from the loads it flows from (by their pointers), and
    where an op joins two, the conversion goes to one side. The second load below has run-layout
    pointers and reads nothing (tickets are never negative), so it returns its `other`, the flat
    tile, converted to the run layout. Defined next to each chunk's load, the conversion lands
    on the chunk; defined once before the loop, Triton converted it instead, and the scan ran in
    the flat layout with 1242 shuffles (NOTES.md section 22; tests/test_kernel_layouts.py
    checks the compiled kernel).

    Rows narrower than the lane tile (FLAT_INNER < BLOCK_K, e.g. 3 lanes in a tile of 4) are
    loaded flat as well and gathered into padded rows (`tl.gather` through shared memory; its
    result takes the run layout directly). (2^28, 3) on an H100: 46% -> 55% of copy (NOTES.md
    section 26)."""
    if TRANSPOSE:
        flat = tl.arange(0, BLOCK_L * BLOCK_K)  # [BLOCK_L * BLOCK_K]
        mask = flat < _tile_elements(length, first_step, BLOCK_L, FLAT_INNER)
        x_tile = x_ptr + outer * stride_x_outer + first_step * FLAT_INNER
        x = tl.load(x_tile + flat, mask=mask, other=0)
        if FLAT_INNER < BLOCK_K:  # rows of FLAT_INNER elements: step s, lane k sits at s * FLAT_INNER + k
            lane = flat % BLOCK_K
            x = tl.where(lane < FLAT_INNER, tl.gather(x, (flat // BLOCK_K) * FLAT_INNER + lane, 0), 0)
        x = tl.reshape(x, [BLOCK_L // SUB, SUB, BLOCK_K])
        run_offsets = _tile_offsets(0, 0, True, False, BLOCK_L, BLOCK_K, SUB)
        return tl.load(x_tile + run_offsets, mask=ticket < 0, other=x)  # the flat tile, in the run layout
    lanes = tl.arange(0, BLOCK_K)[None, None, :]
    steps = _run_steps(BLOCK_L, SUB)  # [BLOCK_L // SUB, SUB, 1]
    mask = first_step + steps < length
    if DENSE:  # every lane is in range; a mask constant along K keeps 16-byte vectors
        x_tile = x_ptr + outer * stride_x_outer + first_step * BLOCK_K
    else:
        mask = mask & (first_lane + lanes < inner)  # [BLOCK_L // SUB, SUB, BLOCK_K]
        x_tile = x_ptr + outer * stride_x_outer + first_step * stride_x_scan + first_lane * stride_x_inner
    offsets = _tile_offsets(stride_x_scan, stride_x_inner, DENSE, WIDE_OFFSETS, BLOCK_L, BLOCK_K, SUB)
    return tl.load(x_tile + offsets, mask=mask, other=0)


@triton.jit
def _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, first_in_group,
                          PACKED: tl.constexpr, BLOCK_K: tl.constexpr):
    """Publish a tile's per-lane totals (status 1), or, for the first tile of its lanes, the
    same values as inclusive prefixes (status 2)."""
    lanes = tl.arange(0, BLOCK_K)
    if PACKED:
        # one (status, value) word per lane at values_ptr[ticket * slot + k]: each lane is a scan
        # of its own, so lanes need no common flag, and a word orders nothing but itself
        words = tl.where(first_in_group, _pack(total, 2), _pack(total, 1))
        tl.atomic_xchg(values_ptr + ticket * slot + lanes, words, sem="relaxed")
    else:
        # totals at values_ptr[ticket * slot + k], prefixes max_chunks * slot further on
        tl.store(values_ptr + tl.where(first_in_group, max_chunks * slot, 0) + ticket * slot + lanes, total)
        tl.debug_barrier()  # every thread's value store precedes the flag's release
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_group, 2, 1), sem="release")


@triton.autotune(
    configs=COLUMN_LOOKBACK_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "INNER_BUCKET", "SHIFT", "FLAT_INNER", "WIDE_OFFSETS", "PACKED"],
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs
        if config.kwargs["BLOCK_K"] == min(max(args["INNER_BUCKET"], 2), 256)
        and (kwargs["FLAT_INNER"] > 0 or not config.kwargs["TRANSPOSE"])]},  # flat chunks: contiguous rows
    reset_to_zero=["status_ptr", "values_ptr"],  # packed status words live in values_ptr
)
@triton.jit
def column_lookback_scan_kernel(
    x_ptr,  # input: x[m, l, k] at m * stride_x_outer + l * stride_x_scan + k * stride_x_inner
    y_ptr,  # output, contiguous along k: y[m, l, k] at m * stride_y_outer + l * stride_y_scan + k
    status_ptr,  # int32 [max_chunks + 1], zeroed: a status word per chunk, then the ticket counter
    values_ptr,  # ACC_DTYPE [2 * max_chunks * slot]: per-lane chunk totals, then inclusive prefixes;
    # if PACKED, int64 [max_chunks * slot], zeroed: one (status, value) word per chunk and lane
    max_chunks,
    slot,  # values per chunk in the workspace (>= BLOCK_K)
    outer_count,  # M of the (M, L, K) view
    inner,
    length,
    stride_x_outer,
    stride_x_scan,
    stride_x_inner,
    stride_y_outer,
    stride_y_scan,
    LENGTH_BUCKET,  # autotune keys, unused in the body
    INNER_BUCKET,
    SHIFT: tl.constexpr,
    ACC_DTYPE: tl.constexpr,
    LOOKBACK: tl.constexpr,  # predecessors examined at once (a config parameter here)
    WIDE_OFFSETS: tl.constexpr,  # a tile's element offsets need 64 bits
    PACKED: tl.constexpr,  # float32 sums: per-lane (status, value) words, read in one load
    BLOCK_L: tl.constexpr,
    BLOCK_K: tl.constexpr,
    SUB: tl.constexpr,  # consecutive steps one thread scans in registers (see column_scan._run_steps)
    TRANSPOSE: tl.constexpr,  # chunks loaded and stored flat (see _load_column_chunk); needs FLAT_INNER
    FLAT_INNER: tl.constexpr,  # inner if both tensors hold each step's lanes contiguously (stride_x_scan ==
    # stride_y_scan == inner, stride_x_inner == 1, inner <= BLOCK_K), else 0
):
    """lookback_scan_kernel for K > 1: a chunk is a [BLOCK_L, BLOCK_K] tile (held as
    [BLOCK_L // SUB, SUB, BLOCK_K]), and each chunk publishes one total per lane. Same tickets,
    same statuses, same deadlock argument, in the classic order (Merrill & Garland's, CUB's):
    a program holds one chunk at a time, and draws its next ticket after it has stored the
    chunk it holds. Holding two (the next chunk loaded and published before the look-back, as
    the row kernel does) costs 241-255 registers per thread here, 2 programs per SM; with one,
    a flat [1024, 8] tile takes 168, 3 programs per SM, and (2^27, 8) went from 87.3% to 94.2%
    of copy on an H100 (benchmarks/NOTES.md section 25). The ticket waits for the store: drawn
    earlier, a chunk's total waits a whole iteration for its load, look-backs chain, and the
    same tile ran at 22% of copy (on an H200)."""
    # dense: each step is exactly BLOCK_K contiguous lanes, so a tile is one contiguous block
    DENSE: tl.constexpr = FLAT_INNER == BLOCK_K
    chunks_per_group = tl.cdiv(length, BLOCK_L)
    tiles_k = tl.cdiv(inner, BLOCK_K)
    total_chunks = outer_count * tiles_k * chunks_per_group  # persistent, as lookback_scan_kernel
    k = tl.arange(0, BLOCK_K)
    steps = _run_steps(BLOCK_L, SUB)  # [BLOCK_L // SUB, SUB, 1]
    totals_ptr = values_ptr
    prefixes_ptr = values_ptr + max_chunks * slot
    y_offsets = _tile_offsets(stride_y_scan, 1, DENSE, WIDE_OFFSETS, BLOCK_L, BLOCK_K, SUB)
    ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")
    while ticket < total_chunks:
        chunk = ticket % chunks_per_group
        outer, first_step, first_lane = _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L, BLOCK_K)
        lane_mask = first_lane + k < inner  # [BLOCK_K]
        y_first = y_ptr + outer * stride_y_outer + first_lane  # output of step 0, lane first_lane
        x = _load_column_chunk(x_ptr, ticket, outer, first_step, first_lane, inner, length, stride_x_outer,
                               stride_x_scan, stride_x_inner, DENSE, WIDE_OFFSETS, TRANSPOSE, FLAT_INNER,
                               BLOCK_L, BLOCK_K, SUB)
        total = tl.sum(tl.sum(x.to(ACC_DTYPE), 1), 0)  # [BLOCK_K]
        # the total goes out before any wait: a drawn chunk's total follows one load
        _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, chunk == 0, PACKED,
                              BLOCK_K)
        window = tl.arange(0, LOOKBACK)
        group_first = ticket - chunk
        if PACKED:
            # the first look-back window is read before this chunk's scan within itself, which
            # runs while the read is in flight
            words = _window_words(values_ptr, ticket, group_first, slot, LOOKBACK, BLOCK_K)
        values = x.to(ACC_DTYPE)  # [BLOCK_L // SUB, SUB, BLOCK_K]
        # run totals kept 3-D: Triton scans only blocked layouts, and the 2-D slice of the tile's
        # layout was converted through shared memory and back (NOTES.md section 16)
        before_run, _ = _before_runs(tl.sum(values, 1, keep_dims=True))  # [BLOCK_L // SUB, 1, BLOCK_K]
        local = tl.cumsum(values, 1) + before_run
        # the prefixes before this chunk, carried in float64 when PACKED (see _pack)
        exclusive = tl.zeros([BLOCK_K], dtype=tl.float64 if PACKED else ACC_DTYPE)
        if chunk == 0:
            if SHIFT == 1:
                tl.store(y_first + k, tl.zeros([BLOCK_K], dtype=y_ptr.dtype.element_ty), mask=lane_mask)
        else:
            window_end = ticket
            done = tl.zeros([], dtype=tl.int32)
            if PACKED:
                # per lane: a lane whose nearest prefix lies further back keeps looking
                lane_done = tl.zeros([BLOCK_K], dtype=tl.int32)
                while done == 0:
                    index = window_end - 1 - window  # [LOOKBACK]
                    valid = (index >= group_first)[:, None]  # [LOOKBACK, 1]
                    # lanes already done count as found: they wait for nothing more
                    flags = tl.where(valid & (lane_done == 0)[None, :], _status(words), 2)
                    # per lane, the nearest inclusive prefix and the nearest chunk with nothing
                    # published, in one reduction (one pass through shared memory, not two)
                    nearest, missing = tl.reduce((tl.where(flags == 2, window[:, None], LOOKBACK),
                                                  tl.where(flags == 0, window[:, None], LOOKBACK + 1)), 0,
                                                 _minimum2)
                    ready = missing > nearest  # [BLOCK_K]
                    if tl.min(ready.to(tl.int32), 0) > 0:
                        take = valid & (window[:, None] <= nearest[None, :]) & (lane_done == 0)[None, :]
                        exclusive += tl.sum(tl.where(take, _sum(words), 0), 0)
                        lane_done = tl.where(nearest < LOOKBACK, 1, lane_done)
                        done = tl.min(lane_done, 0)
                        window_end -= LOOKBACK
                    if done == 0:  # the same window again, or the one before it
                        words = _window_words(values_ptr, window_end, group_first, slot, LOOKBACK, BLOCK_K)
                tl.atomic_xchg(values_ptr + ticket * slot + k, _pack(exclusive + total, 2), sem="relaxed")
            else:
                while done == 0:
                    index = window_end - 1 - window  # [LOOKBACK]
                    valid = index >= group_first
                    flags = tl.atomic_add(status_ptr + index, 0, mask=valid, sem="acquire")
                    flags = tl.where(valid, flags, 2)
                    nearest = tl.min(tl.where(flags == 2, window, LOOKBACK), 0)
                    ready = tl.min(tl.where(window < nearest, flags, 2), 0) > 0
                    if ready:
                        slots = (index * slot)[:, None] + k[None, :]  # [LOOKBACK, BLOCK_K]
                        before = (valid & (window < nearest))[:, None]
                        at = (valid & (window == nearest))[:, None]
                        totals = tl.load(totals_ptr + slots, mask=before, other=0, volatile=True)
                        prefix = tl.load(prefixes_ptr + slots, mask=at, other=0, volatile=True)
                        exclusive += tl.sum(totals.to(ACC_DTYPE) + prefix.to(ACC_DTYPE), 0)
                        done = (nearest < LOOKBACK).to(tl.int32)
                        window_end -= LOOKBACK
                tl.store(prefixes_ptr + ticket * slot + k, exclusive + total)
                tl.debug_barrier()
                tl.atomic_xchg(status_ptr + ticket, 2, sem="release")
        out = local + exclusive.to(ACC_DTYPE)[None, None, :]
        if TRANSPOSE:  # stored flat: converted back to the coalesced layout through shared memory
            flat = tl.arange(0, BLOCK_L * BLOCK_K)
            count = _tile_elements(length, first_step, BLOCK_L, FLAT_INNER)
            y_tile = y_ptr + outer * stride_y_outer + (first_step + SHIFT) * FLAT_INNER
            out = tl.reshape(out.to(y_ptr.dtype.element_ty), [BLOCK_L * BLOCK_K])
            if FLAT_INNER < BLOCK_K:  # memory position j holds step j // FLAT_INNER, lane j % FLAT_INNER
                padded = (flat // FLAT_INNER) * BLOCK_K + flat % FLAT_INNER
                out = tl.gather(out, tl.where(flat < count, padded, 0), 0)
            tl.store(y_tile + flat, out, mask=flat < count)
        else:
            mask = first_step + steps < length
            if DENSE:
                y_tile = y_ptr + outer * stride_y_outer + (first_step + SHIFT) * BLOCK_K
            else:
                mask = mask & lane_mask[None, None, :]
                y_tile = y_first + (first_step + SHIFT) * stride_y_scan
            tl.store(y_tile + y_offsets, out.to(y_ptr.dtype.element_ty), mask=mask)
        ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")


def launch_column_lookback_scan(x, y, outer, length, inner, stride_x_outer, stride_x_scan,
                                stride_x_inner, stride_y_outer, stride_y_scan, shift, acc_dtype,
                                workspace_dtype, max_programs, interpreted, compiled=None):
    """Scan the (outer, length, inner) view along its middle axis when lane tiles are too few,
    by at most `max_programs` persistent programs."""
    # the workspace is sized for the lane tile the pruning keeps and its shortest tile
    block_k = min(max(power_of_two_at_least(inner), 2), 256)
    configs = [config for config in column_lookback_scan_kernel.configs
               if config.kwargs["BLOCK_K"] == block_k]
    min_block_l = 8 if interpreted else min(config.kwargs["BLOCK_L"] for config in configs)
    slot = 8 if interpreted else block_k
    max_chunks = outer * ceil_div(inner, slot) * ceil_div(length, min_block_l)
    status = torch.zeros(max_chunks + 1, dtype=torch.int32, device=x.device)
    packed = workspace_dtype == torch.float32
    if packed:
        values = torch.zeros(max_chunks * slot, dtype=torch.int64, device=x.device)
    else:
        values = torch.empty(2 * max_chunks * slot, dtype=workspace_dtype, device=x.device)
    longest = max(config.kwargs["BLOCK_L"] for config in configs)
    wide = max(abs(stride_x_scan), abs(stride_y_scan)) * longest + abs(stride_x_inner) * block_k >= 2**31
    lane_tile = 8 if interpreted else block_k
    # each step's lanes contiguous in both tensors: chunks can be loaded and stored flat
    contiguous_rows = stride_x_inner == 1 and stride_x_scan == inner and stride_y_scan == inner
    flat_inner = inner if contiguous_rows and inner <= lane_tile else 0
    kernel = column_lookback_scan_kernel.fn if interpreted else column_lookback_scan_kernel
    # the interpreter's tile has two runs of 4 steps, so tests cross runs and tiles; contiguous
    # rows take the flat loads and stores there too (tests/test_kernel_layouts.py runs both ways)
    meta = ({"BLOCK_L": 8, "BLOCK_K": 8, "SUB": 4, "TRANSPOSE": flat_inner > 0, "LOOKBACK": 32,
             "num_warps": 1} if interpreted else {})
    chunks = lambda meta: outer * ceil_div(inner, meta["BLOCK_K"]) * ceil_div(length, meta["BLOCK_L"])
    grid = lambda meta: (min(chunks(meta), max_programs),)
    arguments = (x, y, status, values, max_chunks, slot, outer, inner, length, stride_x_outer, stride_x_scan,
                 stride_x_inner, stride_y_outer, stride_y_scan, power_of_two_at_least(length),
                 power_of_two_at_least(inner))
    constexprs = dict(SHIFT=shift, ACC_DTYPE=acc_dtype, WIDE_OFFSETS=wide, PACKED=packed,
                      FLAT_INNER=flat_inner, **meta)
    launch_kernel(kernel, grid, arguments, constexprs, compiled)
