"""A/B in one process: the row look-back kernel of main against a candidate module (dev tool).

    python benchmarks/ab_reverse_lookback.py CANDIDATE_MODULE

The candidate is a copy of lookback_scan.py with the change under test, put under
src/triscan/kernels/ for the run only (this session's runs used `_ab_base`, the committed file,
as the candidate against a changed working tree).

Times launch_lookback_scan from triscan.kernels.lookback_scan and from the candidate on a
1-D 2^30 float32 scan, reversed and forward (inclusive), with do_bench medians (L2 flushed
by do_bench) and the copy of the same bytes, and checks both against a float64 reference.
"""

import importlib
import sys

import torch
import triton.language as tl
from triton.testing import do_bench

from triscan.kernels import lookback_scan

candidate = importlib.import_module(sys.argv[1])
n = 1 << 30
sms = torch.cuda.get_device_properties(0).multi_processor_count
torch.manual_seed(0)
x = torch.rand(n, device="cuda")
y = torch.empty_like(x)
source = torch.empty(n * 8 // 2, dtype=torch.uint8, device="cuda")
target = torch.empty_like(source)
copy_ms = do_bench(lambda: target.copy_(source), warmup=50, rep=300, return_mode="median")
print(f"{torch.cuda.get_device_name()}  copy of the same bytes: {copy_ms:.4f} ms")
for reverse in (True, False):
    expected = (x.double().flip(0).cumsum(0).flip(0) if reverse else x.double().cumsum(0))
    for name, module in (("main", lookback_scan), (sys.argv[1], candidate)):
        call = lambda module=module, reverse=reverse: module.launch_lookback_scan(
            x, y, 1, n, n, 1, n, 0, tl.float32, torch.float32, 8 * sms, False, reverse, {})
        y.fill_(float("nan"))
        call()
        error = ((y.double() - expected).abs() / expected.abs().clamp_min(1)).max().item()
        ms = do_bench(call, warmup=50, rep=300, return_mode="median")
        config = module.lookback_scan_kernel.best_config
        print(f"reverse={reverse!s:5} {name:35s} {ms:.4f} ms  {100 * copy_ms / ms:5.1f}% of copy  "
              f"max rel err {error:.1e}  config {config}", flush=True)
    del expected
