"""The seed task as a KernelBench reference (`Model`, `get_inputs`, `get_init_inputs`), restated in
plain torch for the loop demo (`STEP=loop bash scripts/gpu_session.sh`): the exclusive cumsum
`torch.cat((zeros_like(x.select(dim, 0).unsqueeze(dim)), x), dim=dim)[:-1].cumsum(dim)`, with the
`[:-1]` on dim 0 that the seed keeps, on (32768, 32768) float32 along dim 1."""

import os

import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        exclusive = torch.cat((torch.zeros_like(x.select(self.dim, 0).unsqueeze(self.dim)), x),
                              dim=self.dim)[:-1]
        return torch.cumsum(exclusive, dim=self.dim)


def get_inputs():
    # TRISCAN_LOOP_SHAPE=ROWSxCOLS shrinks the problem (the CPU test of the demo runs it through
    # the Triton interpreter)
    rows, columns = (int(size) for size in os.environ.get("TRISCAN_LOOP_SHAPE", "32768x32768").split("x"))
    return [torch.rand(rows, columns)]


def get_init_inputs():
    return [1]
