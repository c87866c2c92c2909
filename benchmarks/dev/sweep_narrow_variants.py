"""Narrow K (2^27, 8) along dim 0 (NARROW_INNER=2, 4 or 16: (2^30 / K, K)): the column
look-back kernel of several modules (the library's and candidate copies of
src/triscan/kernels/lookback/column.py) at fixed tiles, on the library's plan for the shape, in
one process with the copy roofline (dev tool; A/B of kernel changes, results go to
benchmarks/results/tuning/).

    python benchmarks/dev/sweep_narrow_variants.py \
        MODULE[:FLAG~0/1;...]=BLOCK_L/SUB/WARPS[/LOOKBACK[/MAXNREG]],..

MAXNREG caps registers per thread (ptxas spills beyond it), to trade spills for programs per SM;
flags (TRANSPOSE, ...) override the plan's constexprs.
"""

import importlib
import json
import os
import sys

import torch
from fixed_launch import launch_fixed, plan_for_call
from triton.testing import do_bench

SMS = torch.cuda.get_device_properties(0).multi_processor_count
INNER = int(os.environ.get("NARROW_INNER", 8))  # lanes: 2, 4, 8 or 16 (2^30 elements in all)
LENGTH = (1 << 30) // INNER


def bench(fn):
    return do_bench(fn, warmup=25, rep=200, return_mode="median")


def main():
    torch.manual_seed(0)
    x = torch.rand(LENGTH, INNER, device="cuda")
    y = torch.empty_like(x)
    expected = torch.cumsum(x.double(), 0)
    source = torch.empty(x.numel() * 4, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    roof = bench(lambda: target.copy_(source))
    print(f"{torch.cuda.get_device_name()}: copy of the same bytes {roof:.4f} ms", flush=True)
    rows = []
    plan = plan_for_call(x, 0, programs=8 * SMS)
    assert plan.family.name == "column_lookback"
    for argument in sys.argv[1:]:
        name, configs = argument.split("=", 1)
        name, _, flags = name.partition(":")  # MODULE:FLAG~0/1;...: constexpr flags of a candidate
        flags = {key: bool(int(value)) for key, value in (item.split("~") for item in flags.split(";")
                                                          if item)}
        kernel = importlib.import_module(name).column_lookback_scan_kernel
        for config in configs.split(","):
            block_l, sub, warps, *more = (int(part) for part in config.split("/"))
            lookback = more[0] if more else 32
            extra = {"maxnreg": more[1]} if len(more) > 1 else {}
            extra.update({"TRANSPOSE": False, **flags})

            def launch(kernel=kernel, block_l=block_l, sub=sub, warps=warps, extra=extra, lookback=lookback):
                return launch_fixed(plan, x, y, kernel=kernel, BLOCK_L=block_l, BLOCK_K=INNER, SUB=sub,
                                    LOOKBACK=lookback, num_warps=warps, num_stages=1, **extra)

            y.fill_(float("nan"))
            compiled = launch()
            error = ((y.double() - expected).abs() / expected.abs().clamp_min(1)).max().item()
            ms = bench(launch)
            row = {"module": name, "block_l": block_l, "sub": sub, "warps": warps, "lookback": lookback,
                   **extra, "ms": ms, "pct_of_copy": 100 * roof / ms, "regs": compiled.n_regs,
                   "spills": compiled.n_spills, "max_rel_error": error}
            rows.append(row)
            print(f"{name:30s} [{block_l:4d}, {INNER}] SUB {sub:2d} warps {warps} LOOKBACK {lookback} "
                  f"{extra} {ms:.4f} ms "
                  f"{row['pct_of_copy']:5.1f}% regs {compiled.n_regs} spills {compiled.n_spills} "
                  f"err {error:.1e}", flush=True)
    with open(os.path.join(os.environ.get("OUT", "."), "sweep_narrow_variants.json"), "w") as handle:
        json.dump({"gpu": torch.cuda.get_device_name(), "copy_ms": roof, "rows": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
