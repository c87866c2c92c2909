"""The rules a single-file answer must pass, restated here (nothing imported from KernelBench):

- the seed's OUTPUT RULES, checked on the AST: the four imports, then @triton.jit functions,
  then host code, then `class ModelNew(nn.Module)` last; no testing code, no `if __name__`,
  no get_inputs / get_init_inputs, no import anywhere else;
- KernelBench's static checker (`validate_kernel_static(code, backend="triton",
  precision="fp32")` in src/kernelbench/kernel_static_checker.py), which reads the text with
  comments cut off: every line is cut at its first `#` and at its first `//`, so docstrings and
  strings count. Its strict checks reject `try:` / `except`, the bare word "pass" (anywhere,
  "in one pass" in a docstring too), threads and processes, patched timers, tensor subclasses,
  and a file without a Triton kernel; its warnings flag torch compute layers and ops, CUDA
  streams, and float16 down-casts.

The host section may hold, besides functions, the classes and module state they use (the plan,
the kernel registry, the plan cache): the rules fix the order of the sections and what must not
appear, and a helper class before ModelNew is common in KernelBench answers.
"""

import ast
import re

EXPECTED_IMPORTS = ["import torch", "import torch.nn as nn", "import triton", "import triton.language as tl"]
FORBIDDEN_NAMES = {"get_inputs", "get_init_inputs"}


def is_jit(node) -> bool:
    """A function decorated `@triton.jit` or `@triton.jit(...)` (noinline=True, say)."""
    return isinstance(node, ast.FunctionDef) and any(
        ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator) == "triton.jit"
        for decorator in node.decorator_list)


def output_rule_problems(source: str) -> list[str]:
    """What breaks the seed's OUTPUT RULES in `source` (empty when it follows them)."""
    tree = ast.parse(source)
    body, problems = tree.body, []
    if [ast.unparse(node) for node in body[:4]] != EXPECTED_IMPORTS:
        problems.append("the file must start with exactly: " + "; ".join(EXPECTED_IMPORTS))
    sections = []  # 0 kernels, 1 host code, 2 ModelNew
    for node in body[4:]:
        if is_jit(node):
            sections.append((0, node))
        elif isinstance(node, ast.ClassDef) and node.name == "ModelNew":
            sections.append((2, node))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.decorator_list:
            sections.append((1, node))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            sections.append((1, node))
        else:
            problems.append(f"line {node.lineno}: a top-level {type(node).__name__} is neither a kernel, "
                            "host code nor ModelNew")
    order = [section for section, _ in sections]
    if order != sorted(order):
        problems.append("sections out of order: kernels, then wrappers, then class ModelNew")
    if not order or order[-1] != 2 or order.count(2) != 1:
        problems.append("exactly one class ModelNew, last")
    else:
        model = sections[-1][1]
        if [ast.unparse(base) for base in model.bases] != ["nn.Module"]:
            problems.append("ModelNew must subclass nn.Module")
    if 0 not in order:
        problems.append("no @triton.jit kernel")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in body[:4]:
            problems.append(f"line {node.lineno}: import outside the header: {ast.unparse(node)}")
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in FORBIDDEN_NAMES:
            problems.append(f"line {node.lineno}: defines {node.name}")
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            problems.append(f"line {node.lineno}: an `if __name__` block")
    return problems


def without_comments(source: str) -> str:
    """The text the static checker reads: each line cut at its first `#` and its first `//`."""
    lines = []
    for line in source.split("\n"):
        for marker in ("#", "//"):
            if marker in line:
                line = line[:line.index(marker)]
        lines.append(line)
    return "\n".join(lines)


# (name, patterns): any match fails the file
STRICT = [
    ("try/except fallback", [r"\btry\s*:", r"\bexcept\s*:", r"\bexcept\s+\w+"]),
    ("the word pass", [r"\bpass\b"]),
    ("threads or processes", [r"threading\.Thread\s*\(", r"import\s+threading", r"from\s+threading\s+import",
                              r"multiprocessing\.(Process|Pool|Manager|Queue|Pipe)",
                              r"import\s+multiprocessing", r"concurrent\.futures", r"ThreadPoolExecutor",
                              r"ProcessPoolExecutor"]),
    ("patched timers", [r"torch\.cuda\.Event\.record\s*=", r"torch\.cuda\.Event\.elapsed_time\s*=",
                        r"torch\.cuda\.synchronize\s*=", r"torch\.cuda\.Event\s*=", r"time\.perf_counter\s*=",
                        r"time\.time\s*="]),
    ("tensor subclasses", [r"_make_subclass", r"class\s+\w+.*\(torch\.Tensor\)", r"class\s+\w+.*\(Tensor\)",
                           r"torch\.Tensor\.__new__"]),
]
WARNINGS = [
    ("torch.nn compute layers", [r"torch\.nn\.(?!(Module|parameter|Parameter|ParameterList|ParameterDict|"
                                 r"ModuleList|ModuleDict|init)\b)"]),
    ("torch compute ops", [r"\btorch\.(mm|bmm|matmul|einsum|conv\w*|\w*pool\w*|relu|gelu|softmax|log_softmax|"
                           r"tanh|sigmoid|\w*_norm|linear|logsumexp|clamp|dropout)(?=\s*\(|\s|$)",
                           r"\bnn\.functional\.\w+",
                           r"\bF\.(conv|linear|relu|gelu|softmax|batch_norm|layer_norm|dropout|max_pool|avg_pool)"]),
    ("CUDA streams", [r"torch\.cuda\.Stream\s*\(", r"cuda\.Stream\s*\(", r"with\s+torch\.cuda\.stream",
                      r"\.wait_stream\s*\(", r"\.record_stream\s*\("]),
    ("float16 down-casts", [r"\.half\s*\(", r"\.float16\s*\(", r"\.to\s*\(\s*torch\.(float16|half)\b",
                            r"\.to\s*\(\s*dtype\s*=\s*torch\.(float16|half)\b",
                            r"tl\.astype\s*\(\s*[^,]+,\s*tl\.float16\s*\)"]),
]
TRITON_REQUIRED = [
    ("a @triton.jit or @triton.autotune decorator", [r"@triton\.(jit|autotune)"]),
    ("a tl.load or tl.store", [r"tl\.load\s*\(", r"tl\.store\s*\("]),
    ("a kernel pattern (tl.program_id, tl.arange, ...)",
     [r"tl\.program_id\s*\(", r"tl\.num_programs\s*\(", r"tl\.constexpr", r"tl\.arange\s*\(",
      r"tl\.cdiv\s*\("]),
]


def static_problems(source: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) as KernelBench's static checker would give them for a Triton fp32 answer."""
    text = without_comments(source)
    errors = [name for name, patterns in STRICT if any(re.search(p, text) for p in patterns)]
    errors += [f"missing {name}" for name, patterns in TRITON_REQUIRED
               if not any(re.search(p, text) for p in patterns)]
    warnings = [name for name, patterns in WARNINGS if any(re.search(p, text) for p in patterns)]
    return errors, warnings
