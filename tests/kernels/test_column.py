"""The column scan's every tile and prefetch depth on the GPU: the autotuner picks one config per
shape, so the other configs are proven here, each left alone to the autotuner in turn."""

import pytest
import torch
from conftest import abs_of, assert_scan_close, random_input

import triscan
from triscan import api
from triscan.scan import dispatch
from triscan.testing.reference import cumsum_reference, exclusive_cumsum_reference, reversed_cumsum_reference


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
