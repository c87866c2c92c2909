"""triscan: prefix scans (cumsum, exclusive cumsum) for PyTorch, written in Triton."""

from .library import seed_exclusive_cumsum
from .model import ModelNew
from .ops import cumsum, exclusive_cumsum

__version__ = "0.1.0"
__all__ = ["ModelNew", "cumsum", "exclusive_cumsum", "seed_exclusive_cumsum", "__version__"]
