"""Times every config of triscan's row-scan kernel on the headline shape, one process,
with the copy roofline before and after (dev tool; results go to benchmarks/results/tuning/)."""

import json
import os

import torch
import triton
from fixed_launch import launch_fixed
from triton.testing import do_bench

from triscan.api import seed_call
from triscan.kernels.row import ROW_SCAN_CONFIGS
from triscan.scan.dispatch import plan_for

EXTRA = [triton.Config({"BLOCK": b}, num_warps=w, num_stages=1)
         for b, w in ((16384, 4), (16384, 8), (8192, 2))]


def main():
    n = 32768
    x = torch.rand(n, n, device="cuda")
    y = torch.empty(n - 1, n + 1, device="cuda")
    target = torch.empty_like(x)
    ref = torch.cumsum(x[:-1], 1)
    copy = [do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")]
    rows = []
    source, _, _, dim, length = seed_call(x, 1)
    plan = plan_for(source, y, dim, length, 1)  # ModelNew(1)'s plan
    for config in ROW_SCAN_CONFIGS + EXTRA:
        meta = dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages)

        def launch(meta=meta):
            return launch_fixed(plan, source, y, **meta)

        y.fill_(float("nan"))
        compiled = launch()
        ok = bool((y[:, 0] == 0).all()) and torch.allclose(y[:, 1:], ref, atol=1e-4, rtol=1e-4)
        ms = do_bench(launch, warmup=50, rep=200, return_mode="median")
        rows.append({"config": str(config), "ms": ms, "regs": compiled.n_regs, "spills": compiled.n_spills,
                     "correct": ok})
        print(f"{str(config):70s} {ms:.4f} ms regs {compiled.n_regs} spills {compiled.n_spills} ok={ok}",
              flush=True)
    copy.append(do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median"))
    best = min(copy)
    print(f"copy {copy}")
    for row in sorted(rows, key=lambda r: r["ms"])[:8]:
        print(f"{row['config']:70s} {row['ms']:.4f} ms {100 * best / row['ms']:.1f}% of copy")
    out = os.environ.get("OUT", ".")
    with open(os.path.join(out, "sweep_row_scan.json"), "w") as handle:
        json.dump({"gpu": torch.cuda.get_device_name(), "copy_ms": copy, "rows": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
