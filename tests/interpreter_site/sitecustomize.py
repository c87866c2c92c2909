"""Run at the start of every Python process that a CPU test starts (tests/conftest.py puts this
folder on PYTHONPATH): under the interpreter, the same speed-up as the test process's
(triscan.testing.interpreter)."""

import os

if os.environ.get("TRITON_INTERPRET") == "1":
    from triscan.testing.interpreter import speed_up_interpreter

    speed_up_interpreter()
