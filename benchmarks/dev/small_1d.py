"""Short 1-D scans: one row program against the look-back as dispatched (dev tool, issue 15).

For 1-D float32 and bfloat16 lengths 2^12 .. 2^22: the device time (do_bench median, L2 emptied)
and the wall time per call back to back (host path and launch, through the plan's direct
relaunch) of the row family (one program, no workspace) and of the look-back family (its
workspace zeroed per call), with torch.cumsum alongside. The row program wins where its one SM
streams the row faster than the look-back pays for the memset and the extra launch.

    python benchmarks/dev/small_1d.py
"""

import dataclasses

import torch

from triscan.kernels.registry import LOOKBACK, ROW
from triscan.scan.launch import run_launch
from triscan.scan.plan import plan_scan
from triscan.tools.host import device_us, wall_us


def forced_plan(x: torch.Tensor, family):
    plan = plan_scan(tuple(x.shape), x.stride(), 0, x.shape[0], 0, False, tuple(x.shape), x.dtype, x.dtype,
                     x.device)
    plan = dataclasses.replace(plan, family=family, programs=8 * 132 if family.persistent else 0,
                               compiled={})
    plan.launch = family.launch_spec(plan)
    return plan


def main():
    print(f"{'dtype':9s} {'length':>8s} | {'row dev':>8s} {'lb dev':>8s} {'torch dev':>9s} | "
          f"{'row wall':>8s} {'lb wall':>8s} {'torch wall':>10s}  (us)")
    for dtype in (torch.float32, torch.bfloat16):
        for power in range(12, 23):
            x = torch.rand(1 << power, device="cuda").to(dtype)
            y = torch.empty_like(x)
            results = {}
            for name, family in (("row", ROW), ("lb", LOOKBACK)):
                plan = forced_plan(x, family)
                call = (lambda plan=plan, x=x, y=y: run_launch(plan.launch, x, y, plan.compiled))
                call()
                torch.testing.assert_close(y.float(), torch.cumsum(x.double(), 0).float(),
                                           rtol=2e-2 if dtype == torch.bfloat16 else 1e-4, atol=1e-2 * power)
                results[name] = (device_us(call), wall_us(call))
            theirs = (lambda x=x: torch.cumsum(x, 0))
            results["torch"] = (device_us(theirs), wall_us(theirs))
            print(f"{str(dtype)[6:]:9s} {1 << power:8d} | {results['row'][0]:8.1f} {results['lb'][0]:8.1f} "
                  f"{results['torch'][0]:9.1f} | {results['row'][1]:8.1f} {results['lb'][1]:8.1f} "
                  f"{results['torch'][1]:10.1f}", flush=True)


if __name__ == "__main__":
    main()
