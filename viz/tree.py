"""`text_tree`: the graph as a Unicode tree for the REPL; no Graphviz needed."""

from __future__ import annotations

from autograd_scalar import Value


def text_tree(root: Value, precision: int = 6, max_depth: int | None = None) -> str:
    """The graph below `root`, one node a line: name, data, grad and the op that made it.

    A node used more than once is expanded the first time and marked "(above)" after,
    so shared subgraphs are not repeated. `max_depth` cuts deep graphs with "…".
    Iterative, so any depth prints.
    """
    computed = root.grad != 0.0
    lines: list[str] = []
    seen: set[Value] = set()
    # (node, prefix for this line, prefix for its children, depth)
    stack: list[tuple[Value, str, str, int]] = [(root, "", "", 0)]
    while stack:
        node, lead, child_lead, depth = stack.pop()
        text = f"{_name(node)} = {node.data:.{precision}g}"
        if computed:
            text += f"   grad {node.grad:.{precision}g}"
        if node in seen and node.parents:
            lines.append(lead + text + "   (above)")
            continue
        seen.add(node)
        if node.op:
            text += f"   ← {node.op}"
        lines.append(lead + text)
        if not node.parents:
            continue
        if max_depth is not None and depth >= max_depth:
            lines.append(child_lead + "└─ …")
            continue
        parents = node.parents
        for i in reversed(range(len(parents))):
            last = i == len(parents) - 1
            branch, indent = ("└─ ", "   ") if last else ("├─ ", "│  ")
            stack.append((parents[i], child_lead + branch, child_lead + indent, depth + 1))
    if not computed:
        lines.append("(gradients not computed yet: call backward() on the root)")
    return "\n".join(lines)


def _name(node: Value) -> str:
    if node.label:
        return node.label
    return f"({node.op})" if node.op else "leaf"
