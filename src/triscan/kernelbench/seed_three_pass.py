"""The seed's "current code", re-implemented as a labelled benchmark baseline.

Same approach as the seed task's starting point, written here from its description:
materialise ``cat((zeros, x), dim)[:-1]`` with torch, then an inclusive scan of each
row in three passes -- per-block scans with block sums (Triton), ``torch.cumsum`` of
the block sums, and an add pass (Triton). It moves far more bytes than one pass; that
is the point of keeping it.
"""

import torch
import triton
import triton.language as tl


@triton.jit
def block_scan_kernel(x_ptr, y_ptr, block_sums_ptr, length, blocks_per_row, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    block = tl.program_id(1)
    offsets = block * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < length
    x = tl.load(x_ptr + row * length + offsets, mask=mask, other=0.0)
    tl.store(y_ptr + row * length + offsets, tl.cumsum(x, 0), mask=mask)
    tl.store(block_sums_ptr + row * blocks_per_row + block, tl.sum(x, 0))


@triton.jit
def add_prefix_kernel(y_ptr, prefix_ptr, length, blocks_per_row, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    block = tl.program_id(1)
    offsets = block * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < length
    prefix = tl.load(prefix_ptr + row * blocks_per_row + block)
    values = tl.load(y_ptr + row * length + offsets, mask=mask, other=0.0)
    tl.store(y_ptr + row * length + offsets, values + prefix, mask=mask)


def inclusive_rows(x: torch.Tensor, block: int = 1024) -> torch.Tensor:
    """Inclusive cumsum along the last dim of a contiguous 2-D tensor, in three passes."""
    rows, length = x.shape
    out = torch.empty_like(x)
    blocks_per_row = triton.cdiv(length, block)
    block_sums = torch.empty(rows, blocks_per_row, device=x.device, dtype=x.dtype)
    block_scan_kernel[(rows, blocks_per_row)](x, out, block_sums, length, blocks_per_row, BLOCK=block)
    prefix = torch.cumsum(block_sums, dim=1) - block_sums
    add_prefix_kernel[(rows, blocks_per_row)](out, prefix, length, blocks_per_row, BLOCK=block)
    return out


def seed_three_pass(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed baseline: torch.cat, then the three-pass scan (moving `dim` last if needed)."""
    dim = dim % x.dim()
    zeros = torch.zeros_like(x.select(dim, 0).unsqueeze(dim))
    shifted = torch.cat((zeros, x), dim=dim)[:-1]
    moved = shifted.movedim(dim, -1).contiguous()
    out = inclusive_rows(moved.view(-1, moved.shape[-1])).view(moved.shape)
    return out.movedim(-1, dim)
