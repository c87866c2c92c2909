"""ModelNew: the drop-in module for the seed's reference Model."""

import torch
from torch import nn

# differentiable and torch.compile-traceable; the emitted single file pairs this class with the
# direct triscan.api.seed_exclusive_cumsum of the same name
from ..functional import seed_exclusive_cumsum


class ModelNew(nn.Module):
    """Exclusive cumulative sum along `dim` with the seed reference's exact semantics.

    Drop-in for the seed's ``Model(dim)``: same output shape, dtype and values, one
    kernel launch, no ``torch.cat`` and no intermediate tensor (see
    :func:`triscan.api.seed_call` for the shape quirk).
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return seed_exclusive_cumsum(x, self.dim)
