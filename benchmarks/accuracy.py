"""Accuracy of triscan's scans against torch's, both judged by a float64 reference (long double
for float64 inputs).

For each case: max and RMS absolute error, and max error relative to the running sum of |x|
(the scale a summation error bound uses). Inputs are fresh normal draws with mean 0.5 (so the
running sums grow, as in the seed's uniform inputs, while signs still cancel). Every float dtype
crosses every kernel family (1-D and 4 rows: look-back; rows: row; dim 0: column; narrow:
column look-back) and every variant: cumsum, exclusive, reversed, both. triscan's call, torch's
counterpart (what a user writes: cumsum minus x for the exclusive form; flip, cumsum, flip) and
the float64 reference are the variant matrix's (triscan/tools/matrix.py).

    python benchmarks/accuracy.py [--small] [--json FILE] [--ops ...] [--dtypes ...]

--small shrinks every case (for the interpreter on a CPU); the comparison that counts is on
CUDA at full size. On a CPU it is not a fair one: torch's CPU cumsum accumulates float32 in
float64, and the Triton 3.6 interpreter rounds to bfloat16 by truncation. Issues 3 and 14 ask
that triscan's errors be no worse than torch.cumsum's.
"""

import argparse
import json

import numpy
import torch

from triscan.explain import plan_of
from triscan.testing.reference import scan_reference
from triscan.tools import matrix

SHAPES = {  # name -> (shape, dim)
    "1-D 2^26": ((1 << 26,), 0),
    "rows (4096, 4099)": ((4096, 4099), 1),
    "dim 0 (16384, 1024)": ((16384, 1024), 0),
    "narrow (2^23, 8) dim 0": ((1 << 23, 8), 0),
    "4 rows of 2^24": ((4, 1 << 24), 1),
}
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16,
          "float64": torch.float64}
OPS = ("cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse")  # matrix.OPS' scans


def errors(out, reference, scale):
    if isinstance(reference, numpy.ndarray):  # long double: the difference keeps its extra bits
        difference = torch.from_numpy(numpy.abs(out.cpu().numpy().astype(numpy.longdouble) - reference)
                                      .astype(numpy.float64)).to(scale.device)
    else:
        difference = (out.double() - reference).abs()
    return {"max_abs": difference.max().item(), "rms": difference.pow(2).mean().sqrt().item(),
            "max_rel_to_abs_sum": (difference / scale.clamp_min(1e-30)).max().item()}


def extended_reference(op: str, x: torch.Tensor, dim: int) -> numpy.ndarray:
    """A float64 input's scan in long double on the host. A float64 reference is no reference for
    float64 scans: it is torch's own float64 cumsum, so torch would read exactly 0 error. x86-64's
    long double carries 11 bits past float64."""
    if numpy.finfo(numpy.longdouble).nmant <= numpy.finfo(numpy.float64).nmant:
        raise SystemExit("float64 accuracy needs a long double wider than float64 (x86-64, aarch64 Linux)")
    values = x.cpu().numpy().astype(numpy.longdouble)
    if op.endswith("reverse"):
        values = numpy.flip(values, dim)
    result = numpy.cumsum(values, axis=dim)
    if op.startswith("exclusive"):  # shifted by one position, a leading zero: no subtraction
        result = numpy.roll(result, 1, axis=dim)
        result[(slice(None),) * dim + (0,)] = 0
    return numpy.flip(result, dim) if op.endswith("reverse") else result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--ops", nargs="+", choices=OPS, default=list(OPS))
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = []
    for name, (shape, dim) in SHAPES.items():
        if args.small:
            shape = tuple(max(1, size >> 12) if size > 4096 else min(size, 64) for size in shape)
        for dtype_name in args.dtypes:
            torch.manual_seed(0)
            x = (torch.randn(shape, device=device, dtype=torch.float64) + 0.5).to(DTYPES[dtype_name])
            family = plan_of(x, dim)[0].family.name
            for op in args.ops:
                reference = extended_reference(op, x, dim) if x.dtype == torch.float64 else \
                    matrix.reference_call(op, dim)(x)
                # the running sum of |x| through each position, for either form
                scale = scan_reference(x.abs(), dim, reverse=op.endswith("reverse"))
                row = {"case": name, "shape": list(shape), "dtype": dtype_name, "op": op, "family": family,
                       "triscan": errors(matrix.triscan_call(op, dim)(x), reference, scale),
                       "torch": errors(matrix.torch_call(op, dim)(x), reference, scale)}
                row["triscan_no_worse"] = row["triscan"]["max_abs"] <= row["torch"]["max_abs"] * 1.05 and \
                    row["triscan"]["rms"] <= row["torch"]["rms"] * 1.05
                results.append(row)
                print(f"{name:24s} {dtype_name:8s} {op:17s} max abs {row['triscan']['max_abs']:.3e} "
                      f"(torch {row['torch']['max_abs']:.3e})  rms {row['triscan']['rms']:.3e} "
                      f"(torch {row['torch']['rms']:.3e})  no worse: {row['triscan_no_worse']}", flush=True)
                del reference, scale
            del x
    worse = [row for row in results if not row["triscan_no_worse"]]
    print(f"{len(results)} cases, triscan worse than torch (beyond 5%) in {len(worse)}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                       "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
