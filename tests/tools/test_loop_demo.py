"""The loop demo of `STEP=loop bash scripts/gpu_session.sh` (benchmarks/dev/loop), run through the
interpreter on a small seed problem: the scripted agent's four answers get the four verdicts its
docstring promises, so the GPU run that makes the README's summary cannot fail on the demo."""

import json
import pathlib
import sys

from triscan.tools import optimize

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOOP = ROOT / "benchmarks" / "dev" / "loop"
START = ROOT / "tests" / "kernelbench" / "data" / "seed_baseline_modelnew.py"


def test_loop_demo_answers_get_their_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("TRISCAN_LOOP_SHAPE", "6x200")
    monkeypatch.setattr(optimize, "time_models", lambda reference, paths: {paths[0]: 2.0, paths[1]: 1.0}
                        if "00-" in paths[1] else {paths[0]: 1.0, paths[1]: 1.0})
    agent = f"{sys.executable} {LOOP / 'agent.py'} {tmp_path / 'calls'} {START}"
    out = tmp_path / "run"
    assert optimize.main(str(LOOP / "seed_reference.py"), str(START), agent, rounds=1, out=str(out),
                         gpu_name="H200", trials=1, timeout=300, ncu="") == 0
    steps = json.loads((out / "state.json").read_text())["steps"]
    verdicts = [step["verdict"] for step in steps]
    assert [step["kept"] for step in steps] == [True, False, False, False], verdicts
    assert verdicts[1].startswith(("wrong", "fails to run")), verdicts[1]
    assert "the best stays" in verdicts[2]
    assert verdicts[3].startswith("breaks the rules") and "pass" in verdicts[3]
    assert "seed_exclusive_cumsum" in (out / "best.py").read_text()
