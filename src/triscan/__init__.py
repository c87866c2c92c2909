"""triscan: prefix scans (cumsum, cumprod and logcumsumexp, each inclusive or exclusive, and
cummax and cummin, each from either end) for PyTorch, written in Triton."""

from . import _interpreter  # noqa: F401  (the interpreter's bfloat16 fixed, where kernels are interpreted)
from .explain import explain
from .functional import (
    cummax,
    cummin,
    cumprod,
    cumsum,
    exclusive_cumprod,
    exclusive_cumsum,
    exclusive_logcumsumexp,
    logcumsumexp,
    seed_exclusive_cumsum,
)
from .kernelbench.model import ModelNew

__version__ = "0.1.0"
__all__ = ["ModelNew", "cummax", "cummin", "cumprod", "cumsum", "exclusive_cumprod", "exclusive_cumsum",
           "exclusive_logcumsumexp", "explain", "logcumsumexp", "seed_exclusive_cumsum", "__version__"]
