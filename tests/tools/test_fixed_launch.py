"""benchmarks/dev/fixed_launch.py launches a plan's kernel as the library does: reversed column
look-backs enter both tensors where dispatch.run_plan enters them (their last step, or with
FROM_START their first), so that fixed-launch sweeps can time reversed narrow scans."""

import pathlib
import sys

import pytest
import torch
from conftest import DEVICE, random_input

import triscan
from triscan.kernels import registry
from triscan.scan.dispatch import plan_for

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "benchmarks" / "dev"))
from fixed_launch import config_meta, launch_fixed  # noqa: E402

SCALE = 1 if DEVICE == "cpu" else 128


# (steps, FROM_START expected) of two float32 lanes: ending on a 16-byte boundary, and not
@pytest.mark.parametrize("steps,from_start", [(900 * SCALE, 4), (900 * SCALE + 1, 0)],
                         ids=["aligned-end", "odd-end"])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
def test_reversed_narrow_fixed_launch_matches_the_call(steps, from_start, exclusive, monkeypatch):
    if DEVICE == "cpu":  # a lane tile of 2, as on CUDA: dense flat tiles held in memory order
        monkeypatch.setitem(registry.COLUMN_LOOKBACK.interpreter_meta, "BLOCK_K", 2)
    x = random_input((steps, 2), torch.float32)
    call = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    expected = call(x, 0, reverse=True)
    shift = int(exclusive)
    plan = plan_for(x, expected, 0, steps - shift, shift, True)
    assert plan.family.name == "column_lookback" and plan.backwards
    assert plan.launch.constexprs["FROM_START"] == from_start
    y = torch.full_like(expected, float("nan"))
    meta = ({} if DEVICE == "cpu" else config_meta(plan.launch.kernel.best_config))
    launch_fixed(plan, x, y, **meta)
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", [torch.float64, torch.int64], ids=["float64", "int64"])
def test_lookback_chunks_smaller_than_the_planned_ones_get_their_own_workspace(dtype):
    """The plan sizes a look-back's workspace for the smallest chunks its autotune space holds (on
    the interpreter, its one BLOCK); a fixed launch of chunks four times smaller needs four times
    the look-back words, and overran the plan's (sweeps read it as a wrong output, NOTES.md 195)."""
    x = random_input((3001 * SCALE,), dtype)
    expected = triscan.cumsum(x, 0)
    plan = plan_for(x, expected, 0, x.shape[0], 0, False)
    assert plan.family.name == "lookback"
    block = (plan.launch.constexprs["BLOCK"] if DEVICE == "cpu"
             else min(config.kwargs["BLOCK"] for config in plan.launch.kernel.configs))
    y = torch.full_like(expected, float("nan") if dtype.is_floating_point else -1)
    launch_fixed(plan, x, y, **({"BLOCK": block // 4} if DEVICE == "cpu" else
                                {"BLOCK": block // 4, "SPLIT": True, "num_warps": 2, "num_stages": 1}))
    torch.testing.assert_close(y, expected, rtol=1e-9, atol=1e-9)
