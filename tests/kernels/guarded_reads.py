"""Scans of views that end where readable memory ends, under the Triton interpreter: run as a
script (test_lookback.test_whole_vector_loads_stay_in_the_tensor), since a read past the tensor
stops the process. The view's elements fill the last bytes of pages mapped between two pages that
no one may read; its first element is off 16-byte alignment.

    TRITON_INTERPRET=1 python tests/kernels/guarded_reads.py CASE...

Each CASE is `op:dtype:rows:length:key=value,...` (the look-back's interpreter meta, kept for the
cases after it). Checks each result against a float64 reference and prints one line a case: the
plan's family and ROTATE, and the error as a fraction of the largest running sum of |x|.
"""

import ctypes
import mmap
import sys

import torch

from triscan.explain import plan_of
from triscan.kernels import registry
from triscan.tools.matrix import op_flags, reference_call, triscan_call

PROT_NONE, PROT_READ_WRITE = 0, 3


def guarded_view(dtype: torch.dtype, rows: int, length: int) -> torch.Tensor:
    """A (rows, length) contiguous view whose last element ends a readable page, with unreadable
    pages before and after the readable ones."""
    page = mmap.PAGESIZE
    element = torch.empty((), dtype=dtype).element_size()
    data_pages = -(-rows * length * element // page)
    mapping = mmap.mmap(-1, (data_pages + 2) * page)
    GUARDS.append(mapping)  # mapped until the process ends
    address = ctypes.addressof(ctypes.c_char.from_buffer(mapping))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    data = torch.frombuffer(mapping, dtype=torch.uint8, count=data_pages * page, offset=page).view(dtype)
    view = data[data.numel() - rows * length:].view(rows, length)
    view.copy_(torch.randn(rows, length, dtype=torch.float64).to(dtype) if dtype.is_floating_point
               else torch.randint(-1000, 1000, (rows, length), dtype=dtype))
    for guard in (address, address + (data_pages + 1) * page):
        if libc.mprotect(guard, page, PROT_NONE) != 0:
            raise OSError(ctypes.get_errno(), "mprotect")
    return view


GUARDS: list = []


def run_case(case: str) -> str:
    op, dtype_name, rows, length, *meta = case.split(":")
    for pair in filter(None, (meta[0] if meta else "").split(",")):
        name, value = pair.split("=")
        registry.LOOKBACK.interpreter_meta[name] = int(value) if value.isdigit() else value == "True"
    x = guarded_view(getattr(torch, dtype_name), int(rows), int(length))
    assert x.data_ptr() % 16 != 0, "the view's first element is off 16-byte alignment"
    plan = plan_of(x, 1, **op_flags(op))[0]
    out = triscan_call(op, 1)(x)
    reference = reference_call(op, 1)(x.double())
    scale = reference_call(op, 1)(x.double().abs()).abs().max().item()
    error = (out.double() - reference).abs().max().item() / max(scale, 1.0)
    if error > TOLERANCE[x.dtype]:
        raise AssertionError(f"{case}: error {error:.3g} of the largest running sum of |x|")
    return f"{case} family={plan.family.name} ROTATE={plan.launch.constexprs.get('ROTATE')} error={error:.3g}"


# of the largest running sum of |x|: a few roundings of the output's type (integers exact)
TOLERANCE = {torch.float32: 1e-5, torch.bfloat16: 2 ** -6, torch.float16: 2 ** -9, torch.int32: 0.0}


if __name__ == "__main__":
    for case in sys.argv[1:]:
        print(run_case(case), flush=True)
