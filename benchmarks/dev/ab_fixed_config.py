"""The installed tree's kernel and an older tree's (`triscan_old`, benchmarks/dev/make_old_package.py)
launched with the same fixed config on the same input, alternately in one process (dev tool): tells a
kernel change from an autotuner choice.

    PYTHONPATH=.ab python benchmarks/dev/ab_fixed_config.py --dtype bfloat16 --shape 536870912 \
        --config BLOCK=8192,num_warps=4 BLOCK=4096,num_warps=2
"""

import argparse
import importlib

import torch
from fixed_launch import copy_ms, launch_fixed
from triton.testing import do_bench


def fixed_launcher(package, x, out, shift):
    """launch(**meta): one launch of the package's planned kernel for `x` with a fixed config
    (fixed_launch.launch_fixed); a meta-parameter the package's kernel does not have is left out."""
    dispatch = importlib.import_module(f"{package}.scan.dispatch")
    plan = dispatch.plan_for(x, out, x.dim() - 1, x.shape[-1] - shift, shift)
    known = set(plan.launch.kernel.fn.arg_names) | {"num_warps", "num_stages", "maxnreg"}
    return lambda **meta: launch_fixed(plan, x, out, **{key: meta[key] for key in meta if key in known})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--shape", type=int, nargs="+", default=[1 << 29])
    parser.add_argument("--exclusive", action="store_true")
    parser.add_argument("--config", nargs="+", default=["BLOCK=8192,num_warps=4"])
    parser.add_argument("--old", default="triscan_old")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    x = (torch.rand(args.shape, device="cuda") + 0.5).to(dtype) if dtype.is_floating_point \
        else torch.randint(-100, 100, args.shape, device="cuda", dtype=dtype)
    out_dtype = dtype if dtype.is_floating_point else torch.int64
    out = torch.empty(x.shape, dtype=out_dtype, device="cuda")
    shift = int(args.exclusive)
    moved = x.numel() * x.element_size() + out.numel() * out.element_size()
    roofline = copy_ms(moved)
    launchers = {"new": fixed_launcher("triscan", x, out, shift),
                 "old": fixed_launcher(args.old, x, out, shift)}
    for text in args.config:
        meta = {key: int(value) for key, value in (pair.split("=") for pair in text.split(","))}
        for label, launch in launchers.items():
            compiled = launch(**meta)
            ms = do_bench(lambda launch=launch, meta=meta: launch(**meta), warmup=25, rep=100,
                          return_mode="median")
            print(f"{label} {list(x.shape)} {args.dtype} {meta}: {ms:.4f} ms {100 * roofline / ms:.1f}% of "
                  f"copy, regs {compiled.n_regs} spills {compiled.n_spills}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
