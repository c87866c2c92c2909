"""Copy kernels with the narrow-K look-back's tile layouts (dev tool): is the access pattern of
runs of SUB steps per thread ([BLOCK_L // SUB, SUB, K] tiles, each warp instruction touching 16
separate 32-byte sectors) slower than coalesced [BLOCK] tiles at the same programs per SM?
Persistent programs, one chunk of BLOCK_L * K elements per step, 4 warps; same process, with a
device copy of the same bytes.
"""

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


def main():
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
