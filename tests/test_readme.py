"""The README's examples are true: its REPL sessions run as doctests."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


def test_readme_recipe_for_adding_an_op_works():
    """The 'Adding an op' snippet, run in the op table's own namespace, gives a correct op."""
    import autograd_scalar as ag
    from autograd_scalar import ops

    text = README.read_text()
    start = text.index("# in autograd_scalar/ops.py")
    snippet = text[start : text.index("```", start)]
    namespace = dict(vars(ops))
    exec(snippet, namespace)
    softplus = namespace["softplus"]
    assert softplus(0.0) == __import__("math").log(2.0)
    for x in (-40.0, -1.0, 0.3, 5.0, 800.0):
        assert ag.gradcheck(lambda t: softplus(t), x)
    assert ag.check_local_grads(softplus(ag.Value(0.4)) * 2) == 3


def test_readme_property_test_for_your_own_op_runs_and_passes():
    """The 'Property-testing your own op' snippet, including its SymPy counterpart, works."""
    from autograd_scalar.testing import sympy_table

    text = README.read_text()
    start = text.index("```python", text.index("## Property-testing your own op")) + len("```python")
    namespace: dict = {}
    exec(text[start : text.index("```", start)], namespace)
    namespace["test_softplus_in_random_graphs"]()  # Hypothesis runs its examples here
    assert sympy_table((namespace["spec"],))["softplus"] is namespace["spec"].sympy
