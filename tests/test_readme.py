"""The README's examples are true: its REPL sessions run as doctests. (The recipes that used
to live in it, adding an op and property-testing it, are checked from their guide pages in
test_docs.py.)"""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
