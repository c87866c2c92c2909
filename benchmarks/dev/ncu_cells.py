"""Profile matrix cells under ncu (dev tool): each cell is called once to autotune, then once
between cudaProfilerStart/Stop; run under `ncu --profile-from-start off`. Prints each kernel's
chosen config. The op `copy` profiles an elementwise kernel that reads and writes the cell's input
bytes instead (the matrix's baseline, whose copy_ is a memcpy that ncu does not profile): its
counters are what the same traffic costs without a scan.
    ncu --profile-from-start off ... python benchmarks/dev/ncu_cells.py OP/DTYPE/SHAPE ..."""
import sys

import torch

from triscan.kernels import registry
from triscan.tools import matrix

for cell in sys.argv[1:]:
    op, dtype, shape = cell.split("/")
    x, dim = matrix.make_input(shape.replace("_", " "), matrix.DTYPES[dtype], 1 << 30)
    if op == "copy":  # the input's bytes read and written by a kernel (a plain copy_ is a memcpy,
        # which ncu does not profile): an elementwise negation of as many float32s
        source = torch.randn(x.numel() * x.element_size() // 4, device=x.device)
        target = torch.empty_like(source)
        call = lambda x, source=source, target=target: torch.neg(source, out=target)
    else:
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
