"""Float64 references and the tolerance rule that tests and `triscan check` judge scans by, and
(interpreter.py) the Triton interpreter sped up for the CPU tests."""
