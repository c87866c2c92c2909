"""Accuracy of triscan's scans against torch's, both judged by a float64 reference (long double
for float64 inputs).

For each case: max and RMS absolute error, and max error relative to the running sum of |x|
(the scale a summation error bound uses), each the mean over --seeds inputs: rounding errors of a
long scan are a random walk, and one input's RMS varies about 3x from draw to draw (NOTES.md
section 72), so one draw cannot tell "no worse" within 5%. Inputs are fresh normal draws with
mean 0.5 (so the running sums grow, as in the seed's uniform inputs, while signs still cancel).
Sums past a type's range (float16 passes 65504 within a few thousand positions) are judged
apart: there the right answer is the reference rounded to the type, an infinity, and every
position where a result and that rounded reference disagree while either is infinite is a
range miss. Every float dtype
crosses every kernel family and the paths within them (1-D and 4 rows, aligned and odd: the row
look-back; rows: row; dim 0, odd dim 0 and the middle dim: column; narrow, of 2, 3, 5, 8 and 16
lanes and a strided view: the column look-back, GROUPED for 3 and 5) and every variant: cumsum,
exclusive, reversed, both, and the seed's ModelNew. Each row records the config the autotuner
picked for triscan's call, so that a reading names the path it read.
triscan's call, torch's counterpart (what a user writes: cumsum minus x for the exclusive form;
flip, cumsum, flip; the seed's Model for ModelNew) and
the float64 reference are the variant matrix's (triscan/tools/matrix.py).

The other operators (`--ops cumprod logcumsumexp ...`, matrix.OPERATOR_OPS) are judged the same
way on their own inputs and scales: products of factors exp(N(0, 1/L)) (one in nine negated), whose
running products stay within a few e of 1 over the whole length L, against |reference| (a product's
rounding is relative); log-sum-exps of the sums' inputs against |reference| + 1 (their rounding
is absolute, eps per combine of terms of the result's size). torch's counterpart is torch.cumprod or
torch.logcumsumexp (flipped for reversed, the identity first for exclusive forms).

    python benchmarks/accuracy.py [--small] [--json FILE] [--ops ...] [--dtypes ...] [--seeds N]
        [--cases ...] [--precompile N]

--precompile N compiles the autotune configs of N rows' calls at once in N processes, then reads
those rows, and so on (tools/precompile.py): a row's first call otherwise compiles its configs
one after another, which was most of a row's 16 s on the GPU machines.

--small shrinks every case (for the interpreter on a CPU); the comparison that counts is on
CUDA at full size. On a CPU it is not a fair one: torch's CPU cumsum accumulates float32 in
float64, and the Triton 3.6 interpreter rounds to bfloat16 by truncation. Issues 3 and 14 ask
that triscan's errors be no worse than torch.cumsum's.
"""

import argparse
import json
import time

import numpy
import torch

from triscan.explain import plan_of
from triscan.kernels.operators import PRODUCT, SUM
from triscan.testing.reference import scan_reference
from triscan.tools import matrix

SHAPES = {  # name -> (shape, dim, view): `view` slices the last dimension of the allocated tensor
    "1-D 2^26": ((1 << 26,), 0, None),
    "rows (4096, 4099)": ((4096, 4099), 1, None),
    # aligned rows: the seed's ModelNew rotates their scans into its rows of L + 1 (ROTATE 1)
    "rows (4096, 4096)": ((4096, 4096), 1, None),
    "dim 0 (16384, 1024)": ((16384, 1024), 0, None),
    "odd dim 0 (2048, 32767)": ((2048, 32767), 0, None),
    "middle dim (64, 8192, 128)": ((64, 8192, 128), 1, None),
    # narrow cases of about 2^22 elements: torch's own dim-0 scans of a few lanes take seconds
    # a call at 2^26, and each case calls them 15 times per dtype
    "narrow (2^19, 8) dim 0": ((1 << 19, 8), 0, None),
    # flat lanes stored in place (exclusive, IN_PLACE) and walked from the start (reversed, FROM_START)
    "narrow (2^21, 2) dim 0": ((1 << 21, 2), 0, None),
    # rows of 3 and 5 lanes held as whole 16-byte vectors (GROUPED), with a partial last chunk
    "narrow (2^20 + 1, 3) dim 0": (((1 << 20) + 1, 3), 0, None),
    "narrow (2^20 + 3, 5) dim 0": (((1 << 20) + 3, 5), 0, None),
    "strided narrow (2^19, 8 of 16) dim 0": ((1 << 19, 16), 0, slice(0, 8)),
    # 16 lanes: 2-byte chunks held in 2 parts without the early part (PARTS; NOTES.md 155)
    "narrow (2^18, 16) dim 0": ((1 << 18, 16), 0, None),
    "4 rows of 2^24": ((4, 1 << 24), 1, None),
    # rows starting at four 16-byte phases (ROTATE 3 windows)
    "4 odd rows of 2^24 - 1": ((4, (1 << 24) - 1), 1, None),
}
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16,
          "float64": torch.float64}
# matrix.OPS: the scans, and the seed's module (its rows of L + 1 take the rotated and lagged
# windows of the row scan and the row look-back, ROTATE 1 and 2)
OPS = ("cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse", "ModelNew")
# numpy's accumulation of each operator, for the long double references of float64 inputs
ACCUMULATE = {"sum": numpy.add.accumulate, "product": numpy.multiply.accumulate,
              "logsumexp": numpy.logaddexp.accumulate}


def draw(op: str, shape, dim: int, dtype: torch.dtype, device) -> torch.Tensor:
    """A fresh input for `op`: normal with mean 0.5 (sums, log-sum-exps); for products, factors
    exp(N(0, 1 / L)) along a scan of length L, one in nine negated."""
    values = torch.randn(shape, device=device, dtype=torch.float64)
    if matrix.operator_of(op) is PRODUCT:
        values = (values / max(shape[dim], 1) ** 0.5).exp()
        values = torch.where(torch.rand(shape, device=device) < 1 / 9, -values, values)
    else:
        values = values + 0.5
    return values.to(dtype)


def scale_of(op: str, x: torch.Tensor, dim: int, reference) -> torch.Tensor:
    """What a case's error is measured against at each position: the running sum of |x| for a sum
    (a summation bound's scale), |reference| for a product, |reference| + 1 for a log-sum-exp
    (`reference` the case's own: a tensor, or extended_reference's long double array)."""
    if op == "ModelNew":
        return matrix.reference_call(op, dim)(x.abs())
    operator = matrix.operator_of(op)
    if operator is SUM:
        return scan_reference(x.abs(), dim, reverse=op.endswith("reverse"))
    if isinstance(reference, numpy.ndarray):
        reference = torch.from_numpy(reference.astype(numpy.float64)).to(x.device)
    return reference.abs() if operator is PRODUCT else reference.abs() + 1


def errors(out, reference, scale):
    """Max and RMS absolute error and the largest error relative to `scale`, over the positions
    where both the result and the reference rounded to the result's type are finite; and
    `range_misses`, the positions where those two differ while either is infinite (a sum past
    the type's range must read as that infinity, a sum within it must not)."""
    if isinstance(reference, numpy.ndarray):  # long double: the difference keeps its extra bits
        difference = torch.from_numpy(numpy.abs(out.cpu().numpy().astype(numpy.longdouble) - reference)
                                      .astype(numpy.float64)).to(scale.device)
        rounded = torch.from_numpy(reference.astype(numpy.float64)).to(out.device)
    else:
        difference = (out.double() - reference).abs()
        rounded = reference.to(out.dtype)
    judged = torch.isfinite(rounded) & torch.isfinite(out)
    misses = (~judged & (out != rounded)).sum().item()
    difference = torch.where(judged, difference, 0)
    count = max(judged.sum().item(), 1)
    return {"max_abs": difference.max().item(), "rms": (difference.pow(2).sum() / count).sqrt().item(),
            "max_rel_to_abs_sum": (difference / scale.clamp_min(1e-30)).max().item(), "range_misses": misses,
            "judged": judged.sum().item()}


def mean_errors(per_seed: list) -> dict:
    """Errors over seeds: max and RMS errors averaged, the relative error's worst, misses summed."""
    return {"max_abs": sum(e["max_abs"] for e in per_seed) / len(per_seed),
            "rms": sum(e["rms"] for e in per_seed) / len(per_seed),
            "max_rel_to_abs_sum": max(e["max_rel_to_abs_sum"] for e in per_seed),
            "range_misses": sum(e["range_misses"] for e in per_seed),
            "judged": sum(e["judged"] for e in per_seed), "per_seed": per_seed}


def no_worse(ours: dict, theirs: dict) -> bool:
    """No more range misses than torch, and max and RMS errors within 5% of torch's."""
    return ours["range_misses"] <= theirs["range_misses"] and ours["max_abs"] <= theirs["max_abs"] * 1.05 \
        and ours["rms"] <= theirs["rms"] * 1.05


def extended_reference(op: str, x: torch.Tensor, dim: int) -> numpy.ndarray:
    """A float64 input's scan in long double on the host (of the op's operator). A float64 reference
    is no reference for float64 scans: it is torch's own float64 cumsum, so torch would read exactly
    0 error. x86-64's long double carries 11 bits past float64."""
    if numpy.finfo(numpy.longdouble).nmant <= numpy.finfo(numpy.float64).nmant:
        raise SystemExit("float64 accuracy needs a long double wider than float64 (x86-64, aarch64 Linux)")
    values = x.cpu().numpy().astype(numpy.longdouble)
    if op == "ModelNew":  # the seed's own steps: a zero before the first position, [:-1] along dim 0
        zeros = numpy.zeros_like(numpy.take(values, [0], axis=dim))
        return numpy.cumsum(numpy.concatenate([zeros, values], axis=dim)[:-1], axis=dim)
    operator = matrix.operator_of(op)
    if op.endswith("reverse"):
        values = numpy.flip(values, dim)
    result = ACCUMULATE[operator.name](values, axis=dim)
    if op.startswith("exclusive"):  # shifted by one position, the identity first: no subtraction
        result = numpy.roll(result, 1, axis=dim)
        result[(slice(None),) * dim + (0,)] = operator.identity
    return numpy.flip(result, dim) if op.endswith("reverse") else result


def picked_config(op: str, x: torch.Tensor, dim: int) -> str:
    """The config triscan's call of `op` on `x` ran with, once it has run ("" where the kernel is
    not autotuned: the interpreter's, or a single config)."""
    plan = plan_of(x, dim, **matrix.op_flags(op))[0]
    config = getattr(plan.launch.kernel, "best_config", None) if plan is not None else None
    return "" if config is None else str(config)


def row_plan(row: tuple, device):
    """The plan of a row's triscan call on `device`, from its shape alone (a meta tensor stands
    for the input)."""
    from triscan.explain import planned_call

    _, shape, dim, view, dtype_name, op = row
    x = torch.empty(shape, dtype=DTYPES[dtype_name], device="meta")
    return planned_call(x if view is None else x[..., view], dim, device, **matrix.op_flags(op))


def warm_rows(rows: list) -> int:
    """A precompile worker's job: compile the autotune configs of each row's triscan call
    (tools/precompile.warm_plan); the configs compiled."""
    from triscan.tools.precompile import warm_plan

    device = torch.device("cuda", torch.cuda.current_device())
    return sum(warm_plan(row_plan(row, device)) for row in rows)


def read_row(name: str, shape, dim: int, view, dtype_name: str, op: str, seeds: int, device) -> dict:
    """One row: triscan's and torch's errors on `seeds` fresh inputs, averaged, and whether
    triscan's are no worse."""
    inputs = []
    for seed in range(seeds):
        torch.manual_seed(seed)
        drawn = draw(op, shape, dim, DTYPES[dtype_name], device)
        inputs.append(drawn if view is None else drawn[..., view])
    family = plan_of(inputs[0], dim, **matrix.op_flags(op))[0].family.name
    per_seed = {"triscan": [], "torch": []}
    for x in inputs:
        reference = extended_reference(op, x, dim) if x.dtype == torch.float64 else \
            matrix.reference_call(op, dim)(x)
        scale = scale_of(op, x, dim, reference)  # the seed's output has its own shape
        per_seed["triscan"].append(errors(matrix.triscan_call(op, dim)(x), reference, scale))
        per_seed["torch"].append(errors(matrix.torch_call(op, dim)(x), reference, scale))
        del reference, scale
    row = {"case": name, "shape": list(inputs[0].shape), "dtype": dtype_name, "op": op,
           "family": family, "config": picked_config(op, inputs[0], dim), "seeds": seeds,
           **{side: mean_errors(errs) for side, errs in per_seed.items()}}
    row["triscan_no_worse"] = no_worse(row["triscan"], row["torch"])
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--ops", nargs="+", choices=OPS + matrix.OPERATOR_OPS, default=list(OPS))
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    parser.add_argument("--seeds", type=int, default=3, help="inputs per case; errors are averaged over them")
    parser.add_argument("--cases", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--precompile", type=int, default=0, metavar="N",
                        help="with a GPU: compile N rows' configs at once in N processes before reading them")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = []  # (case, shape, dim, view, dtype, op) in the order they are read
    for name in args.cases:
        shape, dim, view = SHAPES[name]
        if args.small:  # long dimensions cut by 2^12, short ones kept (lanes, strides) up to 64
            shape = tuple(max(1, size >> 12) if size > 4096 else min(size, 64) for size in shape)
        rows += [(name, shape, dim, view, dtype_name, op) for dtype_name in args.dtypes for op in args.ops]
    if args.precompile and device == "cuda":
        from triscan.tools.precompile import precompiled_batches

        batches = precompiled_batches(warm_rows, rows, args.precompile)
    else:
        batches = [(rows, None, None)]
    results = []
    for batch, configs, seconds in batches:
        if configs is not None:
            print(f"compiled {configs} configs of {len(batch)} rows in {seconds:.0f} s", flush=True)
        for name, shape, dim, view, dtype_name, op in batch:
            started = time.perf_counter()
            row = read_row(name, shape, dim, view, dtype_name, op, args.seeds, device)
            results.append(row)
            ours, theirs = row["triscan"], row["torch"]
            misses = (f"  range misses {ours['range_misses']} (torch {theirs['range_misses']})"
                      if ours["range_misses"] or theirs["range_misses"] else "")
            print(f"{name:36s} {dtype_name:8s} {op:17s} max abs {ours['max_abs']:.3e} "
                  f"(torch {theirs['max_abs']:.3e})  rms {ours['rms']:.3e} "
                  f"(torch {theirs['rms']:.3e}){misses}  no worse: {row['triscan_no_worse']}  "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
            if args.json:  # after every row, so a run cut short keeps what it read
                with open(args.json, "w") as handle:
                    json.dump({"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                               "results": results}, handle, indent=1)
    worse = [row for row in results if not row["triscan_no_worse"]]
    print(f"{len(results)} cases ({args.seeds} inputs each), triscan worse than torch (more range misses, "
          f"or beyond 5%) in {len(worse)}")

if __name__ == "__main__":
    main()
