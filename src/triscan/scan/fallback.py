"""The plain-torch path for CPU tensors when the Triton interpreter is off: never taken on CUDA,
and the tests make it raise (tests/conftest.py)."""

import torch

from ..kernels.operators import SUM, ScanOperator


def torch_scan(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
               reverse: bool = False, operator: ScanOperator = SUM) -> None:
    """Write the scan of x along `dim` into `out` as scan_into would (scan/dispatch.py)."""
    if reverse:
        flipped = torch.empty_like(out)
        torch_scan(x.flip(dim), flipped, dim, length, shift, operator=operator)
        out.copy_(flipped.flip(dim))
        return
    out.narrow(dim, shift, length).copy_(operator.torch_scan(x.narrow(dim, 0, length), dim, out.dtype))
    if shift:
        out.narrow(dim, 0, 1).fill_(operator.identity_in(x.dtype))


def plain_scan(x: torch.Tensor, dim: int, exclusive: bool, reverse: bool, operator: ScanOperator = SUM
               ) -> torch.Tensor:
    """`operator`'s scan of x along `dim` in plain torch ops, differentiable, same shape as x:
    torch's inclusive scan (torch.cumsum, torch.cumprod, torch.logcumsumexp, torch.cummax's
    values), from the end through flips; exclusive, the operator's identity (in x's dtype) first
    and the inclusive scan of all but the last after it."""
    walked = x.reshape(1) if x.dim() == 0 else x
    walked = walked.flip(dim) if reverse else walked
    scanned = operator.torch_scan(walked, dim)
    if exclusive:
        positions = scanned.shape[dim]
        first = torch.full_like(scanned.narrow(dim, 0, min(1, positions)), operator.identity_in(x.dtype))
        scanned = torch.cat((first, scanned.narrow(dim, 0, max(positions - 1, 0))), dim)
    scanned = scanned.flip(dim) if reverse else scanned
    return scanned.reshape(x.shape)
