"""Where a kernel variant's registers go, without a GPU (dev tool): compile it for sm_90 as
registers.py does, assemble with ptxas, and read nvdisasm's life ranges (`-plr -lrm count`: the
live general registers at each SASS instruction). Prints the allocated registers against the
peak live count, and the SASS in blocks of 12 instructions with their most live registers and
their memory, barrier and shuffle instructions, so that the phase holding the peak (the loads,
the look-back, the scans, the store) shows. Allocation runs above the peak where vectors need
aligned register quads and values live around a loop's back edge (benchmarks/NOTES.md 125).

    python benchmarks/dev/liveness.py column_lookback '{"BLOCK_L": 2048, "BLOCK_K": 4, "SUB": 8,
        "TRANSPOSE": true, "LOOKBACK": 32, "L2_AHEAD": 0, "GROUPED": true, "GROUPED_OK": 1,
        "FLAT_INNER": 3, "GROUP_ROW": 24, "GROUP_LOAD_VECTOR": 4, "GROUP_STORE_VECTOR": 4,
        "num_warps": 4, "num_stages": 1, "EVEN": 1}' [--sass PATH]

The meta-parameters are registers.compile_info's (ELEMENT, INPUT, EVEN, maxnreg, ...).
"""

import argparse
import json
import os
import re
import subprocess
import tempfile

import registers

BLOCK = 12  # instructions per printed line
NOTABLE = ("LDG", "STG", "LDS", "STS", "LDSM", "STSM", "BAR", "SHFL", "ATOMG", "RED", "LDL", "STL", "F2F")


def life_ranges(name: str, meta: dict) -> tuple[str, int, int]:
    """(nvdisasm's SASS with a live-register count per instruction, registers, bytes spilled)."""
    cap = meta.get("maxnreg")
    used, spilled, _ = registers.compile_info(name, 90, **dict(meta))
    with tempfile.TemporaryDirectory() as folder:
        # the cap as triton passes it (compile_info's own ptxas run reads the same PTX)
        capped = [f"--maxrregcount={cap}"] if cap else []
        _, cubin = registers.assemble(registers.LAST_PTX[0], 90, folder, *capped)
        sass = subprocess.run([os.path.join(registers.BINARIES, "nvdisasm"), "-plr", "-lrm", "count", "-c",
                               cubin], capture_output=True, text=True, check=True).stdout
    return sass, used, spilled


def instructions(sass: str) -> list[tuple[int, str, int]]:
    """(address, instruction, live registers) per SASS line; labels as (-1, label, -1)."""
    rows = []
    for line in sass.splitlines():
        match = re.match(r"\s+/\*([0-9a-f]{4,})\*/\s+(.*?);\s*//\s*\|\s*(\d*)\s*\|", line)
        if match:
            rows.append((int(match.group(1), 16), match.group(2).strip(), int(match.group(3) or 0)))
        elif re.match(r"^\.L_x_\d+:", line.strip()):
            rows.append((-1, line.split()[0], -1))
    return rows


def opcode(instruction: str) -> str:
    words = instruction.split()
    return words[1] if words[0].startswith("@") and len(words) > 1 else words[0]


def summary(rows: list[tuple[int, str, int]]) -> list[str]:
    """One line per block of BLOCK instructions (or up to a label): first address, most live
    registers, notable opcodes."""
    lines, block = [], []

    def flush():
        if block:
            notable = [opcode(text) for _, text, _ in block if opcode(text).startswith(NOTABLE)]
            most = max(live for *_, live in block)
            lines.append(f"{block[0][0]:05x}  live {most:3d}  {' '.join(notable[:14])}")
            block.clear()

    for row in rows:
        if row[0] < 0:
            flush()
            lines.append(row[1])
            continue
        block.append(row)
        if len(block) == BLOCK:
            flush()
    flush()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kernel", choices=sorted(registers.KERNELS))
    parser.add_argument("meta", help="meta-parameters as JSON (registers.compile_info's keywords)")
    parser.add_argument("--sass", help="also write nvdisasm's annotated SASS here")
    args = parser.parse_args()
    sass, used, spilled = life_ranges(args.kernel, json.loads(args.meta))
    if args.sass:
        with open(args.sass, "w") as handle:
            handle.write(sass)
    rows = instructions(sass)
    peak = max(live for *_, live in rows)
    print(f"{args.kernel}: {used} registers allocated, {spilled} bytes spilled, peak live {peak}, "
          f"{sum(1 for address, *_ in rows if address >= 0)} instructions")
    print("\n".join(summary(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
