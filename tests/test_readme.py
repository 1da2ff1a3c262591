"""The README's examples are true: its REPL sessions run as doctests."""

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
PACKAGE = README.parent / "autograd_scalar"


def test_readme_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


ADDED_OP_CHECK = """
import math
import autograd_scalar as ag
from autograd_scalar.app.expression import FUNCTIONS
from autograd_scalar.testing import DEFAULT_OPS, sympy_table

x = ag.Value(0.4)
assert abs(ag.logcosh(0.4) - math.log(math.cosh(0.4))) < 1e-15  # exported, a float for a number
assert ag.logcosh(800.0) == 800.0 - math.log(2.0)               # and no overflow
y = ag.logcosh(x)
y.backward()
assert abs(x.grad - math.tanh(0.4)) < 1e-16                     # its rule: tanh
for t in (-40.0, -1.0, 0.3, 5.0):
    assert ag.gradcheck(lambda v: ag.logcosh(v), t)
assert ag.check_local_grads(ag.logcosh(x) * 2) == 3
assert FUNCTIONS["logcosh"] is ag.logcosh                       # the command line knows it
assert "logcosh" in {spec.name for spec in DEFAULT_OPS}         # the strategies draw it
assert "logcosh" in sympy_table()                                # the oracle translates it
step = ag.compile(lambda v: ag.logcosh(v) * v)
assert step(0.7) == ag.value_and_grad(lambda v: ag.logcosh(v) * v, argnums=(0,))(0.7)
assert "logcosh(a0)" in step.source and "op" not in step.source  # written inline
print("ok")
"""


def test_readme_recipe_for_adding_an_op_is_one_row(tmp_path):
    """The 'Adding an op' row, pasted into a copy of the op table, is all it takes: the op
    is exported, parsed, drawn by the strategies, translated for SymPy and inlined by compile."""
    text = README.read_text()
    start = text.index("# in autograd_scalar/core/ops.py")
    snippet = text[start : text.index("```", start)]
    copy = tmp_path / "autograd_scalar"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    table = copy / "core" / "ops.py"
    source = table.read_text()
    table.write_text(source.replace("# fmt: on\n", snippet + "# fmt: on\n", 1))
    result = subprocess.run(
        [sys.executable, "-c", ADDED_OP_CHECK],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_readme_property_test_for_your_own_op_runs_and_passes():
    """The 'Property-testing your own op' snippet, including its SymPy counterpart, works."""
    from autograd_scalar.testing import sympy_table

    text = README.read_text()
    start = text.index("```python", text.index("## Property-testing your own op")) + len("```python")
    namespace: dict = {}
    exec(text[start : text.index("```", start)], namespace)
    namespace["test_logcosh_in_random_graphs"]()  # Hypothesis runs its examples here
    assert sympy_table((namespace["spec"],))["logcosh"] is namespace["spec"].sympy
