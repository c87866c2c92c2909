"""The look-back protocol (Merrill & Garland, "Single-pass Parallel Prefix Scan with Decoupled
Look-back", 2016; CUB's DeviceScan), shared by the row and column look-back kernels.

A long scan is cut into chunks. A program draws a ticket (an atomic counter: chunk ids are
tickets, not program ids, so they follow the order programs actually run), loads the chunk,
publishes its total, learns the sum of everything before it from its predecessors' published
words, publishes its own inclusive prefix, and stores the chunk once. Why this cannot
deadlock: kernels/README.md.

Workspace per call, zeroed, plus a ticket counter: a status per chunk (0 = nothing yet,
1 = chunk total published, 2 = inclusive prefix published) and its value. Rows keep both in
look-back words: one int64 word per chunk for float32 sums (_pack), two for 64-bit sums
(_halves), written and read without fences. Columns do the same for float32 sums (PACKED, a
word per chunk and lane); otherwise an int32 status word per chunk and two value slots in the
accumulator dtype, a value written before its status word is released and read after the
status word is acquired.

No atomic here waits for memory it does not guard. A packed word orders nothing but itself,
and neither does a ticket, so both are relaxed: a release or acq_rel atomic compiles to a
MEMBAR that waits until the thread's earlier stores (the previous chunk's output) have
drained (benchmarks/NOTES.md sections 16 and 18).
"""

import triton
import triton.language as tl


@triton.jit
def _pack(value, status):
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
def _halves(value, status, error, CARRY_ERROR: tl.constexpr):
    """A 64-bit sum (int64 or float64) and its status as two int64 words: 32 bits of the sum in
    each, above the status in the two lowest bits of both. No 64-bit word holds a 64-bit sum
    and a status, and a status word of its own would need a release and an acquire (a MEMBAR
    per publish, benchmarks/NOTES.md 16); two self-describing words need neither: a reader
    that finds the same status in both has both halves of the same write. [2]

    With CARRY_ERROR, the 30 bits above each half hold half of the 60 highest bits of `error`,
    the float64 sum's rounding error (_add_carried): sign, exponent and 48 of its 52 mantissa
    bits."""
    bits = value.to(tl.uint64, bitcast=True)
    low = (bits << 32) >> 32
    high = bits >> 32
    first = tl.arange(0, 2) == 0
    words = tl.where(first, low, high) * 4 + status
    if CARRY_ERROR:
        error_bits = error.to(tl.uint64, bitcast=True) >> 4
        words = words | (tl.where(first, error_bits & 0x3FFFFFFF, error_bits >> 30) << 34)
    return words.to(tl.int64, bitcast=True)


@triton.jit
def _publish(status_ptr, ticket, value, status, error, WORDS: tl.constexpr, CARRY_ERROR: tl.constexpr):
    """Publish a chunk's sum with its status in its look-back word(s): WORDS 1, a float32 sum
    packed in one word (_pack); WORDS 2, a 64-bit sum in two (_halves), with its rounding error
    when CARRY_ERROR. Relaxed: a word orders nothing but itself."""
    if WORDS == 1:
        tl.atomic_xchg(status_ptr + ticket, _pack(value, status), sem="relaxed")
    else:
        tl.atomic_xchg(status_ptr + 2 * ticket + tl.arange(0, 2), _halves(value, status, error, CARRY_ERROR),
                       sem="relaxed")


@triton.jit
def _read(status_ptr, index, valid, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr, CARRY_ERROR: tl.constexpr):
    """(statuses, sums, errors) of chunks `index` where `valid` (status 2 elsewhere, so invalid
    chunks never hold a look-back up): float64 sums for WORDS 1, ACC_DTYPE sums for WORDS 2; a
    pair of halves from different writes reads as status 0 (not yet published). The errors
    are the sums' rounding errors with CARRY_ERROR (float64, _halves), zeros otherwise."""
    if WORDS == 1:
        # one 64-bit volatile load sees a status and its value together
        words = tl.load(status_ptr + index, mask=valid, other=0, volatile=True)
        flags = tl.where(valid, _status(words), 2)
        sums = _sum(words)
        errors = tl.zeros_like(sums)
    else:
        half = tl.arange(0, 2)[None, :]
        words = tl.load(status_ptr + 2 * index[:, None] + half, mask=valid[:, None], other=0,
                        volatile=True).to(tl.uint64, bitcast=True)  # [LOOKBACK, 2]
        low = tl.sum(tl.where(half == 0, words, 0), 1)
        high = tl.sum(tl.where(half == 1, words, 0), 1)
        agree = (low & 3) == (high & 3)
        flags = tl.where(valid, tl.where(agree, low & 3, 0).to(tl.int32), 2)
        low_half = low >> 2
        if CARRY_ERROR:  # the error's bits sit above each half (_halves)
            low_half = low_half & 0xFFFFFFFF
        sums = (((high >> 2) << 32) | low_half).to(ACC_DTYPE, bitcast=True)
        if CARRY_ERROR:
            errors = ((((high >> 34) << 30) | (low >> 34)) << 4).to(tl.float64, bitcast=True)
        else:
            errors = tl.zeros_like(sums)
    return flags, sums, errors


@triton.jit
def _add_carried(sum_a, error_a, sum_b, error_b):
    """(sum, error) + (sum, error) for float64 sums carried with their rounding errors, the sum
    a float64 and the error what it lost (Knuth's TwoSum, then one renormalization): carried
    from chunk to chunk, a prefix keeps the precision of its error word too, where a plain float64
    prefix rounds once per look-back hop (benchmarks/NOTES.md 79). An infinite or NaN sum
    carries no error, which would be NaN."""
    total = sum_a + sum_b
    b_part = total - sum_a
    error = (sum_a - (total - b_part)) + (sum_b - b_part) + (error_a + error_b)
    error = tl.where(tl.abs(total) < float("inf"), error, 0.0)
    carried = total + error
    error = tl.where(tl.abs(carried) < float("inf"), error - (carried - total), 0.0)
    return carried, error


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
