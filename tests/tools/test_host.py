"""`triscan bench --host` on CPU: the cells it times, the op pairs it compares, and a clear exit
without a GPU (the timings themselves need CUDA: benchmarks/RESULTS.md)."""

import pytest
import torch

from triscan.tools import cli, host, matrix


def test_host_cells_cover_the_issue_cases():
    full = host.cells(quick=False)
    assert {(tuple(shape), op) for shape, op, _, _ in full} >= {((8, 1024), "cumsum"), ((65536,), "ModelNew")}
    assert {dtype for _, _, dtype, _ in full} == {"float32", "bfloat16", "int32"}
    assert {op for _, op, _, _ in full} == set(host.OPS)
    assert [cell for cell in full if cell[3]] == [(shape, "cumsum", "float32", True) for shape in host.SHAPES]
    assert len(host.cells(quick=True)) < len(full)


@pytest.mark.parametrize("op", host.OPS)
def test_host_op_pairs_scan_the_same_input(op):
    x = torch.rand(3, 7)
    ours, theirs = host.calls_for(op, x)
    got, expected = ours(), theirs()
    if op in ("cumsum", "cumsum dtype=float64"):
        torch.testing.assert_close(got, expected)
    assert got.dtype == expected.dtype or op == "ModelNew"
    with pytest.raises(ValueError, match="unknown op"):
        host.calls_for("cumprod", x)


@pytest.mark.parametrize("op", host.OPS)
def test_launch_path_finds_the_prepared_call(op, monkeypatch):
    """Each cell reports how its repeated calls launch; on CPU (the interpreter) a call is
    prepared but has no compiled kernel to launch directly."""
    from triscan import api

    monkeypatch.setattr(api, "CALLS", {})
    x = torch.rand(3, 7)
    ours, _ = host.calls_for(op, x)
    assert host.launch_path(x, op) == "unprepared"
    ours()
    assert host.launch_path(x, op) == "plan"


def test_host_bench_needs_cuda(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cli.main(["bench", "--host"]) == 2
    assert "needs a CUDA GPU" in capsys.readouterr().out


def test_host_cells_plan_as_their_calls(monkeypatch):
    """What `bench --host --precompile N` compiles for a cell is the plan the cell's call takes."""
    from triscan.explain import plan_of, planned_call

    for shape, op, dtype, _ in host.cells(quick=False)[:15]:
        x = torch.rand(shape).to(host.DTYPES[dtype]) if host.DTYPES[dtype].is_floating_point else \
            torch.randint(-9, 9, shape, dtype=host.DTYPES[dtype])
        called, _, _ = plan_of(x, len(shape) - 1, **matrix.op_flags(op))
        planned = planned_call(torch.empty(shape, dtype=x.dtype, device="meta"), len(shape) - 1,
                               torch.device("cpu"), **matrix.op_flags(op))
        assert (planned.family, planned.launch.constexprs, planned.launch.scalar_args) == \
            (called.family, called.launch.constexprs, called.launch.scalar_args), (shape, op, dtype)


def test_passes_keep_each_sides_best_and_every_reading():
    """The table's wall times are each side's best over the passes (a slow first pass, as the
    first seconds of a process read, does not decide a cell), and every pass's reading is kept."""
    cell = {"wall_us": {"triscan": 15.0, "torch": 10.0}, "wall_ratio": 1.5}
    host.join_pass(cell, {"wall_us": {"triscan": 9.0, "torch": 11.0}})
    assert cell["wall_us"] == {"triscan": 9.0, "torch": 10.0}
    assert cell["wall_ratio"] == pytest.approx(0.9)
    assert cell["wall_us_per_pass"] == [{"triscan": 15.0, "torch": 10.0}, {"triscan": 9.0, "torch": 11.0}]
