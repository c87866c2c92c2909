"""NOTES.md 171: SASS counts of the RELOAD configs for int32 -> int64, offline (sm_90). Run from
benchmarks/dev: env -u TRITON_INTERPRET PYTHONPATH=../../src:. python3 THIS OUT.json"""

import json
import sys

import registers
import sass_counts

out = {}
for block, pieces in ((4096, 4), (4096, 8), (8192, 4), (8192, 8)):
    for rotate in (0, 3):
        for shift in (0, 1):
            for reverse in (False, True):
                meta = dict(ELEMENT="i64", INPUT="i32", RELOAD=True, SUB_BLOCK=block // pieces,
                            RELOAD_STAGES=pieces, BLOCK=block, SPLIT=False, num_warps=4, num_stages=1,
                            ROTATE=rotate, SHIFT=shift, REVERSE=reverse, EVEN=1)
                regs, spill, shared = registers.compile_info("lookback", 90, **dict(meta))
                counts = sass_counts.sass_counts("lookback", 90, **dict(meta))
                key = f"{block}/{pieces} R{rotate} S{shift} {'rev' if reverse else 'fwd'}"
                out[key] = dict(regs=regs, spill=spill, shared=shared, total=sum(counts.values()),
                                shfl=counts["SHFL"], sts=counts["STS"], lds=counts["LDS"], bar=counts["BAR"])
                print(key, out[key], flush=True)
json.dump(out, open(sys.argv[1], "w"), indent=1)
