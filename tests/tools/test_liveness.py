"""benchmarks/dev/liveness.py reads nvdisasm's life ranges: its parser on a fixed excerpt, and one
offline compile (a child process without TRITON_INTERPRET, as tests/kernels/test_compile.py)
whose peak live count lies under the registers ptxas allocated."""

import os
import pathlib
import re
import subprocess
import sys

DEV = pathlib.Path(__file__).parents[2] / "benchmarks" / "dev"
sys.path.insert(0, str(DEV))
import liveness  # noqa: E402

EXCERPT = """\
        /*0000*/                   LDC R1, c[0x0][0x28] ;                     // |    5  |        |
        /*0010*/                   S2R R6, SR_TID.X ;                         // |    6  |        |
.L_x_3:                                                                       // |    6  |   1    |
        /*0020*/              @!P3 LDG.E.128 R60, desc[UR8][R90.64+0x10] ;    // |   92  |   1    |
        /*0030*/                   BAR.SYNC.DEFER_BLOCKING 0x0 ;              // |   40  |        |
        /*0040*/                   EXIT ;                                     // |       |        |
"""


def test_instructions_and_summary_of_an_excerpt():
    rows = liveness.instructions(EXCERPT)
    assert rows == [(0, "LDC R1, c[0x0][0x28]", 5), (0x10, "S2R R6, SR_TID.X", 6), (-1, ".L_x_3:", -1),
                    (0x20, "@!P3 LDG.E.128 R60, desc[UR8][R90.64+0x10]", 92),
                    (0x30, "BAR.SYNC.DEFER_BLOCKING 0x0", 40), (0x40, "EXIT", 0)]
    assert liveness.opcode(rows[3][1]) == "LDG.E.128"
    lines = liveness.summary(rows)
    assert lines[1] == ".L_x_3:"
    assert lines[2].split()[:3] == ["00020", "live", "92"]
    assert lines[2].split()[3:] == ["LDG.E.128", "BAR.SYNC.DEFER_BLOCKING"]


def test_a_compiled_kernel_peaks_under_its_allocation():
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    meta = '{"BLOCK": 1024, "num_warps": 4}'
    result = subprocess.run([sys.executable, str(DEV / "liveness.py"), "row", meta],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    head = re.match(r"row: (\d+) registers allocated, (\d+) bytes spilled, peak live (\d+), "
                    r"(\d+) instructions", result.stdout)
    assert head, result.stdout[:500]
    allocated, _, peak, count = map(int, head.groups())
    assert 0 < peak <= allocated <= 255 and count > 10
    assert any(" LDG" in line for line in result.stdout.splitlines()[1:])
