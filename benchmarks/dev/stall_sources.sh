#!/usr/bin/env bash
# Where a case's kernels stall, per SASS instruction (dev tool, needs ncu):
#   benchmarks/stall_sources.sh CASE OUTDIR      (CASE: a `triscan profile` short name)
# Profiles one triscan call of CASE (compiled and autotuned first, outside the profiler) with
# the warp-state and source-counter sections, then exports the per-instruction stall samples
# (SASS page) and every collected metric (raw page) as CSV.
set -euo pipefail
case_name=$1
out=$2
report="$out/$case_name"
ncu --profile-from-start off --section WarpStateStats --section SourceCounters --section SchedulerStats \
    --section Occupancy --section LaunchStats --section SpeedOfLight --section MemoryWorkloadAnalysis \
    --import-source no -f -o "$report" python3 -m triscan.tools.profile "$case_name" triscan /tmp/autotune.json
ncu -i "$report.ncu-rep" --page source --csv --print-source sass > "$report-sass.csv"
ncu -i "$report.ncu-rep" --page raw --csv > "$report-raw.csv"
rm -f "$report.ncu-rep"
