"""The sweep behind registers-all-configs.txt (NOTES.md 161): every column scan config the pruning
keeps for 4- and 8-byte elements, aligned and odd steps, with and without WIDE_OFFSETS, compiled
for sm_90. Needs column-int32-offsets.patch applied (the WIDE_OFFSETS constexpr); run from
benchmarks/dev with PYTHONPATH=src:. and TRITON_INTERPRET unset."""

import registers

from triscan.kernels.column import COLUMN_SCAN_CONFIGS

for config in COLUMN_SCAN_CONFIGS:
    for element, size in (("fp32", 4), ("bf16", 4), ("fp64", 8), ("i64", 8)):
        elements = config.kwargs["BLOCK_L"] * config.kwargs["BLOCK_K"] // (32 * config.num_warps)
        if elements * size * (1 + config.kwargs["PREFETCH"]) > 512:  # the kernel's pruning
            continue
        for odd in (0, 1):
            for wide in (0, 1):
                meta = dict(config.kwargs, num_warps=config.num_warps, num_stages=config.num_stages,
                            WIDE_OFFSETS=wide, EVEN=1)
                if element != "fp32":
                    meta["ELEMENT"] = element
                if odd:
                    meta["MISALIGNED_STEPS"] = 1
                used, spilled, _ = registers.compile_info("column", 90, **meta)
                tile = [config.kwargs[key] for key in ("BLOCK_L", "BLOCK_K", "SUB")]
                print(*tile, config.num_warps, config.kwargs["PREFETCH"], element, odd, wide, used, spilled,
                      flush=True)
