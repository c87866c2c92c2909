"""The scan benchmark suite: cases that reach every kernel family of the registry (each result
records the family its plan took).

Each case times triscan, torch eager (torch.cumsum), torch.compile(torch.cumsum) and the
copy roofline of the same bytes (a device copy of a byte buffer half the size of what the
scan reads plus writes), all in one process with do_bench medians.
"""

import torch

from ..explain import plan_of
from ..testing.tolerance import relative_error
from .report import markdown_table, show_table
from .timing import measure, measure_once_if_slow

# the seed's problem: ModelNew(1) on x = torch.rand(32768, 32768), output (32767, 32769)
HEADLINE = {"rows": 32768, "length": 32768, "dim": 1}

# name -> (shape, dim, dtype[, reverse]); torch has no reversed cumsum, so its rows for the
# reversed cases time what a user writes instead: x.flip(dim).cumsum(dim).flip(dim)
CASES = {
    "dim 0 of (32768, 32768)": ((32768, 32768), 0, torch.float32),
    "middle dim of (512, 2048, 1024)": ((512, 2048, 1024), 1, torch.float32),
    "narrow K: (2^27, 8) dim 0": ((1 << 27, 8), 0, torch.float32),
    "1-D 2^30": ((1 << 30,), 0, torch.float32),
    "4 rows of 2^27": ((4, 1 << 27), 1, torch.float32),
    "bf16 (32768, 32768) dim 1": ((32768, 32768), 1, torch.bfloat16),
    "int32 -> int64 (16384, 16384) dim 1": ((16384, 16384), 1, torch.int32),
    "small (128, 4000) dim 1": ((128, 4000), 1, torch.float32),
    "reverse (32768, 32768) dim 1": ((32768, 32768), 1, torch.float32, True),
    "reverse 1-D 2^30": ((1 << 30,), 0, torch.float32, True),
}

# short names for the command line (`triscan bench --case`, `triscan profile --case`); "headline"
# is ModelNew on HEADLINE (above), the seed's semantics, which `bench` always runs
SHORT_NAMES = {
    "headline": None,
    "dim0": "dim 0 of (32768, 32768)",
    "middle": "middle dim of (512, 2048, 1024)",
    "narrow": "narrow K: (2^27, 8) dim 0",
    "1d": "1-D 2^30",
    "rows": "4 rows of 2^27",
    "bf16": "bf16 (32768, 32768) dim 1",
    "int32": "int32 -> int64 (16384, 16384) dim 1",
    "small": "small (128, 4000) dim 1",
    "reverse": "reverse (32768, 32768) dim 1",
    "reverse1d": "reverse 1-D 2^30",
}


def torch_scan_of(dim, reverse):
    """torch's way to the same result: cumsum, or flip, cumsum, flip."""
    if reverse:
        return lambda t: torch.cumsum(t.flip(dim), dim).flip(dim)
    return lambda t: torch.cumsum(t, dim)


def fresh_compile(call):
    """torch.compile of a benchmark's torch call, dynamo's caches cleared first. The calls share a
    few lambdas' code objects (torch_scan_of's, for every dim and dtype), and past dynamo's
    recompile limit (8 per code object) a compiled call runs eagerly with only a warning: the
    first matrix run with torch.compile hit it at its 22nd cell (benchmarks/NOTES.md 96).
    Inductor's on-disk caches, which the precompile workers warm, survive the reset."""
    torch._dynamo.reset()
    return torch.compile(call)


def make_input(shape, dtype):
    if dtype.is_floating_point:
        return torch.rand(shape, device="cuda", dtype=dtype)
    return torch.randint(-100, 100, shape, device="cuda", dtype=dtype)


def run_case(name, repeat_ms=200, with_compile=True):
    import triscan

    shape, dim, dtype, *flags = CASES[name]
    reverse = bool(flags and flags[0])
    torch_fn = torch_scan_of(dim, reverse)
    x = make_input(shape, dtype)
    plan = plan_of(x, dim, reverse=reverse)[0]
    out = triscan.cumsum(x, dim, reverse=reverse)
    bytes_moved = x.numel() * x.element_size() + out.numel() * out.element_size()
    def judge(result, expected):
        """(max relative error, correct) against float64: torch's own float32 result is far off
        on long sequential scans."""
        relative = relative_error(result, expected)
        return relative, relative <= (1e-2 if dtype == torch.bfloat16 else 1e-4)

    expected = torch_fn(x.double() if dtype.is_floating_point else x)
    relative, correct = judge(out, expected)
    del out
    from .competitors import competitors_for

    others, skipped = competitors_for(shape, reverse)
    for other, fn in list(others.items()):
        try:
            other_relative, other_correct = judge(fn(x, dim), expected)
        except Exception as failure:  # a broken install is reported, never fatal
            skipped[other] = f"failed here: {type(failure).__name__}: {str(failure)[:120]}"
            del others[other]
            continue
        if not other_correct:
            skipped[other] = f"wrong result (max relative error {other_relative:.1e})"
            del others[other]
    del expected
    buffer = torch.empty(bytes_moved // 2, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(buffer)
    rows = {"triscan": measure(lambda: triscan.cumsum(x, dim, reverse=reverse), repeat_ms),
            "torch eager": measure_once_if_slow(lambda: torch_fn(x), repeat_ms)}
    if with_compile:
        compiled = fresh_compile(torch_fn)
        compiled(x)
        rows["torch.compile"] = measure(lambda: compiled(x), repeat_ms)
    for other, fn in others.items():
        rows[other] = measure(lambda fn=fn: fn(x, dim), repeat_ms)
    rows["copy roofline"] = measure(lambda: target.copy_(buffer), repeat_ms)
    return {"case": name, "shape": list(shape), "dim": dim, "dtype": str(dtype), "reverse": reverse,
            "family": plan.family.name, "bytes": bytes_moved, "correct": correct,
            "max_relative_error": relative, "ms": rows,
            "skipped": skipped}


def suite_table(results) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    """(columns, rows, numeric columns, one line per skipped competitor with its reasons)."""
    names = ["triscan", "torch eager", "torch.compile"]
    names += sorted({name for r in results for name in r["ms"]} - set(names) - {"copy roofline"})
    columns = ["case"]
    for name in names:
        columns += [f"{name} ms", f"{name} % of copy"]
    columns += ["copy ms", "correct"]
    rows = []
    for r in results:
        ms = r["ms"]
        copy = ms["copy roofline"]
        cells = [r["case"]]
        for key in names:
            value = ms.get(key)
            cells += [f"{value:.4f}", f"{100 * copy / value:.1f}%"] if value else ["", ""]
        cells += [f"{copy:.4f}", "yes" if r["correct"] else "NO"]
        rows.append(cells)
    reasons = {}
    for r in results:
        for name, why in r.get("skipped", {}).items():
            reasons.setdefault(name, set()).add(why)
    skipped = [f"{name}: skipped ({'; '.join(sorted(whys))})" for name, whys in sorted(reasons.items())]
    return columns, rows, columns[1:-1], skipped


def format_suite(results) -> str:
    """The suite as a markdown table (ms and % of copy per implementation), then one line per
    competitor that was skipped, with the reason."""
    columns, rows, numeric, skipped = suite_table(results)
    return "\n".join([markdown_table(columns, rows, numeric)] + skipped)


def show_suite(results, stream=None) -> None:
    """The suite as a table on the terminal (plain lines in a log)."""
    columns, rows, numeric, skipped = suite_table(results)
    show_table("suite: % of the copy roofline of the same bytes", columns, rows, stream, numeric)
    for line in skipped:
        print(line, file=stream)
