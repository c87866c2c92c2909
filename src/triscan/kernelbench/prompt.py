"""The next prompt of the staged loop, in the seed's layout: the target GPU, the stage, the
current code, its Nsight Compute metrics, the task and the OUTPUT RULES; after a failed attempt,
what failed and a request for a different approach within the stage. Rendering the seed's own
inputs gives the seed's prompt byte for byte (tests/kernelbench/test_prompt.py)."""

import json

from .gpus import Gpu
from .stages import Stage, shown_metric

HEADER = "You are a Triton kernel optimization specialist. Generate the FASTEST possible kernel."
TASK = ("**Task**: Analyze the NCU metrics and current code, then generate optimized code that maximizes "
        "performance.")
OUTPUT_RULES = """OUTPUT RULES (STRICT):
1. Follow this exact order:
   1. Imports: torch, torch.nn, triton, triton.language as tl
   2. @triton.jit decorated kernel function(s)
   3. Wrapper function(s) for grid calculation and kernel launch
   4. class ModelNew(nn.Module) that calls your kernels
2. Do NOT include: testing code, if __name__, get_inputs, get_init_inputs

```python
# <optimized Triton code>
```
"""
NO_METRICS = "No NCU metrics available"


def stage_block(stage: Stage) -> str:
    lines = ["[OPTIMIZATION STAGE]", "", "## Current Optimization Stage", "", f"Focus: {stage.focus}", "",
             "Metrics:"]
    lines += [f"- {shown_metric(metric, threshold)}" for metric, threshold in stage.shown]
    lines += ["", "Rules:"] + [f"- {rule.text}" for rule in stage.rules]
    lines += ["", "Autotune:"] + [f"- {line}" for line in stage.autotune]
    return "\n".join(lines)


def failure_block(failure: str) -> str:
    return "\n".join(["[PREVIOUS ATTEMPT]", "The previous answer failed:", failure.strip(), "",
                      "Take a different approach within this stage's focus; keep what is correct."])


def render(code: str, stage: Stage, gpu: Gpu, metrics: dict | None = None,
           failure: str | None = None) -> str:
    """The whole prompt as text. `metrics`: kernel name -> {metric: value}, in the seed's JSON form."""
    ncu = json.dumps(metrics, indent=2, ensure_ascii=False) if metrics else NO_METRICS
    sections = [HEADER, "", "# Target GPU", gpu.block(), "", "", "", stage_block(stage), "", "", "",
                "[CURRENT CODE]", "```python", code.rstrip("\n"), "```", "", "[NCU PROFILING METRICS]", ncu,
                ""]
    if failure:
        sections += [failure_block(failure), ""]
    sections += [TASK, "", OUTPUT_RULES]
    return "\n".join(sections)
