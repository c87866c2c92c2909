#!/usr/bin/env bash
# GPU check of the look-back paths, then the suite cases (headline excluded), each case
# printed as soon as it is timed. Results under $OUT (or ./gpu_out).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
timeout ${TEST_TIMEOUT:-200} python3 -m pytest -x -q -p no:cacheprovider tests/test_lookback.py \
    -k "${TEST_FILTER:-gpu or (matches and cumsum) or narrow}" 2>&1 | tail -8 | tee "$OUT/lookback_tests.txt"
timeout ${SUITE_TIMEOUT:-330} python3 - "$OUT/suite.json" <<'PY' 2>&1 | tee "$OUT/suite.txt"
import json, sys, torch
from triscan import suite
from triscan.bench import environment
results = []
for name in suite.CASES:
    results.append(suite.run_case(name, repeat_ms=100))
    print(suite.format_suite(results[-1:]).splitlines()[-1], flush=True)
    with open(sys.argv[1], "w") as handle:
        json.dump({"environment": environment(), "suite": results}, handle, indent=1)
    torch.cuda.empty_cache()
print(suite.format_suite(results))
PY
