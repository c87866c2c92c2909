"""Column look-back scan: the look-back for K > 1 when lane tiles are too few to fill the GPU.
A chunk is a [BLOCK_L, BLOCK_K] tile (held as [BLOCK_L // SUB, SUB, BLOCK_K]) and publishes one
total per lane, with the row look-back's tickets and statuses (lookback/protocol.py).
"""

import triton
import triton.language as tl

from ..operators import _combine, _identity, _total
from ..tiles import (
    _flat_offsets,
    _join_columns,
    _lane_sums_along_rows,
    _load_or,
    _load_row_group,
    _opaque,
    _other_runs,
    _prefetch_l2,
    _run_steps,
    _split_columns,
    _store_row_group,
    _tile_elements,
    _tile_offsets,
    _within_runs,
)
from .protocol import _minimum2, _pack, _publish_column_total, _status, _sum, _window_words


# Tiles of [BLOCK_L, BLOCK_K]; BLOCK_K is pruned to the inner size, up to 256 lanes. Every
# chunk publishes BLOCK_K totals and prefixes, so tiles stay at least 64 steps long: the
# workspace traffic is then a few percent of the data's. Runs of SUB = 8 steps per thread:
# fewer registers and instructions than 1 or 16 for every tile shape compiled offline.
def _column_lookback_configs():
    configs = []

    def config(block_l, block_k, sub, warps, stages=1, transpose=False, lookback=32, maxnreg=None, ahead=0,
               grouped=False, parts=1, early=False):
        meta = {"BLOCK_L": block_l, "BLOCK_K": block_k, "SUB": sub, "TRANSPOSE": transpose,
                "LOOKBACK": lookback, "L2_AHEAD": ahead}
        if grouped:
            meta["GROUPED"] = True
        if parts > 1:
            meta.update(PARTS=parts, EARLY_PART=early)
        return triton.Config(meta, num_warps=warps, num_stages=stages, maxnreg=maxnreg)

    for block_k in (2, 4, 8, 16, 32, 64, 128, 256):
        for block_l in sorted({max(64, 4096 // block_k), max(128, 8192 // block_k)}):
            tile = block_l * block_k
            # 8192-element tiles sit near the register limit with 4 warps: try 8 as well
            for warps in (4, 8) if tile == 8192 else (4,) if tile < 8192 else (8,):
                configs += [config(block_l, block_k, 8, warps, stages) for stages in (1, 2)]
        if block_k <= 16:
            # narrow lanes: 2-warp tiles of 2048 elements; 8192-element tiles with runs of 2 and
            # 16 steps; and, for contiguous rows, the same 16-step runs loaded and stored flat
            # (TRANSPOSE), with look-back windows of 32 or 64 chunks: wider windows help some lane
            # counts and cost others a program per SM, so the autotuner picks (NOTES.md section 25)
            configs += [config(2048 // block_k, block_k, 8, 2)]
            configs += [config(8192 // block_k, block_k, sub, 4) for sub in (2, 16)]
            configs += [config(8192 // block_k, block_k, 16, 4, transpose=True, lookback=lookback)
                        for lookback in (32, 64)]
            # the same flat tiles capped at 128 registers: four programs per SM instead of three,
            # for 1- and 2-byte inputs only (4-byte ones spill there; NOTES.md section 49)
            configs += [config(8192 // block_k, block_k, 16, 4, transpose=True, maxnreg=128)]
            # capped at 168 registers, with runs of 8 steps (no spills there): three programs per
            # SM instead of two for exclusive and reversed 4-byte scans, which compile to 174-208
            # uncapped (dense flat rows only; NOTES.md section 110)
            configs += [config(8192 // block_k, block_k, 8, 4, transpose=True, lookback=64, maxnreg=168)]
            # sums widened from 4 to 8 bytes (int32 -> int64): the same flat tiles on 8 warps at 128
            # registers, two programs of 8 warps per SM, where the uncapped tiles (248-254 registers)
            # fit two of 4 warps: the same bytes in flight, twice the warps (NOTES.md 156, 158)
            configs += [config(8192 // block_k, block_k, 8, 8, transpose=True, lookback=64, maxnreg=128)]
            # both, asking L2 for the tile a round of programs ahead (flat tiles only; NOTES.md 54)
            configs += [config(8192 // block_k, block_k, 16, 4, transpose=True, maxnreg=maxnreg, ahead=1)
                        for maxnreg in (None, 128)]
            # rows narrower than the lane tile (3 lanes in a tile of 4) are gathered into padded
            # rows, whose indices cost registers: 4096-element flat tiles (NOTES.md section 26),
            # also with the prefetch
            configs += [config(4096 // block_k, block_k, sub, 4, transpose=True) for sub in (8, 16)]
            configs += [config(4096 // block_k, block_k, 16, 4, transpose=True, ahead=1)]
            # chunks of 32 KiB of 2-byte input held as 2 PARTS flat tiles in the input's type through
            # the look-back, the first scanned during the read (EARLY_PART), at 168 registers: kept
            # by _parts_fit for 2-byte inputs over dense flat rows (NOTES.md 126, 129; the float32,
            # int32 and 4-part forms lost in the sweeps); over 16 lanes without the early part, which
            # spills there at 168 (NOTES.md 152, 155)
            configs += [config(16384 // block_k, block_k, 16, 4, transpose=True, maxnreg=168, parts=2,
                               early=block_k <= 8)]
        if block_k in (4, 8):
            # rows of 3, 5, 6 or 7 contiguous lanes held as whole steps in 16-byte vectors, split
            # into elements whose lanes are known at compile time (GROUPED; NOTES.md 119): chunks
            # of 1024 to 4096 steps on 4 or 8 warps, as many as _grouped_fits keeps
            configs += [config(block_l, block_k, 8, warps, transpose=True, grouped=True)
                        for block_l in (1024, 2048, 4096) for warps in (4, 8)]
            # capped at 128 or 96 registers: four or five programs of 4 warps per SM instead of
            # the three that 168 registers allow (NOTES.md section 121); 4096 steps at 168 or 128,
            # where 2-byte inputs fit (section 143)
            configs += [config(block_l, block_k, 8, 4, transpose=True, grouped=True, maxnreg=maxnreg)
                        for block_l, maxnreg in ((1024, 128), (1024, 96), (2048, 128), (2048, 96),
                                                 (4096, 168), (4096, 128))]
            # 8-byte sums over 5 to 7 lanes: [1024, 8] on 8 warps is one program per SM uncapped
            # (146-152 registers offline), two at 128; [512, 8] on 4 warps four at 128 (NOTES.md 145,
            # 151; timed in 155)
            configs += [config(block_l, block_k, 8, 8, transpose=True, grouped=True, maxnreg=128)
                        for block_l in (1024, 2048)]
            configs += [config(512, block_k, 8, 4, transpose=True, grouped=True, maxnreg=maxnreg)
                        for maxnreg in (None, 128)]
    return configs


COLUMN_LOOKBACK_SCAN_CONFIGS = _column_lookback_configs()


def _register_cap_fits(maxnreg, input_size, output_size, flat_inner, block_k, grouped=False,
                       parts=False, warps=4) -> bool:
    """Whether a config's register cap (maxnreg) fits the tensors' tiles without spills: 128 for
    1- and 2-byte inputs (4-byte ones spill there on 4 warps; NOTES.md section 49), and on 8 warps
    for flat rows of 4-byte inputs summed into 8 bytes (section 158); 168 for inputs and outputs of
    at most 4 bytes held as dense flat rows (gathered lanes spill there; section 110); GROUPED and
    PARTS configs are capped for the tiles _grouped_fits and _parts_fit keep them for."""
    if maxnreg is None or parts or grouped:
        return True
    if maxnreg < 168:
        widened = warps == 8 and input_size == 4 and output_size == 8 and flat_inner == block_k
        return (input_size <= 2 and warps == 4) or widened
    return max(input_size, output_size) <= 4 and flat_inner == block_k


def _parts_fit(config, input_size, output_size, flat_inner, strided_input=False) -> bool:
    """PARTS configs (NOTES.md 126) only over dense flat rows (either direction) of 2-byte inputs
    scanned into outputs of at most 4 bytes, the only ones whose registers their cap of 168 was
    set for and where they won (NOTES.md 129); not over a strided input (parts are read as one
    contiguous block)."""
    if config.kwargs.get("PARTS", 1) == 1:
        return True
    return (flat_inner == config.kwargs["BLOCK_K"] and not strided_input and input_size == 2
            and output_size <= 4)


def _grouped_fits(config, allowed, flat_inner, input_size, output_size, group_row=1) -> bool:
    """GROUPED configs only where the plan allows them (GROUPED_OK), with a whole row of GROUP_ROW
    elements at least in a chunk, by the bytes a thread holds: its elements times the wider of the
    input and output element (2-byte inputs summed in float32 compile to the registers of their
    own bytes more than their sums'; NOTES.md 119, 143). Uncapped, at most 224 bytes; capped at 128
    or 168 registers, at most 192 (offline, sm_90: none spill but 2-byte inputs at 192, 8-64
    bytes, still faster on the H100; section 143); capped at 96, sums of 4 bytes and at most 192
    bytes of them (a few bytes spilled and faster, section 122)."""
    if not config.kwargs.get("GROUPED", False):
        return True
    block = config.kwargs["BLOCK_L"] * flat_inner
    elements = block // (32 * config.num_warps)  # a thread's, rounded down
    widest = max(input_size, output_size)
    if config.maxnreg is None:
        fits = elements * widest <= 224
    elif config.maxnreg >= 128:
        fits = elements * widest <= 192
    else:
        fits = widest <= 4 and elements * 4 <= 192
    return allowed and fits and block >= group_row


@triton.jit
def _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr):
    """(outer index, first scan step, first lane) of chunk `ticket`'s [BLOCK_L, BLOCK_K] tile."""
    group = ticket // chunks_per_group  # one (outer index, lane tile) pair
    outer_index = (group // tiles_k).to(tl.int64)
    first_step = (ticket % chunks_per_group).to(tl.int64) * BLOCK_L
    first_lane = (group % tiles_k) * BLOCK_K
    return outer_index, first_step, first_lane


@triton.jit
def _steps_past_end(length, first_step, BLOCK_L: tl.constexpr):
    """Steps of the tile starting at `first_step` that lie past the scan's end, as int32 (0 when
    the tile is whole): a tile held in memory order has them first."""
    return tl.maximum(first_step + BLOCK_L - length, 0).to(tl.int32)


@triton.jit
def _load_column_chunk(x_ptr, x_end, ticket, outer_index, first_step, first_lane, inner, length,
                       stride_x_outer, stride_x_scan, stride_x_inner, DENSE: tl.constexpr,
                       WIDE_OFFSETS: tl.constexpr, TRANSPOSE: tl.constexpr, FLAT_INNER: tl.constexpr,
                       FLAT_STEP: tl.constexpr, ACC_DTYPE: tl.constexpr, FROM_START: tl.constexpr,
                       BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr, SUB: tl.constexpr,
                       OPERATOR: tl.constexpr, INPUT_STEP: tl.constexpr = 0):
    """The input tile of chunk `ticket` (placed by _column_chunk; the identity past the scan's end),
    [BLOCK_L // SUB, SUB, BLOCK_K], in the accumulator's type.

    TRANSPOSE (steps of contiguous lanes): in the run layout each warp instruction touches 16
    separate 32-byte sectors, and a copy with that access pattern alone stays short of a plain
    copy (NOTES.md section 20). So the chunk is loaded flat, coalesced, and moved to the run layout
    through shared memory. Triton has no call for that move, but it places one where two
    layouts meet: a tensor's layout comes from the loads it flows from (by their pointers), and
    where an op joins two, the conversion goes to one side. The second load below has run-layout
    pointers and reads nothing (tickets are never negative), so it returns its `other`, the flat
    tile, converted to the run layout. Defined next to each chunk's load, the conversion lands
    on the chunk; defined once before the loop, Triton converted it instead, and the scan ran in
    the flat layout, crossing threads at every step (NOTES.md section 22;
    tests/kernels/test_layouts.py checks the compiled kernel).

    Rows narrower than the lane tile (FLAT_INNER < BLOCK_K, e.g. 3 lanes in a tile of 4) are
    loaded flat as well and gathered into padded rows (`tl.gather` through shared memory; its
    result takes the run layout directly; NOTES.md section 26).

    INPUT_STEP (nonzero): the input's steps lie INPUT_STEP elements apart, further than its
    FLAT_INNER lanes (a strided view): still loaded flat, each step's lanes one vector, the tile in
    scan order either way (walking backwards, steps descending and lanes ascending). A compile-time
    step keeps each vector's address an immediate offset from the tile's, as a dense tile's; at run
    time every vector took its own address registers (NOTES.md 148)."""
    identity = _identity(OPERATOR, x_ptr.dtype.element_ty)
    if TRANSPOSE:
        X_STEP: tl.constexpr = FLAT_STEP if INPUT_STEP == 0 else INPUT_STEP  # the input's step
        flat = tl.arange(0, BLOCK_L * BLOCK_K)  # [BLOCK_L * BLOCK_K]
        mask = flat < _tile_elements(length, first_step, BLOCK_L, FLAT_INNER)
        x_tile = x_ptr + outer_index * stride_x_outer + first_step * X_STEP
        if FLAT_STEP < 0 and DENSE:  # the kernel's MEMORY_ORDER (DENSE here is its X_DENSE)
            # held in memory order (its last step first; the kernel scans it from its end): one
            # contiguous block from the last step up, loaded as a forward tile is
            x_last = _chunk_in_memory_order(x_ptr, x_end, outer_index * stride_x_outer, first_step, 0,
                                            FROM_START, FLAT_STEP, BLOCK_L)
            x = _load_or(x_last + flat, flat >= _steps_past_end(length, first_step, BLOCK_L) * BLOCK_K,
                         identity)
        else:
            x = _load_or(x_tile + _flat_offsets(flat, FLAT_INNER, X_STEP), mask, identity)
        if FLAT_INNER < BLOCK_K:  # rows of FLAT_INNER elements: step s, lane k sits at s * FLAT_INNER + k
            lane = flat % BLOCK_K
            x = tl.where(lane < FLAT_INNER, tl.gather(x, (flat // BLOCK_K) * FLAT_INNER + lane, 0),
                         identity)
        return _in_run_layout(x, x_tile, ticket, ACC_DTYPE, BLOCK_L, BLOCK_K, SUB)
    lanes = tl.arange(0, BLOCK_K)[None, None, :]
    steps = _run_steps(BLOCK_L, SUB)  # [BLOCK_L // SUB, SUB, 1]
    mask = first_step + steps < length
    if DENSE:  # every lane is in range; a mask constant along K keeps 16-byte vectors
        x_tile = x_ptr + outer_index * stride_x_outer + first_step * FLAT_STEP
    else:
        mask = mask & (first_lane + lanes < inner)  # [BLOCK_L // SUB, SUB, BLOCK_K]
        x_tile = (x_ptr + outer_index * stride_x_outer + first_step * stride_x_scan
                  + first_lane * stride_x_inner)
    offsets = _tile_offsets(stride_x_scan, stride_x_inner, FLAT_STEP if DENSE else 0, WIDE_OFFSETS, BLOCK_L,
                            BLOCK_K, SUB)
    return _load_or(x_tile + offsets, mask, identity).to(ACC_DTYPE)


@triton.jit
def _in_run_layout(flat, any_pointer, ticket, ACC_DTYPE: tl.constexpr, BLOCK_L: tl.constexpr,
                   BLOCK_K: tl.constexpr, SUB: tl.constexpr):
    """A flat tile [BLOCK_L * BLOCK_K] (steps of BLOCK_K lanes) as [BLOCK_L // SUB, SUB, BLOCK_K] in
    the run layout, in ACC_DTYPE, moved through shared memory (see _load_column_chunk): a load from
    run-layout pointers (`any_pointer` onwards, never read: tickets are never negative) returns its
    `other`. Converted to the accumulator first, so that the run layout is the accumulator's: a
    2-byte type's own (8 lanes of a step per thread) spread each run over threads."""
    x = tl.reshape(flat.to(ACC_DTYPE), [BLOCK_L // SUB, SUB, BLOCK_K])
    run_offsets = _tile_offsets(0, 0, BLOCK_K, False, BLOCK_L, BLOCK_K, SUB)
    run_tile = any_pointer.to(tl.pointer_type(ACC_DTYPE))
    return tl.load(run_tile + run_offsets, mask=ticket < 0, other=x)  # the flat tile, in the run layout


@triton.jit
def _chunk_in_memory_order(base, end, outer_offset, first_step, SHIFT: tl.constexpr, FROM_START: tl.constexpr,
                           FLAT_STEP: tl.constexpr, BLOCK_L: tl.constexpr):
    """The lowest address of a flat dense chunk walked backwards and held in memory order: its last
    step's (SHIFT steps on, for an output shifted by a step), counted from `end` (one step past the
    tensor's last, which the plan aligned) with FROM_START, else from `base` (the tensor's last
    step). The chunk is then one contiguous block from there up."""
    if FROM_START:
        origin = end + outer_offset + (first_step + BLOCK_L + SHIFT) * FLAT_STEP
    else:
        origin = base + outer_offset + (first_step + BLOCK_L - 1 + SHIFT) * FLAT_STEP
    return origin


@triton.jit
def _part_mask(flat, part, bound, PART_ELEMENTS: tl.constexpr, MEMORY_ORDER: tl.constexpr):
    """Which of a part's elements (`flat` [PART_ELEMENTS] from the part's first) lie in the scan: in
    a chunk walked forwards those before the chunk's element `bound` (its elements in the scan); in
    one held in memory order those at and after it (its elements past the scan's end come first)."""
    at = flat + part * PART_ELEMENTS
    if MEMORY_ORDER:
        mask = at >= bound
    else:
        mask = at < bound
    return mask


@triton.jit
def _load_held_parts(x_chunk, bound, ACC_DTYPE: tl.constexpr, PARTS: tl.constexpr, BLOCK_L: tl.constexpr,
                     BLOCK_K: tl.constexpr, MEMORY_ORDER: tl.constexpr, OPERATOR: tl.constexpr):
    """(parts, part totals, total) of a PARTS chunk: its BLOCK_L dense steps from `x_chunk` (its
    first element in memory) as PARTS flat tiles of BLOCK_L // PARTS steps, [BLOCK_L // PARTS *
    BLOCK_K] each, in memory order, in the input's type (the identity outside the scan: _part_mask) and
    passed through tiles._opaque, so that they are held as loaded; each part's per-lane totals
    [BLOCK_K] and the chunk's, in ACC_DTYPE."""
    flat = tl.arange(0, BLOCK_L // PARTS * BLOCK_K)
    parts = ()
    part_totals = ()
    total = tl.full([BLOCK_K], _identity(OPERATOR, x_chunk.dtype.element_ty), dtype=ACC_DTYPE)
    for part in tl.static_range(PARTS):
        mask = _part_mask(flat, part, bound, BLOCK_L // PARTS * BLOCK_K, MEMORY_ORDER)
        x = _load_or(x_chunk + part * (BLOCK_L // PARTS * BLOCK_K) + flat, mask,
                     _identity(OPERATOR, x_chunk.dtype.element_ty))
        part_total = _total(tl.reshape(x.to(ACC_DTYPE), [BLOCK_L // PARTS, BLOCK_K]), 0,
                            OPERATOR)  # [BLOCK_K]
        parts = parts + (_opaque(x),)
        part_totals = part_totals + (part_total,)
        total = _combine(total, part_total, OPERATOR)
    return parts, part_totals, total


@triton.jit
def _scan_part(part, any_pointer, ticket, IN_PLACE: tl.constexpr, MEMORY_ORDER: tl.constexpr,
               ACC_DTYPE: tl.constexpr, PART_L: tl.constexpr, BLOCK_K: tl.constexpr, SUB: tl.constexpr,
               OPERATOR: tl.constexpr):
    """A held part (a flat tile of PART_L dense steps, as _load_held_parts keeps it) moved to the run
    layout and scanned within and across its runs: each step's sum within the part (before it,
    with IN_PLACE; from its end when held in MEMORY_ORDER), [PART_L // SUB, SUB, BLOCK_K] in
    ACC_DTYPE. Each form keeps the order of its two scans the whole tile's has."""
    values = _in_run_layout(part, any_pointer, ticket, ACC_DTYPE, PART_L, BLOCK_K, SUB)
    run_totals = _total(values, 1, OPERATOR, True)  # [PART_L // SUB, 1, BLOCK_K]
    if MEMORY_ORDER:
        local = _combine(_within_runs(values, IN_PLACE, True, OPERATOR),
                         _other_runs(run_totals, True, OPERATOR), OPERATOR)
    else:
        other = _other_runs(run_totals, False, OPERATOR)
        local = _combine(_within_runs(values, IN_PLACE, False, OPERATOR), other, OPERATOR)
    return local


@triton.jit
def _store_part(local, prefix, y_part, mask, PART_L: tl.constexpr, BLOCK_K: tl.constexpr,
                OPERATOR: tl.constexpr):
    """A part's sums within it (`local`, as _scan_part gives them) plus `prefix` [BLOCK_K] (the sums
    before the part in the scan's order), stored flat from `y_part` (its first element in memory)
    where `mask` (_part_mask)."""
    flat = tl.arange(0, PART_L * BLOCK_K)
    out = _combine(local, prefix[None, None, :], OPERATOR)
    out = tl.reshape(out.to(y_part.dtype.element_ty), [PART_L * BLOCK_K])
    tl.store(y_part + flat, out, mask=mask)


@triton.jit
def _load_and_publish(x_ptr, x_end, status_ptr, values_ptr, max_chunks, slot, ticket, chunks_per_group,
                      tiles_k, inner, length, stride_x_outer, stride_x_scan, stride_x_inner,
                      DENSE: tl.constexpr, WIDE_OFFSETS: tl.constexpr, TRANSPOSE: tl.constexpr,
                      FLAT_INNER: tl.constexpr, FLAT_STEP: tl.constexpr, ACC_DTYPE: tl.constexpr,
                      PACKED: tl.constexpr, FROM_START: tl.constexpr, BLOCK_L: tl.constexpr,
                      BLOCK_K: tl.constexpr, SUB: tl.constexpr, OPERATOR: tl.constexpr,
                      INPUT_STEP: tl.constexpr):
    """(Tile, per-lane totals [BLOCK_K]) of chunk `ticket`, its totals published."""
    outer_index, first_step, first_lane = _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L, BLOCK_K)
    x = _load_column_chunk(x_ptr, x_end, ticket, outer_index, first_step, first_lane, inner, length,
                           stride_x_outer, stride_x_scan, stride_x_inner, DENSE, WIDE_OFFSETS, TRANSPOSE,
                           FLAT_INNER, FLAT_STEP, ACC_DTYPE, FROM_START, BLOCK_L, BLOCK_K, SUB, OPERATOR,
                           INPUT_STEP)
    total = _total(_total(x, 1, OPERATOR), 0, OPERATOR)  # [BLOCK_K]; x is in ACC_DTYPE
    first_in_group = ticket % chunks_per_group == 0
    _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, first_in_group, PACKED,
                          BLOCK_K)
    return x, total


@triton.jit
def _prefetch_column_tile(x_ptr, ticket, total_chunks, chunks_per_group, tiles_k, length, stride_x_outer,
                          stride_x_scan, FLAT_INNER: tl.constexpr, BACKWARDS: tl.constexpr,
                          BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr):
    """Ask L2 for chunk `ticket`'s flat tile (each step FLAT_INNER contiguous lanes, steps
    stride_x_scan = +-FLAT_INNER apart, so the tile is one contiguous span; nothing past the last chunk)."""
    if ticket < total_chunks:
        outer_index, first_step, _ = _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L, BLOCK_K)
        steps = tl.minimum(length - first_step, BLOCK_L)
        # the span's lowest address: its first step forwards, its last one walking backwards
        low_step = first_step + steps - 1 if BACKWARDS else first_step
        _prefetch_l2(x_ptr + outer_index * stride_x_outer + low_step * stride_x_scan, steps * FLAT_INNER,
                     BLOCK_L * BLOCK_K)


@triton.jit
def _lanes_nearest(words, window_end, group_first, lane_done, LOOKBACK: tl.constexpr):
    """(nearest, ready) per lane of a window of packed words (protocol._window_words: chunks
    window_end - 1, window_end - 2, ..., [LOOKBACK, BLOCK_K]): the step of the nearest chunk that has
    published the lane's inclusive prefix (LOOKBACK where none has), and whether every nearer one has
    published at least its total. Chunks before group_first count as prefixes, and so does every
    word of a lane already done (`lane_done` 1): it waits for nothing more. Both minimums in one
    reduction: one round trip through shared memory, not two."""
    window = tl.arange(0, LOOKBACK)
    valid = (window_end - 1 - window >= group_first)[:, None]  # [LOOKBACK, 1]
    flags = tl.where(valid & (lane_done == 0)[None, :], _status(words), 2)  # [LOOKBACK, BLOCK_K]
    nearest, missing = tl.reduce((tl.where(flags == 2, window[:, None], LOOKBACK),
                                  tl.where(flags == 0, window[:, None], LOOKBACK + 1)), 0, _minimum2)
    return nearest, missing > nearest


@triton.jit
def _lanes_taken(words, window_end, group_first, lane_done, nearest, OPERATOR: tl.constexpr,
                 IDENTITY_DTYPE: tl.constexpr, LOOKBACK: tl.constexpr):
    """Per lane, the sums of the window's words up to and with `nearest` combined (_lanes_nearest;
    [BLOCK_K], float64): none for a lane already done, none before group_first. IDENTITY_DTYPE: whose
    identity stands for the words not taken (the kernel's IDENTITY)."""
    window = tl.arange(0, LOOKBACK)
    valid = (window_end - 1 - window >= group_first)[:, None]  # [LOOKBACK, 1]
    take = valid & (window[:, None] <= nearest[None, :]) & (lane_done == 0)[None, :]
    return _total(tl.where(take, _sum(words), _identity(OPERATOR, IDENTITY_DTYPE)), 0, OPERATOR)


@triton.autotune(
    configs=COLUMN_LOOKBACK_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "INNER_BUCKET", "SHIFT", "FLAT_INNER", "BACKWARDS", "WIDE_OFFSETS", "PACKED",
         "IN_PLACE", "FROM_START", "GROUPED_OK", "INPUT_STEP", "OPERATOR"],
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs
        if config.kwargs["BLOCK_K"] == min(max(args["INNER_BUCKET"], 2), 256)
        and (kwargs["FLAT_INNER"] > 0 or not config.kwargs["TRANSPOSE"])  # flat chunks: contiguous rows
        and _register_cap_fits(config.maxnreg, args["x_ptr"].element_size(), args["y_ptr"].element_size(),
                               kwargs["FLAT_INNER"], config.kwargs["BLOCK_K"],
                               config.kwargs.get("GROUPED", False), config.kwargs.get("PARTS", 1) > 1,
                               config.num_warps)
        # prefetched tiles: flat ones, one contiguous span each (not a strided input's)
        and (not config.kwargs["L2_AHEAD"] or (kwargs["FLAT_INNER"] > 0 and not kwargs.get("INPUT_STEP", 0)))
        and _grouped_fits(config, kwargs.get("GROUPED_OK", False), kwargs["FLAT_INNER"],
                          args["x_ptr"].element_size(), args["y_ptr"].element_size(),
                          kwargs.get("GROUP_ROW", 1))
        and _parts_fit(config, args["x_ptr"].element_size(), args["y_ptr"].element_size(),
                       kwargs["FLAT_INNER"], kwargs.get("INPUT_STEP", 0) != 0)]},
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
    outer,  # M of the (M, L, K) view
    inner,
    length,  # steps summed per lane; with IN_PLACE, steps loaded and stored (the output's)
    stride_x_outer,
    stride_x_scan,
    stride_x_inner,
    stride_y_outer,
    stride_y_scan,
    LENGTH_BUCKET,  # autotune keys, unused in the body
    INNER_BUCKET,
    SHIFT: tl.constexpr,
    ACC_DTYPE: tl.constexpr,
    OPERATOR: tl.constexpr,  # the scan's operator (operators.py): "sum" for cumsum
    LOOKBACK: tl.constexpr,  # predecessors examined at once (a config parameter here)
    WIDE_OFFSETS: tl.constexpr,  # a tile's element offsets need 64 bits
    PACKED: tl.constexpr,  # float32 sums: per-lane (status, value) words, read in one load
    BLOCK_L: tl.constexpr,
    BLOCK_K: tl.constexpr,
    SUB: tl.constexpr,  # consecutive steps one thread scans in registers (see tiles._run_steps)
    TRANSPOSE: tl.constexpr,  # chunks loaded and stored flat (see _load_column_chunk); needs FLAT_INNER
    FLAT_INNER: tl.constexpr,  # inner if both tensors hold each step's lanes contiguously (stride_x_scan ==
    # stride_y_scan == +-inner, stride_x_inner == 1, inner <= BLOCK_K), or the output does and the
    # input's steps lie INPUT_STEP apart; else 0
    BACKWARDS: tl.constexpr,  # with FLAT_INNER: the steps walk both tensors backwards (stride -inner)
    L2_AHEAD: tl.constexpr,  # R > 0: with flat tiles, each ticket drawn asks L2 for the tile R rounds later
    IN_PLACE: tl.constexpr = False,  # SHIFT 1: step s stores the sum before s, scanned in registers,
    #                                  where it was loaded (flat steps whose one-step shift would
    #                                  misalign every 16-byte store)
    FROM_START: tl.constexpr = 0,  # > 0, with BACKWARDS: both tensors given at their first step; their
    #                                end, (steps stored) * FLAT_INNER elements on, is a multiple of
    #                                FROM_START elements (16 bytes of each tensor, or 1: not known)
    GROUPED_OK: tl.constexpr = False,  # the plan allows GROUPED (read by the pruning only)
    GROUPED: tl.constexpr = False,  # with GROUPED_OK: rows of FLAT_INNER lanes stored in place, held
    #                                 as rows of GROUP_ROW elements (whole 16-byte vectors) per thread,
    #                                 each vector split into its elements, whose lanes are known at
    #                                 compile time
    GROUP_ROW: tl.constexpr = 1,  # GROUPED: elements per row, the fewest whole steps that are whole
    #                               16-byte vectors of the input and 32-byte sectors of the output
    GROUP_LOAD_VECTOR: tl.constexpr = 1,  # GROUPED: input elements per 16 bytes
    GROUP_STORE_VECTOR: tl.constexpr = 1,  # GROUPED: output elements per 16 bytes
    PARTS: tl.constexpr = 1,  # > 1, with TRANSPOSE over dense rows: a chunk loaded as
    #                           PARTS flat tiles of BLOCK_L // PARTS steps, held in the input's type
    #                           through the look-back, then scanned and stored one at a time
    EARLY_PART: tl.constexpr = False,  # with PARTS: the part the scan starts from (the last in memory
    #                                    walking backwards) scanned while the look-back's first read
    #                                    is in flight, and held through the wait as its sums
    INPUT_STEP: tl.constexpr = 0,  # nonzero, with FLAT_INNER == BLOCK_K: the input's steps lie INPUT_STEP
    #                                elements apart (stride_x_scan: a strided view, further apart than
    #                                FLAT_INNER), the output's FLAT_STEP; flat tiles load each step's
    #                                lanes as a vector
):
    """lookback_scan_kernel for K > 1: a chunk is a [BLOCK_L, BLOCK_K] tile (held as
    [BLOCK_L // SUB, SUB, BLOCK_K]), and each chunk publishes one total per lane. Same tickets,
    same statuses, same deadlock argument, in the classic order (Merrill & Garland's, CUB's):
    a program holds one chunk at a time, and draws its next ticket after it has stored the
    chunk it holds. Holding two (the next chunk loaded and published before the look-back, as the
    row kernel does) cost [1024, 8] tiles one program per SM (benchmarks/NOTES.md section 25), and
    [512, 8] tiles held two at a time, at the registers of one [1024, 8], read 20-30 points under
    the classic round (NOTES.md 110). The ticket waits for the store: drawn earlier, a chunk's
    total waits a whole iteration for its load, and the look-backs chain (NOTES.md 106)."""
    IDENTITY: tl.constexpr = _identity(OPERATOR, x_ptr.dtype.element_ty)
    # dense: each step is exactly BLOCK_K contiguous lanes, so a tile is one contiguous block
    DENSE: tl.constexpr = FLAT_INNER == BLOCK_K
    # flat and dense tiles: successive steps lie FLAT_STEP elements apart in both tensors (in the
    # output alone for a strided input, whose steps lie INPUT_STEP apart)
    FLAT_STEP: tl.constexpr = -FLAT_INNER if BACKWARDS else FLAT_INNER
    X_DENSE: tl.constexpr = DENSE and INPUT_STEP == 0
    # a flat dense tile walked backwards is held in memory order, its last step first (_load_column_chunk);
    # a strided input's tile in scan order
    MEMORY_ORDER: tl.constexpr = TRANSPOSE and X_DENSE and BACKWARDS
    # steps between where a step's input is loaded and its output is stored
    STORE_SHIFT: tl.constexpr = 0 if IN_PLACE else SHIFT
    # GROUPED chunks are counted from the tensors' start: walking backwards, the plan hands it over
    tl.static_assert(not GROUPED or (STORE_SHIFT == 0 and FLAT_INNER > 0 and FLAT_INNER <= BLOCK_K
                                     and (FROM_START > 0 or not BACKWARDS)))
    # held parts: flat tiles of dense rows (walked backwards: held in memory order)
    tl.static_assert(PARTS == 1 or (TRANSPOSE and DENSE and not GROUPED and INPUT_STEP == 0))
    # a strided input: dense lanes, its tiles addressed from the steps the other paths enter at
    tl.static_assert(INPUT_STEP == 0 or (DENSE and not GROUPED and FROM_START == 0 and L2_AHEAD == 0))
    # GROUPED chunks: rows per chunk
    GROUP_ROWS: tl.constexpr = BLOCK_L * FLAT_INNER // GROUP_ROW if GROUPED else 1
    # GROUPED 8-byte sums: the lanes' row totals as one [GROUP_ROWS, BLOCK_K] tile (2-byte ones
    # lost with it; NOTES.md 212, 219)
    JOINED_LANES: tl.constexpr = GROUPED and ACC_DTYPE.primitive_bitwidth == 64
    tl.static_assert(GROUP_ROWS >= 1, "GROUPED: a chunk holds a whole row of GROUP_ROW elements at least")
    x_start = x_ptr  # the first step (read by GROUPED chunks; other paths enter at the last step)
    y_start = y_ptr
    if FROM_START:
        # tensors given at their first step, which Triton knows aligned, so that a tile held in
        # memory order is addressed from the end and loads and stores 16-byte vectors; entered
        # at their last step, they were off 16-byte alignment by a step (NOTES.md 109)
        end = tl.multiple_of((length + STORE_SHIFT).to(tl.int64) * FLAT_INNER, FROM_START)
        x_end = x_ptr + end
        y_end = y_ptr + end
        x_ptr = x_end + FLAT_STEP  # the last step, where the other paths enter
        y_ptr = y_end + FLAT_STEP
    else:  # unread: without FROM_START tiles are addressed from x_ptr and y_ptr, as before, since
        #     the same addresses written from the end compile to more registers (NOTES.md 109)
        x_end = x_ptr
        y_end = y_ptr
    chunks_per_group = tl.cdiv(length, BLOCK_L)
    tiles_k = tl.cdiv(inner, BLOCK_K)
    total_chunks = outer * tiles_k * chunks_per_group  # persistent, as lookback_scan_kernel
    lanes = tl.arange(0, BLOCK_K)
    steps = _run_steps(BLOCK_L, SUB)  # [BLOCK_L // SUB, SUB, 1]
    totals_ptr = values_ptr
    prefixes_ptr = values_ptr + max_chunks * slot
    y_offsets = _tile_offsets(stride_y_scan, 1, FLAT_STEP if DENSE else 0, WIDE_OFFSETS, BLOCK_L, BLOCK_K,
                              SUB)
    counter_ptr = status_ptr + max_chunks
    ticket = tl.atomic_add(counter_ptr, 1, sem="relaxed")
    ahead = L2_AHEAD * tl.num_programs(0)  # tickets
    while ticket < total_chunks:
        if L2_AHEAD and FLAT_INNER > 0:
            # a program holding one tile has nothing of its own in flight while it scans and
            # stores: the tile a round later goes to L2 meanwhile (NOTES.md 54)
            _prefetch_column_tile(x_ptr, ticket + ahead, total_chunks, chunks_per_group, tiles_k, length,
                                  stride_x_outer, stride_x_scan, FLAT_INNER, BACKWARDS, BLOCK_L, BLOCK_K)
        chunk = ticket % chunks_per_group
        outer_index, first_step, first_lane = _column_chunk(ticket, chunks_per_group, tiles_k, BLOCK_L,
                                                            BLOCK_K)
        lane_mask = first_lane + lanes < inner  # [BLOCK_K]
        y_first = y_ptr + outer_index * stride_y_outer + first_lane  # output of step 0, lane first_lane
        if GROUPED:
            # chunks lie at multiples of BLOCK_L steps from the start (aligned) in both directions,
            # walking backwards from the last (partial) one; each lane summed along each row here,
            # across rows after the look-back
            in_memory = (chunks_per_group - 1 - chunk if BACKWARDS else chunk).to(tl.int64)
            first = in_memory * (BLOCK_L * FLAT_INNER)  # the chunk's first element
            # whole chunks load and store unmasked: a bound not known to be a multiple of 16 bytes
            # would split every access into elements (tiles._load_block's SPLIT)
            bound = _tile_elements(length, in_memory * BLOCK_L, BLOCK_L, FLAT_INNER)
            whole = bound == BLOCK_L * FLAT_INNER
            x_chunk = x_start + outer_index * stride_x_outer + first
            elements = _load_row_group(x_chunk, bound, whole, ACC_DTYPE, GROUP_ROWS, GROUP_LOAD_VECTOR,
                                       GROUP_ROW // GROUP_LOAD_VECTOR, OPERATOR)
            through = _lane_sums_along_rows(elements, FLAT_INNER, GROUP_ROW, BACKWARDS, OPERATOR)
            row_totals = ()  # per lane [GROUP_ROWS]: the sum through its last position in a row
            if JOINED_LANES:
                # the lanes joined as columns (the identity past FLAT_INNER), so that the chunk's
                # totals are one reduction and the rows before each row one scan (NOTES.md 208, 219)
                for lane in tl.static_range(BLOCK_K):
                    if lane < FLAT_INNER:
                        row_totals = row_totals + (through[lane] if BACKWARDS
                                                   else through[GROUP_ROW - FLAT_INNER + lane],)
                    else:
                        row_totals = row_totals + (tl.full([GROUP_ROWS], IDENTITY, dtype=ACC_DTYPE),)
                row_totals = _join_columns(row_totals, GROUP_ROWS, BLOCK_K)  # [GROUP_ROWS, BLOCK_K]
                total = _total(row_totals, 0, OPERATOR)  # [BLOCK_K]
            else:
                total = tl.full([BLOCK_K], IDENTITY, dtype=ACC_DTYPE)
                for lane in tl.static_range(FLAT_INNER):
                    row_total = through[lane] if BACKWARDS else through[GROUP_ROW - FLAT_INNER + lane]
                    row_totals = row_totals + (row_total,)
                    total = tl.where(lanes == lane, _total(row_total, 0, OPERATOR), total)
            _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, chunk == 0, PACKED,
                                  BLOCK_K)
        elif PARTS > 1:
            if MEMORY_ORDER:  # as _load_column_chunk holds it: from the last step up
                x_chunk = _chunk_in_memory_order(x_ptr, x_end, outer_index * stride_x_outer, first_step, 0,
                                                 FROM_START, FLAT_STEP, BLOCK_L)
                bound = _steps_past_end(length, first_step, BLOCK_L) * BLOCK_K
            else:
                x_chunk = x_ptr + outer_index * stride_x_outer + first_step * BLOCK_K
                bound = _tile_elements(length, first_step, BLOCK_L, BLOCK_K)
            parts, part_totals, total = _load_held_parts(x_chunk, bound, ACC_DTYPE, PARTS, BLOCK_L, BLOCK_K,
                                                         MEMORY_ORDER, OPERATOR)
            _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, chunk == 0, PACKED,
                                  BLOCK_K)
        else:
            # the total goes out before any wait: a drawn chunk's total follows one load
            x, total = _load_and_publish(
                x_ptr, x_end, status_ptr, values_ptr, max_chunks, slot, ticket, chunks_per_group, tiles_k,
                inner, length, stride_x_outer, stride_x_scan, stride_x_inner, X_DENSE, WIDE_OFFSETS,
                TRANSPOSE, FLAT_INNER, FLAT_STEP, ACC_DTYPE, PACKED, FROM_START, BLOCK_L, BLOCK_K, SUB,
                OPERATOR, INPUT_STEP)
        window = tl.arange(0, LOOKBACK)
        group_first = ticket - chunk
        if PACKED:
            # the first look-back window is read before this chunk's scan within itself, which
            # runs while the read is in flight
            words = _window_words(values_ptr, ticket, group_first, slot, LOOKBACK, BLOCK_K)
        if PARTS > 1 and EARLY_PART:  # the part the scan starts from
            early = _scan_part(parts[PARTS - 1 if MEMORY_ORDER else 0], x_chunk, ticket, IN_PLACE,
                               MEMORY_ORDER, ACC_DTYPE, BLOCK_L // PARTS, BLOCK_K, SUB, OPERATOR)
        if not GROUPED and PARTS == 1:
            values = x  # [BLOCK_L // SUB, SUB, BLOCK_K]
            # run totals kept 3-D: Triton scans only blocked layouts, and the 2-D slice of the tile's
            # layout was converted through shared memory and back (NOTES.md section 16)
            run_totals = _total(values, 1, OPERATOR, True)  # [BLOCK_L // SUB, 1, BLOCK_K]
            # a tile held in memory order is summed from its end: each run turned around in
            # registers, the runs after each run by a reversed scan (NOTES.md section 43); IN_PLACE,
            # the sums before each step, by additions only. Each form keeps the order of its two
            # scans it had before they moved into tiles._within_runs and _other_runs: the order
            # changes the compiled code (the PTX snapshots, NOTES.md 27)
            if MEMORY_ORDER:
                local = _combine(_within_runs(values, IN_PLACE, True, OPERATOR),
                                 _other_runs(run_totals, True, OPERATOR), OPERATOR)
            else:
                other = _other_runs(run_totals, False, OPERATOR)  # [BLOCK_L // SUB, 1, BLOCK_K]
                local = _combine(_within_runs(values, IN_PLACE, False, OPERATOR), other, OPERATOR)
        elif GROUPED:
            # each lane's rows before (after, walking backwards) each row, scanned while the
            # window read is in flight, as the tiles above
            if JOINED_LANES:
                rows_other = _other_runs(row_totals, BACKWARDS, OPERATOR)  # [GROUP_ROWS, BLOCK_K]
            else:
                rows_other = ()  # per lane [GROUP_ROWS]
                for lane in tl.static_range(FLAT_INNER):
                    rows_other = rows_other + (_other_runs(row_totals[lane], BACKWARDS, OPERATOR),)
        # the prefixes before this chunk, carried in float64 when PACKED (see _pack)
        exclusive = tl.full([BLOCK_K], IDENTITY, dtype=tl.float64 if PACKED else ACC_DTYPE)
        if chunk == 0:
            if STORE_SHIFT == 1:  # the leading identity (IN_PLACE stores it with the scan)
                leading = tl.full([BLOCK_K], IDENTITY, dtype=y_ptr.dtype.element_ty)
                tl.store(y_first + lanes, leading, mask=lane_mask)
        else:
            window_end = ticket
            done = tl.zeros([], dtype=tl.int32)
            if PACKED:
                # per lane: a lane whose nearest prefix lies further back keeps looking
                lane_done = tl.zeros([BLOCK_K], dtype=tl.int32)
                while done == 0:
                    nearest, ready = _lanes_nearest(words, window_end, group_first, lane_done, LOOKBACK)
                    if tl.min(ready.to(tl.int32), 0) > 0:
                        taken = _lanes_taken(words, window_end, group_first, lane_done, nearest, OPERATOR,
                                             x_ptr.dtype.element_ty, LOOKBACK)
                        exclusive = _combine(exclusive, taken, OPERATOR)
                        lane_done = tl.where(nearest < LOOKBACK, 1, lane_done)
                        done = tl.min(lane_done, 0)
                        window_end -= LOOKBACK
                    if done == 0:  # the same window again, or the one before it
                        words = _window_words(values_ptr, window_end, group_first, slot, LOOKBACK, BLOCK_K)
                inclusive = _combine(exclusive, total, OPERATOR)
                tl.atomic_xchg(values_ptr + ticket * slot + lanes, _pack(inclusive, 2), sem="relaxed")
            else:
                while done == 0:
                    index = window_end - 1 - window  # [LOOKBACK]
                    valid = index >= group_first
                    flags = tl.atomic_add(status_ptr + index, 0, mask=valid, sem="acquire")
                    flags = tl.where(valid, flags, 2)
                    nearest = tl.min(tl.where(flags == 2, window, LOOKBACK), 0)
                    ready = tl.min(tl.where(window < nearest, flags, 2), 0) > 0
                    if ready:
                        slots = (index * slot)[:, None] + lanes[None, :]  # [LOOKBACK, BLOCK_K]
                        before = (valid & (window < nearest))[:, None]
                        at = (valid & (window == nearest))[:, None]
                        totals = tl.load(totals_ptr + slots, mask=before, other=IDENTITY,
                                         volatile=True)
                        prefix = tl.load(prefixes_ptr + slots, mask=at, other=IDENTITY,
                                         volatile=True)
                        taken = _combine(totals.to(ACC_DTYPE), prefix.to(ACC_DTYPE), OPERATOR)
                        exclusive = _combine(exclusive, _total(taken, 0, OPERATOR), OPERATOR)
                        done = (nearest < LOOKBACK).to(tl.int32)
                        window_end -= LOOKBACK
                tl.store(prefixes_ptr + ticket * slot + lanes, _combine(exclusive, total, OPERATOR))
                tl.debug_barrier()
                tl.atomic_xchg(status_ptr + ticket, 2, sem="release")
        if GROUPED:
            # each lane's rows before (after, walking backwards) each row, plus the chunk's prefix
            if JOINED_LANES:
                bases = _split_columns(_combine(rows_other, exclusive.to(ACC_DTYPE)[None, :], OPERATOR),
                                       GROUP_ROWS, BLOCK_K)  # per lane [GROUP_ROWS]
            else:
                lane_prefixes = exclusive.to(ACC_DTYPE)
                bases = ()
                for lane in tl.static_range(FLAT_INNER):
                    prefix = tl.sum(tl.where(lanes == lane, lane_prefixes, 0), 0)
                    base = _combine(rows_other[lane], prefix, OPERATOR)
                    bases = bases + (base,)
            outputs = ()
            for position in tl.static_range(GROUP_ROW):
                if IN_PLACE:  # the sum before (after) the position in its lane, by additions only
                    if BACKWARDS:
                        if position + FLAT_INNER < GROUP_ROW:
                            out = _combine(through[position + FLAT_INNER], bases[position % FLAT_INNER],
                                           OPERATOR)
                        else:
                            out = bases[position % FLAT_INNER]
                    else:
                        if position >= FLAT_INNER:
                            out = _combine(through[position - FLAT_INNER], bases[position % FLAT_INNER],
                                           OPERATOR)
                        else:
                            out = bases[position % FLAT_INNER]
                else:
                    out = _combine(through[position], bases[position % FLAT_INNER], OPERATOR)
                outputs = outputs + (out.to(y_ptr.dtype.element_ty),)
            y_chunk = y_start + outer_index * stride_y_outer + first
            _store_row_group(y_chunk, outputs, bound, whole, GROUP_ROWS, GROUP_STORE_VECTOR,
                             GROUP_ROW // GROUP_STORE_VECTOR)
        elif PARTS > 1:  # each part scanned and stored in turn in the scan's order, the sums before it added
            if MEMORY_ORDER:
                y_chunk = _chunk_in_memory_order(y_ptr, y_end, outer_index * stride_y_outer, first_step,
                                                 STORE_SHIFT, FROM_START, FLAT_STEP, BLOCK_L)
            else:
                y_chunk = y_ptr + outer_index * stride_y_outer + (first_step + STORE_SHIFT) * BLOCK_K
            prefix = exclusive.to(ACC_DTYPE)
            flat = tl.arange(0, BLOCK_L // PARTS * BLOCK_K)
            for part in tl.static_range(PARTS - 1 if MEMORY_ORDER else 0, -1 if MEMORY_ORDER else PARTS,
                                        -1 if MEMORY_ORDER else 1):
                y_part = y_chunk + part * (BLOCK_L // PARTS * BLOCK_K)
                if part == (PARTS - 1 if MEMORY_ORDER else 0) and EARLY_PART:
                    local = early
                else:
                    local = _scan_part(parts[part], y_part, ticket, IN_PLACE, MEMORY_ORDER, ACC_DTYPE,
                                       BLOCK_L // PARTS, BLOCK_K, SUB, OPERATOR)
                mask = _part_mask(flat, part, bound, BLOCK_L // PARTS * BLOCK_K, MEMORY_ORDER)
                _store_part(local, prefix, y_part, mask, BLOCK_L // PARTS, BLOCK_K, OPERATOR)
                prefix = _combine(prefix, part_totals[part], OPERATOR)
        elif TRANSPOSE:  # stored flat: converted back to the coalesced layout through shared memory
            out = _combine(local, exclusive.to(ACC_DTYPE)[None, None, :], OPERATOR)
            flat = tl.arange(0, BLOCK_L * BLOCK_K)
            count = _tile_elements(length, first_step, BLOCK_L, FLAT_INNER)
            y_tile = y_ptr + outer_index * stride_y_outer + (first_step + STORE_SHIFT) * FLAT_STEP
            out = tl.reshape(out.to(y_ptr.dtype.element_ty), [BLOCK_L * BLOCK_K])
            if FLAT_INNER < BLOCK_K:  # memory position j holds step j // FLAT_INNER, lane j % FLAT_INNER
                padded = (flat // FLAT_INNER) * BLOCK_K + flat % FLAT_INNER
                out = tl.gather(out, tl.where(flat < count, padded, 0), 0)
            if MEMORY_ORDER:  # as loaded: from the last step up
                y_last = _chunk_in_memory_order(y_ptr, y_end, outer_index * stride_y_outer, first_step,
                                                STORE_SHIFT, FROM_START, FLAT_STEP, BLOCK_L)
                past_end = _steps_past_end(length, first_step, BLOCK_L) * BLOCK_K
                tl.store(y_last + flat, out, mask=flat >= past_end)
            else:
                tl.store(y_tile + _flat_offsets(flat, FLAT_INNER, FLAT_STEP), out, mask=flat < count)
        else:
            out = _combine(local, exclusive.to(ACC_DTYPE)[None, None, :], OPERATOR)
            mask = first_step + steps < length
            if DENSE:
                y_tile = y_ptr + outer_index * stride_y_outer + (first_step + STORE_SHIFT) * FLAT_STEP
            else:
                mask = mask & lane_mask[None, None, :]
                y_tile = y_first + (first_step + STORE_SHIFT) * stride_y_scan
            tl.store(y_tile + y_offsets, out.to(y_ptr.dtype.element_ty), mask=mask)
        ticket = tl.atomic_add(counter_ptr, 1, sem="relaxed")
