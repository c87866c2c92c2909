"""The staged optimization loop the seed comes from, as data: four stages in order, each with its
focus, the metrics its prompt shows, the metrics a profile collects, its rules and its autotune
advice. Read by `triscan profile`, `triscan prompt` and the driver.

Every stage's profile collects the core metrics as well. Where a current Nsight Compute reads a
metric as n/a, METRIC_SOURCES names the one that measures the same quantity: the seed's
memory-dependency stall is, since Volta, the long-scoreboard stall (nvprof's
`stall_memory_dependency` maps to it in Nsight Compute's metric table).
"""

from dataclasses import dataclass

CORE_METRICS = (
    "sm__throughput.avg.pct_of_peak_sustained_elapsed",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed",
    "lts__t_sector_hit_rate.pct",
    "sm__warps_active.avg.pct_of_peak_sustained_active",
    "smsp__sass_average_data_bytes_per_sector_mem_global_op_ld.pct",
)
MEMORY_DEPENDENCY = "smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct"
LONG_SCOREBOARD = "smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct"
# seed metric -> the metric read in its place (the same quantity under its current name)
METRIC_SOURCES = {MEMORY_DEPENDENCY: LONG_SCOREBOARD}


@dataclass
class Threshold:
    """A rule's measurable part: `metric` must be below (or above) `limit` percent."""

    metric: str
    below: bool  # True: the metric must stay under the limit; False: over it
    limit: float


@dataclass
class Rule:
    text: str  # as the prompt states it
    threshold: object  # a Threshold, or None for advice no single metric decides


@dataclass
class Stage:
    name: str
    focus: str
    shown: tuple  # the metrics the prompt lists, each with its threshold where it has one
    collected: tuple  # what a profile of this stage reads, besides CORE_METRICS
    rules: tuple  # Rule
    autotune: tuple  # lines of autotune advice
    min_gain: float  # a candidate replaces the best only when faster by more than this fraction


def shown_metric(metric: str, threshold: Threshold | None) -> str:
    """A metric as the prompt lists it: `name (<20%)` where it has a limit."""
    if threshold is None:
        return metric
    return f"{metric} ({'<' if threshold.below else '>'}{threshold.limit:g}%)"


SM_BUSY = Threshold("sm__throughput.avg.pct_of_peak_sustained_elapsed", below=False, limit=60)
WARPS_ACTIVE = Threshold("sm__warps_active.avg.pct_of_peak_sustained_active", below=False, limit=50)
MEMORY_STALLS = Threshold(MEMORY_DEPENDENCY, below=True, limit=20)

STAGES = {
    "grid_and_parallel": Stage(
        name="grid_and_parallel",
        focus="Grid layout & parallelism.",
        shown=(("launch__grid_size", None), ("launch__block_size", None),
               ("launch__waves_per_multiprocessor", None), (SM_BUSY.metric, SM_BUSY)),
        collected=("launch__grid_size", "launch__block_size", "launch__waves_per_multiprocessor"),
        rules=(Rule("Keep SM throughput above 60%", SM_BUSY),
               Rule("Change the grid only when SM utilization is clearly low", None),
               Rule("Use at most 3 grid dimensions, matching tl.program_id axes", None)),
        autotune=("Keep the current BLOCK sizes; change the grid mapping only",),
        min_gain=0.01,
    ),
    "block_tiling": Stage(
        name="block_tiling",
        focus="Block sizes & tiling.",
        shown=(("launch__occupancy_limit_blocks", None), ("launch__occupancy_limit_registers", None),
               ("launch__occupancy_limit_shared_mem", None), ("launch__registers_per_thread", None),
               ("launch__shared_mem_per_block_static", None), (WARPS_ACTIVE.metric, WARPS_ACTIVE)),
        collected=("launch__occupancy_limit_blocks", "launch__occupancy_limit_registers",
                   "launch__occupancy_limit_shared_mem", "launch__registers_per_thread",
                   "launch__shared_mem_per_block_static"),
        rules=(Rule("Keep warps active above 50%", WARPS_ACTIVE),
               Rule("BLOCK sizes are powers of two", None),
               Rule("Larger blocks raise register pressure: watch the occupancy limits", None)),
        autotune=("Try 2-4 autotune configs of BLOCK sizes around the current one",),
        min_gain=0.01,
    ),
    "memory_access": Stage(
        name="memory_access",
        focus="Memory efficiency & latency hiding.",
        shown=(("dram__throughput.avg.pct_of_peak_sustained_elapsed", None),
               ("lts__t_sector_hit_rate.pct", None), (MEMORY_DEPENDENCY, MEMORY_STALLS)),
        collected=(MEMORY_DEPENDENCY, LONG_SCOREBOARD, "l1tex__t_sector_hit_rate.pct",
                   "smsp__sass_average_data_bytes_per_sector_mem_global_op_st.pct"),
        rules=(Rule("Increase num_stages only if memory stalls are high", MEMORY_STALLS),
               Rule("Do not rewrite access patterns without metric evidence", None),
               Rule("Larger BLOCK_K improves reuse but increases register pressure", None)),
        autotune=("If unsure, try num_stages ∈ {1,2,3} on kernel",),
        min_gain=0.01,
    ),
    "advanced_memory": Stage(
        name="advanced_memory",
        focus="Final micro-tuning.",
        shown=(("smsp__warp_issue_stalled_short_scoreboard_per_warp_active.pct", None),
               ("smsp__warp_issue_stalled_barrier_per_warp_active.pct", None),
               ("sm__inst_executed_pipe_tensor.avg.pct_of_peak_sustained_active", None)),
        collected=("smsp__warp_issue_stalled_short_scoreboard_per_warp_active.pct",
                   "smsp__warp_issue_stalled_barrier_per_warp_active.pct",
                   "sm__inst_executed_pipe_tensor.avg.pct_of_peak_sustained_active"),
        rules=(Rule("Move num_warps within {2,4,8,16} and num_stages within {2,3,4} by one step", None),
               Rule("Keep the original config among 3-6 nearby ones", None),
               Rule("Revert when the gain is under 1-2%", None)),
        autotune=("Keep the original config among the candidates",),
        min_gain=0.02,  # its rule: revert when the gain is under 1-2%
    ),
}
ORDER = tuple(STAGES)


def metrics_to_collect(stage: Stage) -> list[str]:
    """The core metrics, the stage's, and the current names of those read as n/a, once each."""
    names = list(CORE_METRICS) + list(stage.collected)
    names += [METRIC_SOURCES[name] for name in names if name in METRIC_SOURCES]
    return list(dict.fromkeys(names))


def metric_value(metrics: dict, name: str):
    """A metric's value, from the metric that measures the same quantity where it reads n/a."""
    value = metrics.get(name)
    if value is None and name in METRIC_SOURCES:
        value = metrics.get(METRIC_SOURCES[name])
    return value


def verdicts(stage: Stage, metrics: dict) -> list[tuple[str, str, str]]:
    """(rule, PASS/FAIL/INFO, why) for one kernel's metrics under a stage's rules."""
    out = []
    for rule in stage.rules:
        threshold = rule.threshold
        if threshold is None:
            out.append((rule.text, "INFO", "advice: no single metric decides it"))
            continue
        value = metric_value(metrics, threshold.metric)
        if value is None:
            out.append((rule.text, "INFO", f"{threshold.metric} not measured"))
            continue
        ok = value < threshold.limit if threshold.below else value > threshold.limit
        read_as = "" if metrics.get(threshold.metric) is not None else \
            f" (read as {METRIC_SOURCES[threshold.metric]})"
        out.append((rule.text, "PASS" if ok else "FAIL",
                    f"{threshold.metric} = {value:.1f}%{read_as}, limit {'<' if threshold.below else '>'}"
                    f"{threshold.limit:g}%"))
    return out
