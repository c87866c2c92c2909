"""Public scan functions: argument checks with torch-like errors, dtype rules, allocation.

These functions use only torch, so `triscan emit` can copy them verbatim."""

import torch

from . import library
from ._dispatch import scan_into


def supported_dtypes() -> tuple:
    """The input dtypes triscan scans (torch.cumsum's real, non-quantized ones)."""
    return (torch.float16, torch.bfloat16, torch.float32, torch.float64,
            torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)


def check_input(x, dim, name: str) -> int:
    """Validate `x` and `dim` as torch.cumsum does; return `dim` made non-negative."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if x.dtype not in supported_dtypes():
        raise TypeError(f"{name}(): unsupported dtype {x.dtype}; supported: "
                        + ", ".join(str(d) for d in supported_dtypes()))
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    rank = max(x.dim(), 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {dim})")
    return dim % rank


def result_dtype(dtype: torch.dtype) -> torch.dtype:
    """torch.cumsum's result dtype: integers and bool promote to int64."""
    return dtype if dtype.is_floating_point else torch.int64


def check_dtype(dtype, name: str):
    """Validate a `dtype=` argument as torch.cumsum's: a supported torch.dtype or None."""
    if dtype is not None and (not isinstance(dtype, torch.dtype) or dtype not in supported_dtypes()
                              or dtype == torch.bool):
        raise TypeError(f"{name}(): unsupported dtype= {dtype}")


def scan(x: torch.Tensor, dim: int, shift: int, name: str, reverse: bool = False,
         dtype: torch.dtype | None = None) -> torch.Tensor:
    """Shared body of cumsum (shift 0) and exclusive_cumsum (shift 1): same shape as x."""
    dim = check_input(x, dim, name)
    check_dtype(dtype, name)
    out = torch.empty(x.shape, dtype=dtype or result_dtype(x.dtype), device=x.device)
    if x.dim() == 0:  # torch.cumsum takes 0-d tensors: scan them as one element
        scan_into(x.view(1), out.view(1), 0, 1 - shift, shift, reverse)
    elif out.numel():
        scan_into(x, out, dim, x.shape[dim] - shift, shift, reverse)
    return out


def public_scan(x, dim, shift: int, name: str, reverse: bool, dtype) -> torch.Tensor:
    """cumsum and exclusive_cumsum: through the registered operator where autograd or
    torch.compile needs it (triscan.library), else straight to the kernels."""
    if isinstance(x, torch.Tensor) and library.needs_operator(x):
        dim = check_input(x, dim, name)
        check_dtype(dtype, name)
        return library.scan_op(x, dim, bool(shift), reverse, dtype)
    return scan(x, dim, shift, name, reverse, dtype)


def cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
           ) -> torch.Tensor:
    """Inclusive prefix sum along `dim`, like ``torch.cumsum(x, dim, dtype=dtype)``.

    ``reverse=True`` sums from the end: ``out[j] = x[j] + ... + x[n - 1]``. The result has
    `dtype` when given (the values accumulate in its accumulator type), else torch.cumsum's:
    float16 and bfloat16 accumulate in float32 and are stored in their own dtype; integer and
    bool inputs give int64. CUDA tensors run triscan's Triton kernels; CPU tensors run them
    through the Triton interpreter when ``TRITON_INTERPRET=1`` was set before import, and
    otherwise take a plain ``torch.cumsum`` path. Differentiable (the backward runs triscan's
    kernels) and traceable by ``torch.compile(fullgraph=True)`` (``torch.ops.triscan.scan``).
    """
    return public_scan(x, dim, 0, "cumsum", reverse, dtype)


def exclusive_cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False,
                     dtype: torch.dtype | None = None) -> torch.Tensor:
    """Exclusive prefix sum along `dim`: same shape as `x`, ``out[0] = 0``,
    ``out[j] = x[0] + ... + x[j - 1]`` (what KernelBench's corrected reference computes).

    ``reverse=True``: ``out[n - 1] = 0``, ``out[j] = x[j + 1] + ... + x[n - 1]``. Dtypes and
    devices as in :func:`cumsum`.
    """
    return public_scan(x, dim, 1, "exclusive_cumsum", reverse, dtype)


def seed_exclusive_cumsum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed reference's exclusive cumsum, quirk included, in one pass.

    The reference computes ``cumsum(cat((zeros, x), dim)[:-1], dim)``; its ``[:-1]`` slices
    dimension 0 whatever `dim` is. So for ``dim != 0`` the result has one row fewer along
    dimension 0 and ``L + 1`` elements along `dim` (a leading 0, then the running sums up to
    the full total); for ``dim == 0`` it is the textbook exclusive scan. Errors follow the
    reference's (an empty `dim` cannot be selected from).
    """
    if isinstance(x, torch.Tensor) and x.dim() == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = check_input(x, dim, "exclusive_cumsum")
    if x.shape[dim] == 0:
        raise IndexError(f"select(): index 0 out of range for tensor of size {list(x.shape)} "
                         f"at dimension {dim}")
    shape = list(x.shape)
    if dim == 0:
        length = shape[0] - 1
        lanes = x
    else:
        length = shape[dim]
        shape[dim] += 1
        shape[0] = max(shape[0] - 1, 0)
        lanes = x[:-1]
    out = torch.empty(shape, dtype=result_dtype(x.dtype), device=x.device)
    scan_into(lanes, out, dim, length, shift=1)
    return out
