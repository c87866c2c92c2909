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


def cccl_scan(exclusive: bool = False):
    """(1-D scan, None) through cuda-cccl's cuda.compute (1.x API), or (None, why not): the
    inclusive scan, or with `exclusive` the exclusive one from zero (`DeviceScan::ExclusiveScan`).

    The scanner object and its temporary storage are built once per (dtype, length, device), as
    a CUB user would keep them, so a timed call is the one scan launch plus the output
    allocation that torch.cumsum also pays. CUB accumulates in the input's type."""
    try:
        import cuda.compute as cccl
    except ImportError:
        return None, "cuda-cccl is not installed (pip install cuda-cccl[cu13])"
    if not hasattr(cccl, "make_inclusive_scan") or not hasattr(cccl, "make_exclusive_scan"):
        return None, "this cuda-cccl has no cuda.compute.make_inclusive_scan (1.x API needed)"
    import numpy

    make = cccl.make_exclusive_scan if exclusive else cccl.make_inclusive_scan
    plans = {}

    def scan(x: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(x)
        key = (x.dtype, x.numel(), x.device)
        plan = plans.get(key)
        if plan is None:
            # the initial value as cuda.compute takes it: a host array of the input's type
            init = numpy.zeros(1, dtype=torch.empty(0, dtype=x.dtype).numpy().dtype) if exclusive else None
            plan = plans[key] = [make(d_in=x, d_out=out, op=cccl.OpKind.PLUS, init_value=init), None, init]
        scanner, temp_storage, init = plan
        arguments = dict(d_in=x, d_out=out, op=cccl.OpKind.PLUS, init_value=init, num_items=x.numel(),
                         stream=_TorchStream(torch.cuda.current_stream(x.device).cuda_stream))
        if temp_storage is None:  # the scanner's first call with no storage returns the bytes it needs
            temp_bytes = scanner(temp_storage=None, **arguments)
            temp_storage = plan[1] = torch.empty(max(int(temp_bytes), 1), dtype=torch.uint8, device=x.device)
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
