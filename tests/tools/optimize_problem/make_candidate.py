"""Candidate answers for the scripted agent: ModelNew computing x * 2 + ADD with blocks of BLOCK
elements (ADD != 1 is wrong; `fallback` adds a try/except the static rules forbid)."""

KERNEL = '''import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def double_plus_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(x_ptr + offsets, mask=offsets < n)
    tl.store(y_ptr + offsets, x * 2 + ADD, mask=offsets < n)


def double_plus(x):
    y = torch.empty_like(x)
    double_plus_kernel[(triton.cdiv(x.numel(), BLOCK),)](x, y, x.numel(), BLOCK=BLOCK)
    return y


class ModelNew(nn.Module):
    def forward(self, x):
'''


def candidate(block: int, add: float = 1.0, fallback: bool = False) -> str:
    if fallback:
        forward = ("        try:\n            return double_plus(x)\n        except RuntimeError:\n"
                   "            return x * 2 + 1\n")
    else:
        forward = "        return double_plus(x)\n"
    return KERNEL.replace("ADD", repr(add)).replace("BLOCK)", f"{block})").replace("BLOCK=BLOCK",
                                                                                   f"BLOCK={block}") + forward
