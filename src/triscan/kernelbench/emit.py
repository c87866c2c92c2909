"""`triscan emit`: the single-file answer the seed's OUTPUT RULES ask for, bundled from the
library's own modules so that it cannot drift from them.

The bundle starts from `ModelNew` and takes, from the modules `triscan.api` imports (directly or
through others, in dependency order), every top-level definition the answer reaches, with its
comments:

1. the four imports the rules allow (torch, torch.nn as nn, triton, triton.language as tl);
2. the @triton.jit functions, each autotuned kernel's `configs=NAME` written out as a literal;
3. the host code: functions, the classes and module state they use (the plan cache, the
   registry), in dependency order;
4. `class ModelNew(nn.Module)`, last.

What the rules do not allow is rewritten, never dropped silently: intra-package imports go (the
names share one namespace, and a clash is an error); `@dataclass` classes get the `__init__` the
decorator would write (no `dataclasses` import); the launch lock becomes a single-thread
stand-in (no `threading` import: KernelBench's static checker rejects it, and the answer is one
model called from one thread). Any other import is an error.
"""

import ast
import importlib
import inspect
import re

from .rules import is_jit

IMPORTS = "import torch\nimport torch.nn as nn\nimport triton\nimport triton.language as tl\n"
HEADER = "# {problem}: bundled by `triscan emit` from triscan's modules.\n"
TITLES = {"seed": "Exclusive cumsum (the seed's ModelNew)", "89": "KernelBench level 1, 89_cumsum",
          "90": "KernelBench level 1, 90_cumprod",
          "91": "KernelBench level 1, 91_cumsum_reverse", "92": "KernelBench level 1, 92_cumsum_exclusive"}
ENTRY = "triscan.api"  # the direct (not autograd) functions the answer's ModelNew calls
ALLOWED_IMPORTS = {"import torch", "import triton", "import triton.language as tl"}
# module-level names whose value the single file replaces: (module, name) -> (expression, why)
OVERRIDES = {("triscan.scan.launch", "LAUNCH_LOCK"): ("_SingleThreadLock()", "see _SingleThreadLock")}


class _SingleThreadLock:
    """The launch lock of the single file, which runs one model from one thread: nothing to
    serialize (the library's lock is a threading.Lock, scan/launch.py)."""

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        return False


def bundled_modules() -> list[str]:
    """ENTRY and every triscan module it imports, dependencies first."""
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for dependency in package_imports(name):
            visit(dependency)
        order.append(name)

    visit(ENTRY)
    return order


def package_imports(name: str) -> list[str]:
    """The triscan modules module `name` imports (relative imports resolved), in source order."""
    module = importlib.import_module(name)
    package = name if module.__file__.endswith("__init__.py") else name.rpartition(".")[0]
    found = []
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            found.append(target)
    return found


def config_literal(configs) -> str:
    """Python source for a list of triton.Config equal to `configs` (register caps included)."""
    lines = []
    for config in configs:
        cap = f", maxnreg={config.maxnreg}" if config.maxnreg is not None else ""
        lines.append(f"    triton.Config({config.kwargs!r}, num_warps={config.num_warps}, "
                     f"num_stages={config.num_stages}{cap}),")
    return "[\n" + "\n".join(lines) + "\n]"


def defined_names(node) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def lower_dataclass(text: str, node: ast.ClassDef, first_line: int) -> str:
    """A @dataclass class as a plain class with the `__init__` the decorator would write (fields
    in order, defaults as the fields give them)."""
    fields = [statement for statement in node.body if isinstance(statement, ast.AnnAssign)]
    names = [field.target.id for field in fields]
    parameters = [name if field.value is None else f"{name}={ast.unparse(field.value)}"
                  for name, field in zip(names, fields, strict=True)]
    lines = text.splitlines()
    decorator = node.decorator_list[0].lineno - first_line
    last_field = fields[-1].end_lineno - first_line
    init = ["", f"    def __init__(self, {', '.join(parameters)}):"]
    init += [f"        self.{name} = {name}" for name in names]
    lines = lines[:last_field + 1] + init + lines[last_field + 1:]
    del lines[decorator]
    return "\n".join(lines)


def module_parts(name: str) -> list[dict]:
    """The top-level definitions of one module as parts: kind ("jit" or "host"), the names
    defined, and the text (with the comments just above it)."""
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    lines = source.splitlines()
    tree = ast.parse(source)
    parts, previous_end = [], 0
    for index, node in enumerate(tree.body):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        # comments between the previous statement and this one belong to this one
        start = first - 1
        while start > previous_end and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        text = "\n".join(lines[start:node.end_lineno])
        previous_end = node.end_lineno
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            check_import(name, node)
            continue
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
            raise ValueError(f"{name}: cannot bundle a top-level {type(node).__name__}")
        names = defined_names(node)
        if (name, names[0]) in OVERRIDES:
            expression, why = OVERRIDES[name, names[0]]
            text = f"# {name}'s {names[0]}, replaced for the single file ({why})\n{names[0]} = {expression}"
        elif isinstance(node, ast.ClassDef) and [ast.unparse(d) for d in node.decorator_list] == \
                ["dataclass"]:
            text = lower_dataclass("\n".join(lines[first - 1:node.end_lineno]), node, first)
            text = "\n".join(lines[start:first - 1] + [text])
        elif is_jit(node):
            text = inline_configs(module, node, text)
        parts.append({"kind": "jit" if is_jit(node) else "host", "names": names, "text": text,
                      "module": name, "uses": used_names(ast.parse(text))})
    return parts


def check_import(name: str, node) -> None:
    """Only the rules' imports, imports within the bundle, and what OVERRIDES and the dataclass
    lowering replace may appear."""
    text = ast.unparse(node)
    if text in ALLOWED_IMPORTS or isinstance(node, ast.ImportFrom) and node.level:
        return
    if text == "import threading" and any(module == name for module, _ in OVERRIDES):
        return
    if text == "from dataclasses import dataclass":
        return
    raise ValueError(f"{name}: `{text}` cannot be bundled into the single file")


def inline_configs(module, node, text: str) -> str:
    """An autotuned kernel's `configs=NAME` written out as a literal of its configs."""
    match = re.search(r"configs=(\w+)", text)
    if match is None:
        return text
    kernel = getattr(module, node.name)
    if text.count(match.group(0)) != 1:
        raise ValueError(f"expected one '{match.group(0)}' in the decorator of {node.name}")
    return text.replace(match.group(0), "configs=" + config_literal(kernel.configs))


def used_names(node) -> set[str]:
    """The global names a definition's code refers to (not its docstrings or comments)."""
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def reachable(parts: list[dict], roots: set[str]) -> list[dict]:
    """The parts the roots use, directly or through other parts, in their order."""
    kept, frontier = set(), set(roots)
    while frontier:
        name = frontier.pop()
        for index, part in enumerate(parts):
            if index not in kept and name in part["names"]:
                kept.add(index)
                frontier |= part["uses"]
    return [part for index, part in enumerate(parts) if index in kept]


def model_source(problem: str = "seed") -> str:
    """The problem's module class, written as `class ModelNew(nn.Module)` (kernelbench/problems.py)."""
    from .problems import PROBLEMS

    model = PROBLEMS[problem]
    source = inspect.getsource(model)
    header = f"class {model.__name__}(nn.Module):"
    if not source.startswith(header):
        raise ValueError(f"{model.__name__} must start with `{header}`")
    return "class ModelNew(nn.Module):" + source[len(header):]


def emit_source(problem: str = "seed") -> str:
    """The whole single-file answer to `problem` (kernelbench/problems.py), as text."""
    # the stand-in lock first: the module state after it instantiates it
    lock = inspect.getsource(_SingleThreadLock)
    parts = [{"kind": "host", "names": ["_SingleThreadLock"], "text": lock, "module": __name__,
              "uses": used_names(ast.parse(lock))}]
    parts += [part for name in bundled_modules() for part in module_parts(name)]
    seen = {}
    for part in parts:
        for name in part["names"]:
            if name in seen:
                raise ValueError(f"{name} is defined in both {seen[name]} and {part['module']}")
            seen[name] = part["module"]
    model = model_source(problem)
    kept = reachable(parts, used_names(ast.parse(model)))
    kernels = [part["text"] for part in kept if part["kind"] == "jit"]
    host = [part["text"] for part in kept if part["kind"] == "host"]
    sections = [HEADER.format(problem=TITLES[problem]) + IMPORTS] + kernels + host + [model]
    return "\n\n".join(section.rstrip("\n") + "\n" for section in sections)


def write(path: str | None = None, problem: str = "seed") -> str:
    """Write the answer to `path` (stdout when None); return the text."""
    text = emit_source(problem)
    if path is None:
        print(text, end="")
    else:
        with open(path, "w") as handle:
            handle.write(text)
    return text
