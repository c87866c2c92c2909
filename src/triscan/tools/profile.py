"""`triscan profile`: Nsight Compute metrics of triscan's kernels, or of any KernelBench-style
candidate (`triscan profile REF.py NEW.py`), judged by the seed's stage rules.

The seed's stage ("memory efficiency & latency hiding") reads five metrics per kernel plus the
share of warps stalled on memory, and gives rules: memory-dependency stalls under 20%, raise
num_stages only when those stalls are high, rewrite access patterns only on metric evidence,
mind register pressure when growing blocks, try num_stages in {1, 2, 3}.

The memory-dependency stall. The seed names
``smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct``, nvprof's old
``stall_memory_dependency``. Current Nsight Compute reports it as n/a (benchmarks/RESULTS.md):
since Volta that stall is called *long scoreboard* -- a warp waiting for the result of an
L1TEX operation (global, local, texture or surface memory) -- and Nsight Compute's
nvprof-to-ncu metric table maps ``stall_memory_dependency`` to
``smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct``: the percentage of active
warp cycles spent in that stall, the same quantity. triscan reads that metric and names it.

The profile runs in a child process under ``ncu --profile-from-start off``: the child
compiles and autotunes first, then opens the profiler around one call, so only that call's
kernels are measured. Each case also profiles a device copy of the bytes a single-sweep scan
moves: the DRAM throughput a copy reaches is the target the DRAM verdict uses, since the
seed's rules were written for kernels far from it (a row scan at copy speed still shows
many long-scoreboard stalls: with 16-byte loads in flight, latency is hidden anyway;
benchmarks/RESULTS.md).
"""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

from ..kernelbench import stages
from . import suite

SEED_METRICS = [
    "sm__throughput.avg.pct_of_peak_sustained_elapsed",
    "launch__grid_size",
    "sm__warps_active.avg.pct_of_peak_sustained_active",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed",
    "lts__t_sector_hit_rate.pct",
]
# the seed's memory-dependency stall and the metric that measures it today (the stage table's)
SEED_STALL_METRIC = stages.MEMORY_DEPENDENCY
STALL_METRIC = stages.LONG_SCOREBOARD
EXTRA_METRICS = ["launch__registers_per_thread", "launch__block_size", "gpu__time_duration.sum"]
STALL_LIMIT = 20.0  # the seed's rule: memory-dependency stalls under 20%
DRAM_EVIDENCE = 80.0  # below this share of peak DRAM throughput, access patterns deserve a look

CASES = suite.SHORT_NAMES
IMPLEMENTATIONS = ("triscan", "seed", "torch")


def parse_ncu_csv(text: str) -> list[dict]:
    """Rows of ``ncu --csv --page raw`` output: one dict per profiled kernel launch, metric
    name -> float (None for n/a), plus "Kernel Name". Lines that are not CSV are skipped."""
    lines = [line for line in text.splitlines() if line.startswith('"')]
    if len(lines) < 2:
        return []
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    header, body = rows[0], rows[2:]  # the second row holds the units
    launches = []
    for row in body:
        record = {}
        for name, value in zip(header, row, strict=False):
            if name == "Kernel Name":
                record[name] = value
            elif "__" in name:
                try:
                    record[name] = float(value.replace(",", ""))
                except ValueError:
                    record[name] = None
        launches.append(record)
    return launches


def seed_block(launches: list[dict], stage=None) -> dict:
    """The metrics in the seed's JSON form, one entry per kernel launch (a repeated kernel
    name gets " #2", " #3"), with the memory-dependency stall under its seed name and source;
    with a stage (kernelbench/stages.py), its core and own metrics too."""
    block, seen = {}, {}
    for launch in launches:
        name = short_name(launch.get("Kernel Name", "?"))
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name} #{seen[name]}"
        entry = {metric: launch.get(metric) for metric in SEED_METRICS}
        entry[SEED_STALL_METRIC] = launch.get(SEED_STALL_METRIC)
        entry[f"memory_dependency_stall.pct (= {STALL_METRIC})"] = launch.get(STALL_METRIC)
        for metric in EXTRA_METRICS + (stages.metrics_to_collect(stage) if stage is not None else []):
            entry.setdefault(metric, launch.get(metric))
        block[key] = entry
    return block


def short_name(name: str) -> str:
    """Triton kernels keep their name; C++ kernels lose `void`, anonymous namespaces, template
    arguments and parameters: "void at::native::(anonymous namespace)::f<float, 4>(int)" ->
    "at::native::f"."""
    name = name.replace("(anonymous namespace)::", "").replace("<unnamed>::", "").strip()
    name = name.removeprefix("void ")
    depth, kept = 0, []
    for char in name:
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if char == "(":
                break
            kept.append(char)
    return "".join(kept).strip() or "?"


MINOR_SHARE = 0.02  # kernels under 2% of the call's GPU time (workspace zeroing) are not judged


def verdicts(launch: dict, stages: int | None, stages_tried: list[int] | None, copy_dram: float | None = None,
             share: float = 1.0) -> list[tuple[str, str, str]]:
    """(rule, PASS/FAIL/INFO, why) for one kernel launch under the seed's stage rules.

    `copy_dram`: the DRAM throughput (% of peak) a copy of the same bytes reaches, the fair
    target for a one-pass kernel; `share`: the launch's part of the call's GPU time."""
    stall = launch.get(STALL_METRIC)
    dram = launch.get("dram__throughput.avg.pct_of_peak_sustained_elapsed")
    registers = launch.get("launch__registers_per_thread")
    if share < MINOR_SHARE:
        return [("all rules", "INFO", f"{100 * share:.1f}% of the call's GPU time: not judged")]
    out = []
    if stall is None:
        out.append(("memory-dependency stalls < 20%", "INFO", "stall metric not available"))
    else:
        out.append(("memory-dependency stalls < 20%", "PASS" if stall < STALL_LIMIT else "FAIL",
                    f"{stall:.1f}% of active warp cycles in long-scoreboard stalls"))
    if stages is None or stall is None:
        out.append(("num_stages raised only if memory stalls are high", "INFO",
                    "not a triscan autotuned kernel" if stages is None else "stall metric not available"))
    elif stall >= STALL_LIMIT and stages < 3:
        out.append(("num_stages raised only if memory stalls are high", "FAIL",
                    f"stalls {stall:.1f}% with num_stages={stages}: try more stages"))
    elif stall < STALL_LIMIT and stages > 1:
        out.append(("num_stages raised only if memory stalls are high", "INFO",
                    f"num_stages={stages} with low stalls: the autotuner timed it no slower than fewer"))
    else:
        out.append(("num_stages raised only if memory stalls are high", "PASS", f"num_stages={stages}"))
    if dram is None:
        out.append(("access patterns rewritten only on metric evidence", "INFO", "no DRAM metric"))
    elif copy_dram:
        # a one-pass kernel cannot beat a copy of the same bytes: judge against it
        verdict = "PASS" if dram >= 0.9 * copy_dram else "INFO"
        out.append(("access patterns rewritten only on metric evidence", verdict,
                    f"DRAM at {dram:.1f}% of peak, a copy of the same bytes at {copy_dram:.1f}%: "
                    + ("no evidence for rewriting access patterns" if verdict == "PASS"
                       else "short of the copy; access patterns and latency hiding deserve a look")))
    elif dram >= DRAM_EVIDENCE:
        out.append(("access patterns rewritten only on metric evidence", "PASS",
                    f"DRAM at {dram:.1f}% of peak: no evidence for rewriting access patterns"))
    else:
        out.append(("access patterns rewritten only on metric evidence", "INFO",
                    f"DRAM at {dram:.1f}% of peak: below {DRAM_EVIDENCE:.0f}%, access patterns and "
                    "latency hiding deserve a look"))
    if registers is not None:
        state = "at the 255 limit: a larger block would spill" if registers >= 255 else "below the limit"
        out.append(("larger blocks raise register pressure", "INFO",
                    f"{registers:.0f} registers/thread, {state}"))
    if stages_tried is not None:
        covered = {1, 2, 3} <= set(stages_tried)
        out.append(("autotune tries num_stages in {1, 2, 3}", "PASS" if covered else "INFO",
                    f"tried {sorted(set(stages_tried))}"))
    return out


def autotuned_kernels(kernels: list | None = None) -> dict:
    """Autotuned kernels by name (triscan's own unless `kernels` names others): the configs
    chosen so far and the stages tried."""
    from ..kernels.registry import FAMILIES

    if kernels is None:
        kernels = [kernel for family in FAMILIES for kernel in family.kernels.values()]
    report = {}
    for kernel in kernels:
        chosen = list(getattr(kernel, "cache", {}).values())
        report[kernel.fn.__name__] = {
            "chosen": [str(config) for config in chosen],
            "num_stages": chosen[-1].num_stages if chosen else None,
            "stages_tried": sorted({config.num_stages for config in kernel.configs}),
        }
    return report


def candidate_call(reference_path: str, candidate_path: str):
    """One call of a KernelBench-style candidate on CUDA (the `triscan eval` file contract: REF.py
    defines get_inputs and get_init_inputs, NEW.py defines ModelNew)."""
    import torch
    from triton.runtime.autotuner import Autotuner

    from ..kernelbench.evaluate import load_module, to_device

    reference = load_module(reference_path, "triscan_profile_reference")
    candidate = load_module(candidate_path, "triscan_profile_candidate")
    for needed, module in (("get_inputs", reference), ("get_init_inputs", reference),
                           ("ModelNew", candidate)):
        if not hasattr(module, needed):
            raise SystemExit(f"{module.__file__} defines no {needed}")
    torch.manual_seed(0)
    model = candidate.ModelNew(*reference.get_init_inputs())
    model = model.cuda() if isinstance(model, torch.nn.Module) else model
    inputs = to_device(reference.get_inputs(), "cuda")
    call = lambda: model(*inputs)  # noqa: E731
    # the candidate's own autotuned kernels (a single file carries its copies of triscan's)
    call.kernels = [value for value in vars(candidate).values() if isinstance(value, Autotuner)]
    return call


def profiled_once(call, report_path: str) -> int:
    """Warm up (compile, autotune) outside the profiler, then one call inside it; the autotuner's
    choices go to report_path."""
    import torch

    call()
    call()
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStart()
    call()
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStop()
    with open(report_path, "w") as handle:
        json.dump(autotuned_kernels(getattr(call, "kernels", None)), handle)
    return 0


def target_main(argv: list[str]) -> int:
    """The profiled child. argv: case, implementation, path for the autotuner's choices; or
    --files, REF.py, NEW.py, that path."""
    import torch

    import triscan
    from triscan.kernelbench.seed_three_pass import seed_three_pass
    from triscan.testing.reference import seed_model

    if argv[0] == "--files":
        _, reference_path, candidate_path, report_path = argv
        return profiled_once(candidate_call(reference_path, candidate_path), report_path)
    case, implementation, report_path = argv
    HEADLINE = suite.HEADLINE

    torch.manual_seed(0)
    if CASES[case] is None:
        shape, dim, dtype, reverse = (HEADLINE["rows"], HEADLINE["length"]), HEADLINE["dim"], torch.float32, \
            False
    else:
        shape, dim, dtype, *flags = suite.CASES[CASES[case]]
        reverse = bool(flags and flags[0])
    x = suite.make_input(shape, dtype)
    if implementation == "copy":  # the roofline: a device copy of the bytes a one-pass scan moves
        from triscan.api import result_dtype

        out_bytes = x.numel() * torch.empty((), dtype=result_dtype(dtype)).element_size()
        moved = x.numel() * x.element_size() + out_bytes
        source = torch.rand(moved // 8, device="cuda")
        target = torch.empty_like(source)
        # a copy kernel: Nsight Compute does not see tensor.copy_'s cudaMemcpy as a kernel
        call = lambda: torch.neg(source, out=target)  # noqa: E731
    elif implementation == "triscan":
        model = triscan.ModelNew(dim)
        call = (lambda: model(x)) if CASES[case] is None else \
            (lambda: triscan.cumsum(x, dim, reverse=reverse))
    elif implementation == "seed":
        call = lambda: seed_three_pass(x, dim)  # noqa: E731
    else:
        torch_fn = suite.torch_scan_of(dim, reverse)
        call = (lambda: seed_model(x, dim)) if CASES[case] is None else (lambda: torch_fn(x))
    return profiled_once(call, report_path)


def run_ncu(ncu: str, child_args: list[str], metrics: list[str]) -> tuple[int, str, dict]:
    """Profile one call of the child (target_main's arguments but the report path) in a child
    process; (exit code, ncu output, autotune report)."""
    with tempfile.TemporaryDirectory() as folder:
        report_path = os.path.join(folder, "autotune.json")
        command = [ncu, "--profile-from-start", "off", "--metrics", ",".join(metrics), "--csv", "--page",
                   "raw", "--print-units", "base", sys.executable, "-m", "triscan.tools.profile", *child_args,
                   report_path]
        done = subprocess.run(command, capture_output=True, text=True)
        report = {}
        if os.path.exists(report_path):
            with open(report_path) as handle:
                report = json.load(handle)
        return done.returncode, done.stdout + done.stderr, report


def collected_metrics(stage_name: str, extra_metrics: list[str] | None) -> list[str]:
    """The seed's metrics, the stall and its mapping, the stage's own, and any extra ones."""
    stage = stages.STAGES[stage_name]
    metrics = SEED_METRICS + [SEED_STALL_METRIC, STALL_METRIC] + stages.metrics_to_collect(stage)
    return list(dict.fromkeys(metrics + EXTRA_METRICS + list(extra_metrics or [])))


def profiler_missing(ncu: str | None) -> tuple[str | None, int]:
    """(ncu's path, 0), or (None, exit code) after saying why no profile can be taken here."""
    import torch

    executable = shutil.which(ncu or "ncu")
    if executable is None:
        print(f"triscan profile needs Nsight Compute's `ncu`, and {ncu or 'ncu'!r} is not on PATH here. "
              "Install Nsight Compute or pass --ncu PATH.")
        return None, 2
    if not torch.cuda.is_available():
        print("triscan profile needs a CUDA GPU and none is visible here.")
        return None, 2
    return executable, 0


def counters_denied(output: str) -> bool:
    if "ERR_NVGPUCTRPERM" in output:
        print("Nsight Compute has no access to the GPU's performance counters here "
              "(ERR_NVGPUCTRPERM): run as root or allow profiling for all users "
              "(NVreg_RestrictProfilingToAdminUsers=0).")
        return True
    return False


def judge(label: str, launches: list[dict], tuned: dict, stage_name: str, copy_dram: float | None) -> dict:
    """Print the seed's metric block of one profiled call and the stage's verdicts per kernel;
    return both for the JSON report."""
    stage = stages.STAGES[stage_name]
    block = seed_block(launches, stage)
    call_time = sum(launch.get("gpu__time_duration.sum") or 0 for launch in launches) or 1.0
    print(f"\n[{label}] Nsight Compute metrics (seed form):")
    print(json.dumps(block, indent=2))
    judged = {}
    for key, launch in zip(block, launches, strict=True):
        kernel = short_name(launch.get("Kernel Name", "?"))
        tuned_kernel = tuned.get(kernel, {})
        share = (launch.get("gpu__time_duration.sum") or 0) / call_time
        if stage_name == "memory_access":
            rules = verdicts(launch, tuned_kernel.get("num_stages"), tuned_kernel.get("stages_tried"),
                             copy_dram, share)
        else:
            rules = stages.verdicts(stage, launch)
        judged[key] = [{"rule": rule, "verdict": verdict, "why": why} for rule, verdict, why in rules]
        print(f"  {key}" + (f"  (autotuner chose {tuned_kernel['chosen'][-1]})"
                            if tuned_kernel.get("chosen") else ""))
        for rule, verdict, why in rules:
            print(f"    {verdict:4s}  {rule}: {why}")
    return {"metrics": block, "verdicts": judged, "autotune": tuned}


def write_report(json_path: str | None, report: dict) -> None:
    if json_path:
        from .environment import environment

        with open(json_path, "w") as handle:
            json.dump({"environment": environment(), "stall_metric": STALL_METRIC, "profiles": report},
                      handle, indent=1)


def profile_files(reference_path: str, candidate_path: str, stage_name: str, ncu: str | None = None,
                  extra_metrics: list[str] | None = None) -> tuple[int, list[dict], dict]:
    """(exit code, profiled launches, autotune report) of one call of a candidate under ncu; a
    non-zero code after saying why (2: no such file, no ncu or no GPU; 3: no counter access;
    1: ncu failed or saw no kernel)."""
    for path in (reference_path, candidate_path):
        if not os.path.isfile(path):
            print(f"no such file: {path}")
            return 2, [], {}
    executable, code = profiler_missing(ncu)
    if executable is None:
        return code, [], {}
    metrics = collected_metrics(stage_name, extra_metrics)
    code, output, tuned = run_ncu(executable, ["--files", os.path.abspath(reference_path),
                                               os.path.abspath(candidate_path)], metrics)
    if counters_denied(output):
        return 3, [], {}
    launches = parse_ncu_csv(output)
    if code != 0 or not launches:
        print(f"[{candidate_path}] ncu failed (exit {code}) or saw no kernel:\n" + output[-3000:])
        return 1, [], {}
    return 0, launches, tuned


def files_main(reference_path: str, candidate_path: str, json_path: str | None = None, ncu: str | None = None,
               extra_metrics: list[str] | None = None, stage_name: str = "memory_access") -> int:
    """`triscan profile REF.py NEW.py --stage NAME`: the kernels of any KernelBench-style candidate,
    on REF.py's inputs, in the seed's metric form with the stage's verdicts."""
    code, launches, tuned = profile_files(reference_path, candidate_path, stage_name, ncu, extra_metrics)
    if code:
        return code
    report = {candidate_path: judge(os.path.basename(candidate_path), launches, tuned, stage_name, None)}
    write_report(json_path, report)
    return 0


def main(cases: list[str], implementations: list[str], json_path: str | None = None, ncu: str | None = None,
         extra_metrics: list[str] | None = None, stage_name: str = "memory_access") -> int:
    """Profile triscan's kernels on suite cases; the stage (kernelbench/stages.py) adds its metrics
    and, besides the memory stage's verdicts below, its own rules' verdicts."""
    executable, code = profiler_missing(ncu)
    if executable is None:
        return code
    metrics = collected_metrics(stage_name, extra_metrics)
    report, failed = {}, False
    for case in cases:
        copy_dram = None
        for implementation in ("copy", *implementations):
            if implementation == "seed" and CASES[case] is not None:
                print(f"[{case} / seed] skipped: the seed's baseline computes the headline's semantics only")
                continue
            code, output, tuned = run_ncu(executable, [case, implementation], metrics)
            if counters_denied(output):
                return 3
            launches = parse_ncu_csv(output)
            if code != 0 or not launches:
                print(f"[{case} / {implementation}] ncu failed (exit {code}):\n" + output[-3000:])
                failed = True
                continue
            if implementation == "copy":
                copy_dram = max(launch.get("dram__throughput.avg.pct_of_peak_sustained_elapsed") or 0
                                for launch in launches) or None
                print(f"\n[{case}] a copy of the same bytes: DRAM at {copy_dram or 0:.1f}% of peak")
                report[f"{case}/copy"] = {"metrics": seed_block(launches)}
                continue
            label = f"{case} / {implementation}"
            report[f"{case}/{implementation}"] = judge(label, launches, tuned, stage_name, copy_dram)
    write_report(json_path, report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(target_main(sys.argv[1:]))
