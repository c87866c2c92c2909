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


@pytest.mark.parametrize("registers_used,num_warps,shared,grid_cap,programs", [
    (160, 2, 0, 8, 6),  # float32 1-D's pick: six programs of 64 threads (96 KiB of 16 KiB chunks)
    (128, 4, 0, 8, 4),
    (96, 4, 0, 8, 5),
    (80, 4, 0, 8, 6),
    (54, 4, 0, None, 9),  # 56 registers a thread allocated (units of 256 a warp)
    (54, 4, 0, 8, 8),  # the persistent look-back's grid: 8 per SM
    (32, 1, 100 * 1024, None, 2),  # shared memory bounds it, with 1 KiB reserved per block
    (32, 1, 113 * 1024, None, 2),
    (32, 1, 113 * 1024 + 1, None, 1),
    (16, 1, 0, None, 32),  # at most 32 blocks
    (16, 2, 0, None, 32),
    (24, 4, 0, None, 16),  # at most 64 warps
])
def test_programs_per_sm_count_as_the_occupancy_calculator(registers_used, num_warps, shared, grid_cap,
                                                           programs):
    import registers  # the one count spill_audit's compiling processes use

    assert registers.programs_per_sm(registers_used, num_warps, shared, grid_cap=grid_cap) == programs


def test_the_audit_holds_each_family_s_programs():
    """A look-back pick holds at most the grid's 8 programs per SM, a row kernel pick what fits."""
    rows = spill_audit.compile_variants([
        {"kernel": family, "constexprs": {"BLOCK": 1024, "num_warps": 4}, "aligned": [], "input_bytes": 4}
        for family in ("lookback", "row")], 1)
    assert rows[0]["programs_per_sm"] <= 8 and rows[1]["programs_per_sm"] > 8, rows
    variant = {"kernel": "lookback", "constexprs": {"BLOCK": 1024}, "input_bytes": 4}
    assert spill_audit.held_per_sm(variant, rows[0]) == rows[0]["programs_per_sm"] * 4


@pytest.mark.parametrize("family, meta, held", [
    ("lookback", {"BLOCK": 4096}, 4096),
    ("lookback", {"BLOCK": 4096, "RELOAD": True, "RELOAD_STAGES": 4, "SUB_BLOCK": 1024}, 3 * 1024),
    ("row", {"BLOCK": 2048}, 2048),
    ("column_lookback", {"BLOCK_L": 64, "BLOCK_K": 32, "FLAT_INNER": 0}, 64 * 32),
    ("column_lookback", {"BLOCK_L": 64, "BLOCK_K": 32, "FLAT_INNER": 8}, 64 * 8),
], ids=["chunk", "reloaded-pieces", "row-block", "column-lanes", "column-flat-lanes"])
def test_held_elements_one_count_for_both_tools(family, meta, held):
    """spill_audit's KiB per SM and sweep_configs' bytes in flight count the same elements."""
    import registers

    assert registers.held_elements(family, meta) == held
    assert spill_audit.held_per_sm({"kernel": family, "constexprs": meta, "input_bytes": 2},
                                   {"programs_per_sm": 3}) == 3 * held * 2 / 1024
