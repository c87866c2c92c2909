"""Dispatch: pick the kernel family for a scan and launch it.

The only decision today is the layout's inner size: K == 1 runs the row scan, K > 1 the
column scan. Shape-aware choices for long rows and small tensors belong to issue 3.
These functions use only torch and triton, so `triscan emit` can copy them verbatim.
"""

import torch
import triton
import triton.language as tl

from ._layout import scan_view
from .kernels.column_scan import launch_column_scan
from .kernels.lookback_scan import launch_column_lookback_scan, launch_lookback_scan
from .kernels.row_scan import launch_row_scan, row_scan_kernel


def kernels_interpreted() -> bool:
    """True when triton.jit built interpreter functions (TRITON_INTERPRET=1 before import);
    they then take CPU tensors."""
    return type(row_scan_kernel.fn).__name__ == "InterpretedFunction"


def accumulator_dtype(dtype: torch.dtype):
    """The tl dtype a scan accumulates in: float64 stays, other floats use float32, integers int64."""
    if dtype == torch.float64:
        return tl.float64
    if dtype.is_floating_point:
        return tl.float32
    return tl.int64


def workspace_dtype(dtype: torch.dtype) -> torch.dtype:
    """The torch dtype of look-back workspace values: the accumulator's."""
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


def scan_into(x: torch.Tensor, out: torch.Tensor, dim: int, length: int, shift: int,
              reverse: bool = False) -> None:
    """Write the scan of x[..., :length, ...] (along `dim`) into the contiguous `out`.

    `out.shape[dim] == length + shift`; with shift == 1 the scan is exclusive: out[0] = 0 and
    out[j + 1] = x[0] + ... + x[j]. Every other dimension of `out` matches `x`. With `reverse`
    the same holds with both `x` and `out` read from their last index along `dim` backwards.
    """
    if out.numel() == 0:
        return
    if not runs_triton(x.device):
        torch_scan(x, out, dim, length, shift, reverse)
        return
    view = scan_view(x.shape, x.stride(), dim)
    if view is None:
        # The dimensions before (or after) `dim` interleave in memory, so no single
        # stride walks them: this is the one layout that is copied.
        x = x.contiguous()
        view = scan_view(x.shape, x.stride(), dim)
    outer, _, inner, stride_x_outer, stride_x_scan, stride_x_inner = view
    _, _, _, stride_y_outer, stride_y_scan, _ = scan_view(out.shape, out.stride(), dim)
    acc_dtype = accumulator_dtype(out.dtype)
    interpreted = x.device.type == "cpu"
    # scan steps per look-back chunk (smallest configs; the interpreter's fixed blocks)
    row_chunk, column_chunk = (64, 8) if interpreted else (8192, 64)
    if not lookback_allowed(out.dtype):
        row_chunk = column_chunk = length + 1  # never long enough to cut into chunks
    if reverse:
        # Walk both tensors backwards: start at their last index along `dim`, negative
        # strides. The row kernels assume output rows that run forwards, so reversed rows
        # (K == 1) take the column look-back with one lane: correct and parallel, not yet
        # tuned (benchmarks/NOTES.md).
        x = x.narrow(dim, x.shape[dim] - 1, 1)
        out = out.narrow(dim, out.shape[dim] - 1, 1)
        stride_x_scan, stride_y_scan = -stride_x_scan, -stride_y_scan
        if length == 0 or not lookback_allowed(out.dtype):
            # nothing to chunk (only the zeros of an exclusive scan of length 1), or a
            # deterministic float result asked for: one program per lane tile
            launch_column_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan, stride_x_inner,
                               stride_y_outer, stride_y_scan, shift, acc_dtype, interpreted)
        else:
            launch_column_lookback_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan,
                                        stride_x_inner, stride_y_outer, stride_y_scan, shift, acc_dtype,
                                        workspace_dtype(out.dtype), 8 * device_sms(x.device), interpreted)
    elif inner == 1 and prefer_lookback(outer, length, row_chunk, x.device):
        launch_lookback_scan(x, out, outer, length, stride_x_outer, stride_x_scan, stride_y_outer, shift,
                             acc_dtype, workspace_dtype(out.dtype), 8 * device_sms(x.device), interpreted)
    elif inner == 1:
        launch_row_scan(x, out, outer, length, stride_x_outer, stride_x_scan, stride_y_outer, shift,
                        acc_dtype, interpreted)
    elif prefer_lookback(2 * outer * triton.cdiv(inner, 32), length, column_chunk, x.device):
        # 32-lane column programs reach 90.5% of copy for dim 0 of (32768, 32768) on the H100
        # (1024 programs, about 8 per SM) where the column look-back reached 67.6%
        # (benchmarks/NOTES.md); the factor 2 sends that shape to the column scan.
        launch_column_lookback_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan,
                                    stride_x_inner, stride_y_outer, stride_y_scan, shift, acc_dtype,
                                    workspace_dtype(out.dtype), 8 * device_sms(x.device), interpreted)
    else:
        launch_column_scan(x, out, outer, length, inner, stride_x_outer, stride_x_scan, stride_x_inner,
                           stride_y_outer, stride_y_scan, shift, acc_dtype, interpreted)
