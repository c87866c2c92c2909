"""The package's imports flow down: no import cycle anywhere (imports at any depth count, as in
a static reading), the core reaches neither the tools nor the KernelBench task, and importing
triscan needs only torch and triton."""

import ast
import os
import pathlib
import subprocess
import sys

SOURCE = pathlib.Path(__file__).parent.parent / "src"
PACKAGE = SOURCE / "triscan"
CORE = ("triscan.api", "triscan._torch_ops", "triscan.functional", "triscan.explain", "triscan.scan",
        "triscan.kernels")


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (a `from a import b` counts a.b where that is a module)."""
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name in paths}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    target = f"{base}.{node.module}" if node.module else base
                else:
                    target = node.module or ""
                if target in paths:
                    found.add(target)
                found |= {f"{target}.{alias.name}" for alias in node.names
                          if f"{target}.{alias.name}" in paths}
        # a package importing its own submodules is how packages are built, not a cycle
        if path.name == "__init__.py":
            found = {module for module in found if not module.startswith(name + ".")}
        graph[name] = found - {name}
    return graph


def find_cycle(graph) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == "open":
                return stack[stack.index(child):] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 20
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_core_imports_neither_tools_nor_kernelbench():
    graph = import_graph()
    for module, imported in graph.items():
        if module.startswith(CORE):
            above = {name for name in imported if name.startswith(("triscan.tools", "triscan.kernelbench",
                                                                     "triscan.testing"))}
            assert not above, f"{module} imports {sorted(above)}"


def test_import_triscan_needs_only_torch_and_triton():
    """With rich, matplotlib, numpy's extras and the tools unimportable, the library still imports
    and scans (on the CPU through the plain torch path: no interpreter in the child)."""
    code = (
        "import sys\n"
        "for name in ('rich', 'matplotlib', 'hypothesis', 'pytest'):\n"
        "    sys.modules[name] = None\n"
        "import torch, triscan\n"
        "assert not any(name.startswith(('triscan.tools', 'triscan.testing')) for name in sys.modules)\n"
        "print(triscan.cumsum(torch.ones(3), 0).tolist())\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[1.0, 2.0, 3.0]"
