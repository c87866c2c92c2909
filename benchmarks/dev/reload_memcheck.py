"""RELOAD pieces of ROTATE 3 (lookback/row.py's _load_piece, NOTES.md 175) under compute-sanitizer
memcheck: int32 rows summed into int64, rows of odd length that share their phase with the
output's, in views whose first element is off a 16-byte boundary (X_ALIGNED False: the rows'
positions as the mask; the view ends its allocation) or on one (whole-vector masks; the allocation
ends with the 16-byte word that holds the view's last element). Fixed
launches (no autotuning under the sanitizer); outputs filled with a sentinel and checked exactly.
Set PYTORCH_NO_CUDA_MEMORY_CACHING=1, so that each tensor is an allocation of its own and a read
past one is outside every allocation:

    PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool memcheck \
        python3 benchmarks/dev/reload_memcheck.py
"""

import torch
from fixed_launch import launch_fixed

from triscan.scan.plan import plan_scan

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: under TRITON_INTERPRET=1
RELOAD = dict(BLOCK=8192, SPLIT=False, RELOAD=True, SUB_BLOCK=1024, RELOAD_STAGES=8, num_warps=4,
              num_stages=1, maxnreg=80)
failures = 0
# (rows, length, first element of the view in its allocation, shift, reverse)
CASES = [(3, 40001, 1, 0, False), (3, 40001, 3, 1, False), (3, 40001, 2, 0, True), (3, 40001, 1, 1, True),
         (3, 40001, 4, 0, False), (3, 40001, 0, 0, True)]
for rows, length, first, shift, reverse in CASES:
    # a buffer exactly as long as the view needs, its last element the allocation's last; for a view
    # on 16-byte alignment, to the end of the 16-byte word that holds that element (whole-vector
    # masks read whole words: NOTES.md 175)
    needed = first + rows * length
    padding = -needed % 4 if first % 4 == 0 else 0
    storage = torch.randint(-1000, 1000, (needed + padding,), dtype=torch.int32, device=DEVICE)
    x = storage[first:first + rows * length].view(rows, length)
    # exclusive_cumsum's plan (shift 1: one position fewer scanned, the output x's shape)
    plan = plan_scan(tuple(x.shape), x.stride(), 1, length - shift, shift, reverse, tuple(x.shape), x.dtype,
                     torch.int64, x.device)
    y = torch.full((rows, length), -7777777, dtype=torch.int64, device=DEVICE)
    launch_fixed(plan, x, y, **RELOAD)
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    source = x.flip(1) if reverse else x
    reference = torch.cumsum(source.long(), 1)
    if shift:
        reference = torch.cat([torch.zeros_like(reference[:, :1]), reference[:, :-1]], 1)
    if reverse:
        reference = reference.flip(1)
    aligned = x.data_ptr() % 16 == 0
    ok = plan.launch.constexprs["ROTATE"] == 3 and torch.equal(y, reference)
    failures += not ok
    print(f"rows {rows} length {length} first {first} shift {shift} reverse {reverse} aligned {aligned} "
          f"ROTATE {plan.launch.constexprs['ROTATE']} {'ok' if ok else 'FAILED'}")
print("failures:", failures)
