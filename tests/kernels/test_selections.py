"""cummax and cummin (kernels/operators.py's "max" and "min"): values and indices against torch's
on every kernel family, every dtype, NaN, ties and edge sizes; their identity (the dtype's
lowest or highest value) in exclusive engine scans; gradients, vmap, opcheck and torch.compile."""

import math

import pytest
import torch
from conftest import DEVICE, crossed, random_input
from test_operators import CASE_IDS, DTYPE_CASES, FAMILY_CASES, FLAT_STEPS, SCALE

import triscan
from triscan import api
from triscan._torch_ops import select_scan_op
from triscan.kernels.operators import MAXIMUM, MINIMUM
from triscan.scan import dispatch, fallback
from triscan.testing.reference import selection_reference
from triscan.testing.tolerance import random_ties

SELECTIONS = {"cummax": MAXIMUM, "cummin": MINIMUM}
# (function, reverse): the family tests take these two, the dtype tests the other two (CI's time)
FORMS = [("cummax", False), ("cummin", True)]
OTHER_FORMS = [("cummax", True), ("cummin", False)]
DTYPE_IDS = [f"{'x'.join(map(str, s))}-dim{d}-{f}" for s, d, f in DTYPE_CASES]


def tied_input(shape, dtype, nans: int = 0):
    """Values from a handful (random_ties: many ties, so the index rule shows), `nans` of them NaN."""
    x = random_ties(shape, dtype, DEVICE)
    if nans:
        x.view(-1)[torch.randperm(x.numel(), device=DEVICE)[:nans]] = math.nan
    return x


def check_selection(name, x, dim, reverse, triton_launches):
    values, indices = triton_launches.run(lambda t: getattr(triscan, name)(t, dim, reverse=reverse), x)
    expected_values, expected_indices = selection_reference(x.cpu(), dim, reverse, SELECTIONS[name])
    assert values.dtype == x.dtype and indices.dtype == torch.int64
    assert values.shape == indices.shape == x.shape
    values = values.cpu()
    if x.dtype.is_floating_point:
        assert torch.equal(values.isnan(), expected_values.isnan())
        values, expected_values = values.nan_to_num(), expected_values.nan_to_num()
    assert torch.equal(values, expected_values)
    assert torch.equal(indices.cpu(), expected_indices)


@pytest.mark.parametrize("shape,dim,family", FAMILY_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("name,reverse", FORMS, ids=["cummax", "cummin-reverse"])
def test_selections_on_every_family(name, reverse, shape, dim, family, triton_launches, poisoned_outputs):
    """Values and indices in one pass on the row and column kernels and the row look-back
    (INDICES); on the column look-back the values, then the indices: a second Triton scan, of
    int64 positions (which may take another family)."""
    x = tied_input(shape, torch.float32)
    operator = SELECTIONS[name]
    plan = dispatch.plan_for(x, torch.empty_like(x), dim % x.dim(), x.shape[dim], 0, reverse, operator,
                             indices=True)
    assert plan.family.name == family and plan.launch.constexprs["OPERATOR"] == operator.name
    assert plan.indexed == (family in ("row", "column", "lookback"))  # float32: keys on the row look-back
    check_selection(name, x, dim, reverse, triton_launches)
    launched = triton_launches.launched  # on a GPU, a plan's later launches go to its compiled kernel
    assert sum(launched.values()) == (1 if plan.indexed else 2) and launched[f"{family}_scan"] >= 1


SELECTION_DTYPES = [torch.bfloat16, torch.float64, torch.int8, torch.uint8, torch.int64, torch.bool]


@pytest.mark.parametrize("dtype,shape,dim,family", crossed(
    SELECTION_DTYPES, DTYPE_CASES, [str(dtype) for dtype in SELECTION_DTYPES], DTYPE_IDS))
def test_selection_dtypes(dtype, shape, dim, family, triton_launches, poisoned_outputs):
    """Results in the input's dtype (torch's: no promotion), combined in the accumulator; the
    forms the family tests leave out."""
    x = tied_input(shape, dtype)
    for name, reverse in OTHER_FORMS:
        check_selection(name, x, dim, reverse, triton_launches)


# layouts of the one-pass path (INDICES): rows of odd length walked in 16-byte windows shared by
# input and output (ROTATE 3), strided rows whose output would be rotated (stored in place
# instead), 1-byte rows (16-position runs when reversed), a middle dim walked backwards by
# negative strides (INDICES 2: counted from the end); on the row look-back (int64 keys of values
# and positions) the same row layouts, 2-byte and 1-byte inputs, a bool 1-D
INDEXED_LAYOUTS = {
    "odd-rows": (lambda: tied_input((5, 301), torch.float32), 1, "row", {"ROTATE": 3}),
    "strided-rows": (lambda: tied_input((5, 310), torch.bfloat16)[:, :301], 1, "row", {"ROTATE": 0}),
    "int8-rows": (lambda: tied_input((4, 160), torch.int8), 1, "row", {"ROTATE": 0}),
    "middle-dim": (lambda: tied_input((2, 24, 260), torch.float64), 1, "column", {}),
    "lookback-odd-rows": (lambda: tied_input((3, 999 * SCALE + 3), torch.float16), 1, "lookback",
                          {"ROTATE": 3}),
    "lookback-strided-rows": (lambda: tied_input((3, 1010 * SCALE), torch.float32)[:, :999 * SCALE], 1,
                              "lookback", {"ROTATE": 0}),
    "lookback-uint8-rows": (lambda: tied_input((2, 1600 * SCALE), torch.uint8), 1, "lookback", {"ROTATE": 0}),
    "lookback-bool": (lambda: tied_input((2001 * SCALE,), torch.bool), 0, "lookback", {"ROTATE": 0}),
}


@pytest.mark.parametrize("layout", list(INDEXED_LAYOUTS))
def test_one_pass_layouts(layout, triton_launches, poisoned_outputs):
    """Values and indices from one launch on each layout, both directions."""
    make, dim, family, constexprs = INDEXED_LAYOUTS[layout]
    x = make()
    for name, reverse in FORMS:
        plan = dispatch.plan_for(x, torch.empty(x.shape, dtype=x.dtype), dim, x.shape[dim], 0, reverse,
                                 SELECTIONS[name], indices=True)
        assert plan.indexed and plan.family.name == family
        assert plan.launch.constexprs["INDICES"] == (2 if plan.backwards else 1)
        assert constexprs.items() <= plan.launch.constexprs.items()
        before = triton_launches.launched.get(f"{family}_scan", 0)
        check_selection(name, x, dim, reverse, triton_launches)
        assert set(triton_launches.launched) == {f"{family}_scan"}
        assert triton_launches.launched[f"{family}_scan"] == before + 1


def test_int8_selections_take_the_lookback():
    """int8 maxima and minima of one long row take the row look-back as other dtypes do (a Triton
    fill of masked int8 loads made one reversed max wrong there on the GPU, NOTES.md 136 and 138:
    tiles._load_or; test_compile checks the compiled loads)."""
    for dtype, operator in ((torch.int8, MAXIMUM), (torch.int8, MINIMUM), (torch.uint8, MAXIMUM)):
        x = tied_input((3001 * SCALE,), dtype)
        plan = dispatch.plan_for(x, x, 0, x.shape[0], 0, True, operator)
        assert plan.family.name == "lookback", (dtype, operator)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int8], ids=str)
def test_selection_keys_at_the_dtype_extremes(dtype, triton_launches, poisoned_outputs):
    """The row look-back's keys (operators._selection_keys) order a dtype's lowest and highest
    values too: the lowest int32 at position 0 makes the lowest key, the scan's identity."""
    limits = torch.iinfo(dtype)
    values = torch.tensor([limits.min, limits.max, limits.min + 1, limits.max - 1, 0, 1], dtype=dtype)
    x = values[torch.randint(0, len(values), (3001 * SCALE,))].to(DEVICE)
    x[0] = limits.min
    for name, reverse in FORMS + OTHER_FORMS:
        plan = dispatch.plan_for(x, x, 0, x.shape[0], 0, reverse, SELECTIONS[name], indices=True)
        assert plan.family.name == "lookback" and plan.indexed
        check_selection(name, x, 0, reverse, triton_launches)


SPECIAL_CASES = [((3, 200), 1), ((3001 * SCALE,), 0), ((FLAT_STEPS, 8), 0), ((9, 130), 0)]
SPECIAL_IDS = [f"{'x'.join(map(str, s))}-dim{d}" for s, d in SPECIAL_CASES]


@pytest.mark.parametrize("shape,dim", SPECIAL_CASES, ids=SPECIAL_IDS)
def test_nan_and_infinities_are_selected_as_torch(shape, dim, triton_launches, poisoned_outputs):
    """A NaN wins from where it stands on (its index the latest NaN), +-inf are values like others,
    and -0 equals +0 (the index moves to the later one)."""
    x = tied_input(shape, torch.float32, nans=3)
    flat = x.view(-1)
    spots = torch.randperm(flat.numel(), device=DEVICE)
    flat[spots[:4]] = math.inf
    flat[spots[4:8]] = -math.inf
    flat[spots[8:40]] = -0.0
    for name, reverse in FORMS:
        check_selection(name, x, dim, reverse, triton_launches)


EXTREME_DTYPES = [torch.float16, torch.int8, torch.bool]


@pytest.mark.parametrize("dtype,shape,dim,family", crossed(EXTREME_DTYPES, DTYPE_CASES,
                                                           [str(t) for t in EXTREME_DTYPES], DTYPE_IDS))
def test_exclusive_selections_start_at_the_dtype_extreme(dtype, shape, dim, family, triton_launches,
                                                         poisoned_outputs):
    """The engine's exclusive max (min) scans, which no public function exposes, start at the
    lowest (highest) value of the input's dtype, stored in it: the int64 accumulator's extreme would
    be stored as a wrapped one. Against the plain-torch path's same scan."""
    x = tied_input(shape, dtype)
    for name, reverse in FORMS:
        operator = SELECTIONS[name]
        out = triton_launches.run(lambda t, o=operator, r=reverse: api.scan(t, dim, 1, "scan", r, None, o), x)
        expected = torch.empty(x.shape, dtype=dtype)
        fallback.torch_scan(x.cpu(), expected, dim, x.shape[dim] - 1, 1, reverse, operator)
        assert torch.equal(out.cpu(), expected), (operator.name, reverse)
        first = out.select(dim, -1 if reverse else 0)
        assert (first.cpu() == operator.identity_in(dtype)).all()


def test_selections_of_edge_sizes(triton_launches, poisoned_outputs):
    """Empty tensors, 0-d (its own index, 0) and single positions: torch's shapes and values."""
    for shape, dim in (((0, 5), 0), ((5, 0), 1), ((), 0), ((1,), 0), ((7, 1), 1), ((1, 7), 0)):
        x = tied_input(shape, torch.float32)
        for name in SELECTIONS:
            for reverse in (False, True):
                check_selection(name, x, dim, reverse, triton_launches)


def test_selection_errors_are_torch_like():
    x = tied_input((3, 5), torch.float32)
    with pytest.raises(IndexError, match="Dimension out of range"):
        triscan.cummax(x, 2)
    with pytest.raises(TypeError, match=r"cummin\(\): unsupported dtype torch.complex64"):
        triscan.cummin(torch.ones(3, dtype=torch.complex64, device=DEVICE), 0)
    with pytest.raises(TypeError, match="dtype"):
        triscan.cummax(x, 0, dtype=torch.float64)  # torch.cummax takes no dtype= either
    with pytest.raises(TypeError, match="must be a Tensor"):
        triscan.cummax([1.0, 2.0], 0)
    x.requires_grad_()  # the differentiable path checks the same
    with pytest.raises(IndexError, match="Dimension out of range"):
        triscan.cummin(x, -3)


def test_selection_results_are_torch_named_tuples():
    x = tied_input((4, 9), torch.float32)
    result = triscan.cummax(x, 1)
    assert isinstance(result, torch.return_types.cummax) and result.values is result[0]
    assert isinstance(triscan.cummin(x, 1), torch.return_types.cummin)


@pytest.mark.parametrize("name", list(SELECTIONS))
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_selection_gradient_goes_to_the_selected_element(name, reverse, triton_launches):
    """Each result's gradient lands on the element its index names, summed over the results that
    took it: torch's cummax backward, for ties too."""
    x = tied_input((5, 40), torch.float64).requires_grad_()
    grad = random_input((5, 40), torch.float64)
    values, indices = triton_launches.run(lambda t: getattr(triscan, name)(t, 1, reverse=reverse), x)
    assert values.requires_grad and not indices.requires_grad
    (got,) = torch.autograd.grad(values, x, grad)
    expected = torch.zeros_like(x).scatter_add(1, indices, grad)
    torch.testing.assert_close(got, expected)
    if not reverse:
        (torch_grad,) = torch.autograd.grad(getattr(torch, name)(x, 1).values, x, grad)
        torch.testing.assert_close(got, torch_grad)


def test_selection_gradcheck_vmap_opcheck_and_compile():
    x = random_input((3, 13), torch.float64).requires_grad_()  # distinct values: the selection is smooth
    for name in SELECTIONS:
        for reverse in (False, True):
            # the backward's scatter-add sums a run of results into one element by CUDA atomics, in
            # no fixed order (torch's cummax backward alike: its OpInfo allows the same tolerance)
            assert torch.autograd.gradcheck(
                lambda t, n=name, r=reverse: getattr(triscan, n)(t, 1, reverse=r).values, (x,),
                fast_mode=True, nondet_tol=1e-12 if DEVICE == "cuda" else 0.0)
    batch = tied_input((3, 4, 20), torch.float32)
    mapped = torch.func.vmap(lambda t: tuple(triscan.cummax(t, 1)), in_dims=1)(batch)
    for got, expected in zip(mapped, torch.cummax(batch.movedim(1, 0), 2), strict=True):
        assert torch.equal(got.cpu(), expected.cpu())
    scalar = torch.func.vmap(lambda t: triscan.cummin(t, 0).indices)(batch[0, 0])
    assert torch.equal(scalar.cpu(), torch.zeros(20, dtype=torch.int64))
    torch.library.opcheck(select_scan_op, (tied_input((3, 40), torch.float32), 1, True, "max"))

    def model(t):
        values, indices = triscan.cummax(t, 1)
        return values * 2 + indices + triscan.cummin(t, 0, reverse=True).values

    y = tied_input((6, 30), torch.float32)
    backend = "inductor" if DEVICE == "cuda" else "aot_eager"
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    torch.testing.assert_close(compiled(y), model(y))


def test_deterministic_mode_keeps_the_lookback_for_selections(triton_launches):
    """A max is one of its inputs whatever order the look-back combines in: under
    torch.use_deterministic_algorithms(True) it keeps the look-back a float sum leaves."""
    x = tied_input((3001 * SCALE,), torch.float32)
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        check_selection("cummax", x, 0, False, triton_launches)
    finally:
        torch.use_deterministic_algorithms(before)
    assert triton_launches.launched == {"lookback_scan": 1}  # values and indices as keys, one launch


def test_explain_names_the_selection_and_its_index_scan(capsys):
    """The plan a call takes: its indices in the same pass on a row kernel and, as keys, on the
    row look-back (inputs of at most 4 bytes); a second scan for float64 there."""
    plan = triscan.explain(tied_input((3, 200), torch.float32), 1, reverse=True, operator="min")
    assert plan.operator is MINIMUM and plan.indexed
    text = capsys.readouterr().out
    assert "cummin (reverse) of float32 (3, 200)" in text and "indices: in the same pass" in text
    plan = triscan.explain(tied_input((3001 * SCALE,), torch.float32), 0, reverse=True, operator="min")
    assert plan.family.name == "lookback" and plan.indexed
    assert "in the same pass (INDICES), each value scanned with its position" in capsys.readouterr().out
    plan = triscan.explain(tied_input((3001 * SCALE,), torch.float64), 0, reverse=True, operator="min")
    assert plan.family.name == "lookback" and not plan.indexed
    assert "indices: a second scan, a min" in capsys.readouterr().out
