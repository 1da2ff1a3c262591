"""MkDocs hook: the API reference's table of ops, read off the op table at build time.

Every public row of `autograd_scalar.core.ops` is exported as ``autograd_scalar.NAME``;
adding an op is one row there, so the reference lists them from the table itself rather
than from a copy that could drift. A page asks for the table with the line
``<!-- ops table -->``. Each op's name carries the anchor ``autograd_scalar.NAME``, the
form mkdocstrings gives the package's other public names.
"""

from __future__ import annotations

import html
from typing import Any

MARKER = "<!-- ops table -->"


def _operands(op: Any) -> str:
    """How the op is called: its operands, and the plain-number parameters of the three
    rows that take some (each has a class of its own, whose docstring says so)."""
    special = {
        "leaky_relu": "x, negative_slope=0.01",
        "clip": "x, low=-1.0, high=1.0",
        "where": "condition, a, b",
    }
    if op.name in special:
        return special[op.name]
    return {1: "x", 2: "a, b"}[op.arity]


def _summary(op: Any) -> str:
    """The first paragraph of the docstring of the op's own class (for the rows that have one)."""
    return " ".join((type(op).__doc__ or "").split("\n\n")[0].split())


def table() -> str:
    from autograd_scalar.core.op import Op
    from autograd_scalar.core.ops import PUBLIC

    rows = ["| op | called as | in compiled replay |", "|---|---|---|"]
    notes = []
    for name, op in PUBLIC.items():
        anchor = f'<code id="autograd_scalar.{name}">{name}</code>'
        inlined = "written inline" if op.replay is not None else "called"
        rows.append(f"| {anchor} | `{name}({_operands(op)})` | {inlined} |")
        if type(op) is not Op:
            notes.append(f"* `{name}`: {html.escape(_summary(op))}")
    return "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, table())
    return markdown
