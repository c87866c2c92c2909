"""A/B in one process: the column look-back kernel of the library against a candidate module,
both autotuned, on narrow-K scans along dim 0: dense (2^27, 8), a strided view (2^27, 8) of a
(2^27, 16) tensor (run-layout tiles only), and rows narrower than their lane tile, (2^28, 3)
and (2^27, 5) (dev tool).

    python benchmarks/ab_column_lookback.py CANDIDATE_MODULE

The candidate is a copy of lookback_scan.py under src/triscan/kernels/ for the run only (for
example the file at an earlier commit, `git show REV:src/triscan/kernels/lookback_scan.py`).
"""

import importlib
import sys

import torch
import triton.language as tl
from triton.testing import do_bench

from triscan.kernels import lookback_scan


def bench(fn):
    return do_bench(fn, warmup=25, rep=200, return_mode="median")


CASES = {  # name -> input maker
    "dense (2^27, 8)": lambda: torch.rand(1 << 27, 8, device="cuda"),
    "strided (2^27, 8) of (2^27, 16)": lambda: torch.rand(1 << 27, 16, device="cuda")[:, :8],
    "(2^28, 3)": lambda: torch.rand(1 << 28, 3, device="cuda"),
    "(2^27, 5)": lambda: torch.rand(1 << 27, 5, device="cuda"),
}


def run_case(name, x, candidate, label, sms):
    length, inner = x.shape
    y = torch.empty(length, inner, device="cuda")
    expected = torch.cumsum(x.double(), 0)
    source = torch.empty(x.numel() * 4, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    copy_ms = bench(lambda: target.copy_(source))
    for module_name, module in (("library", lookback_scan), (label, candidate)):
        def call(module=module):
            module.launch_column_lookback_scan(x, y, 1, length, inner, 0, x.stride(0), x.stride(1), 0,
                                               inner, 0, tl.float32, torch.float32, 8 * sms, False)
        y.fill_(float("nan"))
        call()
        error = ((y.double() - expected).abs() / expected.abs().clamp_min(1)).max().item()
        ms = bench(call)
        config = module.column_lookback_scan_kernel.best_config
        print(f"{name:32s} {module_name:26s} {ms:.4f} ms {100 * copy_ms / ms:5.1f}% of copy "
              f"({copy_ms:.4f} ms) err {error:.1e} {config}", flush=True)


def main():
    candidate = importlib.import_module(sys.argv[1])
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    torch.manual_seed(0)
    print(torch.cuda.get_device_name(), flush=True)
    for name, make in CASES.items():
        run_case(name, make(), candidate, sys.argv[1], sms)
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
