"""`triscan profile` without a GPU: ncu output parsing, the stall mapping, stage-rule verdicts,
and the exits for a missing ncu, a missing GPU and missing counter permissions."""

import os
import stat
import subprocess
import sys

import pytest
import torch

from triscan.tools import profile

# `ncu --csv --page raw --print-units base` output, trimmed to a few columns; the second row
# holds units, non-CSV lines (==PROF==) are interleaved
NCU_CSV = """==PROF== Connected to process 1234 (python3)
"ID","Process ID","Kernel Name","launch__grid_size","dram__throughput.avg.pct_of_peak_sustained_elapsed",\
"smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct",\
"smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct","gpu__time_duration.sum"
"","","","","%","%","%","ns"
"0","1234","void at::native::(anonymous namespace)::fill_kernel<float, 4>(int)","1,056","0.05","n/a","0.0",\
"2,784"
"1","1234","row_scan_kernel","32,767","88.70","n/a","45.03","2,883,008"
==PROF== Disconnected from process 1234
"""


def test_parse_ncu_csv_reads_values_units_and_na():
    launches = profile.parse_ncu_csv(NCU_CSV)
    assert [launch["Kernel Name"] for launch in launches][1] == "row_scan_kernel"
    row = launches[1]
    assert row["launch__grid_size"] == 32767.0  # thousands separators dropped
    assert row["dram__throughput.avg.pct_of_peak_sustained_elapsed"] == 88.7
    assert row[profile.SEED_STALL_METRIC] is None  # n/a on the H100's Nsight Compute
    assert row[profile.STALL_METRIC] == 45.03


def test_seed_block_names_the_stall_mapping():
    block = profile.seed_block(profile.parse_ncu_csv(NCU_CSV))
    assert list(block) == ["at::native::fill_kernel", "row_scan_kernel"]
    entry = block["row_scan_kernel"]
    assert all(metric in entry for metric in profile.SEED_METRICS)
    assert entry[f"memory_dependency_stall.pct (= {profile.STALL_METRIC})"] == 45.03


def test_short_names():
    assert profile.short_name("void at::native::(anonymous namespace)::f<float, 4>(int)") == "at::native::f"
    assert profile.short_name("lookback_scan_kernel") == "lookback_scan_kernel"
    assert profile.short_name("void cub::DeviceScanKernel<Policy<(int)1>, float*>(float*)") == \
        "cub::DeviceScanKernel"


def test_verdicts_follow_the_stage_rules():
    launch = {profile.STALL_METRIC: 45.0, "dram__throughput.avg.pct_of_peak_sustained_elapsed": 88.7,
              "launch__registers_per_thread": 255.0}
    rules = {rule: (verdict, why) for rule, verdict, why in profile.verdicts(launch, 1, [1, 2, 3], 90.0)}
    assert rules["memory-dependency stalls < 20%"][0] == "FAIL"
    assert rules["num_stages raised only if memory stalls are high"][0] == "FAIL"  # stalls high, stages 1
    assert rules["access patterns rewritten only on metric evidence"][0] == "PASS"  # 88.7 vs copy 90
    assert "255" in rules["larger blocks raise register pressure"][1]
    assert rules["autotune tries num_stages in {1, 2, 3}"][0] == "PASS"
    quiet = {profile.STALL_METRIC: 5.0, "dram__throughput.avg.pct_of_peak_sustained_elapsed": 40.0}
    rules = {rule: verdict for rule, verdict, _ in profile.verdicts(quiet, 1, [1, 2], 90.0)}
    assert rules["memory-dependency stalls < 20%"] == "PASS"
    assert rules["access patterns rewritten only on metric evidence"] == "INFO"  # far below the copy
    assert rules["autotune tries num_stages in {1, 2, 3}"] == "INFO"
    minor = profile.verdicts(launch, None, None, 90.0, share=0.001)
    assert len(minor) == 1 and minor[0][1] == "INFO"


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "triscan", "profile", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_missing_ncu_exits_nonzero():
    result = run_cli("--ncu", "/nonexistent/ncu")
    assert result.returncode == 2
    assert "ncu" in result.stdout and "not on PATH" in result.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without a GPU")
def test_missing_gpu_exits_nonzero(tmp_path):
    fake = tmp_path / "ncu"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run_cli("--ncu", str(fake))
    assert result.returncode == 2 and "CUDA GPU" in result.stdout


def test_counter_permission_error_is_reported(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "ncu"
    fake.write_text("#!/bin/sh\necho '==ERROR== ERR_NVGPUCTRPERM - no permission to access counters'\n"
                    "exit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    code = profile.main(["1d"], ["triscan"], ncu=str(fake))
    assert code == 3
    assert "performance counters" in capsys.readouterr().out


def test_help_lists_profile():
    result = subprocess.run([sys.executable, "-m", "triscan", "--help"], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ))
    assert "profile" in result.stdout


def test_profile_cases_are_the_suite_cases():
    from triscan.tools import suite

    assert profile.CASES["headline"] is None
    assert {name for name in profile.CASES.values() if name} == set(suite.CASES)


REFERENCE = """import torch
class Model(torch.nn.Module):
    def forward(self, x):
        return torch.cumsum(x, 1)
def get_inputs():
    return [torch.rand(4, 100)]
def get_init_inputs():
    return []
"""


def fake_ncu(tmp_path, output: str):
    """An `ncu` that records its arguments and prints `output`."""
    fake = tmp_path / "ncu"
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'ncu_args.txt'}\ncat <<'CSV'\n{output}CSV\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


def pair(tmp_path, candidate: str = "import triscan\nModelNew = triscan.ModelNew\n"):
    reference, new = tmp_path / "ref.py", tmp_path / "new.py"
    reference.write_text(REFERENCE)
    new.write_text(candidate)
    return reference, new


def test_candidate_profile_runs_the_pair_under_ncu(tmp_path, monkeypatch, capsys):
    """REF.py NEW.py: ncu runs the child on both files, and the stage's verdicts come back per kernel."""
    reference, new = pair(tmp_path)
    fake = fake_ncu(tmp_path, NCU_CSV)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr("triscan.tools.environment.environment", lambda: {"gpu": "none: ncu is a stand-in"})
    report = tmp_path / "profile.json"
    code = profile.files_main(str(reference), str(new), json_path=str(report), ncu=str(fake),
                              stage_name="block_tiling")
    assert code == 0
    arguments = (tmp_path / "ncu_args.txt").read_text().split()
    child = arguments[arguments.index("triscan.tools.profile") + 1:]
    assert child[:3] == ["--files", str(reference), str(new)]
    assert "launch__occupancy_limit_registers" in arguments[arguments.index("--metrics") + 1]
    out = capsys.readouterr().out
    assert "row_scan_kernel" in out and "new.py" in out
    profiles = __import__("json").loads(report.read_text())["profiles"]
    (only,) = profiles.values()
    assert set(only["verdicts"]) == set(only["metrics"])
    verdicts = [entry["verdict"] for rules in only["verdicts"].values() for entry in rules]
    assert verdicts and set(verdicts) <= {"PASS", "FAIL", "INFO"}


def test_candidate_profile_refuses_missing_files_and_tools(tmp_path, monkeypatch, capsys):
    reference, new = pair(tmp_path)
    assert profile.files_main(str(reference), str(tmp_path / "missing.py")) == 2
    assert "no such file" in capsys.readouterr().out
    assert profile.files_main(str(reference), str(new), ncu="/nonexistent/ncu") == 2
    assert "not on PATH" in capsys.readouterr().out
    fake = fake_ncu(tmp_path, "==ERROR== ERR_NVGPUCTRPERM - no permission\n")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profile.files_main(str(reference), str(new), ncu=str(fake)) == 3
    fake = fake_ncu(tmp_path, "==PROF== no kernels\n")
    assert profile.files_main(str(reference), str(new), ncu=str(fake)) == 1
    assert "saw no kernel" in capsys.readouterr().out


def test_candidate_profile_cli_takes_two_files(tmp_path):
    reference, _ = pair(tmp_path)
    result = subprocess.run([sys.executable, "-m", "triscan", "profile", str(reference)], capture_output=True,
                            text=True, env={**os.environ, "TRITON_INTERPRET": "1"})
    assert result.returncode == 2 and "two files" in result.stdout


def test_candidate_without_modelnew_is_named(tmp_path):
    reference, new = pair(tmp_path, "x = 1\n")
    with pytest.raises(SystemExit, match="defines no ModelNew"):
        profile.candidate_call(str(reference), str(new))


def test_prompt_with_ref_measures_the_candidate(tmp_path, monkeypatch, capsys):
    """`triscan prompt NEW.py --ref REF.py`: the metrics block is measured now (ncu on the pair),
    with the stage's metrics; without ncu the prompt says no metrics are available."""
    from triscan.tools import cli

    reference, new = pair(tmp_path)
    fake = fake_ncu(tmp_path, NCU_CSV)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    prompt = tmp_path / "prompt.txt"
    argv = ["prompt", str(new), "--stage", "block_tiling", "--gpu", "4090", "--ref", str(reference), "-o",
            str(prompt)]
    assert cli.main([*argv, "--ncu", str(fake)]) == 0
    text = prompt.read_text()
    assert '"row_scan_kernel"' in text and "launch__occupancy_limit_registers" in text
    assert "No NCU metrics available" not in text
    assert cli.main([*argv, "--ncu", "/nonexistent/ncu"]) == 0
    assert "No NCU metrics available" in prompt.read_text()
    assert "not on PATH" in capsys.readouterr().err


def test_candidate_autotune_report_reads_the_candidates_own_kernels(tmp_path, monkeypatch):
    """A single file carries its own copies of triscan's kernels: the autotune report of a
    candidate profile names those (configs tried, none chosen before a call), not the library's."""
    from triscan.kernelbench import emit

    reference, candidate = pair(tmp_path, emit.emit_source())
    reference.write_text(REFERENCE.replace("return []", "return [1]"))
    monkeypatch.setattr(torch, "rand", lambda *shape, **kwargs: torch.ones(*shape))  # no CUDA needed
    monkeypatch.setattr("triscan.kernelbench.evaluate.to_device", lambda inputs, device: inputs)
    call = profile.candidate_call(str(reference), str(candidate))
    report = profile.autotuned_kernels(call.kernels)
    assert set(report) == {"row_scan_kernel", "column_scan_kernel", "lookback_scan_kernel",
                           "column_lookback_scan_kernel"}
    assert all(entry["chosen"] == [] and entry["stages_tried"] for entry in report.values())
