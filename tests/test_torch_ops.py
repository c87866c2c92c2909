"""Autograd and torch.compile: triscan's scans as registered operators (triscan._torch_ops)."""

import pytest
import torch
from conftest import DEVICE, random_input

import triscan
from triscan import _torch_ops
from triscan._torch_ops import scan_op, seed_exclusive_cumsum_op
from triscan.testing.reference import scan_reference, seed_model_reference
from triscan.testing.tolerance import random_factors

CASES = [((5, 70), 1), ((70, 5), 0), ((3, 4, 9), 1), ((700,), 0)]


@pytest.mark.parametrize("shape,dim", CASES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in CASES])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_backward_runs_triscan_and_matches_torch(shape, dim, exclusive, reverse, triton_launches):
    x = random_input(shape, torch.float64).requires_grad_()
    grad = random_input(shape, torch.float64)
    fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = triton_launches.run(lambda t: fn(t, dim, reverse=reverse), x)
    (got,) = triton_launches.run(lambda: torch.autograd.grad(out, x, grad))
    expected_out = scan_reference(x, dim, exclusive, reverse)  # float64, differentiable
    (expected,) = torch.autograd.grad(expected_out, x, grad)
    torch.testing.assert_close(out, expected_out.detach())
    torch.testing.assert_close(got, expected)
    assert sum(triton_launches.counts.values()) == 2  # forward and backward, both triscan kernels


def test_gradcheck_float64():
    # fast mode (random projections of the Jacobian): each full Jacobian column is a run of the
    # interpreter on CPU
    x = random_input((3, 13), torch.float64).requires_grad_()
    for dim in (0, 1):
        for exclusive in (False, True):
            for reverse in (False, True):
                assert torch.autograd.gradcheck(
                    lambda t, d=dim, e=exclusive, r=reverse: scan_op(t, d, e, r, None), (x,), fast_mode=True)


def test_eager_autograd_takes_the_functions_and_differentiates_twice():
    """In eager mode a call that needs a backward takes ScanFunction / SeedFunction (not the
    registered operator, whose dispatch costs more per call); their backward is differentiable
    again (gradgradcheck), as the operator's is."""
    x = random_input((3, 13), torch.float64).requires_grad_()
    assert type(triscan.cumsum(x, 1).grad_fn).__name__ == "ScanFunctionBackward"
    assert type(triscan.ModelNew(1)(x).grad_fn).__name__ == "SeedFunctionBackward"
    for exclusive in (False, True):
        fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
        for reverse in (False, True):
            assert torch.autograd.gradcheck(lambda t, f=fn, r=reverse: f(t, 1, reverse=r), (x,),
                                            fast_mode=True)
    assert torch.autograd.gradgradcheck(lambda t: triscan.exclusive_cumsum(t, 1, reverse=True), (x,),
                                        fast_mode=True)
    for dim in (0, 1):
        assert torch.autograd.gradcheck(lambda t, d=dim: triscan.ModelNew(d)(t), (x,), fast_mode=True)
        assert torch.autograd.gradgradcheck(lambda t, d=dim: triscan.ModelNew(d)(t), (x,), fast_mode=True)


def test_eager_functions_skip_setup_context():
    """The eager Functions take ctx in forward: Function.apply binds a setup_context Function's
    default arguments through inspect.signature on every call (NOTES.md 34)."""
    for function in (_torch_ops.ScanFunction, _torch_ops.SeedFunction):
        assert "setup_context" not in vars(function)


@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
def test_torch_func_grad_takes_the_transform_functions(exclusive, triton_launches):
    """torch.func.grad needs Functions with setup_context: the scans and ModelNew take the
    transform twins there, and their gradients are triscan's and right."""
    x = random_input((3, 40), torch.float64)
    fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    got = triton_launches.run(torch.func.grad(lambda t: (fn(t, 1, reverse=True) * t).sum()), x)
    expected = torch.func.grad(lambda t: (scan_reference(t, 1, exclusive, True) * t).sum())(x)
    torch.testing.assert_close(got, expected)
    assert sum(triton_launches.counts.values()) == 2  # forward and backward, both triscan kernels
    seed = torch.func.grad(lambda t: (triscan.ModelNew(1)(t) ** 2).sum())(x)
    torch.testing.assert_close(seed, torch.func.grad(lambda t: (seed_model_reference(t, 1) ** 2).sum())(x))


@pytest.mark.parametrize("in_dim", [0, 2], ids=["batch-first", "batch-last"])
def test_torch_func_vmap_and_jacrev(in_dim, triton_launches):
    """Under vmap the batch is one more outer dim of a single triscan launch; jacrev (vmap over
    the backward) gives torch's Jacobian. ModelNew's quirk slices dim 0, which a batch would
    shift: it has no vmap rule, and says so."""
    x = random_input((3, 4, 20), torch.float64)
    batched = x.movedim(0, in_dim)
    for exclusive in (False, True):
        fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
        mapped = torch.func.vmap(lambda t, f=fn: f(t, 1, reverse=True), in_dims=in_dim)
        got = triton_launches.run(mapped, batched)
        torch.testing.assert_close(got, scan_reference(x, 2, exclusive, True))
    assert sum(triton_launches.counts.values()) == 2  # one launch per call, the batch included
    one = random_input((5,), torch.float64)  # a batch of 0-d tensors: one element each
    torch.testing.assert_close(torch.func.vmap(lambda t: triscan.cumsum(t, 0))(one), one)
    row = random_input((9,), torch.float64)
    torch.testing.assert_close(torch.func.jacrev(lambda t: triscan.exclusive_cumsum(t, 0))(row),
                               torch.func.jacrev(lambda t: scan_reference(t, 0, True, False))(row))
    with pytest.raises(RuntimeError, match="vmap"):
        torch.func.vmap(triscan.ModelNew(1))(x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_model_new_backward(dim, triton_launches):
    """Seed semantics: the dropped last row (dim != 0) gets zero gradient."""
    x = random_input((6, 33), torch.float64).requires_grad_()
    out = triton_launches.run(lambda t: triscan.ModelNew(dim)(t), x)
    grad = random_input(tuple(out.shape), torch.float64)
    (got,) = torch.autograd.grad(out, x, grad)
    reference = seed_model_reference(x, dim)
    (expected,) = torch.autograd.grad(reference, x, grad)
    torch.testing.assert_close(got, expected)
    if dim % 2 != 0:
        assert torch.equal(got[-1], torch.zeros_like(got[-1]))
    small = random_input((4, 9), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: seed_exclusive_cumsum_op(t, dim), (small,), fast_mode=True)


def test_integer_inputs_have_no_gradient_path():
    x = torch.randint(-5, 5, (4, 9), dtype=torch.int32, device=DEVICE)
    out = triscan.cumsum(x, 1)
    assert out.dtype == torch.int64 and not out.requires_grad


def test_opcheck():
    x = random_input((3, 40), torch.float32)
    torch.library.opcheck(scan_op, (x, 1, False, False, None))
    torch.library.opcheck(scan_op, (x, 0, True, True, torch.float64))
    torch.library.opcheck(seed_exclusive_cumsum_op, (x, 1))
    torch.library.opcheck(seed_exclusive_cumsum_op, (x, 0))


def test_compile_fullgraph_without_graph_breaks():
    """A model calling triscan compiles as one graph (torch.compile traces the operators'
    fake implementations) and gives the eager results. On CPU the aot_eager backend keeps the
    test free of a C++ toolchain; the graph capture is the same."""

    def model(x):
        return triscan.cumsum(x.sin(), 1) * 2 + triscan.exclusive_cumsum(x, 0, reverse=True) \
            + triscan.ModelNew(1)(torch.cat([x, x[:1]], 0))[:, :-1]

    x = random_input((8, 50), torch.float32)
    backend = "inductor" if DEVICE == "cuda" else "aot_eager"
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    torch.testing.assert_close(compiled(x), model(x))
    explanation = torch._dynamo.explain(model)(x)
    assert explanation.graph_break_count == 0 and explanation.graph_count == 1


def product_factors(shape, zeros: int = 0):
    """float64 factors near 1 (random_factors), `zeros` of them 0."""
    x = random_factors(shape, torch.float64, "cpu")
    x.view(-1)[torch.randperm(x.numel())[:zeros]] = 0
    return x.to(DEVICE)


@pytest.mark.parametrize("shape,dim", CASES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in CASES])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_product_backward_runs_triscan_and_matches_torch(shape, dim, exclusive, reverse, triton_launches):
    """A product's gradient (no zeros): triscan's sum scan of grad * out the other way, over x."""
    from triscan.kernels.operators import PRODUCT

    x = product_factors(shape).requires_grad_()
    grad = random_input(shape, torch.float64)
    fn = triscan.exclusive_cumprod if exclusive else triscan.cumprod
    out = triton_launches.run(lambda t: fn(t, dim, reverse=reverse), x)
    (got,) = triton_launches.run(lambda: torch.autograd.grad(out, x, grad))
    expected_out = scan_reference(x, dim, exclusive, reverse, PRODUCT)  # float64, differentiable
    (expected,) = torch.autograd.grad(expected_out, x, grad)
    torch.testing.assert_close(out, expected_out.detach())
    torch.testing.assert_close(got, expected)
    assert sum(triton_launches.counts.values()) == 2  # the product forward, the sum backward


@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_product_backward_through_zeros_matches_torch(exclusive, reverse, triton_launches):
    """With a zero in x the division has no answer: torch's backward of the same product runs
    (the forward is still triscan's), and agrees with torch.cumprod's gradient, zeros included."""
    from triscan.kernels.operators import PRODUCT

    x = product_factors((4, 60), zeros=5).requires_grad_()
    grad = random_input((4, 60), torch.float64)
    fn = triscan.exclusive_cumprod if exclusive else triscan.cumprod
    out = triton_launches.run(lambda t: fn(t, 1, reverse=reverse), x)
    (got,) = torch.autograd.grad(out, x, grad)
    (expected,) = torch.autograd.grad(scan_reference(x, 1, exclusive, reverse, PRODUCT), x, grad)
    torch.testing.assert_close(got, expected)
    assert triton_launches.counts == {"row_scan": 1}


def test_product_gradcheck_and_twice():
    x = product_factors((3, 13)).requires_grad_()
    for fn in (triscan.cumprod, triscan.exclusive_cumprod):
        for reverse in (False, True):
            assert torch.autograd.gradcheck(lambda t, f=fn, r=reverse: f(t, 1, reverse=r), (x,),
                                            fast_mode=True)
    assert torch.autograd.gradgradcheck(lambda t: triscan.cumprod(t, 0, reverse=True), (x,), fast_mode=True)
    assert torch.autograd.gradcheck(lambda t: scan_op(t, 0, True, False, None, "product"), (x,),
                                    fast_mode=True)


def test_product_opcheck_and_compile():
    x = product_factors((3, 40)).float()
    torch.library.opcheck(scan_op, (x, 1, False, True, None, "product"))
    torch.library.opcheck(scan_op, (x, 0, True, False, torch.float64, "product"))

    def model(t):
        return triscan.cumprod(t, 1) + triscan.exclusive_cumprod(t, 0, reverse=True) + triscan.cumsum(t, 1)

    backend = "inductor" if DEVICE == "cuda" else "aot_eager"
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    torch.testing.assert_close(compiled(x), model(x))


@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_logsumexp_backward_runs_triscan_and_matches_torch(exclusive, reverse, triton_launches):
    """A log-sum-exp's gradient, exp(x_j - y_i) summed over the outputs i that x_j enters: triscan's
    log-sum-exp scans the other way of log|grad| - out, the positive and the negative grads apart
    (as torch's logcumsumexp backward), then exp(that + x)."""
    from triscan.kernels.operators import LOGSUMEXP

    x = random_input((4, 60), torch.float64).requires_grad_()
    grad = random_input((4, 60), torch.float64) - 0.5  # both signs
    fn = triscan.exclusive_logcumsumexp if exclusive else triscan.logcumsumexp
    out = triton_launches.run(lambda t: fn(t, 1, reverse=reverse), x)
    (got,) = triton_launches.run(lambda: torch.autograd.grad(out, x, grad))
    expected_out = scan_reference(x, 1, exclusive, reverse, LOGSUMEXP)
    (expected,) = torch.autograd.grad(expected_out, x, grad)
    torch.testing.assert_close(out, expected_out.detach())
    torch.testing.assert_close(got, expected)
    # the forward, the positive and negative parts (on a GPU the second part, a call like the
    # first, goes to the compiled kernel directly)
    assert triton_launches.launched == {"row_scan": 3}


def test_logsumexp_gradcheck_opcheck_and_compile():
    x = random_input((3, 13), torch.float64).requires_grad_()
    # an exclusive scan's -inf (its first output, or last reversed) has no finite difference: left out
    kept = {(False, False): slice(None), (False, True): slice(None), (True, False): slice(1, None),
            (True, True): slice(None, -1)}
    for exclusive, fn in ((False, triscan.logcumsumexp), (True, triscan.exclusive_logcumsumexp)):
        for reverse in (False, True):
            assert torch.autograd.gradcheck(
                lambda t, f=fn, r=reverse, k=kept[exclusive, reverse]: f(t, 1, reverse=r)[:, k], (x,),
                fast_mode=True)
    assert torch.autograd.gradgradcheck(lambda t: triscan.logcumsumexp(t, 0, reverse=True), (x,),
                                        fast_mode=True)
    y = random_input((3, 40), torch.float32)
    torch.library.opcheck(scan_op, (y, 1, False, True, None, "logsumexp"))

    def model(t):
        return triscan.logcumsumexp(t, 1) + triscan.exclusive_logcumsumexp(t, 0, reverse=True)[:, :1]

    backend = "inductor" if DEVICE == "cuda" else "aot_eager"
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    torch.testing.assert_close(compiled(y), model(y))
