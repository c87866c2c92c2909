"""Column scan: the scan runs along a dimension with inner size K > 1.

A program owns BLOCK_K adjacent lanes of one outer index and walks the scan length in
tiles of [BLOCK_L, BLOCK_K], carrying one running sum per lane. Reads and writes are
coalesced along K, so no transpose copy is needed. When lane tiles are too few to fill the
GPU, the column look-back (lookback/column.py) cuts L into chunks instead.
"""

import triton
import triton.language as tl

from .operators import _combine, _identity, _scan, _total
from .tiles import _before_runs, _load_or, _run_steps

# Tiles (BLOCK_L, BLOCK_K, SUB, warps). Runs of SUB consecutive steps per thread are scanned in
# registers (tiles._run_steps; benchmarks/NOTES.md 13). Triton does not pipeline this loop's loads,
# so the kernel does, as the row scan: num_stages is the number of tiles a program has in flight
# (PREFETCH = num_stages - 1 loaded ahead of the one it scans). One 16-byte vector per thread starves
# 2-byte inputs (NOTES.md 57); tiles of more hold more bytes in flight. (16, 32) survives every
# pruning below, so the pruned space is never empty.
COLUMN_SCAN_CONFIGS = [
    triton.Config({"BLOCK_L": block_l, "BLOCK_K": block_k, "SUB": sub, "PREFETCH": stages - 1},
                  num_warps=warps, num_stages=stages)
    for block_l, block_k, sub, warps in (
        (16, 32, 4, 2), (16, 128, 4, 4), (32, 64, 4, 4), (64, 32, 4, 4), (8, 256, 4, 4),
        # two or more vectors per thread: float32 and 2-byte types (64-bit ones keep the tiles above)
        (64, 64, 8, 2), (64, 128, 4, 8), (64, 256, 4, 8), (64, 128, 8, 4), (128, 64, 8, 4), (128, 128, 8, 8))
    for stages in ((1, 2, 3) if block_l * block_k <= 2048 else (1, 2))
]


@triton.jit
def _load_column_tile(x_lanes, start, steps, length, lane_mask, stride_x_scan, OPERATOR: tl.constexpr):
    """The [BLOCK_L // SUB, SUB, BLOCK_K] input tile whose first step is `start` (the identity past
    the scan's end: a tile wholly past it reads no memory). `steps` is int32 unless the plan asks for
    64-bit offsets (WIDE_OFFSETS): a 64-bit multiply of each element's step by the stride is three
    32-bit ones, and where rows are off 16-byte alignment every element has its own (NOTES.md
    161, 162)."""
    position = start + steps  # [BLOCK_L // SUB, SUB, 1]
    return _load_or(x_lanes + position * stride_x_scan, (position < length) & lane_mask[None, None, :],
                    _identity(OPERATOR, x_lanes.dtype.element_ty))


@triton.jit
def _scan_tile(x, carry, last_run, OPERATOR: tl.constexpr, IDENTITY: tl.constexpr):
    """(The inclusive scan of a [BLOCK_L // SUB, SUB, BLOCK_K] tile after `carry` [BLOCK_K], the
    carry past it): each run scanned in registers, the run totals across threads."""
    run_totals = _total(x, 1, OPERATOR)  # [BLOCK_L // SUB, BLOCK_K]
    before_run, through_run = _before_runs(run_totals, OPERATOR)
    scanned = _combine(_scan(x, 1, OPERATOR), _combine(before_run, carry[None, :], OPERATOR)[:, None, :],
                       OPERATOR)
    # The carry is the last run's end. (`carry += tl.sum(x, 0)` trips an assertion in
    # Triton 3.6's OptimizeThreadLocality pass for loop-carried reductions.)
    ends = tl.where(last_run, _combine(through_run, carry[None, :], OPERATOR), IDENTITY)
    return scanned, _total(ends, 0, OPERATOR)


@triton.autotune(
    configs=COLUMN_SCAN_CONFIGS,
    # LANES_ALIGNED: the step strides Triton sees divisible by 16 give vector accesses along the
    # lanes, others element ones, and the best tile differs (NOTES.md 88)
    key=["LENGTH_BUCKET", "INNER_BUCKET", "SHIFT", "LANES_ALIGNED", "OPERATOR", "INDICES"],
    # at most 512 bytes per thread, counting the tiles loaded ahead: the 64-bit sums' deeper tiles
    # with a tile ahead spill (NOTES.md 61), and so do the indices' past it (NOTES.md 135). An
    # element holds its accumulator (as the output's size, at least 4), with INDICES the
    # accumulator's own size (a max over int8 accumulates in int64) and an int32 candidate
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs
        if config.kwargs["BLOCK_L"] <= max(16, args["LENGTH_BUCKET"])
        and config.kwargs["BLOCK_K"] <= max(64, args["INNER_BUCKET"])
        and config.kwargs["BLOCK_L"] * config.kwargs["BLOCK_K"] // (32 * config.num_warps)
        * (kwargs["ACC_DTYPE"].primitive_bitwidth // 8 + 4 if kwargs.get("INDICES")
           else max(4, args["y_ptr"].element_size())) * (1 + config.kwargs["PREFETCH"]) <= 512]},
)
@triton.jit
def column_scan_kernel(
    x_ptr,  # input: x[m, l, k] at m * stride_x_outer + l * stride_x_scan + k * stride_x_inner
    y_ptr,  # output, contiguous along k: y[m, l, k] at m * stride_y_outer + l * stride_y_scan + k
    i_ptr,  # INDICES: int64 output laid out as y's, each result's index along the scan (else unused)
    inner,  # K, the number of lanes per outer index
    length,  # number of input elements scanned per lane
    stride_x_outer,
    stride_x_scan,
    stride_x_inner,
    stride_y_outer,
    stride_y_scan,
    LENGTH_BUCKET,  # autotune keys, unused in the body
    INNER_BUCKET,
    LANES_ALIGNED,  # 1 when stride_x_scan and stride_y_scan are multiples of 16
    SHIFT: tl.constexpr,  # 1: exclusive (y[0] = identity, y[l + 1] = x[0] + ... + x[l]); 0: inclusive
    ACC_DTYPE: tl.constexpr,
    OPERATOR: tl.constexpr,  # the scan's operator (operators.py): "sum" for cumsum
    INDICES: tl.constexpr,  # a max or min scan (inclusive) also writes each result's index, torch.cummax's,
    #                         into i_ptr: 1, steps walked from index 0; 2, from the last (negative strides)
    BLOCK_L: tl.constexpr,
    BLOCK_K: tl.constexpr,
    SUB: tl.constexpr,  # consecutive steps one thread scans in registers
    PREFETCH: tl.constexpr,  # tiles loaded ahead of the one scanned: num_stages - 1
    WIDE_OFFSETS: tl.constexpr = True,  # steps' offsets (position times a stride) formed in 64 bits
):
    tl.static_assert(not INDICES or SHIFT == 0, "INDICES: inclusive scans")
    tiles_k = tl.cdiv(inner, BLOCK_K)
    pid = tl.program_id(0).to(tl.int64)
    outer_index = pid // tiles_k
    lanes = (pid % tiles_k) * BLOCK_K + tl.arange(0, BLOCK_K)  # [BLOCK_K]
    lane_mask = lanes < inner
    if SHIFT == 1:
        leading = tl.full([BLOCK_K], _identity(OPERATOR, x_ptr.dtype.element_ty),
                          dtype=y_ptr.dtype.element_ty)
        tl.store(y_ptr + outer_index * stride_y_outer + lanes, leading, mask=lane_mask)
    # a tile of BLOCK_L steps held as [BLOCK_L // SUB, SUB, BLOCK_K]: run r, step s is step r * SUB + s
    steps = _run_steps(BLOCK_L, SUB)  # [BLOCK_L // SUB, SUB, 1]
    if WIDE_OFFSETS:
        steps = steps.to(tl.int64)
    x_lanes = x_ptr + outer_index * stride_x_outer + lanes[None, None, :] * stride_x_inner  # [1, 1, BLOCK_K]
    y_lanes = y_ptr + outer_index * stride_y_outer + lanes[None, None, :]
    i_lanes = i_ptr + outer_index * stride_y_outer + lanes[None, None, :]
    last_run = (tl.arange(0, BLOCK_L // SUB) == BLOCK_L // SUB - 1)[:, None]  # [BLOCK_L // SUB, 1]
    carry = tl.full([BLOCK_K], _identity(OPERATOR, x_ptr.dtype.element_ty), dtype=ACC_DTYPE)
    if INDICES:  # the latest step selected (none yet)
        carry_index = tl.full([BLOCK_K], -1, dtype=tl.int32)
    # tiles loaded ahead (PREFETCH of them) are issued before the scanned tile's values are waited on
    first = length * 0  # step 0, typed as the loop's steps
    if PREFETCH >= 1:
        x_next = _load_column_tile(x_lanes, first, steps, length, lane_mask, stride_x_scan, OPERATOR)
    if PREFETCH >= 2:
        x_after = _load_column_tile(x_lanes, first + BLOCK_L, steps, length, lane_mask, stride_x_scan,
                                    OPERATOR)
    for start in range(0, length, BLOCK_L):
        if PREFETCH == 0:
            x = _load_column_tile(x_lanes, start, steps, length, lane_mask, stride_x_scan, OPERATOR)
        elif PREFETCH == 1:
            x = x_next
            x_next = _load_column_tile(x_lanes, start + BLOCK_L, steps, length, lane_mask, stride_x_scan,
                                       OPERATOR)
        else:
            x = x_next
            x_next = x_after
            x_after = _load_column_tile(x_lanes, start + 2 * BLOCK_L, steps, length, lane_mask, stride_x_scan,
                                        OPERATOR)
        x = x.to(ACC_DTYPE)
        position = start + steps  # [BLOCK_L // SUB, SUB, 1]
        mask = (position < length) & lane_mask[None, None, :]  # [BLOCK_L // SUB, SUB, BLOCK_K]
        scanned, carry = _scan_tile(x, carry, last_run, OPERATOR, _identity(OPERATOR, x_ptr.dtype.element_ty))
        tl.store(y_lanes + (position + SHIFT) * stride_y_scan, scanned.to(y_ptr.dtype.element_ty), mask=mask)
        if INDICES:
            # torch.cummax moves the index where `isnan(x) or x >= running`: where the input is its
            # result or NaN; the index is the latest such step, in scan order whichever way the
            # strides walk (reversed, the smallest index of equal values)
            taken = ((x == scanned) | (x != x)) & mask
            candidates = tl.where(taken, position.to(tl.int32), -1)  # [BLOCK_L // SUB, SUB, BLOCK_K]
            chosen, carry_index = _scan_tile(candidates, carry_index, last_run, "max", -1)
            if INDICES == 2:
                chosen = length - 1 - chosen
            tl.store(i_lanes + position * stride_y_scan, chosen.to(tl.int64), mask=mask)
