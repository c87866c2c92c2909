"""`triscan emit`: structure checked through the AST, behaviour against the reference."""

import ast
import importlib.util
import subprocess
import sys

import pytest
import torch
from conftest import DEVICE, abs_of, assert_scan_close, random_input

from triscan import emit
from triscan.reference import seed_model_reference

EXPECTED_IMPORTS = ["import torch", "import torch.nn as nn", "import triton", "import triton.language as tl"]


def is_triton_jit(decorator) -> bool:
    return ast.unparse(decorator) == "triton.jit"


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    path = tmp_path_factory.mktemp("emit") / "answer.py"
    emit.write(str(path))
    return path


def test_emitted_file_follows_output_rules(emitted):
    source = emitted.read_text()
    tree = ast.parse(source)
    body = tree.body
    assert [ast.unparse(node) for node in body[:4]] == EXPECTED_IMPORTS
    rest = body[4:]
    kinds = []
    for node in rest:
        if isinstance(node, ast.FunctionDef) and any(is_triton_jit(d) for d in node.decorator_list):
            kinds.append("kernel")
        elif isinstance(node, ast.FunctionDef):
            assert not node.decorator_list, node.name
            kinds.append("wrapper")
        elif isinstance(node, ast.ClassDef):
            kinds.append("class")
        else:
            kinds.append(type(node).__name__)
    # kernels, then wrappers, then exactly one class, last: nothing else at top level
    assert kinds == sorted(kinds, key=["kernel", "wrapper", "class"].index)
    assert kinds.count("kernel") == len(emit.KERNELS) + len(emit.jit_helpers())
    assert kinds.count("wrapper") >= 1 and kinds[-1:] == ["class"]
    assert kinds.count("class") == 1
    model = body[-1]
    assert model.name == "ModelNew" and [ast.unparse(b) for b in model.bases] == ["nn.Module"]
    names = {node.name for node in rest if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert not names & {"get_inputs", "get_init_inputs"}
    assert "__main__" not in source and "triscan import" not in source and "import triscan" not in source
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert node in body[:4], f"import outside the header: {ast.unparse(node)}"


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
    # the emitted file runs its own kernels, not the package's
    assert module.row_scan_kernel is not emit.row_scan.row_scan_kernel
    assert module.runs_triton(torch.device(DEVICE))


def test_emitted_configs_equal_the_package_configs(emitted):
    """Every autotune config, register caps included, is written out as the package has it."""
    module = load_module(emitted)
    for kernel, _ in emit.KERNELS:
        copy = getattr(module, kernel.fn.__name__)
        described = [(c.kwargs, c.num_warps, c.num_stages, c.maxnreg) for c in copy.configs]
        assert described == [(c.kwargs, c.num_warps, c.num_stages, c.maxnreg) for c in kernel.configs]


def test_emit_cli_writes_file(tmp_path):
    path = tmp_path / "out.py"
    result = subprocess.run([sys.executable, "-m", "triscan", "emit", "-o", str(path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == emit.emit_source()
