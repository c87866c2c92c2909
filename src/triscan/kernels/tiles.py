"""Tile primitives the kernel families share: the run layout of a tile (SUB consecutive scan
steps per thread), scans over run totals by combines only, and element offsets of a tile; for
the row families, blocks in scan order, their scans (inclusive or exclusive, forward or from the
end; their totals are operators._total), and their whole or masked loads and stores. Glossary and layouts:
kernels/README.md."""

import triton
import triton.language as tl

from .operators import _combine, _identity, _invertible, _scan, _scan_before_and_through, _total

# kernels built for the interpreter (TRITON_INTERPRET=1 before import), which cannot run PTX
_INTERPRETED = tl.constexpr(triton.knobs.runtime.interpret)


@triton.jit
def _run_steps(BLOCK_L: tl.constexpr, SUB: tl.constexpr):
    """Scan step of each [BLOCK_L // SUB, SUB, 1] position of a tile: run r, step s of the run
    is step r * SUB + s.

    Why a run axis: Triton lays a tile out by its memory order, lanes fastest, then the first
    axis. With [BLOCK_L, BLOCK_K] every thread holds one step of 4 lanes, and a scan along L
    crosses threads at every step. With the SUB consecutive steps of a run on their own axis
    after the run index, the runs go to threads and each thread holds a whole run: the scan
    inside a run is additions in registers, and only the run totals cross threads
    (benchmarks/NOTES.md sections 11 and 13)."""
    runs = tl.arange(0, BLOCK_L // SUB)[:, None, None]
    steps = tl.arange(0, SUB)[None, :, None]
    return runs * SUB + steps  # [BLOCK_L // SUB, SUB, 1]


@triton.jit
def _before_runs(run_totals, OPERATOR: tl.constexpr, AXIS: tl.constexpr = 0):
    """(sum of the runs before each run, sum through each run) along AXIS ("sum": the operator's
    combine, here and below). Floats by combines only: `through - run_totals` would turn an Inf
    run total into NaN (Inf - Inf) where torch.cumsum keeps the sums before the Inf finite.
    Integer sums wrap exactly, so for them the subtraction is exact and saves the scan of a
    second value (half the shuffles)."""
    if run_totals.dtype.is_int() and _invertible(OPERATOR):
        through = tl.cumsum(run_totals, AXIS)
        before = through - run_totals
    else:
        before, through = _scan_before_and_through(run_totals, AXIS, OPERATOR, False)
    return before, through


@triton.jit
def _after_runs(run_totals, OPERATOR: tl.constexpr):
    """Sum of the runs after each run along axis 0. Floats by combines only (as _before_runs):
    a scan from the end, whose combine sees the later runs first (Triton's reverse scan is the
    forward scan of the flipped axis, flipped back); flipping the run totals across threads
    instead cost shared-memory round trips and registers (benchmarks/NOTES.md section 43).
    Integer sums by exact subtraction from the total."""
    if run_totals.dtype.is_int() and _invertible(OPERATOR):  # exact, as in _before_runs: one scanned value
        after = tl.sum(run_totals, 0, keep_dims=True) - tl.cumsum(run_totals, 0)
    else:
        after, _ = _scan_before_and_through(run_totals, 0, OPERATOR, True)
    return after


@triton.jit
def _within_runs(values, EXCLUSIVE: tl.constexpr, REVERSE: tl.constexpr, OPERATOR: tl.constexpr):
    """Each element's sum within its run (axis 1, held by one thread: combines in registers):
    through it, or before it with EXCLUSIVE (by combines only, as _before_runs), from the run's
    start, or from its end with REVERSE (the run turned around in registers)."""
    if REVERSE:
        values = tl.flip(values, 1)
    if EXCLUSIVE:
        scanned, _ = _before_runs(values, OPERATOR, 1)
    else:
        scanned = _scan(values, 1, OPERATOR)
    if REVERSE:
        scanned = tl.flip(scanned, 1)
    return scanned


@triton.jit
def _other_runs(run_totals, REVERSE: tl.constexpr, OPERATOR: tl.constexpr):
    """Sum of the runs before each run along axis 0, or after it with REVERSE."""
    if REVERSE:
        other = _after_runs(run_totals, OPERATOR)
    else:
        other, _ = _before_runs(run_totals, OPERATOR)
    return other


@triton.jit
def _split_columns(values, ROWS: tl.constexpr, WIDTH: tl.constexpr):
    """The WIDTH columns of `values` [ROWS, WIDTH] (WIDTH a power of two, at most 32) as a tuple of
    WIDTH tensors [ROWS], in column order: each level splits every part into its even and odd
    columns, the even parts first. In registers where each thread holds whole rows, as a 16-byte
    vector load leaves them."""
    LOG_WIDTH: tl.constexpr = (WIDTH > 1) + (WIDTH > 2) + (WIDTH > 4) + (WIDTH > 8) + (WIDTH > 16)
    tl.static_assert(1 << LOG_WIDTH == WIDTH)
    parts = (values,)
    for level in tl.static_range(LOG_WIDTH):
        evens = ()
        odds = ()
        for index in tl.static_range(1 << level):
            even, odd = tl.split(tl.reshape(parts[index], [ROWS, (WIDTH >> level) // 2, 2]))
            evens = evens + (even,)
            odds = odds + (odd,)
        parts = evens + odds
    columns = ()
    for index in tl.static_range(WIDTH):
        columns = columns + (tl.reshape(parts[index], [ROWS]),)
    return columns


@triton.jit
def _join_columns(columns, ROWS: tl.constexpr, WIDTH: tl.constexpr):
    """The inverse of _split_columns: a tuple of WIDTH tensors [ROWS], in column order, as [ROWS, WIDTH]."""
    LOG_WIDTH: tl.constexpr = (WIDTH > 1) + (WIDTH > 2) + (WIDTH > 4) + (WIDTH > 8) + (WIDTH > 16)
    tl.static_assert(1 << LOG_WIDTH == WIDTH)
    parts = ()
    for index in tl.static_range(WIDTH):
        parts = parts + (tl.reshape(columns[index], [ROWS, 1]),)
    for level in tl.static_range(LOG_WIDTH):
        joined = ()
        for index in tl.static_range(WIDTH >> (level + 1)):
            pair = tl.join(parts[index], parts[index + (WIDTH >> (level + 1))])  # [ROWS, 2 ** level, 2]
            joined = joined + (tl.reshape(pair, [ROWS, 2 << level]),)
        parts = joined
    return parts[0]


@triton.jit
def _load_row_group(pointer, bound, whole, ACC_DTYPE: tl.constexpr, ROWS: tl.constexpr, VECTOR: tl.constexpr,
                    VECTORS: tl.constexpr, OPERATOR: tl.constexpr):
    """ROWS rows of VECTORS vectors of VECTOR elements each (16 bytes) from `pointer` on, the
    identity at and past the flat element `bound` (unmasked where `whole`, as _load_block), as a tuple of
    VECTORS * VECTOR tensors [ROWS] in ACC_DTYPE: element p of every row, in order.
    Each thread holds whole rows, so that every access is a 16-byte vector and the split is in
    registers (benchmarks/NOTES.md 119)."""
    ROW: tl.constexpr = VECTORS * VECTOR
    offsets = tl.arange(0, ROWS)[:, None] * ROW + tl.arange(0, VECTOR)[None, :]  # [ROWS, VECTOR]
    elements = ()
    for vector in tl.static_range(VECTORS):
        at = offsets + vector * VECTOR  # [ROWS, VECTOR]
        loaded = _load_block(pointer + at, at, bound, True, whole, True, OPERATOR)
        elements = elements + _split_columns(loaded.to(ACC_DTYPE), ROWS, VECTOR)
    return elements


@triton.jit
def _store_row_group(pointer, elements, bound, whole, ROWS: tl.constexpr, VECTOR: tl.constexpr,
                     VECTORS: tl.constexpr):
    """Store `elements` (as _load_row_group gives them, in the output's type) where _load_row_group
    loads, up to the flat element `bound`, a 32-byte sector of each row at a time (VECTORS even):
    Triton stores [ROWS, 2 * VECTOR] from a layout of two neighbouring threads a row, converted
    through shared memory, since the halves of a sector stored by separate instructions each cost
    L2 a write (benchmarks/NOTES.md 146)."""
    tl.static_assert(VECTORS % 2 == 0, "rows of whole 32-byte sectors")
    ROW: tl.constexpr = VECTORS * VECTOR
    WIDTH: tl.constexpr = 2 * VECTOR
    offsets = tl.arange(0, ROWS)[:, None] * ROW + tl.arange(0, WIDTH)[None, :]  # [ROWS, WIDTH]
    for sector in tl.static_range(VECTORS // 2):
        columns = ()
        for column in tl.static_range(WIDTH):
            columns = columns + (elements[sector * WIDTH + column],)
        at = offsets + sector * WIDTH  # [ROWS, WIDTH]
        _store_block(pointer + at, _join_columns(columns, ROWS, WIDTH), at < bound, whole, True)


@triton.jit
def _lane_sums_along_rows(elements, LANES: tl.constexpr, ROW: tl.constexpr, REVERSE: tl.constexpr,
                          OPERATOR: tl.constexpr):
    """Rows of whole steps of LANES lanes (a tuple of [ROWS] tensors in row position order, each
    row starting at a step, so position p is in lane p % LANES): each lane's sum along its row
    through each position (ROW of them), from the row's start, or from its end with REVERSE. One
    combine per element."""
    through = ()
    if REVERSE:
        for index in tl.static_range(ROW):  # from the row's end: index i holds position ROW - 1 - i
            if index >= LANES:
                through = through + (_combine(through[index - LANES], elements[ROW - 1 - index], OPERATOR),)
            else:
                through = through + (elements[ROW - 1 - index],)
        ordered = ()
        for position in tl.static_range(ROW):
            ordered = ordered + (through[ROW - 1 - position],)
        through = ordered
    else:
        for position in tl.static_range(ROW):
            if position >= LANES:
                through = through + (_combine(through[position - LANES], elements[position], OPERATOR),)
            else:
                through = through + (elements[position],)
    return through


@triton.jit
def _tile_offsets(stride_scan, stride_inner, DENSE_STEP: tl.constexpr, WIDE_OFFSETS: tl.constexpr,
                  BLOCK_L: tl.constexpr, BLOCK_K: tl.constexpr, SUB: tl.constexpr):
    """Element offsets of a [BLOCK_L // SUB, SUB, BLOCK_K] tile from its first element. int32
    unless the tile spans 2^31 elements: 64-bit offsets would double the registers of every
    tile. DENSE_STEP (BLOCK_K, or -BLOCK_K for a tile walked backwards; 0: not dense): each
    step is BLOCK_K contiguous lanes DENSE_STEP elements from the one before (stride_scan ==
    DENSE_STEP, stride_inner == 1); spelled with constants, so the compiler sees 16-byte runs
    and loads them as vectors."""
    steps = _run_steps(BLOCK_L, SUB)
    lanes = tl.arange(0, BLOCK_K)[None, None, :]
    # One return: Triton's code generator visits every return, also those after a constexpr
    # branch has returned, and rejects returns of different types (int32 and int64 here).
    if DENSE_STEP != 0:
        offsets = steps * DENSE_STEP + lanes
    elif WIDE_OFFSETS:
        offsets = steps.to(tl.int64) * stride_scan + lanes.to(tl.int64) * stride_inner
    else:
        offsets = steps * stride_scan + lanes * stride_inner
    return offsets  # [BLOCK_L // SUB, SUB, BLOCK_K]


@triton.jit
def _flat_offsets(flat, ROW: tl.constexpr, STEP: tl.constexpr):
    """Offsets of a flat tile's elements (steps of ROW contiguous elements, element j holding
    step j // ROW, lane j % ROW) from its first step, whose successors lie STEP elements apart:
    ROW forwards (the tile is one contiguous block), -ROW backwards (steps in descending memory,
    lanes still ascending, so each step's lanes stay one vector)."""
    if STEP == ROW:
        offsets = flat
    else:
        offsets = (flat // ROW) * STEP + flat % ROW
    return offsets


@triton.jit
def _tile_elements(length, first_step, BLOCK_L: tl.constexpr, ROW: tl.constexpr):
    """Elements of a flat tile (steps of ROW contiguous elements) that lie in the scan, as an
    int32 bound for its flat offsets."""
    return (tl.minimum(length - first_step, BLOCK_L) * ROW).to(tl.int32)


@triton.jit
def _block_offsets(REVERSE: tl.constexpr, BLOCK: tl.constexpr, RUN: tl.constexpr,
                   BY_XOR: tl.constexpr = True):
    """Offsets of a block's positions from its first position, [BLOCK]: in order; with REVERSE,
    runs of RUN consecutive positions (one 16-byte vector) in reverse run order, positions inside
    a run still increasing, so that each run loads and stores as one vector. _block_scan turns
    each run around in registers.

    BY_XOR: the reversed offsets as `index ^ (BLOCK - RUN)` (the run's number complemented, BLOCK
    and RUN powers of two), their runs stated contiguous since an XOR hides them from Triton's
    analysis; the look-back's chunks hold fewer registers so (NOTES.md 168). The row kernel keeps
    the arithmetic form, under which its reversed picks timed 0.6-1.1 points faster."""
    index = tl.arange(0, BLOCK)
    if REVERSE and BY_XOR:
        offsets = tl.max_contiguous(tl.multiple_of(index ^ (BLOCK - RUN), RUN), RUN)
    elif REVERSE:
        offsets = (BLOCK // RUN - 1 - index // RUN) * RUN + index % RUN
    else:
        offsets = index
    return offsets  # [BLOCK]


@triton.jit
def _block_index(offsets, REVERSE: tl.constexpr, BLOCK: tl.constexpr, RUN: tl.constexpr):
    """Where in a block laid out by _block_offsets (its BY_XOR form) the positions `offsets` sit: the
    indices a gather of that block takes them from. Forwards the offsets themselves; with REVERSE
    the run's number complemented again (the XOR is its own inverse)."""
    if REVERSE:
        index = offsets ^ (BLOCK - RUN)
    else:
        index = offsets
    return index


@triton.jit
def _load_or(pointers, mask, other):
    """tl.load(pointers, mask=mask, other=other) for an `other` that is a constexpr. Triton 3.6
    fills the registers of a masked vector load of an integer type narrower than 32 bits with a
    negative `other` sign-extended to 32 bits instead of repeated: -128 for int8 became the bytes
    -128, -1, -1, -1 (`mov.u32 %r, 0xffffffffffffff80`; a reversed int8 max read -1 past the
    row's end, benchmarks/NOTES.md 138). Those load zeros and set `other` in registers; every
    other type's load is unchanged."""
    ELEMENT: tl.constexpr = pointers.dtype.element_ty
    if ELEMENT.is_int() and ELEMENT.primitive_bitwidth < 32 and other < 0:
        values = tl.where(mask, tl.load(pointers, mask=mask, other=0), other).to(ELEMENT)
    else:
        values = tl.load(pointers, mask=mask, other=other)
    return values


@triton.jit
def _load_block(pointers, positions, bound, live, whole, SPLIT: tl.constexpr, OPERATOR: tl.constexpr):
    """Load a block of `pointers` at `positions`, the identity at and past `bound` (everywhere unless
    `live`, a scalar, so that the mask stays as uniform as the bound's). With SPLIT (a bound
    not known to be a multiple of 16), a `whole` block loads unmasked: a mask the compiler cannot
    prove constant over 16 bytes splits every load into single elements. Without it, one masked
    form: a bound Triton knows divisible by 16 keeps it vectorized, and one form keeps registers
    down (benchmarks/NOTES.md 29)."""
    if SPLIT:
        if whole:
            values = tl.load(pointers)
        else:
            values = _load_or(pointers, (positions < bound) & live,
                              _identity(OPERATOR, pointers.dtype.element_ty))
    else:
        values = _load_or(pointers, (positions < bound) & live,
                          _identity(OPERATOR, pointers.dtype.element_ty))
    return values


@triton.jit
def _store_block(pointers, values, mask, whole, SPLIT: tl.constexpr):
    """Store a block where `mask`; a `whole` block unmasked with SPLIT, as _load_block loads.
    Callers set SPLIT where the second store form costs no occupancy: in the look-back, whose
    two chunks in flight put it near 255 registers, only with a bound not a multiple of 16."""
    if SPLIT:
        if whole:
            tl.store(pointers, values)
        else:
            tl.store(pointers, values, mask=mask)
    else:
        tl.store(pointers, values, mask=mask)


@triton.jit
def _window_phase(out_first, VEC: tl.constexpr):
    """Where output element `out_first` (an offset from a 16-byte aligned base) sits in its 16-byte
    word: output windows that start `phase` elements before it are whole, aligned vectors."""
    return (out_first % VEC).to(tl.int32)


@triton.jit
def _rotated(values, phase, VEC: tl.constexpr, REVERSE: tl.constexpr = False):
    """`values` [BLOCK] rotated `phase` (0 <= phase < VEC, the same in every thread) positions later,
    as whole VEC-element vectors see it: position j holds values[(j - phase) mod BLOCK] (the row
    scan keeps the first `phase`, the block's last values, for the next window; the look-back
    stores them from its edges instead). With REVERSE the block is laid out as _block_offsets lays
    a reversed one (vectors in reverse order, each in order): the positions are the offsets', and
    the vector before a vector is the one after it in the block. One form per phase, each a move
    of whole lanes (_rotated_by); the branch is uniform. Vectors of two elements (8-byte outputs)
    take a gather of the whole block instead: there the lane moves timed 35% slower on the H200 for
    int32 summed into int64, and no faster for float64 (benchmarks/NOTES.md 192); so do 1-byte
    vectors of 16, whose lane moves are untimed."""
    if VEC == 2 or VEC == 16:
        BLOCK: tl.constexpr = values.shape[0]
        positions = (_block_offsets(REVERSE, BLOCK, VEC) + BLOCK - phase) % BLOCK  # [BLOCK]
        rotated = tl.gather(values, _block_index(positions, REVERSE, BLOCK, VEC), 0)
    else:
        rotated = values
        for moved in tl.static_range(1, VEC):
            if phase == moved:
                rotated = _rotated_by(values, moved, VEC, REVERSE)
    return rotated


@triton.jit
def _rotated_by(values, PHASE: tl.constexpr, VEC: tl.constexpr, REVERSE: tl.constexpr = False):
    """_rotated by a phase known at compile time. The block is split into its VEC lanes (vectors
    as rows, [BLOCK // VEC] each, held a row a thread: the splits and joins are register moves);
    a lane moved PHASE later comes from lane - PHASE of the same vector, or for the first PHASE
    lanes from the vector before, which a gather of that lane brings one row down. A lane's
    gather runs through shared memory a row a thread, consecutive rows in consecutive threads
    (2-byte apart, no bank conflicts), where a gather of the whole block loads each element of a
    thread's vector 16 bytes from its neighbour's (4-way conflicts, benchmarks/NOTES.md 184)."""
    BLOCK: tl.constexpr = values.shape[0]
    ROWS: tl.constexpr = BLOCK // VEC
    if REVERSE:  # [ROWS]: each vector's predecessor in the positions' order, the first's the last
        before = (tl.arange(0, ROWS) + 1) % ROWS
    else:
        before = (tl.arange(0, ROWS) + ROWS - 1) % ROWS
    # the block as [ROWS, 2, ..., 2] (BITS twos: lane L's bits, highest first), split into its
    # lanes by peeling the last axis BITS times, the pieces kept in lane order: at each level the
    # pieces with the peeled bit 0, then those with it 1 (_rotated takes 4 and 8 lanes here)
    tl.static_assert(VEC == 4 or VEC == 8, "rotations of 4 or 8 lanes")
    BITS: tl.constexpr = 2 if VEC == 4 else 3
    if BITS == 2:
        pieces = (tl.reshape(values, [ROWS, 2, 2]),)
    else:
        pieces = (tl.reshape(values, [ROWS, 2, 2, 2]),)
    for level in tl.static_range(BITS):
        lows = ()
        highs = ()
        for piece in tl.static_range(1 << level):
            low, high = tl.split(pieces[piece])
            lows = lows + (low,)
            highs = highs + (high,)
        pieces = lows + highs
    # output lane L is lane L - PHASE, or for L < PHASE lane VEC - PHASE + L of the vector before
    moved = ()
    for lane in tl.static_range(VEC):
        if lane >= PHASE:
            moved = moved + (pieces[lane - PHASE],)
        else:
            moved = moved + (tl.gather(pieces[VEC - PHASE + lane], before, 0),)
    # joined back highest bit first (tl.join appends an axis), so that the lowest is the last axis
    for level in tl.static_range(BITS):
        joined = ()
        for pair in tl.static_range(VEC >> (level + 1)):
            joined = joined + (tl.join(moved[pair], moved[pair + (VEC >> (level + 1))]),)
        moved = joined
    joined = moved[0]
    return tl.reshape(joined, [BLOCK])


@triton.jit
def _load_lagged(pointer, start, lag, offsets, bound, live, OPERATOR: tl.constexpr):
    """A block of the elements at `start - lag + offsets` from `pointer` (the identity before 0, at and
    past `bound`, and everywhere unless `live`): the input of an output window that begins `lag`
    positions before its aligned start. Single-element loads, since `lag` is not known to keep
    16-byte vectors aligned."""
    positions = start - lag + offsets
    return _load_or(pointer + positions, (positions >= 0) & (positions < bound) & live,
                    _identity(OPERATOR, pointer.dtype.element_ty))


@triton.jit
def _load_window(origin, start, lag, offsets, bound, live, OPERATOR: tl.constexpr):
    """A block of the 16-byte window at `origin + start`, `origin` a 16-byte boundary `lag`
    positions before a row's start (the row's positions [0, bound) sit at window offsets `lag`
    on; the identity outside them, and everywhere unless `live`): a window wholly inside the row loads
    unmasked, as whole vectors, the row's first and last element by element."""
    if live & (start >= lag) & (start - lag + offsets.shape[0] <= bound):
        values = tl.load(origin + (start + offsets))
    else:
        positions = start - lag + offsets
        inside = (positions >= 0) & (positions < bound) & live
        values = _load_or(origin + (start + offsets), inside, _identity(OPERATOR, origin.dtype.element_ty))
    return values


@triton.jit
def _load_window_vectors(origin, start, lag, offsets, bound, live, VEC: tl.constexpr, X_ALIGNED: tl.constexpr,
                         OPERATOR: tl.constexpr, REVERSE: tl.constexpr = False, RUN: tl.constexpr = 1):
    """_load_window's block (forward offsets, an arange, or with REVERSE _block_offsets' runs of RUN
    == VEC positions) in one load form: each VEC-element vector that holds any of the row's
    positions loads whole, and only a window that holds a row's first or last position sets the
    positions outside the row to the identity, in registers, in the loaded type. The caller gives
    an `origin` whose vectors are 16-byte words of memory (as lookback/row.py's _input_window does
    from the address): such a word never crosses a page, so reading its other elements is safe.
    Two load forms, or a select over every window in the accumulator's type, held a 2-byte chunk
    in more registers than a cap of 128 leaves (benchmarks/NOTES.md 172, 175, 180). Off 16-byte
    alignment (not X_ALIGNED) the loads are single elements whatever the mask: the row's positions,
    no byte outside the tensor."""
    identity = _identity(OPERATOR, origin.dtype.element_ty)
    window = start + offsets  # [BLOCK]
    # the row's positions through an opaque move: from the offsets themselves, LLVM packs the
    # thread's positions into vectors that the chunk's later gathers then take their shared-memory
    # addresses from, and their stores go element by element (NOTES.md 175)
    if X_ALIGNED:
        if REVERSE:  # offsets in runs of one vector (_block_offsets' XOR): each run's first, from
            # the arange, whose runs Triton's analysis sees (the XOR's it does not)
            tl.static_assert(RUN == VEC, "reversed windows: runs of one vector")
            BLOCK: tl.constexpr = offsets.shape[0]
            vector_first = start + ((tl.arange(0, BLOCK) // VEC * VEC) ^ (BLOCK - RUN))  # [BLOCK]
        else:
            vector_first = start + offsets // VEC * VEC  # [BLOCK]
        touched = (vector_first + VEC > lag) & (vector_first < lag + bound) & live
        values = _load_or(origin + window, touched, identity)
        if (start < lag) | (start + offsets.shape[0] > lag + bound):
            outside = tl.full([], identity, values.dtype)  # a select in the accumulator's type held more
            positions = start + _opaque(offsets)  # [BLOCK]
            values = tl.where((positions >= lag) & (positions < lag + bound), values, outside)
    else:
        positions = start + _opaque(offsets)  # [BLOCK]
        values = _load_or(origin + window, (positions >= lag) & (positions < lag + bound) & live, identity)
    return values


@triton.jit
def _prefetch_l2(pointer, count, BLOCK: tl.constexpr):
    """Ask L2 for the `count` (>= 1, at most BLOCK) contiguous elements at `pointer` ahead of their
    load: one `prefetch.global.L2` per 128-byte line. Nothing is waited on and no register holds
    the data, so the bytes a program has in flight from DRAM are no longer bounded by the registers
    its loads need (sm_80 and later; not under the interpreter, which cannot run PTX)."""
    LINE: tl.constexpr = 1024 // max(pointer.dtype.element_ty.primitive_bitwidth, 8)  # elements per line
    positions = tl.minimum(tl.arange(0, BLOCK // LINE) * LINE, count - 1)  # [BLOCK // LINE]
    tl.inline_asm_elementwise("prefetch.global.L2 [$1]; mov.u32 $0, 0;", "=r,l", [pointer + positions],
                              dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _opaque(values):
    """`values` unchanged, through a `mov` the compiler cannot see through: a value held across a
    wait in its loaded type (2-byte inputs, int32 summed into int64) is then not merged with its
    conversion to the accumulator's type made for the chunk's totals before the wait, which would
    hold the wider converted tile instead (benchmarks/NOTES.md 123, 126). The identity under the
    interpreter, which cannot run PTX."""
    if _INTERPRETED:
        held = values
    else:
        WIDTH: tl.constexpr = values.dtype.primitive_bitwidth
        tl.static_assert(WIDTH == 8 or WIDTH == 16 or WIDTH == 32 or WIDTH == 64)
        bits = values.to(tl.int8 if WIDTH == 8 else tl.int16 if WIDTH == 16 else tl.int32 if WIDTH == 32
                         else tl.int64, bitcast=True)
        if WIDTH == 64:
            held = tl.inline_asm_elementwise("mov.b64 $0, $1;", "=l,l", [bits], dtype=tl.int64, is_pure=True,
                                             pack=1)
        else:  # a 32-bit register holds four 8-bit or two 16-bit elements
            held = tl.inline_asm_elementwise("mov.b32 $0, $1;", "=r,r", [bits], dtype=bits.dtype,
                                             is_pure=True, pack=32 // WIDTH)
        held = held.to(values.dtype, bitcast=True)
    return held


@triton.jit
def _store_span(pointers, values, offsets, low, high, VEC: tl.constexpr):
    """Store a block where low <= offsets < high (offsets from the block's first position, the
    pointers VEC-aligned at offset 0): the whole VEC-vectors inside the span as vectors, the
    partial vectors at its two ends element by element. One mask over the block would split every
    store into single elements (the compiler cannot prove a runtime bound constant over a vector);
    the span's inner bounds, rounded to VEC, it can."""
    low = tl.maximum(low, 0)
    high = tl.maximum(high, low)
    inner_low = tl.multiple_of((low + VEC - 1) // VEC * VEC, VEC)
    inner_high = tl.multiple_of(tl.maximum(high // VEC * VEC, inner_low), VEC)
    tl.store(pointers, values, mask=(offsets >= inner_low) & (offsets < inner_high))
    edges = (offsets < inner_low) | (offsets >= inner_high)
    tl.store(pointers, values, mask=(offsets >= low) & (offsets < high) & edges)


@triton.jit
def _turn_runs(values, RUN: tl.constexpr):
    """Reverse the order of positions inside each run of RUN consecutive positions of a [BLOCK]
    block. A run is one 16-byte vector, held by one thread, so this only renames registers (tl.flip
    along an axis held by one thread)."""
    runs = tl.reshape(values, [values.shape[0] // RUN, RUN])  # [BLOCK // RUN, RUN]
    return tl.reshape(tl.flip(runs, 1), values.shape)


@triton.jit
def _block_scan(values, EXCLUSIVE: tl.constexpr, REVERSE: tl.constexpr, RUN: tl.constexpr,
                OPERATOR: tl.constexpr, HOLD_RUNS: tl.constexpr = False):
    """Scan of a block held as _block_offsets holds it, by combines only, at the block's own
    positions: position p gets the sum through p (inclusive) or before p (EXCLUSIVE), from the
    block's start, or from its end with REVERSE.

    The exclusive form is what keeps exclusive scans aligned: computed in registers at the
    input's positions, it is stored where the input was loaded, 16-byte windows for 16-byte
    windows, where a shifted inclusive scan would split every store. `inclusive - x` would turn
    an Inf into NaN. A REVERSE block is a forward scan once each run is turned around in
    registers (its runs already come last first): tl.cumsum(reverse=True) costs shuffles even
    along an axis held by one thread, and suffix sums over a [BLOCK // RUN, RUN] tile held the
    block in more registers (benchmarks/NOTES.md sections 15 and 42).

    HOLD_RUNS (forward blocks): the block turned around twice, the identity, so that the scan
    keeps the layout of runs of RUN positions a thread that the reversed scan has. Where the
    output's vectors hold fewer positions than the input's (int32 summed into int64: 2 and 4),
    the compiler otherwise converts the input to the store's layout before the scan, whose pieces
    are then half as long, with half again as many shuffles (NOTES.md 166); elsewhere it may cost
    shuffles, so the callers ask for it."""
    if REVERSE:
        values = _turn_runs(values, RUN)
    elif HOLD_RUNS:
        values = _turn_runs(_turn_runs(values, RUN), RUN)
    if EXCLUSIVE:
        scanned, _ = _before_runs(values, OPERATOR)
    else:
        scanned = _scan(values, 0, OPERATOR)
    if REVERSE:
        scanned = _turn_runs(scanned, RUN)
    return scanned


@triton.jit
def _unselected(REVERSE: tl.constexpr):
    """The index scans' identity (tiles._block_selections), a constexpr: below every position (a
    max scan's), or from the end above every position (a min scan's)."""
    if REVERSE:
        index = tl.constexpr(2**31 - 1)
    else:
        index = tl.constexpr(-1)
    return index


@triton.jit
def _block_selections(values, scanned, positions, length, carry, REVERSE: tl.constexpr, RUN: tl.constexpr):
    """(Each result's index, the index carried past the block) of a max or min scan's block held
    as _block_offsets holds it: `values` its input and `scanned` its results (the carry combined
    in), at row `positions` (int32). torch.cummax moves the index where `isnan(x) or x >= running`,
    which is where the input equals its result or is NaN; the index is the latest such position
    in scan order: a max scan of them (from the end, a min scan), in registers. A row's first
    position in scan order always qualifies, so the identity never shows."""
    if REVERSE:
        INDEX: tl.constexpr = "min"
    else:
        INDEX: tl.constexpr = "max"
    taken = ((values == scanned) | (values != values)) & (positions >= 0) & (positions < length)
    candidates = tl.where(taken, positions, _unselected(REVERSE))  # [BLOCK]
    chosen = _combine(_block_scan(candidates, False, REVERSE, RUN, INDEX), carry, INDEX)
    return chosen, _combine(carry, _total(candidates, 0, INDEX), INDEX)
