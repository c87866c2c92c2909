"""Registers and spills of a Triton kernel for sm_90, without a GPU: compile to PTX with
triton.compile for an H100 target, then `ptxas -v` (dev tool; the look-back and row kernels
sit near the 255-register limit, where occupancy is decided).

    python benchmarks/dev/registers.py lookback BLOCK=8192 num_warps=4
"""

import os
import re
import subprocess
import sys
import tempfile

import torch
import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from triscan.kernels import registry
from triscan.kernels.column import column_scan_kernel
from triscan.kernels.lookback.column import column_lookback_scan_kernel
from triscan.kernels.lookback.row import lookback_scan_kernel
from triscan.kernels.row import row_scan_kernel
from triscan.scan.launch import signature_defaults

ALIGNED = [["tt.divisibility", 16]]
KERNELS = {
    # name -> (jit function, signature, constexprs, arguments known to be 16-aligned)
    "lookback": (lookback_scan_kernel.fn,
                 {"x_ptr": "*fp32", "y_ptr": "*fp32", "i_ptr": "*fp32", "status_ptr": "*i64",
                  "values_ptr": "*i64", "max_chunks": "i32", "outer": "i32", "length": "i32",
                  "stride_x_outer": "i32",
                  "stride_x_scan": "constexpr", "stride_y_outer": "i32", "LENGTH_BUCKET": "i32",
                  "LENGTH_ALIGNED": "i32"},
                 {"stride_x_scan": 1, "SHIFT": 0, "ACC_DTYPE": tl.float32, "LOOKBACK": 32, "WORDS": 1,
                  "CARRY_ERROR": False, "REVERSE": False, "RUN": 4, "TOTAL": False, "SPLIT": False,
                  "CLEAN": False, "ROTATE": 0, "VEC": 4, "X_ALIGNED": True},
                 ("x_ptr", "y_ptr", "i_ptr", "status_ptr", "values_ptr", "length", "stride_x_outer",
                  "stride_y_outer")),
    "column_lookback": (column_lookback_scan_kernel.fn,
                        {"x_ptr": "*fp32", "y_ptr": "*fp32", "status_ptr": "*i32", "values_ptr": "*i64",
                         "max_chunks": "i32", "slot": "i32", "outer": "i32", "inner": "i32",
                         "length": "i32", "stride_x_outer": "i32", "stride_x_scan": "i32",
                         "stride_x_inner": "constexpr", "stride_y_outer": "i32", "stride_y_scan": "i32",
                         "LENGTH_BUCKET": "i32", "INNER_BUCKET": "i32"},
                        {"stride_x_inner": 1, "SHIFT": 0, "ACC_DTYPE": tl.float32, "LOOKBACK": 32,
                         "WIDE_OFFSETS": False, "PACKED": True, "SUB": 8, "TRANSPOSE": False,
                         "BACKWARDS": False, "L2_AHEAD": 0},
                        ("x_ptr", "y_ptr", "status_ptr", "values_ptr", "stride_x_outer", "stride_y_outer",
                         "length")),
    "column": (column_scan_kernel.fn,
               {"x_ptr": "*fp32", "y_ptr": "*fp32", "i_ptr": "*fp32", "inner": "i32", "length": "i32",
                "stride_x_outer": "i32",
                "stride_x_scan": "i32", "stride_x_inner": "constexpr", "stride_y_outer": "i32",
                "stride_y_scan": "i32", "LENGTH_BUCKET": "i32", "INNER_BUCKET": "i32",
                "LANES_ALIGNED": "i32"},
               {"stride_x_inner": 1, "SHIFT": 0, "ACC_DTYPE": tl.float32, "SUB": 4, "PREFETCH": 0,
                "INDICES": 0, "WIDE_OFFSETS": False},
               ("x_ptr", "y_ptr", "i_ptr", "inner", "stride_x_outer", "stride_x_scan", "stride_y_outer",
                "stride_y_scan")),
    "reverse_row": (row_scan_kernel.fn,
                    {"x_ptr": "*fp32", "y_ptr": "*fp32", "i_ptr": "*fp32", "length": "i32",
                     "stride_x_outer": "i32", "stride_x_scan": "constexpr", "stride_y_outer": "i32",
                     "LENGTH_BUCKET": "i32"},
                    {"stride_x_scan": 1, "SHIFT": 1, "REVERSE": True, "ROTATE": 0, "VEC": 4, "RUN": 4,
                     "ACC_DTYPE": tl.float32, "TOTAL": False, "SPLIT": False, "PREFETCH": 0, "INDICES": 0},
                    ("x_ptr", "y_ptr", "i_ptr")),
    "row": (row_scan_kernel.fn,
            {"x_ptr": "*fp32", "y_ptr": "*fp32", "i_ptr": "*fp32", "length": "i32", "stride_x_outer": "i32",
             "stride_x_scan": "constexpr", "stride_y_outer": "i32", "LENGTH_BUCKET": "i32"},
            {"stride_x_scan": 1, "SHIFT": 1, "REVERSE": False, "ROTATE": 1, "VEC": 4, "RUN": 4,
             "ACC_DTYPE": tl.float32, "TOTAL": True, "SPLIT": False, "PREFETCH": 0, "INDICES": 0},
            ("x_ptr", "y_ptr", "i_ptr")),
}
for _, _, fixed, _ in KERNELS.values():  # sums, unless a variant names another operator (OPERATOR=...)
    fixed["OPERATOR"] = "sum"


def registers(name: str, **meta) -> tuple[int, int]:
    """(registers per thread, bytes spilled) of a variant compiled for sm_90."""
    used, spilled, _ = compile_info(name, 90, **meta)
    return used, spilled


# opt-in shared memory per block: A100 (sm_80), Ada (sm_89, the seed's RTX 4090), H100/H200 (sm_90)
SHARED_LIMIT = {80: 166912, 89: 101376, 90: 232448}


# triton's own CUDA tools (ptxas, cuobjdump, nvdisasm)
BINARIES = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin")


def assemble(ptx: str, arch: int, folder: str, *options: str) -> tuple[str, str]:
    """(ptxas's -v report, the cubin's path) of `ptx` assembled for sm_`arch` in `folder`, with any
    further ptxas `options`."""
    path, cubin = os.path.join(folder, "kernel.ptx"), os.path.join(folder, "kernel.cubin")
    with open(path, "w") as handle:
        handle.write(ptx)
    target = "sm_90a" if arch == 90 else f"sm_{arch}"
    report = subprocess.run([os.path.join(BINARIES, "ptxas"), "-v", f"-arch={target}", *options, path, "-o",
                             cubin], capture_output=True, text=True).stderr
    return report, cubin


def programs_per_sm(registers_used: int, num_warps: int, shared: int = 0, register_file: int = 65536,
                    shared_per_sm: int = 228 * 1024, *, grid_cap: int | None = 8) -> int:
    """Programs an SM holds at once, as the occupancy calculator counts them: registers allocated
    per warp in units of 256, at most 64 warps and 32 blocks, shared memory with 1 KiB reserved per
    block (NOTES.md 91's model, 217). `grid_cap`: the grid's own limit, 8 for the persistent
    look-backs (scan/plan.py launches 8 per SM); None for grids of a program per block (the row
    kernel)."""
    per_warp = -(-registers_used * 32 // 256) * 256
    programs = min(register_file // (per_warp * num_warps), 64 // num_warps, 32,
                   shared_per_sm // (shared + 1024))
    return programs if grid_cap is None else min(grid_cap, programs)


def held_elements(family: str, meta: dict) -> int:
    """Input elements one program holds in flight (NOTES.md 91's and 123's model): a look-back's chunk
    (with RELOAD, all but one of its pieces), a column look-back's BLOCK_L steps of its lanes
    (FLAT_INNER of them where the plan set it, else BLOCK_K), a row kernel's BLOCK."""
    if family == "column_lookback":
        return meta["BLOCK_L"] * (meta.get("FLAT_INNER") or meta["BLOCK_K"])
    if meta.get("RELOAD"):
        return (meta["RELOAD_STAGES"] - 1) * meta["SUB_BLOCK"]
    return meta.get("BLOCK", 0)


def compile_info(name: str, arch: int, aligned_args=None, **meta) -> tuple[int, int, int]:
    """(registers per thread, bytes spilled, shared memory per block) of a variant compiled for
    sm_`arch` without a GPU."""
    compiled = compile_variant(name, arch, aligned_args, **meta)
    with tempfile.TemporaryDirectory() as folder:
        report, _ = assemble(compiled.asm["ptx"], arch, folder)
    used = int(re.search(r"Used (\d+) registers", report).group(1))
    spills = re.search(r"(\d+) bytes spill stores", report)
    return used, int(spills.group(1)) if spills else 0, compiled.metadata.shared


def compile_variant(name: str, arch: int, aligned_args=None, **meta):
    """A variant (KERNELS' name, constexprs and launch options in `meta`) compiled for sm_`arch`
    without a GPU; its PTX and Triton GPU IR also in LAST_PTX and LAST_TTGIR. `aligned_args`: the
    arguments Triton would find 16-byte aligned (or divisible by 16), instead of the defaults and
    the MISALIGNED_* flags (spill_audit.py sets them from a plan's tensors and scalars)."""
    fn, signature, constexprs, aligned = KERNELS[name]
    options = {key: meta.pop(key) for key in ("num_warps", "num_stages", "maxnreg") if key in meta}
    if meta.pop("EVEN", 0):  # the length and row strides divisible by 16, as Triton specializes them
        aligned = tuple(aligned) + tuple(name for name in ("length", "stride_x_outer", "stride_y_outer")
                                         if name in signature and name not in aligned)
    if meta.pop("MISALIGNED_Y", 0):  # output rows off 16-byte alignment (the seed's rows of L + 1)
        aligned = tuple(arg for arg in aligned if arg != "stride_y_outer")
    if meta.pop("MISALIGNED_X", 0):  # input rows off 16-byte alignment (odd lengths, the matrix's 4 odd rows)
        aligned = tuple(arg for arg in aligned if arg not in ("stride_x_outer", "length"))
    if meta.pop("MISALIGNED_STEPS", 0):  # steps off 16 bytes (odd dim 0: rows of 32767; with EVEN for its
        # 8192 steps, as Triton specializes them: NOTES.md 153)
        aligned = tuple(arg for arg in aligned if arg not in ("inner", "stride_x_scan", "stride_y_scan"))
    if meta.pop("MISALIGNED_BASE", 0):  # the input's first element off 16-byte alignment (a view's
        aligned = tuple(arg for arg in aligned if arg != "x_ptr")  # offset): as launches set X_ALIGNED
        if "X_ALIGNED" in constexprs:
            constexprs = dict(constexprs, X_ALIGNED=False)
    if aligned_args is not None:
        aligned = tuple(aligned_args)
    element = meta.pop("ELEMENT", None)  # e.g. "bf16": the input and output element type instead of fp32
    input_element = meta.pop("INPUT", None)  # e.g. "i32" with ELEMENT=i64: int32 inputs summed into int64
    if element is not None:  # the accumulator, look-back words and run length that element's plans get
        dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32, "fp64": torch.float64,
                  "i64": torch.int64, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32}
        output_dtype, input_dtype = dtypes[element], dtypes[input_element or element]
        accumulator = {"fp64": tl.float64, "i64": tl.int64, "i8": tl.int64, "i16": tl.int64}.get(element,
                                                                                                 tl.float32)
        # a run is one vector of the input, VEC one of the output (ROTATE 3: of the input, as
        # registry.bind_row and bind_lookback plan shared-phase windows)
        vector_dtype = input_dtype if meta.get("ROTATE") == 3 else output_dtype
        implied = {"ACC_DTYPE": accumulator, "WORDS": 1 if accumulator == tl.float32 else 2,
                   "CARRY_ERROR": accumulator == tl.float64, "RUN": registry.run_length(input_dtype),
                   "VEC": registry.vector_length(vector_dtype)}
        constexprs = dict(constexprs, **{key: value for key, value in implied.items() if key in constexprs})
        if name == "column" and input_dtype.itemsize <= 2:  # as registry.column_offsets_wide plans them
            constexprs["WIDE_OFFSETS"] = True
    # the signature's defaults as a launch binds them (ASTSource alone would not apply them)
    constexprs = {**signature_defaults(fn), **constexprs, **meta}
    signature = dict(signature, **{key: "constexpr" for key in constexprs})
    if element is not None:
        signature.update(x_ptr=f"*{element}", y_ptr=f"*{element}")
        if "i_ptr" in signature:  # a sum's unused indices output is its output again (scan/launch.py)
            signature["i_ptr"] = f"*{element}"
    if constexprs.get("INDICES"):  # a max or min scan's int64 indices
        signature["i_ptr"] = "*i64"
        if name == "lookback":  # scanned as int64 keys of values and positions (operators._selection_keys)
            constexprs.update(ACC_DTYPE=tl.int64, WORDS=2, CARRY_ERROR=False)
    if input_element is not None:
        signature["x_ptr"] = f"*{input_element}"
    if name == "column_lookback" and not constexprs["PACKED"]:  # separate totals and prefixes, as summed
        wide = {tl.float64: "*fp64", tl.int64: "*i64"}
        signature["values_ptr"] = wide.get(constexprs["ACC_DTYPE"], "*fp32")
    if name == "column_lookback" and "FLAT_INNER" not in constexprs:  # dense rows unless given (0: strided)
        constexprs["FLAT_INNER"] = constexprs["BLOCK_K"]
        signature["FLAT_INNER"] = "constexpr"
    names = list(fn.arg_names)
    attrs = {(names.index(arg),): ALIGNED for arg in aligned}
    source = ASTSource(fn, signature, {(names.index(k),): v for k, v in constexprs.items()}, attrs)
    compiled = triton.compile(source, target=GPUTarget("cuda", arch, 32), options=options)
    LAST_PTX[0] = compiled.asm["ptx"]
    LAST_TTGIR[0] = compiled.asm.get("ttgir", "")
    return compiled


LAST_PTX = [""]  # the PTX of the latest compile_info call
LAST_TTGIR = [""]  # and its Triton GPU IR
COUNTED = ("shfl.sync", "st.shared", "ld.shared", "bar.sync", "ld.global", "st.global")


def parse_options(pairs) -> dict:
    """KEY=VALUE words (as tests/kernels/test_compile.py writes a variant) as compile_variant's
    `meta`: ELEMENT, INPUT and OPERATOR keep their names, every other value is an integer."""
    return {key: value if key in ("ELEMENT", "INPUT", "OPERATOR") else int(value)
            for key, value in (pair.split("=") for pair in pairs)}


def instruction_counts(ptx: str) -> dict[str, int]:
    """Static counts of the PTX instructions that decide a scan's cost (per thread and program)."""
    return {name: len(re.findall(r"^\s*(?:@%p\d+\s+)?" + re.escape(name), ptx, re.M)) for name in COUNTED}


if __name__ == "__main__":
    kernel, *pairs = sys.argv[1:]
    meta = parse_options(pairs)
    used, spilled = registers(kernel, **meta)
    print(f"{kernel} {meta}: {used} registers, {spilled} bytes spilled")
    print("  PTX:", ", ".join(f"{name} {count}" for name, count in instruction_counts(LAST_PTX[0]).items()))
