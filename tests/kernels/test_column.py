"""The column scan's every tile and prefetch depth on the GPU: the autotuner picks one config per
shape, so the other configs are proven here, each left alone to the autotuner in turn."""

import pytest
import torch
from conftest import abs_of, assert_scan_close, random_input

import triscan
from triscan import api
from triscan.scan import dispatch
from triscan.testing.reference import (
    cumsum_reference,
    exclusive_cumsum_reference,
    reversed_cumsum_reference,
    seed_model_reference,
)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=str)
def test_every_column_config_gpu(dtype, monkeypatch, triton_launches, poisoned_outputs):
    """Tiles of one vector per thread to runs of 8 steps over [128, 128], with 0, 1 or 2 tiles
    loaded ahead, at lengths that end inside a tile and lanes that end inside a lane tile;
    forward, exclusive and reversed (negative strides)."""
    from triscan.kernels.column import column_scan_kernel

    x = random_input((3, 389, 333), dtype)
    forwards, backwards = cumsum_reference(abs_of(x), 1), reversed_cumsum_reference(abs_of(x), 1)
    calls = ((triscan.cumsum, cumsum_reference, forwards),
             (triscan.exclusive_cumsum, exclusive_cumsum_reference, forwards),
             (lambda x, d: triscan.cumsum(x, d, reverse=True), reversed_cumsum_reference, backwards))
    # these dtypes scan into their own type
    pruned = column_scan_kernel.early_config_prune(column_scan_kernel.configs, {
        "x_ptr": x, "y_ptr": x, "LENGTH_BUCKET": 512, "INNER_BUCKET": 512})
    assert {config.kwargs["PREFETCH"] for config in pruned} == {0, 1, 2}
    for config in pruned:
        monkeypatch.setattr(column_scan_kernel, "configs", [config])
        monkeypatch.setattr(column_scan_kernel, "cache", {})
        api.CALLS.clear()  # prepared calls and plans hold the previous config's compiled kernel
        dispatch.PLANS.clear()
        for call, reference, bound in calls:
            out = triton_launches.run(call, x, 1)
            assert_scan_close(out, reference(x, 1), bound, x.shape[1])
            assert column_scan_kernel.best_config is config, config
    assert set(triton_launches.counts) == {"column_scan"}


@pytest.mark.parametrize("lanes,aligned", [(64, 1), (63, 0), (72, 0)],
                         ids=["64-lanes", "63-lanes", "72-lanes"])
def test_column_tuning_keeps_aligned_and_unaligned_steps_apart(lanes, aligned):
    """Steps whose strides Triton cannot see divisible by 16 take element accesses, so their tile is
    tuned apart from aligned ones of the same size buckets (an odd width reused the aligned pick)."""
    from triscan.kernels.column import column_scan_kernel

    x = random_input((64, 30, lanes), torch.float32)
    plan = dispatch.plan_for(x, torch.empty_like(x), 1, 30, 0)
    assert plan.family.name == "column"
    assert plan.launch.scalars["LANES_ALIGNED"] == aligned
    assert "LANES_ALIGNED" in column_scan_kernel.keys


@pytest.mark.parametrize("shape,dim,dtype,wide", [((8192, 32767), 0, torch.float32, False),
                                                  ((8192, 32767), 0, torch.int64, False),
                                                  ((3, 389, 333), 1, torch.int32, False),
                                                  ((8192, 32767), 0, torch.bfloat16, True),
                                                  ((65536, 65536), 0, torch.float32, True),
                                                  ((1 << 20, 4096), 0, torch.float32, True)],
                         ids=["odd-dim0", "odd-dim0-int64", "middle-dim-int32", "odd-dim0-bfloat16",
                              "2^32-offsets", "2^32-elements"])
def test_column_step_offsets_are_32_bit_unless_they_overflow(shape, dim, dtype, wide):
    """The column scan multiplies each step's position by the stride in int32 (one multiply; a
    64-bit one is three, per element where rows are off 16-byte alignment: NOTES.md 161) unless
    the positions up to the tiles loaded past the end, times the stride, reach 2^31, or the
    inputs are of 2 bytes (NOTES.md 162)."""
    x = torch.empty(shape, device="meta", dtype=dtype)
    plan = dispatch.plan_for(x, torch.empty_like(x), dim, shape[dim], 0)
    assert plan.family.name == "column"
    assert plan.launch.constexprs["WIDE_OFFSETS"] == wide


@pytest.mark.parametrize("wide", [False, True], ids=["int32-offsets", "int64-offsets"])
def test_column_scan_with_either_offsets(wide, monkeypatch, triton_launches, poisoned_outputs):
    """Both forms of the column scan's step offsets, forced through the plan, over every op (odd
    lanes and a length that ends inside a tile), against float64."""
    from triscan.kernels import registry
    from triscan.tools import matrix

    monkeypatch.setattr(registry, "column_offsets_wide", lambda family, plan: wide)
    api.CALLS.clear()
    dispatch.PLANS.clear()
    x = random_input((2, 45, 37), torch.float32)
    plan = dispatch.plan_for(x, torch.empty_like(x), 1, 45, 0)
    assert plan.family.name == "column" and plan.launch.constexprs["WIDE_OFFSETS"] == wide
    for op in matrix.OPS:
        out = triton_launches.run(matrix.triscan_call(op, 1), x)
        bound = (seed_model_reference(abs_of(x), 1) if op == "ModelNew"
                 else reversed_cumsum_reference(abs_of(x), 1) if op.endswith("reverse")
                 else cumsum_reference(abs_of(x), 1))
        assert_scan_close(out, matrix.reference_call(op, 1)(x), bound, x.shape[1])
    assert set(triton_launches.counts) == {"column_scan"}
    api.CALLS.clear()
    dispatch.PLANS.clear()
