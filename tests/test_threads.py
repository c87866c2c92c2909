"""Concurrent calls from several Python threads (issue 5): the four kernel families at once, with
the autotuners' caches emptied first so that the threads tune at the same time. On CUDA each
thread runs on its own side stream; on CPU the kernels go through the interpreter."""

import contextlib
import threading

import pytest
import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

import triscan
from triscan.kernels.registry import FAMILIES
from triscan.testing.reference import scan_reference

ON_GPU = DEVICE == "cuda"
# (shape, dim) per thread: row scan, 1-D look-back, column look-back (narrow K), column scan
if ON_GPU:
    SHAPES = [((96, 3001), 1), (((1 << 20) + 7,), 0), (((1 << 17) + 3, 3), 0), ((48, 300, 40), 1)]
else:
    SHAPES = [((5, 301), 1), ((1201,), 0), ((401, 3), 0), ((6, 7, 200), 1)]
AUTOTUNED = tuple(kernel for family in FAMILIES for kernel in family.kernels.values())


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_threads_scan_at_once(monkeypatch, triton_launches, reverse):
    for kernel in AUTOTUNED:
        monkeypatch.setattr(kernel, "cache", {})  # every thread tunes its kernel now
    calls = 3 if ON_GPU else 2  # per thread; on CPU each is a whole interpreted scan
    inputs = {case: [random_input(case[0], torch.float32) for _ in range(calls)] for case in SHAPES}
    outputs, failures = {}, []
    start = threading.Barrier(len(SHAPES))

    def worker(case):
        shape, dim = case
        try:
            stream = torch.cuda.Stream() if ON_GPU else None
            start.wait()
            with torch.cuda.stream(stream) if ON_GPU else contextlib.nullcontext():
                outputs[case] = [triscan.cumsum(x, dim, reverse=reverse) for x in inputs[case]]
            if ON_GPU:
                stream.synchronize()
        except BaseException as failure:  # reported by the main thread
            failures.append((case, repr(failure)))

    def run_threads():
        threads = [threading.Thread(target=worker, args=(case,)) for case in SHAPES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    triton_launches.run(run_threads)
    assert not failures, failures
    assert len(triton_launches.counts) == len(SHAPES), triton_launches.counts  # one family per thread
    for (shape, dim), results in outputs.items():
        for x, out in zip(inputs[shape, dim], results, strict=True):
            assert_scan_close(out, scan_reference(x, dim, reverse=reverse),
                              scan_reference(abs_of(x), dim, reverse=reverse), shape[dim])
