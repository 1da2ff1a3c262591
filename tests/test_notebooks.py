"""The tutorial notebooks run from a clean state and print the source articles' numbers.

Each notebook in examples/notebooks is executed top to bottom in a fresh kernel (the python3
kernel of this interpreter), in an empty temporary folder, by the same function the
documentation build uses (docs/hooks/notebooks.py). Its outputs must hold the numbers the
article printed, as the notebook prints them. The committed files hold no outputs at all,
so the repository never carries stale numbers.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "examples" / "notebooks"


def _load_hook():
    spec = importlib.util.spec_from_file_location("docs_hooks_notebooks", ROOT / "docs" / "hooks" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()

# What each notebook must print, in the form it prints it. The articles' values: seed 004
# (the receipt), 001 (the 2-2-2 network, with the exact and the article's one-step error
# and both 10,000-step results), 002 (the linear 2-2-1 network). Seed 000 and 003 give no
# numbers; their notebooks must show the reuse and the agreement they are about.
KEY_OUTPUTS = {
    "01_shop_receipt": [
        "price = 220\n",
        "∂price/∂apple = 2.2\n",
        "∂price/∂apple count = 110\n",
        "∂price/∂tax = 200\n",
        "price = 715\n",
        "∂price/∂orange = 3.3\n",
        "∂price/∂orange count = 165\n",
        "∂price/∂tax = 650\n",
        "gradcheck: True",
    ],
    "02_chain_rule": [
        "(shown above, path 1 of ∂E/∂w5)",
        "(shown above, path 1 of ∂E/∂w4)",
        "(shown above, path 1 of ∂E/∂w3)",
    ],
    "03_training_by_hand": [
        "outputs 0.75136507 / 0.772928465",
        "E = 0.298371109",
        "E after one step = 0.291027774",
        "E after one step, output layer first = 0.291027924",
        "output layer first:  outputs 0.015912196 / 0.984065734   E = 0.000035085",
        "gradient descent:    outputs 0.015913620 / 0.984064274   E = 0.000035102",
    ],
    "04_softmax_and_a_linear_network": [
        "t = 4\n",
        "y = 5.05, E = 0.55125",
        "∂E/∂w5 = (y − t) · h1 = 1.05 × 1.25 = 1.3125",
        "w1' = 0.395\n",
        "w2' = 1.4475\n",
        "w3' = 2.195\n",
        "w4' = 2.9475\n",
        "w5' = 0.86875\n",
        "w6' = 0.601\n",
        "y' = 3.1768, E' = 0.3388",
    ],
    "05_the_delta_view": [
        "BP1–BP4 and backward() agree on all 26 gradients: True",
    ],
    "06_moons_and_spirals": [
        "History(epochs=30, loss=0, accuracy=1)",
        "fit: 100%",  # the progress bar reaches the cell (no ipywidgets here: the text bar)
        "History(epochs=40, loss=0.11158, accuracy=0.9667)",
        "the same outputs on every point: True",
    ],
}


@cache
def executed(name: str) -> nbformat.NotebookNode:
    """The notebook `name` (its file name without .ipynb), run from a clean state; once per
    test session (tests/test_docs.py builds the site from these copies too)."""
    return hook.execute(NOTEBOOKS / f"{name}.ipynb")


def text(notebook: nbformat.NotebookNode) -> str:
    """What the notebook printed and showed as text: streams and results' plain text, in order."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                found.append(output.text)
            elif "text/plain" in output.get("data", {}):
                found.append(output.data["text/plain"])
    return "".join(found)


def shown(notebook: nbformat.NotebookNode, mime: str) -> list[str]:
    """The results (displays and cell values) that have a `mime` representation."""
    return [o.data[mime] for c in notebook.cells for o in c.get("outputs", []) if mime in o.get("data", {})]


def test_every_notebook_has_its_key_outputs_listed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(KEY_OUTPUTS)
    assert [p.stem for p in hook.sources()] == sorted(KEY_OUTPUTS)


@pytest.mark.parametrize("name", sorted(KEY_OUTPUTS))
def test_committed_notebook_holds_no_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell was saved with its outputs"
            assert cell.execution_count is None, f"{name}: a cell was saved with an execution count"


@pytest.mark.parametrize("name", sorted(KEY_OUTPUTS))
def test_notebook_runs_and_prints_the_articles_numbers(name):
    notebook = executed(name)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    printed = text(notebook)
    missing = [key for key in KEY_OUTPUTS[name] if key not in printed]
    assert missing == [], f"{name} did not print {missing}"


def test_receipt_draws_its_graphs_and_animates_backward():
    notebook = executed("01_shop_receipt")
    assert len(shown(notebook, "image/svg+xml")) == 3
    animations = [html for html in shown(notebook, "text/html") if "backward-animation" in html]
    assert len(animations) == 1
    assert "Step 1 of 5" in animations[0]


def test_chain_rule_rebuilds_each_delta_from_the_next():
    """The table's δ column equals the δ rebuilt from the one after it, and ∂E/∂w = δ · a."""
    printed = text(executed("02_chain_rule"))
    rows = re.findall(r"^ ([2-4]) +(\S+) +(\S+) +(\S+) +(\S+)$", printed, re.MULTILINE)
    assert [row[0] for row in rows] == ["4", "3", "2"]
    for _, delta, rebuilt, gradient, product in rows:
        assert delta == rebuilt and gradient == product
    counts = re.findall(r"^ +(\d+) +(\d+) +(\d+)$", printed, re.MULTILINE)
    assert [tuple(map(int, c)) for c in counts][0] == (4, 20, 11)  # the article's chain of four


def test_delta_view_has_the_per_layer_explain_cell():
    notebook = executed("05_the_delta_view")
    marked = [c for c in notebook.cells if "per-layer-explain" in c.metadata.get("tags", [])]
    assert len(marked) == 1
    printed = "".join(o.text for o in marked[0].outputs if o.output_type == "stream")
    assert "BP2: δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)" in printed
    assert "Checked against the engine" in printed


def test_training_notebook_draws_regions_and_loss_curves():
    assert len(shown(executed("06_moons_and_spirals"), "image/png")) == 4


def test_notebooks_run_on_this_interpreter(tmp_path):
    """The kernel is this interpreter's python3 (the virtual environment's), in an empty folder."""
    probe = nbformat.v4.new_notebook()
    probe.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    probe.cells = [nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.listdir('.'))")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(probe, path)
    executable, listing = hook.execute(path).cells[0].outputs[0].text.splitlines()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert listing == "[]"
