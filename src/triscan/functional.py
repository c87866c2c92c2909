"""triscan's public scan functions: typed, documented, differentiable and traceable by
torch.compile. A call goes through the registered operator (_torch_ops.py) while torch.compile
traces, through an autograd Function where autograd needs the backward, and otherwise straight
to the direct scan (api.py), which keeps the host path of small calls short."""

import torch

from . import _torch_ops, api
from .kernels.operators import OPERATORS


def _public_scan(x, dim, shift: int, name: str, reverse: bool, dtype, operator: str = "sum") -> torch.Tensor:
    described = OPERATORS[operator]
    if isinstance(x, torch.Tensor) and _torch_ops.needs_operator(x):
        dim = api.check_input(x, dim, name, described)
        api.check_dtype(dtype, name, described)
        return _torch_ops.differentiable_scan(x, dim, bool(shift), reverse, dtype, operator)
    return api.scan(x, dim, shift, name, reverse, dtype, described)


def cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
           ) -> torch.Tensor:
    """Inclusive prefix sum along `dim`, like ``torch.cumsum(x, dim, dtype=dtype)``.

    ``reverse=True`` sums from the end: ``out[j] = x[j] + ... + x[n - 1]``. The result has
    `dtype` when given (the values accumulate in its accumulator type), else torch.cumsum's:
    float16 and bfloat16 accumulate in float32 and are stored in their own dtype; integer and
    bool inputs give int64. A `dtype` narrower than x's rounds the results only, where torch
    casts x to it first: the two can differ by the inputs' rounding. CUDA tensors run triscan's
    Triton kernels; CPU tensors run them through the Triton interpreter when
    ``TRITON_INTERPRET=1`` was set before import, and otherwise take a plain ``torch.cumsum``
    path. Differentiable (the backward runs triscan's kernels), usable under ``torch.func``
    transforms (grad, vmap, jacrev: a vmap batch is one more outer dimension of one launch) and
    traceable by ``torch.compile(fullgraph=True)`` (``torch.ops.triscan.scan``).
    ``triscan.explain`` shows the plan a call takes.
    """
    return _public_scan(x, dim, 0, "cumsum", reverse, dtype)


def exclusive_cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False,
                     dtype: torch.dtype | None = None) -> torch.Tensor:
    """Exclusive prefix sum along `dim`: same shape as `x`, ``out[0] = 0``,
    ``out[j] = x[0] + ... + x[j - 1]`` (what KernelBench's corrected reference computes).

    ``reverse=True``: ``out[n - 1] = 0``, ``out[j] = x[j + 1] + ... + x[n - 1]``. Dtypes and
    devices as in :func:`cumsum`.
    """
    return _public_scan(x, dim, 1, "exclusive_cumsum", reverse, dtype)


def cumprod(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
            ) -> torch.Tensor:
    """Inclusive prefix product along `dim`, like ``torch.cumprod(x, dim, dtype=dtype)``, on the
    kernels cumsum runs (one engine: kernels/operators.py).

    ``reverse=True`` multiplies from the end: ``out[j] = x[j] * ... * x[n - 1]``. Dtypes as in
    :func:`cumsum` (half types multiply in float32; integer and bool inputs give int64, wrapping
    as torch's). Differentiable: the backward is triscan's reversed cumsum of ``grad * out``
    divided by ``x`` where no element of ``x`` is 0, as torch's own; inputs with a zero take
    torch's backward of the same product. Traceable by ``torch.compile(fullgraph=True)``.
    """
    return _public_scan(x, dim, 0, "cumprod", reverse, dtype, "product")


def exclusive_cumprod(x: torch.Tensor, dim: int, *, reverse: bool = False,
                      dtype: torch.dtype | None = None) -> torch.Tensor:
    """Exclusive prefix product along `dim`: same shape as `x`, ``out[0] = 1``,
    ``out[j] = x[0] * ... * x[j - 1]``; ``reverse=True``: ``out[n - 1] = 1``,
    ``out[j] = x[j + 1] * ... * x[n - 1]``. Dtypes, devices and gradients as in :func:`cumprod`.
    """
    return _public_scan(x, dim, 1, "exclusive_cumprod", reverse, dtype, "product")


def logcumsumexp(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
                 ) -> torch.Tensor:
    """Inclusive log-sum-exp scan along `dim`, like ``torch.logcumsumexp(x, dim)``:
    ``out[j] = log(exp(x[0]) + ... + exp(x[j]))``, on the kernels cumsum runs (one engine:
    kernels/operators.py), combined two at a time from the larger term, so no exp overflows.

    ``reverse=True`` from the end: ``out[j] = log(exp(x[j]) + ... + exp(x[n - 1]))``. Floating
    inputs only (integer and bool inputs are a TypeError, as torch has no integer form); float16
    and bfloat16 are combined in float32 and stored in their own dtype (or in `dtype`, a floating
    dtype). -inf terms add nothing, +inf makes the rest +inf, NaN the rest NaN, as torch's.
    Differentiable: the backward is two of triscan's log-sum-exp scans the other way, of
    ``log|grad| - out`` for the positive and the negative grads (as torch's own). Traceable by
    ``torch.compile(fullgraph=True)``.
    """
    return _public_scan(x, dim, 0, "logcumsumexp", reverse, dtype, "logsumexp")


def exclusive_logcumsumexp(x: torch.Tensor, dim: int, *, reverse: bool = False,
                           dtype: torch.dtype | None = None) -> torch.Tensor:
    """Exclusive log-sum-exp scan along `dim`: same shape as `x`, ``out[0] = -inf`` (the log of an
    empty sum), ``out[j] = log(exp(x[0]) + ... + exp(x[j - 1]))``; ``reverse=True``:
    ``out[n - 1] = -inf``, ``out[j] = log(exp(x[j + 1]) + ... + exp(x[n - 1]))``. Dtypes and
    gradients as in :func:`logcumsumexp`.
    """
    return _public_scan(x, dim, 1, "exclusive_logcumsumexp", reverse, dtype, "logsumexp")


def _public_select(x, dim, reverse: bool, operator: str, result: type):
    described = OPERATORS[operator]
    if isinstance(x, torch.Tensor) and _torch_ops.needs_operator(x):
        dim = api.check_input(x, dim, described.function, described)
        values, indices = _torch_ops.differentiable_select_scan(x, dim, reverse, operator)
    else:
        values, indices = api.select_scan(x, dim, reverse, described.function, described)
    return result((values, indices))


def cummax(x: torch.Tensor, dim: int, *, reverse: bool = False) -> torch.return_types.cummax:
    """Running maximum along `dim` and where it was taken, like ``torch.cummax(x, dim)``: a
    ``(values, indices)`` named tuple, ``values[j] = max(x[0], ..., x[j])`` in x's dtype and
    ``indices[j]`` (int64) the position of that value, the latest of equal ones (as torch's; a NaN
    is larger than everything, and stays once met). ``reverse=True`` from the end:
    ``values[j] = max(x[j], ..., x[n - 1])``, the index the latest from the end (the smallest of
    equal positions). Every real dtype and bool. On the kernels cumsum runs (one engine:
    kernels/operators.py): one launch on the row and column kernels, which scan each block's
    indices in registers beside its values, and on the row look-back (1-D, a few long rows) for
    inputs of at most 4 bytes, which scans each value with its position as one int64 key; on the
    column look-back (narrow K) and for 8-byte inputs of long rows a max scan, then a max scan of
    the positions where the value was taken (torch's rule leaves -0 and +0 equal, and the value
    kept may be either; the index is torch's). Differentiable (each
    result's gradient goes to the element it selected) and traceable by
    ``torch.compile(fullgraph=True)`` (``torch.ops.triscan.select_scan``).
    """
    return _public_select(x, dim, reverse, "max", torch.return_types.cummax)


def cummin(x: torch.Tensor, dim: int, *, reverse: bool = False) -> torch.return_types.cummin:
    """Running minimum along `dim` and where it was taken, like ``torch.cummin(x, dim)``: as
    :func:`cummax` with the smallest value (a NaN still wins)."""
    return _public_select(x, dim, reverse, "min", torch.return_types.cummin)


def seed_exclusive_cumsum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed reference's exclusive cumsum, quirk included: ``cumsum(cat((zeros, x), dim)[:-1],
    dim)``, whose ``[:-1]`` slices dimension 0 whatever `dim` is (see ``triscan.api.seed_call``),
    in one kernel launch; differentiable and traceable by torch.compile."""
    if isinstance(x, torch.Tensor) and _torch_ops.needs_operator(x):
        return _torch_ops.differentiable_seed_exclusive_cumsum(x, dim)
    return api.seed_exclusive_cumsum(x, dim)
