"""Column scan: the scan runs along a dimension with inner size K > 1.

A program owns BLOCK_K adjacent lanes of one outer index and walks the scan length in
tiles of [BLOCK_L, BLOCK_K], carrying one running sum per lane. Reads and writes are
coalesced along K, so no transpose copy is needed. This is the correct, general path;
its tuning for every shape (narrow K, very long L) belongs to a later issue.
"""

import triton
import triton.language as tl

from ._launch import launch_kernel

COLUMN_SCAN_CONFIGS = [
    triton.Config({"BLOCK_L": block_l, "BLOCK_K": block_k}, num_warps=warps, num_stages=stages)
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
):
    tiles_k = tl.cdiv(inner, BLOCK_K)
    pid = tl.program_id(0).to(tl.int64)
    outer = pid // tiles_k
    lanes = (pid % tiles_k) * BLOCK_K + tl.arange(0, BLOCK_K)  # [BLOCK_K]
    lane_mask = lanes < inner
    x_outer = x_ptr + outer * stride_x_outer + lanes * stride_x_inner  # [BLOCK_K]
    y_outer = y_ptr + outer * stride_y_outer + lanes  # [BLOCK_K]
    if SHIFT == 1:
        tl.store(y_outer, tl.zeros([BLOCK_K], dtype=y_ptr.dtype.element_ty), mask=lane_mask)
    steps = tl.arange(0, BLOCK_L).to(tl.int64)  # [BLOCK_L]
    carry = tl.zeros([BLOCK_K], dtype=ACC_DTYPE)
    for start in range(0, length, BLOCK_L):
        position = start + steps  # [BLOCK_L]
        mask = (position < length)[:, None] & lane_mask[None, :]  # [BLOCK_L, BLOCK_K]
        x = tl.load(x_outer[None, :] + (position * stride_x_scan)[:, None], mask=mask, other=0)
        scanned = tl.cumsum(x.to(ACC_DTYPE), 0) + carry[None, :]  # [BLOCK_L, BLOCK_K]
        # The carry is the tile's last row. (`carry += tl.sum(x, 0)` trips an assertion in
        # Triton 3.6's OptimizeThreadLocality pass for 2-D loop-carried reductions.)
        carry = tl.sum(tl.where((steps == BLOCK_L - 1)[:, None], scanned, 0), 0)
        tl.store(y_outer[None, :] + ((position + SHIFT) * stride_y_scan)[:, None],
                 scanned.to(y_ptr.dtype.element_ty), mask=mask)


def launch_column_scan(x, y, outer, length, inner, stride_x_outer, stride_x_scan, stride_x_inner,
                       stride_y_outer, stride_y_scan, shift, acc_dtype, interpreted, compiled=None):
    """Scan the (outer, length, inner) view of `x` along its middle axis into `y`."""
    kernel = column_scan_kernel.fn if interpreted else column_scan_kernel
    meta = {"BLOCK_L": 8, "BLOCK_K": 8, "num_warps": 1} if interpreted else {}
    grid = lambda meta: (outer * triton.cdiv(inner, meta["BLOCK_K"]),)
    arguments = (x, y, inner, length, stride_x_outer, stride_x_scan, stride_x_inner, stride_y_outer,
                 stride_y_scan, triton.next_power_of_2(length), triton.next_power_of_2(inner))
    launch_kernel(kernel, grid, arguments, dict(SHIFT=shift, ACC_DTYPE=acc_dtype, **meta), compiled)
