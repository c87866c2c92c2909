"""int8 maxima and minima on the row look-back (NOTES.md 136, 138: a reversed int8 max read -1
past a row's end on the GPU, from Triton's fill of masked int8 vector loads, now tiles._load_or).
Two checks, each against torch:

    configs   every autotune config of the row look-back, launched fixed (benchmarks/dev/
              fixed_launch.py), inclusive max and min both ways (the values alone), on the
              failing test's shape and one of odd length; per config: registers, spills,
              wrong values and where the first one sits
    library   the public calls through the autotuner (one pass, selection keys) and the engine's
              exclusive scans, several seeds and shapes

    python benchmarks/dev/int8_lookback_probe.py [--seeds 3]
"""

import argparse

import torch
from fixed_launch import config_meta, launch_fixed

import triscan
from triscan import api
from triscan.kernels.operators import MAXIMUM, MINIMUM
from triscan.scan import fallback
from triscan.scan import plan as plan_module
from triscan.testing.reference import selection_reference
from triscan.testing.tolerance import random_ties

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: the interpreter, small shapes, no configs
SCALE = 128 if DEVICE == "cuda" else 1
SHAPES = [(3, 1000 * SCALE), (3, 999 * SCALE), (1, 3001 * SCALE), (5, 8192 * SCALE)]
SHAPES = SHAPES if DEVICE == "cuda" else SHAPES[:2]


def first_wrong(values: torch.Tensor, expected: torch.Tensor) -> str:
    wrong = (values != expected).nonzero()
    if not len(wrong):
        return "0 wrong"
    where = tuple(wrong[0].tolist())
    return f"{len(wrong)} wrong, first at {where}: {values[where].item()} for {expected[where].item()}"


def check_configs(seeds: int) -> int:
    failures = 0
    for shape in SHAPES[:2]:
        for operator in (MAXIMUM, MINIMUM):
            for reverse in (False, True):
                for seed in range(seeds):
                    torch.manual_seed(seed)
                    x = random_ties(shape, torch.int8, DEVICE)
                    expected = selection_reference(x.cpu(), 1, reverse, operator)[0]
                    plan = plan_module.plan_scan(tuple(x.shape), x.stride(), 1, shape[1], 0, reverse,
                                                 list(shape), torch.int8, torch.int8, x.device, operator)
                    assert plan.family.name == "lookback", plan.family.name
                    kernel = plan.launch.kernel
                    for config in kernel.configs:
                        meta = config_meta(config)
                        y = torch.full(shape, 77, dtype=torch.int8, device=DEVICE)
                        compiled = launch_fixed(plan, x, y, **meta)
                        torch.cuda.synchronize()
                        verdict = first_wrong(y.cpu(), expected)
                        failures += not verdict.startswith("0 ")
                        if seed == 0 or not verdict.startswith("0 "):
                            print(f"{shape} {operator.name} reverse={reverse} seed {seed} {meta}: regs "
                                  f"{compiled.n_regs} spills {compiled.n_spills}: {verdict}", flush=True)
    return failures


def check_library(seeds: int) -> int:
    failures = 0
    for shape in SHAPES:
        for seed in range(seeds):
            torch.manual_seed(100 + seed)
            x = random_ties(shape, torch.int8, DEVICE)
            family = plan_module.plan_scan(tuple(x.shape), x.stride(), 1, shape[1], 0, True, list(shape),
                                           torch.int8, torch.int8, x.device, MAXIMUM).family.name
            for name, operator in (("cummax", MAXIMUM), ("cummin", MINIMUM)):
                for reverse in (False, True):
                    values, indices = getattr(triscan, name)(x, 1, reverse=reverse)
                    expected_values, expected_indices = selection_reference(x.cpu(), 1, reverse, operator)
                    verdict = first_wrong(values.cpu(), expected_values)
                    indices_right = torch.equal(indices.cpu(), expected_indices)
                    exclusive = api.scan(x, 1, 1, "scan", reverse, None, operator)
                    expected = torch.empty(x.shape, dtype=torch.int8)
                    fallback.torch_scan(x.cpu(), expected, 1, shape[1] - 1, 1, reverse, operator)
                    exclusive_verdict = first_wrong(exclusive.cpu(), expected)
                    right = verdict.startswith("0 ") and exclusive_verdict.startswith("0 ")
                    bad = not (right and indices_right)
                    failures += bad
                    print(f"library {shape} ({family}) {name} reverse={reverse} seed {seed}: "
                          f"values {verdict}, indices {'right' if indices_right else 'WRONG'}, "
                          f"exclusive {exclusive_verdict}"
                          f"{'  <-- FAIL' if bad else ''}", flush=True)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    failures = check_configs(args.seeds) if DEVICE == "cuda" else 0
    print(f"fixed configs: {failures} wrong launches", flush=True)
    library_failures = check_library(args.seeds)
    print(f"library calls: {library_failures} wrong", flush=True)
    return 1 if failures or library_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
