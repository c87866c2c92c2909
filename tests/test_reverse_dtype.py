"""reverse=True and dtype= on every path, against float64 references of the flipped scan."""

import pytest
import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

import triscan
from triscan.testing.reference import cumsum_reference, reversed_cumsum_reference

SCALE = 1 if DEVICE == "cpu" else 64
SHAPES = [((1,), 0), ((7,), 0), ((3, 40), 1), ((40, 3), 0), ((2, 300 * SCALE), 1), ((700 * SCALE,), 0),
          ((4, 5, 6), 1), ((50, 1), 0), ((3, 1), 1)]


@pytest.mark.parametrize("shape,dim", SHAPES, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in SHAPES])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
def test_reverse_matches_flipped_scan(shape, dim, exclusive, triton_launches, poisoned_outputs):
    x = random_input(shape, torch.float32)
    fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = triton_launches.run(lambda t, d: fn(t, d, reverse=True), x, dim)
    bound = reversed_cumsum_reference(abs_of(x), dim)
    assert_scan_close(out, reversed_cumsum_reference(x, dim, exclusive), bound, shape[dim])
    assert sum(triton_launches.counts.values()) == 1


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16, torch.int32], ids=str)
def test_reverse_dtypes(dtype, triton_launches):
    x = random_input((3, 130), dtype)
    out = triton_launches.run(lambda t: triscan.cumsum(t, 1, reverse=True), x)
    bound = reversed_cumsum_reference(abs_of(x), 1)
    assert_scan_close(out, reversed_cumsum_reference(x, 1, False), bound, 130)


def test_reverse_non_contiguous(triton_launches):
    base = random_input((30, 20), torch.float32)
    for x, dim in ((base.t(), 1), (base[::2, 3:], 1), (base.t(), 0)):
        out = triton_launches.run(lambda t, d: triscan.exclusive_cumsum(t, d, reverse=True), x, dim)
        bound = reversed_cumsum_reference(abs_of(x), dim)
        assert_scan_close(out, reversed_cumsum_reference(x, dim, True), bound, x.shape[dim])


@pytest.mark.parametrize("source,target", [(torch.int32, torch.float32), (torch.float32, torch.float64),
                                           (torch.float32, torch.float16), (torch.int16, torch.int32),
                                           (torch.bool, torch.int64)], ids=str)
def test_dtype_argument_like_torch(source, target, triton_launches):
    x = random_input((4, 90), source)
    out = triton_launches.run(lambda t: triscan.cumsum(t, 1, dtype=target), x)
    assert out.dtype == torch.cumsum(x.cpu(), 1, dtype=target).dtype == target
    assert_scan_close(out, cumsum_reference(x, 1), cumsum_reference(abs_of(x), 1), 90)
    excl = triton_launches.run(lambda t: triscan.exclusive_cumsum(t, 1, dtype=target), x)
    assert excl.dtype == target


def test_dtype_argument_errors():
    x = random_input((3,), torch.float32)
    for bad in (torch.complex64, torch.bool, "float32"):
        with pytest.raises(TypeError, match="dtype"):
            triscan.cumsum(x, 0, dtype=bad)


# reversed scans take the forward families: row and look-back with REVERSE, column by negative
# strides (look-back needs 8 chunks: 8 x 64 elements under the interpreter, 8 x 8192 on CUDA)
ROUTES = [((3, 70), 1, "row_scan"), ((700 if DEVICE == "cpu" else 1 << 17,), 0, "lookback_scan"),
          ((40, 3), 0, "column_scan"), ((900 * SCALE, 3), 0, "column_lookback_scan")]


@pytest.mark.parametrize("shape,dim,kernel", ROUTES, ids=[k for _, _, k in ROUTES])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
def test_reverse_routes(shape, dim, kernel, exclusive, triton_launches, poisoned_outputs):
    x = random_input(shape, torch.float32)
    fn = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = triton_launches.run(lambda t: fn(t, dim, reverse=True), x)
    bound = reversed_cumsum_reference(abs_of(x), dim)
    assert_scan_close(out, reversed_cumsum_reference(x, dim, exclusive), bound, shape[dim])
    assert triton_launches.counts == {kernel: 1}
