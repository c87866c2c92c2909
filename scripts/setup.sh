#!/usr/bin/env bash
# Installs what triscan needs into the current python3 environment, keeping a torch that
# is already there (a GPU machine's CUDA build must not be replaced by a CPU one).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
pip_install() { "$PY" -m pip install -q --disable-pip-version-check "$@"; }
if ! "$PY" -c "import torch" 2>/dev/null; then
    pip_install "torch==2.13.0"
fi
if ! "$PY" -c "import triton" 2>/dev/null; then
    pip_install "triton==3.6.0"
fi
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    # CPU only: kernels run in the Triton interpreter, which breaks with numpy 2.4.
    "$PY" -c "import numpy, sys; sys.exit(0 if tuple(map(int, numpy.__version__.split('.')[:2])) < (2, 4) else 1)" \
        2>/dev/null || pip_install "numpy>=1.24,<2.4"
    # the interpreter's tests run on every core (scripts/test.sh); without it they run one by one
    "$PY" -c "import xdist" 2>/dev/null || pip_install "pytest-xdist>=3" || true
fi
"$PY" -c "import pytest" 2>/dev/null || pip_install "pytest>=7"
"$PY" -c "import hypothesis" 2>/dev/null || pip_install "hypothesis>=6"
# the tools draw tables and progress with rich, and `triscan bench --plot` with matplotlib
# (the library itself needs neither); the tests use both
"$PY" -c "import rich" 2>/dev/null || pip_install "rich>=13"
"$PY" -c "import matplotlib" 2>/dev/null || pip_install "matplotlib>=3.5"
"$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
    || "$PY" -m pip install -q --disable-pip-version-check --no-deps -e .
