"""`triscan bench`: the headline benchmark, every number from one process.

For x = torch.rand(32768, 32768) float32 on CUDA and dim=1 (seed semantics, output
(32767, 32769)) it times, with triton.testing.do_bench medians (L2 flushed before each
run): triscan's ModelNew, the eager reference, torch.compile of the reference, the
seed's three-pass baseline, and the copy roofline: a device-to-device copy of a tensor
the size of x, which moves the same bytes a one-pass scan must move.
"""

import json
import os
import platform
import subprocess

import torch

HEADLINE = {"rows": 32768, "length": 32768, "dim": 1}


def environment() -> dict:
    """GPU, driver, versions and commit, recorded beside every result."""
    import triton

    info = {
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "triton": triton.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "driver": None,
        "commit": None,
    }
    try:
        info["driver"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        pass
    # a copied checkout (as on a lent GPU machine) may carry no .git, or a stale one: there
    # TRISCAN_COMMIT names the commit, and it wins
    info["commit"] = os.environ.get("TRISCAN_COMMIT")
    try:
        info["commit"] = info["commit"] or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            timeout=30).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def measure(fn, repeat_ms: int) -> float:
    from triton.testing import do_bench

    return do_bench(fn, warmup=50, rep=repeat_ms, return_mode="median")


def run_headline(repeat_ms: int = 200, verbose: bool = True) -> dict:
    """Time every implementation on the headline shape; returns the raw results."""
    import triscan
    from triscan.baselines.seed_three_pass import seed_three_pass
    from triscan.reference import seed_model

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
        if verbose:
            print(f"  timed {name}", flush=True)
    del reference
    copy_ms = measure(lambda: copy_target.copy_(x), repeat_ms)
    results["rows"].append({"name": "copy roofline (x.copy_)", "ms": copy_ms, "correct": None})
    eager_ms = next(r["ms"] for r in results["rows"] if r["name"] == "eager reference")
    for row in results["rows"]:
        row["gb_per_s"] = bytes_moved / row["ms"] / 1e6
        row["pct_of_copy"] = 100 * copy_ms / row["ms"]
        row["speedup_vs_eager"] = eager_ms / row["ms"]
    return results


def format_table(results: dict, info: dict) -> str:
    lines = [
        f"GPU: {info['gpu']} (driver {info['driver']}), torch {info['torch']}, triton {info['triton']}, "
        f"commit {info['commit']}",
        f"x = torch.rand{tuple(results['shape'])} float32, dim={results['dim']}, seed semantics; "
        f"{results['bytes'] / 2**30:.2f} GiB moved by one pass; do_bench median, L2 flushed",
        "",
        "| implementation | ms | GB/s | % of copy | speedup vs eager | correct |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in results["rows"]:
        correct = "" if row["correct"] is None else ("yes" if row["correct"] else "NO")
        lines.append(f"| {row['name']} | {row['ms']:.3f} | {row['gb_per_s']:.0f} | "
                     f"{row['pct_of_copy']:.1f}% | {row['speedup_vs_eager']:.2f}x | {correct} |")
    return "\n".join(lines)


def main(json_path: str | None = None, repeat_ms: int = 200, suite: str = "headline") -> int:
    if not torch.cuda.is_available():
        print("triscan bench needs a CUDA GPU and none is visible here. "
              "Run `triscan demo` for a small example through the Triton interpreter.")
        return 2
    info = environment()
    results = run_headline(repeat_ms)
    print(format_table(results, info), flush=True)
    report = {"environment": info, "headline": results}
    ok = all(row["correct"] is not False for row in results["rows"])
    if suite == "all":
        from . import suite as scan_suite

        report["suite"] = []
        for name in scan_suite.CASES:
            report["suite"].append(scan_suite.run_case(name, repeat_ms))
            print(f"  timed {name}", flush=True)
            torch.cuda.empty_cache()
        print(scan_suite.format_suite(report["suite"]))
        ok = ok and all(r["correct"] for r in report["suite"])
    if json_path:
        with open(json_path, "w") as handle:
            json.dump(report, handle, indent=1)
    return 0 if ok else 1
