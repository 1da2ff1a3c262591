"""`draw_dot`: a computation graph as Graphviz DOT, drawn the way backprop is taught.

Each Value is a record ``label | data | grad``; each operation is a small circle between
its operands and its result; values flow left to right. Node names come from the
topological order, never from ``id()``, so one graph always gives the same DOT text.
This module only reads the graph; it never changes a node.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import graphviz

from autograd_scalar import Value, topological_order
from autograd_scalar.core.text import format_number
from viz.colors import HIGHLIGHT, gradient_fill
from viz.renderer import RendererError, dot_to_bytes, find_renderer

DEFAULT_MAX_NODES = 400
LAYOUT_POINTS_PER_NODE = 8
"""How many layout points (see `layout_points`) `max_nodes` allows per node."""

_OP_SYMBOLS = {"*": "×", "/": "÷", "-": "−", "neg": "−x"}


class GraphTooLargeError(ValueError):
    """The graph has more nodes than a picture can show; the message says what to do."""


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` whose `render`, `pipe` and Jupyter display need no system Graphviz.

    micrograd's notebook teaches ``draw_dot(root).render(...)``; on a machine without
    Graphviz's `dot` that would fail with `graphviz.ExecutableNotFound`. With the system `dot`
    on PATH, `render` and `pipe` are graphviz's own (every format, engine and viewer it
    offers). Without it they go through the bundled graphviz-pure, which lays out with `dot`
    and writes SVG (the default format) and PNG; anything else is refused with a
    `RendererError` saying what to install. Both take `dpi`, the resolution of a PNG
    (Graphviz's default is 96; 300 prints sharply).
    """

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
        dpi: float | None = None,
    ) -> bytes | str:
        """The picture as bytes (or text, given `encoding`) in `format` ("svg" unless set)."""
        picture = at_resolution(self, dpi)
        if _system_dot():
            return graphviz.Digraph.pipe(
                picture, format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding
            )
        fmt = _bundled_format(format or self.format, engine, renderer, formatter, neato_no_op)
        data = dot_to_bytes(picture.source, fmt, "graphviz-pure")
        return data if encoding is None else data.decode(encoding)

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
        dpi: float | None = None,
    ) -> str:
        """Save the DOT source and the picture beside it, as graphviz's `render` does; returns
        the picture's path (``computation_graph.gv.svg`` unless told otherwise)."""
        picture = at_resolution(self, dpi)
        if _system_dot():
            return graphviz.Digraph.render(
                picture, filename, directory, view, cleanup, format, renderer, formatter, neato_no_op, quiet,
                quiet_view, outfile=outfile, engine=engine, raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )  # fmt: skip
        target = None if outfile is None else Path(outfile)
        if target is not None:
            format = format or target.suffix.lstrip(".")
            if directory is None:
                target = Path(self.directory, target)
            if filename is None:
                filename = target.with_suffix(".gv")
        fmt = _bundled_format(format or self.format, engine, renderer, formatter, neato_no_op)
        source = Path(picture.save(filename, directory=directory))
        target = target or source.with_name(f"{source.name}.{fmt}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"{target} exists already (raise_if_result_exists=True)")
        target.write_bytes(dot_to_bytes(picture.source, fmt, "graphviz-pure"))
        if cleanup:
            source.unlink()
        if view or quiet_view:
            graphviz.view(target, quiet=quiet_view)
        return str(target)

    def _repr_image_svg_xml(self) -> str:
        return dot_to_bytes(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return dot_to_bytes(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        raise RendererError("JPEG is not offered; use SVG or PNG")


def at_resolution(picture: GraphPicture, dpi: float | None) -> GraphPicture:
    """`picture` itself, or with `dpi` a copy drawn at that resolution (dots per inch)."""
    if dpi is None:
        return picture
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 1 <= dpi <= 2400:
        raise ValueError(f"dpi must be a number of dots per inch from 1 to 2400 (96 is the default), got {dpi!r}")
    copy = picture.copy()
    copy.attr(dpi=f"{dpi:g}")
    return copy


def _system_dot() -> bool:
    try:
        find_renderer("dot")
    except RendererError:
        return False
    return True


def _bundled_format(
    fmt: str, engine: str | None, renderer: str | None, formatter: str | None, neato_no_op: bool | int | None
) -> str:
    """The format to ask graphviz-pure for; what it cannot do is refused by name."""
    needs = "this needs the system Graphviz (apt install graphviz, brew install graphviz, https://graphviz.org/download/)"
    if engine not in (None, "dot"):
        raise RendererError(f"layout engine {engine!r}: the bundled graphviz-pure lays out with 'dot' only; {needs}")
    if renderer is not None or formatter is not None or neato_no_op:
        raise RendererError(f"renderer, formatter and neato_no_op are options of the system Graphviz; {needs}")
    if fmt not in ("svg", "png"):
        raise RendererError(f"format {fmt!r}: the bundled graphviz-pure writes svg and png; {needs}")
    return fmt


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
    # What `number_backward` writes: the place among the values drawn as records (a
    # constant gets no number), which is also the animation's step.
    values = [node for node in reversed(order) if not node.is_constant]
    number = {node: k for k, node in enumerate(values, start=1)}
    computed = root.grad != 0.0
    shown_grad = computed if revealed is None else True
    current = None if revealed is None else order[len(order) - revealed]
    chosen = set(style.highlight)  # a set: by identity (a tuple's `in` would compare numbers)
    highlighted = chosen | ({current} if current is not None else set())
    largest = max((abs(n.grad) for n in order), default=0.0) or 1.0
    fmt = partial(format_number, precision=style.precision, signed_zero=False)

    def grad_known(node: Value) -> bool:
        if revealed is None:
            return computed
        return backward_rank[node] <= revealed

    dot = GraphPicture(name="computation_graph", format="svg")
    dot.attr(rankdir=style.rankdir, fontname="Helvetica", fontsize="11")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="10")
    if not shown_grad:
        dot.attr(label="gradients not computed yet: call backward() on the root", labelloc="t")

    users: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    drawn = [node for node in order if not (node in users and sum_start(node, users[node]))]
    groups = Groups(drawn, users)
    statements: dict[str, list[tuple[str, dict[str, str]]]] = {}  # group name -> its nodes
    edges: list[tuple[str, str, dict[str, str]]] = []  # written after the nodes, outside any cluster

    def add(group: str, node_name: str, **attrs: str) -> None:
        statements.setdefault(group, []).append((node_name, attrs))

    for node in drawn:
        group = groups.of(node)
        if node.is_constant:
            add(group, name[node], label=fmt(node.data), shape="plaintext")
            continue
        fields = [_escape(node.label) if node.label else "", f"data {fmt(node.data)}"]
        fields.append(f"grad {fmt(node.grad)}" if grad_known(node) else "grad ?")
        if style.number_backward:
            fields.insert(0, f"#{number[node]}")
        record = " | ".join(f for f in fields if f)
        attrs = {"shape": "record", "label": "{ " + record + " }" if style.rankdir in ("LR", "RL") else record}
        fill = _fill(node, style, highlighted, grad_known(node), largest)
        if fill:
            attrs.update(style="filled", fillcolor=fill)
        if node in chosen:  # a cue besides colour: gold and a light vermillion look alike to some
            attrs.update(penwidth="2.5")
        add(group, name[node], **attrs)
        if not node.op:
            continue
        op_name = name[node] + "_op"
        add(group, op_name, label=_escape(_OP_SYMBOLS.get(node.op, node.op)), shape="circle", width="0.3")
        edges.append((op_name, name[node], {}))
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads(), strict=True)):
            if sum_start(parent, [node]):
                continue
            if not style.local_grads:
                edges.append((name[parent], op_name, {}))
                continue
            # The chain-rule step sits in a small box on its own edge, so that no label is
            # ever read as belonging to the edge beside it.
            step = f"{op_name}_in{i}"
            label = _edge_label(local, node.grad, fmt, grad_known(node))
            add(group, step, label=label, **_STEP_BOX)
            edges.append((name[parent], step, {"arrowhead": "none"}))
            edges.append((step, op_name, {}))
    groups.draw(dot, statements)
    for tail, head, attrs in edges:
        dot.edge(tail, head, **attrs)
    return dot


_STEP_BOX = {
    "shape": "box",
    "style": "rounded",
    "color": "#767676",
    "fontsize": "10",
    "height": "0.2",
    "margin": "0.06,0.02",
}
"""A chain-rule step on an edge: a small rounded box (its border #767676 has 4.5:1 contrast on white)."""


def sum_start(node: Value, users: Iterable[Value]) -> bool:
    """Whether `node` is the 0 that ``sum()`` starts from: a constant 0 that `users` add to
    something. It changes neither a value nor a gradient, and drawn it would be a stray
    ``0`` box in every picture of a sum, so pictures leave it out."""
    return node.is_constant and node.data == 0.0 and all(u.op == "+" for u in users)


class Groups:
    """The parts a picture boxes together, read from dotted labels.

    A label such as ``L0.N1.w0`` (what `nn` gives a parameter) puts its node in the groups
    ``L0`` and ``L0.N1``: layer 0 and its neuron 1. An unlabelled node belongs to a group
    when it lies on a path between two of the group's labelled nodes (the products and
    partial sums inside a neuron, between its weights and its ``L0.N1.z``); it is drawn in
    the innermost such group. Groups become nested Graphviz clusters, named by their label.
    """

    def __init__(self, order: list[Value], users: dict[Value, list[Value]]) -> None:
        self.parent_of: dict[str, str] = {}
        named: dict[str, list[Value]] = {}
        self.home: dict[Value, str] = {}
        for node in order:
            prefixes = _prefixes(node.label)
            for i, inner in enumerate(prefixes):
                self.parent_of[inner] = prefixes[i - 1] if i else ""
            for prefix in prefixes:
                named.setdefault(prefix, []).append(node)
            if prefixes:
                self.home[node] = prefixes[-1]
        if not named:
            return
        depth = {g: g.count(".") for g in named}
        for group in sorted(named, key=depth.__getitem__):  # outer groups first; inner ones override
            members = named[group]
            inside = _reach(members, users) & _reach(members, {n: list(n.parents) for n in order})
            for node in inside:
                if not node.label and node.parents:
                    self.home[node] = group

    def of(self, node: Value) -> str:
        """The innermost group `node` is drawn in; '' for none."""
        return self.home.get(node, "")

    def draw(self, dot: graphviz.Digraph, statements: dict[str, list[tuple[str, dict[str, str]]]]) -> None:
        """Write the node statements into `dot`, each group's inside its (nested) cluster."""
        children: dict[str, list[str]] = {}
        for group in self.parent_of:
            children.setdefault(self.parent_of[group], []).append(group)

        def fill(graph: graphviz.Digraph, group: str) -> None:
            for node_name, attrs in statements.get(group, ()):
                graph.node(node_name, **attrs)
            for inner in children.get(group, ()):
                with graph.subgraph(name=f"cluster_{_cluster_id(inner)}") as cluster:
                    cluster.attr(label=inner, **_CLUSTER)
                    fill(cluster, inner)

        fill(dot, "")


_CLUSTER = {"style": "rounded,dashed", "color": "#767676", "fontcolor": "#333333", "labeljust": "l"}


def _prefixes(label: str) -> list[str]:
    """``L0.N1.w0`` → [``L0``, ``L0.N1``]: the groups a dotted label names (parts that are
    identifiers only, so that a label such as ``3.5 kg`` or ``price incl. tax`` makes none)."""
    parts = label.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts[:-1]) or not parts[-1]:
        return []
    return [".".join(parts[: i + 1]) for i in range(len(parts) - 1)]


def _reach(start: list[Value], step: dict[Value, list[Value]]) -> set[Value]:
    """Every node reachable from `start` (itself included) by following `step`."""
    seen = set(start)
    stack = list(start)
    while stack:
        for nxt in step.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _cluster_id(group: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in group)


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
        return HIGHLIGHT
    if not (style.color_by_grad and known) or node.grad == 0.0:
        return None
    return gradient_fill(node.grad, largest)


def _escape(text: str) -> str:
    """Escape the characters that mean something inside a record label."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text

