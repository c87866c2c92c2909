"""`triscan optimize` with a scripted agent (tests/tools/optimize_problem): a faster correct
answer is kept, a wrong one, one that breaks the rules, a crash and a slower one are not, each
with its reason; the next prompt says what failed; a second run goes on where the first stopped."""

import json
import pathlib
import sys

from triscan.tools import optimize

PROBLEM = pathlib.Path(__file__).parent / "optimize_problem"
sys.path.insert(0, str(PROBLEM))
from make_candidate import candidate  # noqa: E402


def test_scripted_agent_outcomes(tmp_path):
    start = tmp_path / "start.py"
    start.write_text(candidate(64))
    counter = tmp_path / "calls"
    agent = f"{sys.executable} {PROBLEM / 'agent.py'} {counter}"
    out = tmp_path / "run"
    assert optimize.main(str(PROBLEM / "reference.py"), str(start), agent, ["memory_access"], rounds=5,
                         out=str(out), gpu_name="4090", trials=2, timeout=120) == 0
    state = json.loads((out / "state.json").read_text())
    verdicts = [step["verdict"] for step in state["steps"]]
    assert [step["kept"] for step in state["steps"]] == [True, False, False, False, False], verdicts
    assert verdicts[0].startswith("faster by")
    assert verdicts[1].startswith("wrong: max |error|")
    assert verdicts[2].startswith("breaks the rules") and "try/except" in verdicts[2]
    assert verdicts[3].startswith("the agent failed (exit 3)") and "the agent broke" in verdicts[3]
    assert "the best stays" in verdicts[4]
    assert "BLOCK=4096" in (out / "best.py").read_text()
    for index in range(5):
        assert (next(out.glob(f"{index:02d}-memory_access-r*")) / "prompt.txt").exists()
    # the prompt after a failure says what failed; the one after a success does not
    prompts = (tmp_path / "calls.prompts").read_text().split("--- call ")
    assert "[PREVIOUS ATTEMPT]" not in prompts[2] and "[PREVIOUS ATTEMPT]" in prompts[3]
    assert "wrong: max |error|" in prompts[3]
    assert "| 0 | memory_access r1 |" in (out / "summary.md").read_text()
    # a second run with the same folder goes on: the five steps are done, one more round asks once
    optimize.main(str(PROBLEM / "reference.py"), str(start), agent, ["memory_access"], rounds=6, out=str(out),
                  gpu_name="4090", trials=2, timeout=120)
    assert int(counter.read_text()) == 6
    assert len(json.loads((out / "state.json").read_text())["steps"]) == 6


def test_an_answer_that_does_not_parse_is_a_verdict(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n")
    why = optimize.judge(str(PROBLEM / "reference.py"), str(broken), broken.read_text(), trials=1)
    assert why.startswith("does not parse")


def test_code_block_extraction():
    assert optimize.extract_code("text\n```python\nx = 1\n```\nmore ```python\ny\n```") == "x = 1\n"
    assert optimize.extract_code("no code here") is None


def test_a_wrong_start_stops_the_loop(tmp_path):
    start = tmp_path / "start.py"
    start.write_text(candidate(64, add=3.0))
    code = optimize.main(str(PROBLEM / "reference.py"), str(start), "false", ["memory_access"],
                         out=str(tmp_path / "run"), gpu_name="4090", trials=1)
    assert code == 1 and not (tmp_path / "run" / "state.json").exists()


def test_a_start_that_breaks_the_static_rules_still_starts(tmp_path, capsys):
    """The seed's own baseline breaks KernelBench's static rules (the word "pass" in its kernel
    names): the start is judged on correctness alone, and what it breaks is said."""
    start = tmp_path / "start.py"
    start.write_text(candidate(64, fallback=True))
    agent = f"{sys.executable} {PROBLEM / 'agent.py'} {tmp_path / 'calls'}"
    assert optimize.main(str(PROBLEM / "reference.py"), str(start), agent, ["memory_access"], rounds=1,
                         out=str(tmp_path / "run"), gpu_name="4090", trials=1, timeout=120, ncu="") == 0
    assert "the starting code breaks the rules" in capsys.readouterr().out
    assert json.loads((tmp_path / "run" / "state.json").read_text())["steps"][0]["kept"]


def test_prompts_carry_metrics_measured_once_per_best_code(tmp_path, monkeypatch):
    """With ncu, each prompt carries the current best code's metrics in the seed's form, measured
    once per best code and stage (a stand-in ncu counts its runs); without ncu it says none."""
    import stat

    from test_profile import NCU_CSV

    from triscan.tools import profile

    runs = tmp_path / "ncu_runs"
    fake = tmp_path / "ncu"
    fake.write_text(f"#!/bin/sh\necho run >> {runs}\ncat <<'CSV'\n{NCU_CSV}CSV\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(profile, "profiler_missing", lambda ncu: (ncu, 0))  # a GPU for the stand-in
    monkeypatch.setattr(optimize, "time_models", lambda reference, paths: {paths[0]: 2.0, paths[1]: 1.0})
    start = tmp_path / "start.py"
    start.write_text(candidate(64))
    counter = tmp_path / "calls"
    agent = f"{sys.executable} {PROBLEM / 'agent.py'} {counter}"
    out = tmp_path / "run"
    assert optimize.main(str(PROBLEM / "reference.py"), str(start), agent, ["memory_access", "block_tiling"],
                         rounds=2, out=str(out), gpu_name="4090", trials=1, timeout=120, ncu=str(fake)) == 0
    prompts = (tmp_path / "calls.prompts").read_text().split("--- call ")[1:]
    assert len(prompts) == 4
    for text in prompts:
        assert '"row_scan_kernel"' in text and "No NCU metrics available" not in text
    # steps: memory r1 (kept: a new best), memory r2, tiling r1, tiling r2: the start under memory,
    # then the new best under memory and under tiling
    assert len(runs.read_text().split()) == 3
    state = json.loads((out / "state.json").read_text())
    assert [step["metrics"] for step in state["steps"]] == ["measured"] * 4
    assert "| measured |" in (out / "summary.md").read_text()

    monkeypatch.undo()
    plain = tmp_path / "plain"
    assert optimize.main(str(PROBLEM / "reference.py"), str(start), agent, ["memory_access"], rounds=1,
                         out=str(plain), gpu_name="4090", trials=1, timeout=120,
                         ncu=str(tmp_path / "none")) == 0
    assert "No NCU metrics available" in (tmp_path / "calls.prompts").read_text().split("--- call ")[-1]
    assert "not on PATH" in json.loads((plain / "state.json").read_text())["steps"][0]["metrics"]
