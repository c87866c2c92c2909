"""Times the look-back kernels over block, warps and persistent programs per SM, for the
three shapes below 90% of copy (1-D 2^30, 4 rows of 2^27, narrow K (2^27, 8) along dim 0),
with the copy roofline of the same bytes in the same process (dev tool; results go to
benchmarks/results/tuning/).

Each timed call includes the zeroed workspace, as the library's launcher allocates it.
"""

import json
import os

import torch
from fixed_launch import copy_ms, launch_fixed, plan_for_call
from triton.testing import do_bench

SMS = torch.cuda.get_device_properties(0).multi_processor_count


def bench(fn):
    return do_bench(fn, warmup=25, rep=150, return_mode="median")


def sweep_rows(rows, length, results):
    x = torch.rand(rows, length, device="cuda")
    y = torch.empty_like(x)
    expected = torch.cumsum(x.double(), 1)
    roof = copy_ms(2 * x.numel() * 4, rep=150)
    for block in (2048, 4096, 8192):
        for warps in (2, 4, 8):
            for per_sm in (8,):
                plan = plan_for_call(x, 1, programs=per_sm * SMS)
                assert plan.family.name == "lookback"

                def launch(plan=plan, block=block, warps=warps):
                    return launch_fixed(plan, x, y, BLOCK=block, num_warps=warps, num_stages=1)

                y.fill_(float("nan"))
                compiled = launch()
                error = ((y.double() - expected).abs() / expected.abs().clamp_min(1)).max().item()
                ms = bench(launch)
                row = {"shape": [rows, length], "block": block, "warps": warps, "per_sm": per_sm, "ms": ms,
                       "pct_of_copy": 100 * roof / ms, "regs": compiled.n_regs, "spills": compiled.n_spills,
                       "max_rel_error": error}
                results.append(row)
                print(f"rows {rows} x {length}: BLOCK {block:5d} warps {warps:2d} {per_sm:2d}/SM "
                      f"{ms:.4f} ms {row['pct_of_copy']:5.1f}% regs {compiled.n_regs} "
                      f"spills {compiled.n_spills} err {error:.1e}", flush=True)
    return roof


def sweep_narrow(length, inner, results):
    """The column look-back with separate status and value slots (the float64 path); the packed
    float32 path is timed by sweep_narrow_variants.py."""
    x = torch.rand(length, inner, device="cuda", dtype=torch.float64)
    y = torch.empty_like(x)
    expected = torch.cumsum(x, 0)
    roof = copy_ms(2 * x.numel() * 8, rep=150)
    for block_l, sub in ((256, 8), (512, 8), (1024, 8), (2048, 8), (1024, 16), (2048, 16)):
        for warps in (2, 4, 8):
            for per_sm in (4, 8, 16):
                plan = plan_for_call(x, 0, programs=per_sm * SMS)
                assert plan.family.name == "column_lookback"

                def launch(plan=plan, block_l=block_l, warps=warps, sub=sub):
                    return launch_fixed(plan, x, y, BLOCK_L=block_l, BLOCK_K=inner, SUB=sub, LOOKBACK=32,
                                        TRANSPOSE=False, num_warps=warps, num_stages=1)

                y.fill_(float("nan"))
                compiled = launch()
                error = ((y.double() - expected).abs() / expected.abs().clamp_min(1)).max().item()
                ms = bench(launch)
                row = {"shape": [length, inner], "block_l": block_l, "sub": sub, "warps": warps,
                       "per_sm": per_sm, "ms": ms, "pct_of_copy": 100 * roof / ms, "regs": compiled.n_regs,
                       "spills": compiled.n_spills, "max_rel_error": error}
                results.append(row)
                print(f"narrow ({length}, {inner}): BLOCK_L {block_l:5d} SUB {sub:2d} warps {warps} "
                      f"{per_sm:2d}/SM {ms:.4f} ms {row['pct_of_copy']:5.1f}% regs {compiled.n_regs} "
                      f"spills {compiled.n_spills} err {error:.1e}", flush=True)
    return roof


def main():
    import sys

    results, roofs = [], {}
    if "narrow" not in sys.argv[1:]:  # `sweep_lookback.py narrow`: the narrow-K part only
        roofs["1-D 2^30"] = sweep_rows(1, 1 << 30, results)
        roofs["4 rows of 2^27"] = sweep_rows(4, 1 << 27, results)
    roofs["narrow (2^27, 8)"] = sweep_narrow(1 << 27, 8, results)
    for shape in ([1, 1 << 30], [4, 1 << 27], [1 << 27, 8]):
        best = sorted((r for r in results if r["shape"] == shape), key=lambda r: r["ms"])[:5]
        for row in best:
            print("best", row, flush=True)
    with open(os.path.join(os.environ.get("OUT", "."), "sweep_lookback.json"), "w") as handle:
        json.dump({"gpu": torch.cuda.get_device_name(), "copy_ms": roofs, "rows": results}, handle, indent=1)


if __name__ == "__main__":
    main()
