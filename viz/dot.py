"""`draw_dot`: a computation graph as Graphviz DOT, drawn the way backprop is taught.

Each Value is a record ``label | data | grad``; each operation is a small circle between
its operands and its result; values flow left to right. Node names come from the
topological order, never from ``id()``, so one graph always gives the same DOT text.
This module only reads the graph; it never changes a node.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial

import graphviz

from autograd_scalar import Value, topological_order
from autograd_scalar.core.text import format_number
from viz import colors
from viz.renderer import RendererError, dot_to_bytes

DEFAULT_MAX_NODES = 400
LAYOUT_POINTS_PER_NODE = 8
"""How many layout points (see `layout_points`) `max_nodes` allows per node."""

_OP_SYMBOLS = {"*": "×", "/": "÷", "-": "−", "neg": "−x"}


class GraphTooLargeError(ValueError):
    """The graph has more nodes than a picture can show; the message says what to do."""


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` that renders with the renderer `viz.render` finds.

    So it displays inline in Jupyter even where no system Graphviz is installed.
    """

    def _repr_image_svg_xml(self) -> str:
        return dot_to_bytes(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return dot_to_bytes(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        raise RendererError("JPEG is not offered; use SVG or PNG")


@dataclass(frozen=True)
class Style:
    """How to draw; every field is a `draw_dot` keyword argument."""

    rankdir: str = "LR"
    precision: int = 6
    local_grads: bool = False
    number_backward: bool = False
    highlight: Collection[Value] = field(default_factory=tuple)
    color_by_grad: bool = False
    max_nodes: int = DEFAULT_MAX_NODES


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    precision: int = 6,
    local_grads: bool = False,
    number_backward: bool = False,
    highlight: Iterable[Value] = (),
    color_by_grad: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> GraphPicture:
    """The graph that `root` was computed from, as a Graphviz digraph.

    rankdir: "LR" (left to right, as in the shop-receipt figure) or "TB".
    precision: significant digits shown (220, not 220.00000000000003).
    local_grads: write on each edge the local derivative times the upstream gradient and
        their product, the chain-rule step ``2 × 1.1 = 2.2``.
    number_backward: number the values in the order the backward pass visits them.
    highlight: Values to draw in gold.
    color_by_grad: fill values green (positive gradient) or red (negative), stronger for
        larger magnitudes.
    max_nodes: refuse larger graphs with `GraphTooLargeError`, which says what to do. A graph
        whose edges reach far back is refused too when its layout would place more than
        `LAYOUT_POINTS_PER_NODE` × max_nodes nodes and edge bends (see `layout_points`): such
        a graph of 300 nodes can keep the layout engine busy for minutes.

    Until ``root.backward()`` has run (root.grad is still 0), gradients show as "?" and the
    picture says they are not computed yet, rather than showing zeros as if they were results.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    style = Style(rankdir, precision, local_grads, number_backward, tuple(highlight), color_by_grad, max_nodes)
    return build(root, style)


def build(root: Value, style: Style, revealed: int | None = None) -> GraphPicture:
    """The picture; with `revealed`, only the first `revealed` nodes in backward order show
    their gradients and the last of them is highlighted (a frame of the animation)."""
    order = topological_order(root)
    if len(order) > style.max_nodes:
        raise GraphTooLargeError(
            f"the graph has {len(order):,} nodes, more than max_nodes={style.max_nodes}: a picture that "
            f"large is unreadable and slow to lay out. {_ADVICE.format(needed='')}"
        )
    points = layout_points(order)
    allowed = LAYOUT_POINTS_PER_NODE * style.max_nodes
    if points > allowed:
        needed = -(-points // LAYOUT_POINTS_PER_NODE)
        raise GraphTooLargeError(
            f"the graph has {len(order):,} nodes, but its edges reach so far back that a layout must place about "
            f"{points:,} nodes and edge bends, more than the {allowed:,} that max_nodes={style.max_nodes} allows "
            f"({LAYOUT_POINTS_PER_NODE} per node): that can take the layout engine minutes. "
            f"{_ADVICE.format(needed=needed)}"
        )
    name = {node: f"v{i}" for i, node in enumerate(order)}
    backward_rank = {node: len(order) - i for i, node in enumerate(order)}
    computed = root.grad != 0.0
    shown_grad = computed if revealed is None else True
    current = None if revealed is None else order[len(order) - revealed]
    highlighted = set(style.highlight) | ({current} if current is not None else set())
    largest = max((abs(n.grad) for n in order), default=0.0) or 1.0
    fmt = partial(format_number, precision=style.precision, signed_zero=False)

    def grad_known(node: Value) -> bool:
        if revealed is None:
            return computed
        return backward_rank[node] <= revealed

    dot = GraphPicture(name="computation_graph")
    dot.attr(rankdir=style.rankdir, fontname="Helvetica", fontsize="11")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    if not shown_grad:
        dot.attr(label="gradients not computed yet: call backward() on the root", labelloc="t")

    for node in order:
        fields = [_escape(node.label) if node.label else "", f"data {fmt(node.data)}"]
        fields.append(f"grad {fmt(node.grad)}" if grad_known(node) else "grad ?")
        if style.number_backward:
            fields.insert(0, f"#{backward_rank[node]}")
        record = " | ".join(f for f in fields if f)
        attrs = {"shape": "record", "label": "{ " + record + " }" if style.rankdir in ("LR", "RL") else record}
        fill = _fill(node, style, highlighted, grad_known(node), largest)
        if fill:
            attrs.update(style="filled", fillcolor=fill)
        dot.node(name[node], **attrs)
        if node.op:
            op_name = name[node] + "_op"
            dot.node(op_name, label=_escape(_OP_SYMBOLS.get(node.op, node.op)), shape="circle", width="0.3")
            dot.edge(op_name, name[node])
            partials = node.local_grads()
            for parent, local in zip(node.parents, partials, strict=True):
                label = _edge_label(local, node.grad, fmt, grad_known(node)) if style.local_grads else None
                dot.edge(name[parent], op_name, **({"label": label} if label else {}))
    return dot


_ADVICE = (
    "Draw a smaller part (the loss of one sample, one neuron), pass max_nodes={needed} to draw it anyway, "
    "or print viz.text_tree(root, max_depth=4)."
)


def layout_points(order: list[Value]) -> int:
    """How many points a Graphviz `dot` layout of this graph places: its nodes and edge bends.

    `dot` puts every node on a rank and routes an edge that spans k + 1 ranks through k
    invisible nodes, one per rank it crosses. Its last pass solves one network-simplex problem
    over all of these, and that pass's time grows faster than the square of their number
    (graphviz-pure: about the 2.6th power). So a few hundred nodes whose edges reach far back
    (values reused by many later operations) can take minutes, while a chain of the same
    size takes milliseconds: the number of nodes alone does not say what a layout costs.

    `dot` ranks nodes to make the total edge length as small as it can; this counts the bends
    of two simple rankings and returns the smaller, so it is at least `dot`'s count: values as
    early as their operands allow (each input just before its first use), and values as late
    as their uses allow. `order` is ``topological_order(root)``, root last. A value is one rank
    after its op's circle, which is at least one rank after each operand.
    """
    users: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    early: dict[Value, int] = {}  # the rank of a value; its op's circle is one rank before
    for node in order:
        early[node] = max((early[p] + 2 for p in node.parents), default=0)
    for node in order:
        if not node.parents and node in users:
            early[node] = min(early[u] for u in users[node]) - 2
    late: dict[Value, int] = {}
    for node in reversed(order):
        late[node] = min((late[u] - 2 for u in users.get(node, ())), default=0)
    circles = sum(1 for node in order if node.parents)
    bends = min(sum(rank[node] - rank[p] - 2 for node in order for p in node.parents) for rank in (early, late))
    return len(order) + circles + bends


def _edge_label(local: float, upstream: float, fmt: Callable[[float], str], known: bool) -> str:
    if not known:
        return f"local {fmt(local)}"
    return f"{fmt(local)} × {fmt(upstream)} = {fmt(local * upstream)}"


def _fill(node: Value, style: Style, highlighted: set[Value], known: bool, largest: float) -> str | None:
    if node in highlighted:
        return colors.HIGHLIGHT
    if not (style.color_by_grad and known) or node.grad == 0.0:
        return None
    return colors.gradient_fill(node.grad, largest)


def _escape(text: str) -> str:
    """Escape the characters that mean something inside a record label."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text
