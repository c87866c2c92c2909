"""Does where the output lies, relative to the input, change a kernel's speed? (dev tool; NOTES.md
56: dim 0 int64 exclusive columns read 71% of copy where inclusive ones and float64 read 93%, with
the same PTX.) Times one fixed config of the plan's kernel with the output placed at several byte
offsets into one larger allocation, and the input copied to several offsets likewise.

    python benchmarks/dev/output_offsets.py --dtype int64 --shape 4096 32768 --dim 0 --exclusive \
        --meta '{"BLOCK_L": 16, "BLOCK_K": 32, "SUB": 4, "num_warps": 2, "num_stages": 1}'
"""

import argparse
import json

import torch
from fixed_launch import copy_ms, launch_fixed, plan_for_call
from triton.testing import do_bench

from triscan.testing.tolerance import random_input

OFFSETS = (0, 4096, 65536, 1 << 20, 3 << 20, 1 << 25)  # bytes


def placed(like: torch.Tensor, offset: int) -> torch.Tensor:
    """An uninitialised tensor like `like` starting `offset` bytes into an allocation of its own."""
    nbytes = like.numel() * like.element_size()
    buffer = torch.empty(nbytes + offset, dtype=torch.uint8, device=like.device)
    return buffer[offset:offset + nbytes].view(like.dtype).view(like.shape)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="int64")
    parser.add_argument("--shape", type=int, nargs="+", default=[4096, 32768])
    parser.add_argument("--dim", type=int, default=0)
    parser.add_argument("--exclusive", action="store_true")
    parser.add_argument("--meta", required=True, help="the config, a JSON object")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    meta = json.loads(args.meta)
    source = random_input(args.shape, dtype, "cuda")
    shift = 1 if args.exclusive else 0
    # an exclusive scan's output has the input's shape: the plan scans L - 1 positions into L
    plan = plan_for_call(source.narrow(args.dim, 0, source.shape[args.dim] - shift), args.dim, shift)
    roofline = copy_ms(2 * source.numel() * source.element_size())
    print(f"{args.shape} {args.dtype} dim {args.dim} exclusive={args.exclusive} {meta}: "
          f"copy {roofline:.4f} ms", flush=True)
    for input_offset in (0, 65536):
        x = placed(source, input_offset)
        x.copy_(source)
        x_scanned = x.narrow(args.dim, 0, x.shape[args.dim] - shift)
        for output_offset in OFFSETS:
            y = placed(source, output_offset)
            launch_fixed(plan, x_scanned, y, **meta)
            ms = do_bench(lambda x=x_scanned, y=y: launch_fixed(plan, x, y, **meta), warmup=10, rep=50,
                          return_mode="median")
            print(f"  input +{input_offset:>8} B, output +{output_offset:>9} B: {ms:.4f} ms "
                  f"{100 * roofline / ms:5.1f}% of copy", flush=True)
            del y
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
