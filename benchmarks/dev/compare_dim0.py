"""Dim 0 of (32768, 32768) float32: the column scan against the column look-back, each at its
autotuned best, against the copy of the same bytes (dev tool)."""

import dataclasses

import torch
from triton.testing import do_bench

from triscan.kernels.registry import COLUMN, COLUMN_LOOKBACK
from triscan.scan.launch import run_launch
from triscan.scan.plan import plan_scan

n = 32768
x = torch.rand(n, n, device="cuda")
y = torch.empty_like(x)
target = torch.empty_like(x)
reference = torch.cumsum(x.double(), 0)
chosen = plan_scan(x.shape, x.stride(), 0, n, 0, False, x.shape, x.dtype, x.dtype, x.device)
for family in (COLUMN, COLUMN_LOOKBACK):
    plan = dataclasses.replace(chosen, family=family, programs=8 * torch.cuda.get_device_properties(0)
                               .multi_processor_count if family.persistent else 0, compiled={})
    plan.launch = family.launch_spec(plan)
    launch = lambda plan=plan: run_launch(plan.launch, x, y, plan.compiled)  # noqa: E731
    y.fill_(float("nan"))
    launch()
    error = ((y.double() - reference).abs() / reference.abs().clamp_min(1)).max().item()
    ms = do_bench(launch, warmup=50, rep=200, return_mode="median")
    copy = do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")
    print(f"{family.name:16s} {ms:.4f} ms, copy {copy:.4f} ms, {100 * copy / ms:.1f}% of copy, "
          f"max rel error {error:.2e}", flush=True)
