"""`triscan demo`: a small worked example that runs on any machine."""

import os
import subprocess
import sys

import torch


def main() -> int:
    from . import _dispatch

    if not torch.cuda.is_available() and not _dispatch.kernels_interpreted():
        print("No CUDA device here: running the demo through the Triton interpreter on the CPU "
              "(TRITON_INTERPRET=1). Timings are meaningless on this path; `triscan bench` needs a GPU.")
        env = dict(os.environ, TRITON_INTERPRET="1")
        return subprocess.call([sys.executable, "-m", "triscan", "demo"], env=env)
    import triscan
    from triscan.reference import seed_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    x = torch.rand(5, 8, device=device)
    print(f"device: {device}; x = torch.rand(5, 8)")
    for dim in (1, 0):
        out = triscan.ModelNew(dim)(x)
        ref = seed_model(x, dim)
        ok = out.shape == ref.shape and torch.allclose(out, ref, atol=1e-4, rtol=1e-4)
        print(f"ModelNew({dim})(x): shape {tuple(out.shape)} (reference {tuple(ref.shape)}), "
              f"allclose 1e-4: {ok}")
        if not ok:
            return 1
    for label, values in (("ModelNew(1)(x)[0]", triscan.ModelNew(1)(x)[0]),
                          ("cumsum(x, 1)[0]", triscan.cumsum(x, 1)[0]),
                          ("exclusive_cumsum(x, 1)[0]", triscan.exclusive_cumsum(x, 1)[0])):
        print(f"{label:26s}", [round(v, 4) for v in values.tolist()])
    return 0
