"""The shared tile primitives (kernels/tiles.py) and look-back words (lookback/protocol.py) through
the kernels that use them: exclusive and reversed blocks stored in place, whole and split blocks,
64-bit look-back words."""

import sys

import pytest
import torch
import triton
import triton.language as tl
from conftest import DEVICE, abs_of, assert_scan_close, random_input

import triscan
from triscan.kernels import registry
from triscan.kernels.lookback.protocol import _publish, _read
from triscan.kernels.row import row_scan_kernel
from triscan.kernels.tiles import _block_offsets, _rotated
from triscan.testing.reference import scan_reference, seed_model_reference
from triscan.tools import matrix

# the interpreter's row block is 64 positions: 128 is two whole blocks (no SPLIT), 131 two whole
# blocks and a partial one with SPLIT; CUDA's blocks are larger, so the lengths scale there
ROW_LENGTHS = [128, 131] if DEVICE == "cpu" else [8192 * 4, 8192 * 4 + 3]
ROW_DTYPES = [torch.float32, torch.bfloat16, torch.float64, torch.int32, torch.int64]
ROW_OPS = ["cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse", "ModelNew"]  # matrix.OPS
# rows per row-kernel test: on CUDA more than plan.FEW_ROWS, whose long rows the look-back takes
ROWS = 9 if DEVICE == "cpu" else 24


def bound_of(op, x, dim):
    """The running sum of |x| that the tolerance scales with (inclusive, in the op's direction)."""
    if op == "ModelNew":
        return seed_model_reference(abs_of(x), dim)
    return scan_reference(abs_of(x), dim, reverse=op.endswith("reverse"))


@pytest.mark.parametrize("length", ROW_LENGTHS, ids=lambda length: f"L{length}")
@pytest.mark.parametrize("dtype", ROW_DTYPES, ids=str)
@pytest.mark.parametrize("op", ROW_OPS)
def test_row_blocks_in_place(op, dtype, length, triton_launches, poisoned_outputs):
    """Every op and element size on the row kernel, whole and partial blocks (SPLIT both ways)."""
    if op == "ModelNew" and not dtype.is_floating_point and dtype != torch.int32:
        pytest.skip("one integer type is enough for the seed's semantics")
    x = random_input((ROWS, length), dtype)
    out = triton_launches.run(matrix.triscan_call(op, 1), x)
    assert_scan_close(out, matrix.reference_call(op, 1)(x), bound_of(op, x, 1), length)
    assert triton_launches.counts == {"row_scan": 1}


# odd lengths (5, or one past a multiple of 16 elements): the starts of ROWS rows pass through
# every phase of a 16-byte word for 2-, 4- and 8-byte elements
SHARED_LENGTHS = [5, 129, 193] if DEVICE == "cpu" else [17, 8192 * 4 + 1, 40961]


@pytest.mark.parametrize("length", SHARED_LENGTHS, ids=lambda length: f"L{length}")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64, torch.int64, torch.int32],
                         ids=str)
@pytest.mark.parametrize("op", ROW_OPS[:4])
def test_rows_sharing_a_phase_walk_aligned_blocks(op, dtype, length, triton_launches, poisoned_outputs):
    """Rows of odd lengths start at every phase of a 16-byte word, the input's and the output's
    alike: the walk cuts its blocks at 16-byte boundaries of both (ROTATE 3), starting before the
    row, and every position of the row, the first and the last included, lands in place; int32
    sums into int64 rows on the input's vectors (four elements, two output vectors)."""
    x = random_input((ROWS, length), dtype)
    plan = sys.modules["triscan.explain"].plan_of(x, 1, **matrix.op_flags(op))[0]
    assert plan.launch.constexprs["ROTATE"] == 3
    assert plan.launch.constexprs["VEC"] == 16 // dtype.itemsize
    out = triton_launches.run(matrix.triscan_call(op, 1), x)
    assert_scan_close(out, matrix.reference_call(op, 1)(x), bound_of(op, x, 1), length)
    assert triton_launches.counts == {"row_scan": 1}


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_rows_sharing_a_phase_into_a_wider_dtype(reverse, triton_launches, poisoned_outputs):
    """float32 rows of odd length summed into float64 (dtype=): blocks at the input's 16-byte
    boundaries, which are the output's too."""
    x = random_input((ROWS, SHARED_LENGTHS[1]), torch.float32)
    plan = sys.modules["triscan.explain"].plan_of(x, 1, reverse=reverse, dtype=torch.float64)[0]
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["VEC"]) == (3, 4)
    out = triton_launches.run(lambda t: triscan.cumsum(t, 1, reverse=reverse, dtype=torch.float64), x)
    assert out.dtype == torch.float64
    bound = bound_of("cumsum reverse" if reverse else "cumsum", x, 1)
    assert_scan_close(out, scan_reference(x, 1, reverse=reverse), bound, x.shape[1])
    assert triton_launches.counts == {"row_scan": 1}


def test_rows_of_other_phases_keep_their_paths():
    """A view whose input rows sit at another phase than the output's (rows of 132 cut to 131)
    takes the rotated windows from aligned input rows (ROTATE 1), not the shared walk."""
    x = random_input((ROWS, 132), torch.float32)[:, :131]
    assert sys.modules["triscan.explain"].plan_of(x, 1)[0].launch.constexprs["ROTATE"] == 1


@pytest.mark.parametrize("length", [1, 64, 130, 200] if DEVICE == "cpu" else [1, 1024, 4099, 40000],
                         ids=lambda length: f"L{length}")
@pytest.mark.parametrize("prefetch", [0, 1, 2], ids=lambda depth: f"prefetch{depth}")
@pytest.mark.parametrize("op,dtype", [("cumsum", torch.float32), ("exclusive reverse", torch.float32),
                                      ("ModelNew", torch.float32), ("ModelNew", torch.bfloat16)],
                         ids=["cumsum", "exclusive-reverse", "ModelNew-float32", "ModelNew-bfloat16"])
def test_row_blocks_loaded_ahead(op, dtype, prefetch, length, monkeypatch, triton_launches, poisoned_outputs):
    """The row walk with 0, 1 or 2 blocks loaded ahead of the one it scans (num_stages - 1 on
    CUDA): rows of one block, of whole blocks and of a partial last block, both directions; the
    seed's misaligned output rows by rotated windows (aligned input rows) and by lagged loads
    (bfloat16 rows of other lengths)."""
    if DEVICE == "cpu":
        monkeypatch.setitem(registry.ROW.interpreter_meta, "PREFETCH", prefetch)
    else:  # one config: the autotuner launches it without timing others
        config = triton.Config({"BLOCK": 1024, "PREFETCH": prefetch}, num_warps=2, num_stages=prefetch + 1)
        monkeypatch.setattr(row_scan_kernel, "configs", [config])
    x = random_input((ROWS, length), dtype)
    if op == "ModelNew":  # the plan takes the misaligned-rows path this test means to cover
        rotate = sys.modules["triscan.explain"].plan_of(x, 1, seed=True)[0].launch.constexprs["ROTATE"]
        # aligned input rows rotate their scans (ROTATE 1), others load lagged (2-byte, ROTATE 2)
        aligned = length % (16 // dtype.itemsize) == 0
        assert rotate == (1 if aligned else 2 if dtype == torch.bfloat16 else 0)
    out = triton_launches.run(matrix.triscan_call(op, 1), x)
    assert_scan_close(out, matrix.reference_call(op, 1)(x), bound_of(op, x, 1), length)
    assert triton_launches.counts == {"row_scan": 1}


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("exclusive", [False, True], ids=["inclusive", "exclusive"])
@pytest.mark.parametrize("dtype", [torch.int64, torch.float64], ids=str)
def test_lookback_64_bit_words(dtype, exclusive, reverse, triton_launches, poisoned_outputs):
    """64-bit sums cross chunks in two half words: int64 sums wrap exactly as torch's, at any
    magnitude (values near 2^62, sums past 2^63)."""
    n = 3001 if DEVICE == "cpu" else 3001 * 128
    if dtype == torch.int64:
        x = torch.randint(-(1 << 62), 1 << 62, (2, n), dtype=dtype, device=DEVICE)
    else:
        x = random_input((2, n), dtype) * 1e200  # large exponents: every bit of both halves in use
    function = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = triton_launches.run(lambda t: function(t, 1, reverse=reverse), x)
    source = x.flip(1) if reverse else x
    expected = source.cpu().cumsum(1)
    if exclusive:
        expected = torch.cat([torch.zeros_like(expected[:, :1]), expected[:, :-1]], 1)
    expected = expected.flip(1) if reverse else expected
    if dtype == torch.int64:
        assert torch.equal(out.cpu(), expected)
    else:
        torch.testing.assert_close(out.cpu(), expected, rtol=1e-12, atol=0)
    assert triton_launches.counts == {"lookback_scan": 1}


@triton.jit
def _words_round_trip(values_ptr, errors_ptr, status_ptr, flags_ptr, sums_ptr, errors_read_ptr,
                      COUNT: tl.constexpr, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
                      CARRY_ERROR: tl.constexpr):
    """Publish COUNT sums (and errors) with statuses 1, 2, 1, ... and read them back in one window."""
    index = tl.arange(0, COUNT)
    for chunk in tl.static_range(COUNT):
        value = tl.load(values_ptr + chunk)
        error = tl.load(errors_ptr + chunk)
        _publish(status_ptr, chunk, value, 1 + chunk % 2, error, WORDS, CARRY_ERROR)
    flags, sums, errors = _read(status_ptr, index, index >= 0, WORDS, ACC_DTYPE, CARRY_ERROR)
    tl.store(flags_ptr + index, flags)
    tl.store(sums_ptr + index, sums.to(sums_ptr.dtype.element_ty))
    tl.store(errors_read_ptr + index, errors)


@pytest.mark.parametrize("dtype, carry_error",
                         [(torch.int64, False), (torch.float64, False), (torch.float64, True)],
                         ids=["int64", "float64", "float64-carried-error"])
def test_halves_round_trip(dtype, carry_error):
    """Every bit of a 64-bit sum survives two half words, and a word pair whose halves carry
    different statuses reads as not yet published. A float64 sum's carried error keeps its sign,
    exponent and 48 highest mantissa bits beside it, whatever its range."""
    if dtype == torch.int64:
        values = torch.tensor([0, -1, 1, (1 << 63) - 1, -(1 << 63), 0x123456789ABCDEF, -0x2468ACE13579BDF, 5],
                              dtype=dtype)
    else:
        values = torch.tensor([0.0, -0.0, 1.5, -3e300, float("inf"), float("-inf"), 5e-324, 2.0**-1022],
                              dtype=dtype)
    values = values.to(DEVICE)
    errors = torch.tensor([1.1e-17, -0.0, -2.7e-300, 0.0, 3.3e290, -1.0 / 3, 5e-324, 2.0**-1075 * 3],
                          dtype=torch.float64)
    errors = errors.to(DEVICE)
    status = torch.zeros(2 * len(values) + 1, dtype=torch.int64, device=DEVICE)
    flags = torch.full((len(values),), -1, dtype=torch.int32, device=DEVICE)
    sums = torch.empty_like(values)
    errors_read = torch.full_like(errors, float("nan"))
    accumulator = tl.int64 if dtype == torch.int64 else tl.float64
    _words_round_trip[(1,)](values, errors, status, flags, sums, errors_read, COUNT=len(values), WORDS=2,
                            ACC_DTYPE=accumulator, CARRY_ERROR=carry_error)
    assert flags.tolist() == [1 + chunk % 2 for chunk in range(len(values))]
    assert torch.equal(sums.view(torch.int64), values.view(torch.int64))  # bit for bit, -0.0 included
    bits = errors.view(torch.int64)
    expected_errors = bits & -16 if carry_error else torch.zeros_like(bits)  # 4 mantissa bits are not kept
    assert torch.equal(errors_read.view(torch.int64), expected_errors)
    torn = status.clone()
    torn[2] = (torn[2] & -4) | 1  # chunk 1's low half from its status-1 write, high half status 2
    torn[3] = (torn[3] & -4) | 2
    read = _read_window(torn, len(values), accumulator, carry_error)
    assert read[1] == 0 and read[0] != 0


@triton.jit
def _read_only(status_ptr, flags_ptr, COUNT: tl.constexpr, ACC_DTYPE: tl.constexpr,
               CARRY_ERROR: tl.constexpr):
    index = tl.arange(0, COUNT)
    flags, _, _ = _read(status_ptr, index, index >= 0, 2, ACC_DTYPE, CARRY_ERROR)
    tl.store(flags_ptr + index, flags)


def _read_window(status, count, accumulator, carry_error=False):
    flags = torch.full((count,), -1, dtype=torch.int32, device=status.device)
    _read_only[(1,)](status, flags, COUNT=count, ACC_DTYPE=accumulator, CARRY_ERROR=carry_error)
    return flags.tolist()


@triton.jit
def _rotate_block(x_ptr, y_ptr, phase, BLOCK: tl.constexpr, VEC: tl.constexpr, REVERSE: tl.constexpr):
    offsets = _block_offsets(REVERSE, BLOCK, VEC)  # [BLOCK]: a reversed block's vectors, as chunks hold them
    tl.store(y_ptr + offsets, _rotated(tl.load(x_ptr + offsets), phase, VEC, REVERSE))


ROTATIONS = [(torch.int8, 16), (torch.bfloat16, 8), (torch.float16, 8), (torch.float32, 4), (torch.int32, 4),
             (torch.int64, 2), (torch.float64, 2)]


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reversed"])
@pytest.mark.parametrize("dtype, vec", ROTATIONS, ids=[str(dtype)[6:] for dtype, _ in ROTATIONS])
def test_blocks_rotate_by_every_phase(dtype, vec, reverse):
    """tiles._rotated moves a block `phase` positions later for every phase of a 16-byte vector
    (the rotated windows: the look-back's ROTATE 1 and 4, the row kernel's ROTATE 1), moving whole
    lanes of vectors of 4 and 8, gathering the block for vectors of 2 and 16: position j holds
    position j - phase of the block, and the first `phase` positions its last ones (a rotation: the
    row scan carries them into its next window; the look-back stores its edges apart). A reversed
    block (its vectors in reverse order, as a reversed chunk holds them) moves the same positions."""
    block = 512 if DEVICE == "cpu" else 8192
    x = random_input((block,), dtype)
    for phase in range(vec):
        y = torch.full_like(x, -1 if not dtype.is_floating_point else float("nan"))
        _rotate_block[(1,)](x, y, phase, BLOCK=block, VEC=vec, REVERSE=reverse, num_warps=4)
        assert torch.equal(y[phase:], x[:block - phase]), phase
        assert torch.equal(y[:phase], x[block - phase:]), phase  # the row scan's next window takes these
