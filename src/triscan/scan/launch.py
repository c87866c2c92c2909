"""Running a plan's launch: the tensors joined to its bound arguments, the device made current,
the lock, and later launches sent straight to the compiled kernel.

`kernel[grid](...)` binds and specializes every argument, builds a cache key and, for an
autotuned kernel, a dict of the arguments, on every call: several times the host time of the
compiled kernel's own launcher (benchmarks/NOTES.md section 14). A plan launches the same
kernel with the same grid, integers and constexprs every time; only the tensors change. So the
first launch goes through Triton (compiling and autotuning as usual), and later ones call the
compiled kernel's launcher directly, as long as every tensor has the 16-byte alignment the
kernel was specialized for.
"""

import threading

import torch
import triton

from ..kernels.registry import kernels_interpreted

# Triton's Autotuner keeps the call it is tuning on the instance (`self.nargs`, set to None when
# any call returns), so two threads inside one autotuned kernel at once can tune with each
# other's arguments (the look-back's reset_to_zero then zeroes the other call's workspace) or
# fail outright; the interpreter patches triton.language globally while a kernel runs. Launches
# therefore take this lock. It covers the host-side enqueue only: kernels launched on different
# streams still overlap on the GPU.
LAUNCH_LOCK = threading.Lock()


def device_sms(device: torch.device) -> int:
    """Multiprocessors of a CUDA device; the interpreter pretends to have 4, so that small
    tests reach every dispatch path."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).multi_processor_count
    return 4


def runs_triton(device: torch.device) -> bool:
    """True when a tensor on `device` is scanned by triscan's Triton kernels."""
    return device.type == "cuda" or (device.type == "cpu" and kernels_interpreted())


def launch_kernel(kernel, grid, args: tuple, constexprs: dict, compiled: dict | None) -> None:
    """`kernel[grid](*args, **constexprs)`; with a `compiled` dict (one per scan plan, so
    integers and constexprs are the same on every call) the second and later calls go straight
    to the compiled kernel.

    Triton specializes integers (== 1, % 16) and pointers (16-byte alignment). The plan fixes
    the integers; the alignment of each tensor is checked on every call, and a change sends the
    call through Triton again.
    """
    hooks = triton.knobs.runtime
    if compiled is None or hooks.launch_enter_hook.calls or hooks.launch_exit_hook.calls:
        kernel[grid](*args, **constexprs)  # the interpreter, or profiling hooks that want metadata
        return
    entry = compiled.get(kernel)
    if entry is not None:
        binary, grid_xyz, tail, tensor_positions, alignment = entry
        for position, aligned in zip(tensor_positions, alignment, strict=True):
            if (args[position].data_ptr() % 16 == 0) != aligned:
                break
        else:
            driver = triton.runtime.driver.active  # the stream Triton itself would use
            stream = driver.get_current_stream(driver.get_current_device())
            binary.run(*grid_xyz, stream, binary.function, binary.packed_metadata, None, None, None,
                       *args, *tail)
            return
    binary = kernel[grid](*args, **constexprs)
    compiled[kernel] = describe(kernel, grid, args, constexprs, binary)


def describe(kernel, grid, args: tuple, constexprs: dict, binary):
    """What a later call needs to launch `binary` directly: the grid as three numbers, the
    constexpr values that follow `args` in the kernel's signature, and which arguments are
    tensors with which alignment."""
    autotuned = hasattr(kernel, "best_config")  # an Autotuner after its first run
    values = {**constexprs, **(kernel.best_config.all_kwargs() if autotuned else {})}
    names = kernel.arg_names
    tail = [values[name] for name in names[len(args):]]
    if callable(grid):
        grid = grid({**dict(zip(names, args, strict=False)), **values})
    grid_xyz = (tuple(grid) + (1, 1))[:3]
    tensor_positions = tuple(i for i, arg in enumerate(args) if isinstance(arg, torch.Tensor))
    alignment = tuple(args[i].data_ptr() % 16 == 0 for i in tensor_positions)
    return binary, grid_xyz, tail, tensor_positions, alignment


def run_launch(spec, x: torch.Tensor, out: torch.Tensor, compiled: dict | None) -> None:
    """Launch a plan's LaunchSpec on `x` and `out`, with a fresh workspace where it has one."""
    if spec.workspace is None:
        args = (x, out, *spec.scalar_args)
    else:
        args = (x, out, *spec.workspace(x.device), *spec.scalar_args)
    launch_kernel(spec.kernel, spec.grid, args, spec.constexprs, compiled)


def launch_on_device(spec, x: torch.Tensor, out: torch.Tensor, compiled: dict | None) -> None:
    """Run a launch with x's GPU current: Triton launches on the current device (and its current
    stream)."""
    if x.device.type == "cuda" and x.device.index != torch.cuda.current_device():
        with torch.cuda.device(x.device):
            run_launch(spec, x, out, compiled)
    else:
        run_launch(spec, x, out, compiled)
