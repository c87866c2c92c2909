"""Test setup: CPU runs go through the Triton interpreter, and every kernel test proves
that triscan's Triton kernels (not a torch fallback) produced the result."""

import math
import os

import pytest
import torch

if not torch.cuda.is_available():
    # Must happen before triscan (and so triton.jit) is imported.
    os.environ.setdefault("TRITON_INTERPRET", "1")

import triscan  # noqa: E402
from triscan import _dispatch  # noqa: E402
from triscan.kernels import column_scan, lookback_scan, row_scan  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

# Relative error budget per accumulated term for each output dtype (see scan_tolerance).
EPSILON = {
    torch.float16: 2.0**-11,
    torch.bfloat16: 2.0**-8,
    torch.float32: 2.0**-24,
    torch.float64: 2.0**-53,
}


def scan_tolerance(dtype: torch.dtype, length: int) -> tuple[float, float]:
    """(error factor on the running sum of |x|, rtol on |ref|) for a scan of `length` terms.

    Accumulation is in float32 (float64 for float64), so the accumulated error is bounded by
    eps_acc * (terms on a summation path) * sum |x|; the blocked scan's paths are about
    sqrt(length) + 64 long. The output rounding adds one eps of the output dtype.
    """
    acc_eps = EPSILON[torch.float64 if dtype == torch.float64 else torch.float32]
    path = math.sqrt(max(length, 1)) + 64
    rounding = EPSILON[dtype]
    if dtype == torch.bfloat16 and _dispatch.kernels_interpreted():
        # The Triton 3.6 interpreter converts float32 to bfloat16 by truncation (seen on
        # 1.0059 -> 1.0), so one full bfloat16 ulp; compiled kernels round to nearest.
        rounding *= 2
    return 4 * acc_eps * path, rounding


def assert_scan_close(out: torch.Tensor, ref: torch.Tensor, abs_running_sum: torch.Tensor, length: int):
    """Compare a scan against its float64 / int64 reference; integers must be exact."""
    assert out.shape == ref.shape, (out.shape, ref.shape)
    if not out.dtype.is_floating_point:
        assert torch.equal(out.cpu(), ref.cpu().to(out.dtype))
        return
    assert not torch.isnan(out).any(), "unwritten (NaN) or NaN-producing output elements"
    factor, rtol = scan_tolerance(out.dtype, length)
    error = (out.double() - ref.double()).abs()
    allowed = factor * abs_running_sum.double() + rtol * ref.double().abs() + 1e-30
    worst = (error - allowed).max().item() if error.numel() else 0.0
    assert worst <= 0, f"error exceeds tolerance by {worst:.3e} ({out.dtype}, length {length})"


def abs_of(x: torch.Tensor) -> torch.Tensor:
    """|x| for the error bound (bool has no abs; its values are already non-negative)."""
    return x if x.dtype == torch.bool else x.abs()


def random_input(shape, dtype, device=DEVICE, generator=None):
    """Fresh random data, never zeros: normal floats with a positive mean, integers in [-50, 50]."""
    if dtype == torch.bool:
        return torch.rand(shape, device=device) < 0.5
    if not dtype.is_floating_point:
        return torch.randint(-50, 51, shape, device=device).to(dtype)
    return (torch.randn(shape, device=device, dtype=torch.float64) + 0.5).to(dtype)


class _CountingKernel:
    """Stands in for a kernel object: counts launches and forwards everything."""

    def __init__(self, kernel, counter, name):
        self._kernel, self._counter, self._name = kernel, counter, name
        self.fn = _CountingKernel(kernel.fn, counter, name) if hasattr(kernel, "fn") else None

    def __getattr__(self, name):  # configs and the like come from the real kernel
        return getattr(self._kernel, name)

    def __getitem__(self, grid):
        self._counter[self._name] = self._counter.get(self._name, 0) + 1
        return self._kernel[grid]


class LaunchRecorder:
    """Counts triscan kernel launches; `run` calls a function with torch.cumsum made to raise,
    so that a torch fallback cannot pass a test that uses it."""

    def __init__(self, monkeypatch):
        self.counts = {}
        self._monkeypatch = monkeypatch
        monkeypatch.setattr(row_scan, "row_scan_kernel",
                            _CountingKernel(row_scan.row_scan_kernel, self.counts, "row_scan"))
        monkeypatch.setattr(column_scan, "column_scan_kernel",
                            _CountingKernel(column_scan.column_scan_kernel, self.counts, "column_scan"))
        monkeypatch.setattr(lookback_scan, "lookback_scan_kernel",
                            _CountingKernel(lookback_scan.lookback_scan_kernel, self.counts, "lookback_scan"))
        monkeypatch.setattr(lookback_scan, "column_lookback_scan_kernel",
                            _CountingKernel(lookback_scan.column_lookback_scan_kernel, self.counts,
                                            "column_lookback_scan"))

    def run(self, fn, *args):
        def no_torch_cumsum(*args, **kwargs):
            raise AssertionError("torch.cumsum was called on the triscan path")

        with self._monkeypatch.context() as patch:
            patch.setattr(torch, "cumsum", no_torch_cumsum)
            return fn(*args)


@pytest.fixture
def triton_launches(monkeypatch):
    return LaunchRecorder(monkeypatch)


@pytest.fixture
def poisoned_outputs(monkeypatch):
    """torch.empty returns NaN-filled (or sentinel-filled) memory so unwritten outputs show."""
    real_empty = torch.empty

    def poisoned_empty(*args, **kwargs):
        out = real_empty(*args, **kwargs)
        return out.fill_(float("nan") if out.dtype.is_floating_point else 1234567)

    monkeypatch.setattr(torch, "empty", poisoned_empty)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


__all__ = ["DEVICE", "assert_scan_close", "random_input", "triscan", "_dispatch"]
