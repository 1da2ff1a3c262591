"""How the project writes numbers, nodes and tables as text: one rule for each, shared.

The gradient check's error tables, the command line's answers and the pictures (DOT
records, the text tree, the animation's captions) all show the same things, so they show
them the same way. This sits in the core layer, the lowest, because every layer that
prints imports it; it needs only the standard library (and `Value`, for type checking).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd_scalar.core.value import Value


def format_number(x: float, precision: int, *, signed_zero: bool = True) -> str:
    """`x` to `precision` significant digits, in Python's ``g`` format: 220, not
    220.00000000000003; 1e+200; inf.

    With ``signed_zero=False`` negative zero is written ``0``: in a picture a minus sign
    on a zero gradient would read as a direction where there is none.
    """
    text = f"{x:.{precision}g}"
    return "0" if not signed_zero and text == "-0" else text


def display_name(node: Value) -> str:
    """What to call a node in a picture or a caption: its label, else the op that made it
    in parentheses, else ``leaf``."""
    if node.label:
        return node.label
    return f"({node.op})" if node.op else "leaf"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, rule: bool = True) -> str:
    """Rows of text cells under a header, in left-aligned columns two spaces apart, with
    trailing spaces cut. `rule` draws a line of dashes under the header (the error tables
    have one; the command line's answer has none, so its rows follow the header directly)."""
    lines = [header, *rows]
    widths = [max(len(line[c]) for line in lines) for c in range(len(header))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    if rule:
        text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)
