"""`triscan bench --matrix`: every public op x dtype x shape family, as users call them, each cell
timed in one process against the copy of the same bytes, torch eager and torch.compile (torch
eager is not timed where one call would take over a second: a slice of 1/16 of the length is
timed once and scaled, since torch's narrow dim-0 scans take tens of seconds a call).

Sizes are given in bytes (the input's), so every dtype moves the same bytes: rows of 4 GiB are
(32768, 32768) in float32 and (32768, 65536) in bfloat16. A cell records every raw median, the
bytes moved (input read plus output written), the family its plan took and its error against a
float64 reference. What is not timed is recorded with the reason.
"""

import functools
import json
import math
import time

import torch

from ..kernels.operators import OPERATORS, SUM, ScanOperator
from ..testing.tolerance import relative_error
from .environment import environment
from .report import StepProgress, show_table, write_json
from .suite import fresh_compile, torch_scan_of
from .timing import measure, measure_once_if_slow, once_ms

GIB = 1 << 30
OPS = ("cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse", "ModelNew")
# every other operator on the same kernels (kernels/operators.py: cumprod, logcumsumexp, cummax,
# cummin), inclusive, exclusive (where public: not cummax's) and reversed: cells by --ops only, beside
# the sums' matrix
OPERATOR_OPS = tuple(op for operator in OPERATORS.values() if operator is not SUM for op in (
    (operator.function, operator.function + " reverse") if operator.selects
    else (operator.function, operator.function_name(True), operator.function + " reverse")))
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16,
          "float64": torch.float64, "int32": torch.int32, "int64": torch.int64}
SHAPES = ("rows", "odd rows", "dim 0", "odd dim 0", "middle dim", "1-D", "4 rows", "4 odd rows", "narrow K=2",
          "narrow K=4", "narrow K=8", "narrow K=16", "narrow K=3", "narrow K=5", "strided narrow K=8",
          "1-D x[1:]")
QUICK = {"ops": OPS, "dtypes": ("float32", "bfloat16", "int64"), "shapes": ("rows", "1-D", "narrow K=8")}
SLOW_EAGER_MS = 1000.0  # eager calls estimated longer than this are skipped (torch's narrow dim-0 scans)
# the eager estimate times a slice once, a 1/256-length one first, then, unless that one alone
# puts the call far past SLOW_EAGER_MS, a 1/16-length one (each slice warmed up first)
PROBES = (256, 16)
FAR_PAST = 4.0
# torch's CUDA scan reads past its input beyond 2^30 positions (pytorch issue 196624), an illegal
# access or not as the memory after the input happens to lie: a 4 GiB bfloat16 reversed cell's eager
# timing took the whole matrix down with it (benchmarks/NOTES.md 87, 229)
TORCH_SCAN_POSITIONS = 1 << 30


def shape_for(family: str, elements: int) -> tuple[tuple, int, slice | None]:
    """(shape, dim, view) of a family for about `elements` input elements; `view` slices the last
    dimension of the allocated tensor (the strided family reads 8 of every 16 lanes, the 1-D view
    all but the first element)."""
    if family == "rows":
        return (32768, elements // 32768), 1, None
    if family == "odd rows":  # rows one position longer: odd, so row starts pass every 16-byte phase
        length = elements // 32768 + 1
        return (elements // length, length), 1, None
    if family == "dim 0":
        return (elements // 32768, 32768), 0, None
    if family == "odd dim 0":  # an odd number of lanes: each step's lanes start at another 16-byte phase
        return (elements // 32767, 32767), 0, None
    if family == "middle dim":
        return (512, elements // (512 * 1024), 1024), 1, None
    if family == "1-D":
        return (elements,), 0, None
    if family == "4 rows":
        return (4, elements // 4), 1, None
    if family == "4 odd rows":  # one position shorter: odd, so the rows start at four 16-byte phases
        return (4, elements // 4 - 1), 1, None
    if family.startswith("narrow K="):
        lanes = int(family.removeprefix("narrow K="))
        return (elements // lanes, lanes), 0, None
    if family == "strided narrow K=8":
        return (elements // 8, 16), 0, slice(0, 8)
    if family == "1-D x[1:]":  # a view one element in: its first element off 16-byte alignment
        return (elements,), 0, slice(1, None)
    raise ValueError(f"unknown shape family {family!r}; known: {', '.join(SHAPES)}")


def make_input(family: str, dtype: torch.dtype, input_bytes: int, device="cuda"):
    """(x, dim): a fresh random input of the family (never zeros) and the dim to scan."""
    shape, dim, view = shape_for(family, input_bytes // dtype.itemsize)
    if dtype.is_floating_point:
        x = torch.rand(shape, device=device, dtype=torch.float32).to(dtype) + 0.5
    else:
        x = torch.randint(-100, 100, shape, device=device, dtype=dtype)
    return (x[..., view] if view is not None else x), dim


def op_flags(op: str) -> dict:
    """An op's keyword flags for triscan.explain, plan_of and planned_call, from its name: the
    matrix's ops, and `bench --host`'s ("cumsum dtype=float64": a `dtype=` argument)."""
    if op == "ModelNew":
        return {"seed": True}
    words = op.split()
    dtypes = [word.removeprefix("dtype=") for word in words if word.startswith("dtype=")]
    flags = {"exclusive": words[0].startswith("exclusive"), "reverse": "reverse" in words,
             "dtype": getattr(torch, dtypes[0]) if dtypes else None}
    operator = operator_of(op)
    if operator is not SUM:
        flags["operator"] = operator.name
    return flags


def operator_of(op: str) -> ScanOperator:
    """The operator an op scans with, from its first word ("exclusive_cumprod" -> PRODUCT)."""
    function = op.split()[0].removeprefix("exclusive_")
    return next((operator for operator in OPERATORS.values() if operator.function == function), SUM)


def triscan_call(op: str, dim: int):
    """triscan's call of an op (op_flags) along `dim`, as a function of the input."""
    import triscan

    flags = op_flags(op)
    if flags.get("seed"):
        model = triscan.ModelNew(dim)
        return lambda x: model(x)
    operator = operator_of(op)
    function = getattr(triscan, operator.function_name(flags["exclusive"]))
    if operator.selects:  # (values, indices), both computed; no dtype=
        return lambda x: function(x, dim, reverse=flags["reverse"]).values
    return lambda x: function(x, dim, reverse=flags["reverse"], dtype=flags["dtype"])


def torch_call(op: str, dim: int):
    """What a user writes in plain torch for the same result (exclusive as cumsum minus x,
    reversed as flip, cumsum, flip; the seed's reference for ModelNew)."""
    if op == "ModelNew":
        from ..testing.reference import seed_model

        return lambda x: seed_model(x, dim)
    operator = operator_of(op)
    if operator.selects:  # torch.cummax's values (its indices computed too; from the end: through flips)
        select = getattr(torch, operator.function)
        if op_flags(op)["reverse"]:
            return lambda x: select(x.flip(dim), dim).values.flip(dim)
        return lambda x: select(x, dim).values
    if operator is not SUM:  # torch.cumprod, ...; exclusive: the identity before the scan of all but the last
        from ..scan.fallback import plain_scan

        flags = op_flags(op)
        return lambda x: plain_scan(x, dim, flags["exclusive"], flags["reverse"], operator)
    scan = torch_scan_of(dim, op.endswith("reverse"))
    if op.startswith("exclusive"):
        return lambda x: scan(x) - x
    return scan


def reference_call(op: str, dim: int):
    from ..testing.reference import scan_reference, seed_model_reference

    if op == "ModelNew":
        return lambda x: seed_model_reference(x, dim)
    flags = op_flags(op)
    operator = OPERATORS[flags.get("operator", "sum")]
    return lambda x: scan_reference(x, dim, flags["exclusive"], flags["reverse"], operator)


def torch_scan_unsafe(positions: int) -> str | None:
    """Why torch's eager scan of `positions` positions is not run, or None where it may be."""
    if positions > TORCH_SCAN_POSITIONS:
        return (f"torch's CUDA scan of over 2^30 positions ({positions}) may read past its input "
                f"(pytorch issue 196624) and end the process: not run")
    return None


def eager_estimate(eager, x: torch.Tensor, dim: int) -> tuple[float, int]:
    """(The ms one eager call on x would take, scaled from slices of x along dim, the fraction of
    the slice that decided it): a narrow dim-0 scan takes torch seconds a call, so a cell times a
    1/256-length slice first and stops there when that alone puts the call far past
    SLOW_EAGER_MS (about a second per narrow cell saved), else a 1/16-length one."""
    for fraction in PROBES:
        probe = x.narrow(dim, 0, max(x.shape[dim] // fraction, 1))
        eager(probe)  # warm up on the slice: torch's first call of a shape is not what is timed
        estimate = once_ms(lambda probe=probe: eager(probe)) * x.shape[dim] / probe.shape[dim]
        if estimate > FAR_PAST * SLOW_EAGER_MS:
            break
    return estimate, fraction


def moved_bytes(x: torch.Tensor, dim: int, out: torch.Tensor, **flags) -> int:
    """The bytes a call (`flags` as op_flags gives them) must move, which its copy roofline copies:
    the input it reads (the seed's semantics drop x's last row along dimension 0 for dim != 0, a
    quarter of 4 rows: benchmarks/NOTES.md 183) and the output it writes, with a max or min scan's
    int64 indices."""
    from ..explain import described_call

    source = described_call(x, dim, **flags)[1]
    moved = source.numel() * source.element_size() + out.numel() * out.element_size()
    if OPERATORS[flags.get("operator", "sum")].selects:  # the int64 indices are written beside the values
        moved += out.numel() * 8
    return moved


def run_cell(op: str, dtype_name: str, family: str, input_bytes: int, repeat_ms: int,
             with_compile: bool) -> dict:
    """Time one cell; every median in ms, with what was skipped and why."""
    from ..explain import plan_of

    dtype = DTYPES[dtype_name]
    x, dim = make_input(family, dtype, input_bytes)
    cell = {"op": op, "dtype": dtype_name, "shape": family, "tensor": list(x.shape),
            "stride": list(x.stride()), "dim": dim, "ms": {}, "skipped": {}}
    plan = plan_of(x, dim, **op_flags(op))[0]
    cell["family"] = plan.family.name
    ours = triscan_call(op, dim)
    started = time.perf_counter()
    out = ours(x)  # compiles and autotunes outside the timing
    torch.cuda.synchronize()
    # what a cell costs the run, for planning device calls: the autotuning, then the whole cell
    cell["tune_seconds"] = round(time.perf_counter() - started, 2)
    chosen = getattr(plan.launch.kernel, "best_config", None)  # the autotuner's pick for this call's key
    if chosen is not None:
        cell["config"] = str(chosen)
    cell["bytes"] = moved_bytes(x, dim, out, **op_flags(op))
    output_dtype = out.dtype
    reference = reference_call(op, dim)(x)
    cell["max_relative_error"] = relative_error(out, reference)
    del out
    cub = cub_scan(cell, x, op, reference)  # checked against the same float64 reference
    del reference
    cell["ms"]["triscan"] = measure(lambda: ours(x), repeat_ms)
    eager = torch_call(op, dim)
    unsafe = torch_scan_unsafe(x.shape[dim])
    if unsafe:
        cell["skipped"]["torch eager"] = unsafe
    else:
        estimate, fraction = eager_estimate(eager, x, dim)
        if estimate > SLOW_EAGER_MS:
            cell["skipped"]["torch eager"] = (f"one call would take about {estimate / 1000:.1f} s "
                                              f"(a 1/{fraction}-length slice, scaled): not timed")
        else:
            cell["ms"]["torch eager"] = measure(lambda: eager(x), repeat_ms)
    if with_compile:
        compiled = fresh_compile(eager)
        compiled(x)
        # a compiled call past a second (one that falls back to eager's narrow dim-0 scan, say) is
        # timed once, as the suite times eager's
        cell["ms"]["torch.compile"] = measure_once_if_slow(lambda: compiled(x), repeat_ms)
    else:
        cell["skipped"]["torch.compile"] = "left out of this run (--no-compile)"
    if cub is not None:
        cell["ms"][CUB] = measure(lambda: cub(x), repeat_ms)
    buffer = torch.empty(cell["bytes"] // 2, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(buffer)
    cell["ms"]["copy"] = measure(lambda: target.copy_(buffer), repeat_ms)
    if output_dtype != x.dtype or not x.is_contiguous() or x.data_ptr() % 16:
        # torch's copy of the input as laid out into a contiguous tensor of the output's dtype: the
        # scan's traffic pattern alone, where the plain copy reads and writes alike (int32 -> int64
        # reads 1 : writes 2; a strided view reads sectors that hold lanes it skips; a view off
        # 16-byte alignment cannot load whole aligned vectors)
        copied = torch.empty(x.shape, dtype=output_dtype, device=x.device)
        cell["ms"][INPUT_COPY] = measure(lambda: copied.copy_(x), repeat_ms)
    return cell


CUB = "CUB (cuda-cccl)"
INPUT_COPY = "input copy"


def cub_scan(cell: dict, x: torch.Tensor, op: str, reference: torch.Tensor | None):
    """CUB's scan of a 1-D cell, its max relative error against the cell's float64 `reference`
    recorded in `cell`; or None, with why not in `cell["skipped"]`: cuda-cccl absent, a reversed
    or 2-D cell (no counterpart through cuda.compute's DeviceScan), or a dtype it refuses. A 1-D
    ModelNew is the exclusive scan."""
    from .competitors import cccl_scan

    if x.dim() != 1 or op.endswith("reverse"):
        cell["skipped"][CUB] = "1-D forward scans only"
        return None
    if not x.dtype.is_floating_point and x.dtype != torch.int64:
        cell["skipped"][CUB] = "torch.cumsum sums these integers into int64; CUB sums in the input's type"
        return None
    scan, why = cccl_scan(exclusive=op != "cumsum")
    if scan is None:
        cell["skipped"][CUB] = why
        return None
    try:
        out = scan(x)  # builds the scanner and its storage outside the timing
    except Exception as error:  # cuda.compute refuses some dtypes (bfloat16 has no array interface)
        cell["skipped"][CUB] = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:120]}"
        return None
    cell["cub_max_relative_error"] = relative_error(out, reference)
    return scan


def cell_plan(op: str, dtype: torch.dtype, family: str, input_bytes: int, device: torch.device):
    """The plan a cell's call makes on `device`, from shapes alone (a meta tensor stands for the
    input)."""
    from ..explain import planned_call

    shape, dim, view = shape_for(family, input_bytes // dtype.itemsize)
    x = torch.empty(shape, dtype=dtype, device="meta")
    return planned_call(x[..., view] if view is not None else x, dim, device, **op_flags(op))


def warm_compiled(cells: list, input_bytes: int, device="cuda") -> int:
    """torch.compile of each cell's torch call, run once on an input of the cell's shape: its
    graph and kernels land in inductor's on-disk caches, so the timing process's own compile of
    the same call finds them (a cold compile per cell would cost the matrix hours). Returns the
    calls compiled. A worker holds a few inputs' bytes at a time (the call's temporaries): one that
    runs out of memory leaves that cell's compile to the timing process."""
    compiled = 0
    for op, dtype, family in cells:
        try:
            x, dim = make_input(family, DTYPES[dtype], input_bytes, device)
            fresh_compile(torch_call(op, dim))(x)
            compiled += 1
        except torch.OutOfMemoryError:
            print(f"torch.compile of {family}, {dtype}, {op} left to the timing process (out of memory)")
        x = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return compiled


def warm_cells(cells: list, input_bytes: int, with_compile: bool = False) -> int:
    """A precompile worker's job: compile the configs of its cells' plans (precompile.warm_plan),
    and with `with_compile` their torch.compile calls (warm_compiled)."""
    from .precompile import warm_plan

    device = torch.device("cuda", torch.cuda.current_device())
    configs = sum(warm_plan(cell_plan(op, DTYPES[dtype], family, input_bytes, device))
                  for op, dtype, family in cells)
    if with_compile:
        warm_compiled(cells, input_bytes, device)
    return configs


def percent_of_copy(cell: dict, name: str = "triscan") -> float | None:
    ms = cell["ms"].get(name)
    return 100 * cell["ms"]["copy"] / ms if ms else None


def cells_for(quick: bool, ops=None, dtypes=None, shapes=None) -> list[tuple[str, str, str]]:
    """(op, dtype, shape family) of every cell to run, shape-major."""
    ops = ops or (QUICK["ops"] if quick else OPS)
    dtypes = dtypes or (QUICK["dtypes"] if quick else tuple(DTYPES))
    shapes = shapes or (QUICK["shapes"] if quick else SHAPES)
    for name, known in (("op", OPS + OPERATOR_OPS), ("dtype", DTYPES), ("shape", SHAPES)):
        unknown = set({"op": ops, "dtype": dtypes, "shape": shapes}[name]) - set(known)
        if unknown:
            raise ValueError(f"unknown {name} {sorted(unknown)}; known: {', '.join(known)}")
    # an operator without integer forms (logcumsumexp) has no integer cells
    return [(op, dtype, shape) for shape in shapes for dtype in dtypes for op in ops
            if operator_of(op).takes(DTYPES[dtype])]


def cells_left(cells: list[tuple[str, str, str]], done_paths: list[str] | None) -> list[tuple[str, str, str]]:
    """`cells` less those some matrix report in `done_paths` already holds: a matrix longer than
    one device call goes on in the next call where the last one was cut."""
    done = set()
    for path in done_paths or ():
        with open(path) as handle:
            done.update((cell["op"], cell["dtype"], cell["shape"]) for cell in json.load(handle)["cells"])
    return [cell for cell in cells if cell not in done]


def plot_matrix(report: dict, path: str) -> None:
    """A heatmap: rows (shape family, dtype), columns ops, cells triscan's % of copy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = report["cells"]
    rows = list(dict.fromkeys((cell["shape"], cell["dtype"]) for cell in cells))
    ops = list(dict.fromkeys(cell["op"] for cell in cells))
    values = [[math.nan] * len(ops) for _ in rows]
    for cell in cells:
        value = percent_of_copy(cell)
        position = rows.index((cell["shape"], cell["dtype"]))
        values[position][ops.index(cell["op"])] = math.nan if value is None else value
    figure, axes = plt.subplots(figsize=(2 + 1.6 * len(ops), 1 + 0.32 * len(rows)))
    image = axes.imshow(values, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for row, line in enumerate(values):
        for column, value in enumerate(line):
            if not math.isnan(value):
                axes.text(column, row, f"{value:.0f}", ha="center", va="center", fontsize=7)
    axes.set_xticks(range(len(ops)))
    axes.set_xticklabels(ops, fontsize=8)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([f"{shape}, {dtype}" for shape, dtype in rows], fontsize=7)
    environment = report.get("environment", {})
    axes.set_title(f"triscan, % of a copy of the same bytes: {environment.get('gpu')}, "
                   f"commit {environment.get('commit')}, {report['input_gib']:g} GiB inputs", fontsize=9)
    figure.colorbar(image, ax=axes, fraction=0.03)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def table_rows(cells: list[dict]) -> list[list[str]]:
    rows = []
    for cell in cells:
        ours = percent_of_copy(cell)
        eager, compiled = percent_of_copy(cell, "torch eager"), percent_of_copy(cell, "torch.compile")
        # reports before the strided views' input copy named it for int32 -> int64 alone
        cub = percent_of_copy(cell, CUB)
        input_copy = percent_of_copy(cell, INPUT_COPY) or percent_of_copy(cell, "converting copy")
        rows.append([cell["shape"], cell["dtype"], cell["op"], cell["family"],
                     f"{cell['ms']['triscan']:.4f}", f"{ours:.1f}%", f"{eager:.1f}%" if eager else "-",
                     f"{compiled:.1f}%" if compiled else "-", f"{cub:.1f}%" if cub else "-",
                     f"{input_copy:.1f}%" if input_copy else "-", f"{cell['max_relative_error']:.1e}"])
    return rows


# "input copy": torch's copy of the input as laid out into the output's dtype (int32 -> int64,
# strided views and views off alignment), as % of the plain copy of the same bytes: what the
# traffic pattern alone reaches
COLUMNS = ["shape", "dtype", "op", "family", "triscan ms", "triscan", "torch eager", "torch.compile", "CUB",
           INPUT_COPY, "max rel. error"]


def show_matrix(report: dict, plot_path: str | None, note: str = "") -> None:
    """Print a matrix report's table and draw its heatmap where asked."""
    show_table(f"matrix: % of the copy roofline of the same bytes, {report['input_gib']:g} GiB inputs{note}",
               COLUMNS, table_rows(report["cells"]), numeric=COLUMNS[4:])
    if plot_path:
        plot_matrix(report, plot_path)
        print(f"wrote {plot_path}")


def merge(paths: list[str], json_path: str | None = None, plot_path: str | None = None) -> int:
    """One report from several matrix JSONs (a full matrix is longer than one device call): cells
    in the matrix's order, a later file's cell replacing an earlier one's; the reports must come
    from one GPU and one input size. Prints the table; writes JSON and heatmap where asked."""
    reports = []
    for path in paths:
        with open(path) as handle:
            reports.append(json.load(handle))
    for name, read in (("GPU", lambda report: report.get("environment", {}).get("gpu")),
                       ("input size (GiB)", lambda report: report["input_gib"])):
        values = {read(report) for report in reports}
        if len(values) > 1:
            raise ValueError(f"cannot merge matrix reports of different {name}: {sorted(map(str, values))}")
    cells = {}
    for report in reports:
        cells.update({(cell["op"], cell["dtype"], cell["shape"]): cell for cell in report["cells"]})
    order = {key: index for index, key in enumerate(cells_for(False))}
    environment = dict(reports[0].get("environment", {}))
    commits = list(dict.fromkeys(str(report.get("environment", {}).get("commit")) for report in reports))
    environment["commit"] = ", ".join(commits)
    merged = {"environment": environment, "input_gib": reports[0]["input_gib"],
              "repeat_ms": reports[0].get("repeat_ms"), "merged_from": list(paths),
              "cells": sorted(cells.values(), key=lambda cell: order.get(
                  (cell["op"], cell["dtype"], cell["shape"]), len(order)))}
    write_json(json_path, merged)
    show_matrix(merged, plot_path, f", {len(paths)} runs merged")
    return 0


def main(quick: bool = False, json_path: str | None = None, plot_path: str | None = None,
         repeat_ms: int = 100, input_gib: float | None = None, with_compile: bool = True, ops=None,
         dtypes=None, shapes=None, precompile_workers: int = 0, skip: list[str] | None = None) -> int:
    if not torch.cuda.is_available():
        print("triscan bench --matrix needs a CUDA GPU and none is visible here.")
        return 2
    cells = cells_left(cells_for(quick, ops, dtypes, shapes), skip)
    input_gib = input_gib or (1.0 if quick else 4.0)
    report = {"environment": environment(), "input_gib": input_gib, "repeat_ms": repeat_ms, "cells": []}
    progress = StepProgress(len(cells))
    if precompile_workers:
        from .precompile import precompiled_batches

        warm = functools.partial(warm_cells, input_bytes=int(input_gib * GIB), with_compile=with_compile)
        batches = precompiled_batches(warm, cells, precompile_workers)
    else:
        batches = [(cells, None, None)]
    for batch, configs, seconds in batches:
        if configs is not None:
            compiled = " and their torch.compile calls" if with_compile else ""
            progress.note(f"compiled {configs} configs of {len(batch)} cells{compiled} in {seconds:.0f} s "
                          f"({precompile_workers} processes)")
        for op, dtype, shape in batch:
            started = time.perf_counter()
            cell = run_cell(op, dtype, shape, int(input_gib * GIB), repeat_ms, with_compile)
            cell["seconds"] = round(time.perf_counter() - started, 2)
            report["cells"].append(cell)
            progress.step(f"{shape}, {dtype}, {op}: {percent_of_copy(cell):.1f}% of copy "
                          f"({cell['seconds']:.1f} s, {cell['tune_seconds']:.1f} s tuning)")
            torch.cuda.empty_cache()
            write_json(json_path, report)  # after every cell, so a run cut short keeps what it measured
    show_matrix(report, plot_path)
    bad = [cell for cell in report["cells"] if cell["max_relative_error"] > 1e-2]
    for cell in bad:
        print(f"WRONG: {cell['shape']}, {cell['dtype']}, {cell['op']}: max relative error "
              f"{cell['max_relative_error']:.2e}")
    return 1 if bad else 0
