"""`triscan bench --matrix --precompile N`: the plan a worker compiles for a cell is the plan the
cell's call takes (same family, view, strides and flags), from shapes alone."""

import pytest
import torch

from triscan.explain import plan_of
from triscan.tools import matrix

FIELDS = ("family", "outer", "length", "positions", "inner", "stride_x_outer", "stride_x_scan",
          "stride_x_inner", "stride_y_outer", "stride_y_scan", "shift", "reverse", "total", "copy_reason",
          "backwards", "input_dtype", "output_dtype")


@pytest.mark.parametrize("family", ["rows", "dim 0", "1-D", "narrow K=3", "strided narrow K=8", "1-D x[1:]"])
@pytest.mark.parametrize("op", matrix.OPS)
def test_cell_plan_is_the_calls_plan(op, family):
    input_bytes = 1 << 20  # small, so that the CPU builds real inputs too (dim 0: 8 rows of 32768)
    dtype = torch.bfloat16 if family == "rows" else torch.int32
    x, dim = matrix.make_input(family, dtype, input_bytes, device="cpu")
    called, _, _ = plan_of(x, dim, **matrix.op_flags(op))
    planned = matrix.cell_plan(op, dtype, family, input_bytes, torch.device("cpu"))
    for field in FIELDS:
        assert getattr(planned, field) == getattr(called, field), field
    assert planned.launch.constexprs == called.launch.constexprs
    assert planned.launch.scalar_args == called.launch.scalar_args


def test_precompiled_batches_come_in_order_one_item_a_process():
    """The matrix times each batch as soon as it is compiled: batches of `workers` items in the
    cells' order, each item compiled by a process of its own (`len` counts the items it got)."""
    from triscan.tools.precompile import precompiled_batches

    batches = list(precompiled_batches(len, list(range(7)), 3))
    assert [(batch, count) for batch, count, _ in batches] == [([0, 1, 2], 3), ([3, 4, 5], 3), ([6], 1)]
    assert all(seconds >= 0 for _, _, seconds in batches)
