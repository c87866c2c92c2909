"""PyTorch's own OpInfo sample inputs (torch.testing._internal's op_db) for the torch ops triscan
mirrors: cumsum, cumprod, logcumsumexp, cummax and cummin, each sample's call (input, dim,
dtype=) run by triscan's function and by torch's, on every real dtype torch lists for the op
(cummax's values and indices both). Complex dtypes, which torch scans and triscan does not, are a
TypeError naming the dtype."""

import pytest
import torch
from conftest import DEVICE

import triscan

op_db = pytest.importorskip("torch.testing._internal.common_methods_invocations").op_db

OPS = {"cumsum": triscan.cumsum, "cumprod": triscan.cumprod, "logcumsumexp": triscan.logcumsumexp,
       "cummax": triscan.cummax, "cummin": triscan.cummin}
INFOS = {info.name: info for info in op_db if info.name in OPS and not info.variant_test_name}
# one of each element size and kind: the others take the same paths
DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int32, torch.uint8]


def cases():
    for name, info in INFOS.items():
        for dtype in DTYPES:
            if dtype in info.dtypes:
                yield pytest.param(name, dtype, id=f"{name}-{str(dtype).removeprefix('torch.')}")


@pytest.mark.parametrize("name,dtype", list(cases()))
def test_triscan_matches_torch_on_opinfo_samples(name, dtype, triton_launches):
    samples = list(INFOS[name].sample_inputs(DEVICE, dtype, requires_grad=False))
    assert samples
    for sample in samples:
        (dim,) = sample.args
        kwargs = {key: value for key, value in sample.kwargs.items() if key == "dtype"}
        expected = getattr(torch, name)(sample.input, dim, **kwargs)
        out = triton_launches.run(lambda x, d=dim, k=kwargs: OPS[name](x, d, **k), sample.input)
        assert type(out) is type(expected)
        for got, wanted in zip(*((out, expected) if isinstance(out, tuple) else ((out,), (expected,))),
                               strict=True):  # cummax: values and indices
            assert got.dtype == wanted.dtype and got.shape == wanted.shape, (sample.input.shape, dim, kwargs)
            torch.testing.assert_close(got, wanted, equal_nan=True, check_stride=False,
                                       msg=lambda text, s=sample: f"{s.input.shape} dim {s.args}: {text}")
    assert sum(triton_launches.counts.values()) > 0  # the samples that are not empty ran triscan's kernels


@pytest.mark.parametrize("name", list(OPS))
def test_complex_dtypes_torch_scans_are_a_type_error(name):
    x = torch.ones(4, dtype=torch.complex64, device=DEVICE)
    with pytest.raises(TypeError, match=rf"{name}\(\): unsupported dtype torch.complex64"):
        OPS[name](x, 0)


def error_cases():
    for name, info in INFOS.items():
        if info.error_inputs_func is not None:
            for index, error in enumerate(info.error_inputs(DEVICE)):
                yield pytest.param(name, error, id=f"{name}-{index}")


@pytest.mark.parametrize("name,error", list(error_cases()))
def test_opinfo_error_inputs_raise_torchs_errors(name, error):
    """The bad calls OpInfo lists for these ops (a dim out of range): torch's exception type and
    message."""
    sample = error.sample_input
    with pytest.raises(error.error_type, match=error.error_regex):
        OPS[name](sample.input, *sample.args, **sample.kwargs)
