"""Summarize stall_sources.sh's SASS CSV (dev tool): per kernel, stall samples by reason,
and the instructions with the most samples.

    python benchmarks/dev/sass_stalls.py OUTDIR/narrow-sass.csv [KERNEL_SUBSTRING] [TOP]
"""

import csv
import sys
from collections import Counter


def kernels(path):
    """{kernel name: [row dict, ...]} from ncu's source-page CSV (one block per kernel)."""
    blocks, name, header = {}, None, None
    with open(path) as handle:
        for row in csv.reader(handle):
            if row and row[0] == "Kernel Name":
                name, header = row[1], None
                blocks[name] = []
            elif row and row[0] == "Address":
                header = row
            elif header and row:
                blocks[name].append(dict(zip(header, row, strict=False)))
    return blocks


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0.0


if __name__ == "__main__":
    path, wanted, top = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "scan"), int(
        sys.argv[3] if len(sys.argv) > 3 else 25)
    for name, rows in kernels(path).items():
        if wanted not in name:
            continue
        reasons = [key for key in rows[0] if key.startswith("stall_") and "Not Issued" not in key]
        totals = Counter({reason: sum(number(row[reason]) for row in rows) for reason in reasons})
        samples = sum(totals.values())
        print(f"{name[:80]}: {len(rows)} instructions, {samples:.0f} samples")
        for reason, count in totals.most_common(10):
            print(f"  {reason:28s} {100 * count / samples:5.1f}%")
        sampled = "Warp Stall Sampling (All Samples)"
        ranked = sorted(enumerate(rows), key=lambda item: -number(item[1][sampled]))
        for index, row in ranked[:top]:
            main = max(reasons, key=lambda reason: number(row[reason]))
            share = 100 * number(row[sampled]) / samples
            print(f"  {index:5d} {share:5.1f}% {main[6:]:14s} {row['Source'].strip()[:90]}")
