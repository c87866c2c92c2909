"""The staged loop's prompt: the seed's own inputs give the seed's prompt, byte for byte and
section by section; every stage renders; a failed attempt adds its block; verdicts per rule."""

import json
import pathlib
import re

import pytest

from triscan.kernelbench import prompt, stages
from triscan.kernelbench.gpus import GPUS, gpu_named

DATA = pathlib.Path(__file__).parent / "data"
SEED_PROMPT = (DATA / "seed_prompt.txt").read_text()
SEED_CODE = (DATA / "seed_baseline_modelnew.py").read_text()
SECTION = re.compile(r"^(# Target GPU|\[[A-Z ]+\]|\*\*Task\*\*|OUTPUT RULES)", re.M)


def seed_metrics() -> dict:
    block = SEED_PROMPT.split("[NCU PROFILING METRICS]\n", 1)[1].split("\n\n**Task**", 1)[0]
    return json.loads(block)


def sections(text: str) -> dict:
    starts = [match.start() for match in SECTION.finditer(text)] + [len(text)]
    bounds = zip(starts, starts[1:], strict=False)
    return {text[start:].split("\n", 1)[0]: text[start:end] for start, end in bounds}


def test_seed_inputs_give_the_seed_prompt():
    rendered = prompt.render(SEED_CODE, stages.STAGES["memory_access"], GPUS["4090"], seed_metrics())
    assert list(sections(rendered)) == list(sections(SEED_PROMPT))
    for name, text in sections(SEED_PROMPT).items():
        assert sections(rendered)[name] == text, name
    assert rendered == SEED_PROMPT


@pytest.mark.parametrize("name", stages.ORDER)
def test_every_stage_renders_its_metrics_rules_and_the_output_rules(name):
    stage = stages.STAGES[name]
    rendered = prompt.render("import torch\n", stage, gpu_named("H200"))
    assert f"Focus: {stage.focus}" in rendered and prompt.NO_METRICS in rendered
    for metric, _ in stage.shown:
        assert f"- {metric}" in rendered
    assert rendered.endswith(prompt.OUTPUT_RULES) and "GPU Name: H200" in rendered


def test_failed_attempt_asks_for_another_approach():
    rendered = prompt.render("import torch\n", stages.STAGES["block_tiling"], GPUS["A100"],
                             failure="max |error| 3.1 on trial 0")
    block = sections(rendered)["[PREVIOUS ATTEMPT]"]
    assert "max |error| 3.1 on trial 0" in block and "different approach" in block


def test_stage_order_and_metrics():
    assert stages.ORDER == ("grid_and_parallel", "block_tiling", "memory_access", "advanced_memory")
    collected = stages.metrics_to_collect(stages.STAGES["memory_access"])
    assert collected[:5] == list(stages.CORE_METRICS)
    assert stages.LONG_SCOREBOARD in collected and len(collected) == len(set(collected))


def test_verdicts_read_the_metric_that_measures_the_same_quantity():
    stage = stages.STAGES["memory_access"]
    high = stages.verdicts(stage, {stages.LONG_SCOREBOARD: 45.0})
    assert high[0][1] == "FAIL" and "read as" in high[0][2]
    low = stages.verdicts(stage, {stages.MEMORY_DEPENDENCY: 5.0})
    assert low[0][1] == "PASS"
    assert stages.verdicts(stage, {})[0][1] == "INFO"
    assert all(verdict == "INFO" for _, verdict, _ in stages.verdicts(stage, {})[1:])
    grid = stages.verdicts(stages.STAGES["grid_and_parallel"],
                           {"sm__throughput.avg.pct_of_peak_sustained_elapsed": 23.4})
    assert grid[0][1] == "FAIL"


def test_gpu_names():
    assert gpu_named("NVIDIA H200").name == "H200" and gpu_named("RTX 4090").sms == 128
    with pytest.raises(KeyError, match="unknown GPU"):
        gpu_named("Voodoo2")


def test_prompt_command_renders_the_seed(tmp_path):
    """`triscan prompt` with the seed's code, stage, GPU and metrics writes the seed's prompt."""
    import subprocess
    import sys

    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps(seed_metrics()))
    out = tmp_path / "prompt.txt"
    command = [sys.executable, "-m", "triscan", "prompt", str(DATA / "seed_baseline_modelnew.py"), "--stage",
               "memory_access", "--gpu", "4090", "--metrics", str(metrics), "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == SEED_PROMPT
