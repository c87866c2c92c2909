#!/usr/bin/env bash
# Set up and run the tests. Without CUDA the kernels run through the Triton interpreter on
# small shapes; with CUDA the `gpu` tests run too, at real sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=${PYTHON:-python3}
if "$PY" -c "import ruff" 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check ruff 2>/dev/null; then
    "$PY" -m ruff check src tests benchmarks
fi
"$PY" -m pytest -q -p no:cacheprovider tests "$@"
