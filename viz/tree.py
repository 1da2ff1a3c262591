"""`text_tree`: the graph as a Unicode tree for the REPL; no Graphviz needed.

Output grows linearly with the graph. Two things would make it grow faster, and both are
cut off: a shared node is expanded once and referred to afterwards, and indentation never
goes deeper than `SECTION_DEPTH` levels. A deeper node's operands continue in a numbered
section of their own, starting again at the left margin, so a 10,000-term ``sum`` (a chain
10,000 deep) prints in lines of bounded width instead of lines 30,000 characters wide.
"""

from __future__ import annotations

from collections import deque

from autograd_scalar import Value, topological_order
from autograd_scalar.core.text import display_name, format_number
from viz.dot import DEFAULT_MAX_NODES, sum_start

SECTION_DEPTH = 16
"""Levels of indentation (3 columns each) a section may use before it continues in another."""


def text_tree(root: Value, precision: int = 6, max_depth: int | None = None, max_nodes: int = DEFAULT_MAX_NODES) -> str:
    """The graph below `root`, one node a line: name, data, grad and the op that made it.

    A node used more than once is expanded the first time and marked "(above)" after,
    so shared subgraphs are not repeated. `max_depth` cuts deep graphs with "…". A node
    `SECTION_DEPTH` levels down that has operands is marked "(operands in [k] below)", and
    section ``[k]`` repeats it at the left margin and goes on from there, so lines stay
    short however deep the graph is. Iterative, so any depth prints.

    At most `max_nodes` different nodes are shown (the same default as `draw_dot`); a larger
    graph ends with a line saying how many nodes were left out and how to see them, because
    a REPL that prints a million lines is as unusable as one that prints nothing.
    """
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int (how many nodes to print at most), got {max_nodes!r}")
    computed = root.grad != 0.0
    lines: list[str] = []
    # A node already shown: None if its operands are listed under it, k if in section [k].
    shown: dict[Value, int | None] = {}
    # Nodes whose operands continue in a section of their own: (node, section number, depth).
    sections: deque[tuple[Value, int, int]] = deque()

    def describe(node: Value) -> str:
        if node.is_constant:
            return f"{format_number(node.data, precision)} (constant)"
        text = f"{display_name(node)} = {format_number(node.data, precision)}"
        if computed:
            text += f"   grad {format_number(node.grad, precision)}"
        return text

    # (node, prefix for this line, prefix for its children, depth in the graph, depth in the section)
    stack: list[tuple[Value, str, str, int, int]] = [(root, "", "", 0, 0)]
    truncated = False
    sections_made = 0
    while stack or sections:
        if not stack:
            node, number, depth = sections.popleft()
            lines.append("")
            lines.append(f"[{number}] {describe(node)}   ← {node.op}")
            _push_operands(stack, node, "", depth, 0)
            continue
        node, lead, child_lead, depth, level = stack.pop()
        text = describe(node)
        if node in shown and node.parents:
            section = shown[node]
            lines.append(lead + text + ("   (above)" if section is None else f"   (see [{section}])"))
            continue
        if node not in shown:
            if len(shown) == max_nodes:
                truncated = True
                break
            shown[node] = None
        if node.op:
            text += f"   ← {node.op}"
        if node.parents and (max_depth is None or depth < max_depth) and level == SECTION_DEPTH:
            number = sections_made = sections_made + 1
            shown[node] = number
            sections.append((node, number, depth))
            lines.append(lead + text + f"   (operands in [{number}] below)")
            continue
        lines.append(lead + text)
        if not node.parents:
            continue
        if max_depth is not None and depth >= max_depth:
            lines.append(child_lead + "└─ …")
            continue
        _push_operands(stack, node, child_lead, depth, level)
    if truncated:
        total = len(topological_order(root))
        lines.append(
            f"… stopped at max_nodes={max_nodes}: {total - len(shown):,} of the graph's {total:,} nodes are not "
            f"shown. Pass max_nodes={total} to print them all, or max_depth= to print only the top levels."
        )
    if not computed:
        lines.append("(gradients not computed yet: call backward() on the root)")
    return "\n".join(lines)


def _push_operands(
    stack: list[tuple[Value, str, str, int, int]], node: Value, lead: str, depth: int, level: int
) -> None:
    """Push `node`'s operands so that the first comes off the stack first (leaving out the
    0 a ``sum()`` starts from)."""
    parents = [p for p in node.parents if not sum_start(p, [node])]
    for i in reversed(range(len(parents))):
        last = i == len(parents) - 1
        branch, indent = ("└─ ", "   ") if last else ("├─ ", "│  ")
        stack.append((parents[i], lead + branch, lead + indent, depth + 1, level + 1))
