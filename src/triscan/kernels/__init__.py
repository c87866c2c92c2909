"""Triton kernels, one module per kernel family, each with its launcher and tuning space."""
