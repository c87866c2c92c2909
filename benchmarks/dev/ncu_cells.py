"""Profile matrix cells under ncu (dev tool): each cell is called once to autotune, then once
between cudaProfilerStart/Stop; run under `ncu --profile-from-start off`. Prints each kernel's
chosen config.   ncu --profile-from-start off ... python benchmarks/dev/ncu_cells.py OP/DTYPE/SHAPE ..."""
import sys

import torch

from triscan.kernels import registry
from triscan.tools import matrix

for cell in sys.argv[1:]:
    op, dtype, shape = cell.split("/")
    x, dim = matrix.make_input(shape.replace("_", " "), matrix.DTYPES[dtype], 1 << 30)
    call = matrix.triscan_call(op.replace("-", " "), dim)
    call(x)
    torch.cuda.synchronize()
    for family in registry.FAMILIES:
        kernel = family.kernels["forward"]
        if getattr(kernel, "best_config", None) is not None:
            print(cell, family.name, kernel.best_config, flush=True)
            kernel.best_config = None
    torch.cuda.cudart().cudaProfilerStart()
    call(x)
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStop()
    del x
