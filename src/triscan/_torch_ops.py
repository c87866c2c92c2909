"""triscan's scans as PyTorch custom operators: autograd and torch.compile.

`torch.ops.triscan.scan` (cumsum, cumprod and logcumsumexp, inclusive or exclusive, either
direction: its `operator` names one of kernels/operators.py) and `torch.ops.triscan.seed_exclusive_cumsum`
(ModelNew's semantics) are registered with torch.library, each with a fake implementation
(shapes and dtypes only, for torch.compile's tracing) and a backward computed by triscan's own
kernels:

- the gradient of a sum's scan is the scan of the gradient in the other direction, inclusive or
  exclusive as the forward was: y_i = x_0 + ... + x_i gives dL/dx_j = g_j + ... + g_(n-1);
- a product's is the same scan of g * y, divided by x: y_i = x_0 * ... * x_i gives dL/dx_j =
  (g_j y_j + ... + g_(n-1) y_(n-1)) / x_j where no x is 0, as torch's own cumprod backward; an
  input with a zero takes torch's backward of the same product (torch.cumprod, differentiated by
  autograd, scan/fallback.py's plain_scan);
- a log-sum-exp's, y_i = log(exp(x_0) + ... + exp(x_i)), is dL/dx_j = sum over i >= j of
  g_i exp(x_j - y_i): exp(x_j + the log-sum-exp scan the other way of log|g| - y), the positive and
  the negative g apart (torch's own logcumsumexp backward), two scans;
- a max's or min's (cummax, cummin: values and indices, `torch.ops.triscan.select_scan`) puts each
  result's gradient on the element it selected (its index), summed where several results took
  one, as torch's own;
- for the seed semantics with dim != 0, the rows x[:-1] get the reversed inclusive scan of
  g[..., 1:] along dim, and the dropped last row gets zeros; with dim == 0 it is an
  exclusive scan, whose gradient is the reversed exclusive scan.

The public functions (functional.py) call these operators only while torch.compile traces. In
eager mode, inputs that require grad under grad mode take `ScanFunction` and `SeedFunction`
(torch.autograd.Function, with the same backward): a registered operator's dispatch costs several
times a Function's per call (benchmarks/NOTES.md section 30). Under torch.func transforms they
take `ScanTransformFunction` and `SeedTransformFunction` (the scans' with a vmap rule).
Everything else launches directly, which keeps the host path of small calls short.
"""

import torch

from . import api
from .kernels.operators import OPERATORS, PRODUCT
from .scan.fallback import plain_scan


@torch.library.custom_op("triscan::scan", mutates_args=())
def scan_op(x: torch.Tensor, dim: int, exclusive: bool, reverse: bool, dtype: torch.dtype | None,
            operator: str = "sum") -> torch.Tensor:
    """Inclusive (or exclusive) scan of `operator` ("sum", "product", "logsumexp") along `dim`, from
    the start (or the end)."""
    return _direct_scan(x, dim, exclusive, reverse, dtype, operator)


def _direct_scan(x, dim, exclusive, reverse, dtype, operator):
    """The direct scan both scan_op and ScanFunction run forward."""
    described = OPERATORS[operator]
    return api.scan(x, dim, shift=int(exclusive), name=described.function_name(exclusive), reverse=reverse,
                    dtype=dtype, operator=described)


@scan_op.register_fake
def _(x, dim, exclusive, reverse, dtype, operator="sum"):
    return x.new_empty(x.shape, dtype=dtype or OPERATORS[operator].result_dtype(x.dtype))


def _scan_setup(ctx, inputs, output):
    x, dim, exclusive, reverse, _, operator = inputs if len(inputs) == 6 else (*inputs, "sum")
    ctx.dim, ctx.exclusive, ctx.reverse, ctx.input_dtype = dim, exclusive, reverse, x.dtype
    ctx.operator = operator
    if operator != "sum" and x.dtype.is_floating_point:
        ctx.save_for_backward(x, output)


def _scan_gradient(ctx, grad, scan):
    """The gradient of a scan: for a sum, the scan of `grad` the other way, by `scan` (the
    operator, or ScanFunction.apply in eager mode; either is differentiable again); for a
    product, _product_gradient; for a log-sum-exp, _logsumexp_gradient."""
    if not ctx.input_dtype.is_floating_point:
        return None, None, None, None, None, None
    if ctx.operator == "product":
        x, out = ctx.saved_tensors
        grad_x = _product_gradient(ctx, grad, x, out, scan)
    elif ctx.operator == "logsumexp":
        x, out = ctx.saved_tensors
        grad_x = _logsumexp_gradient(ctx, grad, x, out, scan)
    else:
        grad_x = scan(grad.contiguous(), ctx.dim, ctx.exclusive, not ctx.reverse, ctx.input_dtype, "sum")
    return grad_x, None, None, None, None, None


def _product_gradient(ctx, grad, x, out, scan):
    """dL/dx of out = a product scan of x: the sum scan of grad * out the other way (inclusive or
    exclusive as the forward was) divided by x, where no x is 0 (checked on the host, as torch's
    cumprod backward does); else torch's backward of the same product scan."""
    if x.numel() and bool((x == 0).any()):
        with torch.enable_grad():
            leaf = x.detach().requires_grad_()
            product = plain_scan(leaf, ctx.dim, ctx.exclusive, ctx.reverse, PRODUCT).to(out.dtype)
            (grad_x,) = torch.autograd.grad(product, leaf, grad, create_graph=torch.is_grad_enabled())
        return grad_x
    weighted = (grad * out).contiguous()
    return scan(weighted, ctx.dim, ctx.exclusive, not ctx.reverse, ctx.input_dtype, "sum") / x


def _logsumexp_gradient(ctx, grad, x, out, scan):
    """dL/dx of out = a log-sum-exp scan of x: exp(x + the log-sum-exp scan the other way of
    log|grad| - out), over the positive grads minus over the negative ones, so that no exp
    overflows (an exclusive scan's leading -inf is never among the terms its gradient takes)."""
    log_grad = grad.abs().log() - out
    nothing = torch.full_like(log_grad, float("-inf"))
    parts = [scan(torch.where(sign, log_grad, nothing), ctx.dim, ctx.exclusive, not ctx.reverse, None,
                  "logsumexp") for sign in (grad > 0, grad < 0)]
    return (parts[0] + x).exp() - (parts[1] + x).exp()


def _scan_backward(ctx, grad):
    return _scan_gradient(ctx, grad, scan_op)


scan_op.register_autograd(_scan_backward, setup_context=_scan_setup)


@torch.library.custom_op("triscan::seed_exclusive_cumsum", mutates_args=())
def seed_exclusive_cumsum_op(x: torch.Tensor, dim: int) -> torch.Tensor:
    """ModelNew's forward: the seed reference's exclusive cumsum, quirk included."""
    return api.seed_exclusive_cumsum(x, dim)


@seed_exclusive_cumsum_op.register_fake
def _(x, dim):
    shape = list(x.shape)
    if dim % x.dim() != 0:
        shape[dim] += 1
        shape[0] = max(shape[0] - 1, 0)
    return x.new_empty(shape, dtype=api.result_dtype(x.dtype))


def _seed_setup(ctx, inputs, output):
    x, dim = inputs
    ctx.dim, ctx.input_dtype, ctx.input_shape = dim % x.dim(), x.dtype, x.shape


def _seed_gradient(ctx, grad, scan):
    if not ctx.input_dtype.is_floating_point:
        return None, None
    dim = ctx.dim
    if dim == 0:  # a plain exclusive scan
        return scan(grad.contiguous(), 0, True, True, ctx.input_dtype, "sum"), None
    grad_x = grad.new_zeros(ctx.input_shape, dtype=ctx.input_dtype)
    # y[..., j + 1] = x[..., 0] + ... + x[..., j] for the rows x[:-1]; the last row is dropped
    used = grad.narrow(dim, 1, ctx.input_shape[dim]).contiguous()
    grad_x[:-1] = scan(used, dim, False, True, ctx.input_dtype, "sum")
    return grad_x, None


def _seed_backward(ctx, grad):
    return _seed_gradient(ctx, grad, scan_op)


seed_exclusive_cumsum_op.register_autograd(_seed_backward, setup_context=_seed_setup)


@torch.library.custom_op("triscan::select_scan", mutates_args=())
def select_scan_op(x: torch.Tensor, dim: int, reverse: bool, operator: str
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, indices) of a max or min scan (`operator` "max" or "min") along `dim`, from the
    start (or the end), as torch.cummax and torch.cummin."""
    described = OPERATORS[operator]
    return api.select_scan(x, dim, reverse, described.function, described)


@select_scan_op.register_fake
def _(x, dim, reverse, operator):
    return x.new_empty(x.shape), x.new_empty(x.shape, dtype=torch.int64)


def _select_setup(ctx, inputs, output):
    x, dim = inputs[0], inputs[1]
    ctx.dim, ctx.input_shape = dim % max(x.dim(), 1), x.shape
    ctx.mark_non_differentiable(output[1])
    ctx.save_for_backward(output[1])


def _select_gradient(ctx, grad_values, grad_indices=None):
    """Each result's gradient on the element it selected (torch's cummax backward: a scatter-add
    along dim by the indices)."""
    (indices,) = ctx.saved_tensors
    if not indices.dim():
        return grad_values, None, None, None
    grad_x = grad_values.new_zeros(ctx.input_shape).scatter_add(ctx.dim, indices, grad_values)
    return grad_x, None, None, None


select_scan_op.register_autograd(_select_gradient, setup_context=_select_setup)


class SelectFunction(torch.autograd.Function):
    """select_scan_op in eager mode and under torch.func transforms: one Function, whose
    setup_context costs a signature binding per call (benchmarks/NOTES.md section 34), small
    beside the scans it launches."""

    @staticmethod
    def forward(x, dim, reverse, operator):
        described = OPERATORS[operator]
        return api.select_scan(x, dim, reverse, described.function, described)

    setup_context = staticmethod(_select_setup)
    backward = staticmethod(_select_gradient)

    @staticmethod
    def vmap(info, in_dims, x, dim, reverse, operator):
        # `dim` was checked against the unbatched tensor: one past it here, the batch moved first
        batched = x.movedim(in_dims[0], 0)
        if batched.dim() == 1:  # an unbatched 0-d tensor: each element selects itself
            return (batched, torch.zeros(batched.shape, dtype=torch.int64, device=batched.device)), (0, 0)
        return SelectFunction.apply(batched, dim + 1, reverse, operator), (0, 0)


def differentiable_select_scan(x, dim: int, reverse: bool, operator: str) -> tuple:
    """(values, indices) through the operator while torch.compile traces, else SelectFunction."""
    if torch.compiler.is_compiling():
        return select_scan_op(x, dim, reverse, operator)
    return SelectFunction.apply(x, dim, reverse, operator)


# Two Functions per operator, one body: the eager one takes `ctx` in forward, since for a
# Function with setup_context Function.apply binds the forward's default arguments through
# inspect.signature on every call (benchmarks/NOTES.md section 34); torch.func
# transforms (grad, jacrev, ...) accept only Functions with setup_context, so they take the
# second. differentiable_scan picks.
class ScanFunction(torch.autograd.Function):
    """scan_op's eager twin: the same forward and backward, without the operator's dispatch."""

    @staticmethod
    def forward(ctx, x, dim, exclusive, reverse, dtype, operator):
        out = _direct_scan(x, dim, exclusive, reverse, dtype, operator)
        _scan_setup(ctx, (x, dim, exclusive, reverse, dtype, operator), out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _scan_gradient(ctx, grad, differentiable_scan)


class ScanTransformFunction(torch.autograd.Function):
    """ScanFunction under torch.func transforms; under vmap the batch is one more outer dim."""

    forward = staticmethod(_direct_scan)
    setup_context = staticmethod(_scan_setup)
    backward = staticmethod(ScanFunction.backward)

    @staticmethod
    def vmap(info, in_dims, x, dim, exclusive, reverse, dtype, operator):
        # `dim` was checked against the unbatched tensor (functional._public_scan): one past it
        # here, the batch moved first; an unbatched 0-d tensor is one element along dim 1
        batched = x.movedim(in_dims[0], 0)
        if batched.dim() == 1:
            out = ScanTransformFunction.apply(batched[:, None], 1, exclusive, reverse, dtype, operator)[:, 0]
        else:
            out = ScanTransformFunction.apply(batched, dim + 1, exclusive, reverse, dtype, operator)
        return out, 0


class SeedFunction(torch.autograd.Function):
    """seed_exclusive_cumsum_op's eager twin."""

    @staticmethod
    def forward(ctx, x, dim):
        _seed_setup(ctx, (x, dim), None)
        return api.seed_exclusive_cumsum(x, dim)

    @staticmethod
    def backward(ctx, grad):
        return _seed_gradient(ctx, grad, differentiable_scan)


class SeedTransformFunction(torch.autograd.Function):
    """SeedFunction under torch.func transforms."""

    forward = staticmethod(api.seed_exclusive_cumsum)
    setup_context = staticmethod(_seed_setup)
    backward = staticmethod(SeedFunction.backward)


def needs_operator(x: torch.Tensor) -> bool:
    """Whether a call must go through the registered operator (torch.compile is tracing: the
    direct path launches kernels from Python) or an autograd Function (autograd will want its
    backward, or a torch.func transform wraps `x`)."""
    return ((x.requires_grad and torch.is_grad_enabled()) or torch.compiler.is_compiling()
            or torch._C._are_functorch_transforms_active())


def differentiable_scan(x, dim: int, exclusive: bool, reverse: bool, dtype, operator: str = "sum"):
    """The scan through the operator while torch.compile traces, else through ScanFunction (or
    ScanTransformFunction under torch.func transforms)."""
    if torch.compiler.is_compiling():
        return scan_op(x, dim, exclusive, reverse, dtype, operator)
    if torch._C._are_functorch_transforms_active():
        return ScanTransformFunction.apply(x, dim, exclusive, reverse, dtype, operator)
    return ScanFunction.apply(x, dim, exclusive, reverse, dtype, operator)


def differentiable_seed_exclusive_cumsum(x, dim: int):
    if torch.compiler.is_compiling():
        return seed_exclusive_cumsum_op(x, dim)
    if torch._C._are_functorch_transforms_active():
        return SeedTransformFunction.apply(x, dim)
    return SeedFunction.apply(x, dim)
