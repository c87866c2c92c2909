"""The plan layer: strides seen as (M, L, K) without copies, the family choice, the plan cache."""

import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

import triscan
from triscan import api
from triscan.scan import dispatch, launch, plan
from triscan.scan.layout import scan_view
from triscan.testing.reference import cumsum_reference


def test_layout_views_without_copy():
    x = torch.empty(12, 10, 8)
    assert scan_view(x.shape, x.stride(), 1) == (12, 10, 8, 80, 8, 1)
    t = x.transpose(0, 2)  # shape (8, 10, 12), strides (1, 8, 80)
    assert scan_view(t.shape, t.stride(), 1) == (8, 10, 12, 1, 8, 80)
    assert scan_view(t.shape, t.stride(), 0) is None  # dims 1 and 2 of t interleave
    sliced = x[::2, :, 1::3]  # shape (6, 10, 3), strides (160, 8, 3)
    assert scan_view(sliced.shape, sliced.stride(), 1) == (6, 10, 3, 160, 8, 3)
    assert scan_view(sliced.shape, sliced.stride(), 0) is None
    assert scan_view(sliced.shape, sliced.stride(), 2) is None


def test_dispatch_thresholds():
    device = torch.device(DEVICE)
    sms = launch.device_sms(device)
    assert plan.prefer_lookback(1, 8 * 64, 64, device)
    assert not plan.prefer_lookback(1, 8 * 64 - 1, 64, device)
    assert not plan.prefer_lookback(8 * sms, 10 * 64, 64, device)
    assert plan.prefer_lookback(8 * sms - 1, 10 * 64, 64, device)


def test_choose_family_routes_every_family():
    cpu = torch.device("cpu")  # the interpreter's pretend device: 4 SMs, 64-step row chunks
    assert plan.choose_family(1, 10_000, 1, torch.float32, cpu).name == "lookback"
    assert plan.choose_family(100, 10_000, 1, torch.float32, cpu).name == "row"
    assert plan.choose_family(1, 100, 1, torch.float32, cpu).name == "row"
    assert plan.choose_family(1, 10_000, 3, torch.float32, cpu).name == "column_lookback"
    assert plan.choose_family(64, 10_000, 300, torch.float32, cpu).name == "column"
    assert plan.choose_family(1, 0, 1, torch.float32, cpu).name == "row"
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        assert plan.choose_family(1, 10_000, 1, torch.float32, cpu).name == "row"
        assert plan.choose_family(1, 10_000, 1, torch.int32, cpu).name == "lookback"
        assert plan.choose_family(1, 10_000, 3, torch.float64, cpu).name == "column"
        # a max or min is one of its inputs whatever the order: it keeps the look-back
        assert plan.choose_family(1, 10_000, 1, torch.float32, cpu, exact=True).name == "lookback"
    finally:
        torch.use_deterministic_algorithms(before)


def test_few_long_rows_take_the_lookback_on_cuda(monkeypatch):
    """A row one program would stream for longer than a look-back costs is cut into chunks
    even when it makes fewer than 8 of them (the exclusive scan of 65536 elements, 65535
    positions, took one row program: benchmarks/NOTES.md section 33a)."""
    monkeypatch.setattr(plan, "device_sms", lambda device: 132)
    cuda = torch.device("cuda")
    assert plan.choose_family(1, 65535, 1, torch.float32, cuda).name == "lookback"
    assert plan.choose_family(1, 16384, 1, torch.float32, cuda).name == "lookback"  # 128 KiB moved
    assert plan.choose_family(1, 16383, 1, torch.float32, cuda).name == "row"
    assert plan.choose_family(1, 16383, 1, torch.bfloat16, cuda).name == "row"
    assert plan.choose_family(1, 16383, 1, torch.int64, cuda, torch.int32).name == "lookback"  # 12 bytes
    assert plan.choose_family(16, 65535, 1, torch.float32, cuda).name == "lookback"
    assert plan.choose_family(17, 65535, 1, torch.float32, cuda).name == "row"
    assert plan.choose_family(17, 65536, 1, torch.float32, cuda).name == "lookback"  # 8 chunks, as before


def test_repeated_calls_reuse_the_plan(monkeypatch, triton_launches):
    """Layout and dispatch run once per (shape, strides, dtype, dim, ...): later calls only
    allocate and launch. A new stride pattern or deterministic mode makes a new plan."""
    made = []
    real_plan = plan.plan_scan

    def counting_plan(*args):
        made.append(args[:2])
        return real_plan(*args)

    monkeypatch.setattr(dispatch, "plan_scan", counting_plan)
    monkeypatch.setattr(dispatch, "PLANS", {})
    monkeypatch.setattr(api, "CALLS", {})
    x = random_input((5, 70), torch.float32)
    for _ in range(3):
        out = triton_launches.run(triscan.cumsum, x, 1)
        assert_scan_close(out, cumsum_reference(x, 1), cumsum_reference(abs_of(x), 1), 70)
    assert len(made) == 1
    triton_launches.run(triscan.cumsum, random_input((5, 140), torch.float32)[:, ::2], 1)
    assert len(made) == 2
    torch.use_deterministic_algorithms(True)
    try:
        triton_launches.run(triscan.cumsum, x, 1)
    finally:
        torch.use_deterministic_algorithms(False)
    assert len(made) == 3
    assert triton_launches.counts == {"row_scan": 5}
