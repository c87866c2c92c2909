#!/usr/bin/env bash
# Set up and run the main job: on a CUDA machine the headline benchmark table; elsewhere a
# small demo through the Triton interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=${PYTHON:-python3}
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    "$PY" -m triscan bench "$@"
else
    echo "No CUDA GPU visible: the benchmark needs one. Running the interpreter demo instead."
    "$PY" -m triscan demo
fi
