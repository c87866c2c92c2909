"""Dev-tool helper: a scan's plan from the library, launched with fixed meta-parameters instead of
the autotuner's, by keyword (sweeps and A/B scripts time kernel configs and candidate kernels
this way, on exactly the arguments the library would pass).

    plan = plan_for_call(x, dim)                     # the library's plan for cumsum(x, dim)
    compiled = launch_fixed(plan, x, y, BLOCK=4096, num_warps=4)
    launch_fixed(plan, x, y, kernel=candidate_module.lookback_scan_kernel, BLOCK=4096, num_warps=4)
"""

import dataclasses

import torch
import triton
from triton.testing import do_bench

from triscan.kernels.registry import WORKSPACE
from triscan.scan.dispatch import entered
from triscan.scan.launch import address_constexprs
from triscan.scan.plan import plan_scan


def plan_for_call(x: torch.Tensor, dim: int, shift: int = 0, reverse: bool = False, out_dtype=None,
                  programs: int | None = None):
    """The library's plan for scanning `x` along `dim` into a contiguous output of x's shape (with
    `shift` positions more along dim); `programs` overrides the persistent programs."""
    out_shape = list(x.shape)
    out_shape[dim] += shift
    plan = plan_scan(tuple(x.shape), x.stride(), dim, x.shape[dim], shift, reverse, out_shape, x.dtype,
                     out_dtype or x.dtype, x.device)
    if programs is not None:
        plan = dataclasses.replace(plan, programs=programs)
        plan.launch = plan.family.launch_spec(plan)
    return plan


def output_for(plan, x: torch.Tensor) -> torch.Tensor:
    """A NaN-filled output for the plan (unwritten elements show)."""
    shape = list(x.shape)
    shape[plan.dim] += plan.shift
    return torch.full(shape, float("nan"), dtype=plan.output_dtype, device=x.device)


def config_meta(config) -> dict:
    """An autotune config as launch_fixed's keyword arguments: its constexprs, warps, stages and,
    where it sets one, its register cap."""
    return dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages,
                **({"maxnreg": config.maxnreg} if getattr(config, "maxnreg", None) else {}))


def launch_fixed(plan, x: torch.Tensor, y: torch.Tensor, kernel=None, **meta):
    """One launch of the plan's kernel (or `kernel`, a candidate with the same parameters) with the
    meta-parameters `meta` (BLOCK..., num_warps, num_stages, maxnreg) instead of autotuning.
    Returns the compiled kernel (registers and spills in n_regs, n_spills)."""
    spec = plan.launch
    kernel = kernel if kernel is not None else spec.kernel
    if isinstance(kernel, triton.runtime.Autotuner):  # the jit function under it (the interpreter's plans
        kernel = kernel.fn                             # hold that function itself)
    x, y = entered(plan, x, y)  # reversed column scans enter the tensors as the library does
    # what a library launch takes from the addresses (X_ALIGNED), then the meta-parameters
    constexprs = {**spec.constexprs, **address_constexprs(kernel, (x,)), **meta}
    workspace = dict(zip(WORKSPACE, spec.workspace(x.device), strict=True)) if spec.workspace else {}
    scalars = dict(spec.scalars)
    if plan.family.name == "lookback":
        # the plan sizes the workspace for the autotune space's smallest chunks; smaller ones get one
        # of their own (as many words per chunk, then the ticket and finished-program counters), where
        # they overran it and read as wrong outputs (benchmarks/NOTES.md 155, 195)
        reach = scalars["length"] + 2 * constexprs["VEC"]  # windows reach past the row's positions
        needed = scalars["outer"] * (triton.cdiv(reach, constexprs["BLOCK"]) + 1)
        if needed > scalars["max_chunks"]:
            status = torch.zeros(constexprs["WORDS"] * needed + 2, dtype=torch.int64, device=x.device)
            workspace, scalars["max_chunks"] = dict(status_ptr=status, values_ptr=status), needed
    # a kernel that takes indices gets the output again where the plan writes none (scan/launch.py)
    indices = {"i_ptr": y} if spec.takes_indices else {}
    arguments = {"x_ptr": x, "y_ptr": y, **indices, **workspace, **scalars}
    grid = spec.grid({**arguments, **constexprs}) if callable(spec.grid) else spec.grid
    return kernel[grid](**arguments, **constexprs)


def copy_ms(moved_bytes: int, rep: int = 100) -> float:
    """The median of a device copy that moves `moved_bytes` (read plus write): the roofline."""
    source = torch.empty(moved_bytes // 2, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    return do_bench(lambda: target.copy_(source), warmup=25, rep=rep, return_mode="median")
