"""ROTATE 4 (lookback/row.py, NOTES.md 172) under compute-sanitizer memcheck: 2-byte input rows at
another phase than the output's: views starting off a 16-byte boundary (X_ALIGNED False: the rows'
positions as the mask), ending at their allocation's end, and one on it (whole-vector masks: the
allocation ends with the 16-byte word that holds its last element). Run with
PYTORCH_NO_CUDA_MEMORY_CACHING=1 (see windows_memcheck.py). Fixed
launches (no autotuning under the sanitizer), outputs NaN-filled and checked against float64.

    PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool memcheck \
        python3 benchmarks/dev/rotate4_memcheck.py
"""

import torch
from fixed_launch import launch_fixed, output_for, plan_for_call

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: under TRITON_INTERPRET=1
failures = 0
# (rows, scanned length, input row stride, first element, shift, config)
CASES = [(5, 40001, 40004, 1, 0, dict(BLOCK=8192, SPLIT=True, num_warps=4, num_stages=1, maxnreg=128)),
         (5, 40001, 40004, 3, 1, dict(BLOCK=4096, SPLIT=True, num_warps=4, num_stages=1)),
         (3, 65535, 65537, 0, 1, dict(BLOCK=16384, SPLIT=True, num_warps=8, num_stages=1, maxnreg=128))]
for rows, length, stride, first, shift, config in CASES:
    # a buffer exactly as long as the view needs, its last element the allocation's last; for a view
    # on 16-byte alignment, to the end of the 16-byte word that holds that element (whole-vector
    # masks read whole words: NOTES.md 175)
    needed = first + (rows - 1) * stride + length
    storage = torch.randn(needed + (-needed % 8 if first % 8 == 0 else 0), device=DEVICE).to(torch.bfloat16)
    x = storage[first:].as_strided((rows, length), (stride, 1))
    plan = plan_for_call(x, 1, shift=shift)
    y = output_for(plan, x)
    launch_fixed(plan, x, y, **config)
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    reference = torch.cumsum(x.double(), 1)
    if shift:
        reference = torch.cat([torch.zeros_like(reference[:, :1]), reference], 1)
    error = (y.double() - reference).abs().max().item()
    ok = plan.launch.constexprs["ROTATE"] == 4 and error < 0.05 * length ** 0.5 and not y.isnan().any()
    failures += not ok
    print(f"rows {rows} length {length} stride {stride} first {first} shift {shift} "
          f"ROTATE {plan.launch.constexprs['ROTATE']} max error {error:.3g} {'ok' if ok else 'FAILED'}")
print("failures:", failures)
