"""Exploration sweep for the headline shape (dev tool, not part of the package).

Times candidate one-pass row-scan kernels for x = rand(32768, 32768) float32,
dim=1, seed semantics (output (32767, 32769)), against the device copy of the
same bytes, all in one process. Variants:
  A  blocks aligned on the input (16-byte loads), stores shifted by the row phase
  B  blocks aligned on the output (tl.multiple_of hint, 16-byte stores), loads shifted
  R  A with several rows per program ([ROWS, BLOCK] tile)
  copyA / copyM  plain Triton copies with the same aligned / misaligned addressing
Writes a JSON of every median to $OUT (or the cwd) and prints a short table.
"""

import itertools
import json
import os

import torch
import triton
import triton.language as tl
from triton.testing import do_bench


@triton.jit
def scan_a(x_ptr, y_ptr, L, stride_xm, stride_ym, BLOCK: tl.constexpr,
           EVICT_FIRST: tl.constexpr, STREAM_STORE: tl.constexpr, COPY: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_xm
    y_row = y_ptr + row * stride_ym
    if not COPY:
        tl.store(y_row, 0.0)
    carry = tl.zeros([], dtype=tl.float32)
    for start in range(0, L, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        mask = offs < L
        if EVICT_FIRST:
            x = tl.load(x_row + offs, mask=mask, other=0.0, eviction_policy="evict_first")
        else:
            x = tl.load(x_row + offs, mask=mask, other=0.0)
        if COPY:
            s = x
        else:
            s = tl.cumsum(x, 0) + carry
            carry += tl.sum(x, 0)
        if STREAM_STORE:
            tl.store(y_row + 1 + offs, s, mask=mask, cache_modifier=".cs")
        else:
            tl.store(y_row + 1 + offs, s, mask=mask)


@triton.jit
def scan_b(x_ptr, y_ptr, L, stride_xm, stride_ym, BLOCK: tl.constexpr,
           EVICT_FIRST: tl.constexpr, STREAM_STORE: tl.constexpr, COPY: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_xm
    out_base = row * stride_ym
    phase = out_base % 4
    y_aligned = y_ptr + tl.multiple_of(out_base - phase, 4)
    carry = tl.zeros([], dtype=tl.float32)
    for start in range(0, L + 1 + phase, BLOCK):
        p = tl.multiple_of(start, BLOCK) + tl.arange(0, BLOCK)
        j = p - phase  # output index
        xi = j - 1  # input index
        xmask = (xi >= 0) & (xi < L)
        if EVICT_FIRST:
            x = tl.load(x_row + xi, mask=xmask, other=0.0, eviction_policy="evict_first")
        else:
            x = tl.load(x_row + xi, mask=xmask, other=0.0)
        if COPY:
            s = x
        else:
            s = tl.cumsum(x, 0) + carry
            carry += tl.sum(x, 0)
        ymask = (j >= 0) & (j <= L)
        if STREAM_STORE:
            tl.store(y_aligned + p, s, mask=ymask, cache_modifier=".cs")
        else:
            tl.store(y_aligned + p, s, mask=ymask)


@triton.jit
def scan_r(x_ptr, y_ptr, M, L, stride_xm, stride_ym, ROWS: tl.constexpr, BLOCK: tl.constexpr):
    rows = tl.program_id(0).to(tl.int64) * ROWS + tl.arange(0, ROWS)
    rmask = rows < M
    x_rows = x_ptr + rows * stride_xm  # [ROWS]
    y_rows = y_ptr + rows * stride_ym
    tl.store(y_rows, tl.zeros([ROWS], dtype=tl.float32), mask=rmask)
    carry = tl.zeros([ROWS], dtype=tl.float32)
    for start in range(0, L, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        mask = rmask[:, None] & (offs < L)[None, :]
        x = tl.load(x_rows[:, None] + offs[None, :], mask=mask, other=0.0)  # [ROWS, BLOCK]
        s = tl.cumsum(x, 1) + carry[:, None]
        # carry = last column of s (a `carry += tl.sum(x, 1)` trips an assertion in
        # Triton 3.6's OptimizeThreadLocality pass for 2-D loop-carried reductions)
        carry = tl.sum(tl.where((tl.arange(0, BLOCK) == BLOCK - 1)[None, :], s, 0.0), 1)
        tl.store(y_rows[:, None] + 1 + offs[None, :], s, mask=mask)


@triton.jit
def scan_p(x_ptr, y_ptr, L, stride_xm, stride_ym, BLOCK: tl.constexpr):
    """A with the next block's load issued before the current block's scan."""
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_xm
    y_row = y_ptr + row * stride_ym
    tl.store(y_row, 0.0)
    carry = tl.zeros([], dtype=tl.float32)
    offs = tl.arange(0, BLOCK)
    x = tl.load(x_row + offs, mask=offs < L, other=0.0)
    for start in range(0, L, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        nxt = offs + BLOCK
        x_next = tl.load(x_row + nxt, mask=nxt < L, other=0.0)
        s = tl.cumsum(x, 0) + carry
        carry += tl.sum(x, 0)
        tl.store(y_row + 1 + offs, s, mask=offs < L)
        x = x_next


@triton.jit
def scan_q(x_ptr, y_ptr, M, L, stride_xm, stride_ym, BLOCK: tl.constexpr):
    """Persistent: program p takes rows p, p + P, ...; one flattened tile loop with prefetch."""
    pid = tl.program_id(0)
    nprog = tl.num_programs(0)
    nb = tl.cdiv(L, BLOCK)
    my_rows = tl.cdiv(M - pid, nprog)
    ntiles = my_rows * nb
    arange = tl.arange(0, BLOCK)
    row = pid.to(tl.int64)
    x = tl.load(x_ptr + row * stride_xm + arange, mask=(arange < L) & (ntiles > 0), other=0.0)
    carry = tl.zeros([], dtype=tl.float32)
    for t in range(0, ntiles):
        r = t // nb
        blk = t - r * nb
        row = (pid + r * nprog).to(tl.int64)
        tn = t + 1
        rn = tn // nb
        bn = tn - rn * nb
        row_n = (pid + rn * nprog).to(tl.int64)
        offs_n = bn * BLOCK + arange
        x_next = tl.load(x_ptr + row_n * stride_xm + offs_n, mask=(offs_n < L) & (tn < ntiles), other=0.0)
        carry = tl.where(blk == 0, 0.0, carry)
        offs = blk * BLOCK + arange
        y_row = y_ptr + row * stride_ym
        s = tl.cumsum(x, 0) + carry
        carry += tl.sum(x, 0)
        tl.store(y_row + 1 + offs, s, mask=offs < L)
        tl.store(y_row + arange, tl.zeros([BLOCK], dtype=tl.float32), mask=(arange == 0) & (blk == 0))
        x = x_next


@triton.jit
def copy_aligned(x_ptr, y_ptr, L, stride_xm, stride_ym, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    for start in range(0, L, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * stride_xm + offs, mask=offs < L)
        tl.store(y_ptr + row * stride_ym + offs, x, mask=offs < L)


@triton.jit
def scan_g(x_ptr, y_ptr, L, stride_xm, stride_ym, BLOCK: tl.constexpr):
    """A, but the scanned block is rotated in registers (tl.gather) so that every store is
    a 16-byte aligned window of the output row; interior windows are stored unmasked."""
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_xm
    out_first = row * stride_ym + 1  # element offset of out[row, 1]
    phase = (out_first % 4).to(tl.int32)
    y_win = y_ptr + tl.multiple_of(out_first - phase, 4)
    tl.store(y_ptr + out_first - 1, 0.0)
    k = tl.arange(0, BLOCK)
    rot = (k - phase + BLOCK) % BLOCK
    prev = tl.zeros([BLOCK], dtype=tl.float32)
    carry = tl.zeros([], dtype=tl.float32)
    for start in range(0, L, BLOCK):
        start = tl.multiple_of(start, BLOCK)
        offs = start + k
        x = tl.load(x_row + offs, mask=offs < L, other=0.0)
        s = tl.cumsum(x, 0) + carry
        carry += tl.sum(x, 0)
        g = tl.gather(s, rot, 0)
        v = tl.where(k >= phase, g, prev)
        j = offs - phase + 1  # output index of lane k
        if (start > 0) & (start + BLOCK <= L):
            tl.store(y_win + offs, v)
        else:
            tl.store(y_win + offs, v, mask=(j >= 1) & (j <= L))
        prev = g
    end = tl.cdiv(L, BLOCK) * BLOCK
    j = end + k - phase + 1
    tl.store(y_win + end + k, prev, mask=(k < phase) & (j >= 1) & (j <= L))


def main():
    out_dir = os.environ.get("OUT", ".")
    torch.manual_seed(0)
    n = 32768
    x = torch.rand(n, n, device="cuda")
    m = n - 1
    y = torch.empty(m, n + 1, device="cuda")
    torch.empty(m, n, device="cuda")
    y_full = torch.empty(n, n, device="cuda")
    results = []

    def bench(name, fn):
        ms = do_bench(fn, warmup=25, rep=200, return_mode="median")
        results.append({"name": name, "ms": ms})
        print(f"{name:60s} {ms:8.4f} ms", flush=True)
        return ms

    copy_ms = bench("torch copy_ (x -> same-shape buffer)", lambda: y_full.copy_(x))

    # correctness of each variant once, against torch's fp32 cumsum (tolerance 1e-4 like KernelBench)
    ref = torch.cumsum(x[:-1], dim=1)
    for kern in (scan_a, scan_b):
        y.fill_(float("nan"))
        kern[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=4096, EVICT_FIRST=False,
                   STREAM_STORE=False, COPY=False, num_warps=8)
        ok = bool((y[:, 0] == 0).all()) and torch.allclose(y[:, 1:], ref, atol=1e-4, rtol=1e-4)
        print(kern.fn.__name__, "correct" if ok else "WRONG", flush=True)
    y.fill_(float("nan"))
    scan_r[(triton.cdiv(m, 2),)](x, y, m, n, x.stride(0), y.stride(0), ROWS=2, BLOCK=2048, num_warps=8)
    ok = bool((y[:, 0] == 0).all()) and torch.allclose(y[:, 1:], ref, atol=1e-4, rtol=1e-4)
    print("scan_r correct" if ok else "scan_r WRONG", flush=True)
    del ref
    torch.cuda.empty_cache()

    for kern, label in ((scan_a, "copyA"), (scan_b, "copyM")):
        for block, warps in ((4096, 8), (2048, 4)):
            bench(f"{label} B={block} w={warps}",
                  lambda k=kern, b=block, w=warps: k[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=b,
                                                      EVICT_FIRST=False, STREAM_STORE=False, COPY=True,
                                                      num_warps=w))
    nsm = torch.cuda.get_device_properties(0).multi_processor_count
    for kern in (scan_p, scan_q, scan_g):
        y.fill_(float("nan"))
        if kern is not scan_q:
            kern[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=2048, num_warps=4)
        else:
            kern[(nsm * 8,)](x, y, m, n, x.stride(0), y.stride(0), BLOCK=2048, num_warps=4)
        ref = torch.cumsum(x[:-1], dim=1)
        ok = bool((y[:, 0] == 0).all()) and torch.allclose(y[:, 1:], ref, atol=1e-4, rtol=1e-4)
        print(kern.fn.__name__, "correct" if ok else "WRONG", flush=True)
        del ref
    for kern, kw in ((scan_a, dict(EVICT_FIRST=False, STREAM_STORE=False, COPY=False)), (scan_g, {})):
        ck = kern[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=4096, num_warps=4, **kw)
        ptx = ck.asm["ptx"]
        print(kern.fn.__name__, "regs", ck.n_regs, "spills", ck.n_spills,
              "ld.v4", ptx.count("ld.global.v4") + ptx.count("ld.global.L1::evict_last.v4"),
              "st.v4", ptx.count("st.global.v4"), "st.b32", ptx.count("st.global.b32"),
              "ld.b32", ptx.count("ld.global.b32"), flush=True)
    torch.cuda.empty_cache()
    bench("copy_aligned B=2048 w=4", lambda: copy_aligned[(n,)](x, y_full, n, n, n, BLOCK=2048, num_warps=4))
    bench("copy_aligned B=4096 w=4", lambda: copy_aligned[(n,)](x, y_full, n, n, n, BLOCK=4096, num_warps=4))
    for block, warps in ((1024, 1), (2048, 1), (1024, 2), (2048, 2), (4096, 2), (2048, 4), (4096, 4)):
        bench(f"A B={block} w={warps}",
              lambda b=block, w=warps: scan_a[(m,)](
                  x, y, n, x.stride(0), y.stride(0), BLOCK=b, EVICT_FIRST=False, STREAM_STORE=False,
                  COPY=False, num_warps=w, num_stages=1))
    for block, warps in ((2048, 4), (8192, 8)):
        bench(f"P B={block} w={warps}",
              lambda b=block, w=warps: scan_p[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=b, num_warps=w))
    g_shapes = ((1024, 2), (2048, 2), (4096, 2), (2048, 4), (4096, 4), (8192, 4), (4096, 8), (8192, 8))
    for block, warps in g_shapes:
        bench(f"G B={block} w={warps}",
              lambda b=block, w=warps: scan_g[(m,)](x, y, n, x.stride(0), y.stride(0), BLOCK=b, num_warps=w))
    for block, warps, per_sm in itertools.product((4096,), (2,), (8,)):
        bench(f"Q B={block} w={warps} programs/SM={per_sm}",
              lambda b=block, w=warps, p=per_sm: scan_q[(nsm * p,)](
                  x, y, m, n, x.stride(0), y.stride(0), BLOCK=b, num_warps=w))
    copy_ms2 = bench("torch copy_ again", lambda: y_full.copy_(x))
    copy_ms = min(copy_ms, copy_ms2)
    info = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__, "triton": triton.__version__,
            "copy_ms": copy_ms, "results": results}
    with open(os.path.join(out_dir, "tune_headline.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("\nsorted by time (% of copy):")
    for r in sorted(results, key=lambda r: r["ms"])[:25]:
        print(f"{r['name']:60s} {r['ms']:8.4f} ms {100 * copy_ms / r['ms']:6.1f}%")


if __name__ == "__main__":
    main()
