"""Other scan libraries `triscan bench` times when they are installed: CUB through cuda-cccl's
Python API (1-D scans) and FlagGems' cumsum. Each is found at run time; when one is absent (or
fails on this machine) the benchmark prints one line saying why and goes on without it."""

import torch


class _TorchStream:
    """torch's current CUDA stream in the `__cuda_stream__` protocol that cuda.compute reads."""

    def __init__(self, handle: int):
        self.handle = handle

    def __cuda_stream__(self):
        return (0, self.handle)


def cccl_scan():
    """(inclusive 1-D scan, None) through cuda-cccl's cuda.compute (1.x API), or (None, why not).

    The scanner object and its temporary storage are built once per (dtype, length, device), as
    a CUB user would keep them, so a timed call is the one `DeviceScan::InclusiveSum` launch plus
    the output allocation that torch.cumsum also pays."""
    try:
        import cuda.compute as cccl
    except ImportError:
        return None, "cuda-cccl is not installed (pip install cuda-cccl[cu13])"
    if not hasattr(cccl, "make_inclusive_scan"):
        return None, "this cuda-cccl has no cuda.compute.make_inclusive_scan (1.x API needed)"
    plans = {}

    def scan(x: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(x)
        stream = _TorchStream(torch.cuda.current_stream(x.device).cuda_stream)
        arguments = dict(d_in=x, d_out=out, op=cccl.OpKind.PLUS, init_value=None, num_items=x.numel(),
                         stream=stream)
        key = (x.dtype, x.numel(), x.device)
        if key not in plans:
            scanner = cccl.make_inclusive_scan(d_in=x, d_out=out, op=cccl.OpKind.PLUS, init_value=None)
            temp_bytes = scanner(temp_storage=None, **arguments)
            plans[key] = scanner, torch.empty(max(int(temp_bytes), 1), dtype=torch.uint8, device=x.device)
        scanner, temp_storage = plans[key]
        scanner(temp_storage=temp_storage, **arguments)
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
