"""`triscan bench --host`: what small calls cost, as a training step pays for them.

Per cell (shape x op x dtype, plus float32 inputs that require grad): the wall time per call of
`CALLS` calls back to back after a warm-up, then one synchronize (the host path and the launch,
as a Python loop sees them), and the device time (`do_bench` median with L2 emptied), for
triscan and for torch.cumsum on the same input in the same process. Every op is compared with
torch.cumsum (with the same `dtype=`), the one call a user would swap out.

Beside the cells: the floors in the same process (an empty Triton kernel launched through
`kernel[grid]`, through its compiled launcher and through that launcher's C function, an empty
torch op, allocations) and where one call's microseconds go, layer by layer (the public
function, the prepared call's lookup, its allocation, its launch, the direct launch): each layer
timed alone on the same call, so that the differences between them are each layer's own cost.
"""

import time

import torch
import triton
import triton.language as tl

from .environment import environment
from .report import StepProgress, show_table, write_json

CALLS = 2000
WARMUP = 50
ROUNDS = 3
PASSES = 2  # the whole table timed twice: the first seconds of a process read slow on both sides
SHAPES = ((8, 1024), (128, 4000), (65536,))
OPS = ("cumsum", "exclusive_cumsum", "cumsum reverse", "cumsum dtype=float64", "ModelNew")
# how direct launches reach the driver, named in every report (a ctypes cuLaunchKernel path timed
# slower and was removed: benchmarks/NOTES.md section 71)
LAUNCHER = "Triton's C launcher"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "int32": torch.int32}


@triton.jit
def empty_kernel(x_ptr, y_ptr, VALUE: tl.constexpr):
    # One program storing nothing useful: the launch alone, with an input and an output pointer as
    # every triscan kernel has.
    if VALUE < 0:
        tl.store(y_ptr, tl.load(x_ptr) + VALUE)


class EmptyFunction(torch.autograd.Function):
    """An autograd Function that does nothing: the floor of any call that records a backward."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class EmptyModule(torch.nn.Module):
    """An nn.Module whose forward returns its input: what a module call (ModelNew) adds."""

    def forward(self, x):
        return x


def wall_us(fn, calls: int = CALLS) -> float:
    """Microseconds per call of `calls` calls back to back, after a warm-up, then one synchronize."""
    for _ in range(WARMUP):
        fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / calls * 1e6


def device_us(fn) -> float:
    from triton.testing import do_bench

    return 1000 * do_bench(fn, warmup=25, rep=100, return_mode="median")


def calls_for(op: str, x: torch.Tensor):
    """(triscan's call, torch.cumsum's counterpart, with the same `dtype=`) of one op on x,
    scanning the last dim."""
    from .matrix import op_flags, triscan_call

    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; known: {', '.join(OPS)}")
    dim = x.dim() - 1
    ours, dtype = triscan_call(op, dim), op_flags(op).get("dtype")
    return (lambda: ours(x)), (lambda: torch.cumsum(x, dim, dtype=dtype))


def launch_path(x: torch.Tensor, op: str) -> str:
    """How a repeated call of `op` on x launches: "direct" (the compiled kernel's C launcher,
    scan/launch.py DirectLaunch), "declined" (a DirectLaunch that refuses these tensors, so every
    call takes the plan's launch), "plan" (the plan's launch: a copy, a fresh workspace, or the
    interpreter) or "unprepared" (no earlier call of this key). A "direct" or "declined" answer
    launches the kernel once."""
    from .. import api
    from .matrix import op_flags

    flags = op_flags(op)
    shift = api.SEED_SHIFT if flags.get("seed") else int(flags["exclusive"])
    prepared = api.CALLS.get(api.call_key(x, x.dim() - 1, shift, flags.get("reverse", False),
                                          flags.get("dtype")))
    if prepared is None:
        return "unprepared"
    if not prepared.direct or prepared.flat:
        return "plan"
    accepted = prepared.direct.launch(x, prepared.output(x))
    return "direct" if accepted else "declined"


def cells(quick: bool) -> list[tuple[tuple, str, str, bool]]:
    """(shape, op, dtype, requires_grad) of every cell."""
    ops = ("cumsum", "exclusive_cumsum", "ModelNew") if quick else OPS
    dtypes = ("float32",) if quick else tuple(DTYPES)
    chosen = [(shape, op, dtype, False) for shape in SHAPES for dtype in dtypes for op in ops]
    chosen += [(shape, "cumsum", "float32", True) for shape in SHAPES]
    return chosen


def warm_cells(share: list) -> int:
    """A precompile worker's job: compile the configs of its cells' plans (precompile.warm_plan)."""
    from ..explain import planned_call
    from .matrix import op_flags
    from .precompile import warm_plan

    device = torch.device("cuda", torch.cuda.current_device())
    count = 0
    for shape, op, dtype, _ in share:
        x = torch.empty(shape, dtype=DTYPES[dtype], device="meta")
        count += warm_plan(planned_call(x, len(shape) - 1, device, **op_flags(op)))
    return count


def run_cell(shape: tuple, op: str, dtype: str, requires_grad: bool, device_time: bool = True) -> dict:
    torch.manual_seed(0)
    if DTYPES[dtype].is_floating_point:
        x = torch.rand(shape, device="cuda").to(DTYPES[dtype])
    else:
        x = torch.randint(-100, 100, shape, device="cuda", dtype=DTYPES[dtype])
    x.requires_grad_(requires_grad)
    ours, theirs = calls_for(op, x)
    ours()  # compile and autotune outside the timing
    cell = {"shape": list(shape), "op": op, "dtype": dtype, "requires_grad": requires_grad}
    # alternate, best of ROUNDS, so that a noisy moment does not land on one side only
    walls = {"triscan": [], "torch": []}
    for _ in range(ROUNDS):
        walls["triscan"].append(wall_us(ours))
        walls["torch"].append(wall_us(theirs))
    cell["wall_us"] = {name: min(values) for name, values in walls.items()}
    if device_time:
        cell["device_us"] = {"triscan": device_us(ours), "torch": device_us(theirs)}
        cell["launch"] = launch_path(x, op)
    cell["wall_ratio"] = cell["wall_us"]["triscan"] / cell["wall_us"]["torch"]
    return cell


def join_pass(cell: dict, later: dict) -> None:
    """A later pass's wall times into a cell: each side's best over the passes, every pass kept."""
    passes = cell.setdefault("wall_us_per_pass", [dict(cell["wall_us"])])
    passes.append(later["wall_us"])
    cell["wall_us"] = {name: min(walls[name] for walls in passes) for name in cell["wall_us"]}
    cell["wall_ratio"] = cell["wall_us"]["triscan"] / cell["wall_us"]["torch"]


def floors() -> dict:
    """The cheapest launches this process can make: the bounds on any call's host time."""
    buffer = torch.empty(1, device="cuda")
    grid = (1,)
    binary = empty_kernel[grid](buffer, buffer, VALUE=1)
    driver = triton.runtime.driver.active
    stream = driver.get_current_stream(driver.get_current_device())

    def compiled_launch():
        binary.run(1, 1, 1, stream, binary.function, binary.packed_metadata, None, None, None, buffer, buffer,
                   1)

    launcher = binary.run

    def c_launch():
        launcher.launch(1, 1, 1, stream, binary.function, launcher.launch_cooperative_grid,
                        launcher.launch_pdl, None, None, binary.packed_metadata, None, None, None,
                        buffer, buffer, 1)

    x = torch.empty((8, 1024), device="cuda")
    device = x.device
    leaf = torch.empty((8, 1024), device="cuda", requires_grad=True)
    module = EmptyModule()
    return {
        "empty Triton kernel, kernel[grid]": wall_us(lambda: empty_kernel[grid](buffer, buffer, VALUE=1)),
        "empty Triton kernel, CompiledKernel.run": wall_us(compiled_launch),
        "empty Triton kernel, the launcher's C function": wall_us(c_launch),
        "empty torch op (one-element zero_)": wall_us(buffer.zero_),
        "torch.empty((8, 1024), device=\"cuda\")": wall_us(lambda: torch.empty((8, 1024), device="cuda")),
        "torch.empty((8, 1024), dtype=, device=torch.device)": wall_us(
            lambda: torch.empty((8, 1024), dtype=torch.float32, device=device)),
        "torch.empty_like(x)": wall_us(lambda: torch.empty_like(x)),
        "torch.empty_like(x, dtype=torch.float64)": wall_us(lambda: torch.empty_like(x, dtype=torch.float64)),
        "x.new_empty((7, 1025)) (the seed's output rows)": wall_us(lambda: x.new_empty((7, 1025))),
        "empty nn.Module call": wall_us(lambda: module(x)),
        "empty autograd.Function.apply, input requires grad": wall_us(lambda: EmptyFunction.apply(leaf)),
    }


def layers(shape: tuple = (8, 1024)) -> dict:
    """One float32 cumsum of `shape` along its last dim, timed at each layer of the call, top down;
    each layer's own cost is its time less the next one's."""
    import triscan
    from triscan import api

    x = torch.rand(shape, device="cuda")
    dim = x.dim() - 1
    for _ in range(3):  # prepared, then launched through the plan, then directly
        triscan.cumsum(x, dim)
    prepared = api.CALLS[api.call_key(x, dim, 0, False, None)]
    out = prepared.output(x)
    timed = {
        "triscan.cumsum (public)": lambda: triscan.cumsum(x, dim),
        "api.scan (key, lookup, output, launch)": lambda: api.scan(x, dim, 0, "cumsum"),
        "PreparedCall.output (allocation)": lambda: prepared.output(x),
        "PreparedCall.run (launch)": lambda: prepared.run(x, out),
    }
    if prepared.direct:
        timed["DirectLaunch.launch (checks, stream, launcher)"] = lambda: prepared.direct.launch(x, out)
    return {name: wall_us(fn) for name, fn in timed.items()}


def main(quick: bool = False, json_path: str | None = None, precompile_workers: int = 0) -> int:
    if not torch.cuda.is_available():
        print("triscan bench --host needs a CUDA GPU and none is visible here.")
        return 2
    if precompile_workers:  # every cell's first call would compile its configs one by one
        from .precompile import precompile

        configs, seconds = precompile(warm_cells, sorted(set(cells(quick))), precompile_workers)
        print(f"compiled {configs} configs in {seconds:.0f} s ({precompile_workers} processes)")
    # floors and layers after the cells: the first seconds of a process time slower on both sides
    # (benchmarks/NOTES.md section 41), and the floors are read against the cells' steady state
    report = {"environment": environment(), "calls": CALLS, "passes": PASSES, "direct_launches": LAUNCHER,
              "cells": []}
    chosen = cells(quick)
    progress = StepProgress(len(chosen) * PASSES)
    for pass_index in range(PASSES):
        for index, (shape, op, dtype, requires_grad) in enumerate(chosen):
            cell = run_cell(shape, op, dtype, requires_grad, device_time=not pass_index)
            if pass_index:
                join_pass(report["cells"][index], cell)
            else:
                report["cells"].append(cell)
            walls = cell["wall_us"]
            progress.step(f"pass {pass_index + 1}: {tuple(shape)} {op} {dtype}: {walls['triscan']:.1f}"
                          f" against torch's {walls['torch']:.1f} us")
            write_json(json_path, report)  # after every cell, so a run cut short keeps what it measured
    rows = [[str(tuple(cell["shape"])), cell["op"] + (" (requires_grad)" if cell["requires_grad"] else ""),
             cell["dtype"], f"{cell['wall_us']['triscan']:.1f}", f"{cell['wall_us']['torch']:.1f}",
             f"{cell['wall_ratio']:.2f}", f"{cell['device_us']['triscan']:.1f}",
             f"{cell['device_us']['torch']:.1f}", cell["launch"]] for cell in report["cells"]]
    report["floors_us"], report["layers_us"] = floors(), layers()
    write_json(json_path, report)
    gpu = report["environment"].get("gpu", "GPU")
    show_table(f"host path per call, {CALLS} back to back (wall, best of {PASSES} passes) and do_bench "
               f"(device), {gpu}; direct launches by {LAUNCHER}",
               ["shape", "op", "dtype", "triscan wall us", "torch wall us", "ratio", "triscan device us",
                "torch device us", "launch"], rows, numeric=("triscan wall us", "torch wall us", "ratio",
                                                    "triscan device us", "torch device us"))
    show_table("floors (wall us per call)", ["launch", "us"],
               [[name, "-" if value is None else f"{value:.1f}"]
                for name, value in report["floors_us"].items()], numeric=("us",))
    show_table("one (8, 1024) float32 cumsum, layer by layer (wall us per call)", ["down to", "us"],
               [[name, f"{value:.1f}"] for name, value in report["layers_us"].items()], numeric=("us",))
    slow = [cell for cell in report["cells"]
            if cell["wall_ratio"] > (1.5 if cell["requires_grad"] else 1.0)]
    print(f"{len(slow)} of {len(report['cells'])} cells slower than the target "
          "(torch.cumsum's wall time; 1.5x with requires_grad)")
    return 0
