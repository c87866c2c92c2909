"""The plain-torch path for CPU tensors when the Triton interpreter is off: never taken on CUDA,
and the tests make it raise (tests/conftest.py)."""

import torch

from ..kernels.operators import SUM, ScanOperator

# operator name -> torch's inclusive scan, looked up at call time (the tests replace torch.cumsum to
# prove this path is not taken)
TORCH_SCANS = {"sum": "cumsum", "product": "cumprod"}


def torch_scan(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
               reverse: bool = False, operator: ScanOperator = SUM) -> None:
    """Write the scan of x along `dim` into `out` as scan_into would (scan/dispatch.py)."""
    if reverse:
        flipped = torch.empty_like(out)
        torch_scan(x.flip(dim), flipped, dim, length, shift, operator=operator)
        out.copy_(flipped.flip(dim))
        return
    inclusive = getattr(torch, TORCH_SCANS[operator.name])
    out.narrow(dim, shift, length).copy_(inclusive(x.narrow(dim, 0, length), dim, dtype=out.dtype))
    if shift:
        out.narrow(dim, 0, 1).fill_(operator.identity)
