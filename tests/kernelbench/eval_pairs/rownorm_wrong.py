import torch.nn as nn


class ModelNew(nn.Module):
    """Forgets the normalisation: must be reported as incorrect."""

    def forward(self, x, weight):
        return x @ weight
