"""Every autotune config of every registry kernel compiled offline (no GPU) for sm_80 (A100),
sm_89 (the seed's RTX 4090) and sm_90 (H100, H200): registers, spills and shared memory per
block against each architecture's limit (dev tool; issue 14's portable tuning; the CI test
compiles a sample).

    python benchmarks/dev/compile_all.py [--arch 80 89 90] [--elements fp32 bf16 i64] [--kernels NAME ...]
        [--json PATH]

The constexprs the library passes most often (exclusive where the kernel has a SHIFT; the seed's
rotated rows and reversed runs; look-back words; dense narrow rows); the row and look-back
kernels for each element type, with the configs their byte rules keep.
"""

import argparse
import json
import sys

import ptx_snapshot
import registers
import torch

from triscan.kernels.registry import FAMILIES, group_row_constexprs

# kernel -> registers.py names and the flags fixed for the sweep (the seed's rotated rows and the
# reversed runs; both look-back directions; odd rows sharing their phase, ROTATE 3; input rows
# at another phase than the output's, ROTATE 4)
NAMES = {"row_scan_kernel": [("row", {}), ("reverse_row", {}), ("row", {"ROTATE": 3, "SPLIT": 1})],
         "column_scan_kernel": [("column", {})],
         "lookback_scan_kernel": [("lookback", {"REVERSE": 0}), ("lookback", {"REVERSE": 1}),
                                  ("lookback", {"REVERSE": 0, "SHIFT": 1, "TOTAL": 1, "ROTATE": 2}),
                                  ("lookback", {"REVERSE": 0, "SHIFT": 1, "TOTAL": 1, "ROTATE": 1}),
                                  ("lookback", {"REVERSE": 0, "ROTATE": 3, "SPLIT": 1, "MISALIGNED_Y": 1}),
                                  # 2-byte input rows at another phase than the output's (NOTES.md 172)
                                  ("lookback", {"REVERSE": 0, "SHIFT": 1, "TOTAL": 1, "ROTATE": 4, "SPLIT": 1,
                                                "MISALIGNED_X": 1})],
         "column_lookback_scan_kernel": [("column_lookback", {"WIDE_OFFSETS": 0})]}
# element types whose autotune spaces differ (configs pruned by bytes): registers.py names, torch dtypes
ELEMENTS = {"fp32": (torch.float32, torch.float32), "bf16": (torch.bfloat16, torch.bfloat16),
            "i64": (torch.int64, torch.int64), "fp64": (torch.float64, torch.float64),
            "i32": (torch.int32, torch.int64)}  # int32 summed into int64: the look-back's RELOAD configs
# kernels whose pruning reads the element sizes (the column look-back's register caps too)
BYTE_PRUNED = ("row_scan_kernel", "lookback_scan_kernel", "column_lookback_scan_kernel")
TYPED = BYTE_PRUNED + ("column_scan_kernel",)  # compiled for each element type (their registers differ)


def pruned(kernel, element, flags):
    """The kernel's configs its own pruning keeps for a long, aligned scan of `element` under the
    constexpr `flags` (the look-back's pruning reads ROTATE: RELOAD chunks only in place, ROTATE 0
    or 3, and only for outputs wider than their input)."""
    if kernel.fn.__name__ not in BYTE_PRUNED:
        return kernel.configs
    input_dtype, output_dtype = ELEMENTS[element]
    args = {"x_ptr": torch.empty(0, dtype=input_dtype), "y_ptr": torch.empty(0, dtype=output_dtype),
            "LENGTH_BUCKET": 1 << 28, "LENGTH_ALIGNED": 1, "ROTATE": flags.get("ROTATE", 0)}
    if kernel.fn.__name__ == "column_lookback_scan_kernel":
        # each lane tile's configs, as its pruning keeps them for dense flat rows of that width
        # (registers.py compiles FLAT_INNER = BLOCK_K unless told), and its GROUPED ones for the
        # widest odd rows of the tile (compiled so: variants() sets FLAT_INNER and the row's
        # vectors for them)
        kept = []
        for block_k in sorted({config.kwargs["BLOCK_K"] for config in kernel.configs}):
            bucket = dict(args, INNER_BUCKET=block_k)
            kept += kernel.early_config_prune(kernel.configs, bucket, FLAT_INNER=block_k)
            grouped = kernel.early_config_prune(kernel.configs, bucket, FLAT_INNER=block_k - 1,
                                                GROUPED_OK=True)
            kept += [config for config in grouped if config.kwargs.get("GROUPED", False)]
        return kept
    return kernel.early_config_prune(kernel.configs, args)


def variants(elements, kernels=None):
    for family in FAMILIES:
        for kernel in family.kernels.values():
            if kernels and kernel.fn.__name__ not in kernels:
                continue
            for element in elements if kernel.fn.__name__ in TYPED else ("fp32",):
                for name, flags in NAMES[kernel.fn.__name__]:
                    for config in pruned(kernel, element, flags):
                        meta = {key: int(value) for key, value in config.kwargs.items()}
                        if meta.get("GROUPED"):  # the widest odd rows of the tile: rows of whole steps
                            lanes = meta["BLOCK_K"] - 1
                            sizes = (dtype.itemsize for dtype in ELEMENTS[element])
                            meta.update(group_row_constexprs(lanes, *sizes), FLAT_INNER=lanes, GROUPED_OK=1)
                        meta.update(flags, num_warps=config.num_warps, num_stages=config.num_stages)
                        if element == "i32":  # registers.py: int64 outputs of int32 inputs
                            meta.update(ELEMENT="i64", INPUT="i32")
                        elif element != "fp32":
                            meta["ELEMENT"] = element
                        if config.maxnreg:
                            meta["maxnreg"] = config.maxnreg
                        yield name, meta


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", type=int, nargs="+", default=[80, 89, 90])
    parser.add_argument("--elements", nargs="+", default=list(ELEMENTS))
    parser.add_argument("--kernels", nargs="+", help="only these kernels (e.g. column_scan_kernel)")
    parser.add_argument("--json")
    parser.add_argument("--ptx-digests", metavar="PATH",
                        help="write a digest of each compile's PTX (debug lines removed) to PATH: two "
                             "trees whose files are equal compiled every config to the same PTX")
    parser.add_argument("--digests-only", action="store_true",
                        help="with --ptx-digests: no register counts (no second ptxas run per compile)")
    args = parser.parse_args()
    digests = {}
    rows, problems = [], 0
    for name, meta in variants(args.elements, args.kernels):
        for arch in args.arch:
            key = f"sm_{arch} {name} {sorted(meta.items())}"
            if args.digests_only:
                registers.compile_variant(name, arch, **dict(meta))
                digests[key] = ptx_snapshot.digest(registers.LAST_PTX[0])
                continue
            used, spilled, shared = registers.compile_info(name, arch, **dict(meta))
            fits = shared <= registers.SHARED_LIMIT[arch]
            problems += not fits
            if args.ptx_digests:
                digests[key] = ptx_snapshot.digest(registers.LAST_PTX[0])
            rows.append({"kernel": name, "meta": meta, "arch": arch, "registers": used,
                         "spill_bytes": spilled, "shared_bytes": shared, "fits": fits})
            print(f"sm_{arch} {name:16s} {meta} regs {used} spills {spilled} shared {shared}"
                  + ("" if fits else f" OVER THE LIMIT {registers.SHARED_LIMIT[arch]}"), flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)
    if args.ptx_digests:
        with open(args.ptx_digests, "w") as handle:
            json.dump(digests, handle, indent=1, sort_keys=True)
    spilling = sorted({(row["arch"], row["kernel"], str(row["meta"])) for row in rows if row["spill_bytes"]})
    print(f"{len(rows)} compiles, {problems} over the shared-memory limit, {len(spilling)} spilling")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
