"""Where a row look-back round goes (dev probe, issue 14; NOTES.md 97): the library's kernel for
one 1-D input, launched with the autotuner's pick, and again with parts of it cut out. Parts are
cut by replacing helpers in lookback/row.py's namespace before Triton compiles the kernel, so the
probe times the library's own code and no copy of it; one process per variant, since a compiled
kernel keeps the helpers it was compiled with.

    full        the kernel as it is (its output is checked against a float64 reference)
    no-spin     look-back reads as they are, but a predecessor that has published nothing reads as
                "total published": no program spins on a missing total; windows are still walked
                back to the nearest published prefix
    one-read    each look-back reads its first window and takes its nearest word as the prefix:
                one dependent read per chunk, no spin and no walk
    no-wait     look-back reads answer "the nearest predecessor has published its prefix, zero":
                no program waits on another (the output lacks every prefix)
    no-publish  as no-wait, and no look-back word is written (the ticket atomics remain)
    no-scan     as no-publish, and each chunk is stored as loaded: a persistent copy in ticket
                order that still sums each chunk and holds it while the next one loads

    python benchmarks/dev/lookback_ablation.py --dtypes float32 bfloat16 float64 int32 --gib 1 \
        [--json PATH]
    python benchmarks/dev/lookback_ablation.py --lanes 8 --dtypes float32 bfloat16 --variants full no-wait

With --lanes K the probe times the column look-back instead (lookback/column.py: a (L, K) input
scanned along dim 0, float32 sums, whose look-back words are packed) in four variants: full,
no-spin (a lane's word with nothing published reads as its total published: no spin, the walk
kept), one-read (each lane's nearest word in the first window read as its prefix: one dependent
read per chunk) and no-wait (the window's words read as "published, zero"). The column round
holds one chunk and looks back right after its load (the classic order), where the row round
looks back a round later: whether its predecessors' totals are out by then is what no-spin asks.

Variant against variant (either kernel): full - no-wait is the waiting on predecessors, of which
full - no-spin the spinning on missing totals and one-read - no-wait one dependent read; no-wait -
no-publish the look-back words' traffic; no-publish - no-scan the scan's instructions; no-scan
against the copy of the same bytes what is left: one chunk per program per round, the registers'
occupancy.
"""

import argparse
import json
import subprocess
import sys

import torch
import triton
import triton.language as tl

from triscan.kernels.lookback import protocol

VARIANTS = ("full", "no-spin", "one-read", "no-wait", "no-publish", "no-scan")


@triton.jit
def _read_never_missing(status_ptr, index, valid, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
                        CARRY_ERROR: tl.constexpr):
    """protocol._read, with "nothing published" read as "total published"."""
    flags, sums, errors = protocol._read(status_ptr, index, valid, WORDS, ACC_DTYPE, CARRY_ERROR)
    return tl.where(flags == 0, 1, flags), sums, errors


@triton.jit
def _read_once(status_ptr, index, valid, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
               CARRY_ERROR: tl.constexpr):
    """protocol._read, every word read as a published prefix: the nearest one ends the look-back."""
    flags, sums, errors = protocol._read(status_ptr, index, valid, WORDS, ACC_DTYPE, CARRY_ERROR)
    return tl.full(index.shape, 2, tl.int32), sums, errors


@triton.jit
def _read_published_zero(status_ptr, index, valid, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
                         CARRY_ERROR: tl.constexpr):
    """protocol._read's shapes and types, nothing loaded: every chunk has published its prefix, 0."""
    flags = tl.full(index.shape, 2, tl.int32)
    sums = tl.zeros(index.shape, dtype=tl.float64 if WORDS == 1 else ACC_DTYPE)
    return flags, sums, tl.zeros(index.shape, dtype=tl.float64)


@triton.jit
def _publish_nothing(status_ptr, ticket, value, status, error, WORDS: tl.constexpr,
                     CARRY_ERROR: tl.constexpr):
    """protocol._publish's signature, no word written."""
    return


@triton.jit
def _stored_as_loaded(values, EXCLUSIVE: tl.constexpr, REVERSE: tl.constexpr, RUN: tl.constexpr,
                      OPERATOR: tl.constexpr, HOLD_RUNS: tl.constexpr = False):
    """tiles._block_scan's signature: the block unscanned."""
    return values


@triton.jit
def _column_window_published_zero(values_ptr, window_end, group_first, slot, LOOKBACK: tl.constexpr,
                                  BLOCK_K: tl.constexpr):
    """protocol._window_words's shape, nothing loaded: every lane's prefix published, 0 (the packed
    word of 0.0 with status 2)."""
    return tl.full([LOOKBACK, BLOCK_K], 2, tl.int64)


@triton.jit
def _column_status_never_missing(words):
    """protocol._status, with "nothing published" (0) read as "total published" (1)."""
    return tl.maximum(protocol._status(words), 1)


@triton.jit
def _column_status_all_prefixes(words):
    """protocol._status, every word read as a published prefix: the nearest one ends the look-back."""
    return tl.full(words.shape, 2, tl.int32)


COLUMN_CUTS = {  # variant -> helpers of lookback/column.py's namespace replaced
    "full": {},
    "no-spin": {"_status": _column_status_never_missing},
    "one-read": {"_status": _column_status_all_prefixes},
    "no-wait": {"_window_words": _column_window_published_zero},
}

CUTS = {  # variant -> helpers of lookback/row.py's namespace replaced
    "full": {},
    "no-spin": {"_read": _read_never_missing},
    "one-read": {"_read": _read_once},
    "no-wait": {"_read": _read_published_zero},
    "no-publish": {"_read": _read_published_zero, "_publish": _publish_nothing},
    "no-scan": {"_read": _read_published_zero, "_publish": _publish_nothing,
                "_block_scan": _stored_as_loaded},
}


def make_input(dtype: torch.dtype, numel: int, device="cuda", lanes: int = 0) -> torch.Tensor:
    """A 1-D input of `numel` elements, or with `lanes` an (numel // lanes, lanes) one."""
    shape = (numel // lanes, lanes) if lanes else (numel,)
    if dtype.is_floating_point:
        return (torch.rand(shape, device=device) + 0.5).to(dtype)
    return torch.randint(-100, 100, shape, device=device, dtype=dtype)


def output_dtype(dtype: torch.dtype) -> torch.dtype:
    """torch.cumsum's: integers widen to int64."""
    return dtype if dtype.is_floating_point else torch.int64


def cut(variant: str, lanes: int = 0) -> None:
    """Replace the variant's helpers in the look-back module's namespace (row, or column with lanes)."""
    from triscan.kernels.lookback import column, row

    module, cuts = (column, COLUMN_CUTS) if lanes else (row, CUTS)
    for name, helper in cuts[variant].items():
        setattr(module, name, helper)


def run_variant(variant: str, dtype_name: str, numel: int, meta: dict, lanes: int = 0) -> dict:
    """One variant in this process: the helpers replaced, the kernel launched with `meta`, timed."""
    from fixed_launch import launch_fixed, plan_for_call
    from triton.testing import do_bench

    from triscan.testing.reference import scan_reference

    cut(variant, lanes)
    dtype = getattr(torch, dtype_name)
    x = make_input(dtype, numel, lanes=lanes)
    plan = plan_for_call(x, 0, out_dtype=output_dtype(dtype))
    family = "column_lookback" if lanes else "lookback"
    if plan.family.name != family:
        raise SystemExit(f"{list(x.shape)} {dtype_name} take the {plan.family.name} kernel, not {family}")
    y = torch.full(x.shape, float("nan") if dtype.is_floating_point else -1, dtype=output_dtype(dtype),
                   device="cuda")
    compiled = launch_fixed(plan, x, y, **meta)
    result = {"variant": variant, "dtype": dtype_name, "numel": numel, "lanes": lanes, "meta": meta,
              "registers": compiled.n_regs, "spills": compiled.n_spills}
    if variant == "full":  # the harness launches what the library launches
        reference = scan_reference(x, 0)
        scale = reference.abs().max().clamp_min(1)
        result["max_relative_error"] = float(((y.double() - reference).abs().max() / scale).item())
        del reference
    result["ms"] = do_bench(lambda: launch_fixed(plan, x, y, **meta), warmup=10, rep=100,
                            return_mode="median")
    return result


def picked_meta(dtype_name: str, numel: int, lanes: int = 0) -> dict:
    """The autotuner's pick for triscan.cumsum of this input (this process keeps the helpers)."""
    from fixed_launch import config_meta

    import triscan
    from triscan.explain import plan_of

    x = make_input(getattr(torch, dtype_name), numel, lanes=lanes)
    triscan.cumsum(x, 0)
    return config_meta(plan_of(x, 0)[0].launch.kernel.best_config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dtypes", nargs="+",
                        help="default: float32 bfloat16 float64 int32 (with --lanes: float32 bfloat16)")
    parser.add_argument("--gib", type=float, default=1.0, help="input GiB per dtype")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS,
                        help="default: all (with --lanes: full, no-spin, one-read and no-wait)")
    parser.add_argument("--lanes", type=int, default=0, help="K > 0: the column look-back on (L, K) dim 0")
    parser.add_argument("--json")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # [variant, dtype, numel, meta, lanes] as JSON
    args = parser.parse_args()
    if args.child:
        variant, dtype_name, numel, meta, lanes = json.loads(args.child)
        print(json.dumps(run_variant(variant, dtype_name, numel, meta, lanes)))
        return 0
    variants = args.variants or list(COLUMN_CUTS if args.lanes else VARIANTS)
    args.dtypes = args.dtypes or (["float32", "bfloat16"] if args.lanes else
                                  ["float32", "bfloat16", "float64", "int32"])
    if args.lanes and set(variants) - set(COLUMN_CUTS):
        parser.error(f"with --lanes the variants are {', '.join(COLUMN_CUTS)}")
    if args.lanes and any(name not in ("float32", "bfloat16", "float16") for name in args.dtypes):
        # other sums keep unpacked status words, which no-wait does not cut: it would time full again
        parser.error("with --lanes the dtypes are float32, bfloat16 and float16 (packed look-back words)")
    from fixed_launch import copy_ms

    from triscan.tools.environment import environment
    from triscan.tools.report import show_table, write_json

    rows, results = [], []
    for dtype_name in args.dtypes:
        dtype = getattr(torch, dtype_name)
        numel = int(args.gib * (1 << 30)) // dtype.itemsize
        if args.lanes:
            numel -= numel % args.lanes
        meta = picked_meta(dtype_name, numel, args.lanes)
        roofline = copy_ms(numel * (dtype.itemsize + output_dtype(dtype).itemsize))
        cells = []
        for variant in variants:
            child = subprocess.run([sys.executable, __file__, "--child",
                                    json.dumps([variant, dtype_name, numel, meta, args.lanes])],
                                   capture_output=True, text=True, timeout=300)
            if child.returncode != 0:
                cells.append(f"failed: {child.stderr.strip().splitlines()[-1][:60]}")
                continue
            result = json.loads(child.stdout.strip().splitlines()[-1])
            result["copy_ms"] = roofline
            results.append(result)
            error = f", error {result['max_relative_error']:.0e}" if "max_relative_error" in result else ""
            cells.append(f"{100 * roofline / result['ms']:.1f}% ({result['registers']} regs{error})")
            print(f"{dtype_name} {variant}: {result['ms']:.4f} ms, {cells[-1]}", flush=True)
        pick = " ".join(f"{key}={value}" for key, value in meta.items() if key != "num_stages")
        rows.append([dtype_name, pick, f"{roofline:.4f}", *cells])
    kernel = f"column look-back, {args.lanes} lanes" if args.lanes else "row look-back"
    show_table(f"{kernel}, parts cut out ({torch.cuda.get_device_name()}): % of copy",
               ["dtype", "pick", "copy ms", *variants], rows, numeric=("copy ms", *variants))
    write_json(args.json, {"environment": environment(), "gib": args.gib, "lanes": args.lanes,
                           "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
