"""The layers of the code, checked: what each import loads, and that no modules import each
other in a circle (the one allowed pair: a Tensor module and its op table)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"chaingrad": "chaingrad", "chaingrad.autograd": "autograd", "chaingrad.nn": "nn"}
HEAVY = ("graphviz", "tomllib", "tomli", "tqdm", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    """The modules in sys.modules after running `code` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        check=True,
    )
    return set(done.stdout.split())


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_the_engine_loads_neither_graphviz_nor_the_toml_reader():
    loaded = _loaded_after("import chaingrad.autograd")
    assert _heavy(loaded) == set()
    assert not any(m.startswith(("chaingrad.autograd.drawing", "chaingrad.nn")) for m in loaded)
    assert not any(m.startswith("chaingrad.autograd.verification") for m in loaded)


def test_the_tools_load_on_first_use():
    loaded = _loaded_after("from chaingrad.autograd import draw, verify")
    assert {"graphviz", "chaingrad.autograd.drawing.render"} <= loaded
    assert "chaingrad.autograd.verification.verifying" in loaded


@pytest.mark.parametrize(
    "code",
    [
        "from chaingrad import nn",
        "from chaingrad import nn; nn.MLP, nn.fit, nn.SGD, nn.half_squared_error, nn.load_digits",
        "from chaingrad.nn.scalar import ScalarMLP",
    ],
)
def test_the_network_library_loads_no_documents_no_app_and_nothing_heavy(code):
    loaded = _loaded_after(code)
    assert _heavy(loaded) == set()
    assert not any(m.startswith(("chaingrad.nn.documents", "chaingrad.nn.app")) for m in loaded)
    assert "chaingrad.autograd.drawing.render" not in loaded


def _module_name(path: Path) -> str:
    top = path.relative_to(ROOT).parts[0]
    package = next(name for name, folder in FOLDERS.items() if folder == top)
    parts = path.relative_to(ROOT / top).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((package, *parts))


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` imports anywhere (typing-only imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # a module's own packages are loaded before it anyway: not an import of them
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def _import_graph() -> dict[str, set[str]]:
    files = [p for folder in FOLDERS.values() for p in (ROOT / folder).rglob("*.py")]
    names = {_module_name(p): p for p in files if "__pycache__" not in p.parts}
    return {name: _imports(path, name, set(names)) for name, path in names.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_no_import_cycles_but_tensor_and_its_op_table():
    allowed = {"chaingrad.autograd.tensor", "chaingrad.autograd.tensor_ops"}
    assert [c for c in _cycles(_import_graph()) if c != allowed] == []


def test_autograd_never_imports_nn():
    graph = _import_graph()
    for module, imported in graph.items():
        if module.startswith("chaingrad.autograd"):
            assert not {m for m in imported if m.startswith("chaingrad.nn")}, module


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def _sources() -> dict[str, ast.Module]:
    files = [p for folder in FOLDERS.values() for p in (ROOT / folder).rglob("*.py")]
    return {
        str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8"))
        for p in files
        if "__pycache__" not in p.parts
    }


MODULE_LINES = 600
"""About where a module starts to hold more than one idea; the Tensor op table (one block
per op, forward beside backward) is the one module allowed past it."""
CLASS_LINES = 210
"""About where a class starts to do several jobs. `Value` and `Tensor` are allowed past it:
a node type is its list of operations, one short method each, as in micrograd."""


def test_no_module_over_about_600_lines_but_the_op_table():
    sizes = {
        path: len((ROOT / path).read_text(encoding="utf-8").splitlines()) for path in _sources()
    }
    big = {path: n for path, n in sizes.items() if n > MODULE_LINES}
    assert big == {"autograd/tensor_ops.py": big.get("autograd/tensor_ops.py")}, big


def test_no_class_over_about_200_lines_but_the_node_types():
    big = {}
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno >= CLASS_LINES:
                big[f"{path}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert set(big) <= {"autograd/value.py:Value", "autograd/tensor.py:Tensor"}, big


def test_no_two_classes_share_a_name():
    seen: dict[str, list[str]] = {}
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(path)
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
