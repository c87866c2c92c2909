"""The restated rules catch what they are for: each rule fires on a file that breaks it."""

import pytest

from triscan.kernelbench import rules

GOOD = '''import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(y_ptr + offsets, tl.load(x_ptr + offsets, mask=offsets < n), mask=offsets < n)


CACHE = {}


def copy(x):
    y = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 1024),)](x, y, x.numel(), BLOCK=1024)
    return y


class ModelNew(nn.Module):
    def forward(self, x):  # a comment may say pass, try: or except
        return copy(x)
'''


def test_a_good_file_passes():
    assert rules.output_rule_problems(GOOD) == []
    assert rules.static_problems(GOOD) == ([], [])


@pytest.mark.parametrize("bad,problem", [
    (GOOD.replace("import triton\n", "import triton\nimport os\n", 1), "must start with exactly"),
    (GOOD.replace("CACHE = {}", "def get_inputs():\n    return []"), "defines get_inputs"),
    (GOOD + "\nif __name__ == '__main__':\n    print(1)\n", "__name__"),
    (GOOD + "\nclass Extra(nn.Module):\n    x = 1\n", "exactly one class ModelNew, last"),
    (GOOD.replace("CACHE = {}", "CACHE = {}\n\n\nclass ModelNew(nn.Module):\n    x = 1"),
     "exactly one class"),
    (GOOD.replace("\n\nCACHE = {}", "") + "\n@triton.jit\ndef late(x):\n    return x\n", "out of order"),
    (GOOD.replace("    y = torch.empty_like(x)", "    import math\n    y = torch.empty_like(x)"),
     "import outside the header"),
], ids=["extra-import", "get_inputs", "main-block", "class-after-model", "two-models", "kernel-late",
        "inner-import"])
def test_output_rules_fire(bad, problem):
    assert any(problem in found for found in rules.output_rule_problems(bad)), rules.output_rule_problems(bad)


@pytest.mark.parametrize("snippet,error", [
    ('    """Scans in one pass."""\n', "the word pass"),
    ("    try:\n        x = 1\n    except Exception:\n        x = 2\n", "try/except fallback"),
    ("    threading.Thread(target=print)\n", "threads or processes"),
    ("    torch.cuda.synchronize = print\n", "patched timers"),
    ("    x = torch.Tensor._make_subclass(x)\n", "tensor subclasses"),
], ids=["pass-in-docstring", "try-except", "thread", "timer", "subclass"])
def test_strict_checks_fire(snippet, error):
    bad = GOOD.replace("    y = torch.empty_like(x)\n", "    y = torch.empty_like(x)\n" + snippet)
    assert error in rules.static_problems(bad)[0]


@pytest.mark.parametrize("snippet,warning", [
    ("    y = torch.clamp(y, 0)\n", "torch compute ops"),
    ("    s = torch.cuda.Stream()\n", "CUDA streams"),
    ("    y = y.half()\n", "float16 down-casts"),
], ids=["clamp", "stream", "half"])
def test_warnings_fire(snippet, warning):
    bad = GOOD.replace("    return y\n", snippet + "    return y\n")
    assert warning in rules.static_problems(bad)[1]


def test_comments_are_cut_as_the_checker_cuts_them():
    """The checker cuts a line at its first `#` and `//`: what follows does not count, even when
    it is code (integer division hides the rest of its line)."""
    assert rules.without_comments("a = 1  # pass\nb = n // 2  # try:") == "a = 1  \nb = n "
    assert rules.static_problems(GOOD.replace("CACHE = {}", "CACHE = 7 // 2  # pass"))[0] == []


def test_a_file_without_kernels_fails():
    errors, _ = rules.static_problems("import torch\n\nclass ModelNew:\n    x = torch.cumsum\n")
    assert "missing a @triton.jit or @triton.autotune decorator" in errors


def test_a_kernel_may_take_jit_options():
    """`@triton.jit(noinline=True)` is a kernel as `@triton.jit` is (the look-back's CLEAN tail)."""
    source = ("import torch\nimport torch.nn as nn\nimport triton\nimport triton.language as tl\n\n"
              "@triton.jit(noinline=True)\ndef helper(x):\n    return x\n\n"
              "@triton.jit\ndef kernel(x_ptr):\n    tl.store(x_ptr, helper(1))\n\n"
              "def launch(x):\n    kernel[(1,)](x)\n\n"
              "class ModelNew(nn.Module):\n    def forward(self, x):\n        launch(x)\n        return x\n")
    assert rules.output_rule_problems(source) == []
