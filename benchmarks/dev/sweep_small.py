"""The small case of the suite, (128, 4000) float32 cumsum along dim 1: every row-scan config
and a few with more warps, timed in one process with the copy of the same bytes, torch.cumsum
and triscan.cumsum as dispatched (dev tool; a launch-bound case, so each time is a median of
several do_bench runs; results go to benchmarks/results/tuning/).

    python benchmarks/dev/sweep_small.py
"""

import statistics

import torch
import triton
from fixed_launch import launch_fixed, plan_for_call
from triton.testing import do_bench

import triscan
from triscan.kernels.row import ROW_SCAN_CONFIGS

ROWS, LENGTH = 128, 4000
EXTRA = [triton.Config({"BLOCK": block}, num_warps=warps, num_stages=1)
         for block, warps in ((1024, 4), (1024, 8), (2048, 8), (4096, 8), (4096, 16))]


def median_us(fn):
    return 1000 * statistics.median(do_bench(fn, warmup=25, rep=100, return_mode="median") for _ in range(5))


def main():
    torch.manual_seed(0)
    x = torch.rand(ROWS, LENGTH, device="cuda")
    y = torch.empty_like(x)
    target = torch.empty_like(x)
    expected = torch.cumsum(x.double(), 1)
    print(f"{torch.cuda.get_device_name()}: ({ROWS}, {LENGTH}) float32, dim 1, inclusive", flush=True)
    copy_us, torch_us = median_us(lambda: target.copy_(x)), median_us(lambda: torch.cumsum(x, 1))
    triscan_us = median_us(lambda: triscan.cumsum(x, 1))
    print(f"copy {copy_us:.2f} us; torch.cumsum {torch_us:.2f} us; triscan.cumsum {triscan_us:.2f} us")
    bucket = triton.next_power_of_2(LENGTH)
    plan = plan_for_call(x, 1)
    for config in [c for c in ROW_SCAN_CONFIGS if c.kwargs["BLOCK"] <= bucket] + EXTRA:
        meta = dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages)

        def launch(meta=meta):
            return launch_fixed(plan, x, y, **meta)

        y.fill_(float("nan"))
        compiled = launch()
        error = (y.double() - expected).abs().max().item()
        print(f"{str(config):70s} {median_us(launch):6.2f} us regs {compiled.n_regs} max abs err {error:.1e}",
              flush=True)
    print(f"copy again {median_us(lambda: target.copy_(x)):.2f} us", flush=True)


if __name__ == "__main__":
    main()
