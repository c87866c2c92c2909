"""The plain-torch path for CPU tensors when the Triton interpreter is off: never taken on CUDA,
and the tests make it raise (tests/conftest.py)."""

import torch


def torch_scan(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
               reverse: bool = False) -> None:
    """Write the scan of x along `dim` into `out` as scan_into would (scan/dispatch.py)."""
    if reverse:
        flipped = torch.empty_like(out)
        torch_scan(x.flip(dim), flipped, dim, length, shift)
        out.copy_(flipped.flip(dim))
        return
    out.narrow(dim, shift, length).copy_(torch.cumsum(x.narrow(dim, 0, length), dim, dtype=out.dtype))
    if shift:
        out.narrow(dim, 0, 1).zero_()
