"""What a look-back hop compiles to (dev tool, no GPU): in a variant's sm_90 PTX, the barriers,
shuffles and warp reductions between the last window read (`ld.volatile`) and the chunk's next
publish (`atom...exch`), the path from a predecessor's word to this chunk's prefix. Static: the
hop's loop body counts once (benchmarks/NOTES.md 238 was read this way).

    python benchmarks/dev/hop_counts.py "lookback ELEMENT=fp64 BLOCK=2048 num_warps=4 LOOKBACK=64" [...]

A variant is registers.py's kernel name and KEY=VALUE constexprs and launch options.
"""

import argparse

import registers

from triscan.tools.report import show_table

HOP_INSTRUCTIONS = ("bar.sync", "shfl.sync", "redux.sync", "st.shared", "ld.shared")


def hop_counts(ptx: str) -> dict[str, int]:
    """{instruction: count} between the PTX's last `ld.volatile` and the `atom...exch` after it."""
    start = ptx.rfind("ld.volatile")
    end = ptx.find("atom.global.gpu.relaxed.exch", start)
    hop = ptx[start:end]
    return {name: hop.count(name) for name in HOP_INSTRUCTIONS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="registers.py's kernel name and KEY=VALUE words, quoted")
    parser.add_argument("--arch", type=int, default=90)
    args = parser.parse_args()
    rows, columns = [], ["variant", *HOP_INSTRUCTIONS]
    for spec in args.variants:
        name, *pairs = spec.split()
        compiled = registers.compile_variant(name, args.arch, **registers.parse_options(pairs))
        rows.append([spec, *hop_counts(compiled.asm["ptx"]).values()])
    show_table(f"sm_{args.arch}: one look-back hop, static counts", columns, rows, numeric=columns[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
