#!/usr/bin/env bash
# Batched GPU work, one call each (every call must end inside the device's 10-minute limit):
#   STEP=bench  bash scripts/gpu_session.sh   headline + suite benchmark, emitted file timed
#   STEP=check  bash scripts/gpu_session.sh   triscan check at real sizes
#   STEP=accuracy bash scripts/gpu_session.sh  accuracy vs torch against float64 / long double, ACC_DTYPES
#   STEP=tests  bash scripts/gpu_session.sh   the GPU tests of the files TESTS names, TESTS_LIMIT seconds,
#                                              with the candidate patches TESTS_PATCHES applied (optional)
#   STEP=verify bash scripts/gpu_session.sh   gpu tests, threads, autograd/compile, properties, host cost
#   STEP=competitors bash scripts/gpu_session.sh   bench --case $CASES with CUB and FlagGems (.whl)
#   STEP=profile bash scripts/gpu_session.sh  triscan profile (ncu) of headline, 1-D, rows, narrow K
#   STEP=sweep bash scripts/gpu_session.sh    look-back kernel sweep (benchmarks/dev/sweep_lookback.py)
#   STEP=ab    bash scripts/gpu_session.sh    A/B against .ab/triscan_old (benchmarks/dev/ab_packages.py)
#   STEP=matrix bash scripts/gpu_session.sh   the variant matrix, quick (triscan bench --matrix --quick), or the
#                                              part MATRIX_ARGS names (--shapes ... --gib 4), into MATRIX_NAME.*
#   STEP=matrices bash scripts/gpu_session.sh  matrix parts side by side, one per GPU of a machine of several:
#                                              MATRIX_PARTS holds their MATRIX_ARGS split by '|', into
#                                              MATRIX_NAME-gpuN.* (merge them with `triscan bench --matrix --merge`)
#   STEP=cells  bash scripts/gpu_session.sh   A/B of the working tree against .ab/triscan_old on CELLS
#   STEP=candidate bash scripts/gpu_session.sh  A/B of a candidate patch (the working tree with it
#                                              applied) against .ab/triscan_old, on the cells it targets
#   STEP=candidates bash scripts/gpu_session.sh  several such A/Bs in one call, each with its own
#                                              patches and cells (CANDIDATE_SETS: "PATCHES :: CELLS|...")
#   STEP=paths bash scripts/gpu_session.sh    the host path's tests on CUDA (prepared calls, direct launches,
#                                              kept workspaces, autograd Functions, graphs, threads)
#   STEP=ncu   bash scripts/gpu_session.sh    Nsight Compute sections of the kernels of NCU_CELLS (or CELLS;
#                                              matrix cells, benchmarks/dev/ncu_cells.py), NCU_LIMIT seconds
#   STEP=ncu_metrics bash scripts/gpu_session.sh  ncu counters NCU_METRICS (and NCU_METRICS_MORE, a second
#                                              run) of NCU_CELLS (op `copy`: the cell's bytes moved, the baseline);
#                                              NCU_METRICS=stalls: the warp stall reasons per issue, cycles,
#                                              instructions and duration
#   STEP=host  bash scripts/gpu_session.sh    small calls: triscan bench --host (wall and device time per call)
#   STEP=sweeps bash scripts/gpu_session.sh  fixed-launch sweeps, one per line of SWEEPS (sweep_configs.py
#                                              arguments; default benchmarks/dev/next_sweeps.txt)
#   STEP=probe bash scripts/gpu_session.sh   a dev probe after the install (PROBE: script and arguments,
#                                              default benchmarks/dev/odd_lanes_probe.py), PROBE_LIMIT seconds
#   STEP=loop  bash scripts/gpu_session.sh    the staged loop on the seed task: triscan profile of the
#                                              emitted answer per stage (ncu), then triscan optimize
#                                              from the seed's three-pass code with a scripted agent
# STEP_H200 replaces STEP when the GPU is an H200: a call that names nvidia-h200 may get an H100, so
# one call carries both plans (e.g. STEP=ncu STEP_H200=candidates, each step's variables beside it).
# Everything lands under $OUT (or ./gpu_out). Set TRISCAN_COMMIT when the checkout has no .git.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
if [ -n "${STEP_H200:-}" ] && grep -q H200 "$OUT/gpu.txt"; then
    STEP=$STEP_H200
fi
echo "steps: ${STEP:-bench}" | tee -a "$OUT/gpu.txt"
apply_patches() {  # apply the patches $1 in order into `applied` (last applied first); true when all
    # applied. No fuzzy fallback: a set that does not apply is taken off whole by take_off_patches
    applied=()
    for candidate in $1; do
        git apply "$candidate" || break
        applied=("$candidate" "${applied[@]}")
    done
    (( ${#applied[@]} == $(wc -w <<< "$1") ))
}
take_off_patches() {  # what apply_patches applied, last applied first
    for candidate in "${applied[@]}"; do
        git apply -R "$candidate"
    done
}
install_cub() {  # CUB's column for the matrix's 1-D cells: cuda-cccl from .whl, when carried
    if ls .whl/cuda_cccl-*.whl >/dev/null 2>&1; then
        python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
            .whl/cuda_cccl-*.whl && export PYTHONPATH=/tmp/site
    fi
}
candidate_ab() {  # the A/B of the tree as patched against $3's triscan_old on the cells $1, into
    # $OUT/$2.json and (appended) $OUT/$2.txt, at most CANDIDATE_LIMIT seconds (default $4)
    PYTHONPATH=$3 timeout ${CANDIDATE_LIMIT:-$4} python3 benchmarks/dev/ab_packages.py --gib 1 --rounds 2 \
        --rep 50 --cells $1 --json "$OUT/$2.json" 2>&1 | grep --line-buffered -v "Warning\|warn(" \
        | tee -a "$OUT/$2.txt"
}
for step in ${STEP:-bench}; do  # STEP="host loop" runs both, in order
case "$step" in
bench)
    timeout 480 python3 -m triscan bench --suite all --rep 100 --json "$OUT/bench.json" 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/bench.txt"
    python3 -m triscan emit -o "$OUT/emitted_modelnew.py"
    timeout 90 python3 - "$OUT/emitted_modelnew.py" <<'PY' 2>&1 | tee "$OUT/emitted.txt"
import importlib.util, sys, torch
from triton.testing import do_bench
spec = importlib.util.spec_from_file_location("answer", sys.argv[1])
answer = importlib.util.module_from_spec(spec); spec.loader.exec_module(answer)
from triscan.testing.reference import seed_model
x = torch.rand(32768, 32768, device="cuda")
model = answer.ModelNew(1)
out = model(x); ref = seed_model(x, 1)
print("emitted ModelNew allclose(1e-4):", out.shape == ref.shape and torch.allclose(out, ref, atol=1e-4, rtol=1e-4))
del out, ref
target = torch.empty_like(x)
copy_ms = do_bench(lambda: target.copy_(x), warmup=50, rep=200, return_mode="median")
ms = do_bench(lambda: model(x), warmup=50, rep=200, return_mode="median")
print(f"emitted ModelNew {ms:.4f} ms; copy {copy_ms:.4f} ms; {100 * copy_ms / ms:.1f}% of copy")
PY
    ;;
check)
    timeout 200 python3 -m triscan check 2>&1 | tail -40 | tee "$OUT/check.txt"
    ;;
accuracy)
    # all four dtypes take over 10 minutes (each case autotunes): ACC_DTYPES splits them over calls
    ACC_DTYPES=${ACC_DTYPES:-float32 bfloat16}
    # ACC_ARGS: e.g. "--seeds 2 --ops cumsum 'cumsum reverse'" (three inputs per case by default)
    # --precompile: 12 rows' configs compiled at once, then those rows read (a row alone took 16 s)
    eval "timeout ${ACC_LIMIT:-560} python3 benchmarks/accuracy.py --dtypes $ACC_DTYPES --precompile 12 ${ACC_ARGS:-}" \
        --json "$OUT/accuracy-${ACC_DTYPES// /-}.json" 2>&1 | grep --line-buffered -v "Warning\|warn(" \
        | tee "$OUT/accuracy-${ACC_DTYPES// /-}.txt"
    ;;
tests)
    # GPU tests by file (TESTS), one line per test (a run the limit cuts still says which ran);
    # TESTS is read as shell words, so a quoted -k expression stays one argument. TESTS_WORKERS
    # processes (pytest-xdist; 0: one) share the GPU: each new shape compiles and autotunes its family's
    # configs on the CPU first, which is most of a correctness test's time there
    # each failure's traceback goes to failures.txt as it happens (tests/conftest.py). TESTS_PATCHES:
    # candidate patches applied first and taken off after; if one does not apply, no test runs
    if apply_patches "${TESTS_PATCHES:-}"; then
        echo "tests with patches: ${TESTS_PATCHES:-none}" > "$OUT/tests.txt"
        TRISCAN_FAILURES="$OUT/failures.txt" \
        eval "timeout ${TESTS_LIMIT:-540} python3 -m pytest -v -rf -p no:cacheprovider -n ${TESTS_WORKERS:-0} \
            ${TESTS:-tests/kernels/test_column.py}" \
            2>&1 | grep --line-buffered -v "Warning\|warn(" >> "$OUT/tests.txt"; tail -25 "$OUT/tests.txt"
    else
        echo "TESTS_PATCHES: ${TESTS_PATCHES} do not apply; no test ran" | tee "$OUT/tests.txt"
    fi
    take_off_patches
    ;;
verify)
    # issue 5 on CUDA: graphs, streams, threads, autograd, torch.compile (inductor), properties
    timeout 240 python3 -m pytest -q -p no:cacheprovider tests -m gpu 2>&1 | tail -15 | tee "$OUT/gpu_tests.txt"
    timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_threads.py tests/test_autograd_compile.py \
        tests/test_properties.py 2>&1 | tail -15 | tee "$OUT/issue5_tests.txt"
    timeout 60 python3 benchmarks/dev/host_overhead.py 2>&1 | tee "$OUT/host_overhead.txt"
    ;;
competitors)
    # CUB (cuda-cccl) and FlagGems from wheels carried in .whl (the device has no internet)
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl && export PYTHONPATH=/tmp/site
    timeout 400 python3 -m triscan bench --case ${CASES:-1d narrow dim0} --rep 100 --json "$OUT/bench.json" 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/bench.txt"
    ;;
profile)
    ncu --query-metrics 2>&1 | grep -i "stalled_long_scoreboard\|stalled_memory" | tee "$OUT/ncu_stall_metrics.txt"
    timeout 500 python3 -m triscan profile --case ${CASES:-headline 1d rows narrow} --impl triscan seed \
        --json "$OUT/profile.json" 2>&1 | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/profile.txt"
    ;;
ab)
    # .ab/triscan_old comes from benchmarks/dev/make_old_package.py (carried: it is ignored by git)
    # AB_DIR: another folder holding a triscan_old (e.g. .ab/base), so one session can compare two revisions
    PYTHONPATH=${AB_DIR:-.ab} timeout ${AB_LIMIT:-560} python3 benchmarks/dev/ab_packages.py --rep ${REP:-100} \
        --json "$OUT/ab.json" 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/ab.txt"
    ;;
matrix)
    install_cub
    # MATRIX_ARGS picks a part of the full matrix (e.g. '--shapes "dim 0" "middle dim" --no-compile'),
    # MATRIX_NAME names its files; parts merge with `triscan bench --matrix --merge A.json B.json ...`
    eval "timeout ${MATRIX_LIMIT:-560} python3 -m triscan bench --matrix ${MATRIX_ARGS:---quick --no-compile} \
        --precompile 12 --rep 50 --json \"$OUT/${MATRIX_NAME:-matrix}.json\" --plot \"$OUT/${MATRIX_NAME:-matrix}.png\"" \
        2>&1 | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/${MATRIX_NAME:-matrix}.txt"
    ;;
matrices)
    install_cub
    IFS='|' read -ra parts <<< "${MATRIX_PARTS:?MATRIX_PARTS: one matrix part per GPU, split by |}"
    gpus=$(nvidia-smi --list-gpus | wc -l)
    (( ${#parts[@]} <= gpus )) || { echo "${#parts[@]} parts for $gpus GPUs" | tee "$OUT/matrices.txt"; exit 1; }
    # precompile workers per part: the machine's cores shared among the parts
    workers=$(( $(nproc) / ${#parts[@]} > 12 ? 12 : $(nproc) / ${#parts[@]} ))
    for index in "${!parts[@]}"; do
        name="${MATRIX_NAME:-matrix}-gpu$index"
        eval "CUDA_VISIBLE_DEVICES=$index timeout ${MATRIX_LIMIT:-560} python3 -m triscan bench --matrix ${parts[$index]} \
            --precompile $workers --rep 50 --json \"$OUT/$name.json\" --plot \"$OUT/$name.png\"" 2>&1 \
            | grep --line-buffered -v "Warning\|warn(" > "$OUT/$name.txt" &
    done
    wait
    tail -n 3 "$OUT"/"${MATRIX_NAME:-matrix}"-gpu*.txt
    ;;
candidate)
    # e.g. CANDIDATE=benchmarks/dev/candidates/span-gather.patch, with .ab/triscan_old made
    # from the tree without it (benchmarks/dev/make_old_package.py HEAD .ab, or .ab/head with AB_DIR)
    # CANDIDATE may name several patches, applied in order (one A/B, each judged by its cells)
    for candidate in $CANDIDATE; do  # a patch that does not apply stops the run: nothing is timed without it
        git apply "$candidate" 2>/dev/null || patch -p1 < "$candidate" \
            || { echo "candidate $candidate does not apply" | tee "$OUT/candidate.txt"; exit 1; }
    done
    # CANDIDATE_AB_DIR (default AB_DIR): the old package for this step alone, so that one call can
    # run STEP="cells candidate" against two revisions; CANDIDATE_CELLS (default CELLS) likewise
    : > "$OUT/candidate.txt"
    candidate_ab "${CANDIDATE_CELLS:-${CELLS:-exclusive_cumsum/float32/1-D cumsum/float32/1-D exclusive_cumsum/bfloat16/1-D}}" \
        candidate "${CANDIDATE_AB_DIR:-${AB_DIR:-.ab}}" 500
    # later steps time the tree itself: patches come off last first, since a later one may sit on an earlier
    # (KEEP_CANDIDATE=1 leaves them on, so that STEP="candidate tests" tests the patched tree)
    [ "${KEEP_CANDIDATE:-0}" = 1 ] || for candidate in $(printf '%s\n' $CANDIDATE | tac); do
        git apply -R "$candidate" 2>/dev/null || patch -R -p1 < "$candidate"
    done
    ;;
candidates)
    # several candidate A/Bs in one call, each judged by its own cells: CANDIDATE_SETS holds
    # "PATCHES :: CELLS" entries split by '|' (patches applied in order, taken off after their A/B),
    # each at most CANDIDATE_LIMIT seconds, into candidate-N.json / .txt
    IFS='|' read -ra sets <<< "${CANDIDATE_SETS:?CANDIDATE_SETS: PATCHES :: CELLS entries split by |}"
    for index in "${!sets[@]}"; do
        patches=$(echo ${sets[$index]%%::*}) cells=${sets[$index]#*::}
        if apply_patches "$patches"; then
            echo "== candidate set $index: $patches" | tee "$OUT/candidate-$index.txt"
            candidate_ab "$cells" "candidate-$index" "${AB_DIR:-.ab}" 300
        else
            echo "candidate set $index: $patches does not apply" | tee "$OUT/candidate-$index.txt"
        fi
        take_off_patches
    done
    ;;
ncu)
    timeout ${NCU_LIMIT:-240} ncu --clock-control none --profile-from-start off --section SpeedOfLight \
        --section MemoryWorkloadAnalysis --section Occupancy --section WarpStateStats --section LaunchStats \
        python3 benchmarks/dev/ncu_cells.py ${NCU_CELLS:-$CELLS} 2>&1 | grep -v "Warning\|warn(" | tee "$OUT/ncu_cells.txt"
    ;;
ncu_metrics)
    # Nsight Compute counters (NCU_METRICS, comma-separated) of the kernels of NCU_CELLS; op `copy`
    # profiles a kernel moving the cell's bytes as the baseline. NCU_METRICS_MORE: a second run's
    # counters, into ncu_metrics_more.txt (a name this ncu does not know fails only that run)
    stalls=$(for reason in long_scoreboard short_scoreboard barrier membar wait lg_throttle mio_throttle \
        math_pipe_throttle no_instruction branch_resolving drain selected not_selected; do
        printf 'smsp__average_warps_issue_stalled_%s_per_issue_active.ratio,' "$reason"; done)
    stalls+=smsp__cycles_active.avg,smsp__inst_executed.sum,gpu__time_duration.sum
    for run in metrics metrics_more; do
        [ "$run" = metrics ] && metrics=${NCU_METRICS:?NCU_METRICS} || metrics=${NCU_METRICS_MORE:-}
        [ "$metrics" = stalls ] && metrics=$stalls
        [ -n "$metrics" ] || continue
        timeout ${NCU_LIMIT:-240} ncu --clock-control none --profile-from-start off --metrics "$metrics" \
            python3 benchmarks/dev/ncu_cells.py ${NCU_CELLS:-$CELLS} 2>&1 | grep -v "Warning\|warn(" \
            | tee "$OUT/ncu_$run.txt"
    done
    ;;
cells)
    # A/B of the working tree against .ab/triscan_old on matrix cells (CELLS, '-' for a space in an op)
    PYTHONPATH=${AB_DIR:-.ab} timeout ${LIMIT:-540} python3 benchmarks/dev/ab_packages.py --gib ${GIB:-1} --rounds 2 --rep 50 \
        --cells $CELLS --json "$OUT/cells.json" 2>&1 | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/cells.txt"
    ;;
loop)
    REF=benchmarks/dev/loop/seed_reference.py START=tests/kernelbench/data/seed_baseline_modelnew.py
    python3 -m triscan emit -o /tmp/emitted.py
    for stage in ${PROFILE_STAGES-grid_and_parallel block_tiling memory_access advanced_memory}; do
        timeout 120 python3 -m triscan profile $REF /tmp/emitted.py --stage $stage --json /tmp/loop_profile_$stage.json
    done 2>&1 | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/loop_profile.txt"
    rm -f /tmp/loop_calls
    timeout ${LIMIT:-360} python3 -m triscan optimize $REF $START --out /tmp/loop_run \
        --agent "python3 benchmarks/dev/loop/agent.py /tmp/loop_calls $START" 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/loop_optimize.txt"
    cp /tmp/loop_run/summary.md "$OUT/loop_summary.md"
    tar czf "$OUT/loop.tgz" -C /tmp loop_run $(cd /tmp && ls loop_profile_*.json 2>/dev/null)
    ;;
paths)
    timeout ${TESTS_LIMIT:-150} python3 -m pytest -q -rf -p no:cacheprovider tests/test_api.py tests/test_torch_ops.py \
        tests/test_gpu_integration.py tests/test_threads.py tests/kernels/test_lookback.py 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" > "$OUT/paths_tests.txt"; tail -25 "$OUT/paths_tests.txt"
    ;;
host)
    # HOST_NAME names the files, so that one call can time both launch paths (TRISCAN_LAUNCH=driver)
    timeout ${HOST_LIMIT:-240} python3 -m triscan bench --host ${HOST_ARGS:-} --precompile 12 \
        --json "$OUT/${HOST_NAME:-host}.json" 2>&1 | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/${HOST_NAME:-host}.txt"
    ;;
probe)
    # after the install above: a probe that imports triscan finds it (a bare pip install -e . without
    # --no-build-isolation fails on the device, which has no internet)
    timeout ${PROBE_LIMIT:-150} python3 ${PROBE:-benchmarks/dev/odd_lanes_probe.py} 2>&1 \
        | grep --line-buffered -v "Warning\|warn(" | tee "$OUT/probe.txt"
    ;;
sweep)
    timeout 560 python3 benchmarks/dev/sweep_lookback.py 2>&1 | tee "$OUT/sweep_lookback.txt"
    ;;
sweeps)
    # fixed-launch sweeps (benchmarks/dev/sweep_configs.py), one per line of the file SWEEPS holds
    # (its arguments; '#' lines skipped), each at most SWEEP_LIMIT seconds, into sweeps.txt
    grep -v '^\s*#' "${SWEEPS:-benchmarks/dev/next_sweeps.txt}" | grep -v '^\s*$' | while IFS= read -r line; do
        eval "timeout ${SWEEP_LIMIT:-90} python3 benchmarks/dev/sweep_configs.py $line" 2>&1 \
            | grep --line-buffered -v "Warning\|warn(" | tee -a "$OUT/sweeps.txt"
    done
    ;;
esac
done
