"""triscan inside CUDA programs (issue 5): captured CUDA graphs, side streams, a second device,
bitwise repeatability. GPU only."""

import pytest
import torch
from conftest import abs_of, assert_scan_close, random_input

import triscan
from triscan.testing.reference import cumsum_reference, seed_model_reference

pytestmark = pytest.mark.gpu
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

# row scan, look-back (1-D), column look-back (narrow K), column scan
SHAPES = [((64, 3000), 1), ((1 << 20,), 0), ((1 << 17, 3), 0), ((64, 512), 0)]


@needs_cuda
@pytest.mark.parametrize("shape,dim", SHAPES)
def test_cuda_graph_replays_on_new_data(shape, dim):
    """Capture once (after the autotuner has run), replay on new inputs: workspaces come from
    the graph's pool and are zeroed inside the graph, nothing syncs with the host."""
    static_x = random_input(shape, torch.float32)
    triscan.cumsum(static_x, dim)  # compile and autotune outside the capture
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = triscan.cumsum(static_x, dim)
    side = torch.cuda.Stream()
    for _ in range(3):
        fresh = random_input(shape, torch.float32)
        static_x.copy_(fresh)
        torch.cuda.synchronize()
        # a replay on a side stream while eager calls of the same plan run on this one: the
        # graph has its own workspace, eager calls the kept one (scan/launch.py)
        with torch.cuda.stream(side):
            graph.replay()
        eager = [triscan.cumsum(static_x, dim) for _ in range(3)]
        torch.cuda.synchronize()
        for out in (static_out, *eager):
            assert_scan_close(out, cumsum_reference(fresh, dim), cumsum_reference(abs_of(fresh), dim),
                              shape[dim])


@needs_cuda
def test_graphed_forward_and_backward():
    """ModelNew's forward and backward captured by make_graphed_callables, replayed on new data:
    values and gradients as torch's own autograd of the plain-torch reference gives them."""
    x = random_input((64, 3000), torch.float32).requires_grad_()
    graphed = torch.cuda.make_graphed_callables(triscan.ModelNew(1), (x,))
    for _ in range(2):
        fresh = random_input((64, 3000), torch.float32).requires_grad_()
        out = graphed(fresh)
        grad = random_input(tuple(out.shape), torch.float32)
        out.backward(grad)
        exact = fresh.detach().double().requires_grad_()
        reference = seed_model_reference(exact, 1)
        (expected,) = torch.autograd.grad(reference, exact, grad.double())
        torch.testing.assert_close(out.double(), reference.detach(), rtol=1e-4, atol=1e-3)
        torch.testing.assert_close(fresh.grad.double(), expected, rtol=1e-4, atol=1e-3)
        assert torch.equal(fresh.grad[-1], torch.zeros_like(fresh.grad[-1]))  # the dropped row


@needs_cuda
def test_two_streams_at_once():
    """Look-back scans on two side streams at the same time: each uses its own workspace and
    runs on the caller's stream."""
    xs = [random_input((1 << 22,), torch.float32) for _ in range(2)]
    streams = [torch.cuda.Stream() for _ in range(2)]
    triscan.cumsum(xs[0], 0)  # autotune first
    torch.cuda.synchronize()
    outs = []
    for x, stream in zip(xs, streams, strict=True):
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            outs.append(triscan.cumsum(x, 0))
    for x, out, stream in zip(xs, outs, streams, strict=True):
        stream.synchronize()
        assert_scan_close(out, cumsum_reference(x, 0), cumsum_reference(abs_of(x), 0), x.numel())


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
@pytest.mark.parametrize("shape,dim", SHAPES)
def test_second_device(shape, dim):
    """A tensor on cuda:1 while cuda:0 is current: every kernel family, three calls (the first
    through Triton's dispatch, the others through the plan's direct launch)."""
    for _ in range(3):
        x = random_input(shape, torch.float32).to("cuda:1")
        assert torch.cuda.current_device() == 0
        out = triscan.cumsum(x, dim)
        assert out.device == x.device and torch.cuda.current_device() == 0
        torch.cuda.synchronize("cuda:1")
        assert_scan_close(out, cumsum_reference(x, dim), cumsum_reference(abs_of(x), dim), shape[dim])


@needs_cuda
@pytest.mark.parametrize("shape,dim", [((64, 3000), 1), ((64, 512), 0)])
def test_row_and_column_paths_are_bitwise_repeatable(shape, dim):
    x = random_input(shape, torch.float32)
    first = triscan.cumsum(x, dim)
    assert all(torch.equal(first, triscan.cumsum(x, dim)) for _ in range(5))


@needs_cuda
def test_deterministic_mode_makes_long_float_scans_repeatable():
    x = random_input((1 << 22,), torch.float32)
    torch.use_deterministic_algorithms(True)
    try:
        first = triscan.cumsum(x, 0)
        assert all(torch.equal(first, triscan.cumsum(x, 0)) for _ in range(5))
    finally:
        torch.use_deterministic_algorithms(False)


@needs_cuda
@pytest.mark.parametrize("shape,dim", SHAPES)
def test_later_calls_launch_the_compiled_kernel_directly(triton_launches, shape, dim):
    """The first call of a plan goes through Triton's dispatch, later ones go straight to the
    compiled kernel and are still right on fresh data."""
    for attempt in range(3):
        x = random_input(shape, torch.float32)
        out = triton_launches.run(triscan.cumsum, x, dim)
        assert_scan_close(out, cumsum_reference(x, dim), cumsum_reference(abs_of(x), dim), shape[dim])
        assert sum(triton_launches.counts.values()) == 1, (attempt, triton_launches.counts)
        assert sum(triton_launches.direct.values()) == attempt, (attempt, triton_launches.direct)


@needs_cuda
def test_a_change_of_alignment_goes_through_triton_again(triton_launches):
    """Two views with one shape and stride (so one plan) whose data are 16-byte aligned and not:
    the kernel specialized for aligned pointers must not be launched on the other. The shifted
    view goes through Triton once and is launched directly after; the prepared call's direct
    launch keeps the aligned kernel, so going back to the aligned view needs no Triton launch."""
    storage = random_input((1 << 16) + 1, torch.float32)
    aligned, shifted = storage[:-1], storage[1:]
    assert aligned.data_ptr() % 16 == 0 and shifted.data_ptr() % 16 != 0
    for view, launches in ((aligned, 1), (aligned, 1), (shifted, 2), (shifted, 2), (aligned, 2)):
        out = triton_launches.run(triscan.cumsum, view, 0)
        assert_scan_close(out, cumsum_reference(view, 0), cumsum_reference(abs_of(view), 0), view.numel())
        assert sum(triton_launches.counts.values()) == launches, triton_launches.counts
    assert sum(triton_launches.launched.values()) == 5
