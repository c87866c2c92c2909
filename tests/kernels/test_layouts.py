"""The column look-back kernel's two tile paths for chunks whose steps are contiguous rows:
run-layout loads and stores, and flat ones moved to the run layout through shared memory
(TRANSPOSE), for rows as wide as the lane tile (dense) and narrower ones (gathered into padded
rows). Both are run directly here, without the autotuner, so each is proven to run and to be
right; and the compiled flat path is checked for the layout trick it relies on (see
_load_column_chunk)."""

import os
import subprocess
import sys

import pytest
import torch
import triton.language as tl
from conftest import DEVICE, abs_of, assert_scan_close, crossed, random_input

from triscan.kernels.lookback.column import column_lookback_scan_kernel
from triscan.testing.reference import cumsum_reference

BLOCK_K = 8
# (BLOCK_L, SUB, warps): the interpreter's small tile; on CUDA the narrow-lane tile of the configs
TILE = (8, 4, 1) if DEVICE == "cpu" else (1024, 16, 4)
LENGTHS = [1, 7, 61, 130] if DEVICE == "cpu" else [1, 1023, 1 << 20, (1 << 22) + 5]


# (length, lanes) against (tile layout, shift, direction)
SIZES = [(length, inner) for length in LENGTHS for inner in (8, 3, 5)]
LANE_NAMES = {8: "dense", 3: "3-lanes", 5: "5-lanes"}
SIZE_IDS = [f"{length}-{LANE_NAMES[inner]}" for length, inner in SIZES]
FORMS = [(transpose, shift, backwards) for transpose in (False, True) for shift in (0, 1)
         for backwards in (False, True)]
FORM_IDS = [f"{'flat' if transpose else 'run-layout'}-{'exclusive' if shift else 'inclusive'}-"
            f"{'backwards' if backwards else 'forward'}" for transpose, shift, backwards in FORMS]


@pytest.mark.parametrize("length,inner,transpose,shift,backwards", crossed(SIZES, FORMS, SIZE_IDS, FORM_IDS))
def test_contiguous_column_lookback_paths(length, inner, transpose, shift, backwards):
    """Backwards: the steps walk both tensors from their last step (negative step strides, as a
    reversed scan's plan passes them), so step s is row length - 1 - s."""
    block_l, sub, warps = TILE
    outer = 3
    x = random_input((outer, length, inner), torch.float32)
    y = torch.full((outer, length + shift, inner), float("nan"), device=x.device)
    sign = -1 if backwards else 1
    x_start = x.narrow(1, length - 1, 1) if backwards else x
    y_start = y.narrow(1, length + shift - 1, 1) if backwards else y
    chunks = outer * -(-length // block_l)
    status = torch.zeros(chunks + 1, dtype=torch.int32, device=x.device)
    values = torch.zeros(chunks * BLOCK_K, dtype=torch.int64, device=x.device)
    sms = 4 if DEVICE == "cpu" else torch.cuda.get_device_properties(0).multi_processor_count
    programs = min(chunks, 2 * sms)
    column_lookback_scan_kernel.fn[(programs,)](
        x_ptr=x_start, y_ptr=y_start, status_ptr=status, values_ptr=values, max_chunks=chunks, slot=BLOCK_K,
        outer=outer, inner=inner, length=length, stride_x_outer=length * inner, stride_x_scan=sign * inner,
        stride_x_inner=1, stride_y_outer=(length + shift) * inner, stride_y_scan=sign * inner,
        LENGTH_BUCKET=0, INNER_BUCKET=0, SHIFT=shift, ACC_DTYPE=tl.float32, OPERATOR="sum", LOOKBACK=32,
        WIDE_OFFSETS=False,
        PACKED=True, BLOCK_L=block_l, BLOCK_K=BLOCK_K, SUB=sub, TRANSPOSE=transpose, FLAT_INNER=inner,
        BACKWARDS=backwards, L2_AHEAD=0, num_warps=warps)
    walked = x.flip(1) if backwards else x
    reference, bound = cumsum_reference(walked, 1), cumsum_reference(abs_of(walked), 1)
    if shift:
        zeros = torch.zeros_like(reference[:, :1])
        reference, bound = torch.cat([zeros, reference], 1), torch.cat([zeros, bound], 1)
    if backwards:
        reference, bound = reference.flip(1), bound.flip(1)
    assert_scan_close(y, reference, bound, length)


# Compiled for an H100 without a GPU, in a fresh interpreter: under TRITON_INTERPRET the kernels
# are interpreted functions and cannot be compiled. The signature's defaults are bound as a launch
# binds them (a constexpr left out would compile as if False).
COMPILE = """
import triton, triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from triscan.kernels.lookback.column import column_lookback_scan_kernel
from triscan.scan.launch import signature_defaults
fn = column_lookback_scan_kernel.fn
constexprs = dict(signature_defaults(fn), stride_x_inner=1, SHIFT=0, ACC_DTYPE=tl.float32, OPERATOR="sum",
                  LOOKBACK=32, WIDE_OFFSETS=False, PACKED=True, BLOCK_L=1024, BLOCK_K=8, SUB=16,
                  TRANSPOSE={transpose}, FLAT_INNER=8, BACKWARDS=False, L2_AHEAD=0)
signature = dict(x_ptr="*{element}", y_ptr="*{element}", status_ptr="*i32", values_ptr="*i64",
                 max_chunks="i32", slot="i32", outer="i32", inner="i32", length="i32", stride_x_outer="i32",
                 stride_x_scan="i32", stride_y_outer="i32", stride_y_scan="i32", LENGTH_BUCKET="i32",
                 INNER_BUCKET="i32", **{{name: "constexpr" for name in constexprs}})
names = list(fn.arg_names)
aligned = {{(names.index(name),): [["tt.divisibility", 16]]
           for name in ("x_ptr", "y_ptr", "values_ptr", "length", "stride_x_outer", "stride_y_outer")}}
source = ASTSource(fn, signature, {{(names.index(k),): v for k, v in constexprs.items()}}, aligned)
compiled = triton.compile(source, target=GPUTarget("cuda", 90, 32), options={{"num_warps": 4}})
print(compiled.asm["ptx"].count("shfl.sync"), compiled.asm["ttgir"].count("ttg.convert_layout"))
"""


def test_flat_tile_is_scanned_in_the_run_layout():
    """The flat path must still scan in registers: if Triton resolved the layouts the other way
    (as it did with the anchor load outside the loop), the scan would cross threads at every
    step, 1242 shuffles instead of the run-layout path's 50 (Triton 3.6, a length not known
    divisible by 16; 80 with the length divisible by 16 that this compile assumes)."""
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    counts = {}
    for transpose in (False, True):
        result = subprocess.run([sys.executable, "-c", COMPILE.format(transpose=transpose, element="fp32")],
                                env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        counts[transpose] = tuple(int(word) for word in result.stdout.split()[-2:])
    (run_shuffles, _), (flat_shuffles, flat_converts) = counts[False], counts[True]
    assert flat_shuffles <= 1.5 * run_shuffles, counts
    assert flat_converts >= counts[False][1] + 2, counts  # into the run layout and back out


def test_flat_bfloat16_tile_is_scanned_in_the_float32_run_layout():
    """A 2-byte tile is converted to float32 before its move to the run layout, so that it gets
    float32's layout: in bfloat16's own (8 lanes of a step per thread) each run spread over
    threads, 231 shuffles against float32's 80 (NOTES.md section 38)."""
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    shuffles = {}
    for element in ("fp32", "bf16"):
        result = subprocess.run([sys.executable, "-c", COMPILE.format(transpose=True, element=element)],
                                env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        shuffles[element] = int(result.stdout.split()[-2])
    assert shuffles["bf16"] <= shuffles["fp32"], shuffles
