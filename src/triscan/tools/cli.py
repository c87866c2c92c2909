"""triscan's command line: `triscan emit`, `bench`, `check`, `profile`, `eval`, `prompt`, `optimize`,
`demo`."""

import argparse
import sys


def command_emit(args) -> int:
    from ..kernelbench import emit

    emit.write(args.output, args.problem)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def command_bench(args) -> int:
    if args.host:
        from . import host

        return host.main(quick=args.quick, json_path=args.json, precompile_workers=args.precompile)
    if args.matrix:
        from . import matrix

        if args.merge:
            return matrix.merge(args.merge, json_path=args.json, plot_path=args.plot)
        return matrix.main(quick=args.quick, json_path=args.json, plot_path=args.plot, repeat_ms=args.rep,
                           input_gib=args.gib, with_compile=not args.no_compile, ops=args.ops,
                           dtypes=args.dtypes, shapes=args.shapes, precompile_workers=args.precompile,
                           skip=args.skip)
    from . import bench

    return bench.main(json_path=args.json, repeat_ms=args.rep, suite=args.suite, plot_path=args.plot,
                      warm_l2=args.warm_l2, case_names=args.case)


def command_check(args) -> int:
    from . import check

    return check.main(quick=args.quick)


def command_profile(args) -> int:
    from . import profile

    if args.files:
        if len(args.files) != 2:
            print("triscan profile takes two files, REF.py and NEW.py (or none, for triscan's own cases)")
            return 2
        return profile.files_main(*args.files, json_path=args.json, ncu=args.ncu, extra_metrics=args.metric,
                                  stage_name=args.stage)
    return profile.main(args.case, args.impl, json_path=args.json, ncu=args.ncu, extra_metrics=args.metric,
                        stage_name=args.stage)


def command_eval(args) -> int:
    from ..kernelbench import evaluate

    return evaluate.main(args.reference, args.candidate, args.trials, args.atol, args.rtol)


def command_prompt(args) -> int:
    import json

    from ..kernelbench import prompt, stages
    from ..kernelbench.gpus import gpu_named, live_gpu

    if args.gpu:
        gpu = gpu_named(args.gpu)
    else:
        import torch

        if torch.cuda.is_available():
            gpu = live_gpu()
        else:
            gpu = gpu_named("4090")
            print("no CUDA device here and no --gpu: the seed's RTX 4090", file=sys.stderr)
    metrics = None
    if args.metrics:
        with open(args.metrics) as handle:
            metrics = json.load(handle)
    elif args.ref:  # measured now, as `triscan profile REF.py NEW.py` measures them
        import contextlib

        from .profile import profile_files, seed_block

        with contextlib.redirect_stdout(sys.stderr):  # why no metrics could be taken goes to stderr
            code, launches, _ = profile_files(args.ref, args.candidate, args.stage, args.ncu)
        if code == 0:
            metrics = seed_block(launches, stages.STAGES[args.stage])
        else:
            print("the prompt says: No NCU metrics available", file=sys.stderr)
    with open(args.candidate) as handle:
        code = handle.read()
    text = prompt.render(code, stages.STAGES[args.stage], gpu, metrics, args.failure)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text)
    else:
        print(text, end="")
    return 0


def command_optimize(args) -> int:
    from .environment import needs_interpreter_rerun

    code = needs_interpreter_rerun(sys.argv[1:], "running the candidates' kernels")
    if code is not None:
        return code
    from . import optimize

    return optimize.main(args.reference, args.start, args.agent, args.stages, args.rounds, args.out, args.gpu,
                         args.trials, args.timeout, "" if args.no_ncu else args.ncu)


def command_demo(args) -> int:
    from . import demo

    return demo.main()


def build_parser() -> argparse.ArgumentParser:
    from .suite import SHORT_NAMES

    parser = argparse.ArgumentParser(prog="triscan", description="Prefix scans for PyTorch, in Triton.")
    commands = parser.add_subparsers(dest="command", required=True)
    emit_parser = commands.add_parser("emit", help="write the seed's single-file ModelNew answer")
    emit_parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    emit_parser.add_argument("--problem", choices=("seed", "89", "90", "91", "92"), default="seed",
                             help="the seed task (default) or a KernelBench level-1 scan problem")
    emit_parser.set_defaults(run=command_emit)
    bench_parser = commands.add_parser(
        "bench", help="headline benchmark on CUDA: triscan vs eager, torch.compile, seed baseline, copy")
    bench_parser.add_argument("--json", help="also write the results as JSON to this file")
    bench_parser.add_argument("--suite", choices=("headline", "all"), default="headline",
                              help="headline only, or the headline plus every shape family")
    bench_parser.add_argument("--case", nargs="+", choices=sorted(SHORT_NAMES),
                              help="after the headline, only these suite cases (overrides --suite)")
    bench_parser.add_argument("--rep", type=int, default=200, help="do_bench repetition time in ms")
    bench_parser.add_argument("--plot", help="also draw %% of the copy roofline per case as a PNG")
    bench_parser.add_argument("--warm-l2", action="store_true",
                              help="time back-to-back runs (default: L2 emptied before each run, cold)")
    from .matrix import DTYPES, OPERATOR_OPS, OPS, SHAPES

    bench_parser.add_argument("--matrix", action="store_true",
                              help="every op x dtype x shape family instead (--quick, --ops, --dtypes, "
                              "--shapes pick cells)")
    bench_parser.add_argument("--host", action="store_true",
                              help="small calls instead: wall time per call back to back and device time, "
                              "triscan against torch.cumsum, with the launch floors and a per-layer profile")
    bench_parser.add_argument("--quick", action="store_true",
                              help="with --matrix: a subset, 1 GiB inputs; with --host: float32 only")
    bench_parser.add_argument("--ops", nargs="+", choices=OPS + OPERATOR_OPS,
                              help="with --matrix: only these ops (cumprod, logcumsumexp, ... by name only)")
    bench_parser.add_argument("--dtypes", nargs="+", choices=sorted(DTYPES),
                              help="with --matrix: only these input dtypes")
    bench_parser.add_argument("--shapes", nargs="+", choices=SHAPES,
                              help="with --matrix: only these shape families")
    bench_parser.add_argument("--gib", type=float,
                              help="with --matrix: input size in GiB (default 4, with --quick 1)")
    bench_parser.add_argument("--precompile", type=int, default=0, metavar="N",
                              help="with --matrix or --host: compile every cell's autotune configs in N "
                              "processes first (Triton's disk cache), so cells do not compile one by one")
    bench_parser.add_argument("--merge", nargs="+", metavar="JSON",
                              help="with --matrix: time nothing; merge these matrix reports (runs of parts "
                              "of the matrix, one GPU and input size) into one table, --json and --plot")
    bench_parser.add_argument("--skip", nargs="+", metavar="JSON",
                              help="with --matrix: leave out the cells these matrix reports hold (a run "
                              "cut short goes on where it stopped; merge the parts after)")
    bench_parser.add_argument("--no-compile", action="store_true",
                              help="with --matrix: leave torch.compile out (it compiles once per cell)")
    bench_parser.set_defaults(run=command_bench)
    check_parser = commands.add_parser(
        "check", help="correctness matrix against float64 references (CUDA, or the interpreter on CPU)")
    check_parser.add_argument("--quick", action="store_true", help="a few shapes and dtypes only")
    check_parser.set_defaults(run=command_check)
    profile_parser = commands.add_parser(
        "profile", help="Nsight Compute metrics of the kernels, judged by the seed's stage rules")
    from .profile import IMPLEMENTATIONS

    profile_parser.add_argument("files", nargs="*", metavar="FILE",
                                help="REF.py NEW.py: profile a KernelBench-style candidate's ModelNew on "
                                "REF.py's inputs (the `triscan eval` contract) instead of triscan's cases")
    profile_parser.add_argument("--case", nargs="+", choices=sorted(SHORT_NAMES), default=["headline"],
                                help="shapes to profile (default: headline)")
    profile_parser.add_argument("--impl", nargs="+", choices=IMPLEMENTATIONS, default=["triscan", "seed"],
                                help="implementations to profile (default: triscan and the seed's baseline)")
    profile_parser.add_argument("--json", help="also write metrics and verdicts as JSON to this file")
    profile_parser.add_argument("--ncu", help="path to Nsight Compute's ncu (default: ncu on PATH)")
    from ..kernelbench.stages import ORDER

    profile_parser.add_argument("--stage", choices=ORDER, default="memory_access",
                                help="the stage whose metrics and rules apply (default: the seed's)")
    profile_parser.add_argument("--metric", action="append",
                                help="one more ncu metric to collect (repeatable)")
    profile_parser.set_defaults(run=command_profile)
    eval_parser = commands.add_parser(
        "eval", help="judge a KernelBench-style pair: REF.py (Model, get_inputs) vs NEW.py (ModelNew)")
    eval_parser.add_argument("reference", help="file defining Model, get_inputs, get_init_inputs")
    eval_parser.add_argument("candidate", help="file defining ModelNew")
    eval_parser.add_argument("--trials", type=int, default=3, help="fresh inputs to compare on")
    eval_parser.add_argument("--atol", type=float, default=1e-4)
    eval_parser.add_argument("--rtol", type=float, default=1e-4)
    eval_parser.set_defaults(run=command_eval)
    prompt_parser = commands.add_parser(
        "prompt", help="the next prompt of the staged loop for a candidate, in the seed's layout")
    prompt_parser.add_argument("candidate", help="file defining ModelNew (the current code)")
    prompt_parser.add_argument("--stage", choices=ORDER, required=True, help="the optimization stage")
    prompt_parser.add_argument("--gpu", help="target GPU: 4090, L40S, A100, H100, H200 (default: this one)")
    prompt_parser.add_argument("--metrics", help="Nsight Compute metrics in the seed's JSON form, per kernel")
    prompt_parser.add_argument("--ref", help="REF.py (the `triscan eval` contract): without --metrics, "
                               "measure the candidate's metrics now under ncu on REF.py's inputs")
    prompt_parser.add_argument("--ncu", help="with --ref: Nsight Compute's ncu (default: ncu on PATH)")
    prompt_parser.add_argument("--failure", help="what the previous attempt got wrong (adds that block)")
    prompt_parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    prompt_parser.set_defaults(run=command_prompt)
    optimize_parser = commands.add_parser(
        "optimize", help="the staged loop: prompt an agent, check and time its answers, keep the best")
    optimize_parser.add_argument("reference", help="KernelBench-style file defining Model, get_inputs, "
                                 "get_init_inputs")
    optimize_parser.add_argument("start", help="the first candidate: a file defining ModelNew")
    optimize_parser.add_argument("--agent", required=True,
                                 help="command that reads a prompt on stdin and writes an answer on stdout")
    optimize_parser.add_argument("--stages", nargs="+", choices=ORDER,
                                 help="stages in order (default: all four)")
    optimize_parser.add_argument("--rounds", type=int, default=1, help="answers asked per stage")
    optimize_parser.add_argument("--out", default="triscan-optimize", help="folder for prompts, answers, "
                                 "verdicts and the best file (a second run goes on from it)")
    optimize_parser.add_argument("--gpu", help="target GPU named in the prompts (default: this one)")
    optimize_parser.add_argument("--trials", type=int, default=3, help="fresh inputs per correctness check")
    optimize_parser.add_argument("--timeout", type=int, default=600, help="seconds an agent may take")
    optimize_parser.add_argument("--ncu", help="Nsight Compute's ncu for the prompts' metrics (default: ncu "
                                 "on PATH; without it the prompts say no metrics are available)")
    optimize_parser.add_argument("--no-ncu", action="store_true", help="prompts without measured metrics")
    optimize_parser.set_defaults(run=command_optimize)
    demo_parser = commands.add_parser("demo", help="small worked example (runs anywhere)")
    demo_parser.set_defaults(run=command_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
