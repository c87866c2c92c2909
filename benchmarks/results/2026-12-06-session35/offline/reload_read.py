import sys, json
import registers, sass_counts
out = {}
for block, pieces in ((4096, 4), (4096, 8), (8192, 4), (8192, 8)):
    for rotate in (0, 3):
        for shift in (0, 1):
            for rev in (False, True):
                meta = dict(ELEMENT="i64", INPUT="i32", RELOAD=True, SUB_BLOCK=block // pieces, RELOAD_STAGES=pieces,
                            BLOCK=block, SPLIT=False, num_warps=4, num_stages=1, ROTATE=rotate, SHIFT=shift,
                            REVERSE=rev, EVEN=1)
                regs, spill, shared = registers.compile_info("lookback", 90, **dict(meta))
                c = sass_counts.sass_counts("lookback", 90, **dict(meta))
                key = f"{block}/{pieces} R{rotate} S{shift} {'rev' if rev else 'fwd'}"
                out[key] = dict(regs=regs, spill=spill, shared=shared, total=sum(c.values()), shfl=c["SHFL"],
                                sts=c["STS"], lds=c["LDS"], bar=c["BAR"], prmt=c.get("PRMT", 0))
                print(key, out[key], flush=True)
json.dump(out, open(sys.argv[1], "w"), indent=1)
