"""The direct launch of a compiled kernel (scan/launch.py DirectLaunch), with the compiled C
launcher replaced by a recorder: what it is handed, and when it declines."""

from types import SimpleNamespace

import torch

from triscan.scan import launch


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
