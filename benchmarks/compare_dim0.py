"""Dim 0 of (32768, 32768) float32: column scan vs column look-back scan vs copy (dev tool)."""

import torch
import triton.language as tl
from triton.testing import do_bench

from triscan.kernels.column_scan import launch_column_scan
from triscan.kernels.lookback_scan import launch_column_lookback_scan

n = 32768
x = torch.rand(n, n, device="cuda")
y = torch.empty_like(x)
target = torch.empty_like(x)
reference = torch.cumsum(x.double(), 0)
for name, launch in (
    ("column scan", lambda: launch_column_scan(x, y, 1, n, n, 0, n, 1, 0, n, 0, tl.float32, False)),
    ("column look-back", lambda: launch_column_lookback_scan(x, y, 1, n, n, 0, n, 1, 0, n, 0, tl.float32,
                                                            torch.float32, False)),
):
    y.fill_(float("nan"))
    launch()
    error = ((y.double() - reference).abs() / reference.abs().clamp_min(1)).max().item()
    ms = do_bench(launch, warmup=50, rep=200, return_mode="median")
    copy = do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")
    print(f"{name:18s} {ms:.4f} ms, copy {copy:.4f} ms, {100 * copy / ms:.1f}% of copy, "
          f"max rel error {error:.2e}", flush=True)
