"""The KernelBench level-1 scan problems triscan answers, each as the module its single file
carries (written as `class ModelNew` by `triscan emit --problem NAME`):

- `seed`: the seed task, 92_cumsum_exclusive as the seed states it (`cat(...)[:-1]`, quirk
  included): kernelbench/model.py's ModelNew;
- `89`: 89_cumsum, ``torch.cumsum(x, dim)``;
- `90`: 90_cumprod, ``torch.cumprod(x, dim)``, on the same kernels (kernels/operators.py);
- `91`: 91_cumsum_reverse, ``cumsum(x.flip(dim), dim).flip(dim)``;
- `92`: 92_cumsum_exclusive as KernelBench corrected it (`.narrow(dim, 0, size)`): the textbook
  exclusive scan, same shape as x.

Each calls triscan's public function; the single file pairs it with the direct function of the
same name (triscan.api).
"""

import torch
from torch import nn

from ..functional import cumprod, cumsum, exclusive_cumsum
from .model import ModelNew


class Cumsum(nn.Module):
    """89_cumsum: inclusive prefix sum along `dim`."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cumsum(x, self.dim)


class Cumprod(nn.Module):
    """90_cumprod: inclusive prefix product along `dim`."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cumprod(x, self.dim)


class ReverseCumsum(nn.Module):
    """91_cumsum_reverse: sums from the end along `dim`."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cumsum(x, self.dim, reverse=True)


class ExclusiveCumsum(nn.Module):
    """92_cumsum_exclusive (corrected): out[0] = 0, out[j] = x[0] + ... + x[j - 1] along `dim`."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return exclusive_cumsum(x, self.dim)


PROBLEMS = {"seed": ModelNew, "89": Cumsum, "90": Cumprod, "91": ReverseCumsum, "92": ExclusiveCumsum}
