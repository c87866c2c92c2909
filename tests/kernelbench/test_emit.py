"""`triscan emit`: the bundle follows the OUTPUT RULES and KernelBench's static rules (restated in
triscan.kernelbench.rules), carries the registry's kernels with their configs, and matches the
reference."""

import importlib.util
import subprocess
import sys

import pytest
import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

from triscan.kernelbench import emit, rules
from triscan.kernels.operators import PRODUCT
from triscan.kernels.registry import FAMILIES
from triscan.testing.reference import (
    cumsum_reference,
    exclusive_cumsum_reference,
    reversed_cumsum_reference,
    scan_reference,
    seed_model_reference,
)
from triscan.testing.tolerance import random_factors

KERNELS = [kernel for family in FAMILIES for kernel in family.kernels.values()]


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    path = tmp_path_factory.mktemp("emit") / "answer.py"
    emit.write(str(path))
    return path


def test_emitted_file_follows_output_rules(emitted):
    source = emitted.read_text()
    assert rules.output_rule_problems(source) == []
    assert "import triscan" not in source and "from triscan " not in source and "from ." not in source


def test_emitted_file_passes_the_static_checker(emitted):
    """KernelBench's validate_kernel_static(code, backend="triton", precision="fp32"): no errors,
    and none of its warnings either."""
    assert rules.static_problems(emitted.read_text()) == ([], [])


def test_bundle_is_what_model_new_reaches(emitted):
    """Every registry kernel is in the file; host code ModelNew cannot reach is not (the autograd
    operators, the public cumsum, explain); nothing is defined twice."""
    module = load_module(emitted)
    for kernel in KERNELS:
        assert hasattr(module, kernel.fn.__name__)
    for absent in ("scan_op", "cumsum", "explain", "scan", "needs_operator"):
        assert not hasattr(module, absent), absent
    names = [line.split("(")[0].split()[1] for line in emitted.read_text().splitlines()
             if line.startswith(("def ", "class "))]
    assert len(names) == len(set(names))


def load_module(path):
    spec = importlib.util.spec_from_file_location("emitted_answer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# row scan, column scan, column and row look-back (the last two through the interpreter's
# pretend 4-SM device; on CUDA they take the row and column scans)
@pytest.mark.parametrize("shape,dim", [((9, 300), 1), ((9, 300), 0), ((4, 5, 6), 1), ((3, 70), -1),
                                       ((700, 3), 0), ((3, 1000), 1)])
def test_emitted_model_matches_reference(emitted, shape, dim):
    module = load_module(emitted)
    x = random_input(shape, torch.float32)
    out = module.ModelNew(dim)(x)
    assert_scan_close(out, seed_model_reference(x, dim), seed_model_reference(abs_of(x), dim), shape[dim])
    # the emitted file runs its own kernels and plans, not the package's
    assert module.row_scan_kernel is not FAMILIES[0].kernels["forward"]
    assert len(module.PLANS) > 0
    assert module.runs_triton(torch.device(DEVICE))


def test_emitted_configs_equal_the_package_configs(emitted):
    """Every autotune config, register caps included, is written out as the package has it."""
    module = load_module(emitted)
    for kernel in KERNELS:
        copy = getattr(module, kernel.fn.__name__)
        described = [(c.kwargs, c.num_warps, c.num_stages, c.maxnreg) for c in copy.configs]
        assert described == [(c.kwargs, c.num_warps, c.num_stages, c.maxnreg) for c in kernel.configs]


def test_bundler_rejects_what_the_rules_forbid(monkeypatch):
    """An import the single file cannot carry is an error, never dropped silently."""
    import ast

    with pytest.raises(ValueError, match="cannot be bundled"):
        emit.check_import("triscan.api", ast.parse("import os").body[0])
    with pytest.raises(ValueError, match="cannot be bundled"):
        emit.check_import("triscan.api", ast.parse("import threading").body[0])


def test_emit_cli_writes_file(tmp_path):
    path = tmp_path / "out.py"
    result = subprocess.run([sys.executable, "-m", "triscan", "emit", "-o", str(path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == emit.emit_source()


# the KernelBench level-1 references, restated in float64: (reference, running sum of |x|, or for a
# product |reference|, its running product of |x|)
PROBLEM_REFERENCES = {  # problem -> (reference, the bound's scale from (x, dim, reference))
    "89": (lambda x, d: cumsum_reference(x, d), lambda x, d, _: cumsum_reference(abs_of(x), d)),
    "90": (lambda x, d: scan_reference(x, d, operator=PRODUCT), lambda x, d, expected: expected.abs()),
    "91": (lambda x, d: reversed_cumsum_reference(x, d),
           lambda x, d, _: reversed_cumsum_reference(abs_of(x), d)),
    "92": (lambda x, d: exclusive_cumsum_reference(x, d), lambda x, d, _: cumsum_reference(abs_of(x), d)),
    "seed": (seed_model_reference, lambda x, d, _: seed_model_reference(abs_of(x), d)),
}


@pytest.mark.parametrize("problem", sorted(PROBLEM_REFERENCES))
def test_every_problem_emits_a_correct_file_within_the_rules(problem, tmp_path):
    path = tmp_path / f"answer_{problem}.py"
    source = emit.write(str(path), problem)
    assert rules.output_rule_problems(source) == [] and rules.static_problems(source) == ([], [])
    module = load_module(path)
    reference, bound = PROBLEM_REFERENCES[problem]
    # rows and a column scan in float32, rows in bfloat16 (KernelBench's inputs are either)
    for shape, dim, dtype in (((9, 300), 1, torch.float32), ((300, 9), 0, torch.float32),
                              ((9, 300), 1, torch.bfloat16)):
        # products of factors near 1: random_input's would underflow to 0 within a few hundred
        x = random_factors(shape, dtype, DEVICE) if problem == "90" else random_input(shape, dtype)
        out = module.ModelNew(dim)(x)
        assert out.dtype == dtype
        expected = reference(x, dim)
        assert_scan_close(out, expected, bound(x, dim, expected), shape[dim])
