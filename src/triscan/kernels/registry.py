"""The one list of kernel families: which kernels each runs, how a plan binds them to a launch,
and what they need under the Triton interpreter.

A family is bound to a scan plan (scan/plan.py) once, into a LaunchSpec: every argument except
the tensors, by name. The plan's launch (scan/launch.py) adds the tensors and a zeroed workspace
where the family needs one. Adding a family is one entry in FAMILIES and its bind function;
tests, emit, profile, check and the benchmarks read this list. Glossary: kernels/README.md.
"""

from dataclasses import dataclass

import torch

from .column import column_scan_kernel
from .lookback.column import column_lookback_scan_kernel
from .lookback.row import lookback_scan_kernel
from .row import row_scan_kernel


def ceil_div(numerator: int, denominator: int) -> int:
    """triton.cdiv for host code: in Triton 3.6 triton.cdiv and triton.next_power_of_2 are
    ConstexprFunctions, several microseconds a call from Python."""
    return -(-numerator // denominator)


def power_of_two_at_least(count: int) -> int:
    """triton.next_power_of_2 for host code (see ceil_div); 1 for counts up to 1."""
    return 1 << max(count - 1, 0).bit_length()


@dataclass
class LaunchSpec:
    """One kernel launch bound to a plan: everything but the input and output tensors."""

    kernel: object  # the autotuned kernel, or its jit function under the interpreter
    grid: object  # (programs,) or a function of the launch's meta-parameters
    scalars: dict  # integer arguments by name (autotune keys included)
    scalar_args: tuple  # the same in the kernel's signature order, after the tensors
    constexprs: dict  # constexpr arguments the plan fixes; the autotuner adds its config's
    workspace: object  # None, or workspace(device) -> (status, values) tensors, zeroed where they must be
    kept_words: int  # > 0: the kernel leaves its int64 workspace of this many words zeroed (CLEAN), so
    #                      calls may share one kept zeroed workspace (scan/launch.py) instead of workspace()
    takes_indices: bool = False  # the kernel's third tensor is an indices output (i_ptr; the output
    #                              again where the plan writes none: INDICES 0)


KEPT_WORDS = 1 << 14  # int64 workspaces up to this size are kept between calls, cleaned by their kernel
ROW_LOOKBACK = 32  # predecessors the row look-back examines at once (lookback/row.py's LOOKBACK)
TENSORS = ("x_ptr", "y_ptr")  # every kernel's leading parameters: input and output
INDICES = ("i_ptr",)  # then, for the row, column and row look-back kernels, a max or min scan's indices
WORKSPACE = ("status_ptr", "values_ptr")  # then, for the look-back kernels, their workspace


def takes_indices(kernel) -> bool:
    """Whether a kernel's tensors after its input and output begin with an indices output (i_ptr:
    the row, column and row look-back kernels, which write a max or min scan's indices, INDICES)."""
    return tuple(kernel.arg_names[len(TENSORS):len(TENSORS) + len(INDICES)]) == INDICES


def launch_spec(kernel, grid, scalars: dict, constexprs: dict, workspace=None,
                kept_words: int = 0) -> LaunchSpec:
    """A LaunchSpec whose arguments, named at the launch site, are checked against the kernel's
    signature once: the tensors lead, the scalars follow (Triton gets them positionally: its
    autotuner hands only positional arguments to a config-pruning function)."""
    indexed = takes_indices(kernel)
    tensors = TENSORS + (INDICES if indexed else ()) + (WORKSPACE if workspace is not None else ())
    leading = kernel.arg_names[:len(tensors) + len(scalars)]
    if tuple(leading[:len(tensors)]) != tensors or set(leading[len(tensors):]) != set(scalars):
        raise TypeError(f"{sorted(scalars)} after {tensors} are not the leading parameters {leading}")
    scalar_args = tuple(scalars[name] for name in leading[len(tensors):])
    return LaunchSpec(kernel, grid, scalars, scalar_args, constexprs, workspace, kept_words, indexed)


@dataclass
class KernelFamily:
    """A way to cover a scan's lanes and length with programs (kernels/README.md, family table)."""

    name: str
    kernels: dict  # "forward": the autotuned kernel (reversed scans take it too: REVERSE or negative strides)
    interpreter_meta: dict  # fixed meta-parameters under the interpreter, which does not autotune
    bind: object  # bind(family, plan) -> LaunchSpec
    reverse_by_strides: bool  # reversed scans walk both tensors backwards by negative strides (else REVERSE)
    persistent: bool  # look-back: persistent programs drawing tickets, a zeroed workspace
    selects_by_keys: bool = False  # a max or min scan that writes indices scans int64 keys of each value
    #                                and its position (operators._selection_keys): inputs of at most 4 bytes

    @property
    def writes_indices(self) -> bool:
        """Whether a max or min scan's kernel also writes each result's index (INDICES, i_ptr)."""
        return takes_indices(self.kernels["forward"])

    def kernel_for(self, plan):
        """The kernel a plan launches: the jit function itself under the interpreter."""
        autotuned = self.kernels["forward"]
        return autotuned.fn if plan.interpreted else autotuned

    def launch_spec(self, plan) -> LaunchSpec:
        return self.bind(self, plan)


def vector_length(dtype: torch.dtype) -> int:
    """Elements of `dtype` per 16-byte vector."""
    return max(1, 16 // dtype.itemsize)


def run_length(dtype: torch.dtype) -> int:
    """Positions per run of a reversed block (tiles._block_offsets): one 16-byte vector of the
    input, so that turning a run around stays inside one thread."""
    return vector_length(dtype)


def input_off_alignment(plan) -> bool:
    """Whether the input's first element (a view's lead, as x[1:]) or the start of one of its
    rows sits off a 16-byte boundary."""
    vec = input_vector(plan)
    return plan.input_lead % vec != 0 or (plan.outer > 1 and plan.stride_x_outer % vec != 0)


def element_input_loads(plan) -> bool:
    """Whether blocks and chunks that stay in place (ROTATE 0) load the input element by element:
    an input off 16-byte alignment (input_off_alignment), or a strided scan."""
    return input_off_alignment(plan) or plan.stride_x_scan != 1


def block_run(plan, rotate: int, lookback: bool = False) -> int:
    """RUN of a row or look-back block (tiles._block_offsets, tiles._block_scan): the input's
    16-byte vector, or, where ROTATE 0 loads the input element by element, the output's if
    shorter (int32 summed into int64: 2), since the stores are then the only vector accesses and
    runs of the input's vector cost shuffles to turn around in the stores' pairs and held 34 more
    registers (benchmarks/NOTES.md 213). Reversed look-back chunks (`lookback`) in place of 4-byte
    inputs summed into 8 bytes take the output's pairs too: their runs of 4 spilled 52-68 bytes at
    the cap of 80 (NOTES.md 214, 219). Not the row kernel's reversed blocks, which timed faster in
    runs of 4, nor narrower inputs, whose vector loads pairs would split (not timed)."""
    widened_pairs = lookback and plan.reverse and input_vector(plan) == 2 * output_vector(plan) == 4
    if rotate == 0 and (element_input_loads(plan) or widened_pairs):
        return min(input_vector(plan), output_vector(plan))
    return input_vector(plan)


def output_vector(plan) -> int:
    """Output elements per 16 bytes (VEC)."""
    return vector_length(plan.output_dtype)


def input_vector(plan) -> int:
    """Input elements per 16 bytes (a reversed block's run, run_length)."""
    return run_length(plan.input_dtype)


def group_row_constexprs(lanes: int, input_size: int, output_size: int) -> dict:
    """GROUPED's row constexprs (lookback/column.py) for rows of `lanes` contiguous lanes: the
    elements per 16 bytes of each tensor (GROUP_LOAD_VECTOR, GROUP_STORE_VECTOR) and GROUP_ROW,
    the fewest whole steps that are whole 16-byte vectors of the input and whole 32-byte sectors
    of the output, in elements: rows are stored a sector at a time (tiles._store_row_group), since
    two 16-byte halves stored by separate instructions cost L2 two writes (benchmarks/NOTES.md 146)."""
    load_vector, store_vector = 16 // input_size, 16 // output_size

    def steps_for(elements):  # the fewest steps of `lanes` lanes that are whole runs of `elements`
        return elements // min(lanes & -lanes, elements)

    steps = max(steps_for(load_vector), steps_for(2 * store_vector))
    return dict(GROUP_ROW=steps * lanes, GROUP_LOAD_VECTOR=load_vector, GROUP_STORE_VECTOR=store_vector)


def aligned_input_rows(plan) -> bool:
    """Whether every input row starts on a 16-byte boundary (as the base does): the rotations
    (ROTATE 1) load each row's blocks as whole input vectors."""
    return plan.stride_x_outer % input_vector(plan) == 0


def misaligned_output_rows(plan) -> bool:
    """Whether a forward walk of stride-1 rows could keep 16-byte windows that the output rows'
    starts break (the seed's rows of L + 1, odd lengths): the row families then cut whole output
    windows (ROTATE)."""
    vec = output_vector(plan)
    return (not plan.reverse and vec > 1 and plan.outer > 1 and plan.stride_y_outer % vec != 0
            and plan.stride_x_scan == 1)


def shared_row_phase(plan) -> bool:
    """Whether input and output rows start off 16-byte boundaries at one phase, row by row (rows
    of odd lengths, in place, output elements no smaller than the input's: their strides alike
    modulo the input's vector): the row walk then cuts its blocks at 16-byte boundaries of both
    (ROTATE 3, its VEC the input's vector: where the output's elements are no smaller, a position
    a multiple of it from an input row's boundary is at a boundary of the output row too)."""
    vec = input_vector(plan)
    return (vec > 1 and plan.outer > 1 and plan.stride_x_scan == 1 and not plan.total
            and plan.output_dtype.itemsize >= plan.input_dtype.itemsize
            and plan.stride_x_outer % vec != 0 and (plan.stride_x_outer - plan.stride_y_outer) % vec == 0)


def phased_input_rows(plan) -> bool:
    """Whether a walk of stride-1 rows, scanned into elements of the input's size, finds its input
    rows off 16-byte boundaries at another phase than the output's (the seed's rows of L + 1 over
    odd lengths; views of longer rows; views whose first element is off alignment, as x[1:]): the
    row look-back then cuts the input's own windows and rotates their scans into the output's by
    whole lanes (lookback/row.py, ROTATE 4), where its loads would otherwise take one element each.
    Timed on the H200 (benchmarks/NOTES.md 172, 183, 192): 2-byte inputs either way; 4-byte ones
    forwards over rows that start at another phase (the seed's odd rows: 72% -> 80%), not views
    off alignment (81% -> 79%); 8-byte ones not (lagged or element loads were 1-20% faster)."""
    vec = input_vector(plan)
    timed = vec == 8 or (vec == 4 and plan.input_lead == 0 and not plan.reverse)
    return (timed and plan.stride_x_scan == 1 and input_off_alignment(plan)
            and plan.output_dtype.itemsize == plan.input_dtype.itemsize and not plan.indexed
            and (plan.input_lead != 0 or not shared_row_phase(plan)))


def bind_row(family, plan) -> LaunchSpec:
    """One program per row; blocks at 16-byte boundaries of input and output where their rows
    share a phase (row.py, ROTATE 3); forward output windows kept in 16-byte alignment where
    only the output rows are misaligned (the seed's rows of L + 1): rotated, or loaded lagged
    (ROTATE 1, 2)."""
    vec = output_vector(plan)
    if shared_row_phase(plan):
        rotate, vec = 3, input_vector(plan)
    elif not misaligned_output_rows(plan):
        rotate = 0
    elif aligned_input_rows(plan) and plan.output_dtype.itemsize >= 2:
        # rotated windows, from aligned input blocks: whole lanes moved (tiles._rotated; 2-byte
        # outputs since the lane moves, benchmarks/NOTES.md 197)
        rotate = 1
    elif plan.output_dtype.itemsize <= 2:
        # lagged loads need no aligned input rows (benchmarks/NOTES.md section 36); 1-byte
        # outputs, whose rotation is a whole-block gather, take them too
        rotate = 2
    else:
        rotate = 0
    if plan.indexed and rotate in (1, 2):  # no rotated or lagged indices: their rows stored as they fall
        rotate = 0
    meta = family.interpreter_meta if plan.interpreted else {}
    scalars = dict(length=plan.positions, stride_x_outer=plan.stride_x_outer,
                   stride_x_scan=plan.stride_x_scan, stride_y_outer=plan.stride_y_outer,
                   LENGTH_BUCKET=power_of_two_at_least(plan.positions))
    constexprs = dict(SHIFT=plan.shift, REVERSE=plan.reverse, TOTAL=plan.total, ROTATE=rotate,
                      SPLIT=plan.positions % 16 != 0, VEC=vec, RUN=block_run(plan, rotate),
                      ACC_DTYPE=plan.accumulator_tl, OPERATOR=plan.operator.name, INDICES=plan.indexed,
                      **meta)
    return launch_spec(family.kernel_for(plan), (plan.outer,), scalars, constexprs)


def column_offsets_wide(family, plan) -> bool:
    """Whether the column scan forms its step offsets (a step's position times the scan's stride)
    in 64 bits: where they can reach 2^31, counting the tiles loaded ahead past the end, and for
    inputs of 2 bytes, whose tiles hold twice the elements a thread: int32 offsets, hoisted a
    register each, moved their exclusive picks to slower tiles (NOTES.md 162). Elsewhere int32
    saves the three multiplies of a 64-bit offset per element (NOTES.md 161)."""
    if plan.input_dtype.itemsize <= 2:
        return True
    ahead = 4 * max(config.kwargs["BLOCK_L"] for config in family.kernels["forward"].configs)
    return (plan.length + ahead) * max(abs(plan.stride_x_scan), abs(plan.stride_y_scan)) >= 2**31


def bind_column(family, plan) -> LaunchSpec:
    """One program per (outer index, lane tile), walking the whole length."""
    meta = family.interpreter_meta if plan.interpreted else {}
    outer, inner = plan.outer, plan.inner
    scalars = dict(inner=inner, length=plan.length, stride_x_outer=plan.stride_x_outer,
                   stride_x_scan=plan.stride_x_scan, stride_x_inner=plan.stride_x_inner,
                   stride_y_outer=plan.stride_y_outer, stride_y_scan=plan.stride_y_scan,
                   LENGTH_BUCKET=power_of_two_at_least(plan.length),
                   INNER_BUCKET=power_of_two_at_least(inner),
                   LANES_ALIGNED=int(plan.stride_x_scan % 16 == 0 and plan.stride_y_scan % 16 == 0))
    # indices count from the walk's start: reversed walks (negative strides) subtract them from the end
    indices = (2 if plan.backwards else 1) if plan.indexed else 0
    constexprs = dict(SHIFT=plan.shift, ACC_DTYPE=plan.accumulator_tl, OPERATOR=plan.operator.name,
                      INDICES=indices, WIDE_OFFSETS=column_offsets_wide(family, plan), **meta)
    grid = lambda meta: (outer * ceil_div(inner, meta["BLOCK_K"]),)
    return launch_spec(family.kernel_for(plan), grid, scalars, constexprs)


def bind_lookback(family, plan) -> LaunchSpec:
    """Rows cut into chunks of BLOCK positions, drawn by at most `plan.programs` persistent
    programs; the workspace is sized for the smallest block, whichever config the autotuner runs."""
    meta = family.interpreter_meta if plan.interpreted else {}
    kernel = family.kernel_for(plan)
    block = meta["BLOCK"] if plan.interpreted else min(config.kwargs["BLOCK"] for config in kernel.configs)
    outer, shift, programs = plan.outer, plan.shift, plan.programs
    positions = plan.positions
    # rows whose input and output share a phase are cut at 16-byte boundaries of both (3); over
    # other misaligned output rows chunks store aligned output windows (lookback/row.py, ROTATE):
    # from aligned input chunks, their scans rotated (1); in misaligned input rows, 4-byte inputs
    # keep their element stores, which timed faster than lagged loads, and others load lagged
    # into the windows (2, as bind_row's) (benchmarks/NOTES.md sections 64, 74); input rows at
    # another phase than the output's (phased_input_rows: 2-byte ones, the seed's 4-byte ones):
    # the input's windows, their scans rotated (4), a view off alignment loaded from the boundary
    # before it (X_LEAD)
    vec = output_vector(plan)
    if phased_input_rows(plan):
        rotate = 4
    elif shared_row_phase(plan):  # windows of input and output alike, as bind_row's ROTATE 3
        rotate, vec = 3, input_vector(plan)
    elif not misaligned_output_rows(plan):
        rotate = 0
    elif aligned_input_rows(plan):
        rotate = 1
    elif plan.input_dtype.itemsize == 4:
        rotate = 0
    else:
        rotate = 2
    if plan.indexed and rotate in (1, 2):  # no rotated or lagged indices: chunks stored in place
        rotate = 0
    # positions a row cuts: windows reach up to a vector past the row's stored positions
    windows = {2: positions + plan.total - shift + vec - 1, 3: positions + vec - 1,
               4: positions + vec - 1}.get(rotate, positions)
    max_chunks = outer * ceil_div(windows, block)
    words = 1 if plan.accumulator == torch.float32 else 2  # look-back words per chunk (lookback/protocol.py)
    size = words * max_chunks + 2  # the words, the ticket counter, the finished-program counter
    # short scans clean up after themselves (the last program zeroes what the call wrote), so a
    # repeated call needs no allocation and no memset launch; long ones zero a fresh workspace,
    # which one program would clean only slowly
    clean = size <= KEPT_WORDS

    def workspace(device):
        status = torch.zeros(size, dtype=torch.int64, device=device)
        return status, status

    grid = lambda meta: (min(outer * ceil_div(windows, meta["BLOCK"]), programs),)
    scalars = dict(max_chunks=max_chunks, outer=outer, length=positions, stride_x_outer=plan.stride_x_outer,
                   stride_x_scan=plan.stride_x_scan, stride_y_outer=plan.stride_y_outer,
                   LENGTH_BUCKET=power_of_two_at_least(positions), LENGTH_ALIGNED=int(positions % 16 == 0))
    # SPLIT is a tuned meta-parameter (lookback/row.py); the interpreter's fixed one follows the length
    split = dict(SPLIT=positions % 16 != 0) if plan.interpreted else {}
    carry_error = plan.operator.carries_error and plan.accumulator == torch.float64
    constexprs = dict(SHIFT=shift, ACC_DTYPE=plan.accumulator_tl, OPERATOR=plan.operator.name,
                      LOOKBACK=ROW_LOOKBACK, WORDS=words, CARRY_ERROR=carry_error,
                      REVERSE=plan.reverse, TOTAL=plan.total, ROTATE=rotate, VEC=vec,
                      RUN=block_run(plan, rotate, lookback=True), CLEAN=clean, INDICES=plan.indexed, **split,
                      **meta)
    if rotate == 4 and plan.input_lead:
        constexprs["X_LEAD"] = plan.input_lead
    return launch_spec(kernel, grid, scalars, constexprs, workspace, size if clean else 0)


def bind_column_lookback(family, plan) -> LaunchSpec:
    """[BLOCK_L, BLOCK_K] chunks drawn by at most `plan.programs` persistent programs; the
    workspace is sized for the lane tile the pruning keeps and its shortest tile."""
    interpreted = plan.interpreted
    kernel = family.kernel_for(plan)
    outer, length, inner, programs = plan.outer, plan.length, plan.inner, plan.programs
    block_k = min(max(power_of_two_at_least(inner), 2), 256)
    configs = [config for config in family.kernels["forward"].configs if config.kwargs["BLOCK_K"] == block_k]
    longest = max(config.kwargs["BLOCK_L"] for config in configs)
    if interpreted:
        lane_tile, min_block_l = family.interpreter_meta["BLOCK_K"], family.interpreter_meta["BLOCK_L"]
    else:
        lane_tile, min_block_l = block_k, min(config.kwargs["BLOCK_L"] for config in configs)
    stride_x_scan, stride_y_scan = plan.stride_x_scan, plan.stride_y_scan
    wide = max(abs(stride_x_scan), abs(stride_y_scan)) * longest + abs(plan.stride_x_inner) * block_k >= 2**31
    # each step's lanes contiguous in both tensors: chunks can be loaded and stored flat, also
    # when the steps walk both tensors backwards (reversed scans)
    contiguous_rows = (plan.stride_x_inner == 1 and abs(stride_x_scan) == inner
                       and stride_y_scan == stride_x_scan)
    # a strided input (its steps further apart than its lanes: a view of every other group of
    # lanes, say) over lanes that fill the lane tile, into an output of whole 16-byte vectors a
    # step: its chunks are loaded flat too, each step's lanes one vector (INPUT_STEP, the input's
    # step stride at compile time), where the run layout touches a sector per element
    strided_input = (not contiguous_rows and plan.stride_x_inner == 1 and inner == lane_tile
                     and abs(stride_y_scan) == inner and abs(stride_x_scan) > inner
                     and (stride_x_scan > 0) == (stride_y_scan > 0)
                     and inner * plan.output_dtype.itemsize % 16 == 0
                     and not wide)  # a flat tile's 32-bit offsets span BLOCK_L input steps
    flat_inner = inner if (contiguous_rows and inner <= lane_tile) or strided_input else 0
    # rows of 3, 5, 6 or 7 lanes whose output steps are the input's may be held as whole steps in
    # rows of 16-byte vectors (GROUPED, inclusive or stored in place; the autotuner compares them
    # with the gathered tiles; NOTES.md 119)
    whole = plan.positions == plan.length + plan.shift
    grouped_rows = whole and flat_inner in (3, 5, 6, 7)
    # an exclusive scan over flat steps narrower than 16 bytes of output (or not a whole number of
    # them), forwards or reversed, is scanned exclusive in registers and stored where it was
    # loaded: its output shifted by a step would misalign every 16-byte store; `length` then
    # counts the output's steps, all of them loaded (the last one's input is read, and only summed
    # into totals nobody reads). Not for lanes gathered into padded rows (in place, exclusive
    # scans of 3 lanes took 12-27% longer: NOTES.md 110, 115, 117), unless GROUPED may take them.
    in_place = (plan.shift == 1 and flat_inner > 0 and flat_inner * plan.output_dtype.itemsize % 16 != 0
                and plan.length + plan.shift <= plan.positions
                and (flat_inner & (flat_inner - 1) == 0 or grouped_rows))
    length = length + plan.shift if in_place else length
    grouped = grouped_rows and (plan.shift == 0 or in_place)
    # reversed flat tiles enter both tensors at their first step (aligned) rather than their last
    # (a step off alignment), where the tensors' ends are 16-byte aligned: tiles held in memory
    # order are then addressed from the end in whole vectors (dispatch.run_plan; NOTES.md 109)
    # GROUPED chunks walking backwards are counted from the start too: it is handed over wherever
    # GROUPED may run (FROM_START 1: the end's alignment unknown)
    vector = 16 // min(plan.input_dtype.itemsize, plan.output_dtype.itemsize)
    ends_aligned = whole and plan.positions * flat_inner % vector == 0
    from_start = (0 if flat_inner == 0 or stride_x_scan > 0 or strided_input else vector if ends_aligned
                  else 1 if grouped else 0)
    slot = lane_tile
    max_chunks = outer * ceil_div(inner, slot) * ceil_div(length, min_block_l)
    packed = plan.accumulator == torch.float32
    accumulator = plan.accumulator

    def workspace(device):
        status = torch.zeros(max_chunks + 1, dtype=torch.int32, device=device)
        if packed:
            values = torch.zeros(max_chunks * slot, dtype=torch.int64, device=device)
        else:
            values = torch.empty(2 * max_chunks * slot, dtype=accumulator, device=device)
        return status, values

    # the interpreter's tile has two runs of 4 steps, so tests cross runs and tiles; contiguous
    # rows take the flat loads and stores there too (tests/kernels/test_layouts.py runs both ways)
    # (a test may fix GROUPED off in the interpreter's meta: the gathered tiles beside it)
    meta = (dict({"GROUPED": grouped}, **family.interpreter_meta, TRANSPOSE=flat_inner > 0) if interpreted
            else {})
    if grouped:  # rows of whole steps that are whole 16-byte vectors of both tensors
        meta.update(group_row_constexprs(flat_inner, plan.input_dtype.itemsize, plan.output_dtype.itemsize))
        if interpreted:  # a chunk holds whole rows: 1-byte inputs take 16 steps a row, past the 8 there
            meta["BLOCK_L"] = max(meta["BLOCK_L"], meta["GROUP_ROW"] // flat_inner)
    chunks = lambda meta: outer * ceil_div(inner, meta["BLOCK_K"]) * ceil_div(length, meta["BLOCK_L"])
    grid = lambda meta: (min(chunks(meta), programs),)
    scalars = dict(max_chunks=max_chunks, slot=slot, outer=outer, inner=inner, length=length,
                   stride_x_outer=plan.stride_x_outer, stride_x_scan=stride_x_scan,
                   stride_x_inner=plan.stride_x_inner, stride_y_outer=plan.stride_y_outer,
                   stride_y_scan=stride_y_scan, LENGTH_BUCKET=power_of_two_at_least(length),
                   INNER_BUCKET=power_of_two_at_least(inner))
    constexprs = dict(SHIFT=plan.shift, ACC_DTYPE=plan.accumulator_tl, OPERATOR=plan.operator.name,
                      WIDE_OFFSETS=wide, PACKED=packed,
                      FLAT_INNER=flat_inner, BACKWARDS=flat_inner > 0 and stride_x_scan < 0,
                      IN_PLACE=in_place, FROM_START=from_start, GROUPED_OK=grouped,
                      INPUT_STEP=stride_x_scan if strided_input else 0, **meta)
    return launch_spec(kernel, grid, scalars, constexprs, workspace)


# the interpreter's row and column walks keep two blocks loaded ahead, the deepest PREFETCH of the configs
ROW = KernelFamily("row", {"forward": row_scan_kernel},
                   {"BLOCK": 64, "PREFETCH": 2, "num_warps": 1}, bind_row, reverse_by_strides=False,
                   persistent=False)
COLUMN = KernelFamily("column", {"forward": column_scan_kernel},
                      {"BLOCK_L": 8, "BLOCK_K": 8, "SUB": 4, "PREFETCH": 2, "num_warps": 1}, bind_column,
                      reverse_by_strides=True, persistent=False)
LOOKBACK = KernelFamily("lookback", {"forward": lookback_scan_kernel},
                        {"BLOCK": 64, "num_warps": 1},
                        bind_lookback, reverse_by_strides=False, persistent=True, selects_by_keys=True)
COLUMN_LOOKBACK = KernelFamily("column_lookback", {"forward": column_lookback_scan_kernel},
                               {"BLOCK_L": 8, "BLOCK_K": 8, "SUB": 4, "LOOKBACK": 32, "L2_AHEAD": 0,
                                "num_warps": 1},
                               bind_column_lookback, reverse_by_strides=True, persistent=True)
FAMILIES = (ROW, COLUMN, LOOKBACK, COLUMN_LOOKBACK)


def kernels_interpreted() -> bool:
    """True when triton.jit built interpreter functions (TRITON_INTERPRET=1 before import);
    they then take CPU tensors."""
    return type(row_scan_kernel.fn).__name__ == "InterpretedFunction"
