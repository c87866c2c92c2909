"""ROTATE 3's windows (lookback/row.py: RELOAD pieces, `_load_piece`, and forward chunks,
`tiles._load_window_vectors`; NOTES.md 175, 177) under compute-sanitizer memcheck: rows of odd
length that share their phase with the output's, in views whose first element is off a 16-byte
boundary (X_ALIGNED False: the rows' positions as the mask; the view ends its allocation) or on
one (whole-vector masks; the allocation ends with the 16-byte word that holds the view's last
element). int32 rows summed into int64 in RELOAD pieces, bfloat16 and float32 rows in chunks,
forward and reversed, inclusive and exclusive. Fixed launches (no autotuning under the
sanitizer); outputs filled with a sentinel and checked against int64 or float64 sums. Set
PYTORCH_NO_CUDA_MEMORY_CACHING=1, so that each tensor is an allocation of its own and a read past
one is outside every allocation:

    PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool memcheck \\
        python3 benchmarks/dev/windows_memcheck.py
"""

import torch
from fixed_launch import launch_fixed

from triscan.scan.plan import plan_scan

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: under TRITON_INTERPRET=1
RELOAD = dict(BLOCK=8192, SPLIT=False, RELOAD=True, SUB_BLOCK=1024, RELOAD_STAGES=8, num_warps=4,
              num_stages=1, maxnreg=80)
CHUNKS = dict(BLOCK=4096, SPLIT=True, num_warps=4, num_stages=1)
failures = 0
# (dtype, rows, length, first element of the view in its allocation, shift, reverse, config)
CASES = [(torch.int32, 3, 40001, 1, 0, False, RELOAD), (torch.int32, 3, 40001, 3, 1, False, RELOAD),
         (torch.int32, 3, 40001, 2, 0, True, RELOAD), (torch.int32, 3, 40001, 1, 1, True, RELOAD),
         (torch.int32, 3, 40001, 4, 0, False, RELOAD), (torch.int32, 3, 40001, 0, 0, True, RELOAD),
         (torch.bfloat16, 3, 40001, 1, 0, False, CHUNKS), (torch.bfloat16, 3, 40001, 5, 1, False, CHUNKS),
         (torch.bfloat16, 3, 40001, 0, 1, False, CHUNKS), (torch.bfloat16, 3, 40001, 8, 0, True, CHUNKS),
         (torch.float32, 5, 30001, 2, 0, False, CHUNKS), (torch.float32, 5, 30001, 0, 1, False, CHUNKS)]
for dtype, rows, length, first, shift, reverse, config in CASES:
    vector = 16 // dtype.itemsize
    # a buffer exactly as long as the view needs, its last element the allocation's last; for a view
    # on 16-byte alignment, to the end of the 16-byte word that holds that element (whole-vector
    # masks read whole words: NOTES.md 175)
    needed = first + rows * length
    padding = -needed % vector if first % vector == 0 else 0
    if dtype == torch.int32:
        storage = torch.randint(-1000, 1000, (needed + padding,), dtype=dtype, device=DEVICE)
    else:
        storage = torch.randn(needed + padding, device=DEVICE).to(dtype)
    x = storage[first:first + rows * length].view(rows, length)
    out_dtype = torch.int64 if dtype == torch.int32 else dtype
    # exclusive_cumsum's plan (shift 1: one position fewer scanned, the output x's shape)
    plan = plan_scan(tuple(x.shape), x.stride(), 1, length - shift, shift, reverse, tuple(x.shape), x.dtype,
                     out_dtype, x.device)
    y = torch.full((rows, length), -7777, dtype=out_dtype, device=DEVICE)
    launch_fixed(plan, x, y, **config)
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    source = (x.flip(1) if reverse else x).to(torch.int64 if dtype == torch.int32 else torch.float64)
    reference = torch.cumsum(source, 1)
    if shift:
        reference = torch.cat([torch.zeros_like(reference[:, :1]), reference[:, :-1]], 1)
    if reverse:
        reference = reference.flip(1)
    error = (y.to(reference.dtype) - reference).abs().max().item()
    bound = 0 if dtype == torch.int32 else 2 ** -7 * source.abs().sum(1).max().item()
    ok = plan.launch.constexprs["ROTATE"] == 3 and error <= bound
    failures += not ok
    print(f"{str(dtype)[6:]} rows {rows} length {length} first {first} shift {shift} reverse {reverse} "
          f"aligned {x.data_ptr() % 16 == 0} reload {config is RELOAD} "
          f"ROTATE {plan.launch.constexprs['ROTATE']} error {error:.3g} {'ok' if ok else 'FAILED'}")
print("failures:", failures)
