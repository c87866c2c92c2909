"""Where a tool runs: the GPU, versions and commit recorded beside every result, and the
interpreter rerun for commands that run kernels on a machine without CUDA."""

import hashlib
import os
import platform
import subprocess
from pathlib import Path

import torch


def environment() -> dict:
    """GPU, driver, versions and commit, recorded beside every result."""
    import triton

    info = {
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "triton": triton.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "driver": None,
        "commit": None,
        "source": source_digest(),
    }
    try:
        info["driver"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        info["driver"] = None
    # a copied checkout (as on a lent GPU machine) may carry no .git, or a stale one: there
    # TRISCAN_COMMIT names the commit, and it wins. Otherwise a tree that differs from its
    # commit is marked "-dirty", so a stale .git cannot pass for the code that ran.
    info["commit"] = os.environ.get("TRISCAN_COMMIT")
    try:
        info["commit"] = info["commit"] or subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=7", "--exclude=*"], capture_output=True,
            text=True, timeout=30).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["commit"] = info["commit"] or None
    return info


def source_digest() -> str:
    """The first 12 hex digits of a SHA-256 over the package's Python sources (paths and bytes):
    the code that ran, whatever the commit says. A name can be wrong (TRISCAN_COMMIT set by hand
    over a tree that a command changed, NOTES.md 168); the digest of the same tree cannot."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def needs_interpreter_rerun(command: list[str], why: str) -> int | None:
    """Without CUDA and with the interpreter off, run `triscan <command>` again in a child
    process with TRITON_INTERPRET=1 (it must be set before triton.jit runs) and return its
    exit code; None when this process can run the kernels itself."""
    from ..kernels.registry import kernels_interpreted

    if torch.cuda.is_available() or kernels_interpreted():
        return None
    import sys

    print(f"No CUDA device here: {why} through the Triton interpreter on the CPU (TRITON_INTERPRET=1).",
          flush=True)
    env = dict(os.environ, TRITON_INTERPRET="1")
    return subprocess.call([sys.executable, "-m", "triscan", *command], env=env)
