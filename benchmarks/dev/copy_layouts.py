"""Copy kernels with the narrow-K look-back's tile layouts (dev tool): is the access pattern of
runs of SUB steps per thread ([BLOCK_L // SUB, SUB, K] tiles, each warp instruction touching 16
separate 32-byte sectors) slower than coalesced [BLOCK] tiles at the same programs per SM?
Persistent programs, one chunk of BLOCK_L * K elements per step, 4 warps; same process, with a
device copy of the same bytes.

With --rows, GROUPED's pattern instead (lookback/column.py, NOTES.md 119-122): each thread holds
whole rows of VECTORS 16-byte vectors, every load of a chunk issued before its stores, so a warp
instruction's 16-byte accesses lie 16 * VECTORS bytes apart; against flat chunks of the same
bytes, at 2-8 programs per SM (the look-back's GROUPED picks run 3-5):

    python benchmarks/dev/copy_layouts.py --rows
"""

import argparse
import math

import torch
import triton
import triton.language as tl
from triton.testing import do_bench

from triscan.kernels.tiles import _run_steps


@triton.jit
def copy_runs_kernel(x_ptr, y_ptr, chunks, BLOCK_L: tl.constexpr, K: tl.constexpr, SUB: tl.constexpr):
    offsets = _run_steps(BLOCK_L, SUB) * K + tl.arange(0, K)[None, None, :]  # [BLOCK_L // SUB, SUB, K]
    for chunk in range(tl.program_id(0), chunks, tl.num_programs(0)):
        base = chunk.to(tl.int64) * (BLOCK_L * K)
        tl.store(y_ptr + base + offsets, tl.load(x_ptr + base + offsets))


@triton.jit
def copy_flat_kernel(x_ptr, y_ptr, chunks, BLOCK: tl.constexpr):
    offsets = tl.arange(0, BLOCK)
    for chunk in range(tl.program_id(0), chunks, tl.num_programs(0)):
        base = chunk.to(tl.int64) * BLOCK
        tl.store(y_ptr + base + offsets, tl.load(x_ptr + base + offsets))


@triton.jit
def copy_rows_kernel(x_ptr, y_ptr, chunks, ROWS: tl.constexpr, VECTOR: tl.constexpr, VECTORS: tl.constexpr):
    ROW: tl.constexpr = VECTORS * VECTOR
    offsets = tl.arange(0, ROWS)[:, None] * ROW + tl.arange(0, VECTOR)[None, :]  # [ROWS, VECTOR]
    for chunk in range(tl.program_id(0), chunks, tl.num_programs(0)):
        base = chunk.to(tl.int64) * (ROWS * ROW)
        loaded = ()
        for vector in tl.static_range(VECTORS):
            loaded = loaded + (tl.load(x_ptr + base + offsets + vector * VECTOR),)
        for vector in tl.static_range(VECTORS):
            tl.store(y_ptr + base + offsets + vector * VECTOR, loaded[vector])


def rows_pattern(rows: int = 512) -> None:
    """GROUPED's access pattern against flat chunks of the same bytes, per lanes and dtype."""
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    for lanes in (3, 5):
        for dtype in (torch.float32, torch.bfloat16):
            vector = 16 // dtype.itemsize
            vectors = lanes // math.gcd(lanes, vector)
            chunk = rows * vectors * vector
            chunks = (1 << 30) // (chunk * dtype.itemsize)
            x = torch.rand(chunks * chunk, device="cuda").to(dtype)
            y = torch.empty_like(x)
            copy = do_bench(lambda x=x, y=y: y.copy_(x), warmup=25, rep=100, return_mode="median")
            flat_block = 1 << (chunk - 1).bit_length()  # the next power of two: a little more per chunk
            flat_chunks = x.numel() // flat_block
            line = f"K={lanes} {str(dtype)[6:]} ({chunk * dtype.itemsize // 1024} KiB chunks):"
            for per_sm in (2, 3, 4, 5, 6, 8):
                grid = (per_sm * sms,)
                rows_ms = do_bench(lambda grid=grid, x=x, y=y, chunks=chunks, vector=vector, vectors=vectors:
                                   copy_rows_kernel[grid](x, y, chunks, ROWS=rows, VECTOR=vector,
                                                          VECTORS=vectors, num_warps=4),
                                   warmup=25, rep=100, return_mode="median")
                flat_ms = do_bench(lambda grid=grid, x=x, y=y, flat_chunks=flat_chunks, flat_block=flat_block:
                                   copy_flat_kernel[grid](x, y, flat_chunks, BLOCK=flat_block, num_warps=4),
                                   warmup=25, rep=100, return_mode="median")
                line += (f"  {per_sm}/SM rows {100 * copy / rows_ms:5.1f}%"
                         f" flat {100 * copy * flat_chunks * flat_block / x.numel() / flat_ms:5.1f}%")
            print(line, flush=True)
            copy_rows_kernel[(sms,)](x, y, chunks, ROWS=rows, VECTOR=vector, VECTORS=vectors, num_warps=4)
            assert torch.equal(x, y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", action="store_true", help="GROUPED's pattern (thread-held rows of vectors)")
    if parser.parse_args().rows:
        rows_pattern()
        return
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    length, inner, block_l = 1 << 27, 8, 1024
    x = torch.rand(length * inner, device="cuda")
    y = torch.empty_like(x)
    chunks = length // block_l
    copy = do_bench(lambda: y.copy_(x), warmup=25, rep=200, return_mode="median")
    print(f"{torch.cuda.get_device_name()}: torch copy {copy:.4f} ms", flush=True)
    for per_sm in (2, 3, 4, 8):
        grid = (per_sm * sms,)
        flat = do_bench(lambda grid=grid: copy_flat_kernel[grid](x, y, chunks, BLOCK=block_l * inner,
                                                                  num_warps=4),
                        warmup=25, rep=200, return_mode="median")
        line = f"{per_sm} programs/SM: flat [8192] {100 * copy / flat:5.1f}%"
        for sub in (1, 2, 4, 8, 16):
            ms = do_bench(lambda sub=sub, grid=grid: copy_runs_kernel[grid](x, y, chunks, BLOCK_L=block_l,
                                                                             K=inner, SUB=sub, num_warps=4),
                          warmup=25, rep=200, return_mode="median")
            line += f"  runs SUB {sub:2d} {100 * copy / ms:5.1f}%"
        print(line, flush=True)
    assert torch.equal(x, y)


if __name__ == "__main__":
    main()
