"""triscan.explain: the plan a call would take, for users and bug reports."""

import torch

from . import api
from .kernels.operators import OPERATORS
from .scan.dispatch import plan_for
from .scan.launch import runs_triton
from .scan.plan import input_lead, plan_scan


def autotune_key(plan) -> dict:
    """The plan's values of its kernel's autotune key, by name (empty under the interpreter)."""
    kernel = plan.launch.kernel
    values = {**plan.launch.scalars, **plan.launch.constexprs}
    return {name: values[name] for name in getattr(kernel, "keys", ()) if name in values}


def chosen_config(plan):
    """The config the autotuner chose for this plan's key, or None before the first call."""
    kernel = plan.launch.kernel
    key = tuple(autotune_key(plan).values())
    dtypes = (str(plan.input_dtype), str(plan.output_dtype))
    for cached, config in getattr(kernel, "cache", {}).items():
        if cached[:len(key)] == key and cached[len(key):len(key) + 2] == dtypes:
            return config
    return None


def plan_text(plan, x: torch.Tensor, operation: str) -> str:
    """The plan as a few lines of text."""
    kernel = plan.launch.kernel
    name = getattr(kernel, "__name__", None) or kernel.fn.__name__
    lines = [
        f"{operation} of {str(x.dtype).removeprefix('torch.')} {tuple(x.shape)} along dim {plan.dim} "
        f"on {plan.device}",
        f"  view (M, L, K) = ({plan.outer}, {plan.length}, {plan.inner}); strides of x (outer, scan, "
        f"inner) = ({plan.stride_x_outer}, {plan.stride_x_scan}, {plan.stride_x_inner}), of the output "
        f"(outer, scan) = ({plan.stride_y_outer}, {plan.stride_y_scan})"
        + (" (walked backwards)" if plan.backwards else ""),
        "  input: " + (f"copied ({plan.copy_reason})" if plan.copy_reason else "read in place, no copy")
        + (f"; its first element {plan.input_lead} past a 16-byte boundary"
           + (", loaded from the boundary (X_LEAD)" if plan.launch.constexprs.get("X_LEAD") else
              ": single-element loads") if plan.input_lead else ""),
        f"  output: {str(plan.output_dtype).removeprefix('torch.')}, shift {plan.shift}"
        f"{' (exclusive)' if plan.shift else ''}{', reversed' if plan.reverse else ''}; "
        f"{plan.operator.name}, accumulates in "
        f"{str(plan.accumulator).removeprefix('torch.')}",
        f"  family: {plan.family.name} (kernel {name})"
        + (f", {plan.programs} persistent programs" if plan.family.persistent else ""),
    ]
    if plan.interpreted:
        lines.append(f"  Triton interpreter: fixed meta-parameters {plan.launch.constexprs}")
    else:
        key = autotune_key(plan)
        lines.append("  autotune key: " + ", ".join(f"{name}={value}" for name, value in key.items()))
        config = chosen_config(plan)
        lines.append(f"  chosen config: {config}" if config is not None
                     else "  chosen config: not tuned yet (the first call of this key tunes)")
    return "\n".join(lines)


def described_call(x: torch.Tensor, dim: int, *, exclusive: bool = False, reverse: bool = False,
                   dtype: torch.dtype | None = None, seed: bool = False, operator: str = "sum") -> tuple:
    """(operation name, source, output shape, output dtype, dim, length, shift, reverse): what a
    call scans, checked as the call checks it (a meta tensor will do: shapes only)."""
    if seed:
        source, out_shape, out_dtype, dim, length = api.seed_call(x, dim)
        return "ModelNew (seed semantics)", source, out_shape, out_dtype, dim, length, 1, False
    operation = OPERATORS[operator].function_name(bool(exclusive))
    shift = int(exclusive)
    source, out_shape, out_dtype, dim, length = api.scan_call(x, dim, shift, operation, dtype,
                                                              OPERATORS[operator])
    operation += " (reverse)" if reverse else ""
    return operation, source, out_shape, out_dtype, dim, length, shift, reverse


def planned_call(x: torch.Tensor, dim: int, device: torch.device, **flags):
    """The plan a call (flags as for described_call) on a tensor like `x` takes on `device`,
    made without the plan cache (a meta tensor will do for `x`: shapes, strides and dtype only)."""
    _, source, out_shape, out_dtype, dim, length, shift, reverse = described_call(x, dim, **flags)
    return plan_scan(tuple(source.shape), source.stride(), dim, length, shift, reverse, tuple(out_shape),
                     x.dtype, out_dtype, device, OPERATORS[flags.get("operator", "sum")],
                     input_lead=input_lead(source))


def plan_of(x: torch.Tensor, dim: int, *, exclusive: bool = False, reverse: bool = False,
            dtype: torch.dtype | None = None, seed: bool = False, operator: str = "sum"):
    """(plan, operation name, why no kernel runs): the plan a call takes (the one the call itself
    finds in the plan cache), or None with the reason. Argument errors are the call's own."""
    operation, source, out_shape, out_dtype, dim, length, shift, reverse = described_call(
        x, dim, exclusive=exclusive, reverse=reverse, dtype=dtype, seed=seed, operator=operator)
    out = torch.empty((), dtype=out_dtype, device=x.device).expand(out_shape)  # shape and dtype only
    if out.numel() == 0:
        return None, operation, "the result is empty"
    if not runs_triton(x.device):
        return None, operation, "CPU tensors take plain torch without TRITON_INTERPRET=1"
    described = OPERATORS[operator]
    # cummax and cummin plan their values with their indices (dispatch.select_into)
    indices = described.selects and shift == 0
    return plan_for(source, out, dim, length, shift, reverse, described, indices), operation, ""


def explain(x: torch.Tensor, dim: int, *, exclusive: bool = False, reverse: bool = False,
            dtype: torch.dtype | None = None, seed: bool = False, operator: str = "sum", file=None):
    """Print and return the plan (``triscan.scan.plan.ScanPlan``) that ``cumsum(x, dim,
    reverse=reverse, dtype=dtype)`` would take (``exclusive_cumsum`` with `exclusive`,
    ``ModelNew(dim)(x)`` with `seed`, ``cumprod`` and ``exclusive_cumprod`` with
    ``operator="product"``, ``logcumsumexp`` and its exclusive form with ``operator="logsumexp"``,
    ``cummax`` and ``cummin`` with ``operator="max"`` and ``"min"``: their values' scan, and whether
    it writes the indices too or a second scan does): the (M, L, K) view and strides, whether the
    input is copied and why, the kernel family, and the autotune key with the config chosen for it
    once a call has tuned it. Returns None (after saying so) where no kernel runs: an empty result,
    or a CPU tensor without the Triton interpreter (plain torch). Argument errors are those of the
    call itself."""
    plan, operation, why = plan_of(x, dim, exclusive=exclusive, reverse=reverse, dtype=dtype, seed=seed,
                                   operator=operator)
    text = f"{operation}: no kernel runs ({why})" if plan is None else plan_text(plan, x, operation)
    if plan is not None and plan.indexed and plan.family.selects_by_keys:
        text += ("\n  indices: in the same pass (INDICES), each value scanned with its position as one int64 "
                 "key, which the look-back words carry")
    elif plan is not None and plan.indexed:
        text += ("\n  indices: in the same pass (INDICES), the latest position in scan order whose input "
                 "is its result or NaN, scanned in registers")
    elif plan is not None and OPERATORS[operator].selects and not exclusive:
        text += ("\n  indices: a second scan, a " + ("min" if reverse else "max") + " of the int64 positions "
                 "where x equals the result or is NaN (api.selected_indices), planned as its own call")
    print(text, file=file)
    return plan
