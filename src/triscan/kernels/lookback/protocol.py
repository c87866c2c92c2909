"""The look-back protocol (Merrill & Garland, "Single-pass Parallel Prefix Scan with Decoupled
Look-back", 2016; CUB's DeviceScan), shared by the row and column look-back kernels.

A long scan is cut into chunks. A program draws a ticket (an atomic counter: chunk ids are
tickets, not program ids, so they follow the order programs actually run), loads the chunk,
publishes its total, learns the sum of everything before it from its predecessors' published
words, publishes its own inclusive prefix, and stores the chunk once. Why this cannot
deadlock: kernels/README.md.

Workspace per call, zeroed, plus a ticket counter: a status per chunk (0 = nothing yet,
1 = chunk total published, 2 = inclusive prefix published) and its value. For float32 sums
(PACKED) status and value share one int64 word, per chunk (rows) or per chunk and lane
(columns), written and read in one access; otherwise an int32 status word per chunk and two
value slots in the accumulator dtype, a value written before its status word is released and
read after the status word is acquired.

No atomic here waits for memory it does not guard. A packed word orders nothing but itself,
and neither does a ticket, so both are relaxed: a release or acq_rel atomic compiles to a
MEMBAR that waits until the thread's earlier stores (the previous chunk's output) have
drained (benchmarks/NOTES.md sections 16 and 18).
"""

import triton
import triton.language as tl


@triton.jit
def _pack(value, status: tl.constexpr):
    """A sum and its status in one int64 word, written and read in one access: the sum as a
    float64 whose two lowest mantissa bits hold the status (1 or 2, so a published word is never
    0). Prefixes carried from chunk to chunk then round at float64 (50 bits kept), not float32:
    a float32 prefix rounds once per look-back hop, and with fast look-backs there is a hop
    every few chunks (benchmarks/NOTES.md section 21)."""
    bits = value.to(tl.float64).to(tl.int64, bitcast=True)
    return (bits & -4) | status


@triton.jit
def _status(words):
    """The statuses of packed words (0: nothing published)."""
    return (words & 3).to(tl.int32)


@triton.jit
def _sum(words):
    """The float64 sums of packed words."""
    return (words & -4).to(tl.float64, bitcast=True)


@triton.jit
def _publish_row_total(status_ptr, values_ptr, max_chunks, ticket, total, first_in_row, PACKED: tl.constexpr):
    """Publish a chunk's total (status 1); the first chunk of a row publishes it as its
    inclusive prefix (status 2), since nothing comes before it."""
    if PACKED:  # value and status in one word: nothing else to order, so relaxed (no MEMBAR)
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_row, _pack(total, 2), _pack(total, 1)),
                       sem="relaxed")
    else:
        # totals at values_ptr[ticket], inclusive prefixes at values_ptr[max_chunks + ticket]
        tl.store(values_ptr + tl.where(first_in_row, max_chunks, 0) + ticket, total)
        tl.debug_barrier()  # every thread's value store precedes the flag's release
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_row, 2, 1), sem="release")


@triton.jit
def _publish_column_total(status_ptr, values_ptr, max_chunks, slot, ticket, total, first_in_group,
                          PACKED: tl.constexpr, BLOCK_K: tl.constexpr):
    """Publish a tile's per-lane totals (status 1), or, for the first tile of its lanes, the
    same values as inclusive prefixes (status 2)."""
    lanes = tl.arange(0, BLOCK_K)
    if PACKED:
        # one (status, value) word per lane at values_ptr[ticket * slot + k]: each lane is a scan
        # of its own, so lanes need no common flag, and a word orders nothing but itself
        words = tl.where(first_in_group, _pack(total, 2), _pack(total, 1))
        tl.atomic_xchg(values_ptr + ticket * slot + lanes, words, sem="relaxed")
    else:
        # totals at values_ptr[ticket * slot + k], prefixes max_chunks * slot further on
        tl.store(values_ptr + tl.where(first_in_group, max_chunks * slot, 0) + ticket * slot + lanes, total)
        tl.debug_barrier()  # every thread's value store precedes the flag's release
        tl.atomic_xchg(status_ptr + ticket, tl.where(first_in_group, 2, 1), sem="release")


@triton.jit
def _minimum2(a0, a1, b0, b1):
    """Combine of a two-tensor minimum reduction."""
    return tl.minimum(a0, b0), tl.minimum(a1, b1)


@triton.jit
def _window_words(values_ptr, window_end, group_first, slot, LOOKBACK: tl.constexpr, BLOCK_K: tl.constexpr):
    """Packed words of chunks window_end - 1, window_end - 2, ... (LOOKBACK of them, nearest
    first; zero before group_first), per lane: [LOOKBACK, BLOCK_K]."""
    index = window_end - 1 - tl.arange(0, LOOKBACK)  # [LOOKBACK]
    slots = (index * slot)[:, None] + tl.arange(0, BLOCK_K)[None, :]  # [LOOKBACK, BLOCK_K]
    return tl.load(values_ptr + slots, mask=(index >= group_first)[:, None], other=0, volatile=True)
