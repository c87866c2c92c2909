"""What a flat tile of interleaved lanes costs when each lane is scanned as a one-hot vector
(dev probe, issue 14, narrow K that is not a power of two; NOTES.md 111).

The column look-back gathers 3 lanes into padded rows of 4 (`tl.gather`, NOTES.md 26) and reads
35% of copy on (L, 3) float32. The other way: a contiguous (L, K) input is one flat array whose
element e belongs to lane e % K. A chunk of T flat elements (T a power of two, chunks not aligned
to steps) is loaded as 16-byte vectors, held as runs [T // R, R], each element spread over a
one-hot lane axis [T // R, R, KP] (KP = K rounded up to a power of two), scanned along the flat
axis (runs in registers, run totals across threads), and each element takes its own lane's sum
back, stored as vectors. No gather; KP values per element in registers.

The scan (`_interleaved_scan` below) was the column look-back's PERIODIC chunks (removed: NOTES.md 117).
This probe times that tile alone: one chunk per program, no look-back between chunks (each
chunk's scan starts from zero; checked against that reference), so it reads the tile's cost the
way `lookback_ablation.py --lanes K --variants no-wait` reads the gathered tile's:

    python benchmarks/dev/periodic_tile_probe.py --lanes 3 5 --dtypes float32 bfloat16 --gib 1
"""

import argparse
import itertools

import torch
import triton
import triton.language as tl
from tile_probe import Launches, common_arguments, inputs, write_json

from triscan.kernels.tiles import _other_runs, _within_runs


@triton.jit
def _interleaved_scan(values, first_lane, LANES: tl.constexpr, LANE_TILE: tl.constexpr, RUN: tl.constexpr,
                      EXCLUSIVE: tl.constexpr, REVERSE: tl.constexpr = False):
    """Scan of a flat tile of interleaved lanes: `values` [T] holds consecutive elements of rows
    of LANES contiguous lanes, its first element in lane `first_lane`, so element j is in lane
    (first_lane + j) % LANES. Returns (each element's sum in its lane from the tile's start,
    inclusive or, with EXCLUSIVE, the sum before it, by additions only [T]; each element's lane
    [T]; the LANES lane totals in a [LANE_TILE] vector, zeros past LANES). REVERSE: sums from
    the tile's end instead (each run turned around in registers, the runs after each run).

    One lane at a time: the tile's elements of that lane, zeros elsewhere, held as runs of RUN
    elements (one thread's vector), scanned within the run in registers and across runs by the
    run totals. Every tensor keeps the runs' layout; a one-hot lane axis ([T // RUN, RUN,
    LANE_TILE]) took Triton's default layout and shared-memory conversions instead, and lanes
    gathered into padded rows cost a scalar shared-memory access per element
    (benchmarks/NOTES.md 26, 111; the column look-back's PERIODIC chunks
    built on it read 15-31% of copy, NOTES.md 117: it lives here, with this probe)."""
    T: tl.constexpr = values.shape[0]
    lane = tl.reshape((first_lane + tl.arange(0, T)) % LANES, [T // RUN, RUN])  # [T // RUN, RUN]
    runs = tl.reshape(values, [T // RUN, RUN])  # [T // RUN, RUN]
    sums = tl.zeros([T // RUN, RUN], dtype=values.dtype)
    totals = tl.zeros([LANE_TILE], dtype=values.dtype)
    for k in tl.static_range(LANES):
        in_lane = lane == k
        lane_values = tl.where(in_lane, runs, 0)  # [T // RUN, RUN]
        run_totals = tl.sum(lane_values, 1)  # [T // RUN]
        other = _other_runs(run_totals, REVERSE, "sum")  # [T // RUN]
        sums = tl.where(in_lane, _within_runs(lane_values, EXCLUSIVE, REVERSE, "sum") + other[:, None], sums)
        totals = tl.where(tl.arange(0, LANE_TILE) == k, tl.sum(run_totals, 0), totals)
    return tl.reshape(sums, [T]), tl.reshape(lane, [T]), totals


@triton.jit
def periodic_tile_kernel(x_ptr, y_ptr, numel, K: tl.constexpr, KP: tl.constexpr, T: tl.constexpr,
                         R: tl.constexpr, EXCLUSIVE: tl.constexpr, PERSISTENT: tl.constexpr):
    """Each chunk of T flat elements scanned per lane (element e in lane e % K) from zero.
    PERSISTENT: each program walks chunks pid, pid + programs, ..., the next chunk loaded before
    this one is scanned (the look-back kernels' round, without the look-back); else one chunk per
    program."""
    flat = tl.arange(0, T)  # [T]
    chunks = tl.cdiv(numel, T)
    chunk = tl.program_id(0).to(tl.int64)
    step = tl.num_programs(0) if PERSISTENT else chunks
    x = tl.load(x_ptr + chunk * T + flat, mask=flat < numel - chunk * T, other=0)
    while chunk < chunks:
        start = chunk * T
        following = chunk + step
        if PERSISTENT:  # in flight while this chunk is scanned and stored
            x_next = tl.load(x_ptr + following * T + flat, mask=flat < numel - following * T, other=0)
        own, _, totals = _interleaved_scan(x.to(tl.float32), (start % K).to(tl.int32), K, KP, R, EXCLUSIVE)
        tl.store(y_ptr + start + flat, own.to(y_ptr.dtype.element_ty), mask=flat < numel - start)
        # the per-lane totals, kept live as the look-back would publish them (never stored)
        tl.store(y_ptr + tl.arange(0, KP), totals.to(y_ptr.dtype.element_ty),
                 mask=tl.arange(0, KP) < -start - 1)
        if PERSISTENT:
            x = x_next
        chunk = following


def time_cells(x: torch.Tensor, args, device: str) -> list[dict]:
    """Every (tile, run, warps, exclusive) launch on x: checked on its first chunks, and on CUDA
    timed against a copy of the same bytes."""
    lanes = x.shape[1]
    shared = Launches(x, device)
    rows = []
    launches = itertools.product(args.tiles, args.runs, args.warps, (False, True), args.per_sm)
    for tile, run, warps, exclusive, per_sm in launches:
        meta = dict(K=lanes, KP=triton.next_power_of_2(lanes), T=tile, R=run, EXCLUSIVE=exclusive,
                    PERSISTENT=per_sm > 0, num_warps=warps)
        grid = shared.grid(tile, per_sm)

        def launch(meta=meta, grid=grid):
            return periodic_tile_kernel[grid](x, shared.y, x.numel(), **meta)

        row = dict(lanes=lanes, dtype=str(x.dtype)[6:], T=tile, R=run, warps=warps, exclusive=exclusive,
                   programs_per_sm=per_sm)
        rows.append(shared.check_and_time(launch, tile, exclusive, row))
    return rows


def main() -> int:
    parser = common_arguments(argparse.ArgumentParser())
    parser.add_argument("--tiles", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--runs", type=int, nargs="+", default=[4, 8])
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = [row for x in inputs(args, device) for row in time_cells(x, args, device)]
    write_json(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
