"""Interpreter check of the ALIGNED_STORE candidate (dev/candidates/column-aligned-stores.patch,
NOTES.md 147 item 6): the column scan over odd lane counts at dim 0, every op, five dtypes, against
the float64 reference (dev tool). With the patch applied:

    TRITON_INTERPRET=1 python benchmarks/dev/aligned_store_check.py
"""

import os
import sys

os.environ.setdefault("TRITON_INTERPRET", "1")

import torch  # noqa: E402

import triscan.explain  # noqa: E402, F401  (plan_of)
from triscan.kernels import registry  # noqa: E402
from triscan.tools import matrix  # noqa: E402

# lane tiles of two 16-byte vectors at least (the candidate's edge gather)
TILES = ((torch.float32, 8), (torch.float64, 8), (torch.bfloat16, 16), (torch.int32, 8), (torch.float16, 16))
SHAPES = ((37, 13), (21, 35), (50, 9), (9, 67))
OPS = ("cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse", "ModelNew")


def random_input(shape, dtype):
    if dtype.is_floating_point:
        return (torch.randn(shape) * 4).to(dtype)
    return torch.randint(-9, 9, shape, dtype=dtype)


def main() -> int:
    meta = registry.COLUMN.interpreter_meta
    failures = 0
    for dtype, block_k in TILES:
        meta.update(ALIGNED_STORE=True, BLOCK_K=block_k)
        for shape in SHAPES:
            for op in OPS:
                x = random_input(shape, dtype)
                plan = sys.modules["triscan.explain"].plan_of(x, 0, **matrix.op_flags(op))[0]
                if plan.family.name != "column":
                    print("not the column scan:", plan.family.name, shape)
                    continue
                out = matrix.triscan_call(op, 0)(x).double()
                expected = matrix.reference_call(op, 0)(x).double()
                if out.shape != expected.shape or not torch.allclose(out, expected, rtol=2e-2, atol=2e-1):
                    failures += 1
                    print("FAIL", dtype, shape, op)
    print("failures", failures)
    return int(failures > 0)


if __name__ == "__main__":
    sys.exit(main())
