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
HOOKS = triton.knobs.runtime  # launch hooks a profiler may set (then launches go through Triton)


def device_sms(device: torch.device) -> int:
    """Multiprocessors of a CUDA device; the interpreter pretends to have 4, so that small
    tests reach every dispatch path."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).multi_processor_count
    return 4


def current_device() -> int:
    """The current CUDA device's index (torch.cuda.current_device without its lazy-init check;
    a plan has launched on CUDA before a Relaunch asks)."""
    return torch._C._cuda_getDevice()


def current_stream(device: int) -> int:
    """The raw current stream of a device, as Triton's launcher takes it."""
    return torch._C._cuda_getCurrentRawStream(device)


def runs_triton(device: torch.device) -> bool:
    """True when a tensor on `device` is scanned by triscan's Triton kernels."""
    return device.type == "cuda" or (device.type == "cpu" and kernels_interpreted())


def launch_kernel(kernel, grid, args: tuple, constexprs: dict, compiled: dict | None) -> None:
    """`kernel[grid](*args, **constexprs)`; with a `compiled` dict (one per scan plan, so
    integers and constexprs are the same on every call) the second and later calls go straight
    to the compiled kernel's launcher (Relaunch).

    Triton specializes integers (== 1, % 16) and pointers (16-byte alignment). The plan fixes
    the integers; the alignment of each tensor is checked on every call, and a change sends the
    call through Triton again, with the constexprs taken from it (address_constexprs).
    """
    if compiled is None or HOOKS.launch_enter_hook.calls or HOOKS.launch_exit_hook.calls:
        # the interpreter, or profiling hooks that want metadata
        kernel[grid](*args, **constexprs, **address_constexprs(kernel, args))
        return
    relaunch = compiled.get(kernel)
    if relaunch is not None and relaunch.aligned(args):
        relaunch.launch(args)
        return
    constexprs = {**constexprs, **address_constexprs(kernel, args)}
    binary = kernel[grid](*args, **constexprs)
    compiled[kernel] = Relaunch(kernel, grid, args, constexprs, binary)


def address_constexprs(kernel, args: tuple) -> dict:
    """The constexprs a launch takes from its tensors' addresses, which a plan (shapes and strides)
    does not see: X_ALIGNED, whether the input (the first argument) is 16-byte aligned, for the
    kernels that take it. Triton specializes pointers on that alignment already: no variant more
    is compiled, and a relaunch (same alignment, Relaunch.aligned) keeps the value."""
    takes = TAKES_X_ALIGNED.get(kernel)
    if takes is None:
        takes = TAKES_X_ALIGNED[kernel] = "X_ALIGNED" in kernel.arg_names
    return {"X_ALIGNED": args[0].data_ptr() % 16 == 0} if takes else {}


TAKES_X_ALIGNED: dict = {}  # kernel -> whether its signature has X_ALIGNED


def launch_values(kernel, constexprs: dict) -> dict:
    """The constexpr values a launch of `kernel` bound: the signature's defaults, then the call's
    own, then (an Autotuner after its first run) the chosen config's. A constexpr that no config
    names keeps its default."""
    chosen = kernel.best_config.all_kwargs() if hasattr(kernel, "best_config") else {}
    return {**signature_defaults(kernel), **constexprs, **chosen}


def signature_defaults(kernel) -> dict:
    """The defaults in a compiled kernel's signature: its JITFunction's params, found through the
    wrappers' `fn` (Autotuner, Heuristics, and stand-ins that forward to them)."""
    function = kernel
    while not hasattr(function, "params"):
        function = function.fn
    return {param.name: param.default for param in function.params if param.has_default}


class Relaunch:
    """What a later call needs to launch a compiled kernel directly: the grid as three numbers,
    the constexpr values that follow the arguments in the kernel's signature, which arguments
    are tensors with which alignment, and the launcher itself.

    Triton's launcher object (CompiledKernel.run) allocates scratch memory and then calls its
    compiled C function; kernels that need no scratch (all of triscan's) are launched through
    that C function directly, with the arguments Triton's launcher would add.
    """

    __slots__ = ("call", "fixed", "tail", "tensor_positions", "alignment")

    def __init__(self, kernel, grid, args: tuple, constexprs: dict, binary):
        values = launch_values(kernel, constexprs)
        names = kernel.arg_names
        self.tail = tuple(values[name] for name in names[len(args):])
        if callable(grid):
            grid = grid({**dict(zip(names, args, strict=False)), **values})
        grid_xyz = (tuple(grid) + (1, 1))[:3]
        self.tensor_positions = tuple(i for i, arg in enumerate(args) if isinstance(arg, torch.Tensor))
        self.alignment = tuple(args[i].data_ptr() % 16 == 0 for i in self.tensor_positions)
        launcher = binary.run
        # after the stream: the function, [Triton's launcher's own arguments,] metadata, no hooks
        metadata = (binary.packed_metadata, None, None, None)
        if (getattr(launcher, "global_scratch_size", None) == 0
                and getattr(launcher, "profile_scratch_size", None) == 0 and hasattr(launcher, "launch")):
            self.call = launcher.launch
            own = (launcher.launch_cooperative_grid, launcher.launch_pdl, None, None)
        else:
            self.call, own = launcher, ()
        self.fixed = (grid_xyz, (binary.function, *own, *metadata))

    def aligned(self, args: tuple) -> bool:
        """Whether every tensor has the 16-byte alignment (or its absence) compiled for."""
        for position, aligned in zip(self.tensor_positions, self.alignment, strict=True):
            if (args[position].data_ptr() % 16 == 0) != aligned:
                return False
        return True

    def launch(self, args: tuple) -> None:
        grid_xyz, after_stream = self.fixed
        stream = current_stream(current_device())  # the stream Triton itself would use
        self.call(*grid_xyz, stream, *after_stream, *args, *self.tail)


class DirectLaunch:
    """A plan's compiled kernel launched on its input and output (and a kept workspace) alone:
    for plans whose input is not copied and not entered at its end, with no workspace or a kept
    one (dispatch.direct_launch). The whole host path of a repeated small call: two alignment
    checks, the device check, the stream, the kept workspace's lookup, one call of the compiled C
    launcher. Not the launch lock: nothing here is shared mutable state (that lock guards the
    autotuner's and the interpreter's, scan/launch.py)."""

    __slots__ = ("call", "grid_xyz", "middle", "suffix", "x_aligned", "y_aligned", "kept_words",
                 "takes_indices")

    def __init__(self, relaunch: "Relaunch", scalar_args: tuple, kept_words: int,
                 takes_indices: bool = False):
        self.call = relaunch.call
        self.grid_xyz, self.middle = relaunch.fixed
        self.suffix = (*scalar_args, *relaunch.tail)
        self.x_aligned, self.y_aligned = relaunch.alignment[:2]
        self.kept_words = kept_words
        self.takes_indices = takes_indices  # the kernel's unused indices output is given `out` again

    def launch(self, x: torch.Tensor, out: torch.Tensor) -> bool:
        """Launch on `x` and `out` and return True, or return False (launching nothing) where the
        tensors' alignment differs from the compiled kernel's, x's device is not current, or a
        profiler's launch hooks want Triton's own launch path.

        The launcher gets the tensors' addresses as integers: for an object with `data_ptr` it
        calls that method and asks the driver whether the address is device memory
        (cuPointerGetAttribute), once per pointer and call; here x is on the current device
        (checked below) and `out` and the workspace were allocated there."""
        x_address, out_address = x.data_ptr(), out.data_ptr()
        if (x_address % 16 == 0) != self.x_aligned or (out_address % 16 == 0) != self.y_aligned:
            return False
        if HOOKS.launch_enter_hook.calls or HOOKS.launch_exit_hook.calls:
            return False
        device = x.get_device()
        if device != current_device():
            return False
        stream = current_stream(device)
        # a kernel's unused indices output is `out` again (the row look-back takes both)
        tensors = (x_address, out_address, out_address) if self.takes_indices else (x_address, out_address)
        if self.kept_words:  # kept workspaces are whole allocations: 16-byte aligned as compiled
            # held until the launch returns: under graph capture it is a fresh allocation
            status = kept_workspace(x.device, self.kept_words)
            status_address = status.data_ptr()
            self.call(*self.grid_xyz, stream, *self.middle, *tensors, status_address, status_address,
                      *self.suffix)
        else:
            self.call(*self.grid_xyz, stream, *self.middle, *tensors, *self.suffix)
        return True


KEPT: dict = {}  # (device, raw stream) -> the kept int64 workspace of look-backs that clean up (CLEAN)
MAX_KEPT = 64


def kept_workspace(device: torch.device, words: int) -> torch.Tensor:
    """A zeroed int64 workspace of at least `words` for a kernel that leaves it zeroed, one per
    device and stream: launches on one stream run in order, so each finds it zeroed by the last.
    While a CUDA graph is captured, a fresh one zeroed inside the graph instead: a graph may be
    replayed on another stream, at the same time as later calls on this one."""
    if device.type == "cuda":
        if torch.cuda.is_current_stream_capturing():
            return torch.zeros(words, dtype=torch.int64, device=device)
        key = (device, current_stream(device.index))
    else:
        key = (device, 0)
    status = KEPT.get(key)
    if status is None or status.numel() < words:
        if len(KEPT) >= MAX_KEPT:  # many short-lived streams: start over (a dropped workspace is
            KEPT.clear()  # reused by the allocator only on its own stream, after its kernels)
        status = KEPT[key] = torch.zeros(words, dtype=torch.int64, device=device)
    return status


def workspace_for(spec, device: torch.device) -> tuple:
    """The workspace tensors of a launch: the kept one where its kernel cleans up, else fresh."""
    if spec.kept_words:
        status = kept_workspace(device, spec.kept_words)
        return status, status
    return spec.workspace(device)


def run_launch(spec, x: torch.Tensor, out: torch.Tensor, compiled: dict | None,
               indices: torch.Tensor | None = None) -> None:
    """Launch a plan's LaunchSpec on `x` and `out` (and `indices`, where its kernel takes them:
    `out` again when the plan writes none), with its workspace where it has one."""
    tensors = (x, out, out if indices is None else indices) if spec.takes_indices else (x, out)
    if spec.workspace is None:
        args = (*tensors, *spec.scalar_args)
    else:
        args = (*tensors, *workspace_for(spec, x.device), *spec.scalar_args)
    launch_kernel(spec.kernel, spec.grid, args, spec.constexprs, compiled)


def launch_on_device(spec, x: torch.Tensor, out: torch.Tensor, compiled: dict | None,
                     indices: torch.Tensor | None = None) -> None:
    """Run a launch with x's GPU current: Triton launches on the current device (and its current
    stream)."""
    if x.device.type == "cuda" and x.get_device() != current_device():
        with torch.cuda.device(x.device):
            run_launch(spec, x, out, compiled, indices)
    else:
        run_launch(spec, x, out, compiled, indices)
