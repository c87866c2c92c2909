"""benchmarks/dev/lookback_ablation.py cuts what it says it cuts: each variant's helpers, put in
lookback/row.py's namespace, run under the interpreter on a 1-D input of several chunks."""

import pathlib
import sys

import pytest
import torch
from conftest import DEVICE

from triscan.kernels import registry
from triscan.kernels.lookback import row

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "benchmarks" / "dev"))
import lookback_ablation  # noqa: E402
from fixed_launch import launch_fixed, plan_for_call  # noqa: E402


@pytest.mark.skipif(DEVICE != "cpu", reason="the interpreter's small chunks; the probe itself runs on CUDA")
@pytest.mark.parametrize("variant", lookback_ablation.VARIANTS)
def test_each_variant_cuts_its_parts(variant, monkeypatch):
    for name, helper in lookback_ablation.CUTS[variant].items():
        monkeypatch.setattr(row, name, helper)
    x = lookback_ablation.make_input(torch.float32, 1000, device="cpu")
    plan = plan_for_call(x, 0)
    assert plan.family.name == "lookback"
    y = torch.full((1000,), float("nan"))
    meta = registry.LOOKBACK.interpreter_meta
    launch_fixed(plan, x, y, **meta)
    chunks = x.split(meta["BLOCK"])
    assert len(chunks) > 4
    expected = {"full": x.double().cumsum(0).float(), "no-scan": x,
                "no-wait": torch.cat([chunk.cumsum(0) for chunk in chunks])}
    expected["no-publish"] = expected["no-wait"]  # no prefix either way
    # one program at a time: a chunk's predecessor has published its prefix before the chunk looks
    expected["no-spin"] = expected["one-read"] = expected["full"]
    torch.testing.assert_close(y, expected[variant], rtol=1e-5, atol=1e-4)


@pytest.mark.skipif(DEVICE != "cpu", reason="the interpreter's small tiles; the probe itself runs on CUDA")
@pytest.mark.parametrize("variant", list(lookback_ablation.COLUMN_CUTS))
def test_each_column_variant_cuts_its_parts(variant, monkeypatch):
    from triscan.kernels.lookback import column

    for name, helper in lookback_ablation.COLUMN_CUTS[variant].items():
        monkeypatch.setattr(column, name, helper)
    x = lookback_ablation.make_input(torch.float32, 8000, device="cpu", lanes=8)
    plan = plan_for_call(x, 0)
    assert plan.family.name == "column_lookback"
    y = torch.full(x.shape, float("nan"))
    meta = registry.COLUMN_LOOKBACK.interpreter_meta
    launch_fixed(plan, x, y, **meta)
    chunks = x.split(meta["BLOCK_L"])  # launch_fixed's meta over the plan's constexprs
    assert len(chunks) > 4
    expected = {"full": x.double().cumsum(0).float(),
                "no-wait": torch.cat([chunk.cumsum(0) for chunk in chunks])}
    # one program at a time: a chunk's predecessor has published its prefix before the chunk looks
    expected["no-spin"] = expected["one-read"] = expected["full"]
    torch.testing.assert_close(y, expected[variant], rtol=1e-5, atol=1e-4)


@pytest.mark.skipif(DEVICE != "cpu", reason="a helper under the interpreter")
@pytest.mark.parametrize("variant", ["no-spin", "one-read"])
def test_column_status_cuts_read_what_they_say(variant):
    """The two status cuts on packed words of each status: no-spin reads a missing word (0) as a
    published total (1) and keeps the others; one-read reads every word as a prefix (2)."""
    import triton
    import triton.language as tl

    helper = lookback_ablation.COLUMN_CUTS[variant]["_status"]

    @triton.jit
    def statuses(words_ptr, out_ptr, HELPER: tl.constexpr):
        offsets = tl.arange(0, 4)
        tl.store(out_ptr + offsets, HELPER(tl.load(words_ptr + offsets)))

    words = torch.tensor([0, (7 << 2) | 1, (9 << 2) | 2, 1 << 2], dtype=torch.int64)  # statuses 0, 1, 2, 0
    out = torch.full((4,), -1, dtype=torch.int32)
    statuses[(1,)](words, out, HELPER=helper)
    expected = {"no-spin": [1, 1, 2, 1], "one-read": [2, 2, 2, 2]}[variant]
    assert out.tolist() == expected
