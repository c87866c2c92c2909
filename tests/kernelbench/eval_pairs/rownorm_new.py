import torch
import torch.nn as nn


class ModelNew(nn.Module):
    """Normalise after the product: (x @ w) / |x| row-wise, the same values with less work."""

    def forward(self, x, weight):
        return (x @ weight) / torch.sqrt((x * x).sum(dim=1, keepdim=True))
