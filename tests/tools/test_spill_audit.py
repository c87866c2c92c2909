"""benchmarks/dev/spill_audit.py: a matrix cell's pick planned again on the CPU and compiled for
sm_90 with the alignment its tensors give (no GPU)."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "dev"))
import spill_audit  # noqa: E402

PICK = "BLOCK: 2048, SPLIT: True, num_warps: 4, num_ctas: 1, num_stages: 1, maxnreg: 96"


def test_a_config_string_reads_as_kwargs_and_launch_options():
    assert spill_audit.parse_config(PICK) == {"BLOCK": 2048, "SPLIT": True, "num_warps": 4, "num_stages": 1,
                                              "maxnreg": 96}
    assert "maxnreg" not in spill_audit.parse_config(PICK.replace("96", "None"))


@pytest.mark.parametrize("shape,aligned", [("1-D x[1:]", False), ("1-D", True)])
def test_a_view_off_alignment_compiles_as_its_launch_would(shape, aligned):
    """A reversed int64 view one element in plans in place (ROTATE 0) and compiles with its input
    off alignment (X_ALIGNED false, the arithmetic reversed offsets: 12 bytes spilled at 96, where
    an aligned input's form spilled 188, NOTES.md 211); the aligned 1-D input compiles aligned."""
    cell = {"op": "cumsum reverse", "dtype": "int64", "shape": shape, "family": "lookback", "config": PICK}
    variant, = spill_audit.plan_variants([cell], 2**20)
    assert variant["constexprs"]["ROTATE"] == 0 and ("x_ptr" in variant["aligned"]) == aligned
    counts, = spill_audit.compile_variants([variant], 1)
    assert counts["registers"] <= 96 and counts["spilled"] <= 16, counts


@pytest.mark.parametrize("registers,num_warps,shared,programs", [
    (160, 2, 0, 6),  # float32 1-D's pick: six programs of 64 threads (96 KiB of 16 KiB chunks)
    (128, 4, 0, 4),
    (96, 4, 0, 5),
    (80, 4, 0, 6),
    (54, 4, 0, 9),  # 56 registers a thread allocated (units of 256 a warp)
    (32, 1, 100 * 1024, 2),  # shared memory bounds it
    (16, 1, 0, 32),  # at most 32 blocks
])
def test_programs_per_sm_count_as_the_occupancy_calculator(registers, num_warps, shared, programs):
    assert spill_audit.residency(registers, num_warps, shared) == programs
