"""Accuracy of triscan.cumsum against torch.cumsum, both judged by a float64 reference.

For each case: max and RMS absolute error, and max error relative to the running sum of |x|
(the scale a summation error bound uses). Inputs are fresh normal draws with mean 0.5 (so the
running sums grow, as in the seed's uniform inputs, while signs still cancel).

    python benchmarks/accuracy.py [--small] [--json FILE]

--small shrinks every case (for the interpreter on a CPU); the comparison that counts is on
CUDA at full size. On a CPU it is not a fair one: torch's CPU cumsum accumulates float32 in
float64, and the Triton 3.6 interpreter rounds to bfloat16 by truncation. Issue 3 asks that
triscan's errors be no worse than torch.cumsum's.
"""

import argparse
import json

import torch

import triscan

CASES = {  # name -> (shape, dim, dtype)
    "1-D 2^27": ((1 << 27,), 0, torch.float32),
    "1-D 2^24 bf16": ((1 << 24,), 0, torch.bfloat16),
    "rows (4096, 4099)": ((4096, 4099), 1, torch.float32),
    "dim 0 (32768, 1024)": ((32768, 1024), 0, torch.float32),
    "narrow (2^24, 8) dim 0": ((1 << 24, 8), 0, torch.float32),
    "4 rows of 2^25": ((4, 1 << 25), 1, torch.float32),
}


def errors(out, reference, scale):
    difference = (out.double() - reference).abs()
    return {"max_abs": difference.max().item(), "rms": difference.pow(2).mean().sqrt().item(),
            "max_rel_to_abs_sum": (difference / scale.clamp_min(1e-30)).max().item()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = []
    for name, (shape, dim, dtype) in CASES.items():
        if args.small:
            shape = tuple(max(1, size >> 12) if size > 4096 else min(size, 64) for size in shape)
        torch.manual_seed(0)
        x = (torch.randn(shape, device=device, dtype=torch.float64) + 0.5).to(dtype)
        reference = torch.cumsum(x.double(), dim)
        scale = torch.cumsum(x.double().abs(), dim)
        row = {"case": name, "shape": list(shape), "dtype": str(dtype),
               "triscan": errors(triscan.cumsum(x, dim), reference, scale),
               "torch": errors(torch.cumsum(x, dim), reference, scale)}
        row["triscan_no_worse"] = row["triscan"]["max_abs"] <= row["torch"]["max_abs"] * 1.05 and \
            row["triscan"]["rms"] <= row["torch"]["rms"] * 1.05
        results.append(row)
        print(f"{name:26s} max abs {row['triscan']['max_abs']:.3e} (torch {row['torch']['max_abs']:.3e})  "
              f"rms {row['triscan']['rms']:.3e} (torch {row['torch']['rms']:.3e})  "
              f"no worse: {row['triscan_no_worse']}", flush=True)
        del x, reference, scale
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                       "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
