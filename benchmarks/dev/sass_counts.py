"""SASS instruction counts of kernel variants compiled offline (dev tool, no GPU): each variant's
PTX (registers.compile_variant) through ptxas and `cuobjdump -sass`, counted by opcode. Static
counts of the whole kernel; a loop body counts once. Where registers.py's PTX counts hide what a
PTX instruction costs (a 64-bit multiply is three IMADs), these do not.

    python benchmarks/dev/sass_counts.py column BLOCK_L=64 BLOCK_K=128 SUB=4 num_warps=8 \\
        MISALIGNED_STEPS=1 EVEN=1 [--arch 90] [--top 14]
"""

import argparse
import collections
import os
import re
import subprocess
import tempfile

import registers


def sass_counts(name: str, arch: int = 90, **meta) -> collections.Counter:
    """{opcode: count} of a variant's SASS for sm_`arch` (the opcode without its modifiers)."""
    compiled = registers.compile_variant(name, arch, **meta)
    with tempfile.TemporaryDirectory() as folder:
        _, cubin = registers.assemble(compiled.asm["ptx"], arch, folder)
        listing = subprocess.run([os.path.join(registers.BINARIES, "cuobjdump"), "-sass", cubin],
                                 capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    for line in listing.splitlines():
        # e.g. "        /*0150*/  @!P0 IMAD.WIDE R4, R2, 0x4, R4 ;"
        match = re.match(r"\s*/\*[0-9a-f]{4,}\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)", line)
        if match:
            counts[match.group(2).split(".")[0]] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernel", choices=sorted(registers.KERNELS))
    parser.add_argument("options", nargs="*", help="KEY=VALUE constexprs and launch options (registers.py)")
    parser.add_argument("--arch", type=int, default=90)
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args()
    meta = registers.parse_options(args.options)
    counts = sass_counts(args.kernel, args.arch, **meta)
    print(f"SASS {sum(counts.values())}: " + ", ".join(f"{op} {n}" for op, n in counts.most_common(args.top)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
