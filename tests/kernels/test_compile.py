"""Every kernel variant compiles for the H100 (sm_90), on any machine: the interpreter runs
Python semantics and misses what only Triton's code generator rejects (for example returns of
different types after a constexpr branch). Compiles to PTX and runs ptxas offline through
benchmarks/dev/registers.py, in a child process without TRITON_INTERPRET."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent.parent

# kernel name in benchmarks/dev/registers.py, then constexpr and launch options
VARIANTS = [
    ("row", "BLOCK=4096 num_warps=4"),
    ("column", "BLOCK_L=16 BLOCK_K=128 num_warps=4 SHIFT=1"),
    ("column", "BLOCK_L=64 BLOCK_K=32 num_warps=4"),
    ("reverse_row", "BLOCK=2048 num_warps=4"),
    ("lookback", "BLOCK=8192 num_warps=4 REVERSE=0"),
    ("lookback", "BLOCK=4096 num_warps=2 REVERSE=0"),
    ("lookback", "BLOCK=4096 num_warps=4 REVERSE=1 SHIFT=1"),
    # FLAT_INNER: 8 (the default) dense rows, 0 strided, 3 rows gathered into tiles of 4 lanes
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=256 BLOCK_K=8 num_warps=2 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=0"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 FLAT_INNER=0 WIDE_OFFSETS=1"),
    ("column_lookback", "BLOCK_L=512 BLOCK_K=8 num_warps=4 WIDE_OFFSETS=0 PACKED=0"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=8 SUB=16 num_warps=4 TRANSPOSE=1 LOOKBACK=64"),
    ("column_lookback", "BLOCK_L=1024 BLOCK_K=4 SUB=16 num_warps=4 TRANSPOSE=1 FLAT_INNER=3"),
]

SCRIPT = """
import sys
sys.path.insert(0, {benchmarks!r})
import registers
for kernel, options in {variants!r}:
    meta = {{key: int(value) for key, value in (pair.split("=") for pair in options.split())}}
    used, spilled = registers.registers(kernel, **meta)
    print(kernel, options, used, spilled, flush=True)
"""


def test_every_variant_compiles_for_sm90():
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    script = SCRIPT.format(benchmarks=str(ROOT / "benchmarks" / "dev"), variants=VARIANTS)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == len(VARIANTS)
    for line in lines:
        used = int(line.split()[-2])
        assert 0 < used <= 255, line
