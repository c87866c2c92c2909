#!/usr/bin/env bash
# One batched GPU session: install the checkout, run the headline benchmark, time the
# emitted single file, then the GPU tests. Everything lands under $OUT (or ./gpu_out).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
python3 -m triscan bench --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
python3 -m triscan emit -o "$OUT/emitted_modelnew.py"
python3 - "$OUT/emitted_modelnew.py" <<'PY' 2>&1 | tee "$OUT/emitted.txt"
import importlib.util, sys, torch
from triton.testing import do_bench
spec = importlib.util.spec_from_file_location("answer", sys.argv[1])
answer = importlib.util.module_from_spec(spec); spec.loader.exec_module(answer)
from triscan.reference import seed_model
x = torch.rand(32768, 32768, device="cuda")
model = answer.ModelNew(1)
out = model(x); ref = seed_model(x, 1)
print("emitted ModelNew allclose(1e-4):", out.shape == ref.shape and torch.allclose(out, ref, atol=1e-4, rtol=1e-4))
del out, ref
target = torch.empty_like(x)
copy_ms = do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")
ms = do_bench(lambda: model(x), warmup=50, rep=200, return_mode="median")
copy_ms2 = do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")
print(f"emitted ModelNew {ms:.4f} ms; copy {copy_ms:.4f} / {copy_ms2:.4f} ms; {100 * min(copy_ms, copy_ms2) / ms:.1f}% of copy")
key = [k for k in answer.row_scan_kernel.cache]
print("autotuned:", {str(k): str(v) for k, v in answer.row_scan_kernel.cache.items()})
PY
python3 -m pytest -q -p no:cacheprovider tests/test_model.py tests/test_emit.py tests/test_ops.py \
    -k "gpu or headline or every_phase or kernelbench or non_contiguous or dtypes" 2>&1 | tail -15 | tee "$OUT/gpu_tests.txt"
