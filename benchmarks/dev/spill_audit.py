"""Registers and spills of the kernels a variant matrix's cells launched, compiled for sm_90 without
a GPU (dev tool): each cell's plan is made again on the CPU (the interpreter's planner, on an
uninitialised tensor of the cell's shape, strides and offset), its pick taken from the matrix
JSON's `config`, and the variant compiled with the alignment Triton would specialize from the
cell's tensors and integers. Session 44's two landings came from reading a reversed pick's
registers and spills against the forward one's (benchmarks/NOTES.md 211, 213); this reads every
such cell at once, with the programs an SM holds and the KiB of input their chunks hold (NOTES.md
217: what the H200 needs more of).

    python benchmarks/dev/spill_audit.py benchmarks/results/.../h100-matrix-full.json --below 90

Row and row look-back families only: the column families' plans read the interpreter's tile
sizes, so a CPU plan is not the GPU's. A scan along a strided dim compiles its stride as a
constexpr (a launch passes it as an integer); those rows say so.
"""

import argparse
import json
import os
import subprocess
import sys

ELEMENTS = {"torch.bfloat16": "bf16", "torch.float16": "fp16", "torch.float32": "fp32",
            "torch.float64": "fp64", "torch.int64": "i64", "torch.int8": "i8", "torch.int16": "i16",
            "torch.int32": "i32"}
POINTERS = ("x_ptr", "y_ptr", "i_ptr", "status_ptr", "values_ptr")

# compiles in a process without TRITON_INTERPRET (triton.jit must build compilable functions)
CHILD = """
import json, sys
import triton.language as tl
import registers
for variant in json.loads(sys.stdin.read()):
    meta = dict(variant["constexprs"])
    for key, value in list(meta.items()):
        if isinstance(value, str) and value.startswith("tl."):
            meta[key] = tl.dtype(value[3:])
    fn, signature = registers.KERNELS[variant["kernel"]][:2]
    aligned = [name for name in variant["aligned"] if name in signature]
    if "X_ALIGNED" in fn.arg_names:  # as a launch sets it from the input's address (scan/launch.py)
        meta["X_ALIGNED"] = "x_ptr" in aligned
    try:
        used, spilled, shared = registers.compile_info(variant["kernel"], 90, aligned, **meta)
        # the persistent look-back's grid holds at most 8 programs per SM; the row kernel's, what fits
        programs = registers.programs_per_sm(used, meta.get("num_warps", 4), shared,
                                             grid_cap=8 if variant["kernel"] == "lookback" else None)
        row = {"registers": used, "spilled": spilled, "shared": shared, "programs_per_sm": programs,
               **registers.instruction_counts(registers.LAST_PTX[0])}
    except Exception as error:  # a variant that does not compile is a reading, not a crash
        row = {"error": f"{type(error).__name__}: {(str(error).splitlines() or [''])[-1][:80]}"}
    print(json.dumps(row), flush=True)
"""


def parse_config(text: str) -> dict:
    """A matrix JSON's `config` ("BLOCK: 8192, SPLIT: True, num_warps: 4, ..."): its kwargs and
    the launch options registers.compile_variant takes (num_ctas left out)."""
    values = {}
    for pair in text.split(", "):
        key, value = pair.split(": ")
        values[key] = {"True": True, "False": False, "None": None}.get(value, value)
        if isinstance(values[key], str):
            values[key] = int(value)
    values.pop("num_ctas", None)
    if values.get("maxnreg") is None:
        values.pop("maxnreg", None)
    return values


def variant_of(cell: dict, input_bytes: int) -> dict | None:
    """The cell's kernel variant as the CPU planner makes it (run under TRITON_INTERPRET=1), or
    None where the audit does not apply (no config, another family, a copy)."""
    import torch
    import triton.language as tl

    from triscan.explain import plan_of
    from triscan.scan.dispatch import entered
    from triscan.tools import matrix

    if cell.get("family") not in ("lookback", "row") or not cell.get("config"):
        return None
    dtype = matrix.DTYPES[cell["dtype"]]
    shape, dim, view = matrix.shape_for(cell["shape"], input_bytes // dtype.itemsize)
    x = torch.empty(shape, dtype=dtype)
    x = x[..., view] if view is not None else x
    plan = plan_of(x, dim, **matrix.op_flags(cell["op"]))[0]
    if plan is None or plan.family.name != cell["family"] or plan.copy_reason:
        return None
    out = torch.empty(x.shape, dtype=plan.output_dtype)
    x_entered, out_entered = entered(plan, x, out)
    constexprs = {key: value for key, value in plan.launch.constexprs.items()
                  if key not in plan.family.interpreter_meta and key != "SPLIT"}
    constexprs = {key: f"tl.{value.name}" if isinstance(value, tl.dtype) else value
                  for key, value in constexprs.items()}
    constexprs.update(parse_config(cell["config"]))
    constexprs.update(ELEMENT=ELEMENTS[str(plan.output_dtype)], INPUT=ELEMENTS[str(plan.input_dtype)])
    aligned = [name for name, value in plan.launch.scalars.items() if value % 16 == 0]
    pointers = {"x_ptr": x_entered.data_ptr(), "y_ptr": out_entered.data_ptr(),
                "i_ptr": out_entered.data_ptr()}
    aligned += [name for name in POINTERS if pointers.get(name, 0) % 16 == 0]
    stride = plan.launch.scalars.get("stride_x_scan", 1)
    if stride != 1:
        constexprs["stride_x_scan"] = stride
    return {"kernel": cell["family"], "constexprs": constexprs, "aligned": aligned, "strided": stride != 1,
            "input_bytes": plan.input_dtype.itemsize}


def held_per_sm(variant: dict, count: dict) -> float:
    """KiB of input per SM in the chunks of the programs it holds (`count`'s programs_per_sm): the
    bytes in flight, which section 217 of benchmarks/NOTES.md read as the H200's need (section 224:
    more of them did not speed up float64 there)."""
    from registers import held_elements  # here, not above: the planning child imports this module

    held = held_elements(variant["kernel"], variant["constexprs"])
    return count["programs_per_sm"] * held * variant["input_bytes"] / 1024


def plan_variants(cells: list[dict], input_bytes: int) -> list:
    """Each cell's variant, planned in a process under the interpreter (the planner's device)."""
    here = os.path.dirname(os.path.abspath(__file__))
    script = (f"import json, sys\nsys.path.insert(0, {here!r})\nimport spill_audit\n"
              "cells, size = json.loads(sys.stdin.read())\n"
              "print(json.dumps([spill_audit.variant_of(cell, size) for cell in cells]))")
    environment = dict(os.environ, TRITON_INTERPRET="1")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps([cells, input_bytes]),
                            capture_output=True, text=True, env=environment, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def compile_variants(variants: list[dict], jobs: int) -> list[dict]:
    """Registers, spills and PTX counts of each variant, in `jobs` child processes."""
    environment = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    parts = [variants[index::jobs] for index in range(jobs)]
    children = [subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True, env=environment, cwd=os.path.dirname(os.path.abspath(__file__)))
                for _ in parts]
    outputs = [child.communicate(json.dumps(part))[0] for child, part in zip(children, parts, strict=True)]
    if any(child.returncode for child in children):
        raise RuntimeError("a compiling process failed (its traceback is above)")
    rows = [[json.loads(line) for line in output.splitlines() if line.startswith("{")] for output in outputs]
    return [rows[index % jobs][index // jobs] for index in range(len(variants))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("matrix", help="a variant matrix's JSON (triscan bench --matrix --json)")
    parser.add_argument("--below", type=float, default=101.0, help="cells under this %% of copy only")
    parser.add_argument("--shapes", nargs="*", help="shape families to keep (default: all)")
    parser.add_argument("--dtypes", nargs="*", help="dtypes to keep (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    from triscan.tools.report import show_table

    with open(args.matrix) as file:
        data = json.load(file)
    input_bytes = int(data["input_gib"] * 2**30)
    cells = [cell for cell in data["cells"]
             if cell.get("family") in ("lookback", "row") and cell.get("config")
             and 100 * cell["ms"]["copy"] / cell["ms"]["triscan"] < args.below
             and (not args.shapes or cell["shape"] in args.shapes)
             and (not args.dtypes or cell["dtype"] in args.dtypes)]
    variants = plan_variants(cells, input_bytes)
    kept = [(cell, variant) for cell, variant in zip(cells, variants, strict=True) if variant is not None]
    counts = compile_variants([variant for _, variant in kept], max(1, min(args.jobs, len(kept))))
    rows, records = [], []
    for (cell, variant), count in zip(kept, counts, strict=True):
        share = 100 * cell["ms"]["copy"] / cell["ms"]["triscan"]
        strided = " (strided)" if variant["strided"] else ""
        if "error" in count:
            reading, held = count["error"], ""
        else:
            kib = count["held_kib_per_sm"] = held_per_sm(variant, count)
            reading = f"{count['registers']} / {count['spilled']}{strided}"
            held = f"{count['programs_per_sm']} / {kib:.0f}"
        rows.append([cell["op"], cell["dtype"], cell["shape"], f"{share:.1f}%", cell["config"], reading,
                     held])
        records.append({"cell": {key: cell[key] for key in ("op", "dtype", "shape", "config")},
                        "percent_of_copy": share, "variant": variant, **count})
    show_table(f"{os.path.basename(args.matrix)}: sm_90 registers / bytes spilled of each cell's pick",
               ["op", "dtype", "shape", "% of copy", "pick", "registers / spilled", "programs / KiB per SM"],
               rows)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(records, file, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
