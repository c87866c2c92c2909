"""The scan plan: every decision of a scan that depends only on shapes, strides, dtypes, the
device and where the input starts within a 16-byte word (input_lead), made once and cached
(scan/dispatch.py): the (M, L, K) view, the kernel family, the output strides, the accumulator,
and the family's launch bound to all of it."""

from dataclasses import dataclass

import torch
import triton.language as tl

from ..kernels.operators import SUM, ScanOperator
from ..kernels.registry import COLUMN, COLUMN_LOOKBACK, LOOKBACK, ROW, KernelFamily, LaunchSpec, ceil_div
from .launch import device_sms
from .layout import contiguous_strides, scan_view


def input_lead(x: torch.Tensor) -> int:
    """How many elements past a 16-byte boundary x's first element sits, where that boundary is in
    x's storage (a view off alignment, as x[1:]); else 0. A kernel given the boundary as its base
    and the lead apart can load the view as aligned vectors (lookback/row.py, X_LEAD). A meta
    tensor has no address: its storage is taken to start on a boundary, as allocations do."""
    offset = (x.storage_offset() * x.element_size() if x.device.type == "meta" else x.data_ptr()) % 16
    if not offset:
        return 0
    lead, rest = divmod(offset, x.element_size())
    return lead if not rest and x.storage_offset() >= lead else 0


def lookback_allowed(dtype: torch.dtype, exact: bool = False) -> bool:
    """Look-back float sums depend on which predecessors have published when a chunk looks,
    so their last bits can vary from run to run; under
    ``torch.use_deterministic_algorithms(True)`` floats take the row and column scans only, but
    for an `exact` operator (a max or min: one of its inputs, in any order)."""
    return exact or not (dtype.is_floating_point and torch.are_deterministic_algorithms_enabled())


def prefer_lookback(lane_programs: int, length: int, chunk: int, device: torch.device) -> bool:
    """Whether one program per lane group leaves the GPU short of work while the scan is
    long enough to cut into chunks: then a look-back scan, else a row or column scan.

    The row scan needs about 8 resident programs per SM to reach copy speed (benchmarks/NOTES.md
    section 4), so fewer lane programs than 8 per SM leave bandwidth unused; lanes shorter
    than 8 chunks gain little from cutting.
    """
    return lane_programs < 8 * device_sms(device) and length >= 8 * chunk


# A row program streams its row alone, at a small fraction of the GPU's bandwidth, and a look-back
# costs a fixed amount more than a row scan's launch (benchmarks/NOTES.md section 33a); so a few
# rows that would each keep one program busy longer than that are cut into chunks, however few
# chunks they make.
ROW_PROGRAM_BYTES = 128 << 10  # input and output bytes of a row past which a look-back pays
FEW_ROWS = 16  # up to here the look-back's own traffic stays small beside one program's row


def row_program_too_long(outer: int, length: int, bytes_per_position: int, device: torch.device) -> bool:
    """Whether a few long-enough rows would each keep one program streaming longer than a
    look-back of all of them takes (CUDA only: the interpreter's chunks follow prefer_lookback)."""
    return device.type != "cpu" and outer <= FEW_ROWS and length * bytes_per_position >= ROW_PROGRAM_BYTES


def choose_family(outer: int, length: int, inner: int, dtype: torch.dtype, device: torch.device,
                  input_dtype: torch.dtype | None = None, exact: bool = False) -> KernelFamily:
    """The kernel family for a scan of the (outer, length, inner) view (kernels/README.md);
    `dtype` is the output's, `input_dtype` the input's (the same when not given); `exact`: the
    operator's results do not depend on the order of its combines (lookback_allowed)."""
    # scan steps per look-back chunk (smallest configs; the interpreter's fixed blocks)
    row_chunk, column_chunk = (64, 8) if device.type == "cpu" else (8192, 64)
    lookback = length > 0 and lookback_allowed(dtype, exact)
    # reversed scans take the same families: the row kernels take REVERSE, the column
    # kernels walk both tensors backwards through negative strides
    if inner == 1:
        moved = dtype.itemsize + (input_dtype or dtype).itemsize
        cut = (prefer_lookback(outer, length, row_chunk, device)
               or row_program_too_long(outer, length, moved, device))
        return LOOKBACK if lookback and cut else ROW
    # 32-lane column programs beat the column look-back for dim 0 of (32768, 32768), about 8
    # programs per SM (benchmarks/NOTES.md section 4); counting each such program twice sends
    # that shape to the column scan.
    if lookback and prefer_lookback(2 * outer * ceil_div(inner, 32), length, column_chunk, device):
        return COLUMN_LOOKBACK
    return COLUMN


@dataclass
class ScanPlan:
    """A scan of x[..., :length, ...] along `dim` into a contiguous output with `length + shift`
    positions along `dim`, seen as (M = outer, L = length, K = inner) lanes (kernels/README.md)."""

    dim: int
    shift: int  # 0: inclusive; 1: exclusive (a leading zero, or a trailing one when reversed)
    reverse: bool  # sums from the end
    operator: ScanOperator  # what the scan combines: SUM for cumsum (kernels/operators.py)
    input_dtype: torch.dtype
    output_dtype: torch.dtype
    accumulator: torch.dtype  # what sums are kept in (ScanOperator.accumulator; an indexed look-back
    #                           selection's int64 keys)
    device: torch.device
    outer: int  # M
    length: int  # L: input positions summed per lane
    positions: int  # the input's positions along `dim`: L, or L + shift where it holds the one an exclusive
    #                 scan does not sum (row kernels load and store them in place, kernels/README.md)
    total: bool  # the output has one position more than the input, its total (the seed's rows of L + 1)
    inner: int  # K
    stride_x_outer: int
    stride_x_scan: int  # negative when `backwards`
    stride_x_inner: int
    stride_y_outer: int
    stride_y_scan: int  # negative when `backwards`
    copy_reason: str  # why the input is copied to a contiguous tensor first ("" when it is not)
    backwards: bool  # both tensors are entered at their last position along `dim`
    family: KernelFamily
    programs: int  # persistent programs of a look-back family (0 for the others)
    interpreted: bool  # launched through the Triton interpreter (fixed meta-parameters)
    launch: LaunchSpec  # the family bound to this plan (set by plan_scan)
    compiled: dict  # the compiled kernel for direct relaunches (scan/launch.py); None if interpreted
    indexed: bool = False  # a max or min scan whose kernel also writes each result's index (INDICES)
    input_lead: int = 0  # the input's first element sits this many elements past a 16-byte boundary
    #                      that its storage holds (input_lead()); 0 where it is aligned or copied

    @property
    def accumulator_tl(self):
        """The accumulator as a Triton dtype."""
        return {torch.float64: tl.float64, torch.float32: tl.float32}.get(self.accumulator, tl.int64)


def plan_scan(shape, strides, dim: int, length: int, shift: int, reverse: bool, out_shape,
              input_dtype: torch.dtype, output_dtype: torch.dtype, device: torch.device,
              operator: ScanOperator = SUM, indices: bool = False, input_lead: int = 0) -> ScanPlan:
    """The plan for scanning a tensor of `shape` and `strides`, its first element `input_lead`
    elements past a 16-byte boundary (input_lead()), into a contiguous `out_shape` with
    `operator` (a sum unless given). With `indices` (an inclusive max or min scan), the plan is
    `indexed` where its family writes each result's index in the same launch (the row and column
    kernels, positions that fit int32): the caller scans the indices itself where it is not."""
    view = scan_view(shape, strides, dim)
    copy_reason = ""
    if view is None:
        copy_reason = ("the dimensions before or after `dim` interleave in memory, so no single "
                       "stride walks them: scanned from one contiguous copy")
        view = scan_view(shape, contiguous_strides(shape), dim)
    outer, _, inner, stride_x_outer, stride_x_scan, stride_x_inner = view
    # `out` is contiguous: its strides follow from its shape
    stride_y_scan = inner
    stride_y_outer = out_shape[dim] * inner if outer > 1 else 0
    family = choose_family(outer, length, inner, output_dtype, device, input_dtype, operator.selects)
    backwards = reverse and family.reverse_by_strides
    if backwards:
        stride_x_scan, stride_y_scan = -stride_x_scan, -stride_y_scan
    interpreted = device.type == "cpu"
    indexed = (indices and operator.selects and family.writes_indices and shift == 0
               and out_shape[dim] == shape[dim] and shape[dim] < 2**31
               and (not family.selects_by_keys or input_dtype.itemsize <= 4))
    # keys of a value and its position (operators._selection_keys) are scanned as int64
    accumulator = torch.int64 if indexed and family.selects_by_keys else operator.accumulator(output_dtype)
    plan = ScanPlan(
        dim=dim, shift=shift, reverse=reverse, operator=operator, input_dtype=input_dtype,
        output_dtype=output_dtype, accumulator=accumulator, device=device,
        outer=outer, length=length, positions=shape[dim],
        total=not reverse and out_shape[dim] == shape[dim] + 1, inner=inner,
        stride_x_outer=stride_x_outer, stride_x_scan=stride_x_scan, stride_x_inner=stride_x_inner,
        stride_y_outer=stride_y_outer, stride_y_scan=stride_y_scan,
        copy_reason=copy_reason, backwards=backwards, family=family,
        programs=8 * device_sms(device) if family.persistent else 0, interpreted=interpreted,
        launch=None, compiled=None if interpreted else {}, indexed=indexed,
        input_lead=0 if copy_reason else input_lead)
    plan.launch = family.launch_spec(plan)
    return plan
