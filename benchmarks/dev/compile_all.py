"""Every autotune config of every registry kernel compiled offline (no GPU) for sm_80 (A100),
sm_89 (the seed's RTX 4090) and sm_90 (H100, H200): registers, spills and shared memory per
block against each architecture's limit (dev tool; issue 14's portable tuning; the CI test
compiles a sample).

    python benchmarks/dev/compile_all.py [--arch 80 89 90] [--json PATH]

float32 with the constexprs the library passes most often (exclusive where the kernel has a
SHIFT; rotated rows; packed look-back words; dense narrow rows).
"""

import argparse
import json
import sys

import registers

from triscan.kernels.registry import FAMILIES

# kernel -> registers.py name and the flags fixed for the sweep
NAMES = {"row_scan_kernel": ("row", {}),
         "column_scan_kernel": ("column", {}), "lookback_scan_kernel": ("lookback", {"REVERSE": 0}),
         "column_lookback_scan_kernel": ("column_lookback", {"WIDE_OFFSETS": 0})}


def variants():
    for family in FAMILIES:
        for kernel in family.kernels.values():
            name, flags = NAMES[kernel.fn.__name__]
            for config in kernel.configs:
                meta = {key: int(value) for key, value in config.kwargs.items()}
                meta.update(flags, num_warps=config.num_warps, num_stages=config.num_stages)
                if config.maxnreg:
                    meta["maxnreg"] = config.maxnreg
                yield name, meta


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", type=int, nargs="+", default=[80, 89, 90])
    parser.add_argument("--json")
    args = parser.parse_args()
    rows, problems = [], 0
    for name, meta in variants():
        for arch in args.arch:
            used, spilled, shared = registers.compile_info(name, arch, **dict(meta))
            fits = shared <= registers.SHARED_LIMIT[arch]
            problems += not fits
            rows.append({"kernel": name, "meta": meta, "arch": arch, "registers": used,
                         "spill_bytes": spilled, "shared_bytes": shared, "fits": fits})
            print(f"sm_{arch} {name:16s} {meta} regs {used} spills {spilled} shared {shared}"
                  + ("" if fits else f" OVER THE LIMIT {registers.SHARED_LIMIT[arch]}"), flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)
    spilling = sorted({(row["arch"], row["kernel"], str(row["meta"])) for row in rows if row["spill_bytes"]})
    print(f"{len(rows)} compiles, {problems} over the shared-memory limit, {len(spilling)} spilling")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
