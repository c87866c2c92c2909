"""A compiled kernel launched by the CUDA driver's cuLaunchKernel through ctypes, without Triton's
C launcher: the kernel's parameters are kept in ctypes cells built once, and a call rewrites only
the tensors' addresses (issue 15: a launch path thinner than Triton's launcher, which parses a
Python tuple of every argument and asks the driver about each pointer on every call).

Opt-in while it is measured against Triton's launcher: `TRISCAN_LAUNCH=driver` in the environment
when triscan is imported (benchmarks/NOTES.md section 69). The parameters follow Triton 3.6's
launcher (backends/nvidia/driver.py, make_launcher): every argument whose signature type is not
`constexpr`, in order, in its C type, then the global and the profile scratch pointers (none
here: a kernel that needs scratch gets no DriverCall).
"""

import ctypes
import os
import threading

ENABLED = os.environ.get("TRISCAN_LAUNCH", "triton") == "driver"

# Triton signature types -> the C type of the parameter (ty_to_cpp); pointers are 64-bit addresses
PARAMETER_TYPES = {"i1": ctypes.c_int8, "i8": ctypes.c_int8, "i16": ctypes.c_int16, "i32": ctypes.c_int32,
                   "i64": ctypes.c_int64, "u1": ctypes.c_uint8, "u8": ctypes.c_uint8, "u16": ctypes.c_uint16,
                   "u32": ctypes.c_uint32, "u64": ctypes.c_uint64}

_LAUNCH = []  # cuLaunchKernel, once loaded


def launch_function():
    """libcuda's cuLaunchKernel (CUresult as an int), or None where libcuda cannot be loaded."""
    if not _LAUNCH:
        try:
            library = ctypes.CDLL("libcuda.so.1")
        except OSError:
            _LAUNCH.append(None)
        else:
            function = library.cuLaunchKernel
            function.restype = ctypes.c_int
            _LAUNCH.append(function)
    return _LAUNCH[0]


def parameter_cells(signature: list, args: tuple, pointers: int) -> list | None:
    """One ctypes cell per kernel parameter (the first `pointers` arguments are the tensors, given
    as addresses later; the others hold their compiled values), then the two scratch pointers; or
    None where a type is one this path does not pass (floats, descriptors)."""
    if len(signature) != len(args) or any(not kind.startswith("*") for kind in signature[:pointers]):
        return None
    cells = []
    for position, (kind, value) in enumerate(zip(signature, args, strict=True)):
        if kind == "constexpr":
            continue
        if position < pointers or kind.startswith("*"):
            if position >= pointers:  # a pointer among the scalars: not a shape a plan launches
                return None
            cells.append(ctypes.c_uint64(0))
        elif kind in PARAMETER_TYPES:
            cells.append(PARAMETER_TYPES[kind](value))
        else:
            return None
    return cells + [ctypes.c_uint64(0), ctypes.c_uint64(0)]  # global and profile scratch


class DriverCall:
    """One compiled kernel, grid and set of scalar arguments, launched by cuLaunchKernel on the
    addresses of its 2 (input, output) or 4 (and the workspace twice) tensors."""

    __slots__ = ("launch", "before_stream", "after_stream", "cells", "lock")

    def __init__(self, launch, binary, grid_xyz: tuple, cells: list):
        self.launch = launch
        # the cells are shared by every thread calling this prepared call, and ctypes lets go of
        # the GIL during the launch: from writing the addresses until the driver has read them,
        # one thread at a time
        self.lock = threading.Lock()
        self.cells = cells  # the parameters' storage, alive as long as their addresses are used
        parameters = (ctypes.c_void_p * len(cells))(*[ctypes.addressof(cell) for cell in cells])
        metadata = binary.metadata
        self.before_stream = (ctypes.c_void_p(binary.function), *map(ctypes.c_uint, grid_xyz),
                              ctypes.c_uint(32 * metadata.num_warps), ctypes.c_uint(1), ctypes.c_uint(1),
                              ctypes.c_uint(metadata.shared))
        self.after_stream = (parameters, None)

    def __call__(self, stream: int, x_address: int, out_address: int, status_address: int | None = None):
        cells = self.cells
        with self.lock:
            cells[0].value = x_address
            cells[1].value = out_address
            if status_address is not None:
                cells[2].value = status_address
                cells[3].value = status_address
            result = self.launch(*self.before_stream, ctypes.c_void_p(stream), *self.after_stream)
            if result == INVALID_CONTEXT:  # a thread the driver has no current context for yet
                make_context_current()
                result = self.launch(*self.before_stream, ctypes.c_void_p(stream), *self.after_stream)
        if result:
            raise RuntimeError(f"cuLaunchKernel failed with CUresult {result}")


INVALID_CONTEXT = 201  # CUDA_ERROR_INVALID_CONTEXT


def make_context_current() -> None:
    """Make the current torch device's primary context current in this thread, as Triton's
    launcher does before it launches (ensureCudaContext): a thread whose only CUDA calls were
    torch's cached allocations may have none."""
    import torch

    cuda = ctypes.CDLL("libcuda.so.1")
    device, context = ctypes.c_int(), ctypes.c_void_p()
    steps = ((cuda.cuDeviceGet, (ctypes.byref(device), torch.cuda.current_device())),
             (cuda.cuDevicePrimaryCtxRetain, (ctypes.byref(context), device)),
             (cuda.cuCtxSetCurrent, (context,)))
    for function, arguments in steps:  # in order: each takes what the one before filled in
        result = function(*arguments)
        if result:
            raise RuntimeError(f"making the primary CUDA context current failed with CUresult {result}")


def driver_call(binary, grid_xyz: tuple, args: tuple, pointers: int) -> DriverCall | None:
    """A DriverCall for a compiled kernel launched with `args` (every argument of the kernel, the
    constexprs included, its first `pointers` the tensors), or None: the path is off, libcuda is
    not there, or the kernel needs what Triton's launcher adds (scratch memory, clusters,
    cooperative or programmatic launches, parameter types not handled here)."""
    if not ENABLED:
        return None
    launch = launch_function()
    source, metadata = getattr(binary, "src", None), binary.metadata
    if launch is None or source is None or not hasattr(source, "signature"):
        return None
    # what Triton 3.6's launcher reads from the metadata besides the grid; a field it lacks (another
    # Triton) or one that asks for more than a plain launch keeps Triton's launcher
    extras = [getattr(metadata, name, None) for name in ("global_scratch_size", "profile_scratch_size",
                                                         "launch_cooperative_grid", "launch_pdl")]
    if any(extra is None or extra for extra in extras) or getattr(metadata, "num_ctas", None) != 1:
        return None
    cells = parameter_cells(list(source.signature.values()), args, pointers)
    return None if cells is None else DriverCall(launch, binary, grid_xyz, cells)
