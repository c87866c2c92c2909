"""Triton kernels of the scan families and their registry (kernels/README.md)."""
