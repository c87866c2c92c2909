"""Compile, before timing, every autotune config of the kernels a set of matrix cells will run,
in worker processes at once (`triscan bench --matrix --precompile N`).

A cell's first call autotunes: it compiles every config its kernel's pruning keeps (Triton
compiles them one after another, about a second each) and times them. Across the matrix's cells
that is most of a run's time on a fresh machine. Compiling is CPU work and each compiled kernel
lands in Triton's on-disk cache, so workers compile the cells' configs in parallel first (no
kernel runs: `warmup` only compiles), and the timed run then loads them from the cache. The
autotuner still times every config in the timing process, one at a time, so its choices are
those of a plain run.
"""

import concurrent.futures
import multiprocessing
import time

import torch

from ..scan.launch import workspace_for
from ..scan.plan import plan_scan


def cell_plan(op: str, dtype: torch.dtype, family: str, input_bytes: int, device: torch.device):
    """The plan a matrix cell's call makes on `device`, from shapes alone (a meta tensor stands
    for the input)."""
    from ..explain import described_call
    from .matrix import op_flags, shape_for

    shape, dim, view = shape_for(family, input_bytes // dtype.itemsize)
    x = torch.empty(shape, dtype=dtype, device="meta")
    x = x[..., view] if view is not None else x
    _, source, out_shape, out_dtype, dim, length, shift, reverse = described_call(x, dim, **op_flags(op))
    return plan_scan(tuple(source.shape), source.stride(), dim, length, shift, reverse, tuple(out_shape),
                     dtype, out_dtype, device)


def warm_cell(op: str, dtype_name: str, family: str, input_bytes: int) -> int:
    """Compile every config a cell's kernel would time (a worker's job); the number compiled."""
    from .matrix import DTYPES

    device = torch.device("cuda", torch.cuda.current_device())
    plan = cell_plan(op, DTYPES[dtype_name], family, input_bytes, device)
    spec = plan.launch
    # tensors only stand for dtypes and alignment here: nothing is launched
    x = torch.empty(16, dtype=plan.input_dtype, device=device)
    y = torch.empty(16, dtype=plan.output_dtype, device=device)
    workspace = workspace_for(spec, device) if spec.workspace is not None else ()
    compiled = spec.kernel.warmup(x, y, *workspace, *spec.scalar_args, grid=(1,), **spec.constexprs)
    return len(compiled) if isinstance(compiled, list) else 1


def warm_cells(cells: list[tuple[str, str, str]], input_bytes: int) -> int:
    return sum(warm_cell(op, dtype, family, input_bytes) for op, dtype, family in cells)


def precompile(cells: list[tuple[str, str, str]], input_bytes: int, workers: int) -> tuple[int, float]:
    """Compile the configs of every cell in `workers` processes; (configs compiled, seconds)."""
    start = time.perf_counter()
    shares = [cells[index::workers] for index in range(workers) if cells[index::workers]]
    context = multiprocessing.get_context("spawn")  # CUDA cannot be used in a forked child
    with concurrent.futures.ProcessPoolExecutor(len(shares), mp_context=context) as pool:
        counts = list(pool.map(warm_cells, shares, [input_bytes] * len(shares)))
    return sum(counts), time.perf_counter() - start
