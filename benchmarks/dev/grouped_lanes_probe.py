"""What a chunk of narrow rows costs when each thread holds whole steps as 16-byte vectors and
splits them into elements whose lanes are known when the kernel compiles (dev probe, issue 14,
narrow K; NOTES.md 119).

A contiguous (L, K) input is one flat array whose element e belongs to lane e % K. A row of S
steps, S = V / gcd(K, V) with V elements per 16 bytes, is K / gcd(K, V) whole vectors that start
at a step: thread-held, each vector split into its V elements (`tl.split`, in registers), so
element p of the row is in lane p % K at compile time. Each lane is summed along the row by one
addition per element (the sum through p is the sum through p - K plus element p), the rows' lane
totals are scanned across rows (K scans of one value per row), and the elements are joined back
into vectors and stored. No gather, no one-hot lanes, no padding: the gathered tile reads 21-45%
of copy on K = 3 and 5 (NOTES.md 117), the lane-by-lane flat tile 43-71% alone.

This probe times that tile alone, one chunk per program or in persistent rounds (one chunk held
at a time, as the column look-back's round, without the look-back), each chunk's scan from zero,
checked against that reference:

    python benchmarks/dev/grouped_lanes_probe.py --lanes 3 5 --dtypes float32 bfloat16 --gib 1
"""

import argparse
import itertools

import torch
import triton
import triton.language as tl
from tile_probe import Launches, common_arguments, inputs, write_json

from triscan.kernels.registry import group_row_constexprs
from triscan.kernels.tiles import _before_runs, _join_columns, _lane_sums_along_rows, _load_row_group


@triton.jit
def _grouped_scan(chunk_ptr, bound, LANES: tl.constexpr, VECTOR: tl.constexpr, VECTORS: tl.constexpr,
                  ROWS: tl.constexpr, ACROSS: tl.constexpr = True):
    """Load the ROWS rows of VECTORS vectors at chunk_ptr (elements from `bound` on read as zero):
    (its elements, the lane sums along each row through each element, the sums of the rows
    before each row per lane; zeros without ACROSS), tuples in row position order; lanes are
    position % LANES. The library's loads and row sums (tiles._load_row_group, masked, and
    _lane_sums_along_rows)."""
    ROW: tl.constexpr = VECTORS * VECTOR
    elements = _load_row_group(chunk_ptr, bound, False, tl.float32, ROWS, VECTOR, VECTORS, "sum")
    through = _lane_sums_along_rows(elements, LANES, ROW, False, "sum")
    rows_before = ()
    for lane in tl.static_range(LANES):
        if ACROSS:
            before, _ = _before_runs(through[ROW - LANES + lane], "sum")  # [ROWS], by additions only
        else:
            before = tl.zeros_like(through[lane])
        rows_before = rows_before + (before,)
    return elements, through, rows_before


@triton.jit
def grouped_lanes_tile_kernel(x_ptr, y_ptr, numel, LANES: tl.constexpr, VECTOR: tl.constexpr,
                              VECTORS: tl.constexpr, ROWS: tl.constexpr,
                              EXCLUSIVE: tl.constexpr, PERSISTENT: tl.constexpr, PART: tl.constexpr = 0):
    """Each chunk of ROWS rows (ROWS * VECTORS * VECTOR flat elements) scanned per lane from zero,
    inclusive or, EXCLUSIVE, the sum before each element. PERSISTENT: each program walks chunks
    pid, pid + programs, ..., one at a time (the column look-back's classic round, without the
    look-back); else one chunk per program. PART cuts work out (the output is then wrong): 1, no
    scan across rows (each row from zero); 2, no sums at all (the elements stored as loaded, split
    and joined). Both read less than the full tile on the H200 (NOTES.md 121), so they do not
    isolate the access pattern's cost: `copy_layouts.py --rows` times that."""
    CHUNK: tl.constexpr = ROWS * VECTORS * VECTOR
    ROW: tl.constexpr = VECTORS * VECTOR
    offsets = tl.arange(0, ROWS)[:, None] * ROW + tl.arange(0, VECTOR)[None, :]  # [ROWS, VECTOR]
    chunks = tl.cdiv(numel, CHUNK)
    chunk = tl.program_id(0).to(tl.int64)
    step = tl.num_programs(0) if PERSISTENT else chunks
    while chunk < chunks:
        start = chunk * CHUNK
        elements, through, rows_before = _grouped_scan(x_ptr + start, numel - start, LANES, VECTOR, VECTORS,
                                                       ROWS, PART == 0)
        for vector in tl.static_range(VECTORS):
            outputs = ()
            for column in tl.static_range(VECTOR):
                # the row's element vector * VECTOR + column, in lane (that position) % LANES
                before = rows_before[(vector * VECTOR + column) % LANES]
                if PART == 2:
                    out = elements[vector * VECTOR + column]
                elif EXCLUSIVE:
                    if vector * VECTOR + column >= LANES:
                        out = through[vector * VECTOR + column - LANES] + before
                    else:
                        out = before
                else:
                    out = through[vector * VECTOR + column] + before
                outputs = outputs + (out,)
            stored = _join_columns(outputs, ROWS, VECTOR)
            tl.store(y_ptr + start + offsets + vector * VECTOR, stored.to(y_ptr.dtype.element_ty),
                     mask=start + offsets + vector * VECTOR < numel)
        chunk += step


PARTS = ("full", "rows", "copy")  # the kernel's PART, by index


def row_shape(lanes: int, element_size: int) -> tuple[int, int]:
    """(elements per 16-byte vector, vectors per row) for rows of whole steps of `lanes` lanes, as
    the library's plan makes them (registry.group_row_constexprs)."""
    row = group_row_constexprs(lanes, element_size, element_size)
    return row["GROUP_LOAD_VECTOR"], row["GROUP_ROW"] // row["GROUP_LOAD_VECTOR"]


def time_cells(x: torch.Tensor, args, device: str) -> list[dict]:
    """Every (rows, warps, exclusive, programs per SM) launch on x: checked on its first chunks,
    and on CUDA timed against a copy of the same bytes."""
    lanes = x.shape[1]
    vector, vectors = row_shape(lanes, x.element_size())
    shared = Launches(x, device)
    results = []
    launches = itertools.product(args.parts, args.rows, args.warps, (False, True), args.per_sm)
    for part, rows, warps, exclusive, per_sm in launches:
        if part == "copy" and exclusive:
            continue  # the same launch as the inclusive one
        meta = dict(LANES=lanes, VECTOR=vector, VECTORS=vectors, ROWS=rows,
                    EXCLUSIVE=exclusive, PERSISTENT=per_sm > 0, PART=PARTS.index(part), num_warps=warps)
        chunk = rows * vectors * vector
        grid = shared.grid(chunk, per_sm)

        def launch(meta=meta, grid=grid):
            return grouped_lanes_tile_kernel[grid](x, shared.y, x.numel(), **meta)

        row = dict(part=part, lanes=lanes, dtype=str(x.dtype)[6:], rows=rows,
                   chunk_kib=chunk * x.element_size() / 1024, warps=warps, exclusive=exclusive,
                   programs_per_sm=per_sm)
        results.append(shared.check_and_time(launch, chunk, exclusive, row))
    return results


def main() -> int:
    parser = common_arguments(argparse.ArgumentParser())
    parser.add_argument("--rows", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=["full"],
                        help="full; rows: no scan across rows; copy: no sums (the error is then not zero)")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = [row for x in inputs(args, device, offset=0.5) for row in time_cells(x, args, device)]
    write_json(results, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
