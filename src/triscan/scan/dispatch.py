"""scan_into: the core's one entry. A call's plan comes from a cache keyed by everything it
depends on, so a repeated call does no layout or dispatch work in Python."""

import torch

from ..kernels.operators import SUM, ScanOperator
from .fallback import torch_scan
from .launch import LAUNCH_LOCK, DirectLaunch, launch_on_device, runs_triton
from .plan import ScanPlan, input_lead, plan_scan

PLANS: dict = {}  # plan key (plan_key) -> ScanPlan
MAX_PLANS = 4096  # many distinct shapes: start over rather than grow without bound


def plan_key(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int, reverse: bool,
             operator: ScanOperator = SUM, indices: bool = False) -> tuple:
    """Everything a plan depends on."""
    return (x.shape, x.stride(), x.dtype, out.dtype, x.device, dim, length, shift, reverse, operator.name,
            torch.are_deterministic_algorithms_enabled(), indices, input_lead(x))


def plan_for(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
             reverse: bool = False, operator: ScanOperator = SUM, indices: bool = False) -> ScanPlan:
    """The cached plan for scanning `x` into `out` (see scan_into; `indices`: plan_scan's)."""
    key = plan_key(x, out, dim, length, shift, reverse, operator, indices)
    plan = PLANS.get(key)
    if plan is None:
        if len(PLANS) >= MAX_PLANS:
            PLANS.clear()
        plan = PLANS[key] = plan_scan(x.shape, x.stride(), dim, length, shift, reverse, out.shape, x.dtype,
                                      out.dtype, x.device, operator, indices, key[-1])
    return plan


def scan_into(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
              reverse: bool = False, operator: ScanOperator = SUM) -> None:
    """Write the scan of x[..., :length, ...] (along `dim`) into the contiguous `out`, with
    `operator` (a sum unless given).

    `out.shape[dim] == length + shift`; with shift == 1 the scan is exclusive: out[0] = the
    identity (a sum's 0) and out[j + 1] = x[0] + ... + x[j]. Every other dimension of `out`
    matches `x`. With `reverse` the same holds with both `x` and `out` read from their last index
    along `dim` backwards.
    """
    if out.numel() == 0:
        return
    if not runs_triton(x.device):
        torch_scan(x, out, dim, length, shift, reverse, operator)
        return
    run_plan(plan_for(x, out, dim, length, shift, reverse, operator), x, out)


def select_into(x: torch.Tensor, dim: int, reverse: bool, operator: ScanOperator) -> tuple | None:
    """(values, indices) of an inclusive max or min scan of x along `dim` (contiguous, x's shape;
    the indices torch.cummax's, int64) from one launch; or None, allocating nothing, where the
    plan's kernel does not write indices (the column look-back, 8-byte inputs on the row
    look-back, the plain-torch path, empty tensors): the caller then scans them itself."""
    if x.numel() == 0 or not runs_triton(x.device):
        return None
    # the values have x's shape and dtype (a max keeps it): x stands in for them in the plan's key
    plan = plan_for(x, x, dim, x.shape[dim], 0, reverse, operator, indices=True)
    if not plan.indexed:
        return None
    values = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    indices = torch.empty(x.shape, dtype=torch.int64, device=x.device)
    run_plan(plan, x, values, indices)
    return values, indices


def run_plan(plan: ScanPlan, x: torch.Tensor, out: torch.Tensor, indices: torch.Tensor | None = None) -> None:
    """Launch a plan made for `x` and `out` (plan_for), or for tensors with the same data
    pointers, strides and dtypes: the copy it asks for, the entry at the end when it walks
    backwards (`entered`), the lock, the launch; `indices`, laid out as `out`, for an indexed plan."""
    if plan.copy_reason:
        x = x.contiguous()
    elif led(plan) and input_lead(x) != plan.input_lead:  # a prepared call's plan, x at another lead
        plan = plan_for(x, out, plan.dim, plan.length, plan.shift, plan.reverse, plan.operator,
                        indices is not None)
    x, out = entered(plan, x, out)
    if indices is not None:
        _, indices = entered(plan, indices, indices)
    with LAUNCH_LOCK:
        launch_on_device(plan.launch, x, out, plan.compiled, indices)


def entered(plan: ScanPlan, x: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x and out as the plan's kernel takes them: a plan that walks backwards enters both at
    their last position along `dim`, unless its kernel finds the end itself (FROM_START); a plan
    whose kernel takes the input's lead (X_LEAD) gets x from the 16-byte boundary before it."""
    if led(plan):
        x = x.as_strided(x.shape, x.stride(), x.storage_offset() - plan.input_lead)
    if plan.backwards and not plan.launch.constexprs.get("FROM_START", 0):
        dim = plan.dim
        x = x.narrow(dim, x.shape[dim] - 1, 1)
        out = out.narrow(dim, out.shape[dim] - 1, 1)
    return x, out


def led(plan: ScanPlan) -> bool:
    """Whether the plan's kernel takes the input from the 16-byte boundary before it, with the
    lead apart (X_LEAD)."""
    return bool(plan.launch.constexprs.get("X_LEAD", 0))


def direct_launch(plan: ScanPlan) -> DirectLaunch | None:
    """The plan's compiled kernel as a DirectLaunch, once it has launched through Triton, where
    the plan needs nothing but its input, its output and at most a kept workspace (no fresh
    workspace, no copy, no entry at the end)."""
    spec = plan.launch
    if plan.compiled is None or plan.copy_reason or plan.backwards or led(plan):
        return None
    if spec.workspace is not None and not spec.kept_words:
        return None
    if plan.indexed:  # a third tensor, the indices (select_into)
        return None
    relaunch = plan.compiled.get(spec.kernel)
    tensors = 2 + spec.takes_indices + (0 if spec.workspace is None else 2)
    if relaunch is None or relaunch.tensor_positions != tuple(range(tensors)):
        return None
    return DirectLaunch(relaunch, spec.scalar_args, spec.kept_words, spec.takes_indices)
