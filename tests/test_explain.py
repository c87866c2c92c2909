"""triscan.explain: the plan a call takes, printed and returned, and the same plan the call runs."""

import io

import pytest
import torch
from conftest import DEVICE, random_input

import triscan
from triscan.scan import dispatch


def explained(*args, **kwargs):
    stream = io.StringIO()
    plan = triscan.explain(*args, file=stream, **kwargs)
    return plan, stream.getvalue()


@pytest.mark.parametrize("shape,dim,kwargs,family", [
    ((5, 70), 1, {}, "row"),
    ((3, 40, 20), 1, {"exclusive": True}, "column"),
    ((600,), 0, {"reverse": True}, "lookback"),
    ((100, 3), 0, {"seed": True}, "column_lookback"),
], ids=["row", "column-exclusive", "lookback-reverse", "seed-narrow"])
def test_explain_names_the_family_the_call_runs(shape, dim, kwargs, family, triton_launches):
    if DEVICE == "cuda" and family.endswith("lookback"):
        pytest.skip("small shapes take the row and column families on a GPU")
    x = random_input(shape, torch.float32)
    plan, text = explained(x, dim, **kwargs)
    assert plan.family.name == family and f"family: {family}" in text
    assert "read in place, no copy" in text
    call = (lambda: triscan.ModelNew(dim)(x)) if kwargs.get("seed") else (
        lambda: (triscan.exclusive_cumsum if kwargs.get("exclusive") else triscan.cumsum)(
            x, dim, reverse=kwargs.get("reverse", False)))
    triton_launches.run(call)
    # the call found the plan explain made, and launched that family's kernel
    assert any(cached is plan for cached in dispatch.PLANS.values())
    assert list(triton_launches.counts) == [plan.launch.kernel.fn.__name__.removesuffix("_kernel")]


def test_explain_says_why_a_copy_is_made():
    x = random_input((4, 5, 6), torch.float32).permute(1, 0, 2)
    plan, text = explained(x, 2)
    assert plan.copy_reason and "copied (" in text and "interleave" in text


def test_explain_without_a_kernel():
    plan, text = explained(random_input((0, 3), torch.float32), 1)
    assert plan is None and "no kernel runs (the result is empty)" in text


def test_explain_raises_the_calls_errors():
    with pytest.raises(IndexError):
        triscan.explain(torch.ones(3, device=DEVICE), 2)
    with pytest.raises(TypeError, match="complex64"):
        triscan.explain(torch.ones(3, dtype=torch.complex64, device=DEVICE), 0)


@pytest.mark.gpu
def test_explain_shows_the_tuned_config_gpu():
    x = random_input((64, 5000), torch.float32)
    plan, before = explained(x, 1)
    triscan.cumsum(x, 1)
    _, after = explained(x, 1)
    assert "autotune key: LENGTH_BUCKET=8192" in after
    assert "chosen config: BLOCK" in after
