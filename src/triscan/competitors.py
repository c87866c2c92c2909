"""Other scan libraries `triscan bench` times when they are installed: CUB through cuda-cccl's
Python API (1-D scans) and FlagGems' cumsum. Each is found at run time; when one is absent (or
fails on this machine) the benchmark prints one line saying why and goes on without it."""

import torch


def cccl_scan():
    """(inclusive 1-D scan, None) through cuda-cccl, or (None, why not)."""
    try:
        import cuda.compute as cccl  # cuda-cccl 0.3 and later
    except ImportError:
        try:
            import cuda.cccl.parallel.experimental as cccl  # earlier releases
        except ImportError:
            return None, "cuda-cccl is not installed (pip install cuda-cccl)"
    import numpy as np

    def scan(x: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(x)
        initial = np.zeros(1, dtype=np.dtype(str(x.dtype).removeprefix("torch.")))
        cccl.inclusive_scan(x, out, cccl.OpKind.PLUS, initial, x.numel())
        return out

    return scan, None


def flag_gems_cumsum():
    """(cumsum(x, dim), None) through FlagGems, or (None, why not)."""
    try:
        import flag_gems
    except ImportError:
        return None, "FlagGems is not installed (pip install flag-gems)"
    cumsum = getattr(flag_gems, "cumsum", None) or getattr(getattr(flag_gems, "ops", None), "cumsum", None)
    if cumsum is None:
        return None, "FlagGems has no cumsum in this version"
    return cumsum, None


def competitors_for(shape, reverse: bool) -> tuple[dict, dict]:
    """({name: fn(x, dim)}, {name: why skipped}) for a cumsum case."""
    found, skipped = {}, {}
    scan, why = cccl_scan()
    if scan is None:
        skipped["CUB (cuda-cccl)"] = why
    elif len(shape) != 1 or reverse:
        skipped["CUB (cuda-cccl)"] = "1-D forward scans only"
    else:
        found["CUB (cuda-cccl)"] = lambda x, dim: scan(x)
    cumsum, why = flag_gems_cumsum()
    if cumsum is None:
        skipped["FlagGems"] = why
    elif reverse:
        skipped["FlagGems"] = "no reversed cumsum"
    else:
        found["FlagGems"] = lambda x, dim: cumsum(x, dim)
    return found, skipped
