"""Look-back kernels: the protocol and its row and column kernels."""
