"""`triscan optimize REF.py START.py --agent "COMMAND"`: the seed's staged loop, run by any agent.

Per stage and round: profile the current best code under Nsight Compute with that stage's
metrics (once per best code and stage; without ncu, a GPU or counter access the prompt says "No
NCU metrics available" and the summary says why), render the prompt (kernelbench/prompt.py), pipe
it to COMMAND (any program that reads a prompt on stdin and writes an answer on stdout), take the
answer's first ```python block, check it against the OUTPUT RULES and KernelBench's static
rules, check it against REF.py on fresh inputs, time it against the current best in this process,
and keep it when it is faster by more than the stage's threshold. Every prompt, answer, verdict
and timing goes under DIR (one folder per step, `state.json`, `summary.md`); a second run with
the same DIR goes on from the first step not yet done.
"""

import contextlib
import hashlib
import io
import json
import pathlib
import re
import statistics
import subprocess
import time

import torch

from ..kernelbench import prompt as prompts
from ..kernelbench import rules, stages
from ..kernelbench.evaluate import evaluate, load_module, to_device
from ..kernelbench.gpus import gpu_named, live_gpu
from .report import markdown_table, show_table

CODE_BLOCK = re.compile(r"```python[^\n]*\n(.*?)```", re.S)
COLUMNS = ["step", "stage", "NCU metrics", "verdict", "candidate ms", "best ms", "gain", "kept"]


def extract_code(answer: str) -> str | None:
    """The first ```python block of an answer (None when there is none)."""
    match = CODE_BLOCK.search(answer)
    return match.group(1) if match else None


def time_models(reference_path: str, paths: list[str], rounds: int = 2) -> dict:
    """Milliseconds per call of each file's ModelNew on the same inputs, alternating, best of
    `rounds`: do_bench medians on CUDA, medians of wall-clock calls elsewhere."""
    reference = load_module(reference_path, "triscan_optimize_reference")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    inputs = to_device(reference.get_inputs(), device)
    init = reference.get_init_inputs()
    models = {path: load_module(path, f"triscan_optimize_{index}").ModelNew(*init).to(device)
              for index, path in enumerate(paths)}
    times = {path: [] for path in paths}
    with torch.no_grad():
        for model in models.values():
            model(*inputs)  # compile and autotune outside the timing
        for _ in range(rounds):
            for path, model in models.items():
                times[path].append(one_timing(lambda model=model: model(*inputs), device))
    return {path: min(values) for path, values in times.items()}


def one_timing(fn, device: str) -> float:
    if device == "cuda":
        from triton.testing import do_bench

        return do_bench(fn, warmup=10, rep=50, return_mode="median")
    calls = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        calls.append(1000 * (time.perf_counter() - start))
    return statistics.median(calls)


def ask_agent(command: str, text: str, timeout: int) -> tuple[str | None, str]:
    """(answer, why not): the agent's standard output, or None with the reason it gave none."""
    try:
        done = subprocess.run(command, shell=True, input=text, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"the agent gave no answer within {timeout} s"
    if done.returncode != 0:
        return None, f"the agent failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return done.stdout, ""


def judge(reference_path: str, candidate_path: str, code: str, trials: int, rules_apply: bool = True) -> str:
    """Why a candidate is not acceptable ("" when it is): rules first, then correctness. The
    starting code is judged on correctness alone (`rules_apply=False`): the seed's own three-pass
    baseline breaks KernelBench's static rules (its kernels are named `..._pass1_kernel`), and the
    loop must still start from it; what it breaks is printed, and every answer must keep them."""
    try:
        problems = rules.output_rule_problems(code)
    except SyntaxError as error:
        return f"does not parse: {error}"
    errors, _ = rules.static_problems(code)
    if (problems or errors) and rules_apply:
        return "breaks the rules: " + "; ".join(problems + errors)
    if problems or errors:
        print(f"note: the starting code breaks the rules ({'; '.join(problems + errors)}); answers may not")
    try:
        report = evaluate(reference_path, candidate_path, trials=trials)
    except Exception as failure:  # the candidate's own error, reported as its verdict
        return f"fails to run: {type(failure).__name__}: {str(failure)[:300]}"
    if not report["correct"]:
        worst = max(report["trials"], key=lambda trial: trial["max_abs_error"])
        return (f"wrong: max |error| {worst['max_abs_error']:.3g}" if worst["shape_and_dtype_match"]
                else f"wrong: shape or dtype {worst['got_shape']} where {worst['expected_shape']}")
    return ""


def load_state(folder: pathlib.Path, start_path: str) -> dict:
    path = folder / "state.json"
    if path.exists():
        return json.loads(path.read_text())
    best = folder / "best.py"
    best.write_text(pathlib.Path(start_path).read_text())
    return {"best": str(best), "steps": []}


def plan_steps(stage_names: list[str], rounds: int) -> list[tuple[int, str, int]]:
    """(step index, stage name, round) of every step, stage by stage."""
    pairs = [(name, round_) for name in stage_names for round_ in range(1, rounds + 1)]
    return [(index, name, round_) for index, (name, round_) in enumerate(pairs)]


def stage_metrics(folder: pathlib.Path, state: dict, reference_path: str, stage, ncu: str | None
                  ) -> tuple[dict | None, str]:
    """(metrics in the seed's JSON form, why none) of the current best code under `stage`, measured
    once per best code and stage and kept in DIR/metrics/ (a resumed run reads them back)."""
    if ncu == "":
        return None, "not measured (--no-ncu)"
    digest = hashlib.sha256(pathlib.Path(state["best"]).read_bytes()).hexdigest()[:12]
    cached = folder / "metrics" / f"{digest}-{stage.name}.json"
    if cached.exists():
        return json.loads(cached.read_text()), ""
    from .profile import profile_files, seed_block

    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code, launches, _ = profile_files(reference_path, state["best"], stage.name, ncu)
    if code != 0:
        lines = said.getvalue().strip().splitlines()
        return None, lines[0] if lines else f"ncu exit {code}"
    metrics = seed_block(launches, stage)
    cached.parent.mkdir(exist_ok=True)
    cached.write_text(json.dumps(metrics, indent=1))
    return metrics, ""


def run_step(folder, state, reference_path, stage, round_, index, agent, gpu, trials, timeout,
             ncu: str | None = None) -> dict:
    step_folder = folder / f"{index:02d}-{stage.name}-r{round_}"
    step_folder.mkdir(parents=True, exist_ok=True)
    earlier = [step for step in state["steps"] if step["stage"] == stage.name]
    failure = earlier[-1]["verdict"] if earlier and not earlier[-1]["kept"] else None  # the last try failed
    best_code = pathlib.Path(state["best"]).read_text()
    metrics, no_metrics = stage_metrics(folder, state, reference_path, stage, ncu)
    if no_metrics:
        print(f"the prompt says: No NCU metrics available ({no_metrics})", flush=True)
    text = prompts.render(best_code, stage, gpu, metrics, failure)
    (step_folder / "prompt.txt").write_text(text)
    step = {"step": index, "stage": stage.name, "round": round_, "kept": False, "candidate_ms": None,
            "best_ms": None, "metrics": "measured" if metrics else no_metrics}
    answer, why = ask_agent(agent, text, timeout)
    if answer is None:
        return {**step, "verdict": why}
    (step_folder / "answer.txt").write_text(answer)
    code = extract_code(answer)
    if code is None:
        return {**step, "verdict": "no ```python block in the answer"}
    candidate = step_folder / "candidate.py"
    candidate.write_text(code)
    why = judge(reference_path, str(candidate), code, trials)
    if why:
        return {**step, "verdict": why}
    times = time_models(reference_path, [state["best"], str(candidate)])
    best_ms, candidate_ms = times[state["best"]], times[str(candidate)]
    gain = best_ms / candidate_ms - 1
    kept = gain > stage.min_gain
    verdict = (f"faster by {100 * gain:.1f}%: kept" if kept else
               f"correct, but {100 * gain:+.1f}% is not more than the stage's {100 * stage.min_gain:g}%: "
               "the best stays")
    return {**step, "verdict": verdict, "kept": kept, "candidate_ms": candidate_ms, "best_ms": best_ms,
            "candidate": str(candidate)}


def table_rows(steps: list[dict]) -> list[list[str]]:
    rows = []
    for step in steps:
        gain = (f"{100 * (step['best_ms'] / step['candidate_ms'] - 1):+.1f}%" if step["candidate_ms"] else "")
        measured = step.get("metrics", "")
        rows.append([str(step["step"]), f"{step['stage']} r{step['round']}",
                     "measured" if measured == "measured" else "none", step["verdict"],
                     f"{step['candidate_ms']:.4f}" if step["candidate_ms"] else "",
                     f"{step['best_ms']:.4f}" if step["best_ms"] else "", gain,
                     "yes" if step["kept"] else ""])
    return rows


def main(reference: str, start: str, agent: str, stage_names: list[str] | None = None, rounds: int = 1,
         out: str = "triscan-optimize", gpu_name: str | None = None, trials: int = 3,
         timeout: int = 600, ncu: str | None = None) -> int:
    """Run the loop; `ncu`: Nsight Compute's executable (None: `ncu` on PATH; "": no metrics)."""
    stage_names = stage_names or list(stages.ORDER)
    if gpu_name:
        gpu = gpu_named(gpu_name)
    else:
        gpu = live_gpu() if torch.cuda.is_available() else gpu_named("4090")
    folder = pathlib.Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "state.json").exists():  # the loop times everything against the start: it must hold
        why = judge(reference, start, pathlib.Path(start).read_text(), trials, rules_apply=False)
        if why:
            print(f"the starting candidate {start} {why}: fix it first")
            return 1
    state = load_state(folder, start)
    done = {step["step"] for step in state["steps"]}
    for index, name, round_ in plan_steps(stage_names, rounds):
        if index in done:
            continue
        step = run_step(folder, state, reference, stages.STAGES[name], round_, index, agent, gpu, trials,
                        timeout, ncu)
        if step["kept"]:
            best = folder / "best.py"
            best.write_text(pathlib.Path(step["candidate"]).read_text())
            state["best"] = str(best)
        state["steps"].append(step)
        (folder / "state.json").write_text(json.dumps(state, indent=1))
        print(f"step {index} ({name}, round {round_}): {step['verdict']}", flush=True)
    rows = table_rows(state["steps"])
    numeric = ("candidate ms", "best ms", "gain")
    (folder / "summary.md").write_text(markdown_table(COLUMNS, rows, numeric) + "\n")
    show_table(f"triscan optimize: {reference} from {start}, best in {state['best']}", COLUMNS, rows,
               numeric=numeric)
    return 0
