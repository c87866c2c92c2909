"""`triscan eval` on KernelBench-style pairs that are not cumsum."""

import pathlib
import subprocess
import sys

import pytest

from triscan.kernelbench import evaluate

PAIRS = pathlib.Path(__file__).parent / "eval_pairs"


@pytest.mark.parametrize("name", ["softplus", "rownorm"])
def test_eval_accepts_correct_pairs(name):
    report = evaluate.evaluate(str(PAIRS / f"{name}_ref.py"), str(PAIRS / f"{name}_new.py"), trials=3)
    assert report["correct"] and len(report["trials"]) == 3
    assert all(t["max_abs_error"] < 1e-4 for t in report["trials"])


def test_eval_rejects_a_wrong_pair_with_exit_code():
    command = [sys.executable, "-m", "triscan", "eval", str(PAIRS / "rownorm_ref.py"),
               str(PAIRS / "rownorm_wrong.py"), "--trials", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "MISMATCH" in result.stdout and "INCORRECT" in result.stdout


def test_eval_reports_missing_definitions():
    with pytest.raises(AttributeError, match="ModelNew"):
        evaluate.evaluate(str(PAIRS / "softplus_ref.py"), str(PAIRS / "rownorm_ref.py"))
