"""`triscan check`: the correctness matrix, as a command with a pass/fail table and exit code.

Every case draws fresh random inputs, poisons triscan's output allocations with NaN (or a
sentinel for integers) so unwritten elements show, and judges the result against a float64
reference by the rule in triscan.tolerance. On CUDA the shapes are real sizes; on a CPU the
kernels run through the Triton interpreter on small ones.
"""

import contextlib
import math

import torch

from .. import (
    ModelNew,
    cummax,
    cummin,
    cumprod,
    cumsum,
    exclusive_cumprod,
    exclusive_cumsum,
    exclusive_logcumsumexp,
    logcumsumexp,
)
from ..explain import plan_of
from ..kernels.operators import LOGSUMEXP, MAXIMUM, MINIMUM, OPERATORS, PRODUCT
from ..kernels.registry import FAMILIES, kernels_interpreted
from ..testing.reference import (
    cumsum_reference,
    exclusive_cumsum_reference,
    reversed_cumsum_reference,
    scan_reference,
    seed_model_reference,
    selection_reference,
)
from ..testing.tolerance import RULE, abs_of, random_factors, random_input, random_ties, scan_error_excess
from .environment import needs_interpreter_rerun
from .report import markdown_table, show_table


def checked_selection(select, x: torch.Tensor, dim: int, reverse: bool = False) -> torch.Tensor:
    """The values of triscan.cummax or triscan.cummin (`select`), its indices checked against torch's
    first (selection_reference); a mismatch raises, and the case fails."""
    values, indices = select(x, dim, reverse=reverse)
    _, expected = selection_reference(x, dim, reverse, MAXIMUM if select is cummax else MINIMUM)
    if not torch.equal(indices, expected):
        raise AssertionError(f"{select.__name__} indices differ from torch's at "
                             f"{int((indices != expected).sum())} positions")
    return values


# op -> (triscan call, reference, the bound's scale from (x, dim, reference): the running sum of
# |x| for sums, the call as explain's flags)
OPS = {
    "cumsum": (cumsum, cumsum_reference, lambda x, d, _: cumsum_reference(abs_of(x), d), {}),
    "exclusive": (exclusive_cumsum, exclusive_cumsum_reference,
                  lambda x, d, _: cumsum_reference(abs_of(x), d), {"exclusive": True}),
    "cumsum reverse": (lambda x, d: cumsum(x, d, reverse=True), reversed_cumsum_reference,
                       lambda x, d, _: reversed_cumsum_reference(abs_of(x), d), {"reverse": True}),
    "exclusive reverse": (lambda x, d: exclusive_cumsum(x, d, reverse=True),
                          lambda x, d: reversed_cumsum_reference(x, d, True),
                          lambda x, d, _: reversed_cumsum_reference(abs_of(x), d),
                          {"exclusive": True, "reverse": True}),
    "seed ModelNew": (lambda x, d: ModelNew(d)(x), seed_model_reference,
                      lambda x, d, _: seed_model_reference(abs_of(x), d), {"seed": True}),
    # products, on random_factors: a product's rounding is relative, its running |x| is |reference|
    "cumprod": (cumprod, lambda x, d: scan_reference(x, d, operator=PRODUCT),
                lambda x, d, expected: expected.abs(), {"operator": "product"}),
    "exclusive cumprod reverse": (lambda x, d: exclusive_cumprod(x, d, reverse=True),
                                  lambda x, d: scan_reference(x, d, True, True, PRODUCT),
                                  lambda x, d, expected: expected.abs(),
                                  {"exclusive": True, "reverse": True, "operator": "product"}),
    # log-sum-exps (floats only): their rounding is absolute, eps per combine of terms of |reference|'s
    # size
    "logcumsumexp": (logcumsumexp, lambda x, d: scan_reference(x, d, operator=LOGSUMEXP),
                     lambda x, d, expected: expected.abs() + 1, {"operator": "logsumexp"}),
    "exclusive logcumsumexp reverse": (lambda x, d: exclusive_logcumsumexp(x, d, reverse=True),
                                       lambda x, d: scan_reference(x, d, True, True, LOGSUMEXP),
                                       lambda x, d, expected: expected.abs() + 1,
                                       {"exclusive": True, "reverse": True, "operator": "logsumexp"}),
    # maxima and minima, on random_ties (ties decide the indices): exact, one of their inputs
    "cummax": (lambda x, d: checked_selection(cummax, x, d),
               lambda x, d: scan_reference(x, d, operator=MAXIMUM),
               lambda x, d, expected: expected.abs() + 1, {"operator": "max"}),
    "cummin reverse": (lambda x, d: checked_selection(cummin, x, d, True),
                       lambda x, d: scan_reference(x, d, False, True, MINIMUM),
                       lambda x, d, expected: expected.abs() + 1, {"reverse": True, "operator": "min"}),
}
# an op's inputs by its operator: sums and log-sum-exps of random_input, products of random_factors
INPUTS = {"sum": random_input, "product": random_factors, "logsumexp": random_input, "max": random_ties,
          "min": random_ties}
DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int32, torch.bool)


def layouts(shape, dtype, device, values=random_input):
    """The input (drawn by `values`) as given, transposed (last two dims) and as a strided slice."""
    base = values(shape, dtype, device)
    views = {"contiguous": base}
    if len(shape) >= 2:
        swapped = shape[:-2] + shape[-1:] + shape[-2:-1]
        views["transposed"] = values(swapped, dtype, device).transpose(-1, -2)
    wide = values(shape[:-1] + (2 * shape[-1],), dtype, device)
    views["strided"] = wide[..., ::2]
    return views


def shapes(device_type: str, quick: bool):
    if device_type == "cuda":  # every new shape autotunes (minutes on a first run): --quick takes three
        if quick:
            return [(1 << 22,), (4096, 4099), (1 << 20, 3)]
        return [(1 << 22,), (4096, 4099), (3, 1 << 20), (257, 64, 129), (1 << 20, 3)]
    if quick:
        return [(7,), (3, 37), (2, 3, 5)]
    # small enough for the interpreter (about a minute), long enough to reach the look-back paths
    return [(1,), (700,), (3, 37), (100, 3), (2, 3, 5)]


@contextlib.contextmanager
def poisoned_allocations():
    """torch.empty returns NaN-filled (sentinel-filled for integers) memory meanwhile."""
    real_empty = torch.empty

    def poisoned_empty(*args, **kwargs):
        out = real_empty(*args, **kwargs)
        return out.fill_(math.nan if out.dtype.is_floating_point else 1234567)

    torch.empty = poisoned_empty
    try:
        yield
    finally:
        torch.empty = real_empty


def run_matrix(device: str, quick: bool = False, ops=OPS, dtypes=DTYPES, progress=None):
    """Run every case; returns one dict per case with its worst excess over the tolerance.
    `progress(line)` hears about each (shape, dtype) group as it finishes (compiling and
    autotuning make the first CUDA run slow)."""
    import time

    interpreted = kernels_interpreted() and device == "cpu"
    results = []
    for shape in shapes(device, quick):
        for dtype in dtypes[:2] if quick else dtypes:
            started, before = time.perf_counter(), len(results)
            inputs = {operator: layouts(shape, dtype, device, values) for operator, values in INPUTS.items()}
            for layout in inputs["sum"]:
                for dim in range(len(shape)):
                    for op, (call, reference, bound, flags) in ops.items():
                        if not OPERATORS[flags.get("operator", "sum")].takes(dtype):
                            continue  # no integer log-sum-exp: its TypeError is tested elsewhere
                        x = inputs[flags.get("operator", "sum")][layout]
                        family = None
                        try:
                            plan = plan_of(x, dim, **flags)[0]
                            family = plan.family.name if plan is not None else None
                            with poisoned_allocations():
                                out = call(x, dim)
                            expected = reference(x, dim)
                            excess = scan_error_excess(out, expected, bound(x, dim, expected),
                                                       x.shape[dim], interpreted)
                            error = None
                        except Exception as failure:  # reported, never hidden
                            excess, error = math.inf, f"{type(failure).__name__}: {failure}"
                        results.append({"op": op, "dtype": str(dtype).removeprefix("torch."),
                                        "layout": layout, "shape": tuple(x.shape), "dim": dim,
                                        "family": family, "excess": excess, "error": error,
                                        "passed": excess <= 0})
            if progress:
                group = results[before:]
                failed = sum(not r["passed"] for r in group)
                progress(f"  {str(dtype).removeprefix('torch.'):8s} {str(shape):18s} {len(group):3d} cases, "
                         f"{failed} failed ({time.perf_counter() - started:.1f} s)")
    return results


def summary_rows(results) -> list[list[str]]:
    """Cases and passes per (op, dtype)."""
    groups = {}
    for r in results:
        groups.setdefault((r["op"], r["dtype"]), []).append(r)
    return [[op, dtype, str(len(rows)), str(sum(r["passed"] for r in rows))]
            for (op, dtype), rows in groups.items()]


def family_counts(results) -> dict:
    """Cases per kernel family of the registry (0 for a family no case reached)."""
    counts = {family.name: 0 for family in FAMILIES}
    for r in results:
        if r.get("family") in counts:
            counts[r["family"]] += 1
    return counts


def failure_lines(results, limit: int = 20) -> list[str]:
    failures = [r for r in results if not r["passed"]]
    lines = [f"FAILED {r['op']} {r['dtype']} {r['layout']} shape {r['shape']} dim {r['dim']}: "
             + (r["error"] or f"exceeds tolerance by {r['excess']:.3e}") for r in failures[:limit]]
    lines.append("cases per kernel family: " + ", ".join(f"{name} {count}"
                                                          for name, count in family_counts(results).items()))
    return lines + [f"{len(results) - len(failures)} passed, {len(failures)} failed"]


SUMMARY_COLUMNS = ["op", "dtype", "cases", "passed"]


def format_report(results) -> str:
    """The matrix as markdown: the rule, cases and passes per (op, dtype), the failures."""
    return "\n".join([f"tolerance: {RULE}", "", markdown_table(SUMMARY_COLUMNS, summary_rows(results),
                                                                   ("cases", "passed")), ""]
                     + failure_lines(results))


def show_report(results, stream=None) -> None:
    """The matrix as a table on the terminal (plain lines in a log)."""
    show_table(f"tolerance: {RULE}", SUMMARY_COLUMNS, summary_rows(results), stream, ("cases", "passed"))
    for line in failure_lines(results):
        print(line, file=stream)


def main(quick: bool = False) -> int:
    code = needs_interpreter_rerun(["check"] + (["--quick"] if quick else []),
                                   "running the matrix on small shapes")
    if code is not None:
        return code
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = run_matrix(device, quick, progress=lambda line: print(line, flush=True))
    show_report(results)
    missed = [name for name, count in family_counts(results).items() if count == 0]
    if missed and not quick:  # the quick matrix's shapes are too small for the look-back families
        print(f"the matrix reached no case of the families {missed}: its shapes no longer cover the registry")
        return 1
    return 0 if all(r["passed"] for r in results) else 1
