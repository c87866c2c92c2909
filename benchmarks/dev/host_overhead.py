"""Small-tensor cost on CUDA, split into device time and host time (dev tool).

For x = rand(128, 4000) float32 along dim 1: do_bench median (device time, L2 flushed),
and the wall time per call of 2000 back-to-back calls (what a Python loop pays: host work
plus launch), for triscan.cumsum, the bare row-scan launcher through Triton's dispatch and
with the compiled kernel launched directly (scan/launch.py), and torch.cumsum.
"""

import time

import torch
from triton.testing import do_bench

import triscan
from triscan.scan.dispatch import plan_for
from triscan.scan.launch import run_launch

x = torch.rand(128, 4000, device="cuda")
y = torch.empty_like(x)
plan = plan_for(x, y, 1, 4000, 0)
compiled = {}  # what a scan plan keeps: the compiled kernel, launched directly after the first call
calls = {
    "triscan.cumsum": lambda: triscan.cumsum(x, 1),
    "row launch, Triton's dispatch": lambda: run_launch(plan.launch, x, y, None),
    "row launch, compiled kernel direct": lambda: run_launch(plan.launch, x, y, compiled),
    "torch.cumsum": lambda: torch.cumsum(x, 1),
}
for name, fn in calls.items():
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    device_ms = do_bench(fn, warmup=50, rep=200, return_mode="median")
    start = time.perf_counter()
    for _ in range(2000):
        fn()
    torch.cuda.synchronize()
    wall_us = (time.perf_counter() - start) / 2000 * 1e6
    print(f"{name:45s} do_bench {1000 * device_ms:7.1f} us   back-to-back wall {wall_us:7.1f} us/call",
          flush=True)
