"""The column look-back configs one call's autotuner compares, each compiled offline (no GPU) with
the call's own constexprs: registers and spills per config (dev tool). Where the pick sits near
255 registers or spills, the configs beside it say what a change of tiles could buy.

    python benchmarks/dev/call_configs.py --shape 33554432 5 --dim 0 --dtype int64 [--stride 16 1]
        [--exclusive] [--reverse] [--out-dtype int64] [--arch 90]

The plan is made for a meta tensor of the shape (explain.planned_call) on a CUDA device when there
is one, else on the CPU (the same constexprs but the interpreter's tile, dropped here; only the
programs drawn differ).
"""

import argparse

import registers
import torch

from triscan.explain import planned_call
from triscan.kernels.lookback.column import column_lookback_scan_kernel

# registers.py's element names
ELEMENTS = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16", torch.float64: "fp64",
            torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8"}
# plan constexprs that registers.py sets from the element type, or that the signature lacks there
IMPLIED = ("ACC_DTYPE", "OPERATOR", "WIDE_OFFSETS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs="+", required=True)
    parser.add_argument("--stride", type=int, nargs="+", help="a view's strides (default: contiguous)")
    parser.add_argument("--dim", type=int, default=0)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--out-dtype", help="the output's dtype (default: torch's for the input)")
    parser.add_argument("--exclusive", action="store_true")
    parser.add_argument("--reverse", action="store_true")
    parser.add_argument("--arch", type=int, default=90)
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    x = (torch.empty(0, dtype=dtype, device="meta").as_strided(args.shape, args.stride) if args.stride
         else torch.empty(args.shape, dtype=dtype, device="meta"))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    plan = planned_call(x, args.dim, device, exclusive=args.exclusive, reverse=args.reverse)
    if plan.family.name != "column_lookback":
        print(f"this call plans the {plan.family.name} family; the tool reads column look-back plans")
        return 1
    constexprs = dict(plan.launch.constexprs)
    if plan.interpreted:  # the interpreter's fixed tile is not a GPU config: the configs' own meta instead
        for key in (*plan.family.interpreter_meta, "GROUPED", "TRANSPOSE"):
            constexprs.pop(key, None)
    output = getattr(torch, args.out_dtype) if args.out_dtype else plan.output_dtype
    kept = column_lookback_scan_kernel.early_config_prune(
        column_lookback_scan_kernel.configs,
        {"x_ptr": torch.ones(4, dtype=dtype), "y_ptr": torch.ones(4, dtype=output),
         "INNER_BUCKET": plan.launch.scalars["INNER_BUCKET"]}, **constexprs)
    fixed = {key: value for key, value in constexprs.items() if key not in IMPLIED}  # the call's own
    print(f"{tuple(args.shape)} dim {args.dim} {dtype} -> {output}: {len(kept)} configs kept; {fixed}")
    for config in kept:
        meta = dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages)
        if config.maxnreg is not None:
            meta["maxnreg"] = config.maxnreg
        # GROUPED as the config sets it, off where it does not (the plan's own was dropped above)
        variant = {**fixed, "GROUPED": False, **meta, "ELEMENT": ELEMENTS[output]}
        if output != dtype:
            variant["INPUT"] = ELEMENTS[dtype]
        used, spilled, shared = registers.compile_info("column_lookback", args.arch, **variant)
        print(f"  {meta}: {used} registers, {spilled} bytes spilled, {shared} bytes shared")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
