"""triscan.testing.interpreter: the interpreter's whole-array combines give the interpreter's own
results (exactly for integers, whose wrapping sums and products associate; closely for floats),
in the same operand order (a non-commutative combine), and one language patch per kernel leaves
triton.language as it found it."""

import pytest
import torch
import triton
import triton.language as tl
from conftest import DEVICE

from triscan.testing import interpreter as fast

pytestmark = pytest.mark.skipif(DEVICE != "cpu", reason="the interpreter's emulation only")


@triton.jit
def _then(first_scale, first_shift, second_scale, second_shift):
    """Two affine maps x -> x * scale + shift, the first applied first: not commutative."""
    return first_scale * second_scale, first_shift * second_scale + second_shift


@triton.jit
def _larger(a, b):
    return tl.maximum(a, b)


@triton.jit
def _combines_kernel(scale_ptr, shift_ptr, scanned_scale_ptr, scanned_shift_ptr, total_scale_ptr,
                     total_shift_ptr, largest_ptr, ROWS: tl.constexpr, COLUMNS: tl.constexpr,
                     AXIS: tl.constexpr, REVERSE: tl.constexpr):
    offsets = tl.arange(0, ROWS)[:, None] * COLUMNS + tl.arange(0, COLUMNS)[None, :]  # [ROWS, COLUMNS]
    scale = tl.load(scale_ptr + offsets)
    shift = tl.load(shift_ptr + offsets)
    scanned_scale, scanned_shift = tl.associative_scan((scale, shift), AXIS, _then, reverse=REVERSE)
    tl.store(scanned_scale_ptr + offsets, scanned_scale)
    tl.store(scanned_shift_ptr + offsets, scanned_shift)
    total_scale, total_shift = tl.reduce((scale, shift), AXIS, _then, keep_dims=True)  # one row or column
    tl.store(total_scale_ptr + offsets, tl.broadcast_to(total_scale, (ROWS, COLUMNS)))
    tl.store(total_shift_ptr + offsets, tl.broadcast_to(total_shift, (ROWS, COLUMNS)))
    tl.store(largest_ptr, tl.reduce(shift, None, _larger))  # the whole block to one value


def _run(scale, shift, axis, reverse):
    outputs = [torch.full_like(scale, -1) for _ in range(4)] + [torch.full((1,), -1, dtype=shift.dtype)]
    _combines_kernel[(1,)](scale, shift, *outputs, ROWS=scale.shape[0], COLUMNS=scale.shape[1], AXIS=axis,
                           REVERSE=reverse)
    return outputs


def _interpreters_own(monkeypatch):
    from triton.runtime import interpreter

    monkeypatch.setattr(interpreter.ReduceOps, "generic_reduce", fast.ORIGINALS["generic_reduce"])
    monkeypatch.setattr(interpreter.ScanOps, "generic_scan", fast.ORIGINALS["generic_scan"])


@pytest.mark.parametrize("dtype", [torch.int64, torch.float64], ids=["int64", "float64"])
@pytest.mark.parametrize("axis,reverse", [(0, False), (1, False), (1, True), (0, True)],
                         ids=["axis0", "axis1", "axis1-reverse", "axis0-reverse"])
def test_whole_array_combines_match_the_interpreters_own(dtype, axis, reverse, monkeypatch):
    assert fast.ORIGINALS, "tests/conftest.py applies the speed-up under the interpreter"
    generator = torch.Generator().manual_seed(axis * 2 + reverse)
    shape = (8, 16)
    if dtype.is_floating_point:
        scale = torch.rand(shape, generator=generator, dtype=dtype) + 0.5
        shift = torch.randn(shape, generator=generator, dtype=dtype)
    else:  # wrapping int64 arithmetic: exact under any association
        scale = torch.randint(-9, 10, shape, generator=generator, dtype=dtype)
        shift = torch.randint(-9, 10, shape, generator=generator, dtype=dtype)
    whole_array = _run(scale, shift, axis, reverse)
    with monkeypatch.context() as patched:
        _interpreters_own(patched)
        own = _run(scale, shift, axis, reverse)
    for ours, theirs in zip(whole_array, own, strict=True):
        if dtype.is_floating_point:
            torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
        else:
            assert torch.equal(ours, theirs)
    # and the meaning itself, from the host: the maps composed in order along the axis
    scanned_scale, scanned_shift, total_scale, total_shift, largest = whole_array
    if not reverse:
        expected_shift = shift.clone()
        for position in range(1, shape[axis]):
            expected_shift.select(axis, position).add_(
                expected_shift.select(axis, position - 1) * scale.select(axis, position))
        torch.testing.assert_close(scanned_shift, expected_shift, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(scanned_scale, torch.cumprod(scale, axis), rtol=1e-12, atol=0)
        torch.testing.assert_close(total_shift.select(axis, 0), expected_shift.select(axis, -1),
                                   rtol=1e-12, atol=1e-12)
    assert largest.item() == shift.max().item()


def test_one_language_patch_per_kernel_restores_the_language():
    """A kernel that calls device functions leaves every triton.language builtin as it was."""
    before = {name: getattr(tl, name) for name in ("load", "store", "maximum", "reduce", "associative_scan")}
    scale = torch.ones(2, 4, dtype=torch.int64)
    _run(scale, scale.clone(), 1, False)
    assert {name: getattr(tl, name) for name in before} == before
    assert fast._patched_langs is None


def test_tree_reduce_of_a_scalar_block_shape():
    """A one-element axis needs no combine: the value itself."""
    scale = torch.arange(1, 5, dtype=torch.int64).reshape(1, 4)
    outputs = _run(scale, scale * 3, 0, False)
    assert torch.equal(outputs[0], scale) and torch.equal(outputs[3], scale * 3)
    assert outputs[4].item() == 12
