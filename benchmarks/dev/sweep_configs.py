"""Times every autotune config of the kernel a call's plan takes, pruned or not, for one input
(dev tool): which config is best on this GPU, what the autotuner picked, registers and spills.

    python benchmarks/dev/sweep_configs.py --dtype bfloat16 --shape 536870912 [--exclusive] [--reverse]
"""

import argparse

import torch
from fixed_launch import copy_ms, launch_fixed
from triton.testing import do_bench

import triscan
from triscan.scan.dispatch import plan_for


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--shape", type=int, nargs="+", default=[1 << 28])
    parser.add_argument("--exclusive", action="store_true")
    parser.add_argument("--reverse", action="store_true")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    x = (torch.rand(args.shape, device="cuda") + 0.5).to(dtype) if dtype.is_floating_point \
        else torch.randint(-100, 100, args.shape, device="cuda", dtype=dtype)
    dim = x.dim() - 1
    function = triscan.exclusive_cumsum if args.exclusive else triscan.cumsum
    out = function(x, dim, reverse=args.reverse)  # autotunes
    moved = x.numel() * x.element_size() + out.numel() * out.element_size()
    roofline = copy_ms(moved)
    library_ms = do_bench(lambda: function(x, dim, reverse=args.reverse), warmup=25, rep=100,
                          return_mode="median")
    shift = 1 if args.exclusive else 0
    plan = plan_for(x, out, dim, x.shape[dim] - shift, shift, args.reverse)  # the call's cached plan
    kernel = plan.launch.kernel
    print(f"{list(x.shape)} {args.dtype} exclusive={args.exclusive} reverse={args.reverse}: family "
          f"{plan.family.name}, library {library_ms:.4f} ms = {100 * roofline / library_ms:.1f}% of copy; "
          f"autotuner picked {getattr(kernel, 'best_config', None)}", flush=True)
    y = torch.empty_like(out)
    for config in kernel.configs:
        meta = dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages)
        compiled = launch_fixed(plan, x, y, **meta)
        ms = do_bench(lambda meta=meta: launch_fixed(plan, x, y, **meta), warmup=10, rep=50,
                      return_mode="median")
        print(f"  {meta}: {ms:.4f} ms {100 * roofline / ms:5.1f}% regs {compiled.n_regs} spills "
              f"{compiled.n_spills}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
