"""Times every autotune config of the kernel a call's plan takes, pruned or not, for one input
(dev tool): which config is best on this GPU, what the autotuner picked, registers and spills.

    python benchmarks/dev/sweep_configs.py --dtype bfloat16 --shape 536870912 [--exclusive] [--reverse]
        [--stride 16 1] (a view: the strides of the shape, as --shape 33554432 8 --stride 16 1)
    python benchmarks/dev/sweep_configs.py --dtype bfloat16 --shape 16384 32768 --dim 0 \
        --extra '{"BLOCK_L": 128, "BLOCK_K": 32, "SUB": 4, "num_warps": 4}'

--extra adds meta-parameter sets that are not (yet) in the kernel's configs: candidates. With
--on-pick, only the autotuner's pick is timed, and each --extra set is laid over it:

    python benchmarks/dev/sweep_configs.py --dtype float64 --on-pick --extra '{"LOOKBACK": 64}'
"""

import argparse
import json

import torch
from fixed_launch import config_meta, copy_ms, launch_fixed
from registers import held_elements, programs_per_sm
from triton.testing import do_bench

import triscan
from triscan.scan.dispatch import plan_for


def in_flight(plan, x: torch.Tensor, meta: dict, compiled) -> str:
    """For the look-backs (NOTES.md 91's and 123's model): resident programs per SM, the lesser of
    the grid's 8 and what this GPU's registers and shared memory per SM allow, and the input bytes
    they have in flight (`registers.held_elements` each)."""
    if plan.family.name not in ("lookback", "column_lookback"):
        return ""
    properties = torch.cuda.get_device_properties(x.device)
    programs = programs_per_sm(compiled.n_regs, meta["num_warps"], getattr(compiled.metadata, "shared", 0),
                               getattr(properties, "regs_per_multiprocessor", 65536),
                               getattr(properties, "shared_memory_per_multiprocessor", 228 * 1024))
    loaded = held_elements(plan.family.name, {**plan.launch.constexprs, **meta})
    return f" programs/SM {programs} input KiB in flight/SM {programs * loaded * x.element_size() / 1024:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--shape", type=int, nargs="+", default=[1 << 28])
    parser.add_argument("--exclusive", action="store_true")
    parser.add_argument("--reverse", action="store_true")
    parser.add_argument("--dim", type=int, default=-1, help="the dim scanned (default: the last)")
    parser.add_argument("--stride", type=int, nargs="+", help="a view's strides (default: contiguous)")
    parser.add_argument("--extra", nargs="*", default=[], help="candidate meta-parameters (JSON)")
    parser.add_argument("--on-pick", action="store_true",
                        help="time the autotuner's pick only, and each --extra laid over it")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    # a strided view reads from a buffer that holds every element its strides reach
    held = [1 + sum((size - 1) * stride for size, stride in zip(args.shape, args.stride, strict=True))] \
        if args.stride else args.shape
    x = (torch.rand(held, device="cuda") + 0.5).to(dtype) if dtype.is_floating_point \
        else torch.randint(-100, 100, held, device="cuda", dtype=dtype)
    if args.stride:
        x = x.as_strided(args.shape, args.stride)
    dim = args.dim % x.dim()
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
    extras = [json.loads(extra) for extra in args.extra]
    if args.on_pick:
        pick = config_meta(kernel.best_config)
        metas = [pick] + [{**pick, **extra} for extra in extras]
    else:
        metas = [config_meta(config) for config in kernel.configs] + extras
    for meta in metas:
        y.fill_(float("nan") if y.is_floating_point() else torch.iinfo(y.dtype).min)  # unwritten ones show
        try:
            compiled = launch_fixed(plan, x, y, **meta)
        except Exception as error:  # e.g. out of shared memory on this GPU: report it and go on
            print(f"  {meta}: {type(error).__name__}: {str(error)[:120]}", flush=True)
            continue
        # a fixed launch can be no scan at all (a lookback chunk under the workspace's smallest, which
        # read "126%" in NOTES.md 155): against the library's output, untimed if it differs
        error = (y.double() - out.double()).abs().max().item() / max(out.double().abs().max().item(), 1.0)
        if not error <= 1e-2:
            print(f"  {meta}: wrong output (max error {error:.3g} of the largest sum): not timed", flush=True)
            continue
        ms = do_bench(lambda meta=meta: launch_fixed(plan, x, y, **meta), warmup=10, rep=50,
                      return_mode="median")
        print(f"  {meta}: {ms:.4f} ms {100 * roofline / ms:5.1f}% regs {compiled.n_regs} spills "
              f"{compiled.n_spills}{in_flight(plan, x, meta, compiled)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
