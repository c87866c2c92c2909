"""Every kernel variant compiles for the H100 (sm_90), and the largest tiles for the A100 (sm_80)
and the RTX 4090 (sm_89), on any machine: the interpreter runs
Python semantics and misses what only Triton's code generator rejects (for example returns of
different types after a constexpr branch). Compiles to PTX and runs ptxas offline through
benchmarks/dev/registers.py, in a child process without TRITON_INTERPRET."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent.parent

# the H100's pick for the seed's 2-byte odd rows (ROTATE 4), and its 16 KiB neighbour
ROTATE4_PICK = ("lookback", "BLOCK=8192 num_warps=4 maxnreg=128 SHIFT=1 TOTAL=1 ROTATE=4 SPLIT=1 "
                            "ELEMENT=bf16 MISALIGNED_X=1")
ROTATE4_WIDE = ("lookback", "BLOCK=16384 num_warps=8 maxnreg=128 SHIFT=0 ROTATE=4 SPLIT=1 ELEMENT=fp16 "
                            "MISALIGNED_X=1 MISALIGNED_Y=1")
# the H200's pick for a reversed 2-byte view one element in (ROTATE 4 reversed, X_LEAD), and for the
# seed's float32 odd rows (ROTATE 4 over 4-byte rows; NOTES.md 192)
ROTATE4_REVERSED = ("lookback", "BLOCK=8192 num_warps=4 maxnreg=128 SHIFT=0 REVERSE=1 ROTATE=4 SPLIT=1 "
                                "ELEMENT=bf16 X_LEAD=1")
ROTATE4_FLOAT32 = ("lookback", "BLOCK=4096 num_warps=2 SHIFT=1 TOTAL=1 ROTATE=4 SPLIT=1 MISALIGNED_X=1")
# capped variants that may spill, by as many bytes as sm_90 spilled when they were timed: ROTATE 4's
# gathers storing 16-byte vectors spill 4 and 24 bytes under 128, and its pick timed 5-6% faster
# than without them, with none (NOTES.md 176); reversed, 4 bytes (NOTES.md 192)
SPILL_ALLOWED = {ROTATE4_PICK: 4, ROTATE4_WIDE: 24, ROTATE4_REVERSED: 4}


# kernel name in benchmarks/dev/registers.py, then constexpr and launch options
VARIANTS = [
    ("row", "BLOCK=4096 num_warps=4"),
    ("column", "BLOCK_L=16 BLOCK_K=128 num_warps=4 SHIFT=1"),
    ("column", "BLOCK_L=64 BLOCK_K=32 num_warps=4"),
    ("column", "BLOCK_L=128 BLOCK_K=128 SUB=8 num_warps=8 ELEMENT=bf16 SHIFT=1"),
    ("column", "BLOCK_L=64 BLOCK_K=64 SUB=8 num_warps=2 ELEMENT=i64"),
    ("column", "BLOCK_L=32 BLOCK_K=64 num_warps=4 PREFETCH=2 ELEMENT=i64 SHIFT=1"),
    ("column", "BLOCK_L=128 BLOCK_K=128 SUB=8 num_warps=8 PREFETCH=1 ELEMENT=bf16"),
    ("reverse_row", "BLOCK=2048 num_warps=4"),
    ("reverse_row", "BLOCK=4096 num_warps=8 ELEMENT=bf16 SHIFT=0"),
    ("row", "BLOCK=16384 num_warps=8 ELEMENT=bf16 SHIFT=1 ROTATE=0"),
    ("row", "BLOCK=2048 num_warps=2 ELEMENT=bf16 ROTATE=2 PREFETCH=1"),
    ("row", "BLOCK=2048 num_warps=2 ELEMENT=bf16 ROTATE=1 SHIFT=1 TOTAL=1 PREFETCH=1"),
    ("row", "BLOCK=4096 num_warps=4 ROTATE=3 SHIFT=1 SPLIT=1 PREFETCH=1"),
    ("reverse_row", "BLOCK=4096 num_warps=8 ELEMENT=bf16 ROTATE=3 SPLIT=1"),
    ("lookback", "BLOCK=8192 num_warps=4 REVERSE=0"),
    ("lookback", "BLOCK=4096 num_warps=8 REVERSE=0 SHIFT=1 ELEMENT=i64"),
    ("lookback", "BLOCK=2048 num_warps=4 REVERSE=1 ELEMENT=fp64"),
    ("lookback", "BLOCK=4096 num_warps=2 REVERSE=0"),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=1"),
    ("lookback", "BLOCK=16384 num_warps=8 maxnreg=128 ELEMENT=bf16"),
    # OVERLAP_READ under its caps (NOTES.md 101; reversed exclusive float32 at 160 spills 16 bytes)
    ("lookback", "BLOCK=4096 num_warps=2 maxnreg=160 OVERLAP_READ=1 SHIFT=1"),
    ("lookback", "BLOCK=8192 num_warps=4 maxnreg=128 OVERLAP_READ=1 REVERSE=1 SHIFT=1 ELEMENT=bf16"),
    # OVERLAP_READ uncapped on rows cut into windows (NOTES.md 104), 2-byte windows at 168 (139)
    ("lookback", "BLOCK=4096 num_warps=2 OVERLAP_READ=1 ROTATE=3 SPLIT=1 MISALIGNED_Y=1 REVERSE=1 SHIFT=1"),
    ("lookback", "BLOCK=8192 num_warps=4 maxnreg=168 OVERLAP_READ=1 ROTATE=3 SPLIT=1 MISALIGNED_Y=1 SHIFT=1 "
                 "ELEMENT=bf16"),
    ("lookback", "BLOCK=4096 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=2 ELEMENT=bf16"),
    ("lookback", "BLOCK=4096 num_warps=4 SHIFT=1 TOTAL=1 ROTATE=1 ELEMENT=bf16"),
    ("lookback", "BLOCK=2048 num_warps=4 SHIFT=0 ROTATE=2 ELEMENT=i64"),
    ("lookback", "BLOCK=2048 num_warps=4 SHIFT=1 TOTAL=1 ROTATE=1 ELEMENT=fp64"),
    # 2-byte input windows rotated into the output's, in input rows off alignment (NOTES.md 172):
    # at 128 with the few bytes SPILL_ALLOWED gives them
    ROTATE4_PICK,
    ROTATE4_WIDE,
    ROTATE4_REVERSED,
    ROTATE4_FLOAT32,
    ("lookback", "BLOCK=4096 num_warps=4 RELOAD=1 SUB_BLOCK=512 RELOAD_STAGES=8 REVERSE=1 SHIFT=1 "
                 "INPUT=i32 ELEMENT=i64"),
    # FLAT_INNER: 8 (the default) dense rows, 0 strided, 3 rows gathered into tiles of 4 lanes
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=256 BLOCK_K=8 num_warps=2 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=1"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0 PACKED=0"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 FLAT_INNER=3"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 maxnreg=128 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 L2_AHEAD=1"),
    ("column_lookback",
     "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 maxnreg=128 ELEMENT=bf16 L2_AHEAD=1"),
    ("column_lookback",
     "BLOCK_L=2048 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 L2_AHEAD=1 BACKWARDS=1 SHIFT=1"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 L2_AHEAD=1"),
    # exclusive narrow scans stored where loaded (IN_PLACE; NOTES.md 108)
    ("column_lookback",
     "BLOCK_L=4096 BLOCK_K=2 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64 SHIFT=1 IN_PLACE=1"),
    ("column_lookback",
     "BLOCK_L=2048 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 maxnreg=128 ELEMENT=bf16 SHIFT=1 IN_PLACE=1"),
    ("column_lookback", "BLOCK_L=4096 BLOCK_K=2 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64 BACKWARDS=1 "
                        "FROM_START=4 SHIFT=1 IN_PLACE=1"),
    # exclusive and reversed 4-byte narrow scans capped at 168 registers (NOTES.md 110)
    ("column_lookback",
     "BLOCK_L=4096 BLOCK_K=2 SUB=8 num_warps=4 TRANSPOSE=1 LOOKBACK=64 SHIFT=1 IN_PLACE=1 maxnreg=168"),
    ("column_lookback", "BLOCK_L=4096 BLOCK_K=2 SUB=8 num_warps=4 TRANSPOSE=1 LOOKBACK=64 BACKWARDS=1 "
                        "FROM_START=4 SHIFT=1 IN_PLACE=1 maxnreg=168"),
    # rows of 3, 5 and 7 lanes held as whole steps in 16-byte vectors (GROUPED; NOTES.md 119), rows of
    # whole output sectors stored a sector at a time (146)
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=24 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=4"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=24 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=4 "
                        "BACKWARDS=1 FROM_START=1 SHIFT=1 IN_PLACE=1"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=12 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=2 "
                        "ELEMENT=i64 INPUT=i32 PACKED=0"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=8 TRANSPOSE=1 FLAT_INNER=5 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=20 GROUP_LOAD_VECTOR=2 GROUP_STORE_VECTOR=2 "
                        "ELEMENT=fp64 PACKED=0"),
    # GROUPED caps the pruning keeps by held bytes (NOTES.md 143): 2-byte chunks of 4096 steps at
    # 168, 8-byte sums of 1024 at 128
    ("column_lookback", "BLOCK_L=4096 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=48 GROUP_LOAD_VECTOR=8 GROUP_STORE_VECTOR=8 "
                        "ELEMENT=bf16 maxnreg=168"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=12 GROUP_LOAD_VECTOR=2 GROUP_STORE_VECTOR=2 "
                        "ELEMENT=fp64 PACKED=0 maxnreg=128"),
    # 8-byte sums over 5 lanes on 8 warps at 128 (two programs per SM; NOTES.md 145)
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=8 TRANSPOSE=1 FLAT_INNER=5 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=20 GROUP_LOAD_VECTOR=2 GROUP_STORE_VECTOR=2 "
                        "ELEMENT=fp64 PACKED=0 maxnreg=128"),
    # chunks held as PARTS flat tiles in the input's type through the look-back (NOTES.md 126)
    ("column_lookback",
     "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 maxnreg=168 ELEMENT=bf16"),
    ("column_lookback",
     "BLOCK_L=8192 BLOCK_K=2 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=4 maxnreg=128 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 maxnreg=128"),
    ("column_lookback",
     "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 maxnreg=168 ELEMENT=bf16"),
    # over 16 lanes without the early part (NOTES.md 152)
    ("column_lookback",
     "BLOCK_L=1024 BLOCK_K=16 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 maxnreg=168 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=8192 BLOCK_K=2 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=4 maxnreg=128 "
                        "ELEMENT=bf16 BACKWARDS=1 FROM_START=8 SHIFT=1 IN_PLACE=1"),
    ("column_lookback",
     "BLOCK_L=4096 BLOCK_K=2 SUB=8 num_warps=4 TRANSPOSE=1 PARTS=4 maxnreg=168 ELEMENT=i64 INPUT=i32"),
    # int32 -> int64 flat tiles on 8 warps at 128 (NOTES.md 158; the exclusive form spills nothing)
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=8 TRANSPOSE=1 LOOKBACK=64 maxnreg=128 "
                        "INPUT=i32 ELEMENT=i64 PACKED=0 SHIFT=1 IN_PLACE=1"),
    # reversed narrow scans: flat and dense tiles walked backwards
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 BACKWARDS=1 SHIFT=1"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0 BACKWARDS=1"),
    # strided inputs (8 of every 16 lanes) loaded flat, forwards and reversed, and in the run layout
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 INPUT_STEP=16 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=8 num_warps=4 TRANSPOSE=1 LOOKBACK=64 maxnreg=168 "
                        "INPUT_STEP=-16 BACKWARDS=1 SHIFT=1"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=2 num_warps=4 INPUT_STEP=16 ELEMENT=bf16"),
]

# every operator but the sum (whose variants are above) on every family and its main paths: the
# interpreter runs what the code generator may reject (a combine's infinities, float64 exp and log,
# a max's NaN rule; the min is the max's mirror); a max's int8 identity (-128) too
OPERATOR_FORMS = [
    ("row", "BLOCK=4096 num_warps=4 SHIFT=1"),
    ("reverse_row", "BLOCK=4096 num_warps=8 ELEMENT=bf16"),
    ("column", "BLOCK_L=64 BLOCK_K=32 num_warps=4 SHIFT=1"),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=1"),
    ("lookback", "BLOCK=2048 num_warps=4 ELEMENT=fp64"),
    ("lookback", "BLOCK=4096 num_warps=2 OVERLAP_READ=1 ROTATE=3 SPLIT=1 MISALIGNED_Y=1 REVERSE=1 SHIFT=1"),
    ("lookback", "BLOCK=8192 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=2"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64 BACKWARDS=1"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=1 SHIFT=1"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=8 num_warps=8 TRANSPOSE=1 FLAT_INNER=7 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=56 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=4 "
                        "SHIFT=1 IN_PLACE=1"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 "
                        "ELEMENT=bf16"),
]
INT8_MAXIMA = [("row", "BLOCK=4096 num_warps=4 SHIFT=1 ELEMENT=i8 OPERATOR=max"),
               ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=1 ELEMENT=i8 OPERATOR=max")]
OPERATOR_VARIANTS = INT8_MAXIMA + [(kernel, f"{options} OPERATOR={operator}")
                                   for operator in ("product", "logsumexp", "max")
                                   for kernel, options in OPERATOR_FORMS]

# the largest tile of each kernel's configs, for the A100 (sm_80) and the seed's RTX 4090 (sm_89),
# whose blocks get less shared memory than an H100's (benchmarks/dev/compile_all.py compiles them all)
LARGEST = [
    ("row", "BLOCK=8192 num_warps=8"),
    ("row", "BLOCK=16384 num_warps=8 ELEMENT=bf16"),
    ("row", "BLOCK=16384 num_warps=8 ELEMENT=bf16 ROTATE=3 SPLIT=1 PREFETCH=2"),
    ("row", "BLOCK=16384 num_warps=8 ELEMENT=bf16 ROTATE=1 SHIFT=1 TOTAL=1 PREFETCH=2"),
    ("reverse_row", "BLOCK=8192 num_warps=8"),
    ("column", "BLOCK_L=8 BLOCK_K=256 num_warps=4"),
    ("column", "BLOCK_L=128 BLOCK_K=128 SUB=8 num_warps=8 ELEMENT=fp64"),
    ("column", "BLOCK_L=64 BLOCK_K=256 num_warps=8 PREFETCH=1"),
    ("lookback", "BLOCK=8192 num_warps=8 REVERSE=1"),
    ("lookback", "BLOCK=16384 num_warps=8 maxnreg=128 ELEMENT=bf16"),
    ("lookback", "BLOCK=8192 num_warps=4 maxnreg=128 OVERLAP_READ=1 REVERSE=1 SHIFT=1 ELEMENT=bf16"),
    ("lookback", "BLOCK=4096 num_warps=2 OVERLAP_READ=1 ROTATE=3 SPLIT=1 MISALIGNED_Y=1 SHIFT=1"),
    ("lookback", "BLOCK=8192 num_warps=4 OVERLAP_READ=1 ROTATE=3 SPLIT=1 MISALIGNED_Y=1 SHIFT=1 "
                 "ELEMENT=bf16"),
    ("lookback", "BLOCK=8192 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=2"),
    ("lookback", "BLOCK=16384 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=1 ELEMENT=bf16"),
    ("lookback", "BLOCK=8192 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=1"),
    ("lookback", "BLOCK=16384 num_warps=8 SHIFT=1 TOTAL=1 ROTATE=4 SPLIT=1 ELEMENT=bf16 MISALIGNED_X=1"),
    ("lookback", "BLOCK=8192 num_warps=4 RELOAD=1 SUB_BLOCK=1024 RELOAD_STAGES=8 INPUT=i32 ELEMENT=i64"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=32 BLOCK_K=256 SUB=8 num_warps=8 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 maxnreg=128 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 L2_AHEAD=1 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 INPUT_STEP=16 ELEMENT=fp64 "
                        "PACKED=0"),
    ("column_lookback",
     "BLOCK_L=512 BLOCK_K=16 SUB=8 num_warps=4 TRANSPOSE=1 LOOKBACK=64 BACKWARDS=1 SHIFT=1 maxnreg=168"),
    # held PARTS chunks of 2-byte input, 32 KiB each (the largest column tiles)
    ("column_lookback", "BLOCK_L=8192 BLOCK_K=2 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 "
                        "maxnreg=168 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 "
                        "maxnreg=168 BACKWARDS=1 SHIFT=1 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 EARLY_PART=1 "
                        "maxnreg=168 INPUT=fp16 ELEMENT=fp32"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=16 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 maxnreg=168 "
                        "BACKWARDS=1 SHIFT=1 ELEMENT=bf16"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=8 num_warps=8 TRANSPOSE=1 FLAT_INNER=7 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=56 GROUP_LOAD_VECTOR=4 GROUP_STORE_VECTOR=4 "
                        "SHIFT=1 IN_PLACE=1"),
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=4 SUB=8 num_warps=8 TRANSPOSE=1 FLAT_INNER=3 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=12 GROUP_LOAD_VECTOR=2 GROUP_STORE_VECTOR=2 "
                        "ELEMENT=fp64 PACKED=0"),
    # the most bytes a thread holds that the GROUPED pruning keeps (224: 7 bfloat16 lanes, 4 warps)
    ("column_lookback", "BLOCK_L=2048 BLOCK_K=8 SUB=8 num_warps=4 TRANSPOSE=1 FLAT_INNER=7 GROUPED=1 "
                        "GROUPED_OK=1 GROUP_ROW=112 GROUP_LOAD_VECTOR=8 GROUP_STORE_VECTOR=8 "
                        "ELEMENT=bf16"),
    ("column_lookback",
     "BLOCK_L=2048 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 PARTS=2 maxnreg=168 ELEMENT=bf16"),
    ("column_lookback",
     "BLOCK_L=4096 BLOCK_K=2 SUB=8 num_warps=4 TRANSPOSE=1 PARTS=4 maxnreg=168 ELEMENT=i64 INPUT=i32"),
]

# per variant: arch, kernel, registers, bytes spilled, shared memory, its limit, L2 prefetches, and
# fills of 32-bit registers by a constant wider than 32 bits (test_masked_narrow_integer_loads_...)
SCRIPT = """
import re, sys
sys.path.insert(0, {benchmarks!r})
import registers
for arch in {archs!r}:
    for kernel, options in {variants!r}:
        meta = registers.parse_options(options.split())
        used, spilled, shared = registers.compile_info(kernel, arch, **meta)
        prefetches = registers.LAST_PTX[0].count("prefetch.global.L2")
        fills = len(re.findall(r"mov\\.[bu]32 %r\\d+, 0x[0-9a-f]{{9,}};", registers.LAST_PTX[0]))
        limit = registers.SHARED_LIMIT[arch]
        print(arch, kernel, used, spilled, shared, limit, prefetches, fills, flush=True)
"""


def run_compiling(script: str) -> str:
    """The standard output of `script` run in a child process without TRITON_INTERPRET, so that
    Triton compiles (benchmarks/dev on its path, through the scripts' own insert)."""
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def compile_lines(variants, archs) -> list[list[str]]:
    script = SCRIPT.format(benchmarks=str(ROOT / "benchmarks" / "dev"), variants=variants, archs=archs)
    lines = [line.split() for line in run_compiling(script).splitlines()]
    assert len(lines) == len(variants) * len(archs)
    return lines


def test_every_variant_compiles_for_sm90():
    """Within the register and shared-memory limits; configs capped at 128 registers (maxnreg) also
    without spills (but the bytes SPILL_ALLOWED gives), for the element sizes their pruning keeps
    them for."""
    lines = compile_lines(VARIANTS, [90])
    for variant, line in zip(VARIANTS, lines, strict=True):
        options = variant[1]
        arch, kernel, used, spilled, shared, limit, prefetches, _fills = line
        assert 0 < int(used) <= 255 and int(shared) <= int(limit), (arch, kernel, used, shared)
        if "maxnreg" in options:
            assert int(spilled) <= SPILL_ALLOWED.get(variant, 0), (kernel, options, spilled)
        # L2_AHEAD's prefetches are in the PTX, and only there
        assert (int(prefetches) > 0) == ("L2_AHEAD=1" in options), (kernel, options, prefetches)


# the row look-back's picks for one-word (float32) and two-word (float64) sums, with windows of 32 and
# more predecessors (NOTES.md 238)
HOP_VARIANTS = [("lookback", f"BLOCK=4096 num_warps=2 maxnreg=160 OVERLAP_READ=1 LOOKBACK={lookback}")
                for lookback in (32, 64, 128)]
HOP_VARIANTS += [("lookback", f"BLOCK=2048 num_warps=4 ELEMENT=fp64 LOOKBACK={lookback}")
                 for lookback in (32, 64)]

HOP_SCRIPT = """
import sys
sys.path.insert(0, {benchmarks!r})
import hop_counts, registers
for kernel, options in {variants!r}:
    compiled = registers.compile_variant(kernel, 90, **registers.parse_options(options.split()))
    print(hop_counts.hop_counts(compiled.asm["ptx"])["bar.sync"], flush=True)
"""


def test_lookback_windows_stay_within_warps():
    """The row look-back's hop (a window's read to the chunk's publish) takes no more barriers for a
    window of 64 or 128 predecessors than for one of 32, and none for one-word sums: each warp
    window of 32 is reduced within its warp (lookback/row.py's WARP_WINDOW, NOTES.md 238)."""
    script = HOP_SCRIPT.format(benchmarks=str(ROOT / "benchmarks" / "dev"), variants=HOP_VARIANTS)
    barriers = dict(zip(HOP_VARIANTS, map(int, run_compiling(script).split()), strict=True))
    one_word = [barriers[variant] for variant in HOP_VARIANTS[:3]]
    two_words = [barriers[variant] for variant in HOP_VARIANTS[3:]]
    assert one_word == [0, 0, 0], one_word
    assert two_words[1] <= two_words[0], two_words


@pytest.mark.parametrize("operator", ["product", "logsumexp", "max"])
def test_every_operator_compiles_for_sm90(operator):
    """Products, log-sum-exps and maxima (int8 ones too) compile on every family, within the
    register and shared-memory limits; a process per operator, so that CI's workers share them."""
    variants = [variant for variant in OPERATOR_VARIANTS if variant[1].endswith(f"OPERATOR={operator}")]
    assert len(variants) == len(OPERATOR_FORMS) + (len(INT8_MAXIMA) if operator == "max" else 0)
    for arch, kernel, used, _spilled, shared, limit, _prefetches, _fills in compile_lines(variants, [90]):
        assert 0 < int(used) <= 255 and int(shared) <= int(limit), (arch, kernel, used, shared)


# masked loads of 1- and 2-byte integers whose `other` (a max's identity) is negative, on every family
NARROW_MAXIMA = [("row", "BLOCK=4096 num_warps=4 ELEMENT=i8 OPERATOR=max"),
                 ("reverse_row", "BLOCK=4096 num_warps=4 ELEMENT=i16 OPERATOR=max"),
                 ("column", "BLOCK_L=64 BLOCK_K=32 num_warps=4 ELEMENT=i8 OPERATOR=max"),
                 ("lookback", "BLOCK=2048 num_warps=4 REVERSE=1 SPLIT=1 ELEMENT=i8 OPERATOR=max"),
                 ("lookback", "BLOCK=2048 num_warps=4 REVERSE=1 SPLIT=1 ELEMENT=i16 OPERATOR=max INDICES=1"),
                 ("column_lookback",
                  "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 ELEMENT=i8 OPERATOR=max")]


def test_masked_narrow_integer_loads_fill_whole_registers():
    """Triton 3.6 fills a masked vector load's registers with a negative 1- or 2-byte `other`
    sign-extended to 32 bits (`mov.u32 %r, 0xffffffffffffff80` for -128: bytes -128, -1, -1, -1),
    which made a reversed int8 max on the GPU read -1 past a row's end (NOTES.md 138). The kernels
    load those with tiles._load_or: no such fill is compiled on any family."""
    lines = compile_lines(NARROW_MAXIMA, [90])
    assert all(line[-1] == "0" for line in lines), lines


@pytest.mark.parametrize("target", [80, 89], ids=["a100", "rtx4090"])
def test_largest_tiles_fit_an_a100_and_an_rtx_4090(target):
    """Shared memory per block within sm_80's and sm_89's limits, and no spills: the autotune
    spaces stay valid on the seed's GPU and the A100, not only on Hopper."""
    for arch, kernel, used, spilled, shared, limit, _prefetches, _fills in compile_lines(LARGEST, [target]):
        assert 0 < int(used) <= 255 and 0 < int(shared) <= int(limit), (arch, kernel, used, shared)
        assert int(spilled) == 0, (arch, kernel, spilled)


def test_reversed_blocks_and_tiles_cost_the_registers_of_forward_ones():
    """A reversed block is a forward one with its runs turned around in registers (NOTES.md 42),
    and a reversed flat narrow tile is held in memory order (43): each compiles to about the
    forward kernel's registers, where the 2-D forms they replace took 239 against 168 and 188
    against 164, one program per SM fewer. The look-back's reversed offsets as one XOR (NOTES.md
    168) take 198 against 189 here, uncapped and unspilled (the arithmetic form took 184): within
    12."""
    kernels = {"lookback": ("BLOCK=8192 num_warps=4 SHIFT=0", "REVERSE"),
               "column_lookback": ("BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 SHIFT=1",
                                   "BACKWARDS")}
    variants = [(kernel, f"{options} {flag}={value}") for kernel, (options, flag) in kernels.items()
                for value in (1, 0)]
    used = [int(line[2]) for line in compile_lines(variants, [90])]
    for index, kernel in enumerate(kernels):
        backwards, forwards = used[2 * index], used[2 * index + 1]
        assert backwards <= forwards + 12, (kernel, backwards, forwards)


def test_forward_widening_chunks_are_scanned_in_the_loads_runs():
    """int32 summed into int64 over the row look-back's forward chunks, in place (ROTATE 0) and in
    windows of rows sharing a phase (ROTATE 3): the scan held in the load's runs of 4 (HOLD_RUNS,
    NOTES.md 166, 167) fits the 80 registers the tuning caps it at; scanned in the store's pairs it
    spilled 16 and 12 bytes, 44 and 40 exclusive (sm_90)."""
    variants = [("lookback", f"BLOCK=2048 num_warps=4 maxnreg=80 SPLIT=1 ROTATE={rotate} INPUT=i32 "
                             f"ELEMENT=i64 SHIFT={shift}") for rotate in (0, 3) for shift in (0, 1)]
    for (_kernel, options), line in zip(variants, compile_lines(variants, [90]), strict=True):
        assert int(line[3]) <= 8, (options, line[3])


def test_reversed_windows_hold_their_runs_without_spills():
    """Reversed 2-byte windows of rows sharing a phase (ROTATE 3, [8192] at 128, 4 odd rows' pick)
    load in one form (tiles._load_window_vectors, each run's vector start from the arange) and
    spill nothing, with or without OVERLAP_READ; in two forms they spilled 354 bytes there, and
    the XOR'd offsets without the statement that their runs are contiguous split every access into
    elements (NOTES.md 168, 180). At 168 registers ptxas spills 8-96 bytes of the same code: the
    autotuner has taken 128 since (section 182)."""
    variants = [("lookback", f"BLOCK=8192 num_warps=4 maxnreg=128 SPLIT=1 {overlap} ROTATE=3 "
                             f"ELEMENT=bf16 REVERSE=1 SHIFT={shift}")
                for overlap in ("", "OVERLAP_READ=1") for shift in (0, 1)]
    for (_kernel, options), line in zip(variants, compile_lines(variants, [90]), strict=True):
        assert int(line[3]) == 0, (options, line[3])


def test_reversed_8_byte_element_loads_fit_the_96_register_cap():
    """8-byte inputs off 16-byte alignment (1-D x[1:]) load element by element (ROTATE 0); their
    reversed chunks, [2048] capped at 96 as tuned, spill 12-20 bytes with the arithmetic offsets
    (lookback/row.py _chunk_offsets) where the XOR form spilled 188-220 and timed 8-15% slower
    (NOTES.md 211); within 4 bytes of the forward chunk's spills."""
    variants = [("lookback", f"BLOCK=2048 num_warps=4 maxnreg=96 SPLIT=1 MISALIGNED_BASE=1 MISALIGNED_X=1 "
                             f"ELEMENT={element} SHIFT={shift} REVERSE={reverse}")
                for element in ("i64", "fp64") for shift in (0, 1) for reverse in (1, 0)]
    lines = compile_lines(variants, [90])
    for index in range(0, len(variants), 2):
        backwards, forwards = int(lines[index][3]), int(lines[index + 1][3])
        assert backwards <= forwards + 4, (variants[index][1], backwards, forwards)


def test_reversed_widened_chunks_in_the_stores_runs_fit_the_80_register_cap():
    """Reversed int32 -> int64 chunks in place, [2048] split at the cap of 80 as tuned, are held in
    runs of the output's pairs (registry.block_run): 0 and 32 bytes spilled (inclusive, exclusive)
    where runs of the input's 4 spilled 52 and 68 (NOTES.md 214, 219)."""
    variants = [("lookback", f"BLOCK=2048 num_warps=4 maxnreg=80 SPLIT=1 ELEMENT=i64 INPUT=i32 REVERSE=1 "
                             f"RUN={run} SHIFT={shift}") for shift in (0, 1) for run in (2, 4)]
    lines = compile_lines(variants, [90])
    for index in range(0, len(variants), 2):
        pairs, fours = int(lines[index][3]), int(lines[index + 1][3])
        assert pairs <= 32 and pairs < fours, (variants[index][1], pairs, fours)


# a max scan's indices beside its values (INDICES, NOTES.md 135): per element type, the config of
# most elements per thread and most blocks (tiles) ahead that the pruning keeps for them
INDEXED = [
    ("row", "BLOCK=8192 num_warps=8 PREFETCH=1 SHIFT=0 TOTAL=0 ROTATE=0 INDICES=1 OPERATOR=max"),
    ("row", "BLOCK=4096 num_warps=8 PREFETCH=1 SHIFT=0 TOTAL=0 ROTATE=0 INDICES=1 OPERATOR=max ELEMENT=fp64"),
    ("column", "BLOCK_L=64 BLOCK_K=256 num_warps=8 PREFETCH=0 INDICES=2 OPERATOR=max"),
    ("column", "BLOCK_L=64 BLOCK_K=128 num_warps=8 PREFETCH=0 INDICES=1 OPERATOR=max ELEMENT=fp64"),
    # the row look-back's int64 selection keys, 16 a thread (NOTES.md 137)
    ("lookback", "BLOCK=4096 num_warps=8 SPLIT=1 INDICES=1 OPERATOR=max"),
    ("lookback", "BLOCK=4096 num_warps=8 SPLIT=1 ROTATE=3 INDICES=1 OPERATOR=min REVERSE=1 ELEMENT=bf16"),
]


def test_indexed_configs_the_pruning_keeps_do_not_spill():
    """The pruning counts an int32 candidate per element with INDICES: the largest configs it keeps
    compile for sm_90 without spills, and the next larger ones are dropped."""
    import torch
    import triton.language as tl

    from triscan.kernels.column import column_scan_kernel
    from triscan.kernels.row import ROW_SCAN_CONFIGS, row_scan_kernel

    def kept(prune, configs, dtype, accumulator, **buckets):
        x = torch.empty(1, dtype=dtype)
        return {(tuple(sorted(config.kwargs.items())), config.num_warps)
                for config in prune(configs, {"x_ptr": x, "y_ptr": x, **buckets}, INDICES=1,
                                    ACC_DTYPE=accumulator)}

    prune_row_configs = row_scan_kernel.early_config_prune
    row = lambda block, prefetch, warps: ((("BLOCK", block), ("PREFETCH", prefetch)), warps)  # noqa: E731
    rows = kept(prune_row_configs, ROW_SCAN_CONFIGS, torch.float32, tl.float32, LENGTH_BUCKET=1 << 20)
    assert row(8192, 1, 8) in rows and row(8192, 2, 8) not in rows
    wide = kept(prune_row_configs, ROW_SCAN_CONFIGS, torch.float64, tl.float64, LENGTH_BUCKET=1 << 20)
    assert row(4096, 1, 8) in wide and row(4096, 1, 4) not in wide
    columns = kept(column_scan_kernel.early_config_prune, column_scan_kernel.configs, torch.float64,
                   tl.float64, LENGTH_BUCKET=1 << 20, INNER_BUCKET=1 << 20)
    tiles = [dict(config)["BLOCK_L"] * dict(config)["BLOCK_K"] // (32 * warps) for config, warps in columns]
    assert max(tiles) == 32
    from triscan.kernels.lookback.row import lookback_scan_kernel
    chunks = {dict(config)["BLOCK"] // (32 * warps) for config, warps in kept(
        lookback_scan_kernel.early_config_prune, lookback_scan_kernel.configs, torch.float32, tl.int64,
        ROTATE=0, LENGTH_ALIGNED=1)}
    assert chunks == {16}  # keys a thread
    for arch, kernel, used, spilled, _shared, _limit, _prefetches, _fills in compile_lines(INDEXED, [90]):
        assert 0 < int(used) <= 255 and int(spilled) == 0, (arch, kernel, used, spilled)
