"""Scan operators (kernels/operators.py): products through every kernel family and every path a
sum takes, against float64 references. The sums' kernels compile to the same PTX as before the
operators were named (benchmarks/dev/ptx_snapshot.py, benchmarks/NOTES.md 128)."""

import pytest
import torch
import triton
from conftest import DEVICE, assert_scan_close, column_steps, crossed, random_input

import triscan
from triscan import api
from triscan.kernels import registry
from triscan.kernels.lookback.column import column_lookback_scan_kernel
from triscan.kernels.lookback.row import lookback_scan_kernel
from triscan.kernels.operators import LOGSUMEXP, OPERATORS, PRODUCT, SUM
from triscan.scan import dispatch, fallback
from triscan.testing.reference import scan_reference
from triscan.testing.tolerance import random_factors

# Under the interpreter look-back chunks are 64 positions (8 steps of columns) and the pretend
# device has 4 SMs; on CUDA chunks are thousands of positions
SCALE = 1 if DEVICE == "cpu" else 128

# (shape, dim, the family its scans take)
# column look-back steps: on CUDA several look-back windows, under the interpreter past one
FLAT_STEPS, GROUPED_STEPS = column_steps(264, 600, SCALE), column_steps(260, 500, SCALE)
FAMILY_CASES = [
    ((3, 200), 1, "row"),
    ((9, 130), 0, "column"),
    ((3001 * SCALE,), 0, "lookback"),
    ((3, 999 * SCALE), 1, "lookback"),  # rows of odd length: windows shared by input and output (ROTATE 3)
    ((FLAT_STEPS, 8), 0, "column_lookback"),  # flat dense steps, several look-back windows
    ((GROUPED_STEPS, 3), 0, "column_lookback"),  # rows of 3 lanes (GROUPED, inclusive and in place)
    ((100 * SCALE, 30), 0, "column_lookback"),  # lanes in run-layout tiles
    ((3, 200 * SCALE, 4), 1, "column_lookback"),  # a middle dim
]
CASE_IDS = [f"{'x'.join(map(str, shape))}-dim{dim}-{family}" for shape, dim, family in FAMILY_CASES]

# op -> (call, exclusive, reverse)
OPS = {
    "cumprod": (triscan.cumprod, False, False),
    "exclusive_cumprod": (triscan.exclusive_cumprod, True, False),
    "cumprod reverse": (lambda x, dim: triscan.cumprod(x, dim, reverse=True), False, True),
    "exclusive reverse": (lambda x, dim: triscan.exclusive_cumprod(x, dim, reverse=True), True, True),
}


def factors(shape, dtype, zeros: int = 0):
    """Fresh factors (triscan.testing.tolerance.random_factors), `zeros` of them 0."""
    values = random_factors(shape, dtype, "cpu")
    values.view(-1)[torch.randperm(values.numel())[:zeros]] = 0
    return values.to(DEVICE)


def check_product(op, x, dim, triton_launches, family):
    call, exclusive, reverse = OPS[op]
    plan = dispatch.plan_for(x, torch.empty(x.shape, dtype=PRODUCT.result_dtype(x.dtype), device=x.device),
                             dim % x.dim(), x.shape[dim] - exclusive, int(exclusive), reverse, PRODUCT)
    assert plan.family.name == family
    assert (plan.operator, plan.launch.constexprs["OPERATOR"]) == (PRODUCT, "product")
    out = triton_launches.run(call, x, dim)
    assert out.dtype == PRODUCT.result_dtype(x.dtype)
    reference = scan_reference(x, dim, exclusive, reverse, PRODUCT)
    # a product's rounding is relative: its running product of |x| is |reference|
    assert_scan_close(out, reference, reference.abs(), x.shape[dim])
    return plan


@pytest.mark.parametrize("op,shape,dim,family", crossed(list(OPS), FAMILY_CASES, list(OPS), CASE_IDS))
def test_products_on_every_family(op, shape, dim, family, triton_launches, poisoned_outputs):
    check_product(op, factors(shape, torch.float32), dim, triton_launches, family)
    assert triton_launches.counts == {f"{family}_scan": 1}


DTYPE_CASES = [((3, 1000 * SCALE), 1, "lookback"), ((300 * SCALE, 4), 0, "column_lookback"),
               ((5, 40), 1, "row"), ((7, 70), 0, "column")]


PRODUCT_DTYPES = [torch.bfloat16, torch.float16, torch.float64, torch.int32, torch.int64, torch.bool]


@pytest.mark.parametrize("dtype,shape,dim,family", crossed(
    PRODUCT_DTYPES, DTYPE_CASES, [str(dtype) for dtype in PRODUCT_DTYPES],
    [f"{'x'.join(map(str, s))}-dim{d}-{f}" for s, d, f in DTYPE_CASES]))
def test_product_dtypes(dtype, shape, dim, family, triton_launches, poisoned_outputs):
    """Half types multiplied in float32, float64 (two look-back words, no carried error: that is a
    sum's), integers in int64 (wrapping as torch's), bool as int64."""
    x = factors(shape, dtype)
    for op in ("cumprod", "exclusive reverse"):
        plan = check_product(op, x, dim, triton_launches, family)
        if family == "lookback":
            assert not plan.launch.constexprs["CARRY_ERROR"]


def test_products_through_zeros(triton_launches, poisoned_outputs):
    """A zero makes every later product 0 (and -0.0 after a negative), in every chunk after it."""
    x = factors((3001 * SCALE,), torch.float32, zeros=3)
    for op in OPS:
        check_product(op, x, 0, triton_launches, "lookback")


def test_integer_products_wrap_as_torch(triton_launches, poisoned_outputs):
    """int64 products past 2^63 wrap modulo 2^64, exactly as torch.cumprod's."""
    x = torch.full((700 * SCALE,), 3, dtype=torch.int64, device=DEVICE)
    out = triton_launches.run(triscan.cumprod, x, 0)
    assert torch.equal(out.cpu(), torch.cumprod(x.cpu(), 0))


@pytest.mark.parametrize("path", ["reload", "neither-round-option", "parts", "parts-early", "gathered"])
def test_products_on_every_path(path, monkeypatch, triton_launches, poisoned_outputs):
    """The paths sums take by config rather than by shape: the row look-back's RELOAD chunks and its
    round without OVERLAP_READ and TICKET_AHEAD; the column look-back's held PARTS (EARLY_PART too)
    and its gathered tiles for 3 lanes (GROUPED off)."""
    if path in ("reload", "neither-round-option"):
        family, shape, dim, dtype = "lookback", (3, 1000 * SCALE), 1, torch.int32
        if path == "reload":
            block = 16384 // dtype.itemsize
            meta = dict(RELOAD=True, SUB_BLOCK=registry.LOOKBACK.interpreter_meta["BLOCK"] // 4,
                        RELOAD_STAGES=4)
            config = triton.Config({"BLOCK": block, "SPLIT": False, "RELOAD": True, "SUB_BLOCK": block // 4,
                                    "RELOAD_STAGES": 4}, num_warps=4)
        else:
            meta = dict(OVERLAP_READ=False, TICKET_AHEAD=False)
            dtype = torch.float32
            config = triton.Config({"BLOCK": 4096, "SPLIT": True, **meta}, num_warps=4)
        kernel, interpreted = lookback_scan_kernel, registry.LOOKBACK
    else:
        family, dim = "column_lookback", 0
        kernel, interpreted = column_lookback_scan_kernel, registry.COLUMN_LOOKBACK
        if path == "gathered":
            shape, dtype, lanes = (400 * SCALE + 1, 3), torch.float32, 4
            meta = dict(GROUPED=False)
            config = triton.Config({"BLOCK_L": 2048, "BLOCK_K": lanes, "SUB": 8, "TRANSPOSE": True,
                                    "LOOKBACK": 32, "L2_AHEAD": 0}, num_warps=4)
        else:
            shape, dtype, lanes = (300 * SCALE + 3, 2), torch.bfloat16, 2
            meta = dict(PARTS=2, EARLY_PART=path == "parts-early", BLOCK_K=lanes, BLOCK_L=8, SUB=4)
            config = triton.Config({"BLOCK_L": 32768 // 2 // lanes, "BLOCK_K": lanes, "SUB": 8,
                                    "TRANSPOSE": True, "LOOKBACK": 32, "L2_AHEAD": 0, "PARTS": 2,
                                    "EARLY_PART": path == "parts-early"}, num_warps=4)
    if DEVICE == "cpu":
        for key, value in meta.items():
            monkeypatch.setitem(interpreted.interpreter_meta, key, value)
    else:  # one config: the autotuner launches it without timing others
        monkeypatch.setattr(kernel, "configs", [config])
        monkeypatch.setattr(kernel, "cache", {})
        monkeypatch.setattr(kernel, "early_config_prune", None)
    x = factors(shape, dtype)
    for op in OPS:
        check_product(op, x, dim, triton_launches, family)
    assert triton_launches.counts == {f"{family}_scan": len(OPS)}


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_operator_has_a_reference_and_a_torch_path(name):
    """An operator is one entry in OPERATORS: the plain-torch path (CPU without the interpreter)
    and the references know it too, and agree on a small scan in every direction."""
    operator = OPERATORS[name]
    x = factors((4, 33), torch.float64).cpu()
    for exclusive in (False, True):
        for reverse in (False, True):
            out = torch.full((4, 33), float("nan"), dtype=torch.float64)
            fallback.torch_scan(x, out, 1, 33 - exclusive, int(exclusive), reverse, operator)
            torch.testing.assert_close(out, scan_reference(x, 1, exclusive, reverse, operator))


def test_sum_is_the_default_operator():
    assert api.call_key(torch.ones(3), 0, 0, False, None)[-2] == SUM.name
    assert dispatch.plan_for(torch.ones(3), torch.empty(3), 0, 3, 0).operator is SUM


def test_product_errors_name_the_call():
    """Bad arguments get the sums' errors, naming the product's function."""
    x = factors((3, 4), torch.float32)
    with pytest.raises(IndexError, match="Dimension out of range"):
        triscan.cumprod(x, 2)
    with pytest.raises(TypeError, match=r"exclusive_cumprod\(\): unsupported dtype torch.complex64"):
        triscan.exclusive_cumprod(torch.ones(3, dtype=torch.complex64, device=DEVICE), 0)
    with pytest.raises(TypeError, match=r"cumprod\(\): unsupported dtype="):
        triscan.cumprod(x, 0, dtype=torch.bool)


def test_products_of_edge_sizes(triton_launches, poisoned_outputs):
    """Empty tensors, 0-d and single positions: torch.cumprod's shapes and values."""
    for shape, dim in (((0, 5), 0), ((5, 0), 1), ((), 0), ((1,), 0), ((7, 1), 1)):
        x = factors(shape, torch.float32)
        for op in OPS:
            call, exclusive, reverse = OPS[op]
            out = call(x, dim)
            assert out.shape == x.shape
            expected = scan_reference(x, dim, exclusive, reverse, PRODUCT)
            torch.testing.assert_close(out.double().cpu(), expected.cpu())


def test_explain_names_the_operator(capsys):
    plan = triscan.explain(factors((3, 200), torch.float32), 1, exclusive=True, operator="product")
    assert plan.operator is PRODUCT
    assert "exclusive_cumprod of float32 (3, 200)" in capsys.readouterr().out


def test_an_operator_the_kernels_do_not_know_fails_to_compile():
    """A name missing from the kernels' dispatch (the static_assert of each operators helper) is a
    compile error, not a silent product."""
    from triscan.kernels.operators import ScanOperator

    unknown = ScanOperator("maximum", "cummax", identity=0, carries_error=False)
    x = factors((3, 40), torch.float32)
    out = torch.empty_like(x)
    with pytest.raises(Exception, match="operators.OPERATORS"):
        dispatch.run_plan(dispatch.plan_for(x, out, 1, 40, 0, False, unknown), x, out)


# log-sum-exp: out_j = log(exp(x_0) + ... + exp(x_j)), torch.logcumsumexp; exclusive scans start
# at its identity, -inf
LOG_OPS = {
    "logcumsumexp": (triscan.logcumsumexp, False, False),
    "exclusive reverse": (lambda x, dim: triscan.exclusive_logcumsumexp(x, dim, reverse=True), True, True),
}


def check_logsumexp(op, x, dim, triton_launches, family):
    call, exclusive, reverse = LOG_OPS[op]
    plan = dispatch.plan_for(x, torch.empty(x.shape, dtype=x.dtype, device=x.device), dim % x.dim(),
                             x.shape[dim] - exclusive, int(exclusive), reverse, LOGSUMEXP)
    assert plan.family.name == family
    assert plan.launch.constexprs["OPERATOR"] == "logsumexp"
    out = triton_launches.run(call, x, dim)
    assert out.dtype == x.dtype
    reference = scan_reference(x, dim, exclusive, reverse, LOGSUMEXP)
    # the log domain's rounding is absolute, eps per combine of numbers of the size of |out|
    finite = reference.isfinite()
    assert torch.equal(out.isfinite().cpu(), finite.cpu()), "infinities where the reference has none"
    assert torch.equal(out.cpu()[~finite.cpu()], reference.to(out.dtype).cpu()[~finite.cpu()])
    assert_scan_close(out[finite], reference[finite], reference[finite].abs() + 1, x.shape[dim])


@pytest.mark.parametrize("op,shape,dim,family", crossed(list(LOG_OPS), FAMILY_CASES, list(LOG_OPS), CASE_IDS))
def test_logsumexp_on_every_family(op, shape, dim, family, triton_launches, poisoned_outputs):
    check_logsumexp(op, random_input(shape, torch.float32), dim, triton_launches, family)
    assert triton_launches.counts == {f"{family}_scan": 1}


LOG_DTYPES = [torch.bfloat16, torch.float16, torch.float64]


# under the interpreter each dtype on one of the two families, in turn
@pytest.mark.parametrize("dtype,shape,dim,family", crossed(
    LOG_DTYPES, DTYPE_CASES[:2], [str(dtype) for dtype in LOG_DTYPES],
    [f"{'x'.join(map(str, s))}-dim{d}-{f}" for s, d, f in DTYPE_CASES[:2]]))
def test_logsumexp_dtypes(dtype, shape, dim, family, triton_launches, poisoned_outputs):
    """Half types combined in float32; float64 in float64 (two look-back words, no carried error)."""
    x = random_input(shape, dtype)
    for op in LOG_OPS:
        check_logsumexp(op, x, dim, triton_launches, family)


# the column look-back's case: 38 chunks of the interpreter's 8 steps, past one look-back window of 32
SPECIAL_CASES = [((3, 200), 1, "row"), ((3001 * SCALE,), 0, "lookback"),
                 ((300 * SCALE, 8), 0, "column_lookback")]


@pytest.mark.parametrize("shape,dim,family", SPECIAL_CASES,
                         ids=[f"{'x'.join(map(str, s))}-dim{d}-{f}" for s, d, f in SPECIAL_CASES])
def test_logsumexp_infinities_and_nan(shape, dim, family, triton_launches, poisoned_outputs):
    """-inf terms add nothing (a prefix of them stays -inf, and combining two -infs is no NaN),
    +inf makes every later output +inf, NaN every later one NaN: torch.logcumsumexp's values."""
    x = random_input(shape, torch.float32)
    flat = x.view(-1)
    flat[:70] = float("-inf")  # a leading run of -inf: outputs -inf until the first finite term
    flat[torch.randperm(flat.numel())[:9]] = float("-inf")
    check_logsumexp("logcumsumexp", x, dim, triton_launches, family)
    check_logsumexp("exclusive reverse", x, dim, triton_launches, family)
    # one launch for both: +inf a third of the way along, NaN two thirds (+inf until the NaN, then NaN)
    y = x.clone()
    y.view(-1)[y.numel() // 3] = float("inf")
    y.view(-1)[2 * y.numel() // 3] = float("nan")
    out = triton_launches.run(triscan.logcumsumexp, y, dim)
    expected = torch.logcumsumexp(y.double().cpu(), dim)
    assert expected.isposinf().any() and expected.isnan().any()
    torch.testing.assert_close(out.cpu(), expected.float(), equal_nan=True, rtol=1e-4, atol=1e-4)


def test_logsumexp_takes_floats_only():
    """torch.logcumsumexp has no integer form: integer and bool inputs, and integer dtype=, are a
    TypeError naming the dtype."""
    for dtype in (torch.int32, torch.int64, torch.bool):
        with pytest.raises(TypeError, match=rf"logcumsumexp\(\): unsupported dtype {dtype}"):
            triscan.logcumsumexp(torch.ones(5, dtype=dtype, device=DEVICE), 0)
    x = random_input((3, 5), torch.float32)
    with pytest.raises(TypeError, match=r"exclusive_logcumsumexp\(\): unsupported dtype= torch.int64"):
        triscan.exclusive_logcumsumexp(x, 0, dtype=torch.int64)
    with pytest.raises(IndexError, match="Dimension out of range"):
        triscan.logcumsumexp(x, 2)
    x.requires_grad_()  # the differentiable path checks the same
    with pytest.raises(TypeError, match=r"logcumsumexp\(\): unsupported dtype= torch.int32"):
        triscan.logcumsumexp(x, 0, dtype=torch.int32)


def test_logsumexp_of_edge_sizes(triton_launches, poisoned_outputs):
    for shape, dim in (((0, 5), 0), ((5, 0), 1), ((), 0), ((1,), 0), ((7, 1), 1)):
        x = random_input(shape, torch.float32)
        for call, exclusive, reverse in LOG_OPS.values():
            out = call(x, dim)
            assert out.shape == x.shape
            expected = scan_reference(x, dim, exclusive, reverse, LOGSUMEXP)
            torch.testing.assert_close(out.double().cpu(), expected.cpu())
