"""`triscan bench --matrix` without a GPU: the cells, the shapes (sized in bytes), the torch
equivalents, the heatmap and the command line."""

import json
import math
import subprocess
import sys

import pytest
import torch
from conftest import DEVICE

from triscan.testing.tolerance import relative_error
from triscan.tools import matrix


def test_every_dtype_moves_the_same_input_bytes():
    """Shapes of 4 GiB inputs (on the meta device: nothing allocated)."""
    for family in matrix.SHAPES:
        sizes = set()
        for dtype in matrix.DTYPES.values():
            x, dim = matrix.make_input(family, dtype, 4 * matrix.GIB, device="meta")
            sizes.add(x.numel() * x.element_size())
            assert 0 <= dim < x.dim()
        # narrow 3 and 5 lanes round down to whole rows, odd rows to a whole number of rows
        short = 4 * matrix.GIB // 10000 if family in ("odd rows", "odd dim 0") else 8 * 5
        assert max(sizes) <= 4 * matrix.GIB and min(sizes) >= 4 * matrix.GIB - short, (family, sizes)
    x, _ = matrix.make_input("rows", torch.float32, 4 * matrix.GIB, device="meta")
    assert x.shape == (32768, 32768)
    for dtype in matrix.DTYPES.values():
        x, _ = matrix.make_input("odd rows", dtype, 4 * matrix.GIB, device="meta")
        assert x.shape[1] % 2 == 1 and x.shape[0] > 16000, (dtype, x.shape)
        x, _ = matrix.make_input("4 odd rows", dtype, 4 * matrix.GIB, device="meta")
        assert x.shape[1] % 2 == 1 and x.shape[0] == 4, (dtype, x.shape)
        x, dim = matrix.make_input("odd dim 0", dtype, 4 * matrix.GIB, device="meta")
        assert x.shape[1] % 2 == 1 and dim == 0 and x.shape[0] > 16000, (dtype, x.shape)


# (op, dim, rows of a (4, 1023) input the call reads)
MOVED_CASES = [("ModelNew", 1, 3), ("ModelNew", 0, 4), ("cumsum", 1, 4), ("exclusive reverse", 1, 4),
               ("cummax", 1, 4)]


@pytest.mark.parametrize("op,dim,read_rows", MOVED_CASES, ids=[f"{op}-dim{d}" for op, d, _ in MOVED_CASES])
def test_the_copy_roofline_moves_the_bytes_the_call_moves(op, dim, read_rows):
    """A cell's copy moves what the call reads and writes: the seed's ModelNew along dim != 0 reads
    x without its last row (its output has one row fewer), so over 4 rows a copy of all of x read
    7/6 high (benchmarks/NOTES.md 183); a max's int64 indices count as written."""
    shape = (4, 1023)
    x = torch.zeros(shape, dtype=torch.bfloat16)
    out = matrix.reference_call(op, dim)(x.double()).to(torch.bfloat16)
    if matrix.operator_of(op).selects:
        out = out[0] if isinstance(out, tuple) else out
    expected = read_rows * shape[1] * 2 + out.numel() * 2 + (out.numel() * 8 if op == "cummax" else 0)
    assert matrix.moved_bytes(x, dim, out, **matrix.op_flags(op)) == expected


def test_strided_family_is_a_view_of_every_other_lane_group():
    x, dim = matrix.make_input("strided narrow K=8", torch.float32, 1 << 20, device="cpu")
    assert x.shape[1] == 8 and x.stride() == (16, 1) and dim == 0


def test_offset_family_is_a_view_off_alignment():
    """1-D x[1:]: every dtype's first element off 16-byte alignment (the row look-back's X_ALIGNED
    False)."""
    for dtype in matrix.DTYPES.values():
        x, dim = matrix.make_input("1-D x[1:]", dtype, 1 << 20, device="cpu")
        assert x.dim() == 1 and dim == 0 and x.storage_offset() == 1 and x.data_ptr() % 16 != 0


def test_quick_and_full_cells():
    quick = matrix.cells_for(quick=True)
    assert len(quick) == len(matrix.OPS) * 3 * 3
    full = matrix.cells_for(quick=False)
    assert len(full) == len(matrix.OPS) * len(matrix.DTYPES) * len(matrix.SHAPES)
    picked = matrix.cells_for(False, ops=["cumsum"], dtypes=["int32"], shapes=["1-D"])
    assert picked == [("cumsum", "int32", "1-D")]
    # other operators only by name: issue 14's matrix is the sums'; logcumsumexp has no integer cells
    products = matrix.cells_for(False, ops=["cumprod", "logcumsumexp"], dtypes=["int32", "float32"],
                                shapes=["1-D"])
    assert products == [("cumprod", "int32", "1-D"), ("cumprod", "float32", "1-D"),
                        ("logcumsumexp", "float32", "1-D")]
    assert not {op for op, _, _ in full} & set(matrix.OPERATOR_OPS)
    assert {"cumprod", "exclusive_cumprod", "logcumsumexp reverse"} <= set(matrix.OPERATOR_OPS)
    with pytest.raises(ValueError, match="unknown dtype"):
        matrix.cells_for(False, dtypes=["complex64"])


def op_input(op, shape, dtype=torch.float32, device="cpu"):
    """Sums' inputs about 0.5; products' about 1, so that they stay finite and away from 0."""
    values = torch.randn(shape, dtype=dtype, device=device)
    return 1 + 0.1 * values if "cumprod" in op else values + 0.5


@pytest.mark.parametrize("op", matrix.OPS + matrix.OPERATOR_OPS)
def test_torch_equivalents_match_the_reference(op):
    """The eager baseline computes what triscan does (so its time is a fair comparison)."""
    x = op_input(op, (6, 50), torch.float64)
    for dim in (0, 1):
        assert torch.allclose(matrix.torch_call(op, dim)(x), matrix.reference_call(op, dim)(x))


def test_triscan_cells_match_the_reference_on_this_device():
    for op in matrix.OPS + matrix.OPERATOR_OPS:
        x = op_input(op, (6, 70), device=DEVICE)
        error = relative_error(matrix.triscan_call(op, 1)(x), matrix.reference_call(op, 1)(x))
        assert error < 1e-5, (op, error)
    assert relative_error(torch.ones(3), torch.ones(4, dtype=torch.float64)) == math.inf


def test_relative_error_expects_the_overflow_torch_gives():
    """A float16 sum past 65504 is inf in torch.cumsum too: that is no error; a finite value there,
    an infinity or a NaN elsewhere are infinite errors."""
    exact = torch.ones(70000, dtype=torch.float64).cumsum(0)
    assert relative_error(torch.ones(70000, dtype=torch.float16).cumsum(0), exact) < 1e-3
    for index, value in ((-1, 65504.0), (0, math.inf), (5, math.nan)):
        out = exact.half()
        out[index] = value
        assert relative_error(out, exact) == math.inf, (index, value)


@pytest.mark.parametrize("piece", [1, 7, 64, 1 << 26], ids=lambda piece: f"piece-{piece}")
def test_relative_error_piece_by_piece_finds_the_same_worst(piece):
    """The error is compared piece by piece (a 4 GiB output's float64 temporaries at once ran an
    H200 out of memory): any piece size finds the largest error, wherever it sits, and the
    overflow rule holds in every piece."""
    exact = torch.rand(5, 23, dtype=torch.float64).cumsum(1) + 1.0
    out = exact.float()
    whole = relative_error(out, exact)
    assert 0 < relative_error(out, exact, piece=piece) == whole
    for index in (0, 57, 5 * 23 - 1):  # the first piece, one inside, the last
        worse = out.clone()
        worse.view(-1)[index] *= 1.5
        assert relative_error(worse, exact, piece=piece) == pytest.approx(0.5, rel=1e-6), index
        worse.view(-1)[index] = math.nan
        assert relative_error(worse, exact, piece=piece) == math.inf, index
    overflowing = torch.ones(70000, dtype=torch.float64).cumsum(0)
    assert relative_error(overflowing.half(), overflowing, piece=piece) < 1e-3
    assert relative_error(torch.empty(0, 4), torch.empty(0, 4, dtype=torch.float64), piece=piece) == 0.0


def synthetic_report():
    cells = []
    for op, dtype, shape in matrix.cells_for(quick=True):
        cells.append({"op": op, "dtype": dtype, "shape": shape, "family": "row", "max_relative_error": 1e-7,
                      "ms": {"triscan": 1.1, "torch eager": 3.0, "copy": 1.0}, "skipped": {}})
    return {"environment": {"gpu": "test", "commit": "abc"}, "input_gib": 1.0, "cells": cells}


def test_heatmap_and_table(tmp_path):
    report = synthetic_report()
    path = tmp_path / "matrix.png"
    matrix.plot_matrix(report, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = matrix.table_rows(report["cells"])
    assert rows[0][5] == "90.9%" and rows[0][7] == "-" and rows[0][8] == "-"
    report["cells"][0]["ms"][matrix.CUB] = 1.25
    assert matrix.table_rows(report["cells"])[0][8] == "80.0%"
    assert rows[0][9] == "-"
    report["cells"][0]["ms"]["converting copy"] = 1.1  # int32 -> int64 cells in reports before "input copy"
    assert matrix.table_rows(report["cells"])[0][9] == "90.9%"
    report["cells"][0]["ms"][matrix.INPUT_COPY] = 2.0  # torch's copy of the input as laid out
    assert matrix.table_rows(report["cells"])[0][9] == "50.0%"
    assert len(rows[0]) == len(matrix.COLUMNS)


def test_merge_joins_parts_in_matrix_order(tmp_path):
    """Two runs of parts of the matrix make one report: the matrix's cell order, the later run's
    cell where both have it, both commits named; reports of another GPU are refused."""
    first, second = synthetic_report(), synthetic_report()
    second["environment"]["commit"] = "def"
    second["cells"] = list(reversed(second["cells"][:5]))
    for cell in second["cells"]:
        cell["ms"]["triscan"] = 1.0
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, report in zip(paths, (first, second), strict=True):
        path.write_text(json.dumps(report))
    out = tmp_path / "all.json"
    names = [str(path) for path in paths]
    assert matrix.merge(names, json_path=str(out), plot_path=str(tmp_path / "all.png")) == 0
    merged = json.loads(out.read_text())
    keys = [(cell["op"], cell["dtype"], cell["shape"]) for cell in merged["cells"]]
    assert keys == matrix.cells_for(quick=True)
    assert [cell["ms"]["triscan"] for cell in merged["cells"][:6]] == [1.0] * 5 + [1.1]
    assert merged["environment"]["commit"] == "abc, def"
    second["environment"]["gpu"] = "another"
    paths[1].write_text(json.dumps(second))
    with pytest.raises(ValueError, match="different GPU"):
        matrix.merge([str(path) for path in paths])


def test_skip_leaves_out_the_cells_earlier_runs_hold(tmp_path):
    """A matrix run cut short goes on in the next call: cells an earlier report holds are left
    out, in the matrix's order otherwise."""
    report = synthetic_report()
    report["cells"] = report["cells"][:3]
    path = tmp_path / "part.json"
    path.write_text(json.dumps(report))
    cells = matrix.cells_for(quick=True)
    assert matrix.cells_left(cells, [str(path)]) == cells[3:]
    assert matrix.cells_left(cells, None) == cells


@pytest.mark.parametrize("op, shape", [("cumsum reverse", (64,)), ("cumsum", (4, 16))],
                         ids=["reverse", "2-D"])
def test_cub_cells_say_why_they_are_skipped(op, shape):
    cell = {"ms": {}, "skipped": {}}
    assert matrix.cub_scan(cell, torch.ones(shape), op, reference=None) is None
    assert cell["skipped"][matrix.CUB] == "1-D forward scans only" and not cell["ms"]


def test_cub_cells_skip_integers_that_torch_promotes():
    cell = {"ms": {}, "skipped": {}}
    assert matrix.cub_scan(cell, torch.ones(64, dtype=torch.int32), "cumsum", reference=None) is None
    assert "int64" in cell["skipped"][matrix.CUB] and not cell["ms"]


def test_cub_cell_without_cuda_cccl_says_so():
    try:
        import cuda.compute  # noqa: F401
    except ImportError:
        cell = {"ms": {}, "skipped": {}}
        assert matrix.cub_scan(cell, torch.ones(64), "exclusive_cumsum", reference=None) is None
        assert "not installed" in cell["skipped"][matrix.CUB] and not cell["ms"]
    else:
        pytest.skip("cuda-cccl is installed here")


def test_matrix_needs_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is here")
    result = subprocess.run([sys.executable, "-m", "triscan", "bench", "--matrix", "--quick"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "needs a CUDA GPU" in result.stdout


def test_precompile_warms_each_cells_torch_compile(monkeypatch):
    """The precompile workers also run each cell's torch.compile call once on an input of the
    cell's shape, so that the timing process finds inductor's caches warm."""
    seen = []

    def compile_recording(function):
        def compiled(x):
            seen.append((tuple(x.shape), x.dtype))
            return function(x)
        return compiled

    monkeypatch.setattr(torch, "compile", compile_recording)
    # dynamo's caches cleared before each compile: past its recompile limit a call runs eagerly
    monkeypatch.setattr(torch._dynamo, "reset", lambda: seen.append("reset"))
    cells = [("cumsum", "float32", "rows"), ("ModelNew", "bfloat16", "1-D"),
             ("exclusive reverse", "int64", "dim 0")]
    assert matrix.warm_compiled(cells, 1 << 16, device="cpu") == 3
    inputs = [matrix.make_input(family, matrix.DTYPES[dtype], 1 << 16, "cpu")[0]
              for _, dtype, family in cells]
    assert seen == [event for x in inputs for event in ("reset", (tuple(x.shape), x.dtype))]


@pytest.mark.parametrize("ms_per_position,fraction", [(1e-2, 256), (2e-3, 16), (1e-7, 16)],
                         ids=["far-past", "near", "fast"])
def test_eager_estimate_stops_at_the_first_slice_far_past_the_limit(ms_per_position, fraction, monkeypatch):
    """The eager estimate times a 1/256-length slice, and a 1/16-length one unless the first
    alone puts the call far past SLOW_EAGER_MS (a fake clock: each call costs its length)."""
    calls = []
    x = torch.ones(2**20, 2)
    monkeypatch.setattr(matrix, "once_ms", lambda fn: fn())

    def eager(probe):
        calls.append(probe.shape[0])
        return probe.shape[0] * ms_per_position

    estimate, used = matrix.eager_estimate(eager, x, 0)
    assert used == fraction
    assert calls == ([2**12] * 2 if fraction == 256 else [2**12] * 2 + [2**16] * 2)  # each slice warmed up
    assert math.isclose(estimate, 2**20 * ms_per_position)


@pytest.mark.parametrize("positions,unsafe", [(1, False), (2**30, False), (2**30 + 1, True), (2**31, True)],
                         ids=["one", "2^30", "2^30+1", "2^31"])
def test_torch_scans_past_2_30_positions_are_not_run(positions, unsafe):
    """torch's CUDA scan reads past its input beyond 2^30 positions (pytorch issue 196624): the
    matrix does not run torch eager there, and says why, where it took the whole run down."""
    reason = matrix.torch_scan_unsafe(positions)
    assert (reason is not None) == unsafe
    if unsafe:
        assert "196624" in reason and str(positions) in reason
