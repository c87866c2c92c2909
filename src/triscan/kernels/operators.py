"""The scan operators: one description per operator, for the host (its identity and dtype rules,
and what the kernels may specialize) and for the kernels (its combine, scans and totals under
the OPERATOR constexpr, the operator's name). Every kernel family takes any operator here;
adding one is an entry in OPERATORS, its combine, and a branch in each function below that
dispatches on OPERATOR (the host's identity is _identity's). An OPERATOR missing from them fails
to compile (their static_assert).

Operators are monoids whose combine is associative and commutative (the kernels combine a
chunk's prefix from the right or the left as registers allow). Every element the kernels fill
holds the identity: masked loads past a scan's end, the first output of an exclusive scan, a
lane's prefix before its first chunk. A log-sum-exp's identity is -inf: its combine must take
two of them (and two +infs) without a NaN.

Triton 3.6 takes a combine function for tl.associative_scan and tl.reduce only as a global
@triton.jit function, not as a constexpr argument (compiled, it fails on the constexpr's
missing `fn`), so the kernels name their operator and these functions dispatch on it at
compile time. Sums keep the calls they had (tl.cumsum, tl.sum): their compiled code is the
same (benchmarks/dev/ptx_snapshot.py, benchmarks/NOTES.md 128)."""

from dataclasses import dataclass

import torch
import triton
import triton.language as tl


@dataclass
class ScanOperator:
    """A scan's operator, as the host sees it."""

    name: str  # the kernels' OPERATOR constexpr
    function: str  # torch's inclusive scan of it, and triscan's public function ("cumsum"; exclusive_...)
    identity: float  # combine(identity, a) == a: masked elements, exclusive scans' first output (_identity)
    carries_error: bool  # float64 look-back prefixes travel with their rounding error (a sum's TwoSum)
    floats_only: bool = False  # no integer or bool inputs or results (torch's function has none)
    selects: bool = False  # picks one of its operands (a max, a min): results keep the input's dtype,
    # no dtype=, the identity is the dtype's lowest (highest) value, and the public function also
    # gives each result's index (torch.cummax's)

    def identity_in(self, dtype: torch.dtype):
        """The identity as a value of `dtype`, the input's (a selecting operator's is its extreme
        value there; the kernels' _identity)."""
        if not self.selects or dtype.is_floating_point:
            return self.identity
        if dtype == torch.bool:
            return self.identity > 0
        limits = torch.iinfo(dtype)
        return limits.min if self.identity < 0 else limits.max

    def accumulator(self, dtype: torch.dtype) -> torch.dtype:
        """What a scan with result `dtype` accumulates in (and keeps in look-back workspaces):
        float64 stays, other floats use float32, integers int64."""
        if dtype == torch.float64:
            return torch.float64
        return torch.float32 if dtype.is_floating_point else torch.int64

    def function_name(self, exclusive: bool) -> str:
        """The public function of this scan, inclusive or exclusive (whose name its errors carry)."""
        return "exclusive_" + self.function if exclusive else self.function

    def result_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """The result dtype of a scan of `dtype` without dtype=, as torch's: integers and bool
        promote to int64, but for a selecting operator."""
        return dtype if dtype.is_floating_point or self.selects else torch.int64

    def takes_dtype_argument(self) -> bool:
        """Whether the public function takes dtype= (torch.cummax takes none)."""
        return not self.selects

    def takes(self, dtype: torch.dtype) -> bool:
        """Whether this operator scans `dtype` (an input or a dtype=), among the dtypes triscan
        scans at all (api.supported_dtypes)."""
        return dtype.is_floating_point or not self.floats_only

    def torch_scan(self, x: torch.Tensor, dim: int, dtype: torch.dtype | None = None) -> torch.Tensor:
        """torch's inclusive scan of `x` along `dim` (torch.cumsum, ...), in `dtype` when given:
        converted first, as cumsum's dtype= does, since torch.logcumsumexp takes no dtype=."""
        inclusive = getattr(torch, self.function)  # looked up per call: the tests replace torch.cumsum
        scanned = inclusive(x if dtype is None or dtype == x.dtype else x.to(dtype), dim)
        return scanned.values if self.selects else scanned  # torch.cummax's (values, indices)


SUM = ScanOperator("sum", "cumsum", identity=0, carries_error=True)
PRODUCT = ScanOperator("product", "cumprod", identity=1, carries_error=False)
LOGSUMEXP = ScanOperator("logsumexp", "logcumsumexp", identity=float("-inf"), carries_error=False,
                         floats_only=True)
MAXIMUM = ScanOperator("max", "cummax", identity=float("-inf"), carries_error=False, selects=True)
MINIMUM = ScanOperator("min", "cummin", identity=float("inf"), carries_error=False, selects=True)
OPERATORS = {operator.name: operator for operator in (SUM, PRODUCT, LOGSUMEXP, MAXIMUM, MINIMUM)}


@triton.jit
def _known(OPERATOR: tl.constexpr):
    """Fails to compile for an OPERATOR that is not a name in OPERATORS."""
    tl.static_assert(OPERATOR == "sum" or OPERATOR == "product" or OPERATOR == "logsumexp"
                     or OPERATOR == "max" or OPERATOR == "min", "OPERATOR: a name in operators.OPERATORS")


@triton.jit
def _identity(OPERATOR: tl.constexpr, INPUT_DTYPE: tl.constexpr):
    """The operator's identity in INPUT_DTYPE, a constexpr (masked loads' `other`, fills, whatever
    their type): a max's is the lowest value of the input's dtype, a min's the highest
    (ScanOperator.identity_in), so that an exclusive scan's first output, stored in the result
    (the input's dtype), is the input's identity; the others' identity is one value in every dtype."""
    _known(OPERATOR)
    if OPERATOR == "max" or OPERATOR == "min":
        if INPUT_DTYPE.is_floating():
            identity = tl.constexpr(float("-inf") if OPERATOR == "max" else float("inf"))
        elif INPUT_DTYPE.primitive_bitwidth == 1:  # bool
            identity = tl.constexpr(0 if OPERATOR == "max" else 1)
        elif INPUT_DTYPE.is_int_unsigned():
            identity = tl.constexpr(0 if OPERATOR == "max" else 2 ** INPUT_DTYPE.primitive_bitwidth - 1)
        else:
            identity = tl.constexpr(-2 ** (INPUT_DTYPE.primitive_bitwidth - 1) if OPERATOR == "max"
                                    else 2 ** (INPUT_DTYPE.primitive_bitwidth - 1) - 1)
    else:
        identity = tl.constexpr(0 if OPERATOR == "sum" else 1 if OPERATOR == "product" else float("-inf"))
    return identity


@triton.jit
def _invertible(OPERATOR: tl.constexpr):
    """Whether integer combines are undone exactly (a sum's wrapping subtraction), a constexpr:
    one scan where the sums before each element would take a second (tiles._before_runs)."""
    return tl.constexpr(OPERATOR == "sum")


@triton.jit
def _multiply(a, b):
    return a * b


@triton.jit
def _larger(a, b):
    """The larger, a NaN if either is (torch.cummax's NaN is kept)."""
    return tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)


@triton.jit
def _smaller(a, b):
    """The smaller, a NaN if either is."""
    return tl.minimum(a, b, propagate_nan=tl.PropagateNan.ALL)


@triton.jit
def _log_add_exp(a, b):
    """log(exp(a) + exp(b)), from the larger: two equal infinities (the identity -inf among them)
    give themselves, not the NaN of inf - inf; a NaN gives NaN."""
    larger = tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)
    smaller = tl.minimum(a, b, propagate_nan=tl.PropagateNan.ALL)
    equal = larger == smaller  # two -infs or +infs among them: no inf - inf taken
    gap = tl.where(equal, 0.0, smaller) - tl.where(equal, 0.0, larger)  # [..] <= 0, -inf past an infinity
    return larger + tl.log(1.0 + tl.exp(gap))


@triton.jit
def _combine(a, b, OPERATOR: tl.constexpr):
    """a combined with b (operators commute: the kernels put the earlier one first or second)."""
    _known(OPERATOR)
    if OPERATOR == "sum":
        combined = a + b
    elif OPERATOR == "product":
        combined = a * b
    elif OPERATOR == "max":
        combined = _larger(a, b)
    elif OPERATOR == "min":
        combined = _smaller(a, b)
    else:
        combined = _log_add_exp(a, b)
    return combined


@triton.jit
def _scan(values, AXIS: tl.constexpr, OPERATOR: tl.constexpr):
    """The inclusive scan of `values` along AXIS."""
    _known(OPERATOR)
    if OPERATOR == "sum":
        scanned = tl.cumsum(values, AXIS)
    elif OPERATOR == "product":
        scanned = tl.associative_scan(values, AXIS, _multiply)
    elif OPERATOR == "max":
        scanned = tl.associative_scan(values, AXIS, _larger)
    elif OPERATOR == "min":
        scanned = tl.associative_scan(values, AXIS, _smaller)
    else:
        scanned = tl.associative_scan(values, AXIS, _log_add_exp)
    return scanned


@triton.jit
def _total(values, AXIS: tl.constexpr, OPERATOR: tl.constexpr, KEEP_DIMS: tl.constexpr = False):
    """`values` combined along AXIS."""
    _known(OPERATOR)
    if OPERATOR == "sum":
        total = tl.sum(values, AXIS, keep_dims=KEEP_DIMS)
    elif OPERATOR == "product":
        total = tl.reduce(values, AXIS, _multiply, keep_dims=KEEP_DIMS)
    elif OPERATOR == "max":
        total = tl.reduce(values, AXIS, _larger, keep_dims=KEEP_DIMS)
    elif OPERATOR == "min":
        total = tl.reduce(values, AXIS, _smaller, keep_dims=KEEP_DIMS)
    else:
        total = tl.reduce(values, AXIS, _log_add_exp, keep_dims=KEEP_DIMS)
    return total


@triton.jit
def _sum_before_and_through(before_a, through_a, before_b, through_b):
    """Combine two spans, each as (sum before its last element, sum through it)."""
    return through_a + before_b, through_a + through_b


@triton.jit
def _product_before_and_through(before_a, through_a, before_b, through_b):
    """_sum_before_and_through for products."""
    return through_a * before_b, through_a * through_b


@triton.jit
def _log_add_exp_before_and_through(before_a, through_a, before_b, through_b):
    """_sum_before_and_through for log-sum-exps."""
    return _log_add_exp(through_a, before_b), _log_add_exp(through_a, through_b)


@triton.jit
def _larger_before_and_through(before_a, through_a, before_b, through_b):
    """_sum_before_and_through for maxima."""
    return _larger(through_a, before_b), _larger(through_a, through_b)


@triton.jit
def _smaller_before_and_through(before_a, through_a, before_b, through_b):
    """_sum_before_and_through for minima."""
    return _smaller(through_a, before_b), _smaller(through_a, through_b)


@triton.jit
def _scan_before_and_through(values, AXIS: tl.constexpr, OPERATOR: tl.constexpr, REVERSE: tl.constexpr):
    """(each element's combine of those before it, through it) along AXIS, from the end with
    REVERSE, by combines only: no element is taken back out (a sum's `through - x` turns an Inf
    into NaN)."""
    # the accumulator's identity (a max's lowest int64 for an int8 input): every `before` is
    # combined with a carry or prefix that starts at the input's before it is stored
    start = tl.full(values.shape, _identity(OPERATOR, values.dtype), values.dtype)
    if OPERATOR == "sum":
        before, through = tl.associative_scan((start, values), AXIS, _sum_before_and_through, reverse=REVERSE)
    elif OPERATOR == "product":
        before, through = tl.associative_scan((start, values), AXIS, _product_before_and_through,
                                              reverse=REVERSE)
    elif OPERATOR == "max":
        before, through = tl.associative_scan((start, values), AXIS, _larger_before_and_through,
                                              reverse=REVERSE)
    elif OPERATOR == "min":
        before, through = tl.associative_scan((start, values), AXIS, _smaller_before_and_through,
                                              reverse=REVERSE)
    else:
        before, through = tl.associative_scan((start, values), AXIS, _log_add_exp_before_and_through,
                                              reverse=REVERSE)
    return before, through


@triton.jit
def _selection_keys(values, positions, in_row, OPERATOR: tl.constexpr, REVERSE: tl.constexpr):
    """A max's or min's input of at most 4 bytes as int64 keys whose plain max selects with
    torch.cummax's rule, so that a look-back word carries a value and its index at once: the
    value's order in the high 32 bits (a float's bits turned to order as signed integers, -0 as
    +0, every NaN above +inf; a min's order turned over, NaN kept on top), its row position
    in the low 32, so that a tie goes to the latest position (with REVERSE to the earliest: the
    flipped input's latest). The identity (the lowest int64) outside the row (`in_row` false)."""
    if values.dtype.is_floating():
        real = values.to(tl.float32)
        real = tl.where(real == 0, 0.0, real)  # -0 and +0 tie, as torch compares them
        bits = real.to(tl.int32, bitcast=True)
        order = bits ^ ((bits >> 31) & 0x7FFFFFFF)  # negative floats: magnitude order turned over
        if OPERATOR == "min":
            order = ~order
        order = tl.where(real != real, 0x7FFFFFFF, order)
    else:
        order = values.to(tl.int32)
        if OPERATOR == "min":
            order = ~order
    if REVERSE:
        low = (2**31 - 1) - positions.to(tl.int64)
    else:
        low = positions.to(tl.int64)
    keys = (order.to(tl.int64) << 32) | low
    return tl.where(in_row, keys, _identity("max", tl.int64))


@triton.jit
def _selected_values(keys, OPERATOR: tl.constexpr, OUTPUT_DTYPE: tl.constexpr):
    """The values that _selection_keys keys hold, in OUTPUT_DTYPE (a NaN as a NaN, -0 as +0)."""
    order = (keys >> 32).to(tl.int32)
    if OPERATOR == "min":
        order = ~order  # a NaN's key turns into a NaN's bits too
    if OUTPUT_DTYPE.is_floating():
        bits = order ^ ((order >> 31) & 0x7FFFFFFF)
        values = bits.to(tl.float32, bitcast=True).to(OUTPUT_DTYPE)
    else:
        values = order.to(OUTPUT_DTYPE)
    return values


@triton.jit
def _selected_positions(keys, REVERSE: tl.constexpr):
    """The int64 row positions that _selection_keys keys hold (their low 32 bits, below 2^31)."""
    low = keys.to(tl.int32).to(tl.int64)
    if REVERSE:
        low = (2**31 - 1) - low
    return low
