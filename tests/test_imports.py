"""The layers the folder tree shows, enforced on every module's imports.

core (`autograd_scalar/core/`) → services on the core (the other top-level modules of
`autograd_scalar`: transforms, checks, compile, strategies, and the package's public
face) → `nn` → `viz` → the application layer (`autograd_scalar/app/`: command line,
demo, expression parser), the only place that joins the engine and the pictures. A module
may import its own layer and the layers below, never one above, and no import cycle is
allowed anywhere. The graph is read from the source with `ast` (imports inside functions
count; those under ``if TYPE_CHECKING:`` do not run, so they do not), over every module
found on disk, so a new module is covered the day it is added.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd_scalar", "viz")
LAYERS = ("core", "services", "nn", "viz", "app")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "viz":
        return "viz"
    if len(parts) > 1 and parts[1] in ("core", "nn", "app"):
        return parts[1]
    if parts[-1] == "__main__":
        return "app"
    return "services"


def runtime_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` imports when it runs."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: runtime_imports(path, name, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{importer} ({layer(importer)}) imports {imported} ({layer(imported)})"
        for importer, targets in sorted(graph.items())
        for imported in sorted(targets)
        if LAYERS.index(layer(imported)) > LAYERS.index(layer(importer))
    ]


def test_every_module_is_in_the_graph():
    graph = import_graph()
    assert len(graph) == len(list((ROOT / "autograd_scalar").rglob("*.py")) + list((ROOT / "viz").rglob("*.py")))
    assert {"autograd_scalar.core.value", "autograd_scalar.app.cli", "viz.dot"} <= set(graph)


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports(import_graph()) == []


def test_there_is_no_import_cycle():
    assert find_cycle(import_graph()) is None


# The checks themselves must be able to fail: fed a graph with the faults, they find them.
def test_the_checks_catch_a_cycle_and_an_upward_import():
    graph = {"autograd_scalar.core.value": {"autograd_scalar.core.ops"}, "autograd_scalar.core.ops": set()}
    assert find_cycle(graph) is None
    graph["autograd_scalar.core.ops"] = {"autograd_scalar.core.value"}
    assert find_cycle(graph) == ["autograd_scalar.core.ops", "autograd_scalar.core.value", "autograd_scalar.core.ops"]
    assert upward_imports({"autograd_scalar.core.value": {"viz.dot"}, "viz.dot": set()}) == [
        "autograd_scalar.core.value (core) imports viz.dot (viz)"
    ]


def test_type_checking_imports_do_not_count_but_function_imports_do(tmp_path):
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import viz\ndef f():\n    import viz.dot\n"
    path = tmp_path / "m.py"
    path.write_text(source)
    assert runtime_imports(path, "autograd_scalar.m", {"viz", "viz.dot"}) == {"viz.dot"}


def imported_after(module: str) -> set[str]:
    code = (
        f"import sys; before = set(sys.modules); import {module}; print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


# The strategies module is the one service that needs more: Hypothesis, from the [test] extra.
OWN_NEEDS = {
    "autograd_scalar.testing": {
        "hypothesis",
        "_hypothesis_globals",
        "sortedcontainers",
        "attr",
        "exceptiongroup",
        "typing_extensions",
    }
}


@pytest.mark.parametrize("module", [m for m in all_modules() if layer(m) in ("core", "services")])
def test_the_engine_imports_only_the_standard_library(module):
    allowed = set(sys.stdlib_module_names) | {"autograd_scalar"} | OWN_NEEDS.get(module, set())
    loaded = {m for m in imported_after(module) if not m.startswith("_sysconfigdata")}  # the stdlib's own
    foreign = {m for m in loaded if m.split(".")[0] not in allowed}
    assert not foreign, f"{module} imports {sorted(foreign)}"


def numpy_imports(path: Path) -> list[str]:
    """Where `path` imports NumPy when it runs: "module" (at import time) or "function"."""
    found: list[str] = []

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        if any(n.split(".")[0] == "numpy" for n in names):
            found.append(where)
        inside = "function" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else where
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text(), str(path)), "module")
    return found


def test_numpy_is_imported_only_by_the_batch_module_when_a_batch_runs():
    """NumPy (the [fast] extra) serves `Compiled.batch` alone: one module imports it, inside
    a function, so importing any module of the engine still loads only the standard library."""
    found = {name: numpy_imports(path) for name, path in all_modules().items()}
    assert {name: where for name, where in found.items() if where} == {"autograd_scalar.batch": ["function"]}


def test_the_numpy_rule_sees_module_level_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import numpy as np\nif TYPE_CHECKING:\n    import numpy\ndef f():\n    from numpy import array\n")
    assert numpy_imports(path) == ["module", "function"]


def test_the_engine_never_loads_viz_or_graphviz():
    loaded = imported_after("autograd_scalar")
    assert not {m for m in loaded if m.split(".")[0] in {"viz", "graphviz"}}


def test_importing_viz_changes_nothing_outside_it():
    code = (
        "import sys, types; ip = types.ModuleType('IPython'); calls = [];"
        "ip.get_ipython = lambda: calls.append(1); sys.modules['IPython'] = ip;"
        "import viz; print(len(calls))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"  # it did not even look for a Jupyter shell
