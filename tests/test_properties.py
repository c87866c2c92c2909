"""Property-based: random shapes, strides, dims, dtypes, directions and forms against plain-torch
float64 references (on CPU through the interpreter), and NaN / Inf propagation as torch.cumsum's."""

import math

import pytest
import torch
from conftest import DEVICE, abs_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import triscan
from triscan import api
from triscan.kernels.operators import OPERATORS, PRODUCT, SUM
from triscan.testing.reference import (
    cumsum_reference,
    reversed_cumsum_reference,
    scan_reference,
    selection_reference,
)
from triscan.testing.tolerance import random_factors, random_input, random_ties, scan_error_excess

# examples per property: half of them under the interpreter (CI's time; every CPU run draws the
# same ones, conftest's derandomized profile, and every CUDA run new ones)
EXAMPLES_DIVISOR = 1 if DEVICE != "cpu" else 2
SIZES = [0, 1, 2, 3, 5, 8, 13, 64, 65, 130, 700]  # block edges of the interpreter's 64-element blocks
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool]


@st.composite
def scan_cases(draw):
    rank = draw(st.integers(1, 3))
    shape = draw(st.lists(st.sampled_from(SIZES), min_size=rank, max_size=rank).filter(
        lambda sizes: math.prod(sizes) <= 3000))
    layout = draw(st.sampled_from(["contiguous", "transposed", "strided", "expanded"]))
    return (tuple(shape), draw(st.integers(-rank, rank - 1)), draw(st.sampled_from(DTYPES)), layout,
            draw(st.booleans()), draw(st.booleans()))


def make_view(shape, dtype, layout, draw=random_input):
    """A tensor of `shape` in the given memory layout (never copied to be contiguous), its values
    from `draw` (shape, dtype, device)."""
    if layout == "transposed" and len(shape) >= 2:
        return draw(shape[::-1], dtype, DEVICE).permute(*reversed(range(len(shape))))
    if layout == "strided":
        return draw(shape[:-1] + (2 * shape[-1],), dtype, DEVICE)[..., ::2]
    if layout == "expanded" and 1 not in shape and shape[0] > 0:
        return draw((1,) + shape[1:], dtype, DEVICE).expand(shape)
    return draw(shape, dtype, DEVICE)


@settings(max_examples=60 // EXAMPLES_DIVISOR, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scan_cases())
def test_matches_torch_on_random_layouts(case):
    shape, dim, dtype, layout, exclusive, reverse = case
    x = make_view(shape, dtype, layout)
    fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = fn(x, dim, reverse=reverse)
    expected_dtype = dtype if dtype.is_floating_point else torch.int64
    assert out.shape == x.shape and out.dtype == expected_dtype
    bound = reversed_cumsum_reference(abs_of(x), dim) if reverse else cumsum_reference(abs_of(x), dim)
    excess = scan_error_excess(out.cpu(), scan_reference(x, dim, exclusive, reverse).cpu(), bound.cpu(),
                               x.shape[dim], interpreted=DEVICE == "cpu")
    assert excess <= 0, (case, excess)


def public_function(operator, exclusive: bool):
    """triscan's public function of `operator`'s inclusive or exclusive scan (triscan.cumprod, ...);
    a max's or min's values (triscan.cummax's first result), or its exclusive scan on the engine
    (api.scan: no public function has one)."""
    if not operator.selects:
        return getattr(triscan, operator.function_name(exclusive))
    if exclusive:
        name = operator.function_name(True)
        return lambda x, dim, reverse=False, dtype=None: api.scan(x, dim, 1, name, reverse, dtype, operator)
    selection = getattr(triscan, operator.function)

    def values(x, dim, reverse=False, dtype=None):  # a dtype= given is passed on, to raise as torch.cummax's
        return selection(x, dim, reverse=reverse, **({} if dtype is None else {"dtype": dtype})).values
    return values


def values_for(operator):
    """The random values an operator's scans take: factors near 1 for products, a few values with
    many ties for maxima and minima, else random_input."""
    return random_factors if operator is PRODUCT else random_ties if operator.selects else random_input


@settings(max_examples=40 // EXAMPLES_DIVISOR, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scan_cases(), st.sampled_from([name for name in OPERATORS if name != "sum"]))
def test_every_operator_matches_torch_on_random_layouts(case, name):
    """cumprod's and logcumsumexp's forms over the same random layouts: products of factors near
    1 (their error is relative, |reference| the scale), log-sum-exps of the sums' inputs (their
    error is absolute, |reference| + 1 the scale); dtypes the operator does not take raise."""
    shape, dim, dtype, layout, exclusive, reverse = case
    operator = OPERATORS[name]
    x = make_view(shape, dtype, layout, values_for(operator))
    fn = public_function(operator, exclusive)
    if not operator.takes(dtype):
        with pytest.raises(TypeError, match=str(dtype)):
            fn(x, dim, reverse=reverse)
        return
    out = fn(x, dim, reverse=reverse)
    assert out.shape == x.shape and out.dtype == operator.result_dtype(dtype)
    reference = scan_reference(x, dim, exclusive, reverse, operator).cpu()
    out = out.cpu()
    if operator.selects:  # a max or min is one of its inputs: exact
        assert torch.equal(out.to(reference.dtype), reference), case
        return
    finite = reference.isfinite()  # an exclusive log-sum-exp's first output is -inf
    assert torch.equal(out[~finite].double(), reference[~finite]), case
    scale = reference.abs() if operator is PRODUCT else reference.abs() + 1
    excess = scan_error_excess(out[finite], reference[finite], scale[finite], x.shape[dim],
                               interpreted=DEVICE == "cpu")
    assert excess <= 0, (case, excess)


WIDE_SIZES = [1, 2, 3, 4, 5, 6, 7, 9, 12, 16, 17, 31, 33, 100, 257, 1000]
ALL_DTYPES = DTYPES + [torch.int8, torch.uint8, torch.int16]
OUTPUT_DTYPES = [None, torch.float32, torch.float64, torch.int64, torch.float16]


@st.composite
def permuted_cases(draw):
    """1-4 dims of sizes about the kernels' lane tiles and block edges, the dims in any memory
    order, the last in memory taken every 1st, 2nd or 3rd element; any dtype, dtype= and operator."""
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.sampled_from(WIDE_SIZES), min_size=rank, max_size=rank).filter(
        lambda sizes: math.prod(sizes) <= 4000)))
    return (shape, draw(st.integers(-rank, rank - 1)), tuple(draw(st.permutations(range(rank)))),
            draw(st.sampled_from([1, 1, 2, 3])), draw(st.sampled_from(ALL_DTYPES)),
            draw(st.sampled_from(OUTPUT_DTYPES)), draw(st.sampled_from(list(OPERATORS))),
            draw(st.booleans()), draw(st.booleans()))


def permuted_view(shape, order, step, dtype, operator):
    """A view of `shape` whose dims lie in memory in `order` (the last of them every `step`-th
    element), of `operator`'s random values (values_for)."""
    stored = tuple(shape[axis] for axis in order)
    stored = stored[:-1] + (stored[-1] * step,)
    drawn = values_for(operator)(stored, dtype, DEVICE)
    return drawn[..., ::step].permute(*[order.index(axis) for axis in range(len(order))])


@settings(max_examples=40 // EXAMPLES_DIVISOR, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(permuted_cases())
def test_dtype_argument_on_permuted_layouts(case):
    """Every operator's forms with and without dtype= on permuted, strided views of 1-4 dims:
    integer results exact, float ones within the operator's bound (a dtype= narrower than the
    input's rounds the results only: triscan.cumsum's docstring); the dtypes an operator does not
    take, as input or dtype=, raise TypeError."""
    shape, dim, order, step, dtype, out_dtype, name, exclusive, reverse = case
    operator = OPERATORS[name]
    x = permuted_view(shape, order, step, dtype, operator)
    fn = public_function(operator, exclusive)
    if not operator.takes(dtype) or (out_dtype is not None and not (operator.takes(out_dtype)
                                                                   and operator.takes_dtype_argument())):
        with pytest.raises(TypeError):
            fn(x, dim, reverse=reverse, dtype=out_dtype)
        return
    out = fn(x, dim, reverse=reverse, dtype=out_dtype).cpu()
    assert out.shape == shape and out.dtype == (out_dtype or operator.result_dtype(dtype))
    narrowing = (out_dtype is not None and dtype.is_floating_point and out_dtype.is_floating_point
                 and out_dtype.itemsize < dtype.itemsize)
    source = x.to(out_dtype) if out_dtype is not None and not narrowing else x
    reference = scan_reference(source, dim, exclusive, reverse, operator).cpu()
    if not out.dtype.is_floating_point:
        assert torch.equal(out.to(torch.int64), reference.to(torch.int64)), case
        return
    if out.dtype == torch.float16 and (reference[reference.isfinite()].abs() > 30000).any():
        return  # past float16's range (benchmarks/accuracy.py judges those apart)
    finite = reference.isfinite()  # an exclusive log-sum-exp's first output is -inf
    assert torch.equal(out[~finite].double(), reference[~finite]), case
    if operator is SUM:
        scale = scan_reference(abs_of(source), dim, False, reverse).cpu().abs()
    else:
        scale = reference.abs() if operator is PRODUCT else reference.abs() + 1
    excess = scan_error_excess(out[finite], reference[finite], scale[finite], x.shape[dim],
                               interpreted=DEVICE == "cpu")
    assert excess <= 0, (case, excess)


# numpy, inside the interpreter, warns on inf - inf; the NaN it makes is the point (here and below)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@settings(max_examples=20 // EXAMPLES_DIVISOR, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(permuted_cases(), st.lists(st.sampled_from([math.inf, -math.inf, math.nan]), min_size=1, max_size=3),
       st.randoms(use_true_random=False))
def test_infinities_and_nan_land_where_torch_puts_them(case, specials, choose):
    """A few +-Inf and NaN put anywhere in a random float layout: every operator's forms give NaN
    and infinities exactly where the float64 reference does, once rounded to the output's type."""
    shape, dim, order, step, dtype, _, name, exclusive, reverse = case
    if not dtype.is_floating_point or math.prod(shape) == 0:
        return
    operator = OPERATORS[name]
    x = permuted_view(shape, order, step, dtype, operator)
    poked = x.contiguous()
    for value in specials:
        poked.view(-1)[choose.randrange(poked.numel())] = value
    x.copy_(poked)  # into the strided, permuted view
    out = public_function(operator, exclusive)(x, dim, reverse=reverse).cpu().double()
    expected = scan_reference(x, dim, exclusive, reverse, operator).cpu().to(dtype).double()
    assert torch.equal(out.isnan(), expected.isnan()), (case, specials)
    assert torch.equal(out.isinf(), expected.isinf()), (case, specials)
    infinite = expected.isinf()
    assert torch.equal(out[infinite], expected[infinite]), (case, specials)


@settings(max_examples=10 // EXAMPLES_DIVISOR, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(permuted_cases(), st.sampled_from(["max", "min"]), st.booleans())
def test_selection_indices_on_permuted_layouts(case, name, nan):
    """cummax's and cummin's values and indices on permuted, strided views of tied values (a NaN
    among floats): torch's, forwards, and from the end those of the flipped input."""
    shape, dim, order, step, dtype, _, _, _, reverse = case
    x = permuted_view(shape, order, step, dtype, OPERATORS["max"])
    if nan and dtype.is_floating_point and x.numel():
        poked = x.contiguous()
        poked.view(-1)[poked.numel() // 2] = math.nan
        x.copy_(poked)  # into the strided, permuted view
    operator = OPERATORS[name]
    values, indices = getattr(triscan, operator.function)(x, dim, reverse=reverse)
    expected_values, expected_indices = selection_reference(x.cpu(), dim, reverse, operator)
    assert torch.equal(indices.cpu(), expected_indices), case
    assert values.dtype == dtype
    values = values.cpu()
    if dtype.is_floating_point:
        assert torch.equal(values.isnan(), expected_values.isnan()), case
        values, expected_values = values.nan_to_num(), expected_values.nan_to_num()
    assert torch.equal(values, expected_values), case


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_and_inf_propagate_as_in_torch():
    """A NaN poisons every later sum, +Inf then -Inf give NaN: exactly torch.cumsum's pattern,
    on the row, look-back and column paths."""
    for shape, dim in (((3, 200), 1), ((2000,), 0), ((200, 3), 0)):
        x = random_input(shape, torch.float32, DEVICE)
        line = x.select(1 - dim, 0) if len(shape) == 2 else x
        line[50], line[120], line[150] = math.inf, -math.inf, 1.0
        if len(shape) == 2:
            x.select(1 - dim, 1)[7] = math.nan
        for reverse in (False, True):
            out = triscan.cumsum(x, dim, reverse=reverse)
            torch_out = torch.cumsum(x.flip(dim), dim).flip(dim) if reverse else torch.cumsum(x, dim)
            assert torch.equal(torch.isnan(out), torch.isnan(torch_out)), (shape, reverse)
            assert torch.equal(torch.isinf(out), torch.isinf(torch_out)), (shape, reverse)
            finite = torch.isfinite(torch_out)
            torch.testing.assert_close(out[finite], torch_out[finite], rtol=1e-4, atol=1e-3)
