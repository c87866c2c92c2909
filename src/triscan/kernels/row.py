"""Row scan: each lane is a row (inner size K == 1), scanned by one program.

One program walks one row in blocks of BLOCK positions, carrying the running sum, so
every element is read once and written once, with no traffic between programs.

Output alignment. The seed's output rows have L + 1 elements, so for float32 the row
starts move through all four phases of a 16-byte word, and an exclusive scan writes
position j of the input's scan to output position j + 1. Stored as is, such a block can
only be written with 4-byte stores. This kernel instead rotates the scanned block in
registers (`tl.gather`) by the row's phase, so that each store is a whole, 16-byte
aligned window of the output; the `phase` offsets at the front of a window come from the
previous block (benchmarks/NOTES.md section 2).
"""

import triton
import triton.language as tl

# num_stages is in the space because the seed's stage rules ask for it; the row loop's loads
# are not pipelined by Triton 3.6, and several programs per SM hide the latency instead.
ROW_SCAN_CONFIGS = [
    triton.Config({"BLOCK": block}, num_warps=warps, num_stages=stages)
    for block, warps in ((1024, 2), (2048, 2), (2048, 4), (4096, 2), (4096, 4), (8192, 4), (8192, 8))
    for stages in (1, 2, 3)
]


@triton.autotune(
    configs=ROW_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "SHIFT", "ROTATE"],
    # blocks longer than the row only add masked positions (and compile time)
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs if config.kwargs["BLOCK"] <= max(1024, args["LENGTH_BUCKET"])]},
)
@triton.jit
def row_scan_kernel(
    x_ptr,  # input, rows of `length` elements: x[row, p] at row * stride_x_outer + p * stride_x_scan
    y_ptr,  # output, rows of `length + SHIFT` contiguous elements starting at row * stride_y_outer
    length,  # number of input elements scanned per row
    stride_x_outer,
    stride_x_scan,
    stride_y_outer,
    LENGTH_BUCKET,  # next power of two of `length`: the autotune key, unused in the body
    SHIFT: tl.constexpr,  # 1: exclusive (y[0] = 0, y[j + 1] = x[0] + ... + x[j]); 0: inclusive
    ROTATE: tl.constexpr,  # False when every output row is already 16-byte aligned at column SHIFT
    VEC: tl.constexpr,  # output elements per 16 bytes
    ACC_DTYPE: tl.constexpr,  # float32 for half types and float32, float64, int64 for integers
    BLOCK: tl.constexpr,
):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_x_outer
    # element offset (from y_ptr) where the scan of x[row, 0] is stored
    out_first = row * stride_y_outer + SHIFT
    if SHIFT == 1:
        tl.store(y_ptr + out_first - 1, tl.zeros([], dtype=y_ptr.dtype.element_ty))
    offsets = tl.arange(0, BLOCK)
    if ROTATE:
        phase = (out_first % VEC).to(tl.int32)
    else:
        phase = 0
    # window t covers y_win[t * BLOCK : (t + 1) * BLOCK]; offset k holds the scan of input
    # position t * BLOCK + k - phase
    y_win = y_ptr + tl.multiple_of(out_first - phase, VEC)
    rotation = (offsets - phase + BLOCK) % BLOCK  # [BLOCK]
    previous = tl.zeros([BLOCK], dtype=ACC_DTYPE)  # rotated scan of the previous block
    carry = tl.zeros([], dtype=ACC_DTYPE)
    for start in range(0, length, BLOCK):
        start = tl.multiple_of(start, BLOCK)
        if stride_x_scan == 1:  # compile-time: Triton specializes an argument equal to 1
            # this exact form keeps the inclusive BLOCK=8192, 4 warps free of spills (NOTES.md 3, 28)
            x_ptrs = x_row + (start + offsets)
        else:
            x_ptrs = x_row + (start + offsets).to(tl.int64) * stride_x_scan
        x = tl.load(x_ptrs, mask=start + offsets < length, other=0)
        scanned = tl.cumsum(x.to(ACC_DTYPE), 0) + carry  # [BLOCK]
        carry += tl.sum(x.to(ACC_DTYPE), 0)
        if ROTATE:
            rotated = tl.gather(scanned, rotation, 0)
            window = tl.where(offsets >= phase, rotated, previous)
            previous = rotated
        else:
            window = scanned
        source = start + offsets - phase  # input position whose scan offset k holds
        if (start >= VEC) & (start + BLOCK <= length):
            tl.store(y_win + start + offsets, window.to(y_ptr.dtype.element_ty))
        else:
            tl.store(y_win + start + offsets, window.to(y_ptr.dtype.element_ty),
                     mask=(source >= 0) & (source < length))
    if ROTATE:
        # the last `phase` scanned values spill into one more window
        end = tl.cdiv(length, BLOCK) * BLOCK
        source = end + offsets - phase
        tl.store(y_win + end + offsets, previous.to(y_ptr.dtype.element_ty),
                 mask=(offsets < phase) & (source >= 0) & (source < length))


@triton.autotune(
    configs=ROW_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "SHIFT", "ROTATE"],
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs if config.kwargs["BLOCK"] <= max(1024, args["LENGTH_BUCKET"])]},
)
@triton.jit
def reverse_row_scan_kernel(
    x_ptr,  # input, rows of `length + SHIFT` elements (same layout as for row_scan_kernel)
    y_ptr,  # output, rows of `length + SHIFT` contiguous elements starting at row * stride_y_outer
    length,  # elements scanned per row: x[row, SHIFT:] (the first SHIFT are not summed)
    stride_x_outer,
    stride_x_scan,
    stride_y_outer,
    LENGTH_BUCKET,
    SHIFT: tl.constexpr,  # 1: y[p] = x[p + 1] + ... (exclusive), y[length] = 0; 0: y[p] = x[p] + ...
    ROTATE: tl.constexpr,
    VEC: tl.constexpr,
    ACC_DTYPE: tl.constexpr,
    BLOCK: tl.constexpr,
):
    """row_scan_kernel summing from the end: y[p] = sum of x[q] for q >= p + SHIFT.

    Blocks stay aligned to the row's start and are walked from the last to the first, each
    scanned with tl.cumsum(reverse=True). The value for input position q goes to output
    position q - SHIFT, so the aligned output window of block t takes its first `phase`
    offsets from block t - 1, which comes *after* it here: window t is stored while block
    t - 1 is scanned, one step late.
    """
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_x_outer
    positions = length + SHIFT  # input positions q in [0, positions); outputs exist for q >= SHIFT
    if SHIFT == 1:
        tl.store(y_ptr + row * stride_y_outer + length, tl.zeros([], dtype=y_ptr.dtype.element_ty))
    out_origin = row * stride_y_outer - SHIFT  # element offset (from y_ptr) of input position 0
    offsets = tl.arange(0, BLOCK)
    if ROTATE:
        phase = (((out_origin % VEC) + VEC) % VEC).to(tl.int32)  # out_origin may be -1
    else:
        phase = 0
    # window t covers y_win[t * BLOCK : (t + 1) * BLOCK]; offset k holds input position t * BLOCK + k - phase
    y_win = y_ptr + tl.multiple_of(out_origin - phase, VEC)
    rotation = (offsets - phase + BLOCK) % BLOCK  # [BLOCK]
    later = tl.zeros([BLOCK], dtype=ACC_DTYPE)  # rotated scan of the block after this one
    carry = tl.zeros([], dtype=ACC_DTYPE)  # sum of everything after this block
    last = (positions - 1) // BLOCK * BLOCK
    for step in range(0, positions, BLOCK):
        start = tl.multiple_of(last - step, BLOCK)
        if stride_x_scan == 1:
            x_ptrs = x_row + (start + offsets)
        else:
            x_ptrs = x_row + (start + offsets).to(tl.int64) * stride_x_scan
        x = tl.load(x_ptrs, mask=start + offsets < positions, other=0)
        scanned = tl.cumsum(x.to(ACC_DTYPE), 0, reverse=True) + carry  # [BLOCK]
        carry += tl.sum(x.to(ACC_DTYPE), 0)
        if ROTATE:
            rotated = tl.gather(scanned, rotation, 0)
        else:
            rotated = scanned
        # window of the block after this one: its first `phase` offsets come from this block
        window = tl.where(offsets >= phase, later, rotated)
        source = start + BLOCK + offsets - phase  # input position whose sum offset k holds
        if start + 2 * BLOCK <= positions:
            tl.store(y_win + start + BLOCK + offsets, window.to(y_ptr.dtype.element_ty))
        else:
            tl.store(y_win + start + BLOCK + offsets, window.to(y_ptr.dtype.element_ty),
                     mask=(source >= SHIFT) & (source < positions))
        later = rotated
    # window 0: offsets from `phase` on hold block 0; the offsets before it hold no position
    source = offsets - phase
    tl.store(y_win + offsets, later.to(y_ptr.dtype.element_ty), mask=(source >= SHIFT) & (source < positions))
