"""sm_90 PTX of kernel variants, without a GPU, with debug lines removed, so that two trees can be
compared: a change that must leave the kernels alone (a refactor, a rename) leaves every file
byte-identical (dev tool; benchmarks/NOTES.md sections 27 and 128).

    python benchmarks/dev/ptx_snapshot.py OUT_DIR          # OUT_DIR/NN-kernel.ptx, summary.json
    diff -r BEFORE_DIR AFTER_DIR

Run it without TRITON_INTERPRET, on each tree (registers.py's signatures name the parameters).
The variants follow the current kernels' constexprs; comparing against a tree from before a
change of constexprs (issue 14 added SPLIT, TOTAL, RUN and WORDS) needs that tree's list.
"""

import hashlib
import json
import os
import re
import sys

import registers
import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

# (kernel in registers.py, constexprs and launch options, signature or constexpr overrides)
VARIANTS = [
    ("row", "BLOCK=4096 num_warps=4", {}),
    ("row", "BLOCK=8192 num_warps=4 SHIFT=0 ROTATE=0", {}),
    ("row", "BLOCK=2048 num_warps=4 VEC=8", {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("row", "BLOCK=2048 num_warps=4 VEC=2", {"x_ptr": "*fp64", "y_ptr": "*fp64", "ACC_DTYPE": tl.float64}),
    ("row", "BLOCK=2048 num_warps=4 VEC=2 SHIFT=0",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("row", "BLOCK=2048 num_warps=2 VEC=8 ROTATE=2 PREFETCH=1", {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("row", "BLOCK=4096 num_warps=4 ROTATE=3 SPLIT=1 PREFETCH=1", {}),
    ("reverse_row", "BLOCK=2048 num_warps=4 VEC=8 RUN=8 ROTATE=3 SPLIT=1",
     {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("column", "BLOCK_L=16 BLOCK_K=128 num_warps=4 SHIFT=1", {}),
    ("column", "BLOCK_L=64 BLOCK_K=32 num_warps=4", {}),
    ("column", "BLOCK_L=32 BLOCK_K=64 num_warps=4", {"x_ptr": "*fp16", "y_ptr": "*fp16"}),
    ("reverse_row", "BLOCK=2048 num_warps=4", {}),
    ("reverse_row", "BLOCK=4096 num_warps=4 SHIFT=0 ROTATE=0", {}),
    ("lookback", "BLOCK=8192 num_warps=4 REVERSE=0", {}),
    ("lookback", "BLOCK=4096 num_warps=2 REVERSE=0", {}),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=1", {}),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=0 SHIFT=1 WORDS=2",
     {"x_ptr": "*fp64", "y_ptr": "*fp64", "ACC_DTYPE": tl.float64}),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=0 WORDS=2",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("lookback", "BLOCK=4096 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=2 VEC=8 RUN=8",
     {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("lookback", "BLOCK=2048 num_warps=4 SHIFT=0 ROTATE=2 VEC=2 WORDS=2",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0", {}),
    ("column_lookback", "BLOCK_L=256 BLOCK_K=8 num_warps=2 WIDE_OFFSETS=0", {}),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=0", {}),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=1", {}),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0 PACKED=0", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 FLAT_INNER=3", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=0", {}),
    ("column_lookback", "BLOCK_L=64 BLOCK_K=64 num_warps=4 WIDE_OFFSETS=0 SHIFT=1 PACKED=0",
     {"x_ptr": "*fp64", "y_ptr": "*fp64", "values_ptr": "*fp64", "ACC_DTYPE": tl.float64}),
    # float64 prefixes carried with their rounding error (NOTES.md 79)
    ("lookback", "BLOCK=2048 num_warps=4 SHIFT=1 TOTAL=1 ROTATE=1 VEC=2 RUN=2 WORDS=2 CARRY_ERROR=1",
     {"x_ptr": "*fp64", "y_ptr": "*fp64", "ACC_DTYPE": tl.float64}),
    # the look-back's read overlapped with the chunk's scan (NOTES.md 101)
    ("lookback", "BLOCK=4096 num_warps=2 maxnreg=160 OVERLAP_READ=1 SHIFT=1", {}),
    ("lookback", "BLOCK=8192 num_warps=4 maxnreg=128 OVERLAP_READ=1 REVERSE=1",
     {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    # the paths added since: RELOAD pieces, windows read early on odd rows, the old ticket round,
    # the column look-back's GROUPED rows, held PARTS, L2 requests, exclusive flat steps in place
    ("lookback", "BLOCK=8192 num_warps=4 WORDS=2 RELOAD=1 SUB_BLOCK=1024 RELOAD_STAGES=8",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("lookback", "BLOCK=4096 num_warps=4 WORDS=2 RELOAD=1 SUB_BLOCK=512 RELOAD_STAGES=8 ROTATE=3 VEC=4 "
     "REVERSE=1",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("lookback", "BLOCK=4096 num_warps=2 OVERLAP_READ=1 ROTATE=3 SPLIT=1 SHIFT=1", {}),
    ("lookback", "BLOCK=4096 num_warps=4 TICKET_AHEAD=0 CLEAN=1", {}),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=8 num_warps=4 maxnreg=96 TRANSPOSE=1 FLAT_INNER=3 "
     "GROUPED_OK=1 GROUPED=1 GROUP_ROW=24 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=4", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=5 BACKWARDS=1 "
     "FROM_START=1 GROUPED_OK=1 GROUPED=1 GROUP_ROW=80 GROUP_LOAD_VECTOR=8 GROUP_STORE_VECTOR=8",
     {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 PACKED=0 "
     "GROUPED_OK=1 GROUPED=1 GROUP_ROW=12 GROUP_LOAD_VECTOR=2 GROUP_STORE_VECTOR=2",
     {"x_ptr": "*fp64", "y_ptr": "*fp64", "values_ptr": "*fp64", "ACC_DTYPE": tl.float64}),
    ("column_lookback", "BLOCK_L=4096 BLOCK_K=2 SUB=16 num_warps=4 maxnreg=128 TRANSPOSE=1 PARTS=4",
     {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=8 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 "
     "BACKWARDS=1 FROM_START=8", {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 L2_AHEAD=1", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=4 maxnreg=168 TRANSPOSE=1 LOOKBACK=64 "
     "SHIFT=1 IN_PLACE=1", {}),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 FLAT_INNER=2 SHIFT=1",
     {"x_ptr": "*i32", "y_ptr": "*i64", "values_ptr": "*i64", "ACC_DTYPE": tl.int64, "PACKED": False}),
    ("column", "BLOCK_L=64 BLOCK_K=128 SUB=4 num_warps=8 PREFETCH=1", {"x_ptr": "*bf16", "y_ptr": "*bf16"}),
    ("column", "BLOCK_L=16 BLOCK_K=32 num_warps=2 PREFETCH=2",
     {"x_ptr": "*i32", "y_ptr": "*i64", "ACC_DTYPE": tl.int64}),
    ("row", "BLOCK=4096 num_warps=4 SHIFT=0 ROTATE=3 SPLIT=1 PREFETCH=2 TOTAL=0 REVERSE=1 RUN=4", {}),
]


def compile_variant(name: str, options: str, overrides: dict) -> str:
    """The PTX of one variant, its `.loc`/`.file` lines and debug sections removed."""
    fn, signature, constexprs, aligned = registers.KERNELS[name]
    meta = {key: int(value) for key, value in (pair.split("=") for pair in options.split())}
    launch = {key: meta.pop(key) for key in ("num_warps", "num_stages", "maxnreg") if key in meta}
    # the signature's defaults bound as a launch binds them (registers.compile_info does the same): a
    # constexpr left out would compile as if False
    constexprs = {**registers.signature_defaults(fn), **constexprs, **meta}
    signature = dict(signature)
    for key, value in overrides.items():  # strings are argument types, others constexpr values
        if isinstance(value, str):
            signature[key] = value
        else:
            constexprs[key] = value
    signature.update({key: "constexpr" for key in constexprs})
    if name == "column_lookback" and not constexprs["PACKED"] and "values_ptr" not in overrides:
        signature["values_ptr"] = "*fp32"
    if name == "column_lookback" and "FLAT_INNER" not in constexprs:  # dense rows unless given
        constexprs["FLAT_INNER"] = constexprs["BLOCK_K"]
        signature["FLAT_INNER"] = "constexpr"
    names = list(fn.arg_names)
    attrs = {(names.index(argument),): registers.ALIGNED for argument in aligned}
    fixed = {(names.index(key),): value for key, value in constexprs.items()}
    source = ASTSource(fn, signature, fixed, attrs)
    compiled = triton.compile(source, target=GPUTarget("cuda", 90, 32), options=launch)
    return without_debug(compiled.asm["ptx"])


def without_debug(ptx: str) -> str:
    """PTX without its `.loc`/`.file` lines, debug sections and `$L__tmp` labels, which only anchor
    debug scopes (line numbers move with any edit; a helper function more adds labels)."""
    lines = [line for line in ptx.splitlines() if not line.strip().startswith((".loc", ".file"))
             and not re.fullmatch(r"\$L__tmp\d+:", line.strip())]
    return re.sub(r"\.section\s+\.debug_\w+\s*\{.*?\n\s*\}", "", "\n".join(lines), flags=re.S)


def digest(ptx: str) -> str:
    """A short digest of PTX without its debug lines."""
    return hashlib.sha256(without_debug(ptx).encode()).hexdigest()[:16]


def main() -> int:
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    summary = {}
    for index, (name, options, overrides) in enumerate(VARIANTS):
        ptx = compile_variant(name, options, overrides)
        tag = f"{index:02d}-{name}"
        with open(os.path.join(out_dir, tag + ".ptx"), "w") as handle:
            handle.write(ptx)
        summary[f"{tag} {options} {sorted((key, str(value)) for key, value in overrides.items())}"] = \
            hashlib.sha256(ptx.encode()).hexdigest()[:16]
        print(tag, options, list(summary.values())[-1], flush=True)
    with open(os.path.join(out_dir, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
