"""Compile, before timing, every autotune config of the kernels a set of calls will run, in
worker processes at once (`triscan bench --matrix --precompile N`: tools/matrix.py makes the
plans of its cells, this module compiles them).

A cell's first call autotunes: it compiles every config its kernel's pruning keeps (Triton
compiles them one after another, about a second each) and times them. Across the matrix's cells
that is most of a run's time on a fresh machine. Compiling is CPU work and each compiled kernel
lands in Triton's on-disk cache, so workers compile the cells' configs in parallel first (no
kernel runs: `warmup` only compiles), and the timed run then loads them from the cache. The
autotuner still times every config in the timing process, one at a time, so its choices are
those of a plain run. The matrix compiles and times its cells in batches (precompiled_batches):
a run that a time limit cuts keeps the cells it timed.
"""

import concurrent.futures
import multiprocessing
import time

import torch

from ..scan.launch import address_constexprs, workspace_for


def warm_plan(plan) -> int:
    """Compile every config a plan's kernel would time, without launching it; the number of
    configs. Small tensors stand for the plan's: compiling depends on dtypes and 16-byte
    alignment, not on sizes."""
    spec = plan.launch
    x = torch.empty(16, dtype=plan.input_dtype, device=plan.device)
    y = torch.empty(16, dtype=plan.output_dtype, device=plan.device)
    workspace = workspace_for(spec, plan.device) if spec.workspace is not None else ()
    # a kernel's indices output: int64 where the plan writes them, else the output again (run_launch)
    indices = ((torch.empty(16, dtype=torch.int64, device=plan.device) if plan.indexed else y,)
               if spec.takes_indices else ())
    # and what a launch takes from the addresses (X_ALIGNED: fresh tensors are aligned, as the
    # cells' inputs but a view off alignment)
    compiled = spec.kernel.warmup(x, y, *indices, *workspace, *spec.scalar_args, grid=(1,),
                                  **spec.constexprs, **address_constexprs(spec.kernel, (x,)))
    return len(compiled) if isinstance(compiled, list) else 1


def precompile(worker, items: list, workers: int) -> tuple[int, float]:
    """Split `items` into `workers` shares and run `worker(share)` (a picklable function that
    compiles and returns a count) on each in its own process; (total count, seconds)."""
    start = time.perf_counter()
    shares = [items[index::workers] for index in range(min(workers, len(items)))]
    context = multiprocessing.get_context("spawn")  # CUDA cannot be used in a forked child
    with concurrent.futures.ProcessPoolExecutor(len(shares), mp_context=context) as pool:
        counts = list(pool.map(worker, shares))
    return sum(counts), time.perf_counter() - start


def precompiled_batches(worker, items: list, workers: int):
    """Yield (batch, count, seconds) for `items` in batches of `workers`, each once `worker` (as
    in precompile) has compiled it, an item to a process. The caller times a batch before the
    next one compiles: timing starts after one batch's compile rather than everyone's, and no
    compile competes with a timing for the CPU that launches its kernels."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max(1, min(workers, len(items))), mp_context=context) as pool:
        for first in range(0, len(items), workers):
            batch = items[first:first + workers]
            start = time.perf_counter()
            count = sum(pool.map(worker, [[item] for item in batch]))
            yield batch, count, time.perf_counter() - start
