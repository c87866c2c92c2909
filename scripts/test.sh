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
# CPU only: the interpreter's tests are independent and CPU-bound, so one pytest worker per core
# (pytest-xdist, installed by setup.sh); on a GPU machine one process, so timings share no device
WORKERS=()
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
        && "$PY" -c "import xdist" 2>/dev/null; then
    WORKERS=(-n auto)
fi
"$PY" -m pytest -q -p no:cacheprovider ${WORKERS[@]+"${WORKERS[@]}"} tests "$@"
