"""The engine stands alone: only the standard library, never viz or graphviz."""

import subprocess
import sys

ENGINE_MODULES = [
    "autograd_scalar",
    "autograd_scalar.value",
    "autograd_scalar.ops",
    "autograd_scalar.backprop",
    "autograd_scalar.functional",
    "autograd_scalar.check",
    "autograd_scalar.mode",
]


def imported_after(module: str) -> set[str]:
    code = (
        "import sys; before = set(sys.modules); import " + module + "; "
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_engine_imports_only_the_standard_library():
    stdlib = set(sys.stdlib_module_names)
    for module in ENGINE_MODULES:
        foreign = {m for m in imported_after(module) if m.split(".")[0] not in stdlib | {"autograd_scalar"}}
        assert not foreign, f"{module} imports {sorted(foreign)}"


def test_engine_never_loads_viz_or_graphviz():
    loaded = imported_after("autograd_scalar")
    assert not {m for m in loaded if m.split(".")[0] in {"viz", "graphviz"}}
