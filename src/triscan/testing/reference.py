"""Plain-torch references, computed in float64 (int64 for integers), for tests and benchmarks.

`seed_model_reference` restates the seed task's reference semantics: a zero slice is
concatenated in front of x along `dim`, then ``[:-1]`` drops the last index of
dimension 0 (whatever `dim` is), then an inclusive cumsum runs along `dim`.
"""

import itertools

import torch

from ..kernels.operators import SUM, ScanOperator
from ..scan.fallback import plain_scan

# torch.cumsum on CUDA read past its input in a scan of 2^31 float64 elements (an illegal memory
# access, depending on what memory lay after it: pytorch issue 196624; benchmarks/NOTES.md 87):
# longer references are scanned in pieces no longer than this
PIECE = 1 << 28


def exact_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a reference computes in: float64 for floats, int64 for integers and bool."""
    return torch.float64 if dtype.is_floating_point else torch.int64


def seed_shifted(x: torch.Tensor, dim: int) -> torch.Tensor:
    """What the seed's Model.forward scans: a zero slice in front of x along `dim`, less the last
    index of dimension 0."""
    zeros = torch.zeros_like(x.select(dim, 0).unsqueeze(dim))
    return torch.cat((zeros, x), dim=dim)[:-1]


def seed_model(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed's Model.forward, in the input's own dtype (what KernelBench compares against)."""
    return torch.cumsum(seed_shifted(x, dim), dim=dim)


# torch.cumsum along a long dim with few lanes beside it (dim 0 of (2^27, 2)) took about 10 s a
# call on CUDA, a thread block per lane (benchmarks/NOTES.md 117), where a contiguous 1-D scan
# takes milliseconds: references with at most FEW_LANES lanes of more than LONG_LANE positions
# scan each lane as a 1-D tensor
FEW_LANES = 16
LONG_LANE = 1 << 16


def cumsum_in_pieces(x: torch.Tensor, dim: int) -> torch.Tensor:
    """torch.cumsum(x, dim), each call seeing at most PIECE positions along dim: each piece's
    scan plus the last sum of the piece before it; a few long lanes one at a time, each
    contiguous. Differentiable, as torch.cumsum, where x takes gradients; otherwise written
    into one new tensor (_scan_into)."""
    if not _differentiable(x):  # in torch.cumsum's result type: integers and bool sum as int64
        summed = x.dtype if x.dtype.is_floating_point or x.dtype.is_complex else torch.int64
        return _scan_into(x, dim, torch.empty_like(x, dtype=summed))
    if _few_long_lanes(x, dim):
        lanes_last = x.movedim(dim, -1)
        lanes = lanes_last.reshape(-1, lanes_last.shape[-1])  # [lanes, positions]
        scanned = torch.stack([cumsum_in_pieces(lane.contiguous(), 0) for lane in lanes])
        return scanned.reshape(lanes_last.shape).movedim(-1, dim)
    if x.dim() == 0 or x.shape[dim] <= PIECE:
        return torch.cumsum(x, dim)
    pieces, carry = [], None
    for start in range(0, x.shape[dim], PIECE):
        scanned = torch.cumsum(x.narrow(dim, start, min(PIECE, x.shape[dim] - start)), dim)
        scanned = scanned if carry is None else scanned + carry
        pieces.append(scanned)
        carry = scanned.narrow(dim, scanned.shape[dim] - 1, 1)
    return torch.cat(pieces, dim)


def _few_long_lanes(x: torch.Tensor, dim: int) -> bool:
    """Whether x has at most FEW_LANES lanes beside dim, each longer than LONG_LANE: such a
    reference is scanned one contiguous lane at a time."""
    return x.dim() > 1 and x.shape[dim] > LONG_LANE and x.numel() // x.shape[dim] <= FEW_LANES


def _differentiable(x: torch.Tensor) -> bool:
    """Whether a reference of x must carry gradients. One that need not is written into one
    tensor: pieces and their concatenation (and an inclusive scan beside its shifted copy) hold
    the result twice, and a 4 GiB bfloat16 input's float64 reference is 16 GiB, which ran an
    80 GB GPU out of memory (benchmarks/NOTES.md 229)."""
    return x.requires_grad and torch.is_grad_enabled()


def _scan_into(x: torch.Tensor, dim: int, out: torch.Tensor) -> torch.Tensor:
    """torch.cumsum(x, dim) written into `out` (x's shape, any strides), as cumsum_in_pieces
    cuts it: at most PIECE positions a call, a few long lanes one at a time. Returns `out`."""
    if _few_long_lanes(x, dim):
        lanes_x, lanes_out = x.movedim(dim, -1), out.movedim(dim, -1)
        for lane in itertools.product(*(range(size) for size in lanes_x.shape[:-1])):
            _scan_into(lanes_x[lane].contiguous(), 0, lanes_out[lane])
        return out
    if x.dim() == 0 or x.shape[dim] <= PIECE:
        return torch.cumsum(x, dim, out=out)
    for start in range(0, x.shape[dim], PIECE):
        size = min(PIECE, x.shape[dim] - start)
        piece = out.narrow(dim, start, size)
        torch.cumsum(x.narrow(dim, start, size), dim, out=piece)
        if start:
            piece += out.narrow(dim, start - 1, 1)  # the last sum of the piece before
    return out


def seed_model_reference(x: torch.Tensor, dim: int) -> torch.Tensor:
    """`seed_model` computed exactly enough to judge others: float64 / int64."""
    return cumsum_in_pieces(seed_shifted(x.to(exact_dtype(x.dtype)), dim), dim)


def cumsum_reference(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Inclusive cumsum in float64 / int64."""
    return cumsum_in_pieces(x.to(exact_dtype(x.dtype)), dim)


def exclusive_cumsum_reference(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Textbook exclusive cumsum (same shape as x, first element 0) in float64 / int64."""
    if not _differentiable(x) and x.dim() > 0 and x.shape[dim] > 0:
        # scanned straight into the shifted positions: no inclusive scan beside the result
        exact = x.to(exact_dtype(x.dtype))
        out = torch.empty_like(exact)
        out.narrow(dim, 0, 1).zero_()
        _scan_into(exact.narrow(dim, 0, x.shape[dim] - 1), dim, out.narrow(dim, 1, x.shape[dim] - 1))
        return out
    inclusive = cumsum_reference(x, dim)
    if x.dim() == 0 or x.shape[dim] == 0:
        return torch.zeros_like(inclusive)
    leading_zero = torch.zeros_like(inclusive.narrow(dim, 0, 1))
    return torch.cat((leading_zero, inclusive.narrow(dim, 0, x.shape[dim] - 1)), dim)


def reversed_cumsum_reference(x: torch.Tensor, dim: int, exclusive: bool = False) -> torch.Tensor:
    """Suffix sums in float64 / int64: flip, scan, flip back; the exclusive form leaves each
    element itself out (so its last element is 0), the scan shifted by a position: `inclusive -
    x` would turn an Inf into NaN."""
    exact = x.to(exact_dtype(x.dtype)).flip(dim)
    scanned = exclusive_cumsum_reference(exact, dim) if exclusive else cumsum_in_pieces(exact, dim)
    del exact  # before the flip back: two float64 copies of x at a time, not three
    return scanned.flip(dim)


def selection_reference(x: torch.Tensor, dim: int, reverse: bool, operator: ScanOperator) -> tuple:
    """torch.cummax's or torch.cummin's (values, indices) (`operator` MAXIMUM or MINIMUM), from the
    end with `reverse`: those of the flipped input, flipped back, the indices counted from the start."""
    select = getattr(torch, operator.function)
    if not reverse or x.dim() == 0:
        result = select(x, dim)
        return result.values, result.indices
    result = select(x.flip(dim), dim)
    return result.values.flip(dim), (x.shape[dim] - 1 - result.indices).flip(dim)


def scan_reference(x: torch.Tensor, dim: int, exclusive: bool = False, reverse: bool = False,
                   operator: ScanOperator = SUM) -> torch.Tensor:
    """Any of the four scans in float64 / int64 (differentiable for float64 inputs), of `operator`
    (a sum unless given): exclusive scans hold the operator's identity first (last when reversed).
    A max's or min's is exact in x's dtype, where its identity is that dtype's extreme (an int8
    max's -128), then converted."""
    if operator.selects:
        return plain_scan(x, dim, exclusive, reverse, operator).to(exact_dtype(x.dtype))
    if operator is SUM:
        if reverse:
            return reversed_cumsum_reference(x, dim, exclusive)
        return exclusive_cumsum_reference(x, dim) if exclusive else cumsum_reference(x, dim)
    return plain_scan(x.to(exact_dtype(x.dtype)), dim, exclusive, reverse, operator)
