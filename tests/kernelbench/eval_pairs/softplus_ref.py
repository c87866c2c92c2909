import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, beta):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return torch.nn.functional.softplus(x, beta=self.beta)


def get_inputs():
    return [torch.randn(64, 257)]


def get_init_inputs():
    return [2.0]
