"""Argument checks with torch-like errors, dtype rules and allocation: the direct (not
differentiable) scans the registered operators (_torch_ops.py) and the public functions
(functional.py) run."""

import torch

from .kernels.operators import LOGSUMEXP, MAXIMUM, MINIMUM, PRODUCT, SUM, ScanOperator
from .scan.dispatch import direct_launch, led, plan_for, run_plan, scan_into, select_into
from .scan.launch import runs_triton
from .scan.plan import ScanPlan

CALLS: dict = {}  # call key (call_key) -> PreparedCall, for calls checked and planned before
MAX_CALLS = 4096  # many distinct shapes: start over rather than grow without bound
SEED_SHIFT = -1  # call_key's shift for calls with the seed's semantics: no scan's shift (0, 1)


class PreparedCall:
    """A checked call's output and plan: a repeated call only allocates and launches."""

    __slots__ = ("out_shape", "out_dtype", "plan", "flat", "like", "same_dtype", "direct")

    def __init__(self, out_shape: tuple, out_dtype: torch.dtype, plan: ScanPlan, flat: bool, like: bool,
                 input_dtype: torch.dtype):
        self.out_shape = out_shape
        self.out_dtype = out_dtype
        self.plan = plan
        self.flat = flat  # a 0-d input, scanned as one element
        self.like = like  # the output is torch.empty_like(x, dtype=out_dtype): a contiguous x of its shape
        self.same_dtype = out_dtype == input_dtype  # (the call key holds the input's dtype)
        self.direct = None  # the plan's DirectLaunch once it has one; False where it cannot have one

    def output(self, x: torch.Tensor) -> torch.Tensor:
        """The call's output, allocated by the cheapest call from Python that makes it: every
        keyword argument parsed costs host time (benchmarks/NOTES.md section 51)."""
        if self.like:
            return torch.empty_like(x) if self.same_dtype else torch.empty_like(x, dtype=self.out_dtype)
        if self.same_dtype:
            return x.new_empty(self.out_shape)
        return x.new_empty(self.out_shape, dtype=self.out_dtype)

    def run(self, x: torch.Tensor, out: torch.Tensor) -> None:
        """Scan `x` into `out`: straight to the compiled kernel where the plan allows, else
        through the plan's launch (which compiles and tunes on a first call)."""
        direct = self.direct
        if direct and direct.launch(x, out):
            return
        run_plan(self.plan, x, out)
        if direct is None:
            self.direct = direct_launch(self.plan) or False


def call_key(x: torch.Tensor, dim, shift: int, reverse: bool, dtype, operator: ScanOperator = SUM
             ) -> tuple | None:
    """Everything a call's checks, output and plan depend on; None where the arguments are not
    the plain types a cached call can have had (they then take the checks, which raise)."""
    if dim.__class__ is not int or not (dtype is None or dtype.__class__ is torch.dtype):
        return None
    return (x.shape, x.stride(), x.dtype, x.device, dim, shift, reverse, dtype, operator.name,
            torch.are_deterministic_algorithms_enabled())


def supported_dtypes() -> tuple:
    """The input dtypes triscan scans (torch.cumsum's real, non-quantized ones)."""
    return (torch.float16, torch.bfloat16, torch.float32, torch.float64,
            torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)


def check_input(x, dim, name: str, operator: ScanOperator = SUM) -> int:
    """Validate `x` and `dim` as torch.cumsum does (floats only for an operator that takes no
    others); return `dim` made non-negative."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if x.dtype not in supported_dtypes() or not operator.takes(x.dtype):
        raise TypeError(f"{name}(): unsupported dtype {x.dtype}; supported: "
                        + ", ".join(str(d) for d in supported_dtypes() if operator.takes(d)))
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    rank = max(x.dim(), 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {dim})")
    return dim % rank


def result_dtype(dtype: torch.dtype) -> torch.dtype:
    """torch.cumsum's result dtype: integers and bool promote to int64."""
    return SUM.result_dtype(dtype)


def check_dtype(dtype, name: str, operator: ScanOperator = SUM):
    """Validate a `dtype=` argument as torch.cumsum's: a supported torch.dtype or None (always
    None for a max or min scan, which keeps the input's dtype, as torch.cummax)."""
    if dtype is not None and not operator.takes_dtype_argument():
        raise TypeError(f"{name}(): takes no dtype= (results keep the input's dtype)")
    if dtype is not None and (not isinstance(dtype, torch.dtype) or dtype not in supported_dtypes()
                              or dtype == torch.bool or not operator.takes(dtype)):
        raise TypeError(f"{name}(): unsupported dtype= {dtype}")


def scan_call(x, dim, shift: int, name: str, dtype=None, operator: ScanOperator = SUM) -> tuple:
    """Check a cumsum-like call and describe it: (input view, output shape, output dtype, dim,
    positions scanned along dim). A 0-d tensor is scanned as one element, as torch.cumsum does."""
    dim = check_input(x, dim, name, operator)
    check_dtype(dtype, name, operator)
    source = x if x.dim() else x.view(1)
    return source, source.shape, dtype or operator.result_dtype(x.dtype), dim, source.shape[dim] - shift


def scan(x: torch.Tensor, dim: int, shift: int, name: str, reverse: bool = False,
         dtype: torch.dtype | None = None, operator: ScanOperator = SUM) -> torch.Tensor:
    """Shared body of the scans: cumsum (shift 0) and exclusive_cumsum (shift 1), and the same of
    another `operator` (cumprod with PRODUCT, logcumsumexp with LOGSUMEXP): same shape as x. A
    call like one made before (same shape, strides, dtypes, device and arguments) skips the
    checks and the planning: it allocates its output and launches the kernel."""
    key = call_key(x, dim, shift, reverse, dtype, operator) if isinstance(x, torch.Tensor) else None
    prepared = CALLS.get(key) if key is not None else None
    if prepared is not None:
        out = prepared.output(x)
        if prepared.flat:
            prepared.run(x.view(1), out.view(1))
        else:
            prepared.run(x, out)
        return out
    source, _, out_dtype, dim, length = scan_call(x, dim, shift, name, dtype, operator)
    out = torch.empty(x.shape, dtype=out_dtype, device=x.device)
    if out.numel():
        target = out if x.dim() else out.view(1)
        scan_into(source, target, dim, length, shift, reverse, operator)
        if key is not None and runs_triton(x.device):
            plan = plan_for(source, target, dim, length, shift, reverse, operator)
            remember(key, PreparedCall(tuple(x.shape), out_dtype, plan, not x.dim(), x.is_contiguous(),
                                       x.dtype))
    return out


def remember(key: tuple, prepared: PreparedCall) -> None:
    if len(CALLS) >= MAX_CALLS:
        CALLS.clear()
    CALLS[key] = prepared


def cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
           ) -> torch.Tensor:
    """triscan.cumsum without the autograd operator (the single-file answers call this)."""
    return scan(x, dim, 0, "cumsum", reverse, dtype)


def exclusive_cumsum(x: torch.Tensor, dim: int, *, reverse: bool = False,
                     dtype: torch.dtype | None = None) -> torch.Tensor:
    """triscan.exclusive_cumsum without the autograd operator."""
    return scan(x, dim, 1, "exclusive_cumsum", reverse, dtype)


def cumprod(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
            ) -> torch.Tensor:
    """triscan.cumprod without the autograd operator."""
    return scan(x, dim, 0, "cumprod", reverse, dtype, PRODUCT)


def exclusive_cumprod(x: torch.Tensor, dim: int, *, reverse: bool = False,
                      dtype: torch.dtype | None = None) -> torch.Tensor:
    """triscan.exclusive_cumprod without the autograd operator."""
    return scan(x, dim, 1, "exclusive_cumprod", reverse, dtype, PRODUCT)


def logcumsumexp(x: torch.Tensor, dim: int, *, reverse: bool = False, dtype: torch.dtype | None = None
                 ) -> torch.Tensor:
    """triscan.logcumsumexp without the autograd operator."""
    return scan(x, dim, 0, "logcumsumexp", reverse, dtype, LOGSUMEXP)


def exclusive_logcumsumexp(x: torch.Tensor, dim: int, *, reverse: bool = False,
                           dtype: torch.dtype | None = None) -> torch.Tensor:
    """triscan.exclusive_logcumsumexp without the autograd operator."""
    return scan(x, dim, 1, "exclusive_logcumsumexp", reverse, dtype, LOGSUMEXP)


def selected_indices(x: torch.Tensor, values: torch.Tensor, dim: int, reverse: bool, name: str
                     ) -> torch.Tensor:
    """The index along `dim` of each result of a max or min scan (`values`, x's shape), as
    torch.cummax's: of the equal candidates, the latest in scan order (forwards the largest
    position, reversed the smallest). A position p is where the running result was last taken
    when x[p] equals the result there or is NaN (torch's rule: `isnan(x) or x >= running`, which a
    NaN running result never passes again): a max scan of those positions (the smallest position
    from the end: a min scan), on the same kernels. Position 0 (the last, reversed) is always one."""
    source = x if x.dim() else x.view(1)
    chosen = values if values.dim() else values.view(1)
    taken = source == chosen
    if source.dtype.is_floating_point:
        taken |= source.isnan()
    length = source.shape[dim]
    along = [1] * source.dim()
    along[dim] = length
    positions = torch.arange(length, device=x.device).view(along)
    candidates = torch.where(taken, positions, length if reverse else -1)  # [x's shape], contiguous
    indices = scan(candidates, dim, 0, name, reverse, None, MINIMUM if reverse else MAXIMUM)
    return indices.view(x.shape)


def select_scan(x: torch.Tensor, dim: int, reverse: bool, name: str, operator: ScanOperator) -> tuple:
    """(values, indices) of a max or min scan (`operator` MAXIMUM or MINIMUM): torch.cummax's and
    torch.cummin's, or from the end with `reverse`. One pass where the plan's kernel writes the
    indices too (the row and column kernels; the row look-back for inputs of at most 4 bytes:
    dispatch.select_into); else two scans on the kernels (the column look-back, and 8-byte inputs
    on the row look-back, whose look-back words hold one value: selected_indices)."""
    source, _, _, dim, _ = scan_call(x, dim, 0, name, None, operator)
    selected = select_into(source, dim, reverse, operator)
    if selected is not None:
        return selected[0].view(x.shape), selected[1].view(x.shape)
    values = scan(x, dim, 0, name, reverse, None, operator)
    return values, selected_indices(x, values, dim, reverse, name)


def seed_call(x, dim) -> tuple:
    """Check a call with the seed reference's semantics and describe it as scan_call does.

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
        return x, tuple(shape), result_dtype(x.dtype), 0, shape[0] - 1
    shape[dim] += 1
    shape[0] = max(shape[0] - 1, 0)
    return x[:-1], tuple(shape), result_dtype(x.dtype), dim, x.shape[dim]


def seed_exclusive_cumsum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed reference's exclusive cumsum, quirk included (see seed_call), in a single sweep:
    one read of x, one write of the result, one kernel launch."""
    key = call_key(x, dim, SEED_SHIFT, False, None) if isinstance(x, torch.Tensor) else None
    prepared = CALLS.get(key) if key is not None else None
    if prepared is not None:
        out = prepared.output(x)
        # the plan was made for x[:-1]: the same pointer and strides as x, unless it is copied or
        # may be made again for another lead (dispatch.run_plan), which needs the rows it reads
        plan = prepared.plan
        prepared.run(x[:-1] if plan.dim and (plan.copy_reason or led(plan)) else x, out)
        return out
    source, out_shape, out_dtype, dim, length = seed_call(x, dim)
    out = torch.empty(out_shape, dtype=out_dtype, device=x.device)
    scan_into(source, out, dim, length, shift=1)
    if key is not None and out.numel() and runs_triton(x.device):
        remember(key, PreparedCall(out_shape, out_dtype, plan_for(source, out, dim, length, 1), False,
                                   dim == 0 and x.is_contiguous(), x.dtype))
    return out
