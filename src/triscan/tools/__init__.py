"""Command-line tools beside the library: bench, check, profile, demo (they may use rich, matplotlib)."""
