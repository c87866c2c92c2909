"""`triscan bench`: the headline benchmark, every number from one process.

For x = torch.rand(32768, 32768) float32 on CUDA and dim=1 (seed semantics, output
(32767, 32769)) it times, with triton.testing.do_bench medians (L2 flushed before each
run): triscan's ModelNew, the eager reference, torch.compile of the reference, the
seed's three-pass baseline, and the copy roofline: a device-to-device copy of a tensor
the size of x, which moves the same bytes a one-pass scan must move.
"""

import torch

from .environment import environment
from .report import StepProgress, markdown_table, show_table, write_json
from .suite import HEADLINE
from .timing import L2, measure


def run_headline(repeat_ms: int = 200, progress: StepProgress | None = None) -> dict:
    """Time every implementation on the headline shape; returns the raw results."""
    import triscan
    from triscan.kernelbench.seed_three_pass import seed_three_pass
    from triscan.testing.reference import seed_model

    torch.manual_seed(0)
    rows, length, dim = HEADLINE["rows"], HEADLINE["length"], HEADLINE["dim"]
    x = torch.rand(rows, length, device="cuda")
    out_elements = (rows - 1) * (length + 1)
    bytes_moved = (rows - 1) * length * x.element_size() + out_elements * x.element_size()
    reference = seed_model(x, dim)
    model = triscan.ModelNew(dim)
    compiled = torch.compile(seed_model)
    copy_target = torch.empty_like(x)
    implementations = {
        "triscan ModelNew": lambda: model(x),
        "eager reference": lambda: seed_model(x, dim),
        "torch.compile(reference)": lambda: compiled(x, dim),
        "seed three-pass baseline": lambda: seed_three_pass(x, dim),
    }
    results = {"shape": [rows, length], "dim": dim, "dtype": "float32", "bytes": bytes_moved, "rows": []}
    for name, fn in implementations.items():
        out = fn()  # compiles and autotunes outside the timing
        correct = out.shape == reference.shape and torch.allclose(out, reference, atol=1e-4, rtol=1e-4)
        del out
        results["rows"].append({"name": name, "ms": measure(fn, repeat_ms), "correct": bool(correct)})
        if progress:
            progress.step(f"headline: {name}")
    del reference
    copy_ms = measure(lambda: copy_target.copy_(x), repeat_ms)
    results["rows"].append({"name": "copy roofline (x.copy_)", "ms": copy_ms, "correct": None})
    eager_ms = next(r["ms"] for r in results["rows"] if r["name"] == "eager reference")
    for row in results["rows"]:
        row["gb_per_s"] = bytes_moved / row["ms"] / 1e6
        row["pct_of_copy"] = 100 * copy_ms / row["ms"]
        row["speedup_vs_eager"] = eager_ms / row["ms"]
    return results


HEADLINE_COLUMNS = ["implementation", "ms", "GB/s", "% of copy", "speedup vs eager", "correct"]
HEADLINE_NUMERIC = ("ms", "GB/s", "% of copy", "speedup vs eager")


def headline_caption(results: dict, info: dict) -> list[str]:
    """The lines that say what the headline table measured, and where."""
    return [
        f"GPU: {info['gpu']} (driver {info['driver']}), torch {info['torch']}, triton {info['triton']}, "
        f"commit {info['commit']}",
        f"x = torch.rand{tuple(results['shape'])} float32, dim={results['dim']}, seed semantics; "
        f"{results['bytes'] / 2**30:.2f} GiB moved by one sweep; "
        + ("do_bench median, L2 flushed" if info.get("l2", "cold") == "cold"
           else "median of back-to-back batches, L2 warm"),
    ]


def headline_rows(results: dict) -> list[list[str]]:
    rows = []
    for row in results["rows"]:
        correct = "" if row["correct"] is None else ("yes" if row["correct"] else "NO")
        rows.append([row["name"], f"{row['ms']:.3f}", f"{row['gb_per_s']:.0f}", f"{row['pct_of_copy']:.1f}%",
                     f"{row['speedup_vs_eager']:.2f}x", correct])
    return rows


def format_table(results: dict, info: dict) -> str:
    """The headline as markdown, with its caption (for RESULTS.md and the README)."""
    return "\n".join(headline_caption(results, info) + ["", markdown_table(
        HEADLINE_COLUMNS, headline_rows(results), HEADLINE_NUMERIC)])


def show_headline(results: dict, info: dict, stream=None) -> None:
    """The headline as a table on the terminal (plain lines in a log)."""
    show_table("\n".join(headline_caption(results, info)), HEADLINE_COLUMNS, headline_rows(results), stream,
               HEADLINE_NUMERIC)


# The JSON report's shape: key -> type, checked before writing (tests check committed reports)
REPORT_KEYS = {"environment": dict, "headline": dict}
ENVIRONMENT_KEYS = {"gpu": str, "torch": str, "triton": str, "driver": (str, type(None)),
                    "commit": (str, type(None))}
HEADLINE_ROW_KEYS = {"name": str, "ms": float, "gb_per_s": float, "pct_of_copy": float,
                     "speedup_vs_eager": float, "correct": (bool, type(None))}
SUITE_CASE_KEYS = {"case": str, "shape": list, "dim": int, "dtype": str, "bytes": int, "correct": bool,
                   "ms": dict}


def validate_report(report: dict) -> list[str]:
    """What is missing or mistyped in a `triscan bench` report (empty when it is well formed)."""
    problems = []

    def check(record, keys, where):
        for key, kind in keys.items():
            if key not in record:
                problems.append(f"{where}: missing {key!r}")
            elif not isinstance(record[key], kind):
                problems.append(f"{where}: {key!r} is {type(record[key]).__name__}")

    check(report, REPORT_KEYS, "report")
    check(report.get("environment", {}), ENVIRONMENT_KEYS, "environment")
    rows = report.get("headline", {}).get("rows", [])
    if not rows or not any(row.get("name", "").startswith("copy roofline") for row in rows):
        problems.append("headline: no rows, or no copy roofline row")
    for row in rows:
        check(row, HEADLINE_ROW_KEYS, f"headline row {row.get('name')!r}")
    for case in report.get("suite", []):
        check(case, SUITE_CASE_KEYS, f"suite case {case.get('case')!r}")
        ms = case.get("ms", {})
        if "copy roofline" not in ms or "triscan" not in ms:
            problems.append(f"suite case {case.get('case')!r}: no triscan or copy roofline time")
        if not all(isinstance(value, float) and value > 0 for value in ms.values()):
            problems.append(f"suite case {case.get('case')!r}: a time is not a positive float")
    return problems


# headline rows under the names the suite uses, so one colour means one implementation
PLOT_NAMES = {"triscan ModelNew": "triscan", "eager reference": "torch eager",
              "torch.compile(reference)": "torch.compile"}


def plot_report(report: dict, path: str) -> None:
    """Throughput per case and implementation as % of the copy roofline of the same bytes
    (the roofline drawn at 100%), written as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["headline"]["rows"]
    headline = {PLOT_NAMES.get(row["name"], row["name"]): row["ms"] for row in rows}
    copy_ms = next(row["ms"] for row in rows if row["name"].startswith("copy"))
    cases = [("headline (seed ModelNew)", headline, copy_ms)]
    cases += [(case["case"], case["ms"], case["ms"]["copy roofline"]) for case in report.get("suite", [])]
    names = []
    for _, times, _ in cases:
        names += [name for name in times if not name.startswith("copy") and name not in names]
    colours = dict(zip(names, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    figure, axes = plt.subplots(figsize=(12, 5))
    width = 0.8 / max(len(names), 1)
    for position, (_, times, copy) in enumerate(cases):
        present = [name for name in names if name in times]
        for slot, name in enumerate(present):
            offset = (slot - (len(present) - 1) / 2) * width
            axes.bar(position + offset, 100 * copy / times[name], width, color=colours[name],
                     label=name if name not in axes.get_legend_handles_labels()[1] else None)
    axes.axhline(100, color="black", linestyle="--", linewidth=1, label="copy roofline (same bytes)")
    axes.set_xticks(range(len(cases)))
    axes.set_xticklabels([label for label, _, _ in cases], rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("% of copy throughput")
    axes.set_ylim(0, 125)  # room for the legend above the roofline
    environment = report.get("environment", {})
    axes.set_title(f"triscan bench, {environment.get('gpu')}, commit {environment.get('commit')}",
                   fontsize=10)
    axes.legend(fontsize=8, loc="upper right", ncol=3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(json_path: str | None = None, repeat_ms: int = 200, suite: str = "headline",
         plot_path: str | None = None, warm_l2: bool = False, case_names: list[str] | None = None) -> int:
    """The headline, then the suite's cases: all of them (`suite="all"`) or those named by their
    short names (`case_names`, as in triscan.suite.SHORT_NAMES)."""
    if not torch.cuda.is_available():
        print("triscan bench needs a CUDA GPU and none is visible here. "
              "Run `triscan demo` for a small example through the Triton interpreter.")
        return 2
    L2["mode"] = "warm" if warm_l2 else "cold"
    info = environment()
    info["l2"] = L2["mode"]
    from . import suite as scan_suite

    if case_names:
        cases = [scan_suite.SHORT_NAMES[name] for name in case_names if scan_suite.SHORT_NAMES[name]]
    else:
        cases = list(scan_suite.CASES) if suite == "all" else []
    progress = StepProgress(4 + len(cases))
    results = run_headline(repeat_ms, progress)
    show_headline(results, info)
    report = {"environment": info, "headline": results}
    ok = all(row["correct"] is not False for row in results["rows"])
    if cases:
        report["suite"] = []
        for name in cases:
            report["suite"].append(scan_suite.run_case(name, repeat_ms))
            progress.step(name)
            torch.cuda.empty_cache()
        scan_suite.show_suite(report["suite"])
        ok = ok and all(r["correct"] for r in report["suite"])
    problems = validate_report(report)
    if problems:
        print("report does not match its schema: " + "; ".join(problems))
        ok = False
    write_json(json_path, report)
    if plot_path:
        try:
            plot_report(report, plot_path)
            print(f"wrote {plot_path}")
        except ImportError:
            print("plot skipped: matplotlib is not installed (pip install matplotlib)")
    return 0 if ok else 1
