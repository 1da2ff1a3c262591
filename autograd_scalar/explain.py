"""`explain(root, wrt)`: a derivative written out as the chain rule computes it.

∂root/∂x is the sum, over every path in the graph from `root` down to `x`, of the
product of the local derivatives along the path (each edge's ∂node/∂operand, as
`Value.local_grads` states it). `explain` lists those paths, names every factor after the
nodes it joins (their labels; an unlabeled node is ``v7``, after its position in
`topological_order(root)`), gives its number, and sums.

Given several variables (``explain(E, [w5, w4, w3, w2])``) it also shows what
backpropagation saves: where a path begins with the same factors as a path already shown,
that leading product (the *shared upstream product*) is written in brackets and marked
"shown above" instead of being taken again, as in the chain-network article.

A graph with more than `MAX_PATHS` paths in all is not listed path by path (the count
grows exponentially with depth); the explanation switches to the backward pass, which
computes the same sums node by node: each node's gradient is the sum of its users'
contributions, in backward order.

The result prints as plain text (``print(ag.explain(...))``) and renders as Markdown with
LaTeX in Jupyter (`_repr_markdown_`, `_repr_latex_`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograd_scalar.core.backprop import depending_on, topological_order
from autograd_scalar.core.text import display_name, format_number
from autograd_scalar.core.value import Value

__all__ = ["MAX_PATHS", "MIN_SHARED_FACTORS", "Explanation", "Factor", "Path", "Derivative", "Step", "explain"]

MAX_PATHS = 64
"""More paths than this (over all the variables asked about) and `explain` shows the
backward pass instead of listing them."""

MIN_SHARED_FACTORS = 2
"""A shared leading product is pointed out only from this many factors on: one factor is
just a number, and reusing it saves nothing."""


@dataclass(frozen=True)
class Factor:
    """One local derivative on a path: ∂upper/∂lower = value."""

    upper: str
    lower: str
    value: float


@dataclass(frozen=True)
class Path:
    """One path from the root down to the variable, and the product of its factors.

    `shared` leading factors equal those of an earlier path, `shared_from` (for example
    ``"path 1 of ∂E/∂w5"``); 0 and ``""`` when nothing is reused."""

    nodes: tuple[str, ...]
    factors: tuple[Factor, ...]
    product: float
    shared: int = 0
    shared_from: str = ""


@dataclass(frozen=True)
class Derivative:
    """∂root/∂variable: its paths (empty in the backward-pass form) and their sum."""

    root: str
    variable: str
    paths: tuple[Path, ...]
    path_count: int
    total: float

    @property
    def symbol(self) -> str:
        return f"∂{self.root}/∂{self.variable}"


@dataclass(frozen=True)
class Step:
    """One node of the backward pass: ∂root/∂node = Σ over its users u of ∂root/∂u · ∂u/∂node.

    `contributions` holds (user, ∂root/∂user, ∂user/∂node) per user, in backward order."""

    node: str
    contributions: tuple[tuple[str, float, float], ...]
    gradient: float


class Explanation:
    """What `explain` returns: ``str()`` is plain text; Jupyter shows Markdown with LaTeX.

    `derivatives` holds one `Derivative` per variable asked about, in that order; `steps`
    the backward pass when the paths were too many to list (else it is empty);
    `totals` the derivatives' values."""

    def __init__(self, root: str, derivatives: Sequence[Derivative], steps: Sequence[Step], precision: int) -> None:
        self.root = root
        self.derivatives = tuple(derivatives)
        self.steps = tuple(steps)
        self.precision = precision

    @property
    def listed(self) -> bool:
        """Whether the paths are listed (False: the backward-pass form)."""
        return not self.steps

    @property
    def totals(self) -> tuple[float, ...]:
        return tuple(d.total for d in self.derivatives)

    @property
    def path_count(self) -> int:
        return sum(d.path_count for d in self.derivatives)

    def __repr__(self) -> str:
        inner = ", ".join(f"{d.symbol}={d.total!r}" for d in self.derivatives)
        return f"<Explanation {inner}>"

    def __str__(self) -> str:
        return _Text(self).render()

    def _repr_markdown_(self) -> str:
        return _Markdown(self).render()

    def _repr_latex_(self) -> str:
        return _Latex(self).render()


def explain(
    root: Value, wrt: Value | Iterable[Value], *, labeled_only: bool = False, precision: int = 6
) -> Explanation:
    """∂root/∂x for each x of `wrt` (a Value or several), as sums over paths of products
    of local derivatives, or as the backward pass when there are more than `MAX_PATHS`.

    With ``labeled_only`` only labeled nodes (and root and the variables) appear: each
    factor ∂A/∂B then sums the routes from A to B through unlabeled nodes, so ``E`` built
    as ``0.5 * (y - a5) ** 2`` shows the one factor ∂E/∂a5 of the article. Numbers are
    printed to `precision` significant digits; the `Derivative` objects keep full floats.
    The graph's ``grad`` attributes are not touched.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: root must be a Value, got {type(root).__name__}")
    variables = [wrt] if isinstance(wrt, Value) else list(wrt)
    if not variables:
        raise ValueError("explain: give at least one Value to differentiate with respect to")
    for v in variables:
        if not isinstance(v, Value):
            raise TypeError(f"explain: wrt must be Values, got {type(v).__name__}")
    if not 1 <= precision <= 17:
        raise ValueError(f"explain: precision must be from 1 to 17 significant digits, got {precision}")
    graph = _Graph(root, variables, labeled_only)
    counts = [graph.count_paths(v) for v in variables]
    root_name = graph.name[root]
    if sum(counts) > MAX_PATHS:
        steps, grads = graph.backward_pass()
        derivatives = [
            Derivative(root_name, graph.name_of(v), (), n, grads.get(v, 0.0))
            for v, n in zip(variables, counts, strict=True)
        ]
        return Explanation(root_name, derivatives, steps, precision)
    derivatives = []
    seen: dict[tuple[Value, ...], str] = {}  # a leading run of nodes -> where it was first shown
    for v in variables:
        symbol = f"∂{root_name}/∂{graph.name_of(v)}"
        paths = []
        for number, nodes in enumerate(graph.paths(v), start=1):
            factors = tuple(
                Factor(graph.name[upper], graph.name[lower], graph.edges[upper][lower])
                for upper, lower in zip(nodes, nodes[1:], strict=False)
            )
            product = 1.0
            for f in factors:
                product *= f.value
            shared, shared_from = 0, ""
            for k in range(len(factors), MIN_SHARED_FACTORS - 1, -1):
                if nodes[: k + 1] in seen:
                    shared, shared_from = k, seen[nodes[: k + 1]]
                    break
            for k in range(MIN_SHARED_FACTORS, len(factors) + 1):
                seen.setdefault(nodes[: k + 1], f"path {number} of {symbol}")
            paths.append(Path(tuple(graph.name[n] for n in nodes), factors, product, shared, shared_from))
        total = sum(p.product for p in paths) if paths else 0.0
        derivatives.append(Derivative(root_name, graph.name_of(v), tuple(paths), len(paths), total))
    return Explanation(root_name, derivatives, (), precision)


class _Graph:
    """The nodes on paths from the root down to the variables, with one edge per
    (node, operand) pair valued by the local derivative (the routes through unlabeled
    nodes summed, with ``labeled_only``)."""

    def __init__(self, root: Value, variables: Sequence[Value], labeled_only: bool) -> None:
        self.root = root
        self.order = topological_order(root)
        self.position = {node: i for i, node in enumerate(self.order)}
        self.relevant = depending_on(self.order, set(variables))
        in_graph = {v for v in variables if v in self.position}
        self.kept = [
            n for n in self.order if n in self.relevant and (not labeled_only or n is root or n in in_graph or n.label)
        ]
        kept = set(self.kept)
        self.name = _names(self.kept, self.position)
        self.edges: dict[Value, dict[Value, float]] = {n: self._edges(n, kept) for n in self.kept}
        self._below: dict[Value, set[Value]] = {}

    def name_of(self, node: Value) -> str:
        return self.name.get(node) or display_name(node)

    def _edges(self, node: Value, kept: set[Value]) -> dict[Value, float]:
        """∂node/∂lower for each kept node `lower` that `node` reaches directly or through
        nodes that are not kept, summed over those routes, in operand order."""
        weights: dict[Value, float] = {node: 1.0}
        out: dict[Value, float] = {}
        region, stack = [], [node]
        while stack:  # the nodes not kept that node reaches through nodes not kept
            for p in stack.pop().parents:
                if p in self.relevant and p not in kept and p not in weights:
                    weights[p] = 0.0
                    region.append(p)
                    stack.append(p)
        region.sort(key=self.position.__getitem__, reverse=True)  # users before operands
        for current in [node, *region]:
            weight = weights[current]
            for p, local in _local_derivatives(current):
                if p not in self.relevant:
                    continue
                if p in kept:
                    out[p] = out.get(p, 0.0) + weight * local
                else:
                    weights[p] += weight * local
        return out

    def below(self, variable: Value) -> set[Value]:
        """The kept nodes that depend on `variable` (it included)."""
        if variable not in self._below:
            if variable in self.position:
                self._below[variable] = depending_on(self.order, {variable}).intersection(self.kept)
            else:
                self._below[variable] = set()
        return self._below[variable]

    def count_paths(self, variable: Value) -> int:
        below = self.below(variable)
        if self.root not in below:
            return 0
        count: dict[Value, int] = {}
        for node in self.kept:  # operands first
            if node in below:
                if node is variable:
                    count[node] = 1
                else:
                    count[node] = sum(count[p] for p in self.edges[node] if p in below)
        return count[self.root]

    def paths(self, variable: Value) -> list[tuple[Value, ...]]:
        """Every path from the root down to `variable`, depth first in operand order."""
        below = self.below(variable)
        if self.root not in below:
            return []
        found: list[tuple[Value, ...]] = []
        stack: list[tuple[Value, ...]] = [(self.root,)]
        while stack:
            path = stack.pop()
            last = path[-1]
            if last is variable:
                found.append(path)
                continue
            nexts = [p for p in self.edges[last] if p in below]
            stack.extend(path + (p,) for p in reversed(nexts))
        return found

    def backward_pass(self) -> tuple[list[Step], dict[Value, float]]:
        users: dict[Value, list[tuple[Value, float]]] = {}
        for node in reversed(self.kept):
            for lower, local in self.edges[node].items():
                users.setdefault(lower, []).append((node, local))
        grads: dict[Value, float] = {self.root: 1.0}
        steps = [Step(self.name[self.root], (), 1.0)] if self.root in self.relevant else []
        for node in reversed(self.kept):
            if node is self.root:
                continue
            contributions = tuple((self.name[u], grads[u], local) for u, local in users.get(node, []))
            grads[node] = sum(g * local for _, g, local in contributions)
            steps.append(Step(self.name[node], contributions, grads[node]))
        return steps, grads


def _local_derivatives(node: Value) -> list[tuple[Value, float]]:
    """(operand, ∂node/∂operand) per distinct operand: an operand given twice (a*a) gets
    the sum of its two local derivatives, the partial derivative of the op in it."""
    try:
        grads = node.local_grads()
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"explain: no local derivative for {node.describe()}: {error}") from None
    merged: dict[Value, float] = {}
    for p, g in zip(node.parents, grads, strict=True):
        merged[p] = merged.get(p, 0.0) + g
    return list(merged.items())


def _names(nodes: Sequence[Value], position: dict[Value, int]) -> dict[Value, str]:
    """Labels, or ``v7`` from the topological position; a label used by two nodes gets the
    position too (``x(v3)``), so that no two nodes share a name."""
    base = {n: n.label or f"v{position[n]}" for n in nodes}
    taken: dict[str, int] = {}
    for name in base.values():
        taken[name] = taken.get(name, 0) + 1
    return {n: name if taken[name] == 1 or not n.label else f"{name}(v{position[n]})" for n, name in base.items()}


# --- rendering ------------------------------------------------------------------------------


def _intro(e: Explanation) -> str:
    return (
        f"Each path from {e.root} down to a variable contributes the product of the local "
        "derivatives along it; the derivative is the sum of those products over all paths."
    )


def _why_backward(e: Explanation) -> str:
    return (
        f"There are {e.path_count} paths from {e.root} down to "
        f"{', '.join(d.variable for d in e.derivatives)}: more than {MAX_PATHS}, too many to list. "
        "The backward pass computes the same sums without listing them: it visits the nodes in "
        f"backward order (from {e.root} down), and gives each node the sum of its users' contributions "
        "(the user's gradient times the user's local derivative), so every node's gradient is "
        "complete before it is used, and each shared upstream product is computed once."
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


class _Text:
    def __init__(self, e: Explanation) -> None:
        self.e = e

    def num(self, x: float) -> str:
        return format_number(x, self.e.precision)

    def operand(self, x: float) -> str:  # a number in a product: a negative one in parentheses
        text = self.num(x)
        return f"({text})" if text.startswith("-") else text

    def render(self) -> str:
        e = self.e
        lines = [_intro(e) if e.listed else _why_backward(e)]
        if e.listed:
            for d in e.derivatives:
                lines.extend(self.derivative(d))
        else:
            lines.append("backward pass:")
            lines.extend(f"  {self.step(s)}" for s in e.steps)
            lines.extend(f"{d.symbol} = {self.num(d.total)}" for d in e.derivatives)
        return "\n".join(lines)

    def derivative(self, d: Derivative) -> list[str]:
        if not d.paths:
            return [f"{d.symbol} = 0: {d.root} does not depend on {d.variable} (no path)"]
        lines = [
            f"{d.symbol} = {self.num(d.total)}  ({_count(d.path_count, 'path')} from {d.root} down to {d.variable})"
        ]
        for number, p in enumerate(d.paths, start=1):
            lines.append(f"  path {number}: {' → '.join(p.nodes)}")
            if not p.factors:
                lines.append(f"    = 1 (the empty product: {d.variable} is {d.root})")
                continue
            symbols = [f"∂{f.upper}/∂{f.lower}" for f in p.factors]
            values = [self.operand(f.value) for f in p.factors]
            if p.shared:
                upstream = 1.0
                for f in p.factors[: p.shared]:
                    upstream *= f.value
                rest_symbols, rest_values = symbols[p.shared :], values[p.shared :]
                head = f"[{' · '.join(symbols[: p.shared])}] (shown above, {p.shared_from})"
                symbolic = " × ".join([head, " · ".join(rest_symbols)]) if rest_symbols else head
                values = [f"[{self.num(upstream)}]", *rest_values]
            else:
                symbolic = " · ".join(symbols)
            lines.append(f"    = {symbolic}")
            if len(values) > 1:
                lines.append(f"    = {' × '.join(values)}")
            lines.append(f"    = {self.num(p.product)}")
        if len(d.paths) > 1:
            terms = " + ".join(self.operand(p.product) for p in d.paths)
            names = " + ".join(f"path {i}" for i in range(1, len(d.paths) + 1))
            lines.append(f"  {d.symbol} = {names} = {terms} = {self.num(d.total)}")
        return lines

    def step(self, s: Step) -> str:
        if not s.contributions:
            return f"∂{self.e.root}/∂{s.node} = {self.num(s.gradient)}"
        symbolic = " + ".join(f"∂{self.e.root}/∂{u} · ∂{u}/∂{s.node}" for u, _, _ in s.contributions)
        numbers = " + ".join(f"{self.operand(g)} × {self.operand(local)}" for _, g, local in s.contributions)
        return f"∂{self.e.root}/∂{s.node} = {symbolic} = {numbers} = {self.num(s.gradient)}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$#~])")  # not ( ): "\(" opens math in Jupyter
_TEX_SPECIAL = {
    "\\": r"\backslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\hat{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "~": r"\sim{}",
}


def _md(text: str) -> str:
    """Text safe to put in Markdown prose: the characters Markdown would read escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


def _tex_name(name: str) -> str:
    """A node's name in math: ``a5`` → ``a_{5}``, ``out_o1`` → ``\\mathrm{out}_{\\mathrm{o1}}``,
    ``x`` → ``x``; anything else upright and escaped."""
    match = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if match:
        return f"{match[1]}_{{{match[2]}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    match = re.fullmatch(r"([A-Za-z0-9]+)_([A-Za-z0-9]+)", name)
    if match:
        return f"{_tex_name(match[1])}_{{\\mathrm{{{match[2]}}}}}"
    return rf"\mathrm{{{_tex_escape(name)}}}"


THIN = r" \, "  # a thin space: the product of two fractions


class _Latex(_Text):
    """The explanation as math: one displayed equation per line, for `_repr_latex_`
    (all of it in one ``aligned`` block) and `_repr_markdown_` (one ``$$`` block each)."""

    def num(self, x: float) -> str:
        text = format_number(x, self.e.precision)
        if text.lstrip("-") == "inf":
            return text.replace("inf", r"\infty")
        if text == "nan":
            return r"\mathrm{nan}"
        mantissa, e, exponent = text.partition("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}" if e else text

    def operand(self, x: float) -> str:
        text = self.num(x)
        return rf"\left({text}\right)" if text.startswith("-") else text

    def partial(self, upper: str, lower: str) -> str:
        return rf"\frac{{\partial {_tex_name(upper)}}}{{\partial {_tex_name(lower)}}}"

    def path_equation(self, d: Derivative, p: Path) -> str:
        left = self.partial(d.root, d.variable) if len(d.paths) == 1 else r"\mathrm{path}"
        if not p.factors:
            return f"{left} = 1"
        symbols = [self.partial(f.upper, f.lower) for f in p.factors]
        values = [self.operand(f.value) for f in p.factors]
        if p.shared:
            upstream = 1.0
            for f in p.factors[: p.shared]:
                upstream *= f.value
            bracket = THIN.join(symbols[: p.shared])
            symbols = [rf"\left[{bracket}\right]", *symbols[p.shared :]]
            values = [rf"\left[{self.num(upstream)}\right]", *values[p.shared :]]
        parts = [left, r" \, ".join(symbols)]
        if len(values) > 1:
            parts.append(r" \times ".join(values))
        parts.append(self.num(p.product))
        return " = ".join(parts)

    def sum_equation(self, d: Derivative) -> str:
        terms = " + ".join(self.operand(p.product) for p in d.paths)
        return f"{self.partial(d.root, d.variable)} = {terms} = {self.num(d.total)}"

    def step_equation(self, s: Step) -> str:
        left = self.partial(self.e.root, s.node)
        if not s.contributions:
            return f"{left} = {self.num(s.gradient)}"
        symbolic = " + ".join(
            rf"{self.partial(self.e.root, u)} \, {self.partial(u, s.node)}" for u, _, _ in s.contributions
        )
        numbers = " + ".join(rf"{self.operand(g)} \times {self.operand(local)}" for _, g, local in s.contributions)
        return f"{left} = {symbolic} = {numbers} = {self.num(s.gradient)}"

    def equations(self) -> list[str]:
        """Every equation, each preceded by a ``\\text{...}`` line saying what it is."""
        rows: list[str] = []
        e = self.e
        if not e.listed:
            rows.append(rf"\text{{backward pass, {_count(e.path_count, 'path')} in all}}")
            rows.extend(self.step_equation(s) for s in e.steps)
            return rows
        for d in e.derivatives:
            if not d.paths:
                rows.append(rf"{self.partial(d.root, d.variable)} = 0 \quad \text{{(no path)}}")
                continue
            for number, p in enumerate(d.paths, start=1):
                note = f", reusing the bracket from {p.shared_from}" if p.shared else ""
                rows.append(rf"\text{{path {number}: {_tex_escape(' → '.join(p.nodes))}{_tex_escape(note)}}}")
                rows.append(self.path_equation(d, p))
            if len(d.paths) > 1:
                rows.append(self.sum_equation(d))
        return rows

    def render(self) -> str:
        body = r" \\ ".join(f"& {row}" for row in self.equations())
        return f"$$\\begin{{aligned}} {body} \\end{{aligned}}$$"


class _Markdown(_Latex):
    def render(self) -> str:
        e = self.e
        blocks = [_md(_intro(e) if e.listed else _why_backward(e))]
        if not e.listed:
            blocks.append("**Backward pass**")
            blocks.extend(f"$${self.step_equation(s)}$$" for s in e.steps)
            return "\n\n".join(blocks) + "\n"
        for d in e.derivatives:
            if not d.paths:
                blocks.append(_md(f"{d.symbol} = 0: {d.root} does not depend on {d.variable} (no path)."))
                continue
            blocks.append(
                f"**{_md(d.symbol)} = {_md(format_number(d.total, e.precision))}**, "
                + _md(f"{_count(d.path_count, 'path')} from {d.root} down to {d.variable}:")
            )
            for number, p in enumerate(d.paths, start=1):
                text = f"Path {number}: {' → '.join(p.nodes)}"
                if p.shared:
                    text += f". The bracket is the shared upstream product, shown above ({p.shared_from})"
                blocks.append(_md(text + "."))
                blocks.append(f"$${self.path_equation(d, p)}$$")
            if len(d.paths) > 1:
                blocks.append(_md("The sum over the paths:"))
                blocks.append(f"$${self.sum_equation(d)}$$")
        return "\n\n".join(blocks) + "\n"
