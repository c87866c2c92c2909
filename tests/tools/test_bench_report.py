"""`triscan bench` without a GPU: the JSON report's schema (checked on a committed H100 report),
the plot, the progress bar and the competitor discovery."""

import io
import json
import pathlib

import pytest

from triscan.tools import bench, competitors
from triscan.tools.report import StepProgress
from triscan.tools.suite import format_suite

ROOT = pathlib.Path(__file__).parent.parent.parent
REPORT = ROOT / "benchmarks" / "results" / "2026-11-26-h100-df6f79a" / "suite.json"


def load_report():
    return json.loads(REPORT.read_text())


def test_committed_report_matches_the_schema():
    assert bench.validate_report(load_report()) == []


def test_schema_catches_missing_and_mistyped_fields():
    report = load_report()
    del report["environment"]["gpu"]
    report["headline"]["rows"][0]["ms"] = "fast"
    report["suite"][0]["ms"]["triscan"] = -1.0
    del report["suite"][1]["ms"]["copy roofline"]
    problems = bench.validate_report(report)
    assert any("missing 'gpu'" in p for p in problems)
    assert any("'ms' is str" in p for p in problems)
    assert any("not a positive float" in p for p in problems)
    assert any("no triscan or copy roofline" in p for p in problems)


def test_plot_is_written(tmp_path):
    path = tmp_path / "bench.png"
    bench.plot_report(load_report(), str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_progress_lines_without_a_terminal():
    """In a log (no terminal) each step is one plain line, so a cut-off GPU run shows how far it got."""
    stream = io.StringIO()
    progress = StepProgress(2, stream)
    progress.step("headline")
    progress.step("1-D 2^30")
    assert stream.getvalue().splitlines() == ["1/2 headline", "2/2 1-D 2^30"]


def test_tables_on_a_terminal_and_in_markdown():
    """rich draws the terminal table; the markdown for RESULTS.md has the same cells."""
    report = load_report()
    stream = io.StringIO()
    bench.show_headline(report["headline"], report["environment"], stream)
    drawn = stream.getvalue()
    markdown = bench.format_table(report["headline"], report["environment"])
    for row in report["headline"]["rows"]:
        assert row["name"] in drawn and row["name"] in markdown
        assert f"{row['pct_of_copy']:.1f}%" in drawn and f"{row['pct_of_copy']:.1f}%" in markdown
    assert "|---|---:|" in markdown


def test_competitors_are_found_or_skipped_with_a_reason():
    found, skipped = competitors.competitors_for((1 << 20,), reverse=False)
    for name in ("CUB (cuda-cccl)", "FlagGems"):
        assert (name in found) != (name in skipped)
        assert name not in skipped or skipped[name]  # a one-line reason
    found, skipped = competitors.competitors_for((4, 100), reverse=True)
    assert "CUB (cuda-cccl)" in skipped and "FlagGems" in skipped


def test_suite_table_lists_skipped_competitors():
    report = load_report()
    for case in report["suite"]:
        case["skipped"] = {}
    report["suite"][0]["skipped"] = {"FlagGems": "FlagGems is not installed (pip install flag-gems)"}
    table = format_suite(report["suite"])
    assert "FlagGems: skipped (FlagGems is not installed (pip install flag-gems))" in table
    assert table.count("\n| ") == len(report["suite"])  # one row per case after the header


def test_headline_table_names_the_l2_mode():
    report = load_report()
    info = dict(report["environment"])
    assert "L2 flushed" in bench.format_table(report["headline"], info)
    info["l2"] = "warm"
    table = bench.format_table(report["headline"], info)
    assert "L2 warm" in table and "flushed" not in table


def test_commit_of_a_changed_tree_is_marked_dirty(tmp_path, monkeypatch):
    """A copied checkout whose .git is older than its files must not pass for that commit."""
    import subprocess

    def git(*args):
        subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("a = 1\n")
    git("add", "code.py")
    git("commit", "-q", "-m", "first")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRISCAN_COMMIT", raising=False)
    clean = bench.environment()["commit"]
    assert clean and not clean.endswith("-dirty")
    (tmp_path / "code.py").write_text("a = 2\n")
    assert bench.environment()["commit"] == clean + "-dirty"
    monkeypatch.setenv("TRISCAN_COMMIT", "abc1234")
    assert bench.environment()["commit"] == "abc1234"


def test_source_digest_names_the_code_that_ran(tmp_path, monkeypatch):
    """Every result carries a digest of the package's sources beside the commit's name, which a
    hand-set TRISCAN_COMMIT can get wrong (NOTES.md 168): the same tree gives the same digest, a
    changed file another."""
    import shutil

    from triscan.tools import environment as environment_module

    package = tmp_path / "triscan"
    shutil.copytree(pathlib.Path(environment_module.__file__).resolve().parents[1], package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    copied = package / "tools" / "environment.py"
    monkeypatch.setattr(environment_module, "__file__", str(copied))
    first = environment_module.source_digest()
    assert len(first) == 12 and first == environment_module.source_digest()
    scan = package / "kernels" / "tiles.py"
    scan.write_text(scan.read_text() + "\n# changed\n")
    assert environment_module.source_digest() != first
    assert bench.environment()["source"] == environment_module.source_digest()


@pytest.mark.gpu
def test_suite_cases_reach_every_registry_family_gpu():
    """The suite times every family the dispatcher can choose (plans only: nothing allocated)."""
    import torch

    from triscan.api import result_dtype
    from triscan.kernels.registry import FAMILIES
    from triscan.scan.layout import contiguous_strides
    from triscan.scan.plan import plan_scan
    from triscan.tools.suite import CASES

    reached = set()
    for shape, dim, dtype, *flags in CASES.values():
        reverse = bool(flags and flags[0])
        plan = plan_scan(shape, contiguous_strides(shape), dim, shape[dim], 0, reverse, shape, dtype,
                         result_dtype(dtype), torch.device("cuda"))
        reached.add(plan.family.name)
    assert reached == {family.name for family in FAMILIES}
