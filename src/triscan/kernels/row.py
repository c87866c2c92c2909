"""Row scan: each lane is a row (inner size K == 1), scanned by one program.

One program walks one row in blocks of BLOCK positions (from the last block when REVERSE),
carrying the running sum, so every element is read once and written once, with no traffic
between programs.

Alignment. Every output position p holds the scan at input position p: exclusive scans are
scanned exclusively in registers (tiles._block_scan), not stored one position late, so a block
loaded as 16-byte vectors stores as 16-byte vectors. The seed's extra last output (the row
total, TOTAL) is one scalar store after the loop. Blocks wholly inside the row store unmasked,
and with SPLIT load unmasked: a mask the compiler cannot prove constant over 16 bytes (any
length not a multiple of 16) splits every access into single elements.

The seed's output rows have L + 1 elements against the input's L, so output row starts move
through all phases of a 16-byte word while input rows do not. For those (ROTATE) every store is a
whole, 16-byte aligned window of the output, the exclusive shift folded in: either the scanned
block is rotated in registers (by whole lanes, tiles._rotated) by the output row's phase, the
`phase` offsets at the front of a window coming from the previous block (ROTATE 1,
benchmarks/NOTES.md sections 2, 186, 191), or
each window's input is loaded `phase` positions early, so that its scan is the window (ROTATE 2,
for input rows off 16-byte alignment, and 1-byte outputs, whose rotation is a whole-block gather;
2-byte rows took it before the lane moves: sections 36, 197).

Rows of odd lengths (any row stride off 16 bytes) start at every phase of a 16-byte word in the
input and the output alike. Where both phases agree row by row (ROTATE 3: same element size,
strides alike modulo a vector), the walk's blocks are cut at 16-byte boundaries of both tensors
instead of at the row's start: the walk begins `phase` positions before the row, positions
outside it are masked, and every other block loads and stores whole vectors, scanned in place
(section 77).

Triton does not pipeline the walk's loads; PREFETCH blocks are loaded ahead of the one scanned
(section 32).
"""

import triton
import triton.language as tl

from .operators import _combine, _identity, _total
from .tiles import (
    _block_offsets,
    _block_scan,
    _block_selections,
    _load_block,
    _load_lagged,
    _load_window,
    _rotated,
    _store_span,
    _unselected,
    _window_phase,
)

# Triton 3.6 does not pipeline the row loop's loads, so the kernel does it itself: num_stages is
# the number of blocks a program has in flight (PREFETCH = num_stages - 1 loaded ahead of the one
# it scans), each one more block of registers. Blocks are chosen in bytes by the pruning
# below: at most 32 KiB of input per block (16384 positions for 2-byte types, 4096 for 8-byte
# ones) and 256 bytes of accumulators per thread.
ROW_SCAN_CONFIGS = [
    triton.Config({"BLOCK": block, "PREFETCH": stages - 1}, num_warps=warps, num_stages=stages)
    for block, warps in ((1024, 2), (2048, 2), (2048, 4), (4096, 2), (4096, 4), (4096, 8), (8192, 4),
                         (8192, 8), (16384, 8))
    for stages in (1, 2, 3)
]


@triton.jit
def _row_block_start(step, last, REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """First position of the block `step` positions into the walk: from the row's start, or
    from its last block when REVERSE (blocks stay aligned to the row's start either way)."""
    if REVERSE:
        start = tl.multiple_of(last - step, BLOCK)
    else:
        start = tl.multiple_of(step, BLOCK)
    return start


@triton.jit
def _load_row_block(x_row, step, last, offsets, length, stride_x_scan, lag, REVERSE: tl.constexpr,
                    SPLIT: tl.constexpr, LAGGED: tl.constexpr, BLOCK: tl.constexpr, SHARED: tl.constexpr,
                    OPERATOR: tl.constexpr):
    """The input of the block `step` positions into the walk (the identity once the walk is past
    the row's end), shaped as tiles._block_offsets; with LAGGED, of the positions `lag` before it
    (the identity before the row's start): single-element loads, since `lag` is not known to keep
    16-byte vectors aligned. With SHARED (ROTATE 3), `x_row` is the row's 16-byte window
    origin, `lag` positions before its start: blocks inside the row load unmasked vectors."""
    start = _row_block_start(step, last, REVERSE, BLOCK)
    if LAGGED:
        return _load_lagged(x_row, start, lag, offsets, length, True, OPERATOR)
    if SHARED:
        return _load_window(x_row, start, lag, offsets, length, True, OPERATOR)
    if stride_x_scan == 1:  # compile-time: Triton specializes an argument equal to 1
        x_ptrs = x_row + (start + offsets)
    else:
        x_ptrs = x_row + (start + offsets).to(tl.int64) * stride_x_scan
    live = step < length
    return _load_block(x_ptrs, start + offsets, length, live, live & (start + BLOCK <= length), SPLIT,
                       OPERATOR)


@triton.autotune(
    configs=ROW_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "SHIFT", "REVERSE", "ROTATE", "OPERATOR", "INDICES"],
    # blocks longer than the row only add masked positions (and compile time); sizes in bytes (above).
    # With INDICES each element also holds an int32 candidate and its scan: at most 256 bytes of
    # accumulators and candidates per thread, 384 with the blocks loaded ahead (the configs past
    # that spill on sm_90: benchmarks/NOTES.md 135). One lambda: the single-file answers allow no
    # host code before the kernels.
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs
        for per_thread in [config.kwargs["BLOCK"] // (32 * config.num_warps)]
        for held in [per_thread * (kwargs["ACC_DTYPE"].primitive_bitwidth // 8 + 4)
                     if kwargs.get("INDICES") else 0]
        if config.kwargs["BLOCK"] <= max(1024, args["LENGTH_BUCKET"])
        and config.kwargs["BLOCK"] * args["x_ptr"].element_size() <= 32768
        and per_thread * max(4, args["y_ptr"].element_size()) <= 256
        and (not kwargs.get("INDICES") or held <= 256
             and held + config.kwargs["PREFETCH"] * per_thread * args["x_ptr"].element_size() <= 384)]},
)
@triton.jit
def row_scan_kernel(
    x_ptr,  # input: x[row, p] at row * stride_x_outer + p * stride_x_scan
    y_ptr,  # output, rows of `length + TOTAL` contiguous elements starting at row * stride_y_outer
    i_ptr,  # INDICES: int64 output laid out as y's, each result's index along the row (else unused)
    length,  # positions per row, loaded and stored in place (the input's size along the scan)
    stride_x_outer,
    stride_x_scan,
    stride_y_outer,
    LENGTH_BUCKET,  # next power of two of `length`: the autotune key, unused in the body
    SHIFT: tl.constexpr,  # 1: exclusive (y[p] = x[0] + ... + x[p - 1], y[0] = 0); 0: inclusive
    REVERSE: tl.constexpr,  # sum from the end: y[p] = x[p + SHIFT] + ... + x[length - 1]
    TOTAL: tl.constexpr,  # output rows hold one position more, the row total (the seed's rows of L + 1)
    ROTATE: tl.constexpr,  # output rows are not 16-byte aligned where input rows are (0: they are): whole
    #                        output windows, their scans rotated in registers (1) or loaded lagged (2);
    #                        3: input and output rows share their phase: blocks cut at 16-byte
    #                        boundaries of both, scanned in place
    SPLIT: tl.constexpr,  # `length` is not a multiple of 16: whole blocks load unmasked
    VEC: tl.constexpr,  # output elements per 16 bytes (ROTATE 3: input elements, as many or more)
    RUN: tl.constexpr,  # REVERSE: positions per run of a block (tiles._block_offsets)
    ACC_DTYPE: tl.constexpr,  # float32 for half types and float32, float64, int64 for integers
    OPERATOR: tl.constexpr,  # the scan's operator (operators.py): "sum" for cumsum
    INDICES: tl.constexpr,  # a max or min scan (inclusive, in place) also writes each result's index,
    #                         torch.cummax's (tiles._block_selections), into i_ptr
    PREFETCH: tl.constexpr,  # blocks loaded ahead of the one scanned: num_stages - 1
    BLOCK: tl.constexpr,
):
    tl.static_assert(not INDICES or (SHIFT == 0 and not TOTAL and (ROTATE == 0 or ROTATE == 3)),
                     "INDICES: inclusive scans stored in place")
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_x_outer
    y_first = row * stride_y_outer  # element offset (from y_ptr) of the row's output position 0
    offsets = _block_offsets(REVERSE, BLOCK, RUN, BY_XOR=False)  # [BLOCK], runs last first when REVERSE
    SHARED: tl.constexpr = ROTATE == 3
    IN_PLACE: tl.constexpr = ROTATE == 0 or ROTATE == 3  # output position p holds the scan at input p
    if SHARED:
        # one phase for the row's input and output (the plan checks it), in input vectors: both
        # walked from an origin at a 16-byte boundary of each, `phase` positions before the row
        phase = _window_phase(y_first, VEC)
        x_row = x_ptr + tl.multiple_of(row * stride_x_outer - phase, VEC)
        y_win = y_ptr + tl.multiple_of(y_first - phase, VEC)
        i_win = i_ptr + tl.multiple_of(y_first - phase, VEC)
        stored = length
    elif ROTATE:
        # inclusive scans, stored SHIFT positions late in whole windows: window t covers
        # y_win[t * BLOCK : (t + 1) * BLOCK] and offset k holds the inclusive scan of position
        # t * BLOCK + k - phase; the positions below `stored` have an output position. ROTATE 1
        # scans aligned input blocks and rotates each by `phase` (by whole lanes, tiles._rotated);
        # ROTATE 2 loads each window's input `phase` positions early instead
        out_first = y_first + SHIFT
        phase = _window_phase(out_first, VEC)
        y_win = y_ptr + tl.multiple_of(out_first - phase, VEC)
        i_win = i_ptr
        stored = length + TOTAL - SHIFT
    else:
        phase = 0
        y_win = y_ptr + y_first
        i_win = i_ptr + y_first
        stored = length
    LAGGED: tl.constexpr = ROTATE == 2
    if ROTATE == 1:
        previous = tl.zeros([BLOCK], dtype=ACC_DTYPE)  # the rotated scan of the previous block
    carry = tl.full([], _identity(OPERATOR, x_ptr.dtype.element_ty), dtype=ACC_DTYPE)
    if INDICES:  # the index of the latest selected position (none yet: the index scan's identity)
        carry_index = tl.full([], _unselected(REVERSE), dtype=tl.int32)
    # lagged and shared windows reach `phase` positions past the input's end; other walks cover the input
    walk = stored + phase if LAGGED or SHARED else length
    last = (walk - 1) // BLOCK * BLOCK
    # blocks loaded ahead (PREFETCH of them) are issued before the scanned block's values are waited on
    walk_start = length * 0  # step 0 of the walk, typed as the loop's steps
    if PREFETCH >= 1:
        x_next = _load_row_block(x_row, walk_start, last, offsets, length, stride_x_scan, phase, REVERSE,
                                 SPLIT, LAGGED, BLOCK, SHARED, OPERATOR)
    if PREFETCH >= 2:
        x_after = _load_row_block(x_row, walk_start + BLOCK, last, offsets, length, stride_x_scan, phase,
                                  REVERSE, SPLIT, LAGGED, BLOCK, SHARED, OPERATOR)
    for step in range(0, walk, BLOCK):
        start = _row_block_start(step, last, REVERSE, BLOCK)
        if PREFETCH == 0:
            x = _load_row_block(x_row, step, last, offsets, length, stride_x_scan, phase, REVERSE, SPLIT,
                                LAGGED, BLOCK, SHARED, OPERATOR)
        elif PREFETCH == 1:
            x = x_next
            x_next = _load_row_block(x_row, step + BLOCK, last, offsets, length, stride_x_scan, phase,
                                     REVERSE, SPLIT, LAGGED, BLOCK, SHARED, OPERATOR)
        else:
            x = x_next
            x_next = x_after
            x_after = _load_row_block(x_row, step + 2 * BLOCK, last, offsets, length, stride_x_scan, phase,
                                      REVERSE, SPLIT, LAGGED, BLOCK, SHARED, OPERATOR)
        values = x.to(ACC_DTYPE)
        scanned = _block_scan(values, (SHIFT == 1) and IN_PLACE, REVERSE, RUN, OPERATOR)
        scanned = _combine(scanned, carry, OPERATOR)
        carry = _combine(carry, _total(values, 0, OPERATOR), OPERATOR)
        if INDICES:  # offset k is row position start + k - phase
            chosen, carry_index = _block_selections(values, scanned, start + offsets - phase, length,
                                                    carry_index, REVERSE, RUN)
        if ROTATE == 1:
            rotated = _rotated(scanned, phase, VEC)  # [BLOCK]: the first `phase` are the block's last
            window = tl.where(offsets >= phase, rotated, previous)
            previous = rotated
            whole = (start >= VEC) & (start + BLOCK <= stored)
        elif LAGGED or SHARED:
            window = scanned
            whole = (start >= VEC) & (start + BLOCK <= stored)
        else:
            window = scanned
            whole = start + BLOCK <= stored
        if whole:
            tl.store(y_win + start + offsets, window.to(y_ptr.dtype.element_ty))
            if INDICES:
                tl.store(i_win + start + offsets, chosen.to(tl.int64))
        else:  # offset k holds the scan of position start + k - phase
            _store_span(y_win + start + offsets, window.to(y_ptr.dtype.element_ty), offsets, phase - start,
                        stored + phase - start, VEC)
            if INDICES:
                _store_span(i_win + start + offsets, chosen.to(tl.int64), offsets, phase - start,
                            stored + phase - start, VEC)
    if ROTATE == 1:
        # the last `phase` scanned values spill into one more window
        end = tl.cdiv(length, BLOCK) * BLOCK
        source = end + offsets - phase
        tl.store(y_win + end + offsets, previous.to(y_ptr.dtype.element_ty),
                 mask=(offsets < phase) & (source >= 0) & (source < stored))
    if ROTATE == 1 or ROTATE == 2:
        if SHIFT == 1:  # the leading identity (a sum's zero)
            tl.store(y_ptr + y_first, tl.full([], _identity(OPERATOR, x_ptr.dtype.element_ty),
                                               dtype=y_ptr.dtype.element_ty))
    elif TOTAL:  # the row total, one position past the last input
        tl.store(y_ptr + y_first + length, carry.to(y_ptr.dtype.element_ty))
