"""triscan: prefix scans (cumsum, exclusive cumsum) for PyTorch, written in Triton."""

from .explain import explain
from .functional import cumsum, exclusive_cumsum, seed_exclusive_cumsum
from .kernelbench.model import ModelNew

__version__ = "0.1.0"
__all__ = ["ModelNew", "cumsum", "exclusive_cumsum", "explain", "seed_exclusive_cumsum", "__version__"]
