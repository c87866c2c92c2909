"""Dispatch: pick the kernel family for a scan (`choose_kernel`) and launch it (`scan_into`).

Row scan for many rows along the innermost dim, column scan for many lane tiles across an
inner dim, look-back scans when either would leave the GPU short of programs.
These functions use only torch and triton, so `triscan emit` can copy them verbatim.
"""

import threading

import torch
import triton.language as tl

from ._layout import scan_view
from .kernels._launch import ceil_div
from .kernels.column_scan import launch_column_scan
from .kernels.lookback_scan import launch_column_lookback_scan, launch_lookback_scan
from .kernels.row_scan import launch_row_scan, row_scan_kernel


def kernels_interpreted() -> bool:
    """True when triton.jit built interpreter functions (TRITON_INTERPRET=1 before import);
    they then take CPU tensors."""
    return type(row_scan_kernel.fn).__name__ == "InterpretedFunction"


def needs_interpreter_rerun(command: list[str], why: str) -> int | None:
    """Without CUDA and with the interpreter off, run `triscan <command>` again in a child
    process with TRITON_INTERPRET=1 (it must be set before triton.jit runs) and return its
    exit code; None when this process can run the kernels itself."""
    if torch.cuda.is_available() or kernels_interpreted():
        return None
    import os
    import subprocess
    import sys

    print(f"No CUDA device here: {why} through the Triton interpreter on the CPU (TRITON_INTERPRET=1).",
          flush=True)
    env = dict(os.environ, TRITON_INTERPRET="1")
    return subprocess.call([sys.executable, "-m", "triscan", *command], env=env)


def accumulator_dtype(dtype: torch.dtype) -> torch.dtype:
    """What a scan with result `dtype` accumulates in (and keeps in look-back workspaces):
    float64 stays, other floats use float32, integers int64."""
    if dtype == torch.float64:
        return torch.float64
    return torch.float32 if dtype.is_floating_point else torch.int64


def device_sms(device: torch.device) -> int:
    """Multiprocessors of a CUDA device; the interpreter pretends to have 4, so that small
    tests reach every dispatch path."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).multi_processor_count
    return 4


def lookback_allowed(dtype: torch.dtype) -> bool:
    """Look-back float sums depend on which predecessors have published when a chunk looks,
    so their last bits can vary from run to run; under
    ``torch.use_deterministic_algorithms(True)`` floats take the row and column scans only."""
    return not (dtype.is_floating_point and torch.are_deterministic_algorithms_enabled())


def prefer_lookback(lane_programs: int, length: int, chunk: int, device: torch.device) -> bool:
    """Whether one program per lane group leaves the GPU short of work while the scan is
    long enough to cut into chunks: then a look-back scan, else a row or column scan.

    The row scan reaches copy speed with about 8 resident programs per SM (H100 sweeps,
    benchmarks/NOTES.md), so fewer lane programs than 8 per SM leave bandwidth unused;
    lanes shorter than 8 chunks gain little from cutting.
    """
    return lane_programs < 8 * device_sms(device) and length >= 8 * chunk


def runs_triton(device: torch.device) -> bool:
    """True when a tensor on `device` is scanned by triscan's Triton kernels."""
    return device.type == "cuda" or (device.type == "cpu" and kernels_interpreted())


def torch_scan(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
               reverse: bool = False) -> None:
    """The plain-torch path for CPU tensors when the Triton interpreter is off."""
    if reverse:
        flipped = torch.empty_like(out)
        torch_scan(x.flip(dim), flipped, dim, length, shift)
        out.copy_(flipped.flip(dim))
        return
    out.narrow(dim, shift, length).copy_(torch.cumsum(x.narrow(dim, 0, length), dim, dtype=out.dtype))
    if shift:
        out.narrow(dim, 0, 1).zero_()


def choose_kernel(outer: int, length: int, inner: int, dtype: torch.dtype, device: torch.device) -> str:
    """The kernel family for a scan of the (outer, length, inner) view: "row", "lookback",
    "column" or "column_lookback"."""
    # scan steps per look-back chunk (smallest configs; the interpreter's fixed blocks)
    row_chunk, column_chunk = (64, 8) if device.type == "cpu" else (8192, 64)
    lookback = length > 0 and lookback_allowed(dtype)
    # reversed scans take the same families: the row kernels have reversed twins, the
    # column kernels walk both tensors backwards through negative strides
    if inner == 1:
        return "lookback" if lookback and prefer_lookback(outer, length, row_chunk, device) else "row"
    # 32-lane column programs reach 90.5% of copy for dim 0 of (32768, 32768) on the H100 (1024
    # programs, about 8 per SM) where the column look-back reached 67.6% (benchmarks/NOTES.md);
    # counting each such program twice sends that shape to the column scan.
    if lookback and prefer_lookback(2 * outer * ceil_div(inner, 32), length, column_chunk, device):
        return "column_lookback"
    return "column"


# Triton's Autotuner keeps the call it is tuning on the instance (`self.nargs`, set to None when
# any call returns), so two threads inside one autotuned kernel at once can tune with each
# other's arguments (the look-back's reset_to_zero then zeroes the other call's workspace) or
# fail outright; the interpreter patches triton.language globally while a kernel runs. Launches
# therefore take this lock. It covers the host-side enqueue only: kernels launched on different
# streams still overlap on the GPU.
LAUNCH_LOCK = threading.Lock()


def plan_scan(shape, strides, dim: int, length: int, shift: int, reverse: bool, out_shape,
              out_dtype: torch.dtype, device: torch.device):
    """Every decision of a scan that depends on shapes, strides, dtypes and device only:
    the (M, L, K) view, the kernel, its arguments. Returns `launch(x, out)`."""
    view = scan_view(shape, strides, dim)
    # The dimensions before (or after) `dim` interleave in memory, so no single stride walks
    # them: this is the one layout that is copied (inside `launch`).
    copy = view is None
    if copy:
        contiguous, step = [], 1
        for size in reversed(shape):
            contiguous.insert(0, step)
            step *= size
        view = scan_view(shape, contiguous, dim)
    outer, _, inner, stride_x_outer, stride_x_scan, stride_x_inner = view
    # `out` is contiguous: its strides follow from its shape
    stride_y_scan = inner
    stride_y_outer = out_shape[dim] * inner if outer > 1 else 0
    kernel = choose_kernel(outer, length, inner, out_dtype, device)
    # reversed column scans start at the last index along `dim` and walk backwards
    backwards = reverse and kernel.startswith("column")
    if backwards:
        stride_x_scan, stride_y_scan = -stride_x_scan, -stride_y_scan
    workspace = accumulator_dtype(out_dtype)
    acc_dtype = tl.float64 if workspace == torch.float64 else tl.float32 if workspace == torch.float32 \
        else tl.int64
    interpreted = device.type == "cpu"
    programs = 8 * device_sms(device) if kernel.endswith("lookback") else 0  # persistent programs
    # the plan's compiled kernel, launched directly after the first call (kernels/_launch.py)
    compiled = None if interpreted else {}

    def launch(x, out):
        if copy:
            x = x.contiguous()
        if backwards:
            x = x.narrow(dim, x.shape[dim] - 1, 1)
            out = out.narrow(dim, out.shape[dim] - 1, 1)
        if kernel == "row":
            launch_row_scan(x, out, outer, length, stride_x_outer, stride_x_scan, stride_y_outer, shift,
                            acc_dtype, interpreted, reverse, compiled)
        elif kernel == "lookback":
            launch_lookback_scan(x, out, outer, length, stride_x_outer, stride_x_scan, stride_y_outer, shift,
                                 acc_dtype, workspace, programs, interpreted, reverse, compiled)
        elif kernel == "column_lookback":
            launch_column_lookback_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan,
                                        stride_x_inner, stride_y_outer, stride_y_scan, shift, acc_dtype,
                                        workspace, programs, interpreted, compiled)
        else:
            launch_column_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan, stride_x_inner,
                               stride_y_outer, stride_y_scan, shift, acc_dtype, interpreted, compiled)

    return launch


def launch_on_device(launch, x: torch.Tensor, out: torch.Tensor) -> None:
    """Run a plan's launch with x's GPU current: Triton launches on the current device (and
    its current stream)."""
    if x.device.type == "cuda" and x.device.index != torch.cuda.current_device():
        with torch.cuda.device(x.device):
            launch(x, out)
    else:
        launch(x, out)


def scan_into(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
              reverse: bool = False) -> None:
    """Write the scan of x[..., :length, ...] (along `dim`) into the contiguous `out`.

    `out.shape[dim] == length + shift`; with shift == 1 the scan is exclusive: out[0] = 0 and
    out[j + 1] = x[0] + ... + x[j]. Every other dimension of `out` matches `x`. With `reverse`
    the same holds with both `x` and `out` read from their last index along `dim` backwards.

    Plans are cached per (shape, strides, dtypes, device, dim, length, shift, reverse,
    deterministic mode), so a repeated call does no layout or dispatch work in Python.
    """
    if out.numel() == 0:
        return
    device = x.device
    if not runs_triton(device):
        torch_scan(x, out, dim, length, shift, reverse)
        return
    key = (x.shape, x.stride(), x.dtype, out.dtype, device, dim, length, shift, reverse,
           torch.are_deterministic_algorithms_enabled())
    # the cache lives on this function, so the emitted single file carries it too
    plans = scan_into.__dict__.setdefault("plans", {})
    launch = plans.get(key)
    if launch is None:
        if len(plans) >= 4096:  # many distinct shapes: start over rather than grow without bound
            plans.clear()
        launch = plans[key] = plan_scan(x.shape, x.stride(), dim, length, shift, reverse, out.shape,
                                        out.dtype, device)
    with LAUNCH_LOCK:
        launch_on_device(launch, x, out)
