"""`triscan check`: the matrix passes, and a broken op shows up as a failure with exit code 1."""

import math
import subprocess
import sys

import torch
from conftest import DEVICE

from triscan.testing.tolerance import scan_error_excess
from triscan.tools import check


def test_check_command_passes_quick_matrix():
    result = subprocess.run([sys.executable, "-m", "triscan", "check", "--quick"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "tolerance:" in result.stdout and " 0 failed" in result.stdout


def test_check_reports_a_wrong_op():
    def off_by_one(x, dim):
        return check.cumsum(x, dim) + 1

    def unwritten(x, dim):
        return torch.empty(x.shape, dtype=x.dtype, device=x.device)  # poisoned: NaN

    bound = lambda x, d: check.cumsum_reference(x.abs(), d)  # noqa: E731
    ops = {"wrong": (off_by_one, check.cumsum_reference, bound, {}),
           "unwritten": (unwritten, check.cumsum_reference, bound, {}),
           "raises": (lambda x, d: 1 / 0, check.cumsum_reference, bound, {})}
    results = check.run_matrix(DEVICE, quick=True, ops=ops, dtypes=(torch.float32,))
    assert results and not any(r["passed"] for r in results)
    report = check.format_report(results)
    assert "FAILED wrong" in report and "FAILED unwritten" in report and "ZeroDivisionError" in report
    assert report.endswith(f"0 passed, {len(results)} failed")


def test_check_counts_cases_per_registry_family():
    """Every case records the family its plan took; the full matrix reaches all of them."""
    results = check.run_matrix(DEVICE, ops={"cumsum": check.OPS["cumsum"]}, dtypes=(torch.float32,))
    counts = check.family_counts(results)
    assert set(counts) == {family.name for family in check.FAMILIES}
    assert all(counts.values()), counts


def test_float16_overflow_counts_as_torch_does():
    """A float16 running sum past 65504 is inf in torch too: an infinity of the reference's
    sign passes there, and fails anywhere the sum is finite or of the other sign."""
    x = torch.full((70000,), 1.0, dtype=torch.float64)
    reference, bound = torch.cumsum(x, 0), torch.cumsum(x, 0)
    out = reference.to(torch.float16)  # inf from 65520 on
    assert torch.isinf(out).any()
    assert scan_error_excess(out, reference, bound, x.numel()) <= 0
    wrong_sign = out.clone()
    wrong_sign[-1] = -math.inf
    assert scan_error_excess(wrong_sign, reference, bound, x.numel()) > 0
    early = out.clone()
    early[100] = math.inf
    assert scan_error_excess(early, reference, bound, x.numel()) > 0
