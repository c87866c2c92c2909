"""benchmarks/accuracy.py's judgment (issue 14 point 6): sums past a type's range count as range
misses, not as errors, and a result that stays finite where the correctly rounded sum is an
infinity (torch's float16 columns) is the miss, not the one that reads the infinity."""

import importlib.util
import pathlib

import numpy
import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("accuracy", ROOT / "benchmarks" / "accuracy.py")
accuracy = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(accuracy)


def test_a_sum_past_the_range_must_read_infinity():
    reference = torch.tensor([1.0, 60001.0, 70000.0, 140000.0], dtype=torch.float64)
    scale = reference.abs()
    right = reference.to(torch.float16)  # 1, 60000, inf, inf
    stuck = torch.tensor([1.0, 60000.0, 65504.0, 65504.0], dtype=torch.float16)
    ours, theirs = accuracy.errors(right, reference, scale), accuracy.errors(stuck, reference, scale)
    assert (ours["range_misses"], ours["judged"], ours["max_abs"]) == (0, 2, 1.0)
    assert (theirs["range_misses"], theirs["judged"]) == (2, 2)
    assert accuracy.no_worse(accuracy.mean_errors([ours]), accuracy.mean_errors([theirs]))
    assert not accuracy.no_worse(accuracy.mean_errors([theirs]), accuracy.mean_errors([ours]))


def test_an_infinity_within_the_range_and_a_nan_are_misses():
    reference = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    out = torch.tensor([1.0, float("inf"), float("nan")], dtype=torch.float32)
    result = accuracy.errors(out, reference, reference)
    assert (result["range_misses"], result["judged"], result["max_abs"]) == (2, 1, 0.0)


def test_long_double_references_keep_their_extra_bits():
    reference = numpy.array([1, 2], dtype=numpy.longdouble) + numpy.longdouble(2.0) ** -60
    out = torch.tensor([1.0, 2.0], dtype=torch.float64)
    result = accuracy.errors(out, reference, torch.ones(2, dtype=torch.float64))
    assert result["max_abs"] == pytest.approx(2.0 ** -60) and result["range_misses"] == 0


def test_errors_average_over_seeds_and_misses_add_up():
    per_seed = [{"max_abs": 1.0, "rms": 0.5, "max_rel_to_abs_sum": 0.1, "range_misses": 1, "judged": 3},
                {"max_abs": 3.0, "rms": 1.5, "max_rel_to_abs_sum": 0.3, "range_misses": 0, "judged": 4}]
    mean = accuracy.mean_errors(per_seed)
    assert (mean["max_abs"], mean["rms"], mean["max_rel_to_abs_sum"]) == (2.0, 1.0, 0.3)
    assert (mean["range_misses"], mean["judged"]) == (1, 7)


@pytest.mark.parametrize("shape, dim", [((7,), 0), ((3, 5), 1), ((4, 3), 0)], ids=["1-D", "rows", "dim0"])
def test_the_seeds_long_double_reference_is_its_model(shape, dim):
    """ModelNew's long double reference follows the seed's steps, [:-1] along dim 0 included."""
    from triscan.testing.reference import seed_model

    x = torch.randn(shape, dtype=torch.float64)
    expected = seed_model(x, dim).numpy()
    reference = accuracy.extended_reference("ModelNew", x, dim)
    assert reference.shape == expected.shape
    numpy.testing.assert_allclose(reference.astype(numpy.float64), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the interpreter's --small run; on CUDA it runs whole")
@pytest.mark.parametrize("case", ["narrow (2^20 + 1, 3) dim 0", "strided narrow (2^19, 8 of 16) dim 0"],
                         ids=["3-lanes", "strided-view"])
def test_a_small_run_writes_every_row(case, tmp_path):
    """The script end to end on one case (shrunk), as the device runs it: a row per op, with its
    family and both sides' errors against the float64 reference."""
    import json
    import os
    import subprocess
    import sys

    path = tmp_path / "accuracy.json"
    env = dict(os.environ, TRITON_INTERPRET="1")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "accuracy.py"), "--small", "--seeds", "1",
                    "--dtypes", "float32", "--ops", "cumsum", "exclusive reverse", "--cases", case,
                    "--json", str(path)], check=True, env=env, capture_output=True, timeout=600)
    rows = json.loads(path.read_text())["results"]
    assert [row["op"] for row in rows] == ["cumsum", "exclusive reverse"]
    shape, _dim, view = accuracy.SHAPES[case]
    lanes = shape[1] if view is None else len(range(shape[1])[view])  # the strided view reads 8 of 16
    for row in rows:
        assert row["family"] == "column_lookback" and row["case"] == case and row["shape"][1] == lanes
        # the sums of a few hundred normal draws: errors of float32 roundings, nothing missing
        assert 0 < row["triscan"]["max_abs"] < 1e-3 and row["triscan"]["range_misses"] == 0


@pytest.mark.parametrize("op", ["exclusive_cumprod", "cumprod reverse", "logcumsumexp",
                                "exclusive_logcumsumexp reverse"])
def test_long_double_references_of_every_operator(op):
    """A float64 product's or log-sum-exp's long double reference is its float64 one, to float64's
    precision (the identity first in exclusive forms: 1, or -inf)."""
    from triscan.tools import matrix

    x = accuracy.draw(op, (3, 40), 1, torch.float64, "cpu")
    expected = matrix.reference_call(op, 1)(x).numpy()
    reference = accuracy.extended_reference(op, x, 1)
    numpy.testing.assert_allclose(reference.astype(numpy.float64), expected, rtol=1e-12, atol=1e-12)


def test_products_stay_near_one_and_log_sum_exps_are_scaled_by_their_size():
    """Product factors exp(N(0, 1/L)) keep the running product within a few e of 1 over the whole
    length; a log-sum-exp's scale is |reference| + 1."""
    x = accuracy.draw("cumprod", (1 << 16,), 0, torch.float64, "cpu")
    assert (x < 0).any() and x.abs().log().sum().abs() < 10
    assert accuracy.scale_of("cumprod", x, 0, accuracy.extended_reference("cumprod", x, 0)).min() > 1e-4
    y = accuracy.draw("logcumsumexp", (100,), 0, torch.float64, "cpu")
    reference = torch.logcumsumexp(y, 0)
    assert torch.allclose(accuracy.scale_of("logcumsumexp", y, 0, reference), reference.abs() + 1)


@pytest.mark.parametrize("case", ["narrow (2^20 + 1, 3) dim 0", "strided narrow (2^19, 8 of 16) dim 0",
                                  "4 odd rows of 2^24 - 1"])
@pytest.mark.parametrize("op", ["exclusive reverse", "ModelNew", "logcumsumexp"])
def test_the_plan_a_precompile_worker_warms_is_the_rows_call(case, op):
    """--precompile compiles the configs of the plan each row's call takes, made from its shape
    alone (small shapes: the CPU makes the real input too)."""
    from triscan.explain import plan_of
    from triscan.tools import matrix

    shape, dim, view = accuracy.SHAPES[case]
    shape = tuple(max(1, size >> 12) if size > 4096 else min(size, 64) for size in shape)
    row = (case, shape, dim, view, "bfloat16", op)
    x = torch.randn(shape, dtype=torch.bfloat16)
    called = plan_of(x if view is None else x[..., view], dim, **matrix.op_flags(op))[0]
    planned = accuracy.row_plan(row, torch.device("cpu"))
    assert (planned.family, planned.launch.constexprs, planned.launch.scalar_args) == \
        (called.family, called.launch.constexprs, called.launch.scalar_args)
