"""Row look-back scan: a single sweep over long rows (K == 1) when there are too few rows to fill
the GPU. Each row is cut into chunks of BLOCK positions; chunks are drawn as tickets and learn
their prefix from their predecessors (lookback/protocol.py).

Programs are persistent: at most a few per SM are launched, and each keeps drawing chunks
until none are left, so the cost of starting a program is paid a few times per SM rather than
once per chunk.

The seed's output rows (L + 1 elements, ROTATE) start at every phase of a 16-byte word while the
input's rows do not. Chunks then store aligned output windows, the exclusive shift and the row
total falling out of the placement: with ROTATE 2 (as the row scan's, row.py) a chunk is a
window, its input loaded `phase` positions early; with ROTATE 1 (inputs in aligned rows, which
then load and store whole vectors) a chunk is loaded aligned, its inclusive scan rotated by `phase`
into its window, the last `phase` positions spilling into the next window. Rows of odd lengths
whose input and output share their phase (ROTATE 3, as the row scan's, row.py) are cut into
windows at 16-byte boundaries of both, loaded and stored as vectors, scanned in place. Input rows
off 16-byte boundaries at another phase than the output's (ROTATE 4: 2-byte rows of odd lengths
into the seed's aligned rows of L + 1, views whose rows are longer than the scan) are cut into
windows of the input, as ROTATE 3's, and each window's scan is rotated into the output's windows
by the phase between the two rows, as ROTATE 1's.
"""

import triton
import triton.language as tl

from ..operators import (
    _combine,
    _identity,
    _selected_positions,
    _selected_values,
    _selection_keys,
    _total,
)
from ..tiles import (
    _block_index,
    _block_offsets,
    _block_scan,
    _load_block,
    _load_lagged,
    _load_or,
    _load_window,
    _load_window_vectors,
    _rotated,
    _store_block,
    _store_span,
    _window_phase,
)
from .protocol import _add_carried, _publish, _read

# SPLIT is tuned, not planned: with a length Triton knows divisible by 16 both load and store
# forms vectorize, and which is faster depends on the type (benchmarks/NOTES.md 29); an odd length
# needs SPLIT. num_stages 1 only: the chunk loads are not pipelined, 2 timed the same.
LOOKBACK_SCAN_CONFIGS = [
    triton.Config({"BLOCK": block, "SPLIT": split}, num_warps=warps, num_stages=1, maxnreg=maxnreg)
    # (4096, 2): as many elements per thread as (8192, 4), twice the programs per SM (NOTES.md section 10);
    # (8192, 4) capped at 128 registers: four programs per SM where the compiler would take 140 (NOTES.md 29),
    # now for 2-byte inputs only (4-byte ones spill there, 157);
    # (16384, 8) capped at 128: 2-byte types' 32 KiB chunks with two programs per SM instead of one (45).
    # (2048, 4) capped at 96: 8-byte sums' chunks with five programs per SM instead of four (NOTES.md 86).
    # Prefetching the chunk a round of programs ahead into L2 lost 7 points (NOTES.md 53, 56): none here.
    for block, warps, maxnreg in (
        (2048, 4, None), (2048, 4, 96), (4096, 2, None), (4096, 4, None), (4096, 8, None), (8192, 4, None),
        (8192, 4, 128), (8192, 8, None), (16384, 8, None), (16384, 8, 128))
    for split in (False, True)
] + [
    # (2048, 4) split, capped at 80: six programs per SM for sums widened to 8 bytes (int32 -> int64),
    # whose chunks hold half the input bytes of an 8-byte input's; a few bytes spilled and faster there,
    # slower for 8-byte inputs (NOTES.md 155)
    triton.Config({"BLOCK": 2048, "SPLIT": True}, num_warps=4, num_stages=1, maxnreg=80)
] + [
    # RELOAD: no chunk held in registers across the look-back; chunks of 16 or 32 KiB of input
    # (the pruning keeps the BLOCKs of the element size), summed and later scanned in 4 or 8
    # pieces whose loads the compiler pipelines through shared memory
    triton.Config({"BLOCK": block, "SPLIT": False, "RELOAD": True, "SUB_BLOCK": block // pieces,
                   "RELOAD_STAGES": pieces}, num_warps=4, num_stages=1)
    for block in (4096, 8192, 16384)
    for pieces in (4, 8)
] + [
    # OVERLAP_READ: the chunk's scan overlaps the look-back's read (NOTES.md 101): 16 KiB chunks of
    # 2-byte inputs, and of 4-byte ones capped at 160 registers (six programs per SM, where the
    # compiler would take 204); unsplit only (SPLIT spills 72-340 bytes under these caps). Split for
    # rows cut into windows (ROTATE 3): uncapped, which the caps of 128 made spill (NOTES.md 104), and
    # 2-byte windows at 168 (three programs per SM instead of two, NOTES.md 139)
    triton.Config({"BLOCK": block, "SPLIT": split, "OVERLAP_READ": True}, num_warps=warps, num_stages=1,
                  maxnreg=maxnreg)
    for block, warps, maxnreg, split in ((8192, 4, 128, False), (4096, 2, 160, False),
                                         (8192, 4, None, True), (4096, 2, None, True), (8192, 4, 168, True))
]


@triton.jit
def _row_chunk_start(ticket, chunks_per_row, REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """First position of chunk `ticket` in its row: tickets walk a row from its start, or
    from its end when REVERSE (chunks stay aligned to the row's start either way)."""
    chunk = ticket % chunks_per_row
    if REVERSE:
        chunk = chunks_per_row - 1 - chunk
    return chunk.to(tl.int64) * BLOCK


@triton.jit
def _read_window(status_ptr, window_end, row_first, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
                 CARRY_ERROR: tl.constexpr, WARP_WINDOW: tl.constexpr, WARP_WINDOWS: tl.constexpr):
    """The look-back words of chunks window_end - 1, window_end - 2, ... (the kernel's LOOKBACK of
    them, nearest first; none before row_first) as WARP_WINDOWS warp windows: (flags, sums, errors)
    of [WARP_WINDOW] each (protocol._read), each laid out in one warp and reduced there."""
    steps = tl.arange(0, WARP_WINDOW)
    window = ()
    for warp in tl.static_range(WARP_WINDOWS):
        index = window_end - 1 - warp * WARP_WINDOW - steps  # [WARP_WINDOW]
        window = window + (_read(status_ptr, index, index >= row_first, WORDS, ACC_DTYPE, CARRY_ERROR),)
    return window


@triton.jit
def _window_nearest(window, LOOKBACK: tl.constexpr, WARP_WINDOW: tl.constexpr, WARP_WINDOWS: tl.constexpr):
    """(nearest, ready) of a window from _read_window: the step of the nearest predecessor that has
    published its inclusive prefix (LOOKBACK where none has), and whether every nearer one has
    published at least its total, so that the words up to `nearest` make this chunk's prefix (all
    of the window's, then the window before it next)."""
    steps = tl.arange(0, WARP_WINDOW)
    for warp in tl.static_range(WARP_WINDOWS):
        warp_nearest = tl.min(tl.where(window[warp][0] == 2, warp * WARP_WINDOW + steps, LOOKBACK), 0)
        if warp == 0:
            nearest = warp_nearest
        else:
            nearest = tl.minimum(nearest, warp_nearest)
    for warp in tl.static_range(WARP_WINDOWS):
        warp_ready = tl.min(tl.where(warp * WARP_WINDOW + steps < nearest, window[warp][0], 2), 0)
        if warp == 0:
            ready = warp_ready
        else:
            ready = tl.minimum(ready, warp_ready)
    return nearest, ready > 0


@triton.jit
def _window_taken(window, window_end, row_first, nearest, SCANNED: tl.constexpr, IDENTITY_DTYPE: tl.constexpr,
                  CARRY_ERROR: tl.constexpr, WARP_WINDOW: tl.constexpr, WARP_WINDOWS: tl.constexpr):
    """(taken, prefix, prefix_error) of a ready window from _read_window (_window_nearest): the
    words of the predecessors nearer than `nearest` combined (SCANNED), and the word at `nearest`
    with its carried error apart with CARRY_ERROR (the carried addition takes them: the nearer
    totals round at their own size, NOTES.md 86); without CARRY_ERROR `taken` holds that word
    too, and prefix and prefix_error are 0. IDENTITY_DTYPE: whose identity stands for the
    predecessors before the row's first chunk (the kernel's IDENTITY)."""
    IDENTITY: tl.constexpr = _identity(SCANNED, IDENTITY_DTYPE)
    steps = tl.arange(0, WARP_WINDOW)
    for warp in tl.static_range(WARP_WINDOWS):
        _, sums, errors = window[warp]
        warp_steps = warp * WARP_WINDOW + steps  # [WARP_WINDOW]
        valid = window_end - 1 - warp_steps >= row_first
        if CARRY_ERROR:
            warp_taken = tl.sum(tl.where(valid & (warp_steps < nearest), sums, 0.0), 0)
            # one nonzero term at most: exact
            at_nearest = valid & (warp_steps == nearest)  # [WARP_WINDOW]
            warp_prefix = tl.sum(tl.where(at_nearest, sums, 0.0), 0)
            warp_error = tl.sum(tl.where(at_nearest, errors, 0.0), 0)
        else:
            warp_taken = _total(tl.where(valid & (warp_steps <= nearest), sums, IDENTITY), 0, SCANNED)
            warp_prefix = tl.zeros([], dtype=sums.dtype)
            warp_error = tl.zeros([], dtype=tl.float64)
        if warp == 0:
            taken = warp_taken
            prefix = warp_prefix
            prefix_error = warp_error
        else:
            taken = _combine(taken, warp_taken, SCANNED)
            prefix += warp_prefix
            prefix_error += warp_error
    return taken, prefix, prefix_error


@triton.jit
def _publish_total(status_ptr, ticket, total, first_in_row, WORDS: tl.constexpr, CARRY_ERROR: tl.constexpr):
    """Publish a chunk's total (status 1); the first chunk of a row publishes it as its
    inclusive prefix (status 2), since nothing comes before it."""
    no_error = tl.zeros([], dtype=tl.float64)  # a chunk's total rounds at its own size: no error carried
    status = tl.where(first_in_row, 2, 1).to(tl.int64)
    _publish(status_ptr, ticket, total, status, no_error, WORDS, CARRY_ERROR)


@triton.jit
def _output_first(row, stride_y_outer, SHIFT: tl.constexpr, ROTATE: tl.constexpr):
    """Offset of the row's first scanned output: position SHIFT, or 0 with ROTATE 3, whose scans
    are in place."""
    return row * stride_y_outer + (0 if ROTATE == 3 else SHIFT)


@triton.jit
def _output_phase(row, stride_y_outer, SHIFT: tl.constexpr, ROTATE: tl.constexpr, VEC: tl.constexpr):
    """With ROTATE, the 16-byte phase of the row's first scanned output (_output_first): window
    position j of the row holds the scan of input position j - phase; else 0."""
    if ROTATE:
        phase = _window_phase(_output_first(row, stride_y_outer, SHIFT, ROTATE), VEC)
    else:
        phase = tl.zeros([], dtype=tl.int32)
    return phase


@triton.jit
def _input_window(x_ptr, row, stride_x_outer, X_LEAD: tl.constexpr, VEC: tl.constexpr):
    """(Origin, phase) of a row's input windows (ROTATE 4): the 16-byte boundary `phase` positions
    before the row's first input (at X_LEAD + row * stride_x_outer), from which windows are whole
    aligned vectors of the input. The phase is the address's, so that a window's vectors are whole
    16-byte words of memory whatever the base's alignment: a vector holding any of the tensor's
    elements never crosses a page (tiles._load_window_vectors reads all of it where X_ALIGNED, and
    the row's positions alone elsewhere). The hint holds where x_ptr is 16-byte aligned, the only
    case in which the compiler can make the loads vectors: a view off alignment comes with its base
    moved back to the boundary before it and X_LEAD set (scan/dispatch.py)."""
    ELEMENT_BYTES: tl.constexpr = x_ptr.dtype.element_ty.primitive_bitwidth // 8
    base = x_ptr.to(tl.int64, bitcast=True) // ELEMENT_BYTES  # the base's address, in elements
    first = X_LEAD + row * stride_x_outer  # the row's first input, from x_ptr
    phase = _window_phase(base + first, VEC)
    return x_ptr + tl.multiple_of(first - phase, VEC), phase


@triton.jit
def _piece_origins(x_ptr, y_ptr, row, stride_x_outer, stride_y_outer, ROTATE: tl.constexpr,
                   VEC: tl.constexpr):
    """(Input origin, output origin, phase) of a row's windows (ROTATE 3 chunks, RELOAD pieces):
    positions are counted from the row's start (phase 0), or with ROTATE 3 from the 16-byte
    boundary `phase` positions before it in both tensors, so that windows are aligned in input and
    output alike."""
    if ROTATE == 3:
        phase = _output_phase(row, stride_y_outer, 0, ROTATE, VEC)
        x_origin = x_ptr + tl.multiple_of(row * stride_x_outer - phase, VEC)
        y_origin = y_ptr + tl.multiple_of(row * stride_y_outer - phase, VEC)
    else:
        phase = tl.zeros([], dtype=tl.int32)
        x_origin = x_ptr + row * stride_x_outer
        y_origin = y_ptr + row * stride_y_outer
    return x_origin, y_origin, phase


@triton.jit
def _chunk_offsets(REVERSE: tl.constexpr, BLOCK: tl.constexpr, RUN: tl.constexpr, ROTATE: tl.constexpr,
                   X_ALIGNED: tl.constexpr):
    """tiles._block_offsets of a chunk (or piece) of BLOCK positions: reversed runs as one XOR,
    but for runs of 2 loaded element by element (ROTATE 0 off 16-byte alignment: 8-byte inputs,
    and narrower ones summed into 8 bytes, registry.block_run), where the XOR form spilled 188-220
    bytes at the 96-register cap and the arithmetic form 12-20; longer runs spill less in the XOR
    form (NOTES.md 211, 213)."""
    return _block_offsets(REVERSE, BLOCK, RUN, BY_XOR=X_ALIGNED or ROTATE != 0 or RUN > 2)  # [BLOCK]


@triton.jit
def _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, length, stride_x_outer, stride_x_scan,
                    stride_y_outer, SHIFT: tl.constexpr, REVERSE: tl.constexpr, SPLIT: tl.constexpr,
                    ROTATE: tl.constexpr, VEC: tl.constexpr, BLOCK: tl.constexpr, RUN: tl.constexpr,
                    X_ALIGNED: tl.constexpr, X_LEAD: tl.constexpr, OPERATOR: tl.constexpr):
    """The input of chunk `ticket` (all the identity past the last chunk), shaped as
    tiles._block_offsets; with ROTATE 2, of the positions `phase` before the chunk's window (the
    identity outside the row):
    single-element loads, since the phase is not known to keep 16-byte vectors aligned; with
    ROTATE 3 and 4, of the input's aligned window."""
    row = (ticket // chunks_per_row).to(tl.int64)
    start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
    offsets = _chunk_offsets(REVERSE, BLOCK, RUN, ROTATE, X_ALIGNED)
    live = ticket < total_chunks
    if ROTATE == 2:  # rows walked with stride 1 only; nothing loaded past the last chunk
        phase = _output_phase(row, stride_y_outer, SHIFT, ROTATE, VEC)
        x = _load_lagged(x_ptr + row * stride_x_outer, start, phase, offsets, length, live, OPERATOR)
    elif ROTATE == 3:  # the input's window at the output's: the row's phase is both's (the plan checks it)
        x_origin, _, phase = _piece_origins(x_ptr, x_ptr, row, stride_x_outer, stride_y_outer, ROTATE, VEC)
        # chunks of inputs under 8 bytes in one load form (2-byte ones in two spilled 352 bytes at a
        # cap of 128); 8-byte ones in two (float64's pick timed 3% slower in one) (NOTES.md 177-180)
        if x_ptr.dtype.element_ty.primitive_bitwidth == 64:
            x = _load_window(x_origin, start, phase, offsets, length, live, OPERATOR)
        else:
            x = _load_window_vectors(x_origin, start, phase, offsets, length, live, VEC, X_ALIGNED, OPERATOR,
                                     REVERSE, RUN)
    elif ROTATE == 4:  # the input's own windows, rotated into the output's after the scan
        x_origin, phase = _input_window(x_ptr, row, stride_x_outer, X_LEAD, VEC)
        x = _load_window_vectors(x_origin, start, phase, offsets, length, live, VEC, X_ALIGNED, OPERATOR,
                                 REVERSE, RUN)
    else:
        x_chunk = x_ptr + row * stride_x_outer + (start + offsets) * stride_x_scan
        x = _load_block(x_chunk, start + offsets, length, live, live & (start + BLOCK <= length), SPLIT,
                        OPERATOR)
    return x


@triton.jit
def _scanned_chunk(x, ticket, total_chunks, chunks_per_row, length, stride_y_outer, ACC_DTYPE: tl.constexpr,
                   REVERSE: tl.constexpr, ROTATE: tl.constexpr, VEC: tl.constexpr, BLOCK: tl.constexpr,
                   RUN: tl.constexpr, OPERATOR: tl.constexpr, INDICES: tl.constexpr):
    """Chunk `ticket`'s input `x` (_load_row_chunk's) as the scan combines it: in ACC_DTYPE, or with
    INDICES as int64 keys of the values and their row positions (operators._selection_keys),
    made where they are combined, so that a chunk waits in registers in the input's type."""
    if INDICES:  # in place (ROTATE 0 or 3): offset k is row position start + k - phase
        start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
        positions = start + _block_offsets(REVERSE, BLOCK, RUN)  # [BLOCK]
        if ROTATE == 3:
            row = (ticket // chunks_per_row).to(tl.int64)
            positions -= _output_phase(row, stride_y_outer, 0, ROTATE, VEC)
        in_row = (positions >= 0) & (positions < length) & (ticket < total_chunks)  # [BLOCK]
        scanned = _selection_keys(x, positions, in_row, OPERATOR, REVERSE)
    else:
        scanned = x.to(ACC_DTYPE)
    return scanned


@triton.jit
def _load_piece(origin, first, offsets, phase, length, live, stride_x_scan, ROTATE: tl.constexpr,
                VEC: tl.constexpr, X_ALIGNED: tl.constexpr, OPERATOR: tl.constexpr):
    """The piece at window positions `first + offsets` of a row (the identity outside the row's
    positions [phase, phase + length) and everywhere unless `live`), in one load form, so that
    the compiler can pipeline it. With ROTATE 3 on an aligned input (X_ALIGNED) the mask is whole
    16-byte vectors (any of the row's positions in them: such a vector is a 16-byte word of memory,
    which never crosses a page, so reading the others is safe) and the positions outside the row
    are set to the identity in registers: a mask that splits a vector would split every load into
    single elements. On an input off 16-byte alignment the windows' vectors straddle words of
    memory, a whole one could read past the tensor, and the loads are single elements anyway: the
    mask is the row's positions."""
    window = first + offsets
    identity = _identity(OPERATOR, origin.dtype.element_ty)
    if ROTATE == 3 and X_ALIGNED:
        vector_first = first + offsets // VEC * VEC
        touched = (vector_first + VEC > phase) & (vector_first < phase + length) & live
        x = _load_or(origin + window, touched, identity)
        x = tl.where((window >= phase) & (window < phase + length), x, identity)
    elif ROTATE == 3:
        x = _load_or(origin + window, (window >= phase) & (window < phase + length) & live, identity)
    else:
        x = _load_or(origin + window * stride_x_scan, (window < length) & live, identity)
    return x


@triton.jit
def _reloaded_total(x_ptr, ticket, total_chunks, chunks_per_row, length, stride_x_outer, stride_x_scan,
                    stride_y_outer, ACC_DTYPE: tl.constexpr, REVERSE: tl.constexpr, ROTATE: tl.constexpr,
                    VEC: tl.constexpr, X_ALIGNED: tl.constexpr, BLOCK: tl.constexpr, SUB_BLOCK: tl.constexpr,
                    STAGES: tl.constexpr, OPERATOR: tl.constexpr):
    """The total of chunk `ticket` (the identity past the last chunk), summed SUB_BLOCK positions
    at a time: the pieces' loads are pipelined STAGES deep and no piece outlives its addition."""
    row = (ticket // chunks_per_row).to(tl.int64)
    start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
    origin, _, phase = _piece_origins(x_ptr, x_ptr, row, stride_x_outer, stride_y_outer, ROTATE, VEC)
    offsets = tl.arange(0, SUB_BLOCK)  # [SUB_BLOCK]
    identity = _identity(OPERATOR, x_ptr.dtype.element_ty)
    partial = tl.full([SUB_BLOCK], identity, dtype=ACC_DTYPE)  # [SUB_BLOCK]
    for piece in tl.range(0, BLOCK // SUB_BLOCK, num_stages=STAGES):
        x = _load_piece(origin, start + piece * SUB_BLOCK, offsets, phase, length, ticket < total_chunks,
                        stride_x_scan, ROTATE, VEC, X_ALIGNED, OPERATOR)
        partial = _combine(partial, x.to(ACC_DTYPE), OPERATOR)
    return _total(partial, 0, OPERATOR)


@triton.jit
def _scan_reloaded(x_ptr, y_ptr, row, start, length, stride_x_outer, stride_x_scan, stride_y_outer, exclusive,
                   exclusive_error, ACC_DTYPE: tl.constexpr, SHIFT: tl.constexpr, REVERSE: tl.constexpr,
                   RUN: tl.constexpr, CARRY_ERROR: tl.constexpr, ROTATE: tl.constexpr, VEC: tl.constexpr,
                   X_ALIGNED: tl.constexpr, BLOCK: tl.constexpr, SUB_BLOCK: tl.constexpr,
                   STAGES: tl.constexpr, OPERATOR: tl.constexpr):
    """Scan the chunk at `start` of `row`, its prefix `exclusive` (and, CARRY_ERROR, that prefix's
    rounding error) known: SUB_BLOCK positions at a time in scan order, each piece read again
    (from L2, where the chunk's total left it) and stored in place. The sums before a piece within
    the chunk (`within`) join each piece's scan before the prefix does: as in the whole-chunk
    scan, one rounding at the prefix's size per position. With ROTATE 3, the pieces that hold a
    row's first or last position store the row's part of their vectors element by element."""
    origin, y_origin, phase = _piece_origins(x_ptr, y_ptr, row, stride_x_outer, stride_y_outer, ROTATE, VEC)
    offsets = _chunk_offsets(REVERSE, SUB_BLOCK, RUN, ROTATE, X_ALIGNED)  # [SUB_BLOCK]
    within = tl.full([], _identity(OPERATOR, x_ptr.dtype.element_ty), dtype=ACC_DTYPE)
    for piece in tl.range(0, BLOCK // SUB_BLOCK, num_stages=STAGES):
        if REVERSE:  # pieces from the chunk's end
            first = start + (BLOCK // SUB_BLOCK - 1 - piece) * SUB_BLOCK
        else:
            first = start + piece * SUB_BLOCK
        x = _load_piece(origin, first, offsets, phase, length, True, stride_x_scan, ROTATE, VEC, X_ALIGNED,
                        OPERATOR)
        x = x.to(ACC_DTYPE)  # [SUB_BLOCK]
        # no HOLD_RUNS: pieces come through shared memory laid out for the scan (NOTES.md 171)
        sums = _combine(_block_scan(x, SHIFT == 1, REVERSE, RUN, OPERATOR), within, OPERATOR)
        if CARRY_ERROR:
            sums += exclusive_error
        out = _combine(sums, exclusive.to(ACC_DTYPE), OPERATOR).to(y_ptr.dtype.element_ty)  # [SUB_BLOCK]
        if ROTATE == 3:
            if (first >= phase) & (first + SUB_BLOCK <= phase + length):
                tl.store(y_origin + (first + offsets), out)
            else:
                window = first + offsets
                tl.store(y_origin + window, out, mask=(window >= phase) & (window < phase + length))
        else:
            tl.store(y_origin + (first + offsets), out, mask=first + offsets < length)
        within = _combine(within, _total(x, 0, OPERATOR), OPERATOR)


@triton.jit(noinline=True)
def _clean(status_ptr, counter_ptr, words, TILE: tl.constexpr = 1024):
    """Zero the look-back words a call wrote and both counters, in the last program to finish:
    every other program has drawn its last ticket and read its last word before it counted
    itself finished (acq_rel), so nothing reads the workspace after this. Not inlined: inlined,
    this tail raised the chunk loop's registers (benchmarks/NOTES.md 30b)."""
    finished = tl.atomic_add(counter_ptr + 1, 1, sem="acq_rel")
    if finished == tl.num_programs(0) - 1:
        for start in range(0, words, TILE):
            positions = start + tl.arange(0, TILE)  # [TILE]
            tl.store(status_ptr + positions, tl.zeros([TILE], dtype=tl.int64), mask=positions < words)
        tl.store(counter_ptr, 0)
        tl.store(counter_ptr + 1, 0)


def _keeps(config, args) -> bool:
    """The pruning of LOOKBACK_SCAN_CONFIGS for one call. Chunks in bytes, as the row scan's blocks
    (row.py): at most 32 KiB of input, 256 bytes of accumulators per thread (a max of int8 holds
    int64s: the 128-register caps of 1-byte chunks spilled 248-268 bytes, NOTES.md 136), 128 bytes
    of INDICES keys (NOTES.md 137); caps under 128 registers for 8-byte sums only. RELOAD chunks:
    16 or 32 KiB of input, for outputs wider than their input only (int32 -> int64: the one case
    where RELOAD won on the H200, NOTES.md 95), in place (ROTATE 0 or 3) and, for ROTATE 0,
    lengths that are multiples of 16 (their pieces load in one masked form, which vectorizes only
    there; ROTATE 3's windows mask whole vectors). OVERLAP_READ configs: chunks of 16 KiB of
    input, 4-byte sums; capped and unsplit for chunks in place (ROTATE 0) on lengths that are
    multiples of 16 (the others spill under the caps), split for windows (ROTATE 3): uncapped, or for
    2-byte inputs capped at 168. The cap of 80 for sums widened to 8 bytes only; the caps of 128 for
    1- and 2-byte inputs only (4-byte ones spill 224-952 bytes there on sm_80, sm_89 and sm_90,
    and no GPU picked them; NOTES.md 157)."""
    kwargs, element = config.kwargs, args["x_ptr"].element_size()
    # the accumulator's bytes: as the output's (at least 4), but for a max or min of integers
    # narrower than 8 bytes, kept in the input's dtype and accumulated in int64
    accumulator = (args["ACC_DTYPE"].primitive_bitwidth // 8 if "ACC_DTYPE" in args
                   else max(4, args["y_ptr"].element_size()))
    if kwargs.get("OVERLAP_READ", False):
        capped = config.maxnreg is not None
        return (kwargs["BLOCK"] * element == 16384 and accumulator == 4
                and (args.get("ROTATE") == 0 and args["LENGTH_ALIGNED"] and capped and not kwargs["SPLIT"]
                     or args.get("ROTATE") == 3 and kwargs["SPLIT"] and (not capped or element == 2)))
    if kwargs.get("RELOAD", False):
        return (16384 <= kwargs["BLOCK"] * element <= 32768 and element < args["y_ptr"].element_size()
                and (args.get("ROTATE") == 0 and args["LENGTH_ALIGNED"] or args.get("ROTATE") == 3)
                and kwargs["SUB_BLOCK"] // (32 * config.num_warps) * accumulator <= 128)
    # INDICES: 128 bytes of int64 keys per thread (the decoded values and indices are held beside
    # them; 32 keys a thread took 240-255 registers, offline sm_90)
    held = 128 if args.get("INDICES") else 256
    return (kwargs["BLOCK"] * element <= 32768
            and kwargs["BLOCK"] // (32 * config.num_warps) * accumulator <= held
            and (kwargs["SPLIT"] or args["LENGTH_ALIGNED"])
            and (config.maxnreg is None or config.maxnreg >= 128 and element <= 2
                 or config.maxnreg < 128 and args["y_ptr"].element_size() == 8
                 and (config.maxnreg >= 96 or element < 8)))


@triton.autotune(
    configs=LOOKBACK_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "LENGTH_ALIGNED", "SHIFT", "REVERSE", "ROTATE", "OPERATOR", "INDICES"],
    # every timing run of the autotuner needs fresh flags and a fresh ticket counter
    reset_to_zero=["status_ptr"],
    # chunks in bytes, as the row scan's blocks (row.py): at most 32 KiB of input, 256 bytes of
    # accumulators per thread; caps of 128 for 2-byte inputs, under 128 for 8-byte sums only
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs if _keeps(config, {**args, **kwargs})]},
)
@triton.jit
def lookback_scan_kernel(
    x_ptr,  # input: x[row, p] at row * stride_x_outer + p * stride_x_scan
    y_ptr,  # output, rows of `length + TOTAL` contiguous elements starting at row * stride_y_outer
    i_ptr,  # INDICES: int64 output laid out as y's, each result's index along the row (else unused)
    status_ptr,  # int64 [WORDS * max_chunks + 2], zeroed: look-back words per chunk, the ticket counter, the
    #              count of finished programs (CLEAN)
    values_ptr,  # unused (the column look-back's value slots; the same tensor as status_ptr)
    max_chunks,  # chunks the workspace holds
    outer,  # M: rows scanned
    length,  # positions per row, loaded and stored in place (the input's size along the scan), or
    #          with ROTATE loaded `phase` positions early into whole output windows
    stride_x_outer,
    stride_x_scan,
    stride_y_outer,
    LENGTH_BUCKET,  # autotune keys, unused in the body
    LENGTH_ALIGNED,  # 1 when `length` is a multiple of 16
    SHIFT: tl.constexpr,  # 1: exclusive (y[p] = x[0] + ... + x[p - 1], y[0] = 0); 0: inclusive
    ACC_DTYPE: tl.constexpr,
    OPERATOR: tl.constexpr,  # the scan's operator (operators.py): "sum" for cumsum
    LOOKBACK: tl.constexpr,  # predecessors examined at once
    WORDS: tl.constexpr,  # look-back words per chunk: 1 for float32 sums, 2 for 64-bit sums (protocol.py)
    CARRY_ERROR: tl.constexpr,  # float64 sums: prefixes carry their rounding error (protocol._add_carried;
    #                             OPERATOR "sum" only)
    REVERSE: tl.constexpr,  # sum from the end: y[p] = x[p + SHIFT] + ... + x[length - 1]
    TOTAL: tl.constexpr,  # output rows hold one position more, the row total (the seed's rows of L + 1)
    ROTATE: tl.constexpr,  # 2: output rows are not 16-byte aligned (the seed's rows of L + 1, odd lengths);
    #                        chunks are whole output windows, their input loaded lagged (row.py's ROTATE 2);
    #                        1: the same windows from aligned input chunks, their scan rotated by the phase
    #                        (tl.gather), the last `phase` positions spilling into the next window;
    #                        3: input and output rows share their phase: windows of both, scanned in place;
    #                        4: input rows off 16-byte boundaries at another phase than the output's
    #                        (2-byte types; 4-byte ones forwards with no lead: registry.phased_input_rows):
    #                        the input's windows (as 3's), their scan rotated (as 1's) by the phase
    #                        between the rows; reversed, exclusive in registers (as 0's);
    #                        0: chunks in place
    VEC: tl.constexpr,  # output elements per 16 bytes (ROTATE 3: input elements, as many or more;
    #                     ROTATE 4: both's, elements of one size)
    SPLIT: tl.constexpr,  # `length` is not a multiple of 16: whole chunks load and store unmasked
    RUN: tl.constexpr,  # REVERSE: positions per run of a chunk (tiles._block_offsets)
    CLEAN: tl.constexpr,  # leave the workspace zeroed: it is kept for the next call (scan/launch.py)
    BLOCK: tl.constexpr,
    RELOAD: tl.constexpr = False,  # ROTATE 0 or 3: a chunk is summed, then scanned after its look-back,
    #                                SUB_BLOCK positions at a time, read again (from L2): no chunk is held
    #                                in registers while a load or a predecessor is waited on
    SUB_BLOCK: tl.constexpr = 1,  # RELOAD: positions per piece
    RELOAD_STAGES: tl.constexpr = 1,  # RELOAD: pieces in flight (the compiler's loop pipelining)
    OVERLAP_READ: tl.constexpr = False,  # a chunk's first look-back window is read before the chunk's
    #                                      scan, which runs while the read is in flight
    TICKET_AHEAD: tl.constexpr = True,  # each ticket is drawn a round before its chunk is loaded, while
    #                                     the loads of the chunk before it are in flight (NOTES.md 103-104)
    X_ALIGNED: tl.constexpr = False,  # x_ptr is 16-byte aligned: set at launch from its address
    #                                   (scan/launch.py); ROTATE 3's RELOAD pieces and forward chunks
    #                                   and ROTATE 4's windows then mask whole vectors, elsewhere the
    #                                   row's positions
    X_LEAD: tl.constexpr = 0,  # ROTATE 4: the input's first element sits X_LEAD positions past x_ptr, a
    #                            view off 16-byte alignment whose base the launch moved back to the
    #                            boundary before it (scan/dispatch.py), so that its windows load vectors
    INDICES: tl.constexpr = False,  # a max or min scan (inputs of at most 4 bytes, inclusive, in place)
    #                                 also writes each result's index, torch.cummax's, into i_ptr: chunks
    #                                 are scanned as int64 keys (operators._selection_keys; ACC_DTYPE
    #                                 int64, WORDS 2), so that a look-back word carries both
):
    tl.static_assert(not INDICES or (SHIFT == 0 and not TOTAL and (ROTATE == 0 or ROTATE == 3)
                                     and not RELOAD), "INDICES: inclusive scans stored in place")
    # a window of more than a warp's 32 predecessors is read and reduced as warp windows of 32, each
    # within one warp: a [LOOKBACK] tensor would span warps, its reductions joined through shared
    # memory (two barriers each) on the path from a predecessor's word to this chunk's (NOTES.md 238)
    WARP_WINDOW: tl.constexpr = 32 if LOOKBACK > 32 else LOOKBACK
    WARP_WINDOWS: tl.constexpr = LOOKBACK // WARP_WINDOW
    tl.static_assert(WARP_WINDOW * WARP_WINDOWS == LOOKBACK, "LOOKBACK: at most 32, or a multiple of 32")
    IN_PLACE: tl.constexpr = ROTATE == 0 or ROTATE == 3  # output position p holds the scan at input p
    # the exclusive shift in the windows (the rotation moves position p's scan to output p + 1), or
    # in registers (the block scan is exclusive): in place, and reversed ROTATE 4, whose shift would
    # move each scan a position down, where the leading zero's place is a trailing one
    WINDOW_SHIFT: tl.constexpr = 0 if IN_PLACE or (ROTATE == 4 and REVERSE) else SHIFT
    # what the chunks and the look-back combine: with INDICES a max of the keys
    SCANNED: tl.constexpr = "max" if INDICES else OPERATOR
    IDENTITY_DTYPE: tl.constexpr = ACC_DTYPE if INDICES else x_ptr.dtype.element_ty
    IDENTITY: tl.constexpr = _identity(SCANNED, IDENTITY_DTYPE)
    # RELOAD where chunks are in place (the interpreter runs its meta on every plan)
    RELOADED: tl.constexpr = RELOAD and (ROTATE == 0 or ROTATE == 3)
    # a forward chunk of inputs narrower than their sums (int32 into int64), stored in place or in
    # shared windows: scanned in the load's runs, not the store's shorter vectors (tiles._block_scan,
    # NOTES.md 166, 167)
    HOLD_RUNS: tl.constexpr = (IN_PLACE and y_ptr.dtype.element_ty.primitive_bitwidth
                               > x_ptr.dtype.element_ty.primitive_bitwidth)
    # with ROTATE a row's windows hold its `stored` scanned positions after `phase` (< VEC) others
    stored = length + TOTAL - WINDOW_SHIFT if ROTATE == 1 or ROTATE == 2 or ROTATE == 4 else length
    # windows reach up to a vector past the positions they hold: the stored ones (2), the input's (3, 4)
    windowed = stored if ROTATE == 2 else length
    chunks_per_row = tl.cdiv(windowed + VEC - 1, BLOCK) if ROTATE >= 2 else tl.cdiv(length, BLOCK)
    # persistent: each program keeps drawing tickets until every chunk is taken
    total_chunks = outer * chunks_per_row
    offsets = _chunk_offsets(REVERSE, BLOCK, RUN, ROTATE, X_ALIGNED)
    counter_ptr = status_ptr + WORDS * max_chunks
    ticket = tl.atomic_add(counter_ptr, 1, sem="relaxed")
    if RELOADED:
        total = _reloaded_total(x_ptr, ticket, total_chunks, chunks_per_row, length, stride_x_outer,
                                stride_x_scan, stride_y_outer, ACC_DTYPE, REVERSE, ROTATE, VEC, X_ALIGNED,
                                BLOCK, SUB_BLOCK, RELOAD_STAGES, OPERATOR)
    else:
        x = _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, length, stride_x_outer,
                            stride_x_scan, stride_y_outer, SHIFT, REVERSE, SPLIT, ROTATE, VEC, BLOCK, RUN,
                            X_ALIGNED, X_LEAD, OPERATOR)
        scanned = _scanned_chunk(x, ticket, total_chunks, chunks_per_row, length, stride_y_outer, ACC_DTYPE,
                                 REVERSE, ROTATE, VEC, BLOCK, RUN, OPERATOR, INDICES)
        total = _total(scanned, 0, SCANNED)
    if ticket < total_chunks:
        _publish_total(status_ptr, ticket, total, ticket % chunks_per_row == 0, WORDS, CARRY_ERROR)
    if TICKET_AHEAD:
        drawn = tl.atomic_add(counter_ptr, 1, sem="relaxed")  # the next round's ticket
    while ticket < total_chunks:
        row = (ticket // chunks_per_row).to(tl.int64)
        chunk = ticket % chunks_per_row  # in drawing order
        start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
        y_row = y_ptr + row * stride_y_outer
        # This chunk's total is out. Draw the next chunk (TICKET_AHEAD: take the one drawn last
        # round), load it and publish its total before waiting on this chunk's predecessors: a
        # chunk's total then follows its load and no wait of its own round, so waits never chain
        # from program to program, and the look-back below finds its predecessors published
        # (benchmarks/NOTES.md, section 6).
        if TICKET_AHEAD:
            next_ticket = drawn
        else:
            next_ticket = tl.atomic_add(counter_ptr, 1, sem="relaxed")
        row_first = ticket - chunk  # ticket of this row's chunk 0
        if RELOADED:
            next_total = _reloaded_total(x_ptr, next_ticket, total_chunks, chunks_per_row, length,
                                         stride_x_outer, stride_x_scan, stride_y_outer, ACC_DTYPE, REVERSE,
                                         ROTATE, VEC, X_ALIGNED, BLOCK, SUB_BLOCK, RELOAD_STAGES, OPERATOR)
        else:
            x_next = _load_row_chunk(x_ptr, next_ticket, total_chunks, chunks_per_row, length,
                                     stride_x_outer, stride_x_scan, stride_y_outer, SHIFT, REVERSE, SPLIT,
                                     ROTATE, VEC, BLOCK, RUN, X_ALIGNED, X_LEAD, OPERATOR)
        if TICKET_AHEAD:
            # the round after next's ticket: its round trip runs while the next chunk's loads are in
            # flight, not before they are issued. Its total is published at the start of the next
            # round (after this round's look-back), and its successors' holders look for it in the
            # round after that: a round of slack, where section 6's chains had none
            drawn = tl.atomic_add(counter_ptr, 1, sem="relaxed")
        if not RELOADED:
            next_total = _total(_scanned_chunk(x_next, next_ticket, total_chunks, chunks_per_row, length,
                                               stride_y_outer, ACC_DTYPE, REVERSE, ROTATE, VEC, BLOCK, RUN,
                                               OPERATOR, INDICES), 0, SCANNED)
        if next_ticket < total_chunks:
            _publish_total(status_ptr, next_ticket, next_total, next_ticket % chunks_per_row == 0, WORDS,
                           CARRY_ERROR)
        if OVERLAP_READ:
            # this chunk's first window, read before its scan, which runs while the read is in
            # flight (read any earlier, before the next total, it rarely holds the prefix: NOTES.md 101)
            window = _read_window(status_ptr, ticket, row_first, WORDS, ACC_DTYPE, CARRY_ERROR, WARP_WINDOW,
                                  WARP_WINDOWS)
            if not RELOADED:
                scanned = _scanned_chunk(x, ticket, total_chunks, chunks_per_row, length, stride_y_outer,
                                         ACC_DTYPE, REVERSE, ROTATE, VEC, BLOCK, RUN, OPERATOR, INDICES)
                chunk_sums = _block_scan(scanned, (SHIFT == 1) and (WINDOW_SHIFT == 0), REVERSE, RUN, SCANNED,
                                         HOLD_RUNS)
        # the prefix before this chunk, carried in float64 for float32 sums (see protocol._pack),
        # with its rounding error for float64 sums (CARRY_ERROR)
        exclusive = tl.full([], IDENTITY, dtype=tl.float64 if WORDS == 1 else ACC_DTYPE)
        exclusive_error = tl.zeros([], dtype=tl.float64)
        if chunk != 0:
            window_end = ticket  # examine tickets [window_end - LOOKBACK, window_end)
            done = tl.zeros([], dtype=tl.int32)
            # CARRY_ERROR: the totals between this chunk and the nearest published prefix are
            # summed plainly (they round at their own size, as a chunk's sums do), and only the
            # prefix, which the error travels with, takes the carried addition: one, not a
            # tree of them, between a predecessor's word and this chunk's (NOTES.md 86)
            between = tl.zeros([], dtype=ACC_DTYPE)
            prefix = tl.zeros([], dtype=ACC_DTYPE)
            prefix_error = tl.zeros([], dtype=tl.float64)
            unread = tl.zeros([], dtype=tl.int32)  # OVERLAP_READ: the first window is in hand
            while done == 0:
                if OVERLAP_READ:
                    if unread != 0:
                        window = _read_window(status_ptr, window_end, row_first, WORDS, ACC_DTYPE,
                                              CARRY_ERROR, WARP_WINDOW, WARP_WINDOWS)
                    unread = tl.full([], 1, dtype=tl.int32)
                else:
                    window = _read_window(status_ptr, window_end, row_first, WORDS, ACC_DTYPE, CARRY_ERROR,
                                          WARP_WINDOW, WARP_WINDOWS)
                nearest, ready = _window_nearest(window, LOOKBACK, WARP_WINDOW, WARP_WINDOWS)
                if ready:
                    taken, taken_prefix, taken_error = _window_taken(window, window_end, row_first, nearest,
                                                                     SCANNED, IDENTITY_DTYPE, CARRY_ERROR,
                                                                     WARP_WINDOW, WARP_WINDOWS)
                    if CARRY_ERROR:
                        between += taken
                        prefix += taken_prefix
                        prefix_error += taken_error
                    else:
                        exclusive = _combine(exclusive, taken, SCANNED)
                    done = (nearest < LOOKBACK).to(tl.int32)
                    window_end -= LOOKBACK
            if CARRY_ERROR:
                inclusive, inclusive_error = _add_carried(prefix, prefix_error, between + total, 0.0)
                _publish(status_ptr, ticket, inclusive, 2, inclusive_error, WORDS, CARRY_ERROR)
                exclusive, exclusive_error = _add_carried(prefix, prefix_error, between, 0.0)
            else:
                _publish(status_ptr, ticket, _combine(exclusive, total, SCANNED), 2, exclusive_error, WORDS,
                         CARRY_ERROR)
        if not RELOADED:
            if not OVERLAP_READ:
                scanned = _scanned_chunk(x, ticket, total_chunks, chunks_per_row, length, stride_y_outer,
                                         ACC_DTYPE, REVERSE, ROTATE, VEC, BLOCK, RUN, OPERATOR, INDICES)
                chunk_sums = _block_scan(scanned, (SHIFT == 1) and (WINDOW_SHIFT == 0), REVERSE, RUN, SCANNED,
                                         HOLD_RUNS)
            if CARRY_ERROR:  # the error joins the chunk's own sums first: one rounding at the prefix's size
                chunk_sums += exclusive_error
            out = _combine(chunk_sums, exclusive.to(ACC_DTYPE), SCANNED)
            if INDICES:
                indices = _selected_positions(out, REVERSE)  # [BLOCK]
                out = _selected_values(out, OPERATOR, y_ptr.dtype.element_ty)
            else:
                out = out.to(y_ptr.dtype.element_ty)  # [BLOCK]
        if RELOADED:
            _scan_reloaded(x_ptr, y_ptr, row, start, length, stride_x_outer, stride_x_scan, stride_y_outer,
                           exclusive, exclusive_error, ACC_DTYPE, SHIFT, REVERSE, RUN, CARRY_ERROR, ROTATE,
                           VEC, X_ALIGNED, BLOCK, SUB_BLOCK, RELOAD_STAGES, OPERATOR)
        elif ROTATE:
            # window position j holds the inclusive scan of position j - phase: the exclusive
            # shift and the row total are in the windows; the leading zero is stored apart
            # (ROTATE 3: the scan of position j - phase, in place, exclusive in registers)
            out_first = _output_first(row, stride_y_outer, WINDOW_SHIFT, ROTATE)
            if ROTATE == 4:  # the window's position 0 is the input's, `lag` positions before the row's
                _, lag = _input_window(x_ptr, row, stride_x_outer, X_LEAD, VEC)
                out_first -= lag
                phase = _window_phase(out_first + VEC, VEC)  # row 0's out_first may be under 0
            else:
                phase = _window_phase(out_first, VEC)
            y_window = y_ptr + tl.multiple_of(out_first - phase, VEC) + start
            if ROTATE == 2 or ROTATE == 3:
                if (start >= VEC) & (start + BLOCK <= stored):
                    tl.store(y_window + offsets, out)
                else:
                    _store_span(y_window + offsets, out, offsets, phase - start, stored + phase - start, VEC)
                if INDICES:  # ROTATE 3: the indices' windows are the output's, in int64
                    i_window = i_ptr + tl.multiple_of(out_first - phase, VEC) + start
                    if (start >= VEC) & (start + BLOCK <= stored):
                        tl.store(i_window + offsets, indices)
                    else:
                        _store_span(i_window + offsets, indices, offsets, phase - start,
                                    stored + phase - start, VEC)
            else:
                # the scan of chunk offset k (input position start + k - lag; ROTATE 1: lag 0)
                # belongs at window position k + phase: the whole vectors of [VEC, high) as vectors;
                # the edges (the head [phase, VEC), a short chunk's tail, the spill [BLOCK, BLOCK +
                # phase) into the next window) element by element, from one [4 * VEC] gather of the
                # scan. Window positions at and past `high` are not the row's; with ROTATE 4 neither
                # are those under `low` (positive in a row's first window only, which holds `lag`
                # positions before the row), and the head is the vector that holds position `low`.
                # ROTATE 1 keeps its constant bounds in branches of its own: one form for both
                # moved ROTATE 1's compiled code (NOTES.md 172)
                if ROTATE == 4:
                    high = stored + lag + phase - start
                    low = lag + phase - start
                    inner_low = tl.multiple_of(tl.maximum(low + VEC - 1, VEC) // VEC * VEC, VEC)
                    inner_high = tl.multiple_of(tl.maximum(tl.minimum(high, BLOCK) // VEC * VEC, inner_low),
                                                VEC)
                else:
                    high = stored + phase - start
                    inner_low = VEC
                    inner_high = tl.multiple_of(tl.maximum(tl.minimum(high, BLOCK) // VEC * VEC, VEC), VEC)
                # reversed, _rotated takes runs of one vector: only ROTATE 4 walks back (one element size)
                tl.static_assert(not REVERSE or RUN == VEC, "reversed rotations: runs of one vector")
                rotated = _rotated(out, phase, VEC, REVERSE)  # [BLOCK]
                tl.store(y_window + offsets, rotated, mask=(offsets >= inner_low) & (offsets < inner_high))
                lanes = tl.arange(0, 4 * VEC)  # [4 * VEC]: head, tail, spill, unused
                part, lane = lanes // VEC, lanes % VEC
                if ROTATE == 4:
                    head, head_low = inner_low - VEC + lane, tl.maximum(low, phase)  # [4 * VEC], []
                else:
                    head, head_low = lane, phase
                position = tl.where(part == 0, head, tl.where(part == 1, inner_high + lane, BLOCK + lane))
                wanted = tl.where(part == 0, head >= head_low,
                                  tl.where(part == 1, position < BLOCK, lane < phase))
                edges = tl.gather(out, _block_index(tl.minimum(tl.maximum(position - phase, 0), BLOCK - 1),
                                                    REVERSE, BLOCK, RUN), 0)  # [4 * VEC]
                tl.store(y_window + position, edges, mask=wanted & (part < 3) & (position < high))
            if WINDOW_SHIFT == 1:
                if chunk == 0:
                    tl.store(y_row, tl.full([], IDENTITY, dtype=y_ptr.dtype.element_ty))
        else:
            _store_block(y_row + (start + offsets), out, start + offsets < length, start + BLOCK <= length,
                         SPLIT)
            if INDICES:
                _store_block(i_ptr + row * stride_y_outer + (start + offsets), indices,
                             start + offsets < length, start + BLOCK <= length, SPLIT)
        if TOTAL and (ROTATE == 0):
            if chunk == chunks_per_row - 1:  # the row total, one position past the last input
                chunk_total = total
                if CARRY_ERROR:  # as the chunk's own sums: the error joins them before the prefix
                    chunk_total += exclusive_error
                row_total = _combine(exclusive.to(ACC_DTYPE), chunk_total, SCANNED)
                tl.store(y_row + length, row_total.to(y_ptr.dtype.element_ty))
        ticket = next_ticket
        if not RELOADED:
            x = x_next
        total = next_total
    if CLEAN:
        _clean(status_ptr, counter_ptr, WORDS * total_chunks)


