"""Column scan: the scan runs along a dimension with inner size K > 1.

A program owns BLOCK_K adjacent lanes of one outer index and walks the scan length in
tiles of [BLOCK_L, BLOCK_K], carrying one running sum per lane. Reads and writes are
coalesced along K, so no transpose copy is needed. This is the correct, general path;
its tuning for every shape (narrow K, very long L) belongs to a later issue.
"""

import triton
import triton.language as tl

from ._launch import ceil_div, launch_kernel, power_of_two_at_least


@triton.jit
def _run_steps(BLOCK_L: tl.constexpr, SUB: tl.constexpr):
    """Scan step of each [BLOCK_L // SUB, SUB, 1] position of a tile: run r, step s of the run
    is step r * SUB + s.

    Why a run axis: Triton lays a tile out by its memory order, lanes fastest, then the first
    axis. With [BLOCK_L, BLOCK_K] every thread holds one step of 4 lanes, and a scan along L
    crosses threads at every step (320 shuffles per [1024, 8] look-back tile). With the SUB
    consecutive steps of a run on their own axis after the run index, the runs go to threads
    and each thread holds a whole run: the scan inside a run is additions in registers, and
    only the run totals cross threads (benchmarks/NOTES.md sections 11 and 13)."""
    runs = tl.arange(0, BLOCK_L // SUB)[:, None, None]
    steps = tl.arange(0, SUB)[None, :, None]
    return runs * SUB + steps  # [BLOCK_L // SUB, SUB, 1]


@triton.jit
def _sum_before_and_through(before_a, through_a, before_b, through_b):
    """Combine two spans of runs, each as (sum before its last run, sum through its last run)."""
    return through_a + before_b, through_a + through_b


@triton.jit
def _before_runs(run_totals):
    """(sum of the runs before each run, sum through each run) along axis 0, by additions only:
    `through - run_totals` would turn an Inf run total into NaN (Inf - Inf) where torch.cumsum
    keeps the sums before the Inf finite."""
    return tl.associative_scan((tl.zeros_like(run_totals), run_totals), 0, _sum_before_and_through)


# SUB = 4: each thread scans runs of 4 consecutive steps in registers (as the column look-back's
# tiles, _run_steps above); offline this halves the PTX of most tiles ([16, 128]: 1019 ->
# 414 lines, 24 -> 0 shuffles), where runs of 8 gain less (benchmarks/NOTES.md section 13)
COLUMN_SCAN_CONFIGS = [
    triton.Config({"BLOCK_L": block_l, "BLOCK_K": block_k, "SUB": 4}, num_warps=warps, num_stages=stages)
    # (16, 32) survives every pruning below, so the pruned space is never empty
    for block_l, block_k, warps in ((16, 32, 2), (16, 128, 4), (32, 64, 4), (64, 32, 4), (8, 256, 4))
    for stages in (1, 2, 3)
]


@triton.autotune(
    configs=COLUMN_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "INNER_BUCKET", "SHIFT"],
    prune_configs_by={"early_config_prune": lambda configs, args, **kwargs: [
        config for config in configs
        if config.kwargs["BLOCK_L"] <= max(16, args["LENGTH_BUCKET"])
        and config.kwargs["BLOCK_K"] <= max(64, args["INNER_BUCKET"])]},
)
@triton.jit
def column_scan_kernel(
    x_ptr,  # input: x[m, l, k] at m * stride_x_outer + l * stride_x_scan + k * stride_x_inner
    y_ptr,  # output, contiguous along k: y[m, l, k] at m * stride_y_outer + l * stride_y_scan + k
    inner,  # K, the number of lanes per outer index
    length,  # number of input elements scanned per lane
    stride_x_outer,
    stride_x_scan,
    stride_x_inner,
    stride_y_outer,
    stride_y_scan,
    LENGTH_BUCKET,  # autotune keys, unused in the body
    INNER_BUCKET,
    SHIFT: tl.constexpr,  # 1: exclusive (y[0] = 0, y[l + 1] = x[0] + ... + x[l]); 0: inclusive
    ACC_DTYPE: tl.constexpr,
    BLOCK_L: tl.constexpr,
    BLOCK_K: tl.constexpr,
    SUB: tl.constexpr,  # consecutive steps one thread scans in registers
):
    tiles_k = tl.cdiv(inner, BLOCK_K)
    pid = tl.program_id(0).to(tl.int64)
    outer = pid // tiles_k
    lanes = (pid % tiles_k) * BLOCK_K + tl.arange(0, BLOCK_K)  # [BLOCK_K]
    lane_mask = lanes < inner
    if SHIFT == 1:
        tl.store(y_ptr + outer * stride_y_outer + lanes, tl.zeros([BLOCK_K], dtype=y_ptr.dtype.element_ty),
                 mask=lane_mask)
    # a tile of BLOCK_L steps held as [BLOCK_L // SUB, SUB, BLOCK_K]: run r, step s is step r * SUB + s
    steps = _run_steps(BLOCK_L, SUB).to(tl.int64)  # [BLOCK_L // SUB, SUB, 1]
    x_lanes = x_ptr + outer * stride_x_outer + lanes[None, None, :] * stride_x_inner  # [1, 1, BLOCK_K]
    y_lanes = y_ptr + outer * stride_y_outer + lanes[None, None, :]
    last_run = (tl.arange(0, BLOCK_L // SUB) == BLOCK_L // SUB - 1)[:, None]  # [BLOCK_L // SUB, 1]
    carry = tl.zeros([BLOCK_K], dtype=ACC_DTYPE)
    for start in range(0, length, BLOCK_L):
        position = start + steps  # [BLOCK_L // SUB, SUB, 1]
        mask = (position < length) & lane_mask[None, None, :]  # [BLOCK_L // SUB, SUB, BLOCK_K]
        x = tl.load(x_lanes + position * stride_x_scan, mask=mask, other=0).to(ACC_DTYPE)
        before_run, through_run = _before_runs(tl.sum(x, 1))  # [BLOCK_L // SUB, BLOCK_K]
        scanned = tl.cumsum(x, 1) + (before_run + carry[None, :])[:, None, :]
        # The carry is the last run's end. (`carry += tl.sum(x, 0)` trips an assertion in
        # Triton 3.6's OptimizeThreadLocality pass for loop-carried reductions.)
        carry = tl.sum(tl.where(last_run, through_run + carry[None, :], 0), 0)
        tl.store(y_lanes + (position + SHIFT) * stride_y_scan, scanned.to(y_ptr.dtype.element_ty), mask=mask)


def launch_column_scan(x, y, outer, length, inner, stride_x_outer, stride_x_scan, stride_x_inner,
                       stride_y_outer, stride_y_scan, shift, acc_dtype, interpreted, compiled=None):
    """Scan the (outer, length, inner) view of `x` along its middle axis into `y`."""
    kernel = column_scan_kernel.fn if interpreted else column_scan_kernel
    meta = {"BLOCK_L": 8, "BLOCK_K": 8, "SUB": 4, "num_warps": 1} if interpreted else {}
    grid = lambda meta: (outer * ceil_div(inner, meta["BLOCK_K"]),)
    arguments = (x, y, inner, length, stride_x_outer, stride_x_scan, stride_x_inner, stride_y_outer,
                 stride_y_scan, power_of_two_at_least(length), power_of_two_at_least(inner))
    launch_kernel(kernel, grid, arguments, dict(SHIFT=shift, ACC_DTYPE=acc_dtype, **meta), compiled)
