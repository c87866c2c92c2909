"""The look-back scan: long rows, too few of them to fill the GPU one program per row."""

import sys

import pytest
import torch
import triton
import triton.language as tl
from conftest import DEVICE, abs_of, assert_scan_close, column_steps, crossed, random_input

import triscan
from triscan.kernels import registry
from triscan.kernels.lookback.column import _lanes_nearest, _lanes_taken
from triscan.kernels.lookback.protocol import _halves, _pack, _window_words
from triscan.kernels.lookback.row import (
    _read_window,
    _window_nearest,
    _window_taken,
    lookback_scan_kernel,
)
from triscan.testing.reference import (
    cumsum_reference,
    exclusive_cumsum_reference,
    reversed_cumsum_reference,
    seed_model_reference,
)
from triscan.tools import matrix

# Under the interpreter the chunk is 64 elements and the pretend device has 4 SMs, so these
# shapes cut into many chunks; on CUDA the chunk is 2048-8192 elements.
SCALE = 1 if DEVICE == "cpu" else 128
LONG = [((3001 * SCALE,), 0), ((3, 1000 * SCALE), 1), ((1, 4096 * SCALE), -1), ((5, 777 * SCALE), 1)]


def case_ids(cases) -> list[str]:
    """Test ids of (shape, dim, dtype, ...) cases: "3x700x4-dim1-bfloat16"."""
    return [f"{'x'.join(map(str, shape))}-dim{dim}-{str(dtype)[6:]}" for shape, dim, dtype, *_ in cases]


# op -> (call, reference, running sum of |x| for the error bound)
OPS = {
    "cumsum": (triscan.cumsum, cumsum_reference, lambda x, d: cumsum_reference(abs_of(x), d)),
    "exclusive": (triscan.exclusive_cumsum, exclusive_cumsum_reference,
                  lambda x, d: cumsum_reference(abs_of(x), d)),
    "model": (lambda x, d: triscan.ModelNew(d)(x), seed_model_reference,
              lambda x, d: seed_model_reference(abs_of(x), d)),
}


def check_op(op, shape, dim, triton_launches, x=None):
    x = random_input(shape, torch.float32) if x is None else x
    call, reference, bound = OPS[op]
    out = triton_launches.run(call, x, dim)
    assert_scan_close(out, reference(x, dim), bound(x, dim), shape[dim])


@pytest.mark.parametrize("shape,dim", LONG, ids=[f"{'x'.join(map(str, s))}-dim{d}" for s, d in LONG])
@pytest.mark.parametrize("op", list(OPS))
def test_lookback_matches_reference(op, shape, dim, triton_launches, poisoned_outputs):
    if op == "model" and shape[0] == 1 and len(shape) > 1:
        pytest.skip("seed semantics drop the only row")
    check_op(op, shape, dim, triton_launches)
    assert triton_launches.counts == {"lookback_scan": 1}


def _exact_scan(x, reverse=False):
    """Prefix sums of a float64 row in long double (11 bits past float64)."""
    import numpy

    if numpy.finfo(numpy.longdouble).nmant <= numpy.finfo(numpy.float64).nmant:
        pytest.skip("no long double wider than float64 here")
    values = x.cpu().numpy().astype(numpy.longdouble)
    return numpy.cumsum(values[::-1])[::-1] if reverse else numpy.cumsum(values)


@pytest.mark.parametrize("case", ["1-D", "1-D-reverse", "seed-rows"])
def test_float64_prefixes_carry_their_rounding_error(case, triton_launches, poisoned_outputs):
    """float64 prefixes travel from chunk to chunk with their rounding error (protocol._add_carried),
    so each output past the first chunks is within a few float64 ulps of the exact sum. A plain
    float64 carry rounds once per look-back hop: under the interpreter every chunk is a hop, and
    these inputs drift 7-8 ulps over their 470 chunks without it. The totals a chunk finds between
    itself and the nearest prefix are summed plainly, at their own size (NOTES.md 86): on the GPU,
    where one look-back sums hundreds of them, that reads up to 1.8 ulps."""
    import numpy

    if case == "seed-rows":  # the seed's rows of L + 1: a leading zero, the row total last
        x = random_input((3, 20000 * SCALE), torch.float64) + 0.5
        out = triton_launches.run(lambda v: triscan.ModelNew(1)(v), x)
        exact = numpy.stack([numpy.concatenate([[0], _exact_scan(row)]) for row in x[:-1]])
    else:
        x = random_input((30000 * SCALE,), torch.float64) + 0.5
        reverse = case == "1-D-reverse"
        out = triton_launches.run(lambda v: triscan.cumsum(v, 0, reverse=reverse), x)
        exact = _exact_scan(x, reverse)
    assert triton_launches.counts == {"lookback_scan": 1}
    result = out.cpu().numpy()
    error = numpy.abs(result.astype(numpy.longdouble) - exact).astype(numpy.float64)
    ulps = error / numpy.spacing(numpy.abs(exact.astype(numpy.float64)))
    # the first positions' errors are the chunk scan's own, at the size of their sums
    skipped = 1000 * SCALE
    past_first_chunks = ulps[..., ::-1][..., skipped:] if case == "1-D-reverse" else ulps[..., skipped:]
    assert past_first_chunks.max() <= 3.0


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the interpreter's inf - inf, discarded
def test_float64_carried_errors_keep_infinities(triton_launches, poisoned_outputs):
    """A carried prefix that reaches infinity carries no error (which would be NaN): the scan reads
    inf from there on, as torch's."""
    x = random_input((3001 * SCALE,), torch.float64)
    x[1500 * SCALE] = float("inf")
    out = triton_launches.run(triscan.cumsum, x, 0).cpu()
    assert torch.isfinite(out[:1500 * SCALE]).all()
    assert (out[1500 * SCALE:] == float("inf")).all()
    assert triton_launches.counts == {"lookback_scan": 1}


@pytest.mark.parametrize("input_dtype,output_dtype", [
    (torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16), (torch.float64, torch.float64),
    (torch.int64, torch.int64), (torch.int32, torch.int64), (torch.int16, torch.int64)], ids=str)
def test_reload_configs_only_for_widening_outputs_in_place(input_dtype, output_dtype):
    """RELOAD configs (16 and 32 KiB of input per chunk) are tuned where the output is wider than
    the input, for ROTATE 0 on lengths that are multiples of 16 and for ROTATE 3; not elsewhere."""
    x, y = torch.ones(64, dtype=input_dtype), torch.ones(64, dtype=output_dtype)
    widening = output_dtype.itemsize > input_dtype.itemsize
    for rotate, aligned, kept in ((0, 1, widening), (0, 0, False), (3, 0, widening), (2, 1, False)):
        pruned = lookback_scan_kernel.early_config_prune(lookback_scan_kernel.configs, {
            "x_ptr": x, "y_ptr": y, "LENGTH_ALIGNED": aligned, "ROTATE": rotate})
        chunks = {config.kwargs["BLOCK"] * input_dtype.itemsize for config in pruned
                  if config.kwargs.get("RELOAD", False)}
        assert chunks == ({16384, 32768} if kept else set()), (rotate, aligned)


@pytest.mark.parametrize("input_dtype,output_dtype", [
    (torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16), (torch.float16, torch.float16),
    (torch.float64, torch.float64), (torch.int32, torch.int64), (torch.int16, torch.int64)], ids=str)
def test_overlap_read_configs_for_4_byte_sums(input_dtype, output_dtype):
    """OVERLAP_READ configs are tuned for 16 KiB chunks of inputs summed in float32 (float32 and
    the 2-byte floats; NOTES.md 101): capped and unsplit in place (ROTATE 0) on lengths that are
    multiples of 16, split on rows cut into windows (ROTATE 3; NOTES.md 104): uncapped, and for
    2-byte inputs also capped at 168 (NOTES.md 139); not for 8-byte sums, the seed's windowed rows
    (ROTATE 1, 2) or split chunks in place, which spill."""
    x, y = torch.ones(64, dtype=input_dtype), torch.ones(64, dtype=output_dtype)
    for rotate, aligned in ((0, 1), (0, 0), (1, 1), (2, 1), (3, 0)):
        pruned = lookback_scan_kernel.early_config_prune(lookback_scan_kernel.configs, {
            "x_ptr": x, "y_ptr": y, "LENGTH_ALIGNED": aligned, "ROTATE": rotate})
        kept = [(config.kwargs["BLOCK"] * input_dtype.itemsize, config.kwargs["SPLIT"],
                 config.maxnreg is None) for config in pruned if config.kwargs.get("OVERLAP_READ", False)]
        summed_in_float32 = input_dtype.is_floating_point and input_dtype.itemsize <= 4
        windows = [(16384, True, True)] + ([(16384, True, False)] if input_dtype.itemsize == 2 else [])
        expected = ([(16384, False, False)] if summed_in_float32 and rotate == 0 and aligned else
                    windows if summed_in_float32 and rotate == 3 else [])
        assert kept == expected, (rotate, aligned)


@pytest.mark.parametrize("input_dtype,output_dtype", [
    (torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16), (torch.float64, torch.float64),
    (torch.int64, torch.int64), (torch.int32, torch.int64)], ids=str)
def test_register_caps_under_128_only_for_8_byte_sums(input_dtype, output_dtype):
    """The 96-register cap gives 8-byte sums five programs per SM (NOTES.md 86), and the cap of 80
    sums widened to 8 bytes six (NOTES.md 155); for narrower sums they would only repeat the
    uncapped config in every autotuning run."""
    from triscan.kernels.lookback.row import lookback_scan_kernel

    x, y = torch.ones(64, dtype=input_dtype), torch.ones(64, dtype=output_dtype)
    pruned = lookback_scan_kernel.early_config_prune(lookback_scan_kernel.configs, {
        "x_ptr": x, "y_ptr": y, "LENGTH_ALIGNED": 1})
    low_caps = {(config.kwargs["BLOCK"], config.num_warps, config.kwargs["SPLIT"], config.maxnreg)
                for config in pruned if config.maxnreg is not None and config.maxnreg < 128}
    widened = {(2048, 4, True, 80)} if input_dtype.itemsize < output_dtype.itemsize else set()
    assert low_caps == ({(2048, 4, False, 96), (2048, 4, True, 96)} | widened if output_dtype.itemsize == 8
                        else set())


@pytest.mark.parametrize("input_dtype,output_dtype", [
    (torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16), (torch.float16, torch.float32),
    (torch.int32, torch.int64)], ids=str)
def test_register_caps_of_128_only_for_2_byte_inputs(input_dtype, output_dtype):
    """The plain configs capped at 128 registers, (8192, 4) and (16384, 8), are tuned for 2-byte
    inputs, where they were picked on the H100 and the H200; 4-byte inputs spill 224-952 bytes
    there in every form (NOTES.md 157). (OVERLAP_READ has its own caps.)"""
    x, y = torch.ones(64, dtype=input_dtype), torch.ones(64, dtype=output_dtype)
    for rotate, aligned in ((0, 1), (1, 1), (3, 0)):
        pruned = lookback_scan_kernel.early_config_prune(lookback_scan_kernel.configs, {
            "x_ptr": x, "y_ptr": y, "LENGTH_ALIGNED": aligned, "ROTATE": rotate})
        capped = {(config.kwargs["BLOCK"], config.num_warps) for config in pruned
                  if config.maxnreg == 128 and not config.kwargs.get("OVERLAP_READ", False)}
        assert capped == ({(8192, 4), (16384, 8)} if input_dtype.itemsize == 2 else set()), rotate


def column_configs_kept(input_dtype, output_dtype, inner, **constexprs):
    """The column look-back's configs its pruning leaves to the autotuner for `inner` lanes of
    `input_dtype` scanned into `output_dtype`, with the plan's `constexprs` (FLAT_INNER, ...)."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    x, y = torch.ones(64, dtype=input_dtype), torch.ones(64, dtype=output_dtype)
    return column_lookback_scan_kernel.early_config_prune(column_lookback_scan_kernel.configs, {
        "x_ptr": x, "y_ptr": y, "INNER_BUCKET": 1 << (inner - 1).bit_length()}, **constexprs)


@pytest.mark.parametrize("input_dtype,output_dtype", [
    (torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16), (torch.float64, torch.float64),
    (torch.int32, torch.int64), (torch.int32, torch.int32), (torch.int8, torch.int64)], ids=str)
def test_column_register_caps_fit_without_spills(input_dtype, output_dtype):
    """The column look-back's capped configs are kept where their tiles fit the cap without
    spills (test_compile): 128 registers on 4 warps for 1- and 2-byte inputs, and on 8 warps for
    flat rows of 4-byte inputs summed into 8 bytes; 168 for inputs and outputs of at most 4 bytes
    over dense flat rows, not over gathered lanes (NOTES.md 49, 110, 158)."""
    widened = input_dtype.itemsize == 4 and output_dtype.itemsize == 8
    for inner, flat_inner in ((2, 2), (8, 8), (3, 3), (8, 0)):
        pruned = column_configs_kept(input_dtype, output_dtype, inner, FLAT_INNER=flat_inner)
        caps = {(config.maxnreg, config.num_warps) for config in pruned
                if config.maxnreg is not None and "PARTS" not in config.kwargs}  # PARTS: their own rule
        dense_flat = flat_inner == inner and inner in (2, 8)
        expected = ({(128, 4)} if input_dtype.itemsize <= 2 and flat_inner else set()) | (
            {(168, 4)} if dense_flat and max(input_dtype.itemsize, output_dtype.itemsize) <= 4 else set()) | (
            {(128, 8)} if dense_flat and widened else set())
        assert caps == expected, (inner, flat_inner)


@pytest.mark.parametrize("input_dtype,output_dtype,expected", [
    (torch.bfloat16, torch.bfloat16, {(16384, 2, 168)}), (torch.float16, torch.float32, {(16384, 2, 168)}),
    (torch.float32, torch.float32, set()), (torch.int32, torch.int64, set()),
    (torch.float64, torch.float64, set()), (torch.int8, torch.int64, set()),
    (torch.bfloat16, torch.float64, set())], ids=str)
def test_held_parts_configs_only_where_capped_for(input_dtype, output_dtype, expected):
    """PARTS configs (NOTES.md 126, 129) reach the autotuner over dense flat rows of 2-byte inputs
    scanned into at most 4 bytes only, in either direction (not strided or gathered lanes): chunks
    of 32 KiB in 2 parts at 168 registers, the first scanned during the read up to 8 lanes (over
    16 that spills; NOTES.md 152, 155)."""
    for inner, flat_inner, backwards in ((2, 2, False), (8, 8, False), (16, 16, False), (8, 8, True),
                                         (8, 0, False), (3, 3, False)):
        pruned = column_configs_kept(input_dtype, output_dtype, inner, FLAT_INNER=flat_inner,
                                     BACKWARDS=backwards)
        held = {(config.kwargs["BLOCK_L"] * config.kwargs["BLOCK_K"], config.kwargs["PARTS"], config.maxnreg)
                for config in pruned if "PARTS" in config.kwargs}
        assert all(config.kwargs["EARLY_PART"] == (inner <= 8)
                   for config in pruned if "PARTS" in config.kwargs)
        dense = flat_inner == inner and inner & (inner - 1) == 0  # 3 lanes: gathered into 4
        assert held == (expected if dense else set()), (inner, flat_inner, backwards)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64], ids=str)
@pytest.mark.parametrize("warps", [4, 8], ids=lambda warps: f"{warps}warps")
def test_grouped_configs_only_where_allowed(warps, dtype):
    """GROUPED configs (lookback/column.py) reach the autotuner only where the plan allows them
    (GROUPED_OK), for lane tiles of 4 and 8, by the bytes a thread holds (its elements times the
    element size): at most 224 uncapped, 192 capped at 128 or 168 registers (4 warps), and at 96
    only for sums of 4 bytes with at most 192 bytes of them."""
    for inner, allowed in ((3, True), (3, False), (5, True), (7, True), (2, True)):
        pruned = column_configs_kept(dtype, dtype, inner, FLAT_INNER=inner, GROUPED_OK=allowed)
        kept = {(config.kwargs["BLOCK_L"], config.maxnreg) for config in pruned
                if config.kwargs.get("GROUPED", False) and config.num_warps == warps}
        expected = set()
        for block_l in (512, 1024, 2048, 4096):
            elements = block_l * inner // (32 * warps)
            held = elements * dtype.itemsize
            if block_l > 512 or warps == 4:  # 512 steps on 4 warps only
                expected |= {(block_l, None)} if held <= 224 else set()
            if warps == 4:  # register caps: four or five programs per SM
                caps = (128, 168) if block_l == 4096 else (128,)
                expected |= {(block_l, cap) for cap in caps if held <= 192}
                if 512 < block_l and dtype.itemsize <= 4 and elements * 4 <= 192:
                    expected.add((block_l, 96))
            elif block_l in (1024, 2048) and held <= 192:  # 8 warps at 128: two programs per SM
                expected.add((block_l, 128))
        assert kept == (expected if allowed and inner != 2 else set()), (inner, allowed)


@pytest.mark.parametrize("input_dtype,output_dtype,inner,kept,dropped", [
    # the fixed-launch winners of NOTES.md 143 (H100), and configs that spill past their gain
    (torch.bfloat16, torch.bfloat16, 3, {(4096, 4, 128), (4096, 4, 168), (2048, 4, 96)}, set()),
    (torch.bfloat16, torch.bfloat16, 5, {(2048, 4, None), (2048, 4, 128), (1024, 4, 96)}, {(2048, 4, 96)}),
    (torch.float32, torch.float32, 3, {(2048, 4, 96), (2048, 4, 128)}, {(4096, 4, None), (4096, 4, 128)}),
    (torch.float32, torch.float32, 5, {(1024, 4, 96)}, {(2048, 4, None), (2048, 4, 128)}),
    (torch.float64, torch.float64, 3, {(1024, 4, 128), (1024, 4, None)}, {(1024, 4, 96), (2048, 4, None)}),
    (torch.float64, torch.float64, 5, {(1024, 8, 128), (512, 4, 128), (512, 4, None)}, {(2048, 8, 128)}),
    (torch.int32, torch.int64, 3, {(1024, 4, 128)}, {(2048, 4, 128), (1024, 4, 96)}),
], ids=["bfloat16-3", "bfloat16-5", "float32-3", "float32-5", "float64-3", "float64-5", "int32-int64-3"])
def test_grouped_configs_by_held_bytes(input_dtype, output_dtype, inner, kept, dropped):
    """2-byte inputs keep GROUPED chunks of twice float32's steps (bfloat16 K=5 [2048, 8]: 54.8%
    against the 96-register pick's 49.5% on the H100), 8-byte sums a cap of 128 where they fit it
    without spills; tiles that spill past their gain offline (sm_90: 56-204 bytes) are dropped
    (with the plan's rows, NOTES.md 146)."""
    row = registry.group_row_constexprs(inner, input_dtype.itemsize, output_dtype.itemsize)
    pruned = column_configs_kept(input_dtype, output_dtype, inner, FLAT_INNER=inner, GROUPED_OK=True, **row)
    grouped = {(config.kwargs["BLOCK_L"], config.num_warps, config.maxnreg) for config in pruned
               if config.kwargs.get("GROUPED", False)}
    assert kept <= grouped and not dropped & grouped, grouped


@pytest.mark.parametrize("lanes", [3, 5, 6, 7, 2])
def test_grouped_rows_are_whole_output_sectors(lanes):
    """GROUPED rows (registry.group_row_constexprs) are the fewest whole steps that are whole 16-byte
    vectors of the input and whole 32-byte sectors of the output, which they are stored as
    (tiles._store_row_group; two 16-byte halves stored apart cost L2 two writes, NOTES.md 146)."""
    for input_size, output_size in ((4, 4), (2, 2), (2, 4), (8, 8), (4, 8), (1, 8), (1, 1)):
        row = registry.group_row_constexprs(lanes, input_size, output_size)
        whole = [elements for elements in range(lanes, row["GROUP_ROW"] + 1, lanes)
                 if elements * input_size % 16 == 0 and elements * output_size % 32 == 0]
        assert whole == [row["GROUP_ROW"]], (input_size, output_size, row)
        assert row["GROUP_LOAD_VECTOR"] * input_size == 16 and row["GROUP_STORE_VECTOR"] * output_size == 16


def lookback_scan_checked(op: str, x: torch.Tensor, triton_launches, dim=None, family="lookback"):
    """`op` (a matrix op) along `dim` (x's last by default) through `family` (the row look-back),
    its output checked against the float64 reference, within a tolerance bounded by the same op
    on |x|; returns its plan."""
    dim = x.dim() - 1 if dim is None else dim
    plan = sys.modules["triscan.explain"].plan_of(x, dim, **matrix.op_flags(op))[0]
    assert plan.family.name == family
    out = triton_launches.run(matrix.triscan_call(op, dim), x)
    bound = (seed_model_reference(abs_of(x), dim) if op == "ModelNew"
             else cumsum_reference(abs_of(x).flip(dim), dim).flip(dim) if op.endswith("reverse")
             else cumsum_reference(abs_of(x), dim))
    assert_scan_close(out, matrix.reference_call(op, dim)(x), bound, x.shape[dim])
    return plan


def leave_configs(monkeypatch, kernel, configs):
    """Leave only `configs` to an autotuned kernel for this test, its picks forgotten: a key tuned
    by an earlier test would otherwise launch that test's pick, whatever the configs now are."""
    monkeypatch.setattr(kernel, "configs", configs)
    monkeypatch.setattr(kernel, "cache", {})


RELOAD_OPS = ["cumsum", "exclusive_cumsum", "cumsum reverse", "exclusive reverse", "ModelNew"]
# pieces per chunk: 8 only on CUDA, where the loop is pipelined (under the interpreter only its
# trip count would change, at twice the time)
RELOAD_PIECES = [4] if DEVICE == "cpu" else [4, 8]


# every op x dtype on CUDA; under the interpreter each op with another dtype (CI's time)
RELOAD_DTYPES = [torch.float32, torch.bfloat16, torch.float64, torch.int32, torch.int64]


@pytest.mark.parametrize("pieces", RELOAD_PIECES, ids=lambda pieces: f"{pieces}pieces")
@pytest.mark.parametrize("op,dtype", crossed(RELOAD_OPS, RELOAD_DTYPES, RELOAD_OPS,
                                             [str(dtype) for dtype in RELOAD_DTYPES]))
def test_reloaded_chunks(op, dtype, pieces, monkeypatch, triton_launches, poisoned_outputs):
    """RELOAD (lookback/row.py): chunks summed in pieces, scanned after their look-back from a
    second read, every op, on 1-D, on aligned rows (ROTATE 0), on rows of odd length whose input
    and output share their phase (ROTATE 3: whole-vector masks, the rows' edge pieces stored by
    element) and on the seed's rows of odd length (aligned output rows: ROTATE 0, or ROTATE 4 for
    2-byte inputs); the last chunk partial."""
    if DEVICE == "cpu":
        block = registry.LOOKBACK.interpreter_meta["BLOCK"]
        for name, value in (("RELOAD", True), ("SUB_BLOCK", block // pieces), ("RELOAD_STAGES", pieces)):
            monkeypatch.setitem(registry.LOOKBACK.interpreter_meta, name, value)
    else:  # one config: the autotuner launches it without timing others
        block = 16384 // dtype.itemsize
        config = triton.Config({"BLOCK": block, "SPLIT": False, "RELOAD": True, "SUB_BLOCK": block // pieces,
                                "RELOAD_STAGES": pieces}, num_warps=4, num_stages=1)
        monkeypatch.setattr(lookback_scan_kernel, "configs", [config])
        # the kernel for every dtype; the tuning keeps RELOAD for widening outputs only
        monkeypatch.setattr(lookback_scan_kernel, "early_config_prune", None)
    # (shape, the ROTATE its plan takes)
    # the seed's odd rows of 2- and 4-byte inputs scanned into their own type take ROTATE 4, which has
    # no RELOAD (its chunks run as usual); others stay in place here
    seed_rotate = 4 if dtype.itemsize == 2 or dtype == torch.float32 else 0
    shapes = ([((3001 * SCALE,), 0), ((3, 1000 * SCALE - 1), seed_rotate)] if op == "ModelNew" else
              [((3001 * SCALE,), 0), ((3, 1000 * SCALE), 0), ((3, 1000 * SCALE - 1), 3)])
    for shape, rotate in shapes:
        plan = lookback_scan_checked(op, random_input(shape, dtype), triton_launches)
        assert plan.launch.constexprs["ROTATE"] == rotate
    assert triton_launches.counts == {"lookback_scan": len(shapes)}


# each option alone, both (the tuned configs') and neither (the round before NOTES.md 101); under
# the interpreter both and neither only (each alone runs on CUDA, and TICKET_AHEAD alone is every
# other test's default)
ROUND_OPTIONS = {"overlap-read": {"OVERLAP_READ": True, "TICKET_AHEAD": False},
                 "ticket-ahead": {"OVERLAP_READ": False, "TICKET_AHEAD": True},
                 "both": {"OVERLAP_READ": True, "TICKET_AHEAD": True},
                 "neither": {"OVERLAP_READ": False, "TICKET_AHEAD": False}}


ROUND_FORMS = list(ROUND_OPTIONS) if DEVICE != "cpu" else ["both", "neither"]
ROUND_CASES = [(op, dtype) for op in ("cumsum", "exclusive reverse", "ModelNew")
               for dtype in (torch.float32, torch.float64, torch.int32)]


# under the interpreter each (op, dtype) with one of both and neither, in turn
@pytest.mark.parametrize("options,op,dtype", crossed(ROUND_FORMS, ROUND_CASES, ROUND_FORMS,
                                                     [f"{op}-{dtype}" for op, dtype in ROUND_CASES]))
def test_round_options(options, op, dtype, monkeypatch, triton_launches, poisoned_outputs):
    """The row look-back round's options (lookback/row.py), alone, together and neither:
    OVERLAP_READ, a chunk's first look-back window read before the chunk's scan, then walked back
    as before; TICKET_AHEAD (on by default), each ticket drawn a round before its chunk is
    loaded; one-word and two-word look-backs (float64 with its carried error), on 1-D, aligned
    rows (ROTATE 0) and rows of odd length (ROTATE 3, or the seed's aligned output rows)."""
    if DEVICE == "cpu":
        for name, value in ROUND_OPTIONS[options].items():
            monkeypatch.setitem(registry.LOOKBACK.interpreter_meta, name, value)
    else:  # one config: the autotuner launches it without timing others
        config = triton.Config({"BLOCK": 16384 // dtype.itemsize, "SPLIT": True, **ROUND_OPTIONS[options]},
                               num_warps=4, num_stages=1)
        monkeypatch.setattr(lookback_scan_kernel, "configs", [config])
        monkeypatch.setattr(lookback_scan_kernel, "early_config_prune", None)
    shapes = [(3001 * SCALE,), (3, 1000 * SCALE), (3, 1000 * SCALE - 1)]
    for shape in shapes:
        lookback_scan_checked(op, random_input(shape, dtype), triton_launches)
    assert triton_launches.counts == {"lookback_scan": len(shapes)}


WARP_WINDOW_CASES = [("cumsum", torch.float32, True), ("exclusive reverse", torch.float64, False),
                     ("ModelNew", torch.int64, True), ("cumsum", torch.int32, False)]


@pytest.mark.parametrize("lookback", [64, 128], ids=lambda lookback: f"window{lookback}")
@pytest.mark.parametrize("op,dtype,overlap_read", WARP_WINDOW_CASES,
                         ids=[f"{op}-{dtype}-{'overlap' if overlap else 'plain'}"
                              for op, dtype, overlap in WARP_WINDOW_CASES])
def test_windows_in_parts(op, dtype, overlap_read, lookback, monkeypatch, triton_launches, poisoned_outputs):
    """The row look-back with windows of more than a warp's 32 predecessors, read and reduced as
    warp windows of 32 (lookback/row.py's WARP_WINDOW): one-word and two-word look-backs, float64
    with its carried error, OVERLAP_READ's first window in hand, on 1-D and on rows.
    test_window_step checks one step's decisions on crafted words; this, the kernel around it."""
    # plans bind it when they are made (triton_launches starts their cache empty)
    monkeypatch.setattr(registry, "ROW_LOOKBACK", lookback)
    if DEVICE == "cpu":
        monkeypatch.setitem(registry.LOOKBACK.interpreter_meta, "OVERLAP_READ", overlap_read)
    else:  # one config: the autotuner launches it without timing others
        config = triton.Config({"BLOCK": 16384 // dtype.itemsize, "SPLIT": True,
                                "OVERLAP_READ": overlap_read}, num_warps=4, num_stages=1)
        monkeypatch.setattr(lookback_scan_kernel, "configs", [config])
        monkeypatch.setattr(lookback_scan_kernel, "early_config_prune", None)
    shapes = [(3001 * SCALE,), (3, 1000 * SCALE - 1)]
    for shape in shapes:
        plan = lookback_scan_checked(op, random_input(shape, dtype), triton_launches)
        assert plan.launch.constexprs["LOOKBACK"] == lookback
    assert triton_launches.counts == {"lookback_scan": len(shapes)}


@triton.jit
def _publish_trials(status_ptr, values_ptr, errors_ptr, flags_ptr, CHUNKS: tl.constexpr, WORDS: tl.constexpr,
                    CARRY_ERROR: tl.constexpr):
    """Write each trial's CHUNKS look-back words as _publish does (a trial a program, its own
    workspace), all at once: the values with their statuses, none where the status is 0."""
    trial = tl.program_id(0).to(tl.int64)
    chunks = tl.arange(0, CHUNKS)  # [CHUNKS]
    statuses = tl.load(flags_ptr + trial * CHUNKS + chunks).to(tl.int64)
    values = tl.load(values_ptr + trial * CHUNKS + chunks)
    words_ptr = status_ptr + trial * (WORDS * CHUNKS)
    if WORDS == 1:
        tl.store(words_ptr + chunks, _pack(values, statuses), mask=statuses != 0)
    else:
        errors = tl.load(errors_ptr + trial * CHUNKS + chunks)
        halves = tl.arange(0, 2)[None, :]
        words = _halves(values[:, None], statuses[:, None], errors[:, None], CARRY_ERROR)  # [CHUNKS, 2]
        tl.store(words_ptr + 2 * chunks[:, None] + halves, words, mask=(statuses != 0)[:, None])


@triton.jit
def _window_step(status_ptr, window_ends_ptr, row_firsts_ptr, nearest_ptr, ready_ptr, taken_ptr, prefix_ptr,
                 prefix_error_ptr, CHUNKS: tl.constexpr, WORDS: tl.constexpr, ACC_DTYPE: tl.constexpr,
                 CARRY_ERROR: tl.constexpr, LOOKBACK: tl.constexpr, WARP_WINDOW: tl.constexpr,
                 WARP_WINDOWS: tl.constexpr, SCANNED: tl.constexpr):
    """One look-back step of the row look-back (lookback/row.py) over each trial's window."""
    trial = tl.program_id(0).to(tl.int64)
    window_end = tl.load(window_ends_ptr + trial)
    row_first = tl.load(row_firsts_ptr + trial)
    window = _read_window(status_ptr + trial * (WORDS * CHUNKS), window_end, row_first, WORDS, ACC_DTYPE,
                          CARRY_ERROR, WARP_WINDOW, WARP_WINDOWS)
    nearest, ready = _window_nearest(window, LOOKBACK, WARP_WINDOW, WARP_WINDOWS)
    taken, prefix, prefix_error = _window_taken(window, window_end, row_first, nearest, SCANNED, ACC_DTYPE,
                                                CARRY_ERROR, WARP_WINDOW, WARP_WINDOWS)
    tl.store(nearest_ptr + trial, nearest)
    tl.store(ready_ptr + trial, ready.to(tl.int32))
    tl.store(taken_ptr + trial, taken.to(taken_ptr.dtype.element_ty))
    tl.store(prefix_ptr + trial, prefix.to(prefix_ptr.dtype.element_ty))
    tl.store(prefix_error_ptr + trial, prefix_error)


# (look-back words, their sums' dtype, the combine): one word per chunk for float32 sums, two for
# 64-bit ones, a float64 sum with its carried error, a max's int64 keys (cummax's)
WINDOW_WORDS = {"float32": (1, torch.float32, "sum"), "int64": (2, torch.int64, "sum"),
                "float64-carried": (2, torch.float64, "sum"), "int64-max": (2, torch.int64, "max")}


@pytest.mark.parametrize("lookback", [16, 32, 64, 128], ids=lambda lookback: f"window{lookback}")
@pytest.mark.parametrize("words", list(WINDOW_WORDS))
def test_window_step(words, lookback):
    """One step of the row look-back's walk back, on published words drawn to put the nearest
    inclusive prefix in every warp window of a window read as several (LOOKBACK over 32), or in
    none of it; an unpublished word before it, after it or nowhere; windows that reach past the
    row's first chunk. nearest, ready and what the step takes are those of a plain walk over the
    same statuses (under the interpreter a kernel's look-back always finds its predecessor's
    prefix at once: this is where its waiting paths run there)."""
    word_count, dtype, scanned = WINDOW_WORDS[words]
    carry_error = words == "float64-carried"
    warp_window = min(lookback, 32)
    generator = torch.Generator().manual_seed(lookback * 7 + word_count)
    trials, chunks = 48, 2 * lookback
    flags = torch.randint(1, 3, (trials, chunks), generator=generator, dtype=torch.int32)
    window_ends = torch.randint(1, chunks + 1, (trials,), generator=generator)
    row_firsts = torch.zeros(trials, dtype=torch.int64)
    for trial in range(trials):
        end = int(window_ends[trial])
        row_firsts[trial] = int(torch.randint(0, end, (1,), generator=generator)) if trial % 3 == 0 else 0
        # the nearest prefix at a drawn step, one window further (none in it) for every fourth trial
        nearest = trial % (lookback + 1) if trial % 4 else lookback
        steps = torch.arange(lookback)
        in_window = (end - 1 - steps >= 0)
        chunk_of = (end - 1 - steps)[in_window]
        flags[trial, chunk_of] = torch.where(steps[in_window] == nearest, 2, 1).to(torch.int32)
        if trial % 5 == 1:  # an unpublished word before the nearest prefix (or anywhere, where none)
            hole = int(torch.randint(0, max(1, min(nearest, lookback)), (1,), generator=generator))
            if end - 1 - hole >= 0:
                flags[trial, end - 1 - hole] = 0
        elif trial % 5 == 2:  # one after it: the step is still ready
            hole = nearest + 1 + int(torch.randint(0, lookback, (1,), generator=generator))
            if hole < lookback and end - 1 - hole >= 0:
                flags[trial, end - 1 - hole] = 0
    if dtype.is_floating_point:  # whole numbers: every order of addition is exact
        values = torch.randint(-1000, 1000, (trials, chunks), generator=generator).to(dtype)
    else:
        values = torch.randint(-(1 << 40), 1 << 40, (trials, chunks), generator=generator, dtype=dtype)
    errors = torch.randint(-(1 << 20), 1 << 20, (trials, chunks), generator=generator).double() * 2.0**-80
    status = torch.zeros(trials * word_count * chunks, dtype=torch.int64)
    accumulator = {torch.float32: tl.float32, torch.float64: tl.float64, torch.int64: tl.int64}[dtype]
    on_device = [tensor.to(DEVICE) for tensor in (status, values, errors, flags, window_ends, row_firsts)]
    status, values_d, errors_d, flags_d, window_ends_d, row_firsts_d = on_device
    _publish_trials[(trials,)](status, values_d, errors_d, flags_d, CHUNKS=chunks, WORDS=word_count,
                               CARRY_ERROR=carry_error)
    sums_dtype = torch.float64 if dtype.is_floating_point else torch.int64
    outputs = [torch.full((trials,), -7, dtype=torch.int32, device=DEVICE) for _ in range(2)]
    outputs += [torch.full((trials,), float("nan") if sums_dtype.is_floating_point else -7, dtype=sums_dtype,
                           device=DEVICE) for _ in range(2)]
    outputs += [torch.full((trials,), float("nan"), dtype=torch.float64, device=DEVICE)]
    _window_step[(trials,)](status, window_ends_d, row_firsts_d, *outputs, CHUNKS=chunks, WORDS=word_count,
                            ACC_DTYPE=accumulator, CARRY_ERROR=carry_error, LOOKBACK=lookback,
                            WARP_WINDOW=warp_window, WARP_WINDOWS=lookback // warp_window, SCANNED=scanned)
    nearest_out, ready_out, taken_out, prefix_out, error_out = (output.cpu() for output in outputs)
    identity = torch.iinfo(torch.int64).min if scanned == "max" else 0
    for trial in range(trials):
        end, first = int(window_ends[trial]), int(row_firsts[trial])
        steps = [step for step in range(lookback)]
        valid = [end - 1 - step >= first for step in steps]
        status_at = [int(flags[trial, end - 1 - step]) if valid[step] else 2 for step in steps]
        nearest = next((step for step in steps if status_at[step] == 2), lookback)
        ready = all(status_at[step] > 0 for step in steps[:nearest])
        assert (int(nearest_out[trial]), bool(ready_out[trial])) == (nearest, ready), (trial, end, first)
        if not ready:
            continue
        taken_steps = [step for step in steps[:nearest + (0 if carry_error else 1)] if valid[step]]
        taken_values = [values[trial, end - 1 - step].item() for step in taken_steps]
        taken = max(taken_values, default=identity) if scanned == "max" else sum(taken_values)
        assert taken_out[trial].item() == taken, (trial, taken_steps)
        at_nearest = carry_error and nearest < lookback and valid[nearest]
        assert prefix_out[trial].item() == (values[trial, end - 1 - nearest].item() if at_nearest else 0)
        assert error_out[trial].item() == (errors[trial, end - 1 - nearest].item() if at_nearest else 0.0)


@triton.jit
def _lanes_window_step(values_ptr, sums_ptr, flags_ptr, window_ends_ptr, group_firsts_ptr, lanes_done_ptr,
                       nearest_ptr, ready_ptr, taken_ptr, CHUNKS: tl.constexpr, BLOCK_K: tl.constexpr,
                       LOOKBACK: tl.constexpr, OPERATOR: tl.constexpr):
    """Each trial's packed words (a word per chunk and lane, `_pack`, none where the status is 0),
    then one step of the column look-back's walk back over them (lookback/column.py)."""
    trial = tl.program_id(0).to(tl.int64)
    lanes = tl.arange(0, BLOCK_K)
    slots = (trial * CHUNKS + tl.arange(0, CHUNKS))[:, None] * BLOCK_K + lanes[None, :]  # [CHUNKS, BLOCK_K]
    statuses = tl.load(flags_ptr + slots).to(tl.int64)
    tl.store(values_ptr + slots, _pack(tl.load(sums_ptr + slots), statuses), mask=statuses != 0)
    window_end = tl.load(window_ends_ptr + trial)
    group_first = tl.load(group_firsts_ptr + trial)
    lane_done = tl.load(lanes_done_ptr + trial * BLOCK_K + lanes)
    words = _window_words(values_ptr + trial * (CHUNKS * BLOCK_K), window_end, group_first, BLOCK_K, LOOKBACK,
                          BLOCK_K)  # [LOOKBACK, BLOCK_K]
    nearest, ready = _lanes_nearest(words, window_end, group_first, lane_done, LOOKBACK)
    taken = _lanes_taken(words, window_end, group_first, lane_done, nearest, OPERATOR, tl.float32, LOOKBACK)
    tl.store(nearest_ptr + trial * BLOCK_K + lanes, nearest)
    tl.store(ready_ptr + trial * BLOCK_K + lanes, ready.to(tl.int32))
    tl.store(taken_ptr + trial * BLOCK_K + lanes, taken)


@pytest.mark.parametrize("lookback", [32, 64], ids=lambda lookback: f"window{lookback}")
@pytest.mark.parametrize("operator", ["sum", "max"])
def test_lanes_window_step(operator, lookback):
    """One step of the column look-back's walk back (PACKED words, a word per chunk and lane), per
    lane: the nearest prefix drawn anywhere in the window or in none of it, at another step in each
    lane; an unpublished word before it, after it or nowhere; lanes already done; windows reaching
    past the group's first chunk. nearest, ready and what each lane takes are those of a plain walk
    over the same statuses (the interpreter never waits: this is where these paths run there)."""
    lanes, trials, chunks = 8, 32, 2 * lookback
    generator = torch.Generator().manual_seed(lookback + (operator == "max"))
    flags = torch.randint(1, 3, (trials, chunks, lanes), generator=generator, dtype=torch.int32)
    window_ends = torch.randint(1, chunks + 1, (trials,), generator=generator)
    group_firsts = torch.zeros(trials, dtype=torch.int64)
    lanes_done = (torch.rand(trials, lanes, generator=generator) < 0.2).to(torch.int32)
    steps = torch.arange(lookback)
    for trial in range(trials):
        end = int(window_ends[trial])
        if trial % 3 == 0:
            group_firsts[trial] = int(torch.randint(0, end, (1,), generator=generator))
        for lane in range(lanes):
            nearest = int(torch.randint(0, lookback + 1, (1,), generator=generator))  # lookback: none
            in_window = end - 1 - steps >= 0
            flags[trial, (end - 1 - steps)[in_window], lane] = torch.where(steps[in_window] == nearest, 2,
                                                                           1).to(torch.int32)
            kind = (trial + lane) % 4
            hole = int(torch.randint(0, lookback, (1,), generator=generator))
            if kind == 1:  # before the nearest prefix (or anywhere, where none)
                hole = hole % max(1, nearest)
            if kind in (1, 2) and end - 1 - hole >= 0 and hole != nearest:
                flags[trial, end - 1 - hole, lane] = 0
    sums = torch.randint(-1000, 1000, (trials, chunks, lanes), generator=generator).float()
    values = torch.zeros(trials * chunks * lanes, dtype=torch.int64, device=DEVICE)
    outputs = [torch.full((trials, lanes), -7, dtype=torch.int32, device=DEVICE) for _ in range(2)]
    outputs.append(torch.full((trials, lanes), float("nan"), dtype=torch.float64, device=DEVICE))
    inputs = [tensor.to(DEVICE) for tensor in (sums, flags, window_ends, group_firsts, lanes_done)]
    _lanes_window_step[(trials,)](values, *inputs, *outputs, CHUNKS=chunks, BLOCK_K=lanes, LOOKBACK=lookback,
                                  OPERATOR=operator)
    nearest_out, ready_out, taken_out = (output.cpu() for output in outputs)
    for trial in range(trials):
        end, first = int(window_ends[trial]), int(group_firsts[trial])
        valid = [end - 1 - step >= first for step in range(lookback)]
        for lane in range(lanes):
            done = bool(lanes_done[trial, lane])
            status = [int(flags[trial, end - 1 - step, lane]) if valid[step] and not done else 2
                      for step in range(lookback)]
            nearest = next((step for step in range(lookback) if status[step] == 2), lookback)
            ready = all(flag > 0 for flag in status[:nearest])
            assert (int(nearest_out[trial, lane]), bool(ready_out[trial, lane])) == (nearest, ready), \
                (trial, lane)
            if not ready:
                continue
            taken = [sums[trial, end - 1 - step, lane].item() for step in range(min(nearest + 1, lookback))
                     if valid[step] and not done]
            expected = max(taken, default=float("-inf")) if operator == "max" else sum(taken)
            assert taken_out[trial, lane].item() == expected, (trial, lane)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.bool],
                         ids=str)
def test_lookback_dtypes(dtype, triton_launches, poisoned_outputs):
    x = random_input((2, 1500 * SCALE), dtype)
    for fn, reference in ((triscan.cumsum, cumsum_reference), (triscan.exclusive_cumsum,
                                                               exclusive_cumsum_reference)):
        out = triton_launches.run(fn, x, 1)
        assert out.dtype == (dtype if dtype.is_floating_point else torch.int64)
        assert_scan_close(out, reference(x, 1), cumsum_reference(abs_of(x), 1), x.shape[1])
    assert triton_launches.counts == {"lookback_scan": 2}


def test_lookback_strided_rows(triton_launches):
    base = random_input((3, 2 * 900 * SCALE), torch.float32)
    x = base[:, ::2]
    out = triton_launches.run(triscan.cumsum, x, 1)
    assert_scan_close(out, cumsum_reference(x, 1), cumsum_reference(abs_of(x), 1), x.shape[1])
    assert triton_launches.counts == {"lookback_scan": 1}


MISALIGNED_CASES = [(dtype, rows) for dtype in (torch.float32, torch.bfloat16, torch.float64, torch.int32)
                    for rows in ("contiguous", "aligned-view")]


@pytest.mark.parametrize("op,dtype,rows", crossed(list(OPS), MISALIGNED_CASES, list(OPS),
                                                  [f"{dtype}-{rows}" for dtype, rows in MISALIGNED_CASES]))
def test_misaligned_output_rows_take_aligned_windows(op, dtype, rows, triton_launches, poisoned_outputs):
    """Output rows that start at every phase of a 16-byte word (the seed's rows of L + 1; odd
    lengths) are cut into aligned output windows. Where input and output rows share their phase
    (every op but the seed's here: the views' rows are 16 elements longer), the windows are the
    input's too and scans stay in place (ROTATE 3); for the seed's rows, inputs whose rows are
    16-byte aligned scan aligned chunks and rotate the scan into the windows (ROTATE 1); in
    other rows 2- and 4-byte inputs scanned into their own type rotate their own windows (ROTATE
    4, test_input_rows_at_another_phase_rotate_their_windows), 8-byte ones load each window's
    input lagged (ROTATE 2), int32 -> int64 stores element by element (ROTATE 0). Each row's
    leading zero, exclusive shift and total land where they belong, whatever the phase, and the
    chunks' edges (a window's head, the spill into the next) land in place."""
    from triscan.explain import plan_of
    from triscan.tools.matrix import op_flags

    # row r's first scanned output sits at r * stride + shift: these strides step the phase by one
    length = 560 * SCALE if op == "model" else 560 * SCALE + 1
    if rows == "contiguous":
        x = random_input((9, length), dtype)
    else:  # rows 16-byte aligned in memory, the scanned length odd
        x = random_input((9, length + 16), dtype)[:, :length]
    plan = plan_of(x, 1, **op_flags({"model": "ModelNew", "exclusive": "exclusive_cumsum"}.get(op, op)))[0]
    aligned_input = x.stride(0) % (16 // dtype.itemsize) == 0
    expected = 1 if aligned_input else {torch.int32: 0, torch.float64: 2}.get(dtype, 4)
    if op != "model":
        expected = 3
    assert plan.launch.constexprs["ROTATE"] == expected
    check_op(op, x.shape, 1, triton_launches, x=x)
    assert triton_launches.counts == {"lookback_scan": 1}


# (dtype, op, input row stride - scanned length, scanned length, the view's first position): 2-byte
# input rows off 16-byte boundaries at another phase than the output's: the seed's odd rows into
# aligned rows of L + 1 (the matrix's 4 odd rows) or into rows at a third phase; views of rows
# longer than the scan, one of them starting off a 16-byte boundary
PHASED_CASES = [(torch.bfloat16, "model", 0, 560 * SCALE - 1, 0),
                (torch.float16, "model", 0, 560 * SCALE + 3, 0),
                (torch.bfloat16, "cumsum", 3, 560 * SCALE, 0),
                (torch.float16, "exclusive", 5, 560 * SCALE + 2, 0),
                (torch.bfloat16, "exclusive", 1, 560 * SCALE + 1, 0),
                (torch.bfloat16, "cumsum", 3, 560 * SCALE, 1),
                (torch.float32, "model", 0, 560 * SCALE - 1, 0)]


@pytest.mark.parametrize("dtype,op,longer,length,first", PHASED_CASES,
                         ids=[f"{str(dtype)[6:]}-{op}-{longer}-{length}-{first}"
                              for dtype, op, longer, length, first in PHASED_CASES])
def test_input_rows_at_another_phase_rotate_their_windows(dtype, op, longer, length, first,
                                                          triton_launches, poisoned_outputs):
    """2-byte input rows (and the seed's 4-byte ones) that start off 16-byte boundaries at another
    phase than their output rows are cut into windows of the input, loaded as whole vectors, and
    each window's scan is rotated into the output's windows (ROTATE 4): a row's first window holds
    positions of the row before, which land nowhere; each row's leading zero and total land in
    place. A view whose first element is off a 16-byte boundary takes the address's phase."""
    from triscan.explain import plan_of
    from triscan.tools.matrix import op_flags

    x = random_input((9, length + longer), dtype).flatten()[first:first + 9 * (length + longer) - longer]
    x = x.as_strided((9, length), (length + longer, 1))
    plan = plan_of(x, 1, **op_flags({"model": "ModelNew", "exclusive": "exclusive_cumsum"}.get(op, op)))[0]
    assert plan.launch.constexprs["ROTATE"] == 4
    check_op(op, x.shape, 1, triton_launches, x=x)
    assert triton_launches.counts == {"lookback_scan": 1}


# (dtype, op, shape of the allocation, the view's first position along the last dim): views whose
# first element is off 16-byte alignment (x[1:], x[:, 3:]) while the output is aligned
LEAD_CASES = [(torch.bfloat16, "cumsum", (3001 * SCALE,), 1),
              (torch.float16, "exclusive", (2999 * SCALE,), 7),
              (torch.bfloat16, "exclusive", (3, 1003 * SCALE), 3),
              (torch.float16, "cumsum", (2, 1024 * SCALE), 5),
              (torch.bfloat16, "model", (4, 999 * SCALE), 2)]


@pytest.mark.parametrize("dtype,op,allocated,first", LEAD_CASES,
                         ids=[f"{str(dtype)[6:]}-{op}-{'x'.join(map(str, allocated))}-from{first}"
                              for dtype, op, allocated, first in LEAD_CASES])
def test_views_off_alignment_load_from_the_boundary_before_them(dtype, op, allocated, first,
                                                                triton_launches, poisoned_outputs):
    """A 2-byte view whose first element sits `first` elements past a 16-byte boundary of its
    storage is planned with that lead (input_lead) and scanned from the boundary: the launch
    passes the view from there and the kernel counts the lead back in (ROTATE 4, X_LEAD), so that
    its windows load whole vectors (benchmarks/NOTES.md 183). The kernel runs on the view moved
    back, not on a copy."""
    from triscan.explain import plan_of
    from triscan.tools.matrix import op_flags

    x = random_input(allocated, dtype)[..., first:]
    assert x.data_ptr() % 16 == first * x.element_size()
    dim = x.dim() - 1
    plan = plan_of(x, dim, **op_flags({"model": "ModelNew", "exclusive": "exclusive_cumsum"}.get(op, op)))[0]
    assert plan.input_lead == first
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["X_LEAD"]) == (4, first)
    check_op(op, x.shape, dim, triton_launches, x=x)
    assert triton_launches.counts == {"lookback_scan": 1}


# (dtype, op, shape of the allocation, the view's first position along the last dim, the allocation's
# rows longer than the view's): reversed views whose input rows sit at another 16-byte phase than the
# output's: off alignment from their first element, or rows of longer rows; 4- and 8-byte ones keep
# their element loads (ROTATE 0: timed faster, benchmarks/NOTES.md 192), correct all the same
REVERSED_PHASED_CASES = [(torch.bfloat16, "cumsum reverse", (3001 * SCALE,), 1, 0),
                         (torch.float16, "exclusive reverse", (2999 * SCALE,), 7, 0),
                         (torch.bfloat16, "exclusive reverse", (3, 1003 * SCALE), 3, 0),
                         (torch.float16, "cumsum reverse", (9, 560 * SCALE + 3), 0, 3),
                         (torch.float32, "exclusive reverse", (3001 * SCALE,), 1, 0),
                         (torch.int64, "cumsum reverse", (3, 1003 * SCALE), 1, 0),
                         (torch.float64, "exclusive reverse", (9, 560 * SCALE + 3), 0, 1)]


@pytest.mark.parametrize("dtype,op,allocated,first,longer", REVERSED_PHASED_CASES,
                         ids=[f"{str(dtype)[6:]}-{op.replace(' ', '-')}-{'x'.join(map(str, shape))}"
                              f"-from{first}" for dtype, op, shape, first, _ in REVERSED_PHASED_CASES])
def test_reversed_rows_at_another_phase_rotate_their_windows(dtype, op, allocated, first, longer,
                                                             triton_launches, poisoned_outputs):
    """Reversed scans of 2-byte inputs take the input's own windows too (ROTATE 4, X_LEAD where the
    view starts off alignment): the windows are walked from the row's end, each run of a vector
    turned around in registers, the exclusive shift made in registers (a trailing zero, not a
    leading one), and each window's scan rotated into the output's windows by the phase between
    the rows."""
    x = random_input(allocated, dtype)[..., first:allocated[-1] - longer]
    plan = lookback_scan_checked(op, x, triton_launches)
    assert plan.input_lead == first
    rotated = (4, first) if dtype.itemsize == 2 else (0, 0)
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs.get("X_LEAD", 0)) == rotated
    assert triton_launches.counts == {"lookback_scan": 1}


# (input dtype, op, shape of the allocation, the view's first position along the last dim): sums
# widened to int64 from views off 16-byte alignment, which load element by element in place
WIDENED_VIEW_CASES = [(torch.int32, "cumsum", (3001 * SCALE,), 1),
                      (torch.int32, "cumsum reverse", (3001 * SCALE,), 3),
                      (torch.int16, "exclusive reverse", (3, 1003 * SCALE), 5),
                      (torch.int8, "exclusive_cumsum", (2999 * SCALE,), 9)]


@pytest.mark.parametrize("dtype,op,allocated,first", WIDENED_VIEW_CASES,
                         ids=[f"{str(dtype)[6:]}-{op.replace(' ', '-')}-{'x'.join(map(str, shape))}"
                              f"-from{first}" for dtype, op, shape, first in WIDENED_VIEW_CASES])
def test_widened_views_off_alignment_scan_in_the_stores_runs(dtype, op, allocated, first,
                                                             triton_launches, poisoned_outputs):
    """Integer views off 16-byte alignment summed into int64 keep their element loads in place
    (ROTATE 0), their blocks held in runs of the output's vector (registry.block_run: 2) rather
    than the input's, both directions (benchmarks/NOTES.md 213)."""
    x = random_input(allocated, dtype)[..., first:]
    plan = lookback_scan_checked(op, x, triton_launches)
    assert plan.input_lead == first % (16 // dtype.itemsize)
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["RUN"]) == (0, 2)
    assert triton_launches.counts == {"lookback_scan": 1}


@pytest.mark.parametrize("op", ["cumsum reverse", "exclusive reverse", "cumsum"],
                         ids=lambda op: op.replace(" ", "-"))
@pytest.mark.parametrize("shape", [(3000 * SCALE,), (3, 1000 * SCALE)],
                         ids=lambda shape: "x".join(map(str, shape)))
def test_reversed_widened_chunks_scan_in_the_stores_runs(op, shape, triton_launches, poisoned_outputs):
    """Aligned int32 inputs summed into int64: the look-back's reversed chunks in place are held in
    runs of the output's pairs (registry.block_run), forward ones in the input's runs of 4 (their
    loads are vectors of 4; NOTES.md 219)."""
    x = random_input(shape, torch.int32)
    plan = lookback_scan_checked(op, x, triton_launches)
    runs = 2 if "reverse" in op else 4
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["RUN"]) == (0, runs)
    assert triton_launches.counts == {"lookback_scan": 1}


def test_the_row_kernels_reversed_widened_blocks_keep_the_inputs_runs():
    """The row kernel's reversed int32 -> int64 blocks keep runs of the input's 4, which timed 1.5-2.3
    points faster there than the output's pairs (NOTES.md 219)."""
    x = random_input((64, 4096), torch.int32)
    plan = sys.modules["triscan.explain"].plan_of(x, 1, reverse=True)[0]
    assert plan.family.name == "row"
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["RUN"]) == (0, 4)


@pytest.mark.parametrize("dtype", [torch.int16, torch.int8, torch.bool], ids=str)
def test_reversed_narrower_inputs_keep_their_vector_runs(dtype, triton_launches, poisoned_outputs):
    """Aligned 1- and 2-byte inputs summed into int64 keep runs of their own 16-byte vector when
    reversed: pairs would split their vector loads (NOTES.md 219; not timed)."""
    x = random_input((3000 * SCALE,), dtype)
    plan = lookback_scan_checked("exclusive reverse", x, triton_launches)
    assert (plan.launch.constexprs["ROTATE"], plan.launch.constexprs["RUN"]) == (0, 16 // dtype.itemsize)
    assert triton_launches.counts == {"lookback_scan": 1}


def test_a_prepared_call_replans_a_view_at_another_lead(triton_launches):
    """The call cache keys on shapes and strides, not addresses: a call prepared on a view at one
    lead and repeated on a view at another (same shape and strides) is planned again for the
    second, never launched with the first's lead."""
    base = random_input((4000 * SCALE,), torch.bfloat16)
    for first in (1, 2, 0, 1):
        x = base[first:first + 3000 * SCALE]
        out = triton_launches.run(triscan.cumsum, x, 0)
        assert_scan_close(out, cumsum_reference(x, 0), cumsum_reference(abs_of(x), 0), x.shape[0])
    assert triton_launches.launched == {"lookback_scan": 4}


# guarded_reads.py's cases: ROTATE 4's windows (2-byte views off alignment, loaded from the 16-byte
# boundary before them, X_LEAD; forward and reversed), ROTATE 3's chunks, and (last: the meta
# stays) ROTATE 3's RELOAD pieces forward and reversed, inclusive and exclusive
GUARDED_CASES = ["ModelNew:bfloat16:4:1023", "exclusive_cumsum:bfloat16:3:1023",
                 "exclusive_cumsum reverse:float16:3:1023", "exclusive_cumsum:int32:3:1023",
                 "cumsum:int32:3:1023:RELOAD=True,SUB_BLOCK=16,RELOAD_STAGES=4",
                 "exclusive_cumsum reverse:int32:3:1023"]


@pytest.mark.skipif(DEVICE != "cpu", reason="the interpreter's check; on CUDA compute-sanitizer's memcheck "
                    "(benchmarks/dev/windows_memcheck.py, rotate4_memcheck.py)")
def test_whole_vector_loads_stay_in_the_tensor():
    """Loads under whole-vector masks (ROTATE 4's windows, ROTATE 3's RELOAD pieces) read no byte
    outside the 16-byte words of memory that hold the tensor's elements, for a view whose first
    element is off 16-byte alignment and whose last one ends readable memory: under the
    interpreter, in a process of its own (guarded_reads.py), where a read past the tensor is a
    segmentation fault. Before X_ALIGNED the RELOAD case read up to 12 bytes past such a view.
    On CUDA, compute-sanitizer's memcheck is the check (benchmarks/dev/rotate4_memcheck.py)."""
    import os
    import subprocess

    script = os.path.join(os.path.dirname(__file__), "guarded_reads.py")
    environment = dict(os.environ, TRITON_INTERPRET="1", CUDA_VISIBLE_DEVICES="")
    finished = subprocess.run([sys.executable, script, *GUARDED_CASES], capture_output=True, text=True,
                              env=environment, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    assert len(lines) == len(GUARDED_CASES)
    assert all(line.startswith(case + " ") for line, case in zip(lines, GUARDED_CASES, strict=True))
    assert [line.split("ROTATE=")[1].split()[0] for line in lines] == ["4", "4", "4", "3", "3", "3"]
    assert all("family=lookback" in line for line in lines)


PHASE_DTYPES = [torch.float32, torch.bfloat16, torch.int64, torch.int32]


@pytest.mark.parametrize("dtype,exclusive", crossed(
    PHASE_DTYPES, [False, True], [str(t) for t in PHASE_DTYPES], ["inclusive", "exclusive"]))
def test_reversed_rows_sharing_a_phase(dtype, exclusive, triton_launches, poisoned_outputs):
    """Reversed scans of long odd-length rows at every phase of a 16-byte word: windows at 16-byte
    boundaries of input and output walked from the row's end (ROTATE 3), the last window of a row
    (its first ticket) partly or wholly past the row."""
    from triscan.explain import plan_of

    x = random_input((9, 560 * SCALE + 1), dtype)
    plan = plan_of(x, 1, exclusive=exclusive, reverse=True)[0]
    assert plan.launch.constexprs["ROTATE"] == 3
    function = triscan.exclusive_cumsum if exclusive else triscan.cumsum
    out = triton_launches.run(lambda t: function(t, 1, reverse=True), x)
    reference = reversed_cumsum_reference(x, 1, exclusive)
    assert_scan_close(out, reference, reversed_cumsum_reference(abs_of(x), 1), x.shape[1])
    assert triton_launches.counts == {"lookback_scan": 1}


# column look-back lengths below: conftest.column_steps, about half the steps under the interpreter
# inner 8 (the interpreter's lane tile; a power of two on CUDA) takes the dense tile path; 3 and 5
# lanes only on CUDA, where the autotuner may take a gathered tile (under the interpreter the plan
# fixes the tile, GROUPED or gathered, as in test_grouped_lane_rows' cases, every op; CI's time)
NARROW = ([((900 * SCALE, 3), 0), ((2, 300 * SCALE, 5), 1)] if DEVICE != "cpu" else []) + [
    ((column_steps(348, 700, SCALE), 2, 4), 0), ((column_steps(452, 900, SCALE), 8), 0),
    ((3, column_steps(260, 500, SCALE), 8), 1)]


@pytest.mark.parametrize("op,shape,dim", crossed(list(OPS), NARROW, list(OPS),
                                                 [f"{'x'.join(map(str, s))}-dim{d}" for s, d in NARROW]))
def test_column_lookback_narrow_inner(op, shape, dim, triton_launches, poisoned_outputs):
    check_op(op, shape, dim, triton_launches)
    assert triton_launches.counts == {"column_lookback_scan": 1}


# (shape, dim, dtype, whether an exclusive scan's one-step shift would misalign its stores): flat
# steps of 8 and 12 bytes, 2-byte steps of 8, and steps of 16 bytes, whose shifted store stays
# aligned; lengths whose ends are 16-byte aligned (reversed scans enter at the start) and not
IN_PLACE_CASES = [((column_steps(452, 900, SCALE) + 1, 2), 0, torch.float32, True),
                  ((column_steps(452, 900, SCALE), 2), 0, torch.float32, True),
                  ((3, column_steps(348, 700, SCALE), 4), 1, torch.bfloat16, True),
                  ((column_steps(330, 650, SCALE), 3), 0, torch.float32, True),
                  ((column_steps(260, 500, SCALE), 4), 0, torch.float32, False),
                  ((2, column_steps(272, 400, SCALE), 4), 1, torch.int32, False)]
IN_PLACE_IDS = case_ids(IN_PLACE_CASES)


IN_PLACE_OPS = ["exclusive_cumsum", "ModelNew", "cumsum reverse", "exclusive reverse"] + (
    ["cumsum"] if DEVICE != "cpu" else [])


@pytest.mark.parametrize("op,shape,dim,dtype,misaligned", crossed(IN_PLACE_OPS, IN_PLACE_CASES, IN_PLACE_OPS,
                                                                  IN_PLACE_IDS))
def test_narrow_flat_tiles_keep_16_byte_accesses(op, shape, dim, dtype, misaligned, monkeypatch,
                                                 triton_launches, poisoned_outputs):
    """Narrow flat tiles (lookback/column.py) whose accesses a step would misalign: exclusive scans
    over steps of 4, 8 or 12 bytes are scanned exclusive in registers and stored where loaded
    (IN_PLACE), the leading zero and the last step (its input read, summed into no output)
    included, forwards and reversed, where the lanes fill their tile (3 gathered lanes keep the
    shifted store); reversed scans whose tensors end on a 16-byte boundary enter
    them at their first step and address tiles from the end (FROM_START). Lane tiles of the lanes'
    power of two (dense, or 3 lanes gathered into 4) under the interpreter too. Outputs longer than
    the input (the seed's along dim 1) keep the shifted form."""
    if DEVICE == "cpu":  # a lane tile of the lanes' power of two, as on CUDA: dense flat tiles
        lane_tile = 1 << (shape[-1] - 1).bit_length()
        monkeypatch.setitem(registry.COLUMN_LOOKBACK.interpreter_meta, "BLOCK_K", lane_tile)
    plan = lookback_scan_checked(op, random_input(shape, dtype), triton_launches, dim, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    # the seed's scans along dim 1 keep the row total (L + 1 outputs): nothing to store it from
    holds_outputs = plan.length + plan.shift <= plan.positions
    # not for lanes gathered into padded rows (3 lanes), which read faster with the shifted store,
    # unless GROUPED may take them (rows of whole steps)
    gathered = shape[-1] & (shape[-1] - 1) != 0
    whole = plan.positions == plan.length + plan.shift
    grouped_rows = gathered and whole
    in_place = misaligned and plan.shift == 1 and holds_outputs and (not gathered or grouped_rows)
    assert plan.launch.constexprs["IN_PLACE"] == in_place
    grouped = grouped_rows and (plan.shift == 0 or in_place)
    assert plan.launch.constexprs["GROUPED_OK"] == grouped
    vector = 16 // min(dtype.itemsize, plan.output_dtype.itemsize)
    ends_aligned = whole and plan.positions * shape[-1] % vector == 0
    # GROUPED chunks walking backwards are counted from the start: handed over where the end's
    # alignment is not known too (FROM_START 1)
    from_start = vector if ends_aligned else 1 if grouped else 0
    assert plan.launch.constexprs["FROM_START"] == (from_start if plan.reverse else 0)


# rows of 3, 5, 6 and 7 contiguous lanes: packed (float32) and unpacked (float64, int64) look-back
# words, int32 -> int64 (rows of whole vectors of the input and sectors of the output: 3 loads and
# 3 sector stores a row of 4 steps of 3 lanes) and 1-byte inputs into int64 (16 steps a row: more
# than the interpreter's 8-step chunks); on CUDA also 2-byte inputs
GROUPED_CASES = [((column_steps(452, 900, SCALE) + 1, 3), 0, torch.float32),
                 ((2, column_steps(260, 500, SCALE), 5), 1, torch.float64),
                 ((400 * SCALE, 6), 0, torch.int64), ((400 * SCALE, 6), 0, torch.int32),
                 ((300 * SCALE, 7), 0, torch.float32), ((300 * SCALE + 3, 7), 0, torch.int64),
                 ((300 * SCALE + 5, 3), 0, torch.int8), ((2, 200 * SCALE, 5), 1, torch.bool)]
GROUPED_CASES += [((700 * SCALE, 3), 0, torch.bfloat16), ((3, 300 * SCALE, 5), 1, torch.float16)] \
    if DEVICE != "cpu" else []
GROUPED_IDS = case_ids(GROUPED_CASES)


@pytest.mark.parametrize("op,shape,dim,dtype", crossed(list(matrix.OPS), GROUPED_CASES, list(matrix.OPS),
                                                       GROUPED_IDS))
def test_grouped_lane_rows(op, shape, dim, dtype, monkeypatch, triton_launches, poisoned_outputs):
    """GROUPED (lookback/column.py, tiles._load_row_group): rows of 3, 5, 6 or 7 lanes stored in
    place, held as whole steps in 16-byte vectors split into elements, each lane summed along
    its row and across rows, the lane totals published; inclusive, and exclusive (the seed's too)
    where stored in place; forwards and reversed (chunks counted from the start, walked from the
    last). On CUDA one GROUPED config is left to the autotuner (the first the pruning keeps for
    the plan): one compile per test."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    x = random_input(shape, dtype)
    plan = sys.modules["triscan.explain"].plan_of(x, dim, **matrix.op_flags(op))[0]
    # exclusive scans only where stored in place (not over steps of 16-byte multiples: 6 int64 lanes)
    whole = plan.positions == plan.length + plan.shift
    grouped = whole and (plan.shift == 0 or plan.launch.constexprs["IN_PLACE"])
    assert plan.launch.constexprs["GROUPED_OK"] == grouped
    # walking backwards, chunks are counted from the tensors' start, which the plan hands over
    assert (plan.launch.constexprs["FROM_START"] > 0) >= (grouped and plan.reverse)
    if DEVICE != "cpu" and grouped:
        constexprs = plan.launch.constexprs
        kept = column_configs_kept(x.dtype, plan.output_dtype, constexprs["FLAT_INNER"], **constexprs)
        leave_configs(monkeypatch, column_lookback_scan_kernel,
                      [config for config in kept if config.kwargs.get("GROUPED")][:1])
    plan = lookback_scan_checked(op, x, triton_launches, dim, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    if DEVICE == "cpu":
        assert plan.launch.constexprs["GROUPED"] == grouped
    elif grouped:
        assert column_lookback_scan_kernel.best_config.kwargs["GROUPED"]


# the other operators over GROUPED rows of 5 lanes whose accumulators are 64 bits (the lanes
# joined in one tile, lookback/column.py JOINED_LANES): name -> (operator, dtype, call, reference)
JOINED_OPERATORS = {
    "cumprod": ("product", torch.float64, triscan.cumprod, torch.cumprod),
    "cummax": ("max", torch.int64, lambda x, dim, reverse: triscan.cummax(x, dim, reverse=reverse).values,
               lambda x, dim: torch.cummax(x, dim).values),
    "logcumsumexp": ("logsumexp", torch.float64, triscan.logcumsumexp, torch.logcumsumexp),
}


@pytest.mark.parametrize("name", list(JOINED_OPERATORS))
@pytest.mark.parametrize("reverse", [False, True], ids=["forwards", "reversed"])
def test_grouped_joined_lanes_under_every_operator(name, reverse, triton_launches, poisoned_outputs):
    """Products, maxima and log-sum-exps of 64 bits over rows of 5 lanes take GROUPED chunks with
    the lanes joined in one tile, as sums do: the padding lanes hold each operator's identity
    (NOTES.md 219). Their float64 and int64 inputs are their own references."""
    operator, dtype, call, reference = JOINED_OPERATORS[name]
    x = random_input((column_steps(260, 500, SCALE), 5), dtype)
    if name == "cumprod":
        x = 1 + x / 100  # products stay finite over thousands of steps
    plan = sys.modules["triscan.explain"].plan_of(x, 0, reverse=reverse, operator=operator)[0]
    assert plan.family.name == "column_lookback" and plan.launch.constexprs["GROUPED_OK"]
    assert DEVICE != "cpu" or plan.launch.constexprs["GROUPED"]  # on CUDA the autotuner picks
    out = triton_launches.run(lambda t, dim: call(t, dim, reverse=reverse), x, 0)
    expected = reference(x.flip(0), 0).flip(0) if reverse else reference(x, 0)
    assert torch.allclose(out, expected, rtol=1e-9, atol=0), (out - expected).abs().max()
    assert "column_lookback_scan" in triton_launches.counts


# strided inputs whose steps lie further apart than their 8 lanes (the interpreter's lane tile):
# every other group of 8 lanes along dim 0, 8 of every 24 over a middle dim, and 8 of 16 lanes
# reversed with a partial last chunk; (base shape, dim, dtype)
STRIDED_CASES = [((301 * SCALE, 16), 0, torch.float32), ((3, 130 * SCALE, 24), 1, torch.bfloat16),
                 ((70 * SCALE + 3, 16), 0, torch.int64), ((200 * SCALE + 1, 16), 0, torch.int32)]
STRIDED_IDS = case_ids(STRIDED_CASES)


@pytest.mark.parametrize("op,shape,dim,dtype", crossed(list(matrix.OPS), STRIDED_CASES, list(matrix.OPS),
                                                       STRIDED_IDS))
def test_strided_inputs_load_flat_tiles(op, shape, dim, dtype, monkeypatch, triton_launches,
                                        poisoned_outputs):
    """INPUT_STEP (lookback/column.py): an input whose steps lie INPUT_STEP apart, more than
    its lanes (a strided view), into a contiguous output is loaded flat, each step's lanes one
    vector, forwards and reversed (the tile in scan order, steps descending); its tiles scanned and
    stored as the output's flat tiles. On CUDA only flat configs are left to the autotuner."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    x = random_input(shape, dtype)[..., :8]
    if DEVICE != "cpu":
        flat = [config for config in column_lookback_scan_kernel.configs if config.kwargs["TRANSPOSE"]]
        leave_configs(monkeypatch, column_lookback_scan_kernel, flat)
    plan = lookback_scan_checked(op, x, triton_launches, dim, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    constexprs = plan.launch.constexprs
    assert constexprs["INPUT_STEP"] == x.stride(dim) * (-1 if plan.reverse else 1)
    assert constexprs["FLAT_INNER"] == 8 and constexprs["FROM_START"] == 0
    assert constexprs["BACKWARDS"] == plan.reverse
    if DEVICE == "cpu":
        assert constexprs["TRANSPOSE"]
    else:
        assert column_lookback_scan_kernel.best_config.kwargs["TRANSPOSE"]


def test_strided_inputs_keep_contiguous_only_configs_out():
    """A strided input's plan takes no config that reads a chunk as one contiguous block (PARTS) or
    prefetches it as one (L2_AHEAD), and steps narrower than 16 bytes of output stay in the run
    layout (no INPUT_STEP: their flat stores would shift off alignment)."""
    from triscan.explain import plan_of, planned_call

    x = torch.empty((1000, 16), dtype=torch.bfloat16, device=DEVICE)[:, :8]
    constexprs = plan_of(x, 0)[0].launch.constexprs
    assert constexprs["INPUT_STEP"] == 16
    kept = column_configs_kept(torch.bfloat16, torch.bfloat16, 8, **constexprs)
    assert kept and any(config.kwargs["TRANSPOSE"] for config in kept)
    assert not [config for config in kept if config.kwargs.get("PARTS", 1) > 1 or config.kwargs["L2_AHEAD"]]
    dense = dict(constexprs, INPUT_STEP=0)
    assert [config for config in column_configs_kept(torch.bfloat16, torch.bfloat16, 8, **dense)
            if config.kwargs.get("PARTS", 1) > 1 and config.kwargs["L2_AHEAD"] == 0]
    narrow = torch.empty((1000, 8), dtype=torch.bfloat16, device=DEVICE)[:, :4]
    assert plan_of(narrow, 0)[0].launch.constexprs["INPUT_STEP"] == 0
    # steps so far apart that a tile's offsets would pass 32 bits keep the run layout's wide
    # offsets (a meta tensor: the plan reads shapes and strides only; long enough that the GPU's
    # plan takes the look-back too)
    stride = (1 << 20) + 16
    far = torch.empty(0, dtype=torch.int8, device="meta").as_strided((1 << 14, 8), (stride, 1))
    plan = planned_call(far, 0, torch.device(DEVICE))
    assert plan.family.name == "column_lookback"
    constexprs = plan.launch.constexprs
    assert constexprs["INPUT_STEP"] == 0 and constexprs["WIDE_OFFSETS"]


# dim 0, where the seed's scan holds its outputs (along dim 1 it keeps the row total: not in place)
GATHERED_CASES = [((column_steps(452, 900, SCALE) + 1, 3), 0, torch.float32),
                  ((column_steps(260, 500, SCALE), 5), 0, torch.float64)]


@pytest.mark.parametrize("shape,dim,dtype", GATHERED_CASES,
                         ids=case_ids(GATHERED_CASES))
@pytest.mark.parametrize("op", ["exclusive_cumsum", "ModelNew"])
def test_gathered_lanes_in_place_beside_grouped(op, shape, dim, dtype, monkeypatch, triton_launches,
                                                poisoned_outputs):
    """Where GROUPED may take rows of 3 or 5 lanes, their exclusive scans are stored in place
    (IN_PLACE), and the gathered tiles the autotuner may pick instead scan them in place too."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    if DEVICE == "cpu":
        monkeypatch.setitem(registry.COLUMN_LOOKBACK.interpreter_meta, "GROUPED", False)
    else:
        gathered = [config for config in column_lookback_scan_kernel.configs
                    if not config.kwargs.get("GROUPED", False)]
        leave_configs(monkeypatch, column_lookback_scan_kernel, gathered)
    plan = lookback_scan_checked(op, random_input(shape, dtype), triton_launches, dim, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    assert plan.launch.constexprs["IN_PLACE"] and plan.launch.constexprs["GROUPED_OK"]
    if DEVICE == "cpu":
        assert not plan.launch.constexprs["GROUPED"]


@pytest.mark.gpu
def test_lookback_runs_agree_gpu():
    """Float look-back results may differ in the last bits from run to run: a chunk adds up
    whichever predecessors have published when it looks (documented in the README). Every
    run must still be within the scan tolerance of the float64 reference."""
    x = random_input((1 << 26,), torch.float32)
    reference, bound = cumsum_reference(x, 0), cumsum_reference(abs_of(x), 0)
    for _ in range(3):
        assert_scan_close(triscan.cumsum(x, 0), reference, bound, x.numel())


@pytest.mark.gpu
def test_lookback_integers_exact_gpu():
    x = torch.randint(-1000, 1000, (1 << 26,), device="cuda", dtype=torch.int32)
    assert torch.equal(triscan.cumsum(x, 0), torch.cumsum(x, 0))


@pytest.mark.gpu
@pytest.mark.parametrize("shape,dtype", [((900 * 128 + 1, 3), torch.float32),
                                         ((600 * 128, 5), torch.bfloat16)],
                         ids=["115201x3-float32", "76800x5-bfloat16"])
@pytest.mark.parametrize("op", list(matrix.OPS))
def test_grouped_register_caps_gpu(op, shape, dtype, monkeypatch, triton_launches, poisoned_outputs):
    """GROUPED configs capped at 96, 128 and 168 registers (the picks on the H200, NOTES.md 122,
    and of 2-byte chunks of 4096 steps, 143; some spill a few bytes) are the only configs left to
    the autotuner: every op checked against float64, and the pick is a capped GROUPED config."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    capped = [config for config in column_lookback_scan_kernel.configs
              if config.kwargs.get("GROUPED") and config.maxnreg is not None]
    leave_configs(monkeypatch, column_lookback_scan_kernel, capped)
    x = random_input(shape, dtype)
    # every op of these rows is GROUPED: exclusive ones stored in place
    plan = sys.modules["triscan.explain"].plan_of(x, 0, **matrix.op_flags(op))[0]
    assert plan.launch.constexprs["GROUPED_OK"]
    lookback_scan_checked(op, x, triton_launches, 0, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    picked = column_lookback_scan_kernel.best_config
    assert picked.kwargs["GROUPED"] and picked.maxnreg in (96, 128, 168)


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(3 * 1024 * 1024 + 7,), (4, 700 * 1024)], ids=["1D-odd", "4rows"])
@pytest.mark.parametrize("op", list(matrix.OPS))
def test_widened_sums_at_80_registers_gpu(op, shape, monkeypatch, triton_launches, poisoned_outputs):
    """int32 summed into int64 on the row look-back's [2048] at 80 registers (six programs per SM,
    a few bytes spilled; NOTES.md 155) as the only config left to the autotuner: every op checks,
    over a length off the chunks and over rows."""
    capped = [config for config in lookback_scan_kernel.configs if config.maxnreg == 80]
    assert len(capped) == 1
    leave_configs(monkeypatch, lookback_scan_kernel, capped)
    lookback_scan_checked(op, random_input(shape, torch.int32), triton_launches)
    assert triton_launches.counts == {"lookback_scan": 1}
    assert lookback_scan_kernel.best_config.maxnreg == 80


@pytest.mark.gpu
@pytest.mark.parametrize("lanes", [2, 8, 16], ids=lambda lanes: f"K{lanes}")
@pytest.mark.parametrize("op", list(matrix.OPS))
def test_widened_narrow_tiles_on_8_warps_gpu(op, lanes, monkeypatch, triton_launches, poisoned_outputs):
    """int32 summed into int64 over narrow contiguous rows on the column look-back's flat tiles of
    8 warps at 128 registers (two programs per SM, a few bytes spilled forwards; NOTES.md 158) as
    the only configs left to the autotuner: every op checks over a length off the chunks."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    capped = [config for config in column_lookback_scan_kernel.configs
              if config.num_warps == 8 and config.maxnreg == 128 and not config.kwargs.get("GROUPED")]
    assert len(capped) == 4  # one per lane tile of 2 to 16
    leave_configs(monkeypatch, column_lookback_scan_kernel, capped)
    lookback_scan_checked(op, random_input((300 * 1024 + 5, lanes), torch.int32), triton_launches, 0,
                          "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    picked = column_lookback_scan_kernel.best_config
    assert picked.num_warps == 8 and picked.maxnreg == 128 and picked.kwargs["BLOCK_K"] == lanes


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
@pytest.mark.parametrize("op", list(matrix.OPS))
def test_windowed_2_byte_rows_at_168_registers_gpu(op, dtype, monkeypatch, triton_launches, poisoned_outputs):
    """Rows of odd length cut into windows (ROTATE 3) in 2-byte types: the OVERLAP_READ config
    capped at 168 registers (three programs per SM where uncapped takes two; reversed, it spills
    4-32 bytes; NOTES.md 139) is the only config left to the autotuner, and every op checks."""
    capped = [config for config in lookback_scan_kernel.configs
              if config.kwargs.get("OVERLAP_READ") and config.maxnreg == 168]
    assert len(capped) == 1
    leave_configs(monkeypatch, lookback_scan_kernel, capped)
    # rows of odd length at every phase of a 16-byte word, several chunks each
    plan = lookback_scan_checked(op, random_input((9, 70 * 1024 + 1), dtype), triton_launches)
    # the seed's rows of L + 1 are not in place: windows of the output only
    assert op == "ModelNew" or plan.launch.constexprs["ROTATE"] == 3
    assert triton_launches.counts == {"lookback_scan": 1}
    assert lookback_scan_kernel.best_config.maxnreg == 168


# dense flat rows walked forwards, as PARTS takes them: float32 (packed look-back words; exclusive
# stored in place over 8-byte steps), bfloat16 over a middle dim (several groups; the seed's keeps
# the row total there: a shifted store), int32 -> int64 and float64 (unpacked words), 16 lanes of
# bfloat16 (PARTS without the early part there); lengths that leave the last chunk partial, with
# parts wholly past the scan's end
# (the middle dim's 529 steps: past a look-back window of 32 chunks of 16 steps, and 4 parts of 2
# steps, 3 of them wholly past the end, under the interpreter)
PARTS_CASES = [((900 * SCALE + 3, 2), 0, torch.float32), ((3, 528 * SCALE + 1, 4), 1, torch.bfloat16),
               ((500 * SCALE + 5, 8), 0, torch.int32), ((300 * SCALE + 7, 2), 0, torch.float64),
               ((200 * SCALE + 5, 16), 0, torch.bfloat16)]


# every op with 2 parts; 4 parts and the early part with the forward inclusive scan and the reversed
# exclusive one, which between them take both walk orders and both stores (CI's time)
PARTS_FORMS = ([(op, 2, False, f"{op}-2parts") for op in matrix.OPS]
               + [(op, parts, early, f"{op}-{name}") for op in ("cumsum", "exclusive reverse")
                  for parts, early, name in ((4, False, "4parts"), (2, True, "2parts-early"))])


@pytest.mark.parametrize("op,parts,early,shape,dim,dtype", crossed(
    [form[:3] for form in PARTS_FORMS], PARTS_CASES, [form[3] for form in PARTS_FORMS],
    case_ids(PARTS_CASES)))
def test_column_held_parts(op, shape, dim, dtype, parts, early, monkeypatch, triton_launches,
                           poisoned_outputs):
    """PARTS (lookback/column.py): a chunk loaded as PARTS flat tiles held in the input's type
    through the look-back (tiles._opaque), each part then moved to the run layout, scanned and
    stored in turn in the scan's order (reversed scans: chunks held in memory order, the last part
    first), the sums before it carried from part to part; with EARLY_PART the part the scan starts
    from scanned before the look-back and held as its sums; every op against float64. Under the
    interpreter parts of 4 steps, one run of 4 (2 parts) or two runs of 2 (4 parts); on CUDA a
    PARTS config of 32 KiB of input is the only one left to the autotuner."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    lanes = shape[-1]
    meta = {"PARTS": parts, "EARLY_PART": early}
    if DEVICE == "cpu":
        meta.update(BLOCK_K=lanes, BLOCK_L=4 * parts, SUB=4 if parts == 2 else 2)
        for key, value in meta.items():
            monkeypatch.setitem(registry.COLUMN_LOOKBACK.interpreter_meta, key, value)
    else:
        steps = 32768 // dtype.itemsize // lanes
        config = triton.Config(dict(meta, BLOCK_L=steps, BLOCK_K=lanes, SUB=8, TRANSPOSE=True, LOOKBACK=32,
                                    L2_AHEAD=0), num_warps=4)
        leave_configs(monkeypatch, column_lookback_scan_kernel, [config])
    plan = lookback_scan_checked(op, random_input(shape, dtype), triton_launches, dim, "column_lookback")
    assert triton_launches.counts == {"column_lookback_scan": 1}
    ran = plan.launch.constexprs if DEVICE == "cpu" else column_lookback_scan_kernel.best_config.kwargs
    assert (ran["PARTS"], ran["EARLY_PART"]) == (parts, early)
    assert plan.launch.constexprs["FLAT_INNER"] == lanes


def check_prefetching_configs(kernel, cases, dtype, monkeypatch, triton_launches):
    """Only `kernel`'s L2_AHEAD configs left to its autotuner: forward, exclusive and reversed
    scans of each (shape, dim) against float64."""
    prefetching = [config for config in kernel.configs if config.kwargs["L2_AHEAD"]]
    leave_configs(monkeypatch, kernel, prefetching)
    for shape, dim in cases:
        x = random_input(shape, dtype)
        forwards, backwards = cumsum_reference(abs_of(x), dim), reversed_cumsum_reference(abs_of(x), dim)
        for call, reference, bound in (
                (triscan.cumsum, cumsum_reference, forwards),
                (triscan.exclusive_cumsum, exclusive_cumsum_reference, forwards),
                (lambda x, d: triscan.cumsum(x, d, reverse=True), reversed_cumsum_reference, backwards)):
            out = triton_launches.run(call, x, dim)
            assert_scan_close(out, reference(x, dim), bound, shape[dim])
    assert kernel.best_config.kwargs["L2_AHEAD"] == 1
    return prefetching


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=str)
def test_l2_prefetching_narrow_configs_gpu(dtype, monkeypatch, triton_launches):
    """The column look-back's prefetching configs on flat narrow rows, dense and gathered (3 and 5
    lanes in tiles of 4 and 8); reversed tiles prefetch their span from its last step."""
    from triscan.kernels.lookback.column import column_lookback_scan_kernel

    cases = ((((1 << 20) + 7, 8), 0), (((1 << 19) + 3, 4), 0), ((2, (1 << 18) + 1, 16), 1),
             (((1 << 19) + 1, 3), 0), ((2, (1 << 18) + 5, 5), 1))
    prefetching = check_prefetching_configs(column_lookback_scan_kernel, cases, dtype, monkeypatch,
                                            triton_launches)
    assert {config.kwargs["BLOCK_K"] for config in prefetching} == {2, 4, 8, 16}
    assert set(triton_launches.counts) == {"column_lookback_scan"}


@pytest.mark.gpu
def test_past_2_to_the_31_elements_gpu():
    """More than 2^31 elements: int64 index math on the look-back and row paths."""
    n = (1 << 31) + 5
    x = torch.randint(-3, 4, (n,), device="cuda", dtype=torch.int32)
    out = triscan.cumsum(x, 0)
    assert torch.equal(out, torch.cumsum(x, 0))
    del out
    assert torch.equal(triscan.exclusive_cumsum(x, 0)[1:], torch.cumsum(x[:-1], 0))
    del x
    torch.cuda.empty_cache()
    rows = (1 << 16) + 2  # (65538, 32768): 2^31 + 65536 elements through the row scan
    x = torch.randint(-3, 4, (rows, 32768), device="cuda", dtype=torch.int32)
    out = triscan.ModelNew(1)(x)
    assert out.shape == (rows - 1, 32769)
    for band in (slice(0, 3), slice(rows - 4, rows - 1)):
        assert torch.equal(out[band, 1:], torch.cumsum(x[band], 1))
    assert not out[:, 0].any()


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_deterministic_mode_avoids_lookback(reverse, triton_launches):
    """torch.use_deterministic_algorithms(True) keeps float scans off the look-back kernels."""
    x = random_input((2, 1000 * SCALE), torch.float32)
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        out = triton_launches.run(lambda t: triscan.cumsum(t, 1, reverse=reverse), x)
        again = triscan.cumsum(x, 1, reverse=reverse)
    finally:
        torch.use_deterministic_algorithms(before)
    assert torch.equal(out, again)
    assert not any("lookback" in name for name in triton_launches.counts), triton_launches.counts
    reference = reversed_cumsum_reference(x, 1) if reverse else cumsum_reference(x, 1)
    bound = reversed_cumsum_reference(abs_of(x), 1) if reverse else cumsum_reference(abs_of(x), 1)
    assert_scan_close(out, reference, bound, x.shape[1])
    ints = random_input((2, 1000 * SCALE), torch.int32)
    torch.use_deterministic_algorithms(True)
    try:
        triton_launches.run(lambda t: triscan.cumsum(t, 1), ints)
    finally:
        torch.use_deterministic_algorithms(before)
    assert triton_launches.counts.get("lookback_scan", 0) == 1  # integers are exact: look-back stays


# Lengths at the chunk edges (the interpreter's 64-position chunks; on CUDA 2^21 is a multiple of
# every block): an exclusive chunk stores the aligned window at its own positions, so a length
# that is a multiple of the chunk needs one chunk more for the last output; odd lengths take the
# masked loads and stores of the last chunk only.
EDGE = 64 * 10 if DEVICE == "cpu" else 1 << 21


def edge_call(op, x, dim, reverse):
    if op == "model":
        return triscan.ModelNew(dim)(x)
    return (triscan.exclusive_cumsum if op == "exclusive" else triscan.cumsum)(x, dim, reverse=reverse)


def edge_reference(op, x, dim, reverse):
    """(reference, running sum of |x|) of edge_call."""
    if op == "model":
        return seed_model_reference(x, dim), seed_model_reference(abs_of(x), dim)
    if reverse:
        return reversed_cumsum_reference(x, dim, op == "exclusive"), reversed_cumsum_reference(abs_of(x), dim)
    return OPS[op][1](x, dim), cumsum_reference(abs_of(x), dim)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("extra", [-1, 0, 1, 2], ids=lambda extra: f"edge{extra:+d}")
def test_lookback_chunk_edges(op, extra, reverse, triton_launches, poisoned_outputs):
    if reverse and op == "model":
        pytest.skip("ModelNew has no reverse")
    for shape, dim in (((EDGE + extra,), 0), ((2, EDGE + extra), 1)):
        x = random_input(shape, torch.float32)
        out = triton_launches.run(edge_call, op, x, dim, reverse)
        assert_scan_close(out, *edge_reference(op, x, dim, reverse), shape[dim])
    assert set(triton_launches.counts) == {"lookback_scan"}


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_short_lookbacks_keep_a_workspace_they_leave_zeroed(dtype, triton_launches, poisoned_outputs):
    """A short look-back (its words fit registry.KEPT_WORDS) runs on one kept workspace per device
    and stream, which its last program zeroes again (CLEAN): back-to-back calls on fresh inputs,
    of different lengths and directions, are right, and the workspace is zero after each."""
    from triscan.scan import launch

    launch.KEPT.clear()
    for length, reverse in ((3001, False), (2000, True), (3001, False), (1500, True)):
        x = random_input((length * SCALE,), dtype)
        out = triton_launches.run(lambda t, r=reverse: triscan.exclusive_cumsum(t, 0, reverse=r), x)
        forward = x.flip(0) if reverse else x
        reference = exclusive_cumsum_reference(forward, 0)
        bound = cumsum_reference(abs_of(forward), 0)  # the running |x| sum in the scan's direction
        reference, bound = (reference.flip(0), bound.flip(0)) if reverse else (reference, bound)
        assert_scan_close(out, reference, bound, length * SCALE)
        (kept,) = launch.KEPT.values()
        assert not kept.any(), "the last program left look-back words or counters behind"
    assert set(triton_launches.counts) == {"lookback_scan"}


def test_a_prepared_seed_call_replans_the_rows_it_reads(triton_launches, poisoned_outputs):
    """The seed's ModelNew over rows reads x without its last row, and its prepared call is
    planned for that view: repeated on a view at another lead (same shape and strides), the plan
    made again is for the rows it reads too, never for all of x (whose last row would be written
    past the output)."""
    from triscan.scan import dispatch

    rows, length = 4, 999 * SCALE
    base = random_input((rows * (length + 8),), torch.bfloat16)
    model = triscan.ModelNew(1)
    for first in (2, 5, 2):
        x = base[first:first + rows * length].view(rows, length)
        out = triton_launches.run(model, x)
        assert_scan_close(out, seed_model_reference(x, 1), seed_model_reference(abs_of(x), 1), length)
    assert {plan.outer for plan in dispatch.PLANS.values()} == {rows - 1}
    assert {plan.input_lead for plan in dispatch.PLANS.values()} == {2, 5}
