"""A/B of two trees of the library in one process: the headline ModelNew and every suite case,
timed for the installed triscan and for an older tree renamed to a package of its own (dev tool;
a change that must not move speed, such as a refactor, is proven this way).

    python benchmarks/dev/make_old_package.py REV .ab      # on a machine with git: .ab/triscan_old
    PYTHONPATH=.ab python benchmarks/dev/ab_packages.py [--rep MS] [--rounds N] [--json PATH]
    PYTHONPATH=.ab python benchmarks/dev/ab_packages.py --host

Each case times A and B alternately (A B A B ...) with do_bench medians (L2 flushed), beside the
copy of the same bytes; each is autotuned on its first call, outside the timing. `--host` times
small calls instead: the wall time per call of 2000 back-to-back calls, alternating, beside
torch.cumsum.
"""

import argparse
import importlib
import json

import torch
from triton.testing import do_bench

import triscan
from triscan.tools import matrix
from triscan.tools.environment import environment
from triscan.tools.host import wall_us
from triscan.tools.report import show_table
from triscan.tools.suite import CASES, HEADLINE, make_input


def calls(package, dim, reverse, seed, exclusive=False):
    if seed:
        model = package.ModelNew(dim)
        return lambda x: model(x)
    function = package.exclusive_cumsum if exclusive else package.cumsum
    return lambda x: function(x, dim, reverse=reverse)


def autotuned_kernels(package):
    """(family name, autotuned kernel) of a tree's registry."""
    registry = importlib.import_module(package.__name__ + ".kernels.registry")
    return [(family.name, family.kernels["forward"]) for family in registry.FAMILIES]


def chosen(package, call, x):
    """The call's output, and the configs its autotuners picked for it ({family: config})."""
    kernels = autotuned_kernels(package)
    for _, kernel in kernels:
        kernel.best_config = None
    out = call(x)
    return out, {name: str(kernel.best_config) for name, kernel in kernels
                 if getattr(kernel, "best_config", None) is not None}


def time_case(name, shape, dim, dtype, reverse, seed, old, rounds, rep, exclusive=False, x=None) -> dict:
    """Alternating medians of the new and old trees and of the copy of the same bytes, and the
    configs each tree's autotuner picked."""
    torch.manual_seed(0)
    x = make_input(shape, dtype) if x is None else x
    new_call = calls(triscan, dim, reverse, seed, exclusive)
    old_call = calls(old, dim, reverse, seed, exclusive)
    # compile and autotune outside the timing
    (new_out, new_configs), (old_out, old_configs) = chosen(triscan, new_call, x), chosen(old, old_call, x)
    # look-back float sums may differ in their last bits from run to run (which predecessors
    # had published when a chunk looked), so the outputs are compared by their largest gap
    gap = (new_out.double() - old_out.double()).abs().max().item() if new_out.shape == old_out.shape \
        else float("inf")
    # the bytes the call moves, as the matrix counts them (the seed's rows drop x's last one)
    moved = matrix.moved_bytes(x, dim, new_out, exclusive=exclusive, reverse=reverse, seed=seed)
    del new_out, old_out
    buffer = torch.empty(moved // 2, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(buffer)
    timed = {"new": lambda: new_call(x), "old": lambda: old_call(x), "copy": lambda: target.copy_(buffer)}
    times = {label: [] for label in timed}
    for _ in range(rounds):
        for label, fn in timed.items():
            times[label].append(do_bench(fn, warmup=25, rep=rep, return_mode="median"))
    return {"case": name, "shape": list(shape), "dim": dim, "dtype": str(dtype), "reverse": reverse,
            "bytes": moved, "ms": times, "max_output_gap": gap,
            "configs": {"new": new_configs, "old": old_configs}}


HOST_CASES = {"(8, 1024) cumsum": ((8, 1024), False), "(128, 4000) cumsum": ((128, 4000), False),
              "(65536,) cumsum": ((65536,), False), "(128, 4000) ModelNew": ((128, 4000), True)}


def host_case(old, shape, seed: bool, rounds: int) -> dict:
    """Best of `rounds` alternating wall times per call, new, old and torch.cumsum."""
    x = torch.rand(shape, device="cuda")
    dim = len(shape) - 1
    new_call, old_call = calls(triscan, dim, False, seed), calls(old, dim, False, seed)
    timed = {"new": lambda: new_call(x), "old": lambda: old_call(x), "torch": lambda: torch.cumsum(x, dim)}
    times = {label: [] for label in timed}
    for _ in range(rounds):
        for label, fn in timed.items():
            times[label].append(wall_us(fn))
    return {label: min(values) for label, values in times.items()}


def host_main(old, rounds: int) -> list[list[str]]:
    rows = []
    for name, (shape, seed) in HOST_CASES.items():
        best = host_case(old, shape, seed, rounds)
        rows.append([name, f"{best['new']:.1f}", f"{best['old']:.1f}", f"{best['torch']:.1f}"])
        print(" | ".join(rows[-1]), flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rep", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json")
    parser.add_argument("--old", default="triscan_old")
    parser.add_argument("--host", action="store_true")
    parser.add_argument("--cells", nargs="+", help="matrix cells OP/DTYPE/SHAPE (tools/matrix.py) instead; "
                        "'-' for a space in OP (cumsum-reverse), '_' in SHAPE (narrow_K=8)")
    parser.add_argument("--gib", type=float, default=1.0, help="with --cells: input GiB")
    args = parser.parse_args()
    old = importlib.import_module(args.old)
    if args.host:
        rows = host_main(old, args.rounds)
        show_table(f"wall us per call, 2000 back to back, {torch.cuda.get_device_name()}",
                   ["call", "new", "old", "torch.cumsum"], rows, numeric=("new", "old", "torch.cumsum"))
        return 0
    cases = {"headline ModelNew": ((HEADLINE["rows"], HEADLINE["length"]), HEADLINE["dim"], torch.float32,
                                   False, True)}
    cases.update({name: (shape, dim, dtype, bool(flags and flags[0]), False)
                  for name, (shape, dim, dtype, *flags) in CASES.items()})
    results, rows = [], []
    if args.cells:  # matrix cells replace the suite's cases
        # shell words: a '-' in an op and a '_' in a shape stand for spaces (cumsum-reverse, narrow_K=8)
        words = {cell: cell.split("/") for cell in args.cells}
        cases = {cell: [op.replace("-", " "), dtype, shape.replace("_", " ")]
                 for cell, (op, dtype, shape) in words.items()}
    for name, case in cases.items():
        if args.cells:
            op, dtype_name, family = case
            x, dim = matrix.make_input(family, matrix.DTYPES[dtype_name], int(args.gib * matrix.GIB))
            result = time_case(name, tuple(x.shape), dim, x.dtype, op.endswith("reverse"), op == "ModelNew",
                               old, args.rounds, args.rep, exclusive=op.startswith("exclusive"), x=x)
            del x
        else:
            shape, dim, dtype, reverse, seed = case
            result = time_case(name, shape, dim, dtype, reverse, seed, old, args.rounds, args.rep)
        best = {label: min(values) for label, values in result["ms"].items()}
        results.append(result)
        rows.append([name, f"{best['new']:.4f}", f"{best['old']:.4f}",
                     f"{100 * best['copy'] / best['new']:.1f}%", f"{100 * best['copy'] / best['old']:.1f}%",
                     f"{100 * (best['old'] / best['new'] - 1):+.1f}%", f"{result['max_output_gap']:.2g}"])
        print(" | ".join(rows[-1]), flush=True)
        for label, configs in result["configs"].items():
            picked = "; ".join(f"{family} {config}" for family, config in configs.items())
            print(f"  {label}: {picked}", flush=True)
        torch.cuda.empty_cache()
    title = f"A/B, {torch.cuda.get_device_name()}: best of {args.rounds} alternating do_bench medians"
    numeric = ("new ms", "old ms", "new % of copy", "old % of copy", "new faster by")
    show_table(title, ["case", *numeric, "max |new - old|"], rows, numeric=numeric)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"environment": environment(), "old": args.old, "cases": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
