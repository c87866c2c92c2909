"""Float64 and float32 log-sum-exp scans on the row kernel against torch (dev probe): the largest
error of each of the four scans over a few small shapes, with and without -inf terms."""

import torch

import triscan


def scan_of(x, exclusive, reverse):
    walked = x.flip(1) if reverse else x
    out = torch.logcumsumexp(walked.double(), 1)
    if exclusive:
        out = torch.cat((torch.full_like(out[:, :1], float("-inf")), out[:, :-1]), 1)
    return out.flip(1) if reverse else out


for dtype in (torch.float64, torch.float32):
    for shape in ((4, 60), (3, 13), (2, 1000), (1, 5000)):
        for holes in (False, True):
            x = torch.randn(shape, dtype=dtype, device="cuda")
            if holes:
                x[torch.rand(shape, device="cuda") < 0.5] = float("-inf")
            for exclusive in (False, True):
                for reverse in (False, True):
                    fn = triscan.exclusive_logcumsumexp if exclusive else triscan.logcumsumexp
                    got = fn(x, 1, reverse=reverse).double()
                    want = scan_of(x, exclusive, reverse)
                    same_inf = torch.equal(torch.isinf(got), torch.isinf(want))
                    finite = torch.isfinite(want)
                    error = (got[finite] - want[finite]).abs().max().item() if finite.any() else 0.0
                    nan = torch.isnan(got).sum().item()
                    print(f"{str(dtype):14} {str(shape):11} holes={holes:d} excl={exclusive:d} "
                          f"rev={reverse:d} max err {error:.3e} nan {nan} infs match {same_inf}", flush=True)
