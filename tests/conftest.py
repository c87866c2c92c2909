"""Test setup: CPU runs go through the Triton interpreter, and every kernel test proves
that triscan's Triton kernels (not a torch fallback) produced the result."""

import os

import pytest
import torch

if not torch.cuda.is_available():
    # Must happen before triscan (and so triton.jit) is imported.
    os.environ.setdefault("TRITON_INTERPRET", "1")

import triscan  # noqa: E402
from triscan import api  # noqa: E402
from triscan.kernels import registry  # noqa: E402
from triscan.kernels.operators import OPERATORS  # noqa: E402
from triscan.scan import dispatch, launch  # noqa: E402
from triscan.testing import tolerance  # noqa: E402
from triscan.testing.tolerance import abs_of, scan_error_excess  # noqa: E402, F401

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

if DEVICE == "cpu":
    # under the interpreter an example's time grows with its programs, and one draw of the
    # property tests took 197 s where another took 12: the same draws in every CPU run (as
    # Hypothesis does by itself where the CI environment variable is set), new ones on CUDA
    from hypothesis import settings

    settings.register_profile("interpreter", derandomize=True, database=None, deadline=None, print_blob=True)
    settings.load_profile("interpreter")

    # whole-array combines and one language patch per kernel (same results, a fraction of the
    # time), here and in the Python processes that tests start (interpreter_site/sitecustomize.py)
    from triscan.testing.interpreter import speed_up_interpreter

    speed_up_interpreter()
    _site = os.path.join(os.path.dirname(__file__), "interpreter_site")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (_site, os.environ.get("PYTHONPATH"))))


def assert_scan_close(out: torch.Tensor, ref: torch.Tensor, abs_running_sum: torch.Tensor, length: int):
    """Compare a scan against its float64 / int64 reference by triscan's tolerance rule."""
    assert out.shape == ref.shape, (out.shape, ref.shape)
    if out.dtype.is_floating_point:
        assert not torch.isnan(out).any(), "unwritten (NaN) or NaN-producing output elements"
    worst = scan_error_excess(out, ref, abs_running_sum, length, registry.kernels_interpreted())
    assert worst <= 0, f"error exceeds tolerance by {worst:.3e} ({out.dtype}, length {length})"


def column_steps(interpreted: int, steps: int, scale: int) -> int:
    """A column look-back case's steps: `steps` x `scale` on a GPU; under the interpreter, which runs
    programs one after another so that no look-back waits, `interpreted`, fewer for CI's time: the
    same modulo 16 as `steps` (the same 16-byte phases and chunk residues) and past one look-back
    window of 32 of its 8-step chunks."""
    assert interpreted % 16 == steps % 16 and interpreted > 32 * 8, (interpreted, steps)
    return interpreted if DEVICE == "cpu" else steps * scale


def random_input(shape, dtype, device=DEVICE):
    """Fresh random data on the test device (see triscan.testing.tolerance.random_input)."""
    return tolerance.random_input(shape, dtype, device)


def crossed(first: list, second: list, first_ids: list[str], second_ids: list[str]) -> list:
    """pytest params of `first` x `second` (items that are tuples give several arguments each, the
    others one): every pair on CUDA; under the interpreter (CI's time) as many pairs as the longer
    list has items, each with a partner from the shorter list in turn: every item of either list
    runs, the shorter list's with several partners."""
    pairs = [(i, j) for i in range(len(first)) for j in range(len(second))]
    if DEVICE == "cpu":
        longer, shorter = sorted((len(first), len(second)), reverse=True)
        # the longer list's i-th item with the shorter's i-th, wrapping around
        picks = ((i, i % shorter) for i in range(longer))
        flipped = len(second) > len(first)
        pairs = [(b, a) if flipped else (a, b) for a, b in picks]
    unpacked = lambda item: item if isinstance(item, tuple) else (item,)  # noqa: E731
    return [pytest.param(*unpacked(first[i]), *unpacked(second[j]), id=f"{first_ids[i]}-{second_ids[j]}")
            for i, j in pairs]


def kernel_name(kernel) -> str:
    """A registry kernel's short name: row_scan_kernel -> "row_scan"."""
    return kernel.fn.__name__.removesuffix("_kernel")


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
    """Counts launches of every kernel in the registry (by kernel_name); `run` calls a function
    with torch's scans (torch.cumsum, torch.cumprod, torch.logcumsumexp: every operator's) made to
    raise, so that a torch fallback cannot pass a test that uses it.
    Plans bind their kernel when they are made, so the plan cache starts empty meanwhile.

    `counts`: launches through Triton's dispatch. `direct`: on a GPU, a plan's later launches go
    past the kernel object straight to its compiled launcher (scan/launch.py's Relaunch, then the
    prepared call's DirectLaunch), counted here under the same names. `launched`: both."""

    def __init__(self, monkeypatch):
        self.counts = {}
        self.direct = {}
        self._monkeypatch = monkeypatch
        for family in registry.FAMILIES:
            for role, kernel in family.kernels.items():
                counting = _CountingKernel(kernel, self.counts, kernel_name(kernel))
                monkeypatch.setitem(family.kernels, role, counting)
        monkeypatch.setattr(dispatch, "PLANS", {})
        monkeypatch.setattr(api, "CALLS", {})
        self._count_direct_launches(monkeypatch)

    @property
    def launched(self) -> dict:
        names = {**self.counts, **self.direct}
        return {name: self.counts.get(name, 0) + self.direct.get(name, 0) for name in names}

    def _count_direct_launches(self, monkeypatch):
        names = {}  # id of a Relaunch or DirectLaunch made meanwhile -> its kernel's name
        unknown = "a launcher made before the recorder"

        def count(launcher):
            name = names.get(id(launcher), unknown)
            self.direct[name] = self.direct.get(name, 0) + 1

        original_relaunch_init, original_relaunch = launch.Relaunch.__init__, launch.Relaunch.launch
        original_direct_init, original_direct = launch.DirectLaunch.__init__, launch.DirectLaunch.launch

        def relaunch_init(relaunch, kernel, *args):
            original_relaunch_init(relaunch, kernel, *args)
            names[id(relaunch)] = kernel._name if isinstance(kernel, _CountingKernel) else kernel_name(kernel)

        def relaunch_launch(relaunch, args):
            count(relaunch)
            return original_relaunch(relaunch, args)

        def direct_init(direct, relaunch, *args):
            original_direct_init(direct, relaunch, *args)
            names[id(direct)] = names.get(id(relaunch), unknown)

        def direct_launch(direct, x, out):
            launched = original_direct(direct, x, out)
            if launched:
                count(direct)
            return launched

        monkeypatch.setattr(launch.Relaunch, "__init__", relaunch_init)
        monkeypatch.setattr(launch.Relaunch, "launch", relaunch_launch)
        monkeypatch.setattr(launch.DirectLaunch, "__init__", direct_init)
        monkeypatch.setattr(launch.DirectLaunch, "launch", direct_launch)

    def run(self, fn, *args):
        def refuse(name):
            def no_torch_scan(*args, **kwargs):
                raise AssertionError(f"torch.{name} was called on the triscan path")
            return no_torch_scan

        with self._monkeypatch.context() as patch:
            for operator in OPERATORS.values():  # torch.cumsum, torch.cumprod, torch.logcumsumexp
                patch.setattr(torch, operator.function, refuse(operator.function))
            return fn(*args)


@pytest.fixture
def triton_launches(monkeypatch):
    return LaunchRecorder(monkeypatch)


@pytest.fixture
def poisoned_outputs(monkeypatch):
    """torch.empty, torch.empty_like and Tensor.new_empty (the allocations of first and prepared
    calls) return NaN-filled (or sentinel-filled) memory so unwritten outputs show."""
    def poisoned(allocate):
        def allocate_poisoned(*args, **kwargs):
            out = allocate(*args, **kwargs)
            if out.dtype.is_floating_point or out.dtype.is_complex:
                return out.fill_(float("nan"))
            return out.fill_(True if out.dtype == torch.bool else torch.iinfo(out.dtype).max)
        return allocate_poisoned

    monkeypatch.setattr(torch, "empty", poisoned(torch.empty))
    monkeypatch.setattr(torch, "empty_like", poisoned(torch.empty_like))
    monkeypatch.setattr(torch.Tensor, "new_empty", poisoned(torch.Tensor.new_empty))


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_logreport(report):
    """With TRISCAN_FAILURES naming a file (GPU runs under a time limit, scripts/gpu_session.sh),
    each failure's traceback is appended to it as it happens, not in the summary at the end: a
    run the limit cuts still says why its failures failed (with pytest-xdist the controller
    gets every worker's reports)."""
    path = os.environ.get("TRISCAN_FAILURES")
    if path and report.failed and "PYTEST_XDIST_WORKER" not in os.environ:  # once, in the controller
        with open(path, "a") as handle:
            handle.write(f"{report.nodeid} ({report.when})\n{report.longreprtext}\n\n")


__all__ = ["DEVICE", "assert_scan_close", "random_input", "triscan", "registry", "dispatch"]
