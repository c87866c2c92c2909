"""`triscan eval REF.py NEW.py`: judge any KernelBench-style pair of files.

REF.py defines `Model`, `get_inputs()` and `get_init_inputs()`; NEW.py defines `ModelNew`
(taking the same init inputs). Both run on several freshly drawn inputs and must agree in
shape, dtype and values (torch.allclose, tolerance selectable). On CUDA both are timed with
do_bench medians, with the copy roofline of the bytes the inputs and outputs occupy.
"""

import importlib.util
import pathlib

import torch


def load_module(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_device(values, device):
    return [v.to(device) if isinstance(v, torch.Tensor) else v for v in values]


def tensor_bytes(values) -> int:
    values = values if isinstance(values, (list, tuple)) else [values]
    return sum(v.numel() * v.element_size() for v in values if isinstance(v, torch.Tensor))


def evaluate(reference_path: str, candidate_path: str, trials: int = 3, atol: float = 1e-4,
             rtol: float = 1e-4, repeat_ms: int = 100) -> dict:
    """Correctness on `trials` fresh inputs, then (on CUDA) timing of both and the roofline."""
    reference_module = load_module(reference_path, "triscan_eval_reference")
    candidate_module = load_module(candidate_path, "triscan_eval_candidate")
    for needed, module in (("Model", reference_module), ("get_inputs", reference_module),
                           ("get_init_inputs", reference_module), ("ModelNew", candidate_module)):
        if not hasattr(module, needed):
            raise AttributeError(f"{pathlib.Path(module.__file__).name} defines no {needed}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    init = reference_module.get_init_inputs()
    reference = reference_module.Model(*init).to(device)
    candidate = candidate_module.ModelNew(*init).to(device)
    report = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu", "trials": [],
              "atol": atol, "rtol": rtol}
    for trial in range(trials):
        torch.manual_seed(trial)
        inputs = to_device(reference_module.get_inputs(), device)
        with torch.no_grad():
            expected = reference(*inputs)
            got = candidate(*inputs)
        same_shape = tuple(got.shape) == tuple(expected.shape) and got.dtype == expected.dtype
        close = same_shape and bool(torch.allclose(got, expected, atol=atol, rtol=rtol))
        error = (got.double() - expected.double()).abs().max().item() if same_shape and got.numel() else 0.0
        report["trials"].append({"shape_and_dtype_match": same_shape, "allclose": close,
                                 "max_abs_error": error, "expected_shape": list(expected.shape),
                                 "got_shape": list(got.shape)})
    report["correct"] = all(t["allclose"] for t in report["trials"])
    if device == "cuda":
        from triton.testing import do_bench

        inputs = to_device(reference_module.get_inputs(), device)
        with torch.no_grad():
            output_bytes = tensor_bytes(reference(*inputs))
            report["reference_ms"] = do_bench(lambda: reference(*inputs), rep=repeat_ms, return_mode="median")
            report["candidate_ms"] = do_bench(lambda: candidate(*inputs), rep=repeat_ms, return_mode="median")
        moved = tensor_bytes(inputs) + output_bytes
        buffer = torch.empty(max(moved // 2, 1), dtype=torch.uint8, device=device)
        target = torch.empty_like(buffer)
        report["bytes"] = moved
        report["copy_ms"] = do_bench(lambda: target.copy_(buffer), rep=repeat_ms, return_mode="median")
        report["speedup"] = report["reference_ms"] / report["candidate_ms"]
    return report


def report_tables(report: dict) -> list[tuple[str, list[str], list[list[str]], tuple]]:
    """(title, columns, rows, numeric columns) of the trials and, on CUDA, of the timings."""
    trials = []
    for index, trial in enumerate(report["trials"]):
        detail = (f"max |error| {trial['max_abs_error']:.3e}" if trial["shape_and_dtype_match"]
                  else f"shape/dtype differ: expected {trial['expected_shape']}, got {trial['got_shape']}")
        trials.append([str(index), "ok" if trial["allclose"] else "MISMATCH", detail])
    tolerance = f"allclose(atol={report['atol']}, rtol={report['rtol']})"
    tables = [(f"device: {report['device']}; tolerance: {tolerance}", ["trial", "verdict", "detail"], trials,
               ())]
    if "candidate_ms" in report:
        copy = report["copy_ms"]
        rows = [[name, f"{report[f'{name}_ms']:.4f}", f"{100 * copy / report[f'{name}_ms']:.1f}%"]
                for name in ("reference", "candidate")]
        rows.append([f"copy of the same {report['bytes']} bytes", f"{copy:.4f}", "100.0%"])
        tables.append((f"speedup {report['speedup']:.2f}x", ["implementation", "ms", "% of copy"], rows,
                       ("ms", "% of copy")))
    return tables


def verdict_lines(report: dict) -> list[str]:
    lines = [] if "candidate_ms" in report else ["timing skipped: it needs a CUDA GPU"]
    return lines + ["correct" if report["correct"] else "INCORRECT"]


def format_report(report: dict) -> str:
    """The report as markdown."""
    from ..tools.report import markdown_table

    parts = []
    for title, columns, rows, numeric in report_tables(report):
        parts += [title, markdown_table(columns, rows, numeric), ""]
    return "\n".join(parts + verdict_lines(report))


def main(reference_path: str, candidate_path: str, trials: int, atol: float, rtol: float) -> int:
    from ..tools.report import show_table

    report = evaluate(reference_path, candidate_path, trials, atol, rtol)
    for title, columns, rows, numeric in report_tables(report):
        show_table(title, columns, rows, numeric=numeric)
    print("\n".join(verdict_lines(report)))
    return 0 if report["correct"] else 1
