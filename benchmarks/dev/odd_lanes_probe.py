"""Odd lane counts (a column scan over (L, K) with K odd): does realigning each step's lanes in
registers beat element accesses? Standalone probe kernels, timed against a copy of the same bytes
(dev tool, NOTES.md 88). Each program scans one interior lane tile of T = BLOCK_K - 2 * VEC lanes
(the first tile and the row's end are left out: they would keep element accesses):

    element  loads and stores lanes [t * T, t * T + T) of every step where they are: with K odd,
             Triton sees no 16-byte alignment and every access is one element (the library today)
    gather   loads the step's 16-byte aligned window [align_down(t * T), + BLOCK_K), realigns it by
             the step's phase with tl.gather along the lanes, stores an aligned window the same way
    funnel   the same windows, realigned by taking the next thread's vector (a gather along the
             vector axis) and picking the shifted elements (a barrel shifter of tl.where)

with `element` at an aligned K as the ceiling. Unwritten outputs stay NaN; written ones are
checked against a float64 scan.

    python benchmarks/dev/odd_lanes_probe.py [--lanes 32767] [--steps 32768]
"""

import argparse

import torch
import triton
import triton.language as tl
from triton.testing import do_bench

MODES = {"element": 0, "gather": 1, "funnel": 2}


@triton.jit
def _pick2(a0, a1, b0, b1, s):
    """Elements 0..1 of (a0 .. a1, b0 .. b1) shifted left by s, 0 <= s < 2: a barrel
    shifter, one stage per bit of s."""
    s0_0 = tl.where((s & 1) != 0, a1, a0)
    s0_1 = tl.where((s & 1) != 0, b0, a1)
    return s0_0, s0_1


@triton.jit
def _pick4(a0, a1, a2, a3, b0, b1, b2, b3, s):
    """Elements 0..3 of (a0 .. a3, b0 .. b3) shifted left by s, 0 <= s < 4: a barrel
    shifter, one stage per bit of s."""
    s0_0 = tl.where((s & 1) != 0, a1, a0)
    s0_1 = tl.where((s & 1) != 0, a2, a1)
    s0_2 = tl.where((s & 1) != 0, a3, a2)
    s0_3 = tl.where((s & 1) != 0, b0, a3)
    s0_4 = tl.where((s & 1) != 0, b1, b0)
    s0_5 = tl.where((s & 1) != 0, b2, b1)
    s1_0 = tl.where((s & 2) != 0, s0_2, s0_0)
    s1_1 = tl.where((s & 2) != 0, s0_3, s0_1)
    s1_2 = tl.where((s & 2) != 0, s0_4, s0_2)
    s1_3 = tl.where((s & 2) != 0, s0_5, s0_3)
    return s1_0, s1_1, s1_2, s1_3


@triton.jit
def _pick8(a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7, s):
    """Elements 0..7 of (a0 .. a7, b0 .. b7) shifted left by s, 0 <= s < 8: a barrel
    shifter, one stage per bit of s."""
    s0_0 = tl.where((s & 1) != 0, a1, a0)
    s0_1 = tl.where((s & 1) != 0, a2, a1)
    s0_2 = tl.where((s & 1) != 0, a3, a2)
    s0_3 = tl.where((s & 1) != 0, a4, a3)
    s0_4 = tl.where((s & 1) != 0, a5, a4)
    s0_5 = tl.where((s & 1) != 0, a6, a5)
    s0_6 = tl.where((s & 1) != 0, a7, a6)
    s0_7 = tl.where((s & 1) != 0, b0, a7)
    s0_8 = tl.where((s & 1) != 0, b1, b0)
    s0_9 = tl.where((s & 1) != 0, b2, b1)
    s0_10 = tl.where((s & 1) != 0, b3, b2)
    s0_11 = tl.where((s & 1) != 0, b4, b3)
    s0_12 = tl.where((s & 1) != 0, b5, b4)
    s0_13 = tl.where((s & 1) != 0, b6, b5)
    s1_0 = tl.where((s & 2) != 0, s0_2, s0_0)
    s1_1 = tl.where((s & 2) != 0, s0_3, s0_1)
    s1_2 = tl.where((s & 2) != 0, s0_4, s0_2)
    s1_3 = tl.where((s & 2) != 0, s0_5, s0_3)
    s1_4 = tl.where((s & 2) != 0, s0_6, s0_4)
    s1_5 = tl.where((s & 2) != 0, s0_7, s0_5)
    s1_6 = tl.where((s & 2) != 0, s0_8, s0_6)
    s1_7 = tl.where((s & 2) != 0, s0_9, s0_7)
    s1_8 = tl.where((s & 2) != 0, s0_10, s0_8)
    s1_9 = tl.where((s & 2) != 0, s0_11, s0_9)
    s1_10 = tl.where((s & 2) != 0, s0_12, s0_10)
    s1_11 = tl.where((s & 2) != 0, s0_13, s0_11)
    s2_0 = tl.where((s & 4) != 0, s1_4, s1_0)
    s2_1 = tl.where((s & 4) != 0, s1_5, s1_1)
    s2_2 = tl.where((s & 4) != 0, s1_6, s1_2)
    s2_3 = tl.where((s & 4) != 0, s1_7, s1_3)
    s2_4 = tl.where((s & 4) != 0, s1_8, s1_4)
    s2_5 = tl.where((s & 4) != 0, s1_9, s1_5)
    s2_6 = tl.where((s & 4) != 0, s1_10, s1_6)
    s2_7 = tl.where((s & 4) != 0, s1_11, s1_7)
    return s2_0, s2_1, s2_2, s2_3, s2_4, s2_5, s2_6, s2_7


@triton.jit
def _split(x, VEC: tl.constexpr):
    """[R, NV, VEC] -> VEC tensors [R, NV], element e of each vector in the e-th."""
    if VEC == 2:
        return tl.split(x)
    elif VEC == 4:
        low, high = tl.split(tl.reshape(x, [x.shape[0], x.shape[1], 2, 2]))  # e = 2a + b: b = 0, 1
        e0, e2 = tl.split(low)
        e1, e3 = tl.split(high)
        return e0, e1, e2, e3
    else:
        low, high = tl.split(tl.reshape(x, [x.shape[0], x.shape[1], 2, 2, 2]))  # e = 4a + 2b + c
        low0, low1 = tl.split(low)
        high0, high1 = tl.split(high)
        e0, e4 = tl.split(low0)
        e2, e6 = tl.split(low1)
        e1, e5 = tl.split(high0)
        e3, e7 = tl.split(high1)
        return e0, e1, e2, e3, e4, e5, e6, e7


@triton.jit
def _shift_left(window, shift, MODE: tl.constexpr, VEC: tl.constexpr):
    """window[r, c + shift[r]] at [r, c] (0 <= shift < VEC; the last VEC columns are not meaningful)."""
    rows: tl.constexpr = window.shape[0]
    lanes: tl.constexpr = window.shape[1]
    columns = tl.arange(0, lanes)[None, :]
    if MODE == 1:
        return tl.gather(window, tl.minimum(columns + shift, lanes - 1), 1)
    vectors = tl.reshape(window, [rows, lanes // VEC, VEC])  # [R, NV, VEC]: a thread's vector
    following = tl.minimum(tl.arange(0, lanes // VEC) + 1, lanes // VEC - 1)[None, :, None]
    after = tl.gather(vectors, tl.broadcast_to(following, vectors.shape), 1)  # the next vector
    if VEC == 2:
        a0, a1 = _split(vectors, VEC)
        b0, b1 = _split(after, VEC)
        r0, r1 = _pick2(a0, a1, b0, b1, shift)
        joined = tl.join(r0, r1)
    elif VEC == 4:
        a0, a1, a2, a3 = _split(vectors, VEC)
        b0, b1, b2, b3 = _split(after, VEC)
        r0, r1, r2, r3 = _pick4(a0, a1, a2, a3, b0, b1, b2, b3, shift)
        joined = tl.join(tl.join(r0, r2), tl.join(r1, r3))
    else:
        a0, a1, a2, a3, a4, a5, a6, a7 = _split(vectors, VEC)
        b0, b1, b2, b3, b4, b5, b6, b7 = _split(after, VEC)
        r0, r1, r2, r3, r4, r5, r6, r7 = _pick8(a0, a1, a2, a3, a4, a5, a6, a7,
                                                b0, b1, b2, b3, b4, b5, b6, b7, shift)
        joined = tl.join(tl.join(tl.join(r0, r4), tl.join(r2, r6)), tl.join(tl.join(r1, r5), tl.join(r3, r7)))
    return tl.reshape(joined, [rows, lanes])


@triton.jit
def probe_kernel(x_ptr, y_ptr, inner, length, MODE: tl.constexpr, VEC: tl.constexpr, BLOCK_L: tl.constexpr,
                 BLOCK_K: tl.constexpr):
    """x, y: (length, inner) contiguous, 16-byte aligned. Program t scans lanes of tile t + 1."""
    tile_lanes: tl.constexpr = BLOCK_K - 2 * VEC
    lane0 = (tl.program_id(0).to(tl.int64) + 1) * tile_lanes
    steps = tl.arange(0, BLOCK_L).to(tl.int64)[:, None]  # [BLOCK_L, 1]
    columns = tl.arange(0, BLOCK_K)[None, :]  # [1, BLOCK_K]
    carry = tl.zeros([BLOCK_K], dtype=tl.float32)
    for start in range(0, length, BLOCK_L):
        step_offset = (start + steps) * inner  # [BLOCK_L, 1]
        valid = start + steps < length
        if MODE == 0:
            x = tl.load(x_ptr + step_offset + lane0 + columns, mask=valid, other=0)
        else:
            phase = ((step_offset + lane0) % VEC).to(tl.int32)
            window = tl.multiple_of(step_offset + lane0 - phase, [VEC, VEC])
            x = _shift_left(tl.load(x_ptr + window + columns, mask=valid, other=0), phase, MODE, VEC)
        x = x.to(tl.float32)
        scanned = tl.cumsum(x, 0) + carry[None, :]  # [BLOCK_L, BLOCK_K], lanes lane0 + c
        carry = carry + tl.sum(x, 0)
        if MODE == 0:
            tl.store(y_ptr + step_offset + lane0 + columns, scanned.to(y_ptr.dtype.element_ty),
                     mask=valid & (columns < tile_lanes))
        else:
            # the step's stored lanes start at the first 16-byte aligned one at or after lane0
            ahead = ((VEC - (step_offset + lane0) % VEC) % VEC).to(tl.int32)
            window = tl.multiple_of(step_offset + lane0 + ahead, [VEC, VEC])
            stored = _shift_left(scanned, ahead, MODE, VEC).to(y_ptr.dtype.element_ty)
            tl.store(y_ptr + window + columns, stored, mask=valid & (columns < tile_lanes))


def run(mode: str, x: torch.Tensor, y: torch.Tensor, block_l: int, block_k: int, warps: int) -> None:
    vec = 16 // x.element_size()
    tiles = (x.shape[1] - block_k) // (block_k - 2 * vec)  # interior tiles whose window stays in the row
    probe_kernel[(tiles,)](x, y, x.shape[1], x.shape[0], MODE=MODES[mode], VEC=vec, BLOCK_L=block_l,
                           BLOCK_K=block_k, num_warps=warps)


def probe(mode: str, x: torch.Tensor, exact: torch.Tensor, block_l: int, block_k: int, warps: int) -> str:
    """One variant on one input: how much it wrote, its error, and on CUDA its % of copy."""
    y = torch.full_like(x, float("nan"))
    run(mode, x, y, block_l, block_k, warps)
    written = ~y.isnan()
    error = ((y.double() - exact).abs() / exact.abs())[written].max().item()
    line = (f"{str(x.dtype)[6:]} K={x.shape[1]} [{block_l}, {block_k}] / {warps} {mode:8s}: "
            f"{written.float().mean().item():.3f} written, max rel. error {error:.1e}")
    if x.is_cuda:
        ms = do_bench(lambda: run(mode, x, y, block_l, block_k, warps), warmup=10, rep=50,
                      return_mode="median")
        target = torch.empty_like(x)
        copy_ms = do_bench(lambda: target.copy_(x), warmup=10, rep=50, return_mode="median")
        line += f", {100 * copy_ms / ms:.1f}% of copy"
    return line


def library_percent(x: torch.Tensor) -> float:
    """triscan.cumsum(x, 0) as % of a copy of the same bytes."""
    import triscan

    triscan.cumsum(x, 0)  # autotunes
    ms = do_bench(lambda: triscan.cumsum(x, 0), warmup=10, rep=50, return_mode="median")
    target = torch.empty_like(x)
    return 100 * do_bench(lambda: target.copy_(x), warmup=10, rep=50, return_mode="median") / ms


# tiles (BLOCK_L, BLOCK_K, warps) by element size
TILES = {2: [(64, 128, 8), (32, 128, 4)], 4: [(32, 64, 4), (32, 128, 4)], 8: [(16, 128, 4), (16, 64, 2)]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lanes", type=int, default=32767)
    parser.add_argument("--steps", type=int, default=16384)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16", "float64"])
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for dtype_name in args.dtypes:
        dtype = getattr(torch, dtype_name)
        for lanes in (args.lanes, args.lanes + 1):  # odd, then the aligned ceiling
            x = (torch.rand(args.steps, lanes, device=device) + 0.5).to(dtype)
            exact = torch.cumsum(x.double(), 0)
            tiles = TILES[x.element_size()] if device == "cuda" else [(8, 32, 1)]
            for block_l, block_k, warps in tiles:
                for mode in MODES if lanes % 16 else ["element"]:
                    print(probe(mode, x, exact, block_l, block_k, warps), flush=True)
            if device == "cuda":  # the library on the same input, all lanes, through its autotuner
                print(f"{dtype_name} K={lanes} triscan.cumsum: {library_percent(x):.1f}% of copy", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
