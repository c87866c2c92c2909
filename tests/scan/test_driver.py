"""The cuLaunchKernel path of direct launches (scan/driver.py, TRISCAN_LAUNCH=driver): its kernel
parameters built from a compiled kernel's signature as Triton's own launcher builds them, its
refusals, and on the GPU every kernel family launched through it, right on fresh data."""

import ctypes
from types import SimpleNamespace

import pytest
import torch
from conftest import abs_of, assert_scan_close, random_input

import triscan
from triscan import api
from triscan.scan import dispatch, driver
from triscan.testing.reference import cumsum_reference, seed_model_reference


def test_parameters_follow_the_signature_and_skip_constexprs():
    """Tensors first (addresses, written per call), then each non-constexpr scalar in its C type,
    then the two scratch pointers Triton's launcher appends."""
    signature = ["*fp32", "*fp32", "i32", "constexpr", "i64", "u1", "constexpr"]
    cells = driver.parameter_cells(signature, (0, 0, 7, 1, 1 << 40, True, 64), pointers=2)
    expected = [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int32, ctypes.c_int64, ctypes.c_uint8,
                ctypes.c_uint64, ctypes.c_uint64]
    assert [type(cell) for cell in cells] == expected
    assert [cell.value for cell in cells[2:]] == [7, 1 << 40, 1, 0, 0]


@pytest.mark.parametrize("signature,args,why", [
    (["*fp32", "*fp32", "fp32"], (0, 0, 1.5), "a float argument"),
    (["*fp32", "i32", "*fp32"], (0, 3, 0), "a tensor where a scalar should be"),
    (["*fp32", "*fp32", "*i64"], (0, 0, 0), "a pointer among the scalars"),
    (["*fp32", "*fp32"], (0, 0, 5), "arguments that do not match the signature"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_parameters_refuse_what_this_path_does_not_pass(signature, args, why):
    assert driver.parameter_cells(signature, args, pointers=2) is None, why


def fake_binary(**metadata):
    fields = dict(global_scratch_size=0, profile_scratch_size=0, num_ctas=1, launch_cooperative_grid=False,
                  launch_pdl=False, num_warps=4, shared=0)
    return SimpleNamespace(src=SimpleNamespace(signature={"x": "*fp32", "y": "*fp32", "n": "i32"}),
                           metadata=SimpleNamespace(**{**fields, **metadata}), function=1234)


NEEDS_MORE = {"global-scratch": dict(global_scratch_size=8), "profile-scratch": dict(profile_scratch_size=8),
              "cluster": dict(num_ctas=2), "cooperative": dict(launch_cooperative_grid=True),
              "pdl": dict(launch_pdl=True), "unknown-metadata": dict(launch_pdl=None)}


@pytest.mark.parametrize("metadata", NEEDS_MORE.values(), ids=NEEDS_MORE.keys())
def test_kernels_that_need_more_than_a_launch_keep_tritons_launcher(metadata, monkeypatch):
    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(driver, "_LAUNCH", [lambda *args: 0])
    assert driver.driver_call(fake_binary(), (3, 1, 1), (0, 0, 9), 2) is not None
    assert driver.driver_call(fake_binary(**metadata), (3, 1, 1), (0, 0, 9), 2) is None


def test_off_unless_asked_and_without_libcuda(monkeypatch):
    monkeypatch.setattr(driver, "_LAUNCH", [lambda *args: 0])
    monkeypatch.setattr(driver, "ENABLED", False)
    assert driver.driver_call(fake_binary(), (3, 1, 1), (0, 0, 9), 2) is None
    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(driver, "_LAUNCH", [None])
    assert driver.driver_call(fake_binary(), (3, 1, 1), (0, 0, 9), 2) is None


def test_a_call_writes_the_addresses_and_launches_with_the_compiled_geometry(monkeypatch):
    """What reaches cuLaunchKernel: the function, the grid, 32 threads a warp, the shared memory,
    the stream, and parameters pointing at cells holding this call's addresses; a failed launch
    raises."""
    seen = []

    def launch(function, gx, gy, gz, bx, by, bz, shared, stream, parameters, extra):
        cells = [ctypes.c_uint64.from_address(parameters[i]).value for i in range(2)]
        seen.append((function.value, gx.value, gy.value, gz.value, bx.value, by.value, bz.value, shared.value,
                     stream.value, cells, ctypes.c_int32.from_address(parameters[2]).value, extra))
        return 0 if len(seen) == 1 else 700

    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(driver, "_LAUNCH", [launch])
    call = driver.driver_call(fake_binary(shared=512), (3, 2, 1), (0, 0, 9), 2)
    call(77, 4096, 8192)
    assert seen == [(1234, 3, 2, 1, 128, 1, 1, 512, 77, [4096, 8192], 9, None)]
    with pytest.raises(RuntimeError, match="CUresult 700"):
        call(77, 4096, 8192)


def test_a_thread_without_a_context_gets_one_and_launches_again(monkeypatch):
    """CUDA_ERROR_INVALID_CONTEXT (a thread the driver has no current context for): the device's
    primary context is made current, as Triton's launcher does, and the launch is made again."""
    results, made = [201, 0], []
    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(driver, "_LAUNCH", [lambda *args: results.pop(0)])
    monkeypatch.setattr(driver, "make_context_current", lambda: made.append(1))
    call = driver.driver_call(fake_binary(), (3, 1, 1), (0, 0, 9), 2)
    call(0, 16, 32)
    assert made == [1] and results == []


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
# row scan, look-back with a kept workspace (1-D), column look-back (narrow K), column scan, seed rows
CASES = [("cumsum", (8, 1024), 1), ("cumsum", (65536,), 0), ("cumsum", (1 << 17, 3), 0),
         ("cumsum", (64, 512), 0), ("exclusive", (128, 4000), 1), ("model", (128, 4000), 1)]
CASE_IDS = [f"{op}-{'x'.join(map(str, shape))}-dim{dim}" for op, shape, dim in CASES]


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("op,shape,dim", CASES, ids=CASE_IDS)
def test_every_family_launches_through_the_driver_gpu(op, shape, dim, monkeypatch, poisoned_outputs):
    """With the path on, a prepared call's later launches go through cuLaunchKernel (counted) and
    are right on fresh data, NaN-filled outputs included."""
    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(api, "CALLS", {})
    monkeypatch.setattr(dispatch, "PLANS", {})
    launches = []
    original = driver.DriverCall.__call__

    def counted(self, *args):
        launches.append(args)
        return original(self, *args)

    monkeypatch.setattr(driver.DriverCall, "__call__", counted)
    call = {"cumsum": lambda x: triscan.cumsum(x, dim),
            "exclusive": lambda x: triscan.exclusive_cumsum(x, dim), "model": triscan.ModelNew(dim)}[op]
    for _ in range(4):
        x = random_input(shape, torch.float32)
        out = call(x)
        torch.cuda.synchronize()
        if op == "model":
            torch.testing.assert_close(out.double(), seed_model_reference(x, dim), atol=1e-3, rtol=1e-4)
        else:
            reference = cumsum_reference(x, dim)
            if op == "exclusive":
                reference = reference - x.double()
            assert_scan_close(out, reference, cumsum_reference(abs_of(x), dim), shape[dim])
    assert len(launches) >= 2, "the driver path never ran"


@pytest.mark.gpu
@needs_cuda
def test_threads_sharing_one_prepared_call_gpu(monkeypatch):
    """Threads calling one prepared call at once, each on its own stream and data: the driver
    path's shared parameter cells never carry one thread's addresses into another's launch."""
    import threading

    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(api, "CALLS", {})
    monkeypatch.setattr(dispatch, "PLANS", {})
    shape, threads, calls = (8, 1024), 4, 50
    triscan.cumsum(random_input(shape, torch.float32), 1)  # prepare the call, then launch directly
    triscan.cumsum(random_input(shape, torch.float32), 1)
    inputs = [[random_input(shape, torch.float32) for _ in range(calls)] for _ in range(threads)]
    outputs, failures = [None] * threads, []
    start = threading.Barrier(threads)

    def worker(index):
        try:
            stream = torch.cuda.Stream()
            start.wait()
            with torch.cuda.stream(stream):
                outputs[index] = [triscan.cumsum(x, 1) for x in inputs[index]]
            stream.synchronize()
        except BaseException as failure:  # reported by the main thread
            failures.append(repr(failure))

    workers = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not failures, failures
    prepared = next(iter(api.CALLS.values()))
    assert prepared.direct and prepared.direct.driver is not None
    for xs, outs in zip(inputs, outputs, strict=True):
        for x, out in zip(xs, outs, strict=True):
            assert_scan_close(out, cumsum_reference(x, 1), cumsum_reference(abs_of(x), 1), shape[1])


@pytest.mark.gpu
@needs_cuda
def test_a_new_thread_launches_through_the_driver_gpu(monkeypatch):
    """A thread whose first CUDA work is a prepared call (its output from torch's cache, no
    stream made): the launch finds or makes the thread's context and is right."""
    import threading

    monkeypatch.setattr(driver, "ENABLED", True)
    monkeypatch.setattr(api, "CALLS", {})
    monkeypatch.setattr(dispatch, "PLANS", {})
    x = random_input((8, 1024), torch.float32)
    triscan.cumsum(x, 1)
    triscan.cumsum(x, 1)
    torch.cuda.synchronize()
    results = []
    thread = threading.Thread(target=lambda: results.append(triscan.cumsum(x, 1)))
    thread.start()
    thread.join()
    torch.cuda.synchronize()
    assert len(results) == 1
    assert_scan_close(results[0], cumsum_reference(x, 1), cumsum_reference(abs_of(x), 1), 1024)
    assert next(iter(api.CALLS.values())).direct.driver is not None
