"""Offline A/B of a candidate patch's compiled code (dev tool, no GPU): registers, bytes spilled,
shared memory and the PTX instructions that decide a scan's cost (registers.instruction_counts)
of kernel variants, compiled from HEAD's tree and from HEAD with PATCH applied, side by side.
Each tree compiles in a process of its own, from a temporary git worktree (the checkout is left
alone). Counts are static: a loop body counts once (benchmarks/NOTES.md 208 was read this way).

    python benchmarks/dev/counts_ab.py benchmarks/dev/candidates/X.patch \\
        "column_lookback BLOCK_L=1024 BLOCK_K=8 SUB=8 TRANSPOSE=1 FLAT_INNER=5 ..." [...] [--arch 90]

A variant is registers.py's kernel name and KEY=VALUE constexprs and launch options, as
tests/kernels/test_compile.py writes them (registers.parse_options).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from triscan.tools.report import show_table

ROOT = pathlib.Path(__file__).resolve().parents[2]

# run in each tree's own benchmarks/dev, with that tree's src first on the path
CHILD = """
import json, sys
import registers
arch, variants = int(sys.argv[1]), json.loads(sys.argv[2])
for spec in variants:
    name, *pairs = spec.split()
    try:
        used, spilled, shared = registers.compile_info(name, arch, **registers.parse_options(pairs))
        row = {"registers": used, "spilled": spilled, "shared": shared,
               **registers.instruction_counts(registers.LAST_PTX[0])}
    except Exception as error:  # a variant one tree cannot compile is a reading, not a crash
        row = {"error": f"{type(error).__name__}: {(str(error).splitlines() or [''])[-1][:80]}"}
    print(json.dumps(row), flush=True)
"""


def counts(tree: pathlib.Path, arch: int, variants: list[str]) -> list[dict]:
    """Each variant's counts compiled from `tree` (a checkout of this repository)."""
    environment = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    environment["PYTHONPATH"] = os.pathsep.join([str(tree / "src"), str(tree / "benchmarks" / "dev")])
    result = subprocess.run([sys.executable, "-c", CHILD, str(arch), json.dumps(variants)],
                            cwd=tree / "benchmarks" / "dev", env=environment, capture_output=True,
                            text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def cell(before: dict, after: dict, key: str) -> str:
    if "error" in before or "error" in after:
        return "-"
    return str(after[key]) if before[key] == after[key] else f"{before[key]} -> {after[key]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patch", type=pathlib.Path)
    parser.add_argument("variants", nargs="+", help='"kernel KEY=VALUE ..." each')
    parser.add_argument("--arch", type=int, default=90)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        trees = {label: pathlib.Path(folder) / label for label in ("head", "patched")}
        for tree in trees.values():
            subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), "HEAD"], cwd=ROOT,
                           check=True)
        try:
            subprocess.run(["git", "apply", str(args.patch.resolve())], cwd=trees["patched"], check=True)
            head = counts(trees["head"], args.arch, args.variants)
            patched = counts(trees["patched"], args.arch, args.variants)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    keys = ["registers", "spilled", "shared", "shfl.sync", "bar.sync", "st.shared", "ld.shared", "ld.global",
            "st.global"]
    rows = []
    for spec, before, after in zip(args.variants, head, patched, strict=True):
        errors = [f"{label}: {row['error']}" for label, row in (("HEAD", before), ("patched", after))
                  if "error" in row]
        rows.append([spec, *(cell(before, after, key) for key in keys), "; ".join(errors)])
    show_table(f"sm_{args.arch}, HEAD -> HEAD with {args.patch.name}", ["variant", *keys, "errors"], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
