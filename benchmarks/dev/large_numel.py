"""Scans of 2^31 elements and more on the GPU, each case in its own process (an illegal memory
access ends the process's CUDA context): which of triscan, torch.cumsum and the float64
reference survive past int32 element counts, and whether triscan's results are right, checked
against the float64 references, which scan in pieces (testing/reference.py; dev tool).

    python benchmarks/dev/large_numel.py            # every case
    python benchmarks/dev/large_numel.py CASE       # one case, in this process
"""

import os
import subprocess
import sys
import time

import torch

# name -> (what runs, dtype, elements)
CASES = {
    "torch float64 reference": ("torch-reference", torch.bfloat16, 1 << 31),
    "torch eager bfloat16": ("torch-eager", torch.bfloat16, 1 << 31),
    "triscan cumsum bfloat16": ("triscan", torch.bfloat16, 1 << 31),
    "triscan exclusive reverse bfloat16": ("triscan-exclusive-reverse", torch.bfloat16, 1 << 31),
    "triscan cumsum bfloat16 odd": ("triscan", torch.bfloat16, (1 << 31) + 3),
    "triscan cumsum float32": ("triscan", torch.float32, 1 << 31),
    "triscan cumsum int32": ("triscan", torch.int32, (1 << 31) + 5),
}


def run_case(name: str) -> None:
    import triscan
    from triscan.testing.reference import cumsum_reference, scan_reference

    what, dtype, count = CASES[name]
    torch.manual_seed(0)
    x = (torch.rand(count, device="cuda") + 0.5).to(dtype) if dtype.is_floating_point \
        else torch.randint(-100, 100, (count,), device="cuda", dtype=dtype)
    started = time.perf_counter()
    if what == "torch-reference":
        out = cumsum_reference(x, 0)
    elif what == "torch-eager":
        out = torch.cumsum(x, 0)
    else:
        exclusive = what == "triscan-exclusive-reverse"
        reverse = exclusive
        call = triscan.exclusive_cumsum if exclusive else triscan.cumsum
        out = call(x, 0, reverse=reverse)
    torch.cuda.synchronize()
    print(f"{name}: {list(x.shape)} ran in {time.perf_counter() - started:.1f} s", flush=True)
    if what.startswith("triscan"):
        expected = scan_reference(x, 0, exclusive=exclusive, reverse=reverse)  # in pieces of reference.PIECE
        if dtype.is_floating_point:
            error = ((out.double() - expected).abs() / expected.abs().clamp_min(1.0)).max().item()
        else:
            error = (out != expected).sum().item()
        nans = out.isnan().sum().item() if dtype.is_floating_point else 0
        print(f"{name}: {'max relative error' if dtype.is_floating_point else 'wrong elements'} {error:.3g}, "
              f"{nans} NaNs", flush=True)


def main() -> int:
    if len(sys.argv) > 1:
        run_case(sys.argv[1])
        return 0
    environment = dict(os.environ, CUDA_LAUNCH_BLOCKING="1")
    for name in CASES:
        result = subprocess.run([sys.executable, __file__, name], env=environment, capture_output=True,
                                text=True, timeout=120)
        lines = [line for line in (result.stdout + result.stderr).splitlines()
                 if name in line or "Error" in line or "error:" in line][-3:]
        print(f"[{name}] exit {result.returncode}", *lines, sep="\n  ", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
