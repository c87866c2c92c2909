"""The direct launch of a compiled kernel (scan/launch.py DirectLaunch), with the compiled C
launcher replaced by a recorder: what it is handed, and when it declines."""

from types import SimpleNamespace

import torch
import triton
import triton.language as tl
from conftest import _CountingKernel
from triton.runtime.jit import JITFunction

from triscan.scan import launch


def _python_kernel(x_ptr, BLOCK: tl.constexpr, PIECES: tl.constexpr = 1, FLAG: tl.constexpr = False):
    tl.store(x_ptr + tl.arange(0, BLOCK), tl.zeros([BLOCK], dtype=tl.float32) + PIECES + FLAG)


# a JITFunction whether or not TRITON_INTERPRET is set: direct launches are of compiled kernels
_with_defaults = JITFunction(_python_kernel)


_tuned_with_defaults = triton.autotune(configs=[triton.Config({"BLOCK": 16}), triton.Config(
    {"BLOCK": 32, "FLAG": True})], key=[])(_with_defaults)


def recorded_launch(monkeypatch, kept_words: int, binary=None):
    calls = []
    relaunch = SimpleNamespace(call=lambda *args: calls.append(args), tail=("constexpr",), binary=binary,
                               fixed=((3, 1, 1), ("function", "metadata")), alignment=(True, True))
    monkeypatch.setattr(launch, "current_device", lambda: -1)  # a CPU tensor's get_device()
    monkeypatch.setattr(launch, "current_stream", lambda device: 99)
    monkeypatch.setattr(launch, "KEPT", {})
    return launch.DirectLaunch(relaunch, (7, 8), kept_words), calls


def test_direct_launch_hands_the_launcher_addresses(monkeypatch):
    """Addresses as integers: the launcher then neither calls data_ptr nor asks the driver
    about each pointer; a kept workspace's address goes in both workspace slots."""
    direct, calls = recorded_launch(monkeypatch, kept_words=0)
    x, out = torch.empty(64), torch.empty(64)
    assert direct.launch(x, out)
    assert calls == [(3, 1, 1, 99, "function", "metadata", x.data_ptr(), out.data_ptr(), 7, 8, "constexpr")]
    direct, calls = recorded_launch(monkeypatch, kept_words=5)
    assert direct.launch(x, out)
    status = launch.KEPT[(x.device, 0)]
    assert status.numel() == 5 and not status.any()
    assert calls[0][6:10] == (x.data_ptr(), out.data_ptr(), status.data_ptr(), status.data_ptr())


def test_direct_launch_declines_other_alignment_and_hooks(monkeypatch):
    direct, calls = recorded_launch(monkeypatch, kept_words=0)
    x, out = torch.empty(65), torch.empty(64)
    assert not direct.launch(x[1:], out)  # 4 bytes past a 16-byte boundary: compiled for aligned
    monkeypatch.setattr(launch.HOOKS.launch_enter_hook, "calls", [print])
    assert not direct.launch(x[:64], out)
    assert calls == []


def test_launch_values_keep_defaults_no_config_names():
    """A direct launch hands the compiled kernel every constexpr after the arguments: one that
    neither the call nor the chosen config names is the signature's default (a config space
    that adds a flag to some configs only must still launch the others)."""
    assert launch.launch_values(_with_defaults, {"BLOCK": 8}) == {"BLOCK": 8, "PIECES": 1, "FLAG": False}
    constexprs = ("BLOCK", "PIECES", "FLAG")
    _tuned_with_defaults.best_config = _tuned_with_defaults.configs[0]
    values = launch.launch_values(_tuned_with_defaults, {})
    assert [values[name] for name in constexprs] == [16, 1, False]
    _tuned_with_defaults.best_config = _tuned_with_defaults.configs[1]
    values = launch.launch_values(_tuned_with_defaults, {"PIECES": 2})
    assert [values[name] for name in constexprs] == [32, 2, True] and values["num_warps"] == 4
    # the tests' launch counter stands in for kernels, its innermost `fn` None
    counting = _CountingKernel(_tuned_with_defaults, {}, "with_defaults")
    values = launch.launch_values(counting, {})
    assert [values[name] for name in constexprs] == [32, 1, True]


def test_address_constexprs_give_the_input_alignment_to_kernels_that_take_it():
    """X_ALIGNED (the row look-back's whole-vector masks hang on it, NOTES.md 175) is the first
    argument's 16-byte alignment, for kernels whose signature has it, through the tests' launch
    counter too; others get nothing."""
    from triscan.kernels.lookback.row import lookback_scan_kernel

    x = torch.empty(64)
    counting = _CountingKernel(lookback_scan_kernel, {}, "lookback_scan")
    for kernel in (lookback_scan_kernel, counting):
        assert launch.address_constexprs(kernel, (x, x)) == {"X_ALIGNED": True}
        assert launch.address_constexprs(kernel, (x[1:], x)) == {"X_ALIGNED": False}
        assert launch.address_constexprs(kernel, (x[4:], x)) == {"X_ALIGNED": True}
    assert launch.address_constexprs(_with_defaults, (x[1:],)) == {}
    assert launch.address_constexprs(_tuned_with_defaults, (x[1:],)) == {}


def test_launches_pass_the_input_alignment(monkeypatch):
    """A launch through Triton hands the kernel the X_ALIGNED of the tensor it is given, per call:
    a view off 16-byte alignment gets False whatever the call before it had."""
    seen = []

    class Recording:
        arg_names = ["x_ptr", "y_ptr", "X_ALIGNED"]

        def __getitem__(self, grid):
            return lambda *args, **kwargs: seen.append(kwargs["X_ALIGNED"])

    x = torch.empty(68)
    for view in (x[:64], x[1:65], x[4:68]):
        launch.launch_kernel(Recording(), (1,), (view, view), {}, None)
    assert seen == [True, False, True]
