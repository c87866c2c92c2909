"""Launching a kernel again without Triton's Python dispatch.

`kernel[grid](...)` binds and specializes every argument, builds a cache key and, for an
autotuned kernel, a dict of the arguments, on every call: 45.5 us of host time per launch on the
H100 machine's CPU, against 15.3 us for the compiled kernel's own launcher and 19.9 us for a
whole torch.cumsum call (benchmarks/NOTES.md section 14). A scan plan
launches the same kernel with the same grid, integers and constexprs every time; only the
tensors change. So the first launch goes through Triton (compiling and autotuning as usual),
and later ones call the compiled kernel's launcher directly, as long as every tensor has the
16-byte alignment the kernel was specialized for.
"""

import torch
import triton


def ceil_div(numerator: int, denominator: int) -> int:
    """triton.cdiv for host code: in Triton 3.6 triton.cdiv and triton.next_power_of_2 are
    ConstexprFunctions, about 3 us a call from Python, and a launch made several."""
    return -(-numerator // denominator)


def power_of_two_at_least(count: int) -> int:
    """triton.next_power_of_2 for host code (see ceil_div); 1 for counts up to 1."""
    return 1 << max(count - 1, 0).bit_length()


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
    constexpr arguments that follow `args` in the kernel's signature, and which arguments are
    tensors with which alignment."""
    autotuned = hasattr(kernel, "best_config")  # an Autotuner after its first run
    values = {**constexprs, **(kernel.best_config.all_kwargs() if autotuned else {})}
    names = kernel.fn.arg_names if autotuned else kernel.arg_names
    tail = [values[name] for name in names[len(args):]]
    if callable(grid):
        grid = grid({**dict(zip(names, args, strict=False)), **values})
    grid_xyz = (tuple(grid) + (1, 1))[:3]
    tensor_positions = tuple(i for i, arg in enumerate(args) if isinstance(arg, torch.Tensor))
    alignment = tuple(args[i].data_ptr() % 16 == 0 for i in tensor_positions)
    return binary, grid_xyz, tail, tensor_positions, alignment
