"""Competitors re-implemented for benchmarks (never used by the library itself)."""
