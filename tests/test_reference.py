"""The plain-torch references themselves: scanned in pieces past reference.PIECE positions, and
lane by lane where a few lanes are longer than reference.LONG_LANE, they equal one torch.cumsum
(pieces and long lanes shrunk here to a few positions so that every path runs)."""

import pytest
import torch
from conftest import random_input

from triscan.testing import reference

CASES = [((23,), 0), ((5, 17), 1), ((17, 5), 0), ((3, 16, 2), 1), ((7,), -1)]


@pytest.mark.parametrize("by_lane", [False, True], ids=["all-lanes", "lane-by-lane"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32], ids=str)
@pytest.mark.parametrize("shape,dim", CASES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in CASES])
def test_references_in_pieces_equal_one_scan(shape, dim, dtype, by_lane, monkeypatch):
    x = random_input(shape, dtype).cpu()
    exact = x.to(reference.exact_dtype(dtype))
    whole = {
        "cumsum": torch.cumsum(exact, dim),
        "reversed": torch.cumsum(exact.flip(dim), dim).flip(dim),
        "seed": reference.seed_model(exact, dim),
    }
    monkeypatch.setattr(reference, "PIECE", 4)  # 23 positions: six pieces, the last of three
    # every 2-D and 3-D case holds at most 16 lanes of more than 4 positions
    monkeypatch.setattr(reference, "LONG_LANE", 4 if by_lane else 1 << 16)
    pieced = {
        "cumsum": reference.cumsum_reference(x, dim),
        "reversed": reference.reversed_cumsum_reference(x, dim),
        "seed": reference.seed_model_reference(x, dim),
    }
    for name in whole:
        if dtype.is_floating_point:
            torch.testing.assert_close(pieced[name], whole[name], rtol=1e-12, atol=1e-12, msg=name)
        else:
            assert torch.equal(pieced[name], whole[name]), name
    assert torch.equal(reference.exclusive_cumsum_reference(x, dim).narrow(dim, 1, x.shape[dim] - 1),
                       pieced["cumsum"].narrow(dim, 0, x.shape[dim] - 1))


def test_references_in_pieces_stay_differentiable(monkeypatch):
    monkeypatch.setattr(reference, "PIECE", 3)
    monkeypatch.setattr(reference, "LONG_LANE", 4)
    x = torch.rand(10, dtype=torch.float64, requires_grad=True)
    reference.scan_reference(x, 0).sum().backward()
    assert torch.equal(x.grad, torch.arange(10, 0, -1, dtype=torch.float64))  # x[i] is in 10 - i sums
    lanes = torch.rand(10, 2, dtype=torch.float64, requires_grad=True)  # two lanes, one at a time
    reference.scan_reference(lanes, 0).sum().backward()
    assert torch.equal(lanes.grad, torch.arange(10, 0, -1, dtype=torch.float64)[:, None].expand(10, 2))


def test_reversed_exclusive_reference_keeps_infinities():
    """The reversed exclusive reference is the reversed scan shifted, not `inclusive - x`, which
    made NaN of every position holding an Inf."""
    x = torch.tensor([1.0, float("inf"), 2.0, float("-inf"), 3.0])
    expected = torch.tensor([float("nan"), float("-inf"), float("-inf"), 3.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(reference.reversed_cumsum_reference(x, 0, exclusive=True), expected,
                               equal_nan=True)
    y = torch.tensor([1.0, float("inf"), 2.0])
    torch.testing.assert_close(reference.reversed_cumsum_reference(y, 0, exclusive=True),
                               torch.tensor([float("inf"), 2.0, 0.0], dtype=torch.float64))


LAYOUTS = [("contiguous", lambda x: x), ("transposed", lambda x: x.t()),
           ("every-other-row", lambda x: x[::2])]


@pytest.mark.parametrize("layout", [layout for _, layout in LAYOUTS], ids=[name for name, _ in LAYOUTS])
@pytest.mark.parametrize("dim", [0, 1], ids=["dim0", "dim1"])
def test_references_without_gradients_are_written_in_one_tensor(dim, layout, monkeypatch):
    """A reference that carries no gradients is scanned into one tensor (the pieces and the
    exclusive shift with no concatenation, whose two copies of a 4 GiB bfloat16 input's float64
    result ran an 80 GB GPU out of memory), and equals one torch.cumsum on any strides."""
    x = layout(random_input((22, 9), torch.bfloat16).cpu())
    exact = x.to(torch.float64)
    inclusive = torch.cumsum(exact, dim)
    backwards = torch.cumsum(exact.flip(dim), dim).flip(dim)
    monkeypatch.setattr(reference, "PIECE", 4)
    monkeypatch.setattr(reference, "LONG_LANE", 4)

    def no_cat(*args, **kwargs):
        raise AssertionError("a reference without gradients concatenated its result")

    monkeypatch.setattr(torch, "cat", no_cat)
    length = x.shape[dim]
    results = {
        "cumsum": (reference.scan_reference(x, dim), inclusive),
        "exclusive": (reference.scan_reference(x, dim, exclusive=True),
                      torch.nn.functional.pad(inclusive.narrow(dim, 0, length - 1).movedim(dim, -1), (1, 0))
                      .movedim(-1, dim)),
        "reversed": (reference.scan_reference(x, dim, reverse=True), backwards),
        "exclusive reversed": (reference.scan_reference(x, dim, exclusive=True, reverse=True),
                               torch.nn.functional.pad(backwards.narrow(dim, 1, length - 1).movedim(dim, -1),
                                                       (0, 1)).movedim(-1, dim)),
    }
    for name, (result, expected) in results.items():
        assert result.dtype == torch.float64, name
        torch.testing.assert_close(result, expected, rtol=1e-12, atol=1e-12, msg=name)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool], ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,)], ids=["0-d", "empty", "3x0", "one"])
def test_references_of_empty_and_0d_inputs(shape, dtype):
    x = random_input(shape, dtype).cpu() if dtype is not torch.bool else torch.ones(shape, dtype=dtype)
    dim = -1 if shape else 0
    exact = x.to(reference.exact_dtype(dtype))
    assert torch.equal(reference.cumsum_reference(x, dim), torch.cumsum(exact, dim))
    exclusive = reference.exclusive_cumsum_reference(x, dim)
    assert exclusive.shape == x.shape and exclusive.dtype == exact.dtype
    assert not exclusive.any()  # one position or none: the identity alone
    assert torch.equal(reference.reversed_cumsum_reference(x, dim), torch.cumsum(exact, dim))
