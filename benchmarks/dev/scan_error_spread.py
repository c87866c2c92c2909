"""How much one input's rounding error varies between draws of one distribution (NOTES.md 72):
a chunked float64 scan (chunks of 4096, the carried prefix a scan of the chunk totals, as the
look-back's) and a sequential one, against long double, on five seeds (CPU only).

    python benchmarks/dev/scan_error_spread.py [LOG2_LENGTH]
"""

import sys

import numpy


def rms(result, exact):
    difference = (result.astype(numpy.longdouble) - exact).astype(numpy.float64)
    return float(numpy.sqrt(numpy.mean(difference ** 2)))


def main(log2_length: int = 24, chunk: int = 4096) -> None:
    for seed in range(5):
        x = numpy.random.default_rng(seed).standard_normal(1 << log2_length) + 0.5
        exact = numpy.cumsum(x.astype(numpy.longdouble))
        inner = numpy.cumsum(x.reshape(-1, chunk), axis=1)  # [chunks, chunk]
        prefix = numpy.concatenate([[0.0], numpy.cumsum(inner[:, -1])[:-1]])
        chunked = (inner + prefix[:, None]).ravel()
        sequential = numpy.cumsum(x)
        print(f"seed {seed}: sequential rms {rms(sequential, exact):.2e}, "
              f"chunked rms {rms(chunked, exact):.2e}")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
