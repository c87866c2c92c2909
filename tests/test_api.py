"""triscan.cumsum and triscan.exclusive_cumsum: every dim, dtypes, layouts, edge sizes, errors."""

import os
import subprocess
import sys

import pytest
import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

import triscan
from triscan.kernels.column import COLUMN_SCAN_CONFIGS
from triscan.kernels.row import ROW_SCAN_CONFIGS
from triscan.scan import launch
from triscan.testing.reference import cumsum_reference, exclusive_cumsum_reference, seed_model_reference

OPS = {
    "cumsum": (triscan.cumsum, cumsum_reference),
    "exclusive": (triscan.exclusive_cumsum, exclusive_cumsum_reference),
}
SHAPES = [(1,), (13,), (131,), (1, 1), (3, 1), (1, 3), (6, 23), (8, 130), (2, 3, 5), (5, 1, 3), (2, 1, 2, 3)]
CASES = [(op, shape, dim) for op in OPS for shape in SHAPES for dim in list(range(len(shape))) + [-1]]


def case_id(case):
    op, shape, dim = case
    return f"{op}-{'x'.join(map(str, shape))}-dim{dim}"


@pytest.mark.parametrize("op,shape,dim", CASES, ids=[case_id(c) for c in CASES])
def test_scan_every_dim(op, shape, dim, triton_launches, poisoned_outputs):
    fn, reference = OPS[op]
    x = random_input(shape, torch.float32)
    out = triton_launches.run(fn, x, dim)
    assert out.dtype == torch.float32 and out.shape == x.shape
    assert_scan_close(out, reference(x, dim), cumsum_reference(abs_of(x), dim), shape[dim])
    # one launch of one kernel (an exclusive scan of length 1 only writes the leading zero,
    # still by the kernel); the families: row scans for K == 1, column scans for K > 1
    assert sum(triton_launches.counts.values()) == 1
    inner = 1
    for size in shape[dim % len(shape) + 1:]:
        inner *= size
    (family,) = triton_launches.counts
    assert ("column" in family) == (inner > 1)


DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8, torch.int8, torch.int16,
          torch.int32, torch.int64, torch.bool]


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_scan_dtypes(op, dtype, triton_launches, poisoned_outputs):
    fn, reference = OPS[op]
    x = random_input((4, 150), dtype)
    for dim in (0, 1):
        out = triton_launches.run(fn, x, dim)
        expected_dtype = dtype if dtype.is_floating_point else torch.int64
        assert out.dtype == expected_dtype
        assert_scan_close(out, reference(x, dim), cumsum_reference(abs_of(x), dim),
                          x.shape[dim])


def test_scan_matches_torch_dtype_promotion():
    for dtype in DTYPES:
        x = random_input((3,), dtype, device="cpu")
        assert triscan.cumsum(x, 0).dtype == torch.cumsum(x, 0).dtype


@pytest.mark.parametrize("op", list(OPS))
def test_scan_non_contiguous_layouts(op, triton_launches):
    fn, reference = OPS[op]
    base = random_input((12, 10, 8), torch.float32)
    views = {
        "transpose": base.transpose(0, 2),
        "step-slice": base[::2, 1::3, :],
        "last-dim-strided": base[:, :, ::3],
        "expanded": random_input((1, 10, 1), torch.float32).expand(4, 10, 6),
        "interleaved": base.permute(1, 0, 2),
    }
    for x in views.values():
        for dim in range(3):
            out = triton_launches.run(fn, x, dim)
            assert_scan_close(out, reference(x, dim), cumsum_reference(abs_of(x), dim), x.shape[dim])
    assert sum(triton_launches.counts.values()) == 3 * len(views)


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("shape,dim", [((0,), 0), ((0, 4), 0), ((0, 4), 1), ((3, 0), 1), ((3, 0), 0)])
def test_scan_empty(op, shape, dim):
    fn, reference = OPS[op]
    x = torch.empty(shape, device=DEVICE)
    out = fn(x, dim)
    assert out.shape == x.shape and out.dtype == x.dtype


@pytest.mark.parametrize("op", list(OPS))
def test_scan_zero_dim_tensor(op):
    fn, _ = OPS[op]
    x = torch.tensor(2.5, device=DEVICE)
    out = fn(x, 0)
    assert out.shape == ()
    assert out.item() == (2.5 if op == "cumsum" else 0.0)
    assert fn(x, -1).shape == ()


@pytest.mark.parametrize("op", list(OPS))
def test_errors_like_torch(op):
    fn, _ = OPS[op]
    x = random_input((3, 4), torch.float32)
    for dim in (2, -3, 100):
        with pytest.raises(IndexError, match="Dimension out of range"):
            fn(x, dim)
        with pytest.raises(IndexError):
            torch.cumsum(x, dim)
    with pytest.raises(TypeError, match="must be a Tensor"):
        fn([1.0, 2.0], 0)
    with pytest.raises(TypeError, match="complex64"):
        fn(torch.zeros(3, dtype=torch.complex64, device=DEVICE), 0)
    with pytest.raises(TypeError, match="dim"):
        fn(x, 0.5)
    with pytest.raises(IndexError):
        triscan.ModelNew(2)(x)
    with pytest.raises(TypeError, match="must be a Tensor"):
        triscan.ModelNew(0)("not a tensor")


@pytest.mark.parametrize("op", [*OPS, "seed"])
def test_repeated_calls_skip_the_checks_but_not_the_kernel(op, triton_launches, poisoned_outputs):
    """A call like an earlier one takes the prepared call (no checks, no planning) and still
    launches the Triton kernel on its own input; arguments a prepared call cannot have had still
    raise as torch does."""
    from triscan import api

    fn, reference = OPS.get(op, (triscan.ModelNew(1), None))
    call = (lambda x, dim: fn(x, dim)) if op != "seed" else (lambda x, dim: fn(x))
    results = []
    for _ in range(3):
        x = random_input((5, 37), torch.float32)
        results.append((x, triton_launches.run(call, x, 1)))
    # each fresh input's result is checked below with torch.cumsum made to raise; on CUDA the
    # second and later launches go to the compiled kernel directly, past Triton's dispatch
    assert len(api.CALLS) == 1 and sum(triton_launches.launched.values()) == 3
    assert sum(triton_launches.counts.values()) == (3 if DEVICE == "cpu" else 1)
    for x, out in results:
        if reference is not None:
            assert_scan_close(out, reference(x, 1), reference(abs_of(x), 1), 37)
        else:
            assert out.shape == (4, 38) and torch.equal(out[:, 0], torch.zeros_like(out[:, 0]))
            torch.testing.assert_close(out[:, 1:], torch.cumsum(x[:-1].double(), 1).float())
    if op == "seed":
        return
    with pytest.raises(TypeError, match="dim"):
        fn(x, True)
    with pytest.raises(TypeError, match="dtype"):
        fn(x, 1, dtype="float64")
    with pytest.raises(IndexError, match="Dimension out of range"):
        fn(x, 2)
    zero_d = random_input((), torch.float32)
    assert fn(zero_d, 0).shape == fn(zero_d, 0).shape == ()
    assert fn(zero_d, 0).item() == (zero_d.item() if op == "cumsum" else 0.0)


@pytest.mark.parametrize("op,dtype,dim", [
    ("cumsum", torch.float32, 1), ("cumsum", torch.int32, 0), ("cumsum", torch.bfloat16, 1),
    ("seed", torch.float32, 1), ("seed", torch.int32, 1), ("seed", torch.float32, 0),
    ("seed", torch.int16, 0),
], ids=lambda value: str(value).removeprefix("torch."))
def test_prepared_calls_allocate_what_the_first_call_did(op, dtype, dim, poisoned_outputs):
    """A prepared call allocates its output by the cheapest form (empty_like, new_empty, with or
    without dtype=): same shape, dtype, strides and device as the first call's, every element
    written (allocations are poisoned)."""
    from triscan import api

    fn = triscan.cumsum if op == "cumsum" else (lambda x, dim: triscan.ModelNew(dim)(x))
    results = []
    for _ in range(3):
        x = random_input((6, 37), dtype)
        results.append((x, fn(x, dim)))
    assert len(api.CALLS) >= 1
    first = results[0][1]
    expected_dtype = dtype if dtype.is_floating_point else torch.int64
    for x, out in results:
        described = (out.shape, out.dtype, out.stride(), out.device)
        assert described == (first.shape, expected_dtype, first.stride(), x.device)
        expected = (cumsum_reference if op == "cumsum" else seed_model_reference)(x, dim).double()
        torch.testing.assert_close(out.double(), expected, rtol=1e-2, atol=1e-2 * x.shape[dim])


def test_tuning_space_follows_stage_rules():
    """The seed's stage rules: num_stages in {1, 2, 3}, several warps and block sizes. Triton does
    not pipeline the row and column walks' loads, so the kernels do, with num_stages - 1 blocks
    loaded ahead (PREFETCH): each stage count is a different kernel (benchmarks/NOTES.md 57, 61)."""
    for configs in (ROW_SCAN_CONFIGS, COLUMN_SCAN_CONFIGS):
        assert {c.num_stages for c in configs} == {1, 2, 3}
        assert all(c.kwargs["PREFETCH"] == c.num_stages - 1 for c in configs)
        assert len({c.num_warps for c in configs}) >= 3
        assert len({tuple(sorted(c.kwargs.items())) for c in configs}) >= 4


def test_cpu_without_interpreter_falls_back_to_torch():
    """Documented: CPU tensors without TRITON_INTERPRET=1 take the plain torch path."""
    code = (
        "import torch, triscan\n"
        "from triscan.kernels.registry import kernels_interpreted\n"
        "from triscan.scan.launch import runs_triton\n"
        "assert not kernels_interpreted()\n"
        "assert not runs_triton(torch.device('cpu'))\n"
        "x = torch.rand(5, 7)\n"
        "ref = torch.cat((torch.zeros_like(x.select(1, 0).unsqueeze(1)), x), dim=1)[:-1].cumsum(1)\n"
        "assert torch.allclose(triscan.ModelNew(1)(x), ref)\n"
        "assert torch.allclose(triscan.exclusive_cumsum(x, 0)[1:], x.cumsum(0)[:-1])\n"
        "print('fallback ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "fallback ok" in result.stdout


def test_interpreter_or_cuda_runs_kernels():
    assert launch.runs_triton(torch.device(DEVICE))


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(4096, 4099), (3, 1 << 20), (257, 64, 129)], ids=str)
def test_scan_real_sizes_gpu(shape, poisoned_outputs):
    x = random_input(shape, torch.float32)
    for dim in range(len(shape)):
        for fn, reference in OPS.values():
            out = fn(x, dim)
            assert_scan_close(out, reference(x, dim), cumsum_reference(abs_of(x), dim), shape[dim])
