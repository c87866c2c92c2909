"""The tolerance rule triscan's tests and `triscan check` judge scans by, and their inputs.

A float scan is compared with a float64 reference (int64 for integers, which must match
exactly). Accumulation is in float32 (float64 for float64), so the accumulated error is at
most eps_acc x (terms on a summation path) x the running sum of |x|; the blocked scans'
paths are about sqrt(length) + 64 long, and a factor 4 covers the carry and tree steps.
Rounding to the output dtype adds one of its epsilons of |reference|.
"""

import math

import torch

# unit roundoff of each dtype
EPSILON = {
    torch.float16: 2.0**-11,
    torch.bfloat16: 2.0**-8,
    torch.float32: 2.0**-24,
    torch.float64: 2.0**-53,
}

RULE = ("|out - ref| <= 4 * eps_acc * (sqrt(L) + 64) * cumsum(|x|) + eps_out * (|ref| + tiny_out), "
        "ref in float64; integers exact; NaN (unwritten output) fails; an infinity of ref's sign "
        "passes where |ref| plus that bound passes the dtype's largest finite value (overflow, as torch)")


def scan_tolerance(dtype: torch.dtype, length: int, interpreted: bool = False) -> tuple[float, float]:
    """(factor on the running sum of |x|, factor on |reference|) for a scan of `length` terms."""
    acc_eps = EPSILON[torch.float64 if dtype == torch.float64 else torch.float32]
    rounding = EPSILON[dtype]
    if dtype == torch.bfloat16 and interpreted:
        # The Triton 3.6 interpreter converts float32 to bfloat16 by truncation (seen on
        # 1.0059 -> 1.0), so one full bfloat16 ulp; compiled kernels round to nearest.
        rounding *= 2
    return 4 * acc_eps * (math.sqrt(max(length, 1)) + 64), rounding


def scan_error_excess(out: torch.Tensor, reference: torch.Tensor, abs_running_sum: torch.Tensor,
                      length: int, interpreted: bool = False) -> float:
    """How far the worst element exceeds the tolerance (<= 0 passes; inf for NaN, a wrong
    integer, or a shape mismatch)."""
    if out.shape != reference.shape:
        return math.inf
    if not out.dtype.is_floating_point:
        return 0.0 if torch.equal(out.cpu(), reference.cpu().to(out.dtype)) else math.inf
    if out.numel() == 0:
        return 0.0
    if torch.isnan(out).any():
        return math.inf
    factor, rounding = scan_tolerance(out.dtype, length, interpreted)
    reference, result = reference.double(), out.double()
    # an infinity equal to the reference's (a log-sum-exp's -inf, an overflow) is no error
    error = torch.where(result == reference, 0.0, (result - reference).abs())
    # below the output's smallest normal its spacing is fixed: a product rounded to a float16
    # subnormal is off by up to half of it, whatever |reference|
    allowed = (factor * abs_running_sum.double() + rounding * reference.abs()
               + rounding * torch.finfo(out.dtype).tiny + 1e-30)
    # float16 sums overflow to infinity as torch's do; near the limit either side may round
    # to it, so an infinity of the right sign passes wherever the bound reaches the limit
    overflow = (torch.isinf(out) & (torch.sign(result) == torch.sign(reference))
                & (reference.abs() + allowed > torch.finfo(out.dtype).max))
    return torch.where(overflow, -1.0, error - allowed).max().item()


def relative_error(out: torch.Tensor, expected: torch.Tensor, piece: int = 1 << 26) -> float:
    """Largest |out - expected| / max(|expected|, 1), the benchmarks' sanity check of a timed
    result (0 for equal integers; inf for unequal integers or a wrong shape). Where the exact
    value rounds past the largest finite value of out's type, the expected result is that
    infinity, as torch.cumsum's (a float16 sum of 65536 values near 1); a finite result there,
    or an infinity elsewhere, is an infinite error. Floats are compared `piece` elements at a
    time: the float64 temporaries of a whole 4 GiB bfloat16 output, 16 GiB each, ran an H200
    out of memory (benchmarks/NOTES.md 224)."""
    if out.shape != expected.shape:
        return math.inf
    if not out.dtype.is_floating_point:
        return 0.0 if torch.equal(out, expected) else math.inf
    out, expected = out.reshape(-1), expected.reshape(-1)
    return max((_relative_error_of_piece(out[start:start + piece], expected[start:start + piece])
                for start in range(0, out.numel(), piece)), default=0.0)


def _relative_error_of_piece(out: torch.Tensor, expected: torch.Tensor) -> float:
    """relative_error of one flat piece of floats."""
    expected = torch.where(expected.to(out.dtype).isinf(), expected.sign() * math.inf, expected.double())
    out = out.double()
    error = torch.where(out == expected, 0.0, (out - expected).abs() / expected.abs().clamp_min(1.0))
    return torch.nan_to_num(error, nan=math.inf, posinf=math.inf).max().item()


def abs_of(x: torch.Tensor) -> torch.Tensor:
    """|x| for the error bound (bool has no abs; its values are already non-negative)."""
    return x if x.dtype == torch.bool else x.abs()


def random_factors(shape, dtype: torch.dtype, device) -> torch.Tensor:
    """Fresh random factors for product scans, whose products over thousands of positions stay
    finite and away from 0: floats 1 + N(0, 0.01), one in nine negated; integers odd, from
    {-3, -1, 1, 3} (int64 products wrap, as torch's do, and never to 0); bool True but one in five
    hundred. A product's error is relative: its bound takes |reference| for the running sum of
    |x| (scan_error_excess)."""
    if dtype == torch.bool:
        return (torch.rand(shape) >= 1 / 500).to(device)
    if not dtype.is_floating_point:
        return (2 * torch.randint(0, 4, shape) - 3).to(dtype).to(device)
    values = 1 + 0.01 * torch.randn(shape, dtype=torch.float64)
    return torch.where(torch.rand(shape) < 1 / 9, -values, values).to(dtype).to(device)


def random_ties(shape, dtype: torch.dtype, device) -> torch.Tensor:
    """Fresh random values for max and min scans, nine distinct ones (many ties, which the index
    rule decides): integers from [-4, 4] ([0, 8] unsigned) in any dtype, bool True one in three."""
    if dtype == torch.bool:
        return (torch.rand(shape) < 1 / 3).to(device)
    low = 0 if dtype == torch.uint8 else -4
    return torch.randint(low, low + 9, shape).to(dtype).to(device)


def random_input(shape, dtype: torch.dtype, device) -> torch.Tensor:
    """Fresh random data, never zeros: normal floats with mean 0.5, integers in [-50, 50]."""
    if dtype == torch.bool:
        return torch.rand(shape, device=device) < 0.5
    if not dtype.is_floating_point:
        return torch.randint(-50, 51, shape, device=device).to(dtype)
    return (torch.randn(shape, device=device, dtype=torch.float64) + 0.5).to(dtype)
