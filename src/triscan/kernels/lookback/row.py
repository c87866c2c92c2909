"""Row look-back scan: a single sweep over long rows (K == 1) when there are too few rows to fill
the GPU. Each row is cut into chunks of BLOCK positions; chunks are drawn as tickets and learn
their prefix from their predecessors (lookback/protocol.py).

Programs are persistent: at most a few per SM are launched, and each keeps drawing chunks
until none are left, so the cost of starting a program is paid a few times per SM rather than
once per chunk.
"""

import triton
import triton.language as tl

from ..tiles import _before_runs
from .protocol import _pack, _publish_row_total, _status, _sum

LOOKBACK_SCAN_CONFIGS = [
    triton.Config({"BLOCK": block}, num_warps=warps, num_stages=stages)
    # (4096, 2): as many elements per thread as (8192, 4), twice the programs per SM (NOTES.md section 10)
    for block, warps in ((2048, 4), (4096, 2), (4096, 4), (8192, 4), (8192, 8))
    for stages in (1, 2)
]


@triton.jit
def _row_chunk_start(ticket, chunks_per_row, REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """First position of chunk `ticket` in its row: tickets walk a row from its start, or
    from its end when REVERSE (chunks stay aligned to the row's start either way)."""
    chunk = ticket % chunks_per_row
    if REVERSE:
        chunk = chunks_per_row - 1 - chunk
    return chunk.to(tl.int64) * BLOCK


@triton.jit
def _chunk_offsets(REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """Offsets of a chunk's positions from its start: [BLOCK] in order, or with REVERSE
    [BLOCK // 4, 4]: runs of 4 (each one 16-byte vector for float32) in reverse run order, so
    that suffix sums become a forward scan over runs (see _suffix_sums)."""
    if REVERSE:
        offsets = (BLOCK // 4 - 1 - tl.arange(0, BLOCK // 4))[:, None] * 4 + tl.arange(0, 4)[None, :]
    else:
        offsets = tl.arange(0, BLOCK)
    return offsets


@triton.jit
def _chunk_total(values, REVERSE: tl.constexpr):
    """Sum of a chunk shaped as _chunk_offsets."""
    if REVERSE:
        total = tl.sum(tl.sum(values, 1), 0)
    else:
        total = tl.sum(values, 0)
    return total


@triton.jit
def _suffix_sums(values):
    """Inclusive sums from the end of a [BLOCK // 4, 4] chunk held as _chunk_offsets(True) holds
    it, without tl.cumsum(reverse=True): Triton 3.6 lowers that with shuffles even along an
    axis inside one thread (NOTES.md section 15). A run's suffix sums are three additions in
    registers; the sums of the runs after each run are a forward scan, since later runs come
    first; additions only, so Inf and NaN go as in torch."""
    column = tl.arange(0, 4)[None, :]
    suffix_3 = tl.sum(tl.where(column == 3, values, 0), 1)  # [BLOCK // 4]
    suffix_2 = tl.sum(tl.where(column == 2, values, 0), 1) + suffix_3
    suffix_1 = tl.sum(tl.where(column == 1, values, 0), 1) + suffix_2
    suffix_0 = tl.sum(tl.where(column == 0, values, 0), 1) + suffix_1
    after_run, _ = _before_runs(suffix_0)
    inside = tl.where(column == 0, suffix_0[:, None], tl.where(column == 1, suffix_1[:, None],
                      tl.where(column == 2, suffix_2[:, None], suffix_3[:, None])))
    return inside + after_run[:, None]  # [BLOCK // 4, 4]


@triton.jit
def _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, positions, stride_x_outer, stride_x_scan,
                    REVERSE: tl.constexpr, BLOCK: tl.constexpr):
    """The input of chunk `ticket` (all zeros past the last chunk), shaped as _chunk_offsets."""
    row = (ticket // chunks_per_row).to(tl.int64)
    start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
    offsets = _chunk_offsets(REVERSE, BLOCK)
    mask = (start + offsets < positions) & (ticket < total_chunks)
    return tl.load(x_ptr + row * stride_x_outer + (start + offsets) * stride_x_scan, mask=mask, other=0)


@triton.autotune(
    configs=LOOKBACK_SCAN_CONFIGS,
    key=["LENGTH_BUCKET", "SHIFT", "REVERSE"],
    # every timing run of the autotuner needs fresh flags and a fresh ticket counter
    reset_to_zero=["status_ptr"],
)
@triton.jit
def lookback_scan_kernel(
    x_ptr,  # input, rows of `length` elements: x[row, p] at row * stride_x_outer + p * stride_x_scan
    y_ptr,  # output, rows of `length + SHIFT` contiguous elements starting at row * stride_y_outer
    status_ptr,  # [chunks + 1], zeroed: a status word per chunk, then the ticket counter
    values_ptr,  # ACC_DTYPE [2 * chunks]: chunk totals, then inclusive prefixes (unused if PACKED)
    max_chunks,  # chunks the workspace holds (index of the ticket counter)
    outer,  # M: rows scanned
    length,
    stride_x_outer,
    stride_x_scan,
    stride_y_outer,
    LENGTH_BUCKET,  # autotune key, unused in the body
    SHIFT: tl.constexpr,  # 1: exclusive (y[0] = 0, y[j + 1] = x[0] + ... + x[j]); 0: inclusive
    ACC_DTYPE: tl.constexpr,
    LOOKBACK: tl.constexpr,  # predecessors examined at once
    PACKED: tl.constexpr,  # float32 sums: int64 words, a float64 sum with its status in the low bits
    REVERSE: tl.constexpr,  # sum from the end: y[p] = x[p + SHIFT] + ... (rows of length + SHIFT inputs)
    BLOCK: tl.constexpr,
):
    # input positions per row: with REVERSE the row's first SHIFT positions are read, never summed
    positions = length + SHIFT if REVERSE else length
    chunks_per_row = tl.cdiv(positions, BLOCK)
    # persistent: each program keeps drawing tickets until every chunk is taken
    total_chunks = outer * chunks_per_row
    offsets = _chunk_offsets(REVERSE, BLOCK)
    totals_ptr = values_ptr
    prefixes_ptr = values_ptr + max_chunks
    ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")
    x = _load_row_chunk(x_ptr, ticket, total_chunks, chunks_per_row, positions, stride_x_outer, stride_x_scan,
                        REVERSE, BLOCK)
    total = _chunk_total(x.to(ACC_DTYPE), REVERSE)
    if ticket < total_chunks:
        _publish_row_total(status_ptr, values_ptr, max_chunks, ticket, total, ticket % chunks_per_row == 0,
                           PACKED)
    while ticket < total_chunks:
        row = (ticket // chunks_per_row).to(tl.int64)
        chunk = ticket % chunks_per_row  # in drawing order
        start = _row_chunk_start(ticket, chunks_per_row, REVERSE, BLOCK)
        y_row = y_ptr + row * stride_y_outer
        # This chunk's total is out. Draw the next chunk, load it and publish its total
        # before waiting on this chunk's predecessors: a drawn chunk's total then follows
        # one load and no wait, so waits never chain from program to program, and the
        # look-back below finds its predecessors published (benchmarks/NOTES.md, section 6).
        next_ticket = tl.atomic_add(status_ptr + max_chunks, 1, sem="relaxed")
        x_next = _load_row_chunk(x_ptr, next_ticket, total_chunks, chunks_per_row, positions, stride_x_outer,
                                 stride_x_scan, REVERSE, BLOCK)
        next_total = _chunk_total(x_next.to(ACC_DTYPE), REVERSE)
        if next_ticket < total_chunks:
            _publish_row_total(status_ptr, values_ptr, max_chunks, next_ticket, next_total,
                               next_ticket % chunks_per_row == 0, PACKED)
        # the prefix before this chunk, carried in float64 when PACKED (see _pack)
        exclusive = tl.zeros([], dtype=tl.float64 if PACKED else ACC_DTYPE)
        if chunk == 0:
            if SHIFT == 1:  # the scan's leading zero: first output, or last when REVERSE
                tl.store(y_row + (length if REVERSE else 0), tl.zeros([], dtype=y_ptr.dtype.element_ty))
        else:
            steps = tl.arange(0, LOOKBACK)
            row_first = ticket - chunk  # ticket of this row's chunk 0
            window_end = ticket  # examine tickets [window_end - LOOKBACK, window_end)
            done = tl.zeros([], dtype=tl.int32)
            while done == 0:
                index = window_end - 1 - steps  # [LOOKBACK], nearest predecessor first
                valid = index >= row_first
                if PACKED:
                    # one 64-bit volatile load sees a status and its value together
                    words = tl.load(status_ptr + index, mask=valid, other=0, volatile=True)
                    flags = tl.where(valid, _status(words), 2)
                else:
                    flags = tl.atomic_add(status_ptr + index, 0, mask=valid, sem="acquire")
                    flags = tl.where(valid, flags, 2)
                # nearest predecessor that has published its inclusive prefix
                nearest = tl.min(tl.where(flags == 2, steps, LOOKBACK), 0)
                ready = tl.min(tl.where(steps < nearest, flags, 2), 0) > 0
                if ready:
                    if PACKED:
                        exclusive += tl.sum(tl.where(valid & (steps <= nearest), _sum(words), 0), 0)
                    else:
                        totals = tl.load(totals_ptr + index, mask=valid & (steps < nearest), other=0,
                                         volatile=True)
                        prefix = tl.load(prefixes_ptr + index, mask=valid & (steps == nearest), other=0,
                                         volatile=True)
                        exclusive += tl.sum(totals.to(ACC_DTYPE), 0) + tl.sum(prefix.to(ACC_DTYPE), 0)
                    done = (nearest < LOOKBACK).to(tl.int32)
                    window_end -= LOOKBACK
            if PACKED:
                tl.atomic_xchg(status_ptr + ticket, _pack(exclusive + total, 2), sem="relaxed")
            else:
                tl.store(prefixes_ptr + ticket, exclusive + total)
                tl.debug_barrier()
                tl.atomic_xchg(status_ptr + ticket, 2, sem="release")
        if REVERSE:
            out = _suffix_sums(x.to(ACC_DTYPE)) + exclusive.to(ACC_DTYPE)  # [BLOCK // 4, 4]
        else:
            out = tl.cumsum(x.to(ACC_DTYPE), 0) + exclusive.to(ACC_DTYPE)  # [BLOCK]
        if REVERSE:  # the sum from input position q on goes to output position q - SHIFT
            position = start + offsets
            tl.store(y_row + (position - SHIFT), out.to(y_ptr.dtype.element_ty),
                     mask=(position >= SHIFT) & (position < positions))
        else:
            tl.store(y_row + (start + offsets + SHIFT), out.to(y_ptr.dtype.element_ty),
                     mask=start + offsets < length)
        ticket = next_ticket
        x = x_next
        total = next_total


