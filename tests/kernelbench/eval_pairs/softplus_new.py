import torch
import torch.nn as nn


class ModelNew(nn.Module):
    """softplus(x) = log(1 + exp(beta x)) / beta, written the stable way by hand."""

    def __init__(self, beta):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        z = self.beta * x
        return (torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))) / self.beta
