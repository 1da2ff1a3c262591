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

For a network built with `autograd_scalar.nn`, `explain_layers(loss)` gives the same
derivatives in the form textbooks write backpropagation in, layer by layer: each neuron's
error δ = ∂loss/∂z and the four equations BP1–BP4 that give the δ's from the output layer
back and every weight's and bias's gradient from them. It finds the layers from the labels
nn gives the nodes (the network itself is not needed, and this module does not import nn),
takes every number from the graph's local derivatives, and checks each δ and gradient
against the engine's backward pass, refusing a graph the layer equations do not describe.
It is a function of its own, not an option of `explain`: it asks a different question (all
the parameters of a network, not chosen variables) and answers with a different object.

Both results print as plain text (``print(ag.explain(...))``) and render as Markdown with
LaTeX in Jupyter (`_repr_markdown_`, `_repr_latex_`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from autograd_scalar.core.backprop import depending_on, gradients, topological_order
from autograd_scalar.core.text import display_name, format_number
from autograd_scalar.core.value import Value

__all__ = [
    "MAX_PATHS",
    "MIN_SHARED_FACTORS",
    "Explanation",
    "Factor",
    "Path",
    "Derivative",
    "Step",
    "explain",
    "AGREEMENT",
    "BackTerm",
    "LayerExplanation",
    "LayerGradients",
    "LayerStructureError",
    "NEURON_LABEL",
    "NeuronError",
    "ParameterGradient",
    "explain_layers",
]

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
    The graph's ``grad`` attributes are not touched. For a network built with nn,
    `explain_layers` writes the same gradients layer by layer, as BP1–BP4.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: root must be a Value, got {type(root).__name__}")
    variables = [wrt] if isinstance(wrt, Value) else list(wrt)
    if not variables:
        raise ValueError("explain: give at least one Value to differentiate with respect to")
    for v in variables:
        if not isinstance(v, Value):
            raise TypeError(f"explain: wrt must be Values, got {type(v).__name__}")
    _check_precision("explain", precision)
    graph = _Graph(root, variables, (lambda n: bool(n.label)) if labeled_only else (lambda n: True))
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


def _check_precision(where: str, precision: int) -> None:
    if not 1 <= precision <= 17:
        raise ValueError(f"{where}: precision must be from 1 to 17 significant digits, got {precision}")


class _Graph:
    """The nodes on paths from the root down to the variables that are kept (the root,
    the variables, and those `keep` accepts), with one edge per (node, kept operand) pair
    valued by the local derivative, the routes through the nodes not kept summed."""

    def __init__(self, root: Value, variables: Sequence[Value], keep: Callable[[Value], bool]) -> None:
        self.root = root
        self.order = topological_order(root)
        self.position = {node: i for i, node in enumerate(self.order)}
        self.relevant = depending_on(self.order, set(variables))
        in_graph = {v for v in variables if v in self.position}
        self.kept = [n for n in self.order if n in self.relevant and (n is root or n in in_graph or keep(n))]
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


# --- the layer-by-layer view ------------------------------------------------------------------

NEURON_LABEL = re.compile(r"(?P<neuron>(?:(?P<layer>.+)\.)?N(?P<index>\d+))\.(?P<part>z|a|b|w(?P<k>\d+))")
"""The labels `explain_layers` reads, as `autograd_scalar.nn` writes them: ``L0.N1.z`` (the
weighted input of neuron 1 of layer L0), ``L0.N1.a`` (its activation), ``L0.N1.w0`` and
``L0.N1.b`` (its parameters). The layer is what comes before ``.N<j>``."""

AGREEMENT = 1e-9
"""How close (relative) each δ and each parameter's gradient must come to the engine's."""

_PLAIN = (
    "explain_layers writes out only a plain layered network, in which each parameter belongs to one "
    "neuron and each layer is read only by the next (and the last only by the loss); "
    "explain(loss, parameters) writes out any graph, path by path or as the backward pass"
)


class LayerStructureError(ValueError):
    """`explain_layers` refuses a graph: it has no neurons labelled as `autograd_scalar.nn`
    labels them, or it is not one forward pass of a plain layered network, so the BP1–BP4
    identities would not give its gradient. The message says which and where."""


@dataclass(frozen=True)
class BackTerm:
    """One term of BP2's sum for a hidden neuron: a neuron of the next layer reads this
    one's output with `weight`, whose value (∂z/∂a there, from the graph) times that
    neuron's δ is what it sends back."""

    weight: str
    weight_value: float
    neuron: str
    delta: float


@dataclass(frozen=True)
class NeuronError:
    """δ = ∂root/∂z of one neuron, as the product of `upstream` (∂root/∂a: by BP1 from the
    root for an output neuron, by BP2 the sum of `terms` for a hidden one) and `slope`
    (σ′(z) = ∂a/∂z; None for a linear neuron, whose output is z itself)."""

    neuron: str
    z: str
    output: str
    upstream: float
    terms: tuple[BackTerm, ...]
    slope: float | None
    delta: float


@dataclass(frozen=True)
class ParameterGradient:
    """∂root/∂parameter = input · δ (BP4), or δ for a bias (BP3, `input` ''). `input_value`
    is ∂z/∂parameter read from the graph (1 for a bias)."""

    parameter: str
    neuron: str
    input: str
    input_value: float
    delta: float
    gradient: float

    @property
    def rule(self) -> str:
        return "BP4" if self.input else "BP3"


@dataclass(frozen=True)
class LayerGradients:
    """One layer: its neurons' δ's (BP1 for the output layer, else BP2) and its parameters'
    gradients (BP3, BP4). `activation` names the activation ops (``sigmoid``, ``linear``)."""

    name: str
    output: bool
    activation: str
    neurons: tuple[NeuronError, ...]
    parameters: tuple[ParameterGradient, ...]

    @property
    def rule(self) -> str:
        return "BP1" if self.output else "BP2"


class LayerExplanation:
    """What `explain_layers` returns: ``str()`` is plain text; Jupyter shows Markdown with LaTeX.

    `layers` in forward order (the first layer first; the text shows them from the output
    back, as they are computed); `deltas` maps each neuron (``L0.N1``) to its δ and
    `gradients` each parameter (``L0.N1.w0``) to its gradient; each was checked against
    the engine's own gradient before this was returned."""

    def __init__(self, root: str, layers: Sequence[LayerGradients], precision: int) -> None:
        self.root = root
        self.layers = tuple(layers)
        self.precision = precision

    @property
    def deltas(self) -> dict[str, float]:
        return {n.neuron: n.delta for layer in self.layers for n in layer.neurons}

    @property
    def gradients(self) -> dict[str, float]:
        return {p.parameter: p.gradient for layer in self.layers for p in layer.parameters}

    def __repr__(self) -> str:
        sizes = "-".join(str(len(layer.neurons)) for layer in self.layers)
        return f"<LayerExplanation of {self.root}: layers {sizes}, {_count(len(self.gradients), 'parameter')}>"

    def __str__(self) -> str:
        return _LayerText(self).render()

    def _repr_markdown_(self) -> str:
        return _LayerMarkdown(self).render()

    def _repr_latex_(self) -> str:
        return _LayerLatex(self).render()


def explain_layers(loss: Value, *, precision: int = 6) -> LayerExplanation:
    """The gradient of `loss` with respect to every weight and bias of the network it was
    computed from, layer by layer, as backpropagation's four equations compute it: each
    neuron's error δ = ∂loss/∂z from the output layer back (BP1, then BP2), and from it
    ∂loss/∂b = δ (BP3) and ∂loss/∂w = input · δ (BP4).

    The layers and neurons are read from the labels `autograd_scalar.nn` gives the nodes
    (``L0.N1.z``, ``L0.N1.a``, ``L0.N1.w0``, ``L0.N1.b``): no model is needed, only the
    graph of one forward pass. Every number is a local derivative of that graph: ∂loss/∂a
    of the output neurons, σ′(z) = ∂a/∂z, the weight by which the next layer reads a
    neuron (∂z/∂a), the input that multiplies a weight (∂z/∂w). Each δ and each gradient
    is then checked against the engine's own backward pass; a graph for which the layer
    identities do not hold (a parameter shared or used twice, a layer read by a later one
    than the next, a loss that reads a hidden layer or a weight, the network called
    several times) raises `LayerStructureError`, saying where, rather than print a wrong
    identity. `explain(loss, parameters)` writes out any graph.

    The loss is named by its label, or ``L``. The graph's ``grad`` attributes are not touched.
    """
    if not isinstance(loss, Value):
        raise TypeError(f"explain_layers: loss must be a Value, got {type(loss).__name__}")
    _check_precision("explain_layers", precision)
    order = topological_order(loss)
    layers = _find_layers(order)
    network = _Network(loss, order, layers)
    return LayerExplanation(network.name[loss], network.explain(), precision)


class _Neuron:
    """The nodes of one neuron, found by label: z, a (None when linear), its parameters."""

    def __init__(self, name: str, layer: str, index: int, parts: dict[str, Value]) -> None:
        self.name, self.layer, self.index = name, layer, index
        self.z = parts["z"]
        self.a = parts.get("a")
        self.b = parts.get("b")
        self.weights = [parts[k] for k in sorted((k for k in parts if k.startswith("w")), key=lambda k: int(k[1:]))]
        self.parameters = self.weights + ([] if self.b is None else [self.b])
        self.output = self.z if self.a is None else self.a


def _find_layers(order: Sequence[Value]) -> list[list[_Neuron]]:
    """The labelled neurons, grouped into layers: layers in forward order (by where their
    first weighted input comes in `order`), neurons by their number."""
    parts: dict[str, dict[str, Value]] = {}  # neuron -> part ("z", "a", "b", "w0", …) -> node
    layer_of: dict[str, tuple[str, int]] = {}
    for node in order:
        match = NEURON_LABEL.fullmatch(node.label)
        if match is None:
            continue
        neuron, part = match["neuron"], match["part"]
        if part in parts.get(neuron, {}):
            count = sum(n.label == node.label for n in order)
            raise LayerStructureError(
                f"explain_layers: {count} nodes are labelled {node.label}: the network was called more than once "
                "for this loss (a batch, or two networks whose modules have the same names). The layer view is "
                "of one forward pass, and each sample has its own δ's: explain the loss of one sample, or use "
                "explain(loss, parameters) for the sum"
            )
        parts.setdefault(neuron, {})[part] = node
        layer_of[neuron] = (match["layer"] or "", int(match["index"]))
    if not parts:
        raise LayerStructureError(
            "explain_layers: the graph has no neurons. It looks for nodes labelled as autograd_scalar.nn labels "
            "them when a Layer or an MLP is called: '<layer>.N<j>.z' for neuron j's weighted input "
            "b + Σ w·input (L0.N1.z), '<layer>.N<j>.a' for its activation, and its parameters '<layer>.N<j>.w<k>' "
            "and '<layer>.N<j>.b' (L0.N1.w0, L0.N1.b). Build the network with nn (or label the nodes so), or use "
            "explain(loss, parameters), which needs no labels"
        )
    for neuron, found in parts.items():
        if "z" not in found or not found["z"].op:
            raise LayerStructureError(
                f"explain_layers: the graph has {', '.join(sorted(n.label for n in found.values()))} but no "
                f"weighted input {neuron}.z computed from them: nn labels it when the neuron is called; a graph "
                "that reads the parameters without calling the neuron (a weight penalty alone, say) is not a "
                f"forward pass. {_PLAIN}"
            )
        if not any(part.startswith("w") for part in found):
            raise LayerStructureError(
                f"explain_layers: {neuron}.z has no weights labelled {neuron}.w<k> in the graph (nn labels a "
                "neuron's own parameters; other Values put in their place, as by functional_call, keep their "
                f"own labels), so BP4 has nothing to name. {_PLAIN}"
            )
    position = {node: i for i, node in enumerate(order)}
    by_layer: dict[str, list[_Neuron]] = {}
    for neuron, found in parts.items():
        layer, index = layer_of[neuron]
        by_layer.setdefault(layer, []).append(_Neuron(neuron, layer, index, found))
    layers = [sorted(group, key=lambda n: n.index) for group in by_layer.values()]
    layers.sort(key=lambda group: min(position[n.z] for n in group))
    return layers


def _close(a: float, b: float, scale: float, floor: float = 0.0) -> bool:
    return abs(a - b) <= AGREEMENT * max(scale, abs(a), abs(b)) + floor


class _Network:
    """The layers of a graph, checked to be one forward pass of a plain layered network; its
    local derivatives (the edges between the root and the neurons' nodes, the routes through
    all other nodes summed); and the BP1–BP4 quantities computed from them."""

    def __init__(self, loss: Value, order: list[Value], layers: list[list[_Neuron]]) -> None:
        self.loss, self.order, self.layers = loss, order, layers
        self.name = _names(order, {node: i for i, node in enumerate(order)})
        if not loss.label:
            self.name[loss] = "L"
        self.parameters = [p for layer in layers for n in layer for p in n.parameters]
        network = {node for layer in layers for n in layer for node in (n.z, n.output, *n.parameters)}
        self.edges = _Graph(loss, self.parameters, network.__contains__).edges
        self.users: dict[Value, set[Value]] = {}
        for upper, lowers in self.edges.items():
            for lower in lowers:
                self.users.setdefault(lower, set()).add(upper)
        parameters = set(self.parameters)
        self.operand_of: dict[Value, list[Value]] = {}  # parameter -> the nodes it is an operand of
        for node in order:
            for p in parameters.intersection(node.parents):
                self.operand_of.setdefault(p, []).append(node)
        self.input: dict[Value, Value] = {}  # weight -> the node it multiplies
        self.reader: dict[tuple[Value, Value], Value] = {}  # (z, input) -> the weight that reads it
        self._check_users()
        for layer in layers:
            for neuron in layer:
                self._check_weighted_input(neuron)

    def refuse(self, message: str) -> LayerStructureError:
        return LayerStructureError(f"explain_layers: {message}. {_PLAIN}")

    def names(self, nodes: Iterable[Value]) -> str:
        return " and ".join(sorted(self.name[n] for n in nodes))

    def _check_users(self) -> None:
        """Each node of a neuron is read by what reads it in a plain network, and by nothing else."""
        loss, root = self.loss, self.name[self.loss]
        for number, layer in enumerate(self.layers):
            last = number == len(self.layers) - 1
            readers = {loss} if last else {n.z for n in self.layers[number + 1]}
            for neuron in layer:
                z, out = neuron.z, neuron.output
                for p in neuron.parameters:
                    others = self.users.get(p, set()) - {z}
                    if others:
                        why = (
                            "the loss reads it directly: a penalty on the weights?"
                            if loss in others
                            else "a parameter shared with another neuron"
                        )
                        raise self.refuse(
                            f"{self.name[p]} is used by {self.names(others)} as well as by its own neuron's "
                            f"{self.name[z]} ({why}), so ∂{root}/∂{self.name[p]} is not one input · δ (BP4)"
                        )
                others = self.users.get(z, set()) - {out}
                if out is not z and others:
                    raise self.refuse(
                        f"{self.name[z]} is read by {self.names(others)} besides its activation {self.name[out]}, "
                        f"so its δ is not ∂{root}/∂a · σ′(z)"
                    )
                others = self.users.get(out, set()) - readers
                if out is not loss and others:
                    if last:
                        where = "in a plain network only the loss reads the output layer"
                    elif loss in others:
                        where = "the loss reads a hidden layer"
                    else:
                        where = f"a connection that skips the next layer, {self.layers[number + 1][0].layer}"
                    raise self.refuse(
                        f"{self.name[out]} is read by {self.names(others)} ({where}), so the "
                        f"{'loss' if last else 'next layer'} alone does not give its δ "
                        f"({'BP1' if last else 'BP2'} would miss a path)"
                    )

    def _check_weighted_input(self, neuron: _Neuron) -> None:
        """z = b + Σ w·input, as its local derivatives say: each weight multiplies one input
        and ∂z/∂w is that input's value; a node of the network that z reads, it reads through
        one weight, and ∂z/∂input is that weight; ∂z/∂b = 1."""
        z, edges = neuron.z, self.edges[neuron.z]
        for w in neuron.weights:
            users = self.operand_of.get(w, [])
            operands = users[0].parents if len(users) == 1 else ()
            if len(operands) != 2 or (operands[0] is w) == (operands[1] is w):
                raise self.refuse(
                    f"{self.name[w]} does not enter {self.name[z]} as one product weight · input: it is an operand "
                    f"of {_count(len(users), 'node')}{', with itself' if len(operands) == 2 else ''} "
                    "(a parameter used twice?)"
                )
            x = operands[1] if operands[0] is w else operands[0]
            if (z, x) in self.reader:
                raise self.refuse(
                    f"{self.name[z]} reads {self.name[x]} with two weights, "
                    f"{self.name[self.reader[z, x]]} and {self.name[w]}"
                )
            self.input[w], self.reader[z, x] = x, w
            if not _close(edges[w], x.data, 0.0):
                raise self.refuse(
                    f"∂{self.name[z]}/∂{self.name[w]} = {edges[w]!r}, not the value {x.data!r} of the input "
                    f"{self.name[x]} that it multiplies: {self.name[z]} is not b + Σ w·input"
                )
        own = set(neuron.parameters)
        for x, local in edges.items():
            reader = self.reader.get((z, x))
            if x not in own and (reader is None or not _close(local, reader.data, 0.0)):
                how = "other than through a weight" if reader is None else f"not only through {self.name[reader]}"
                raise self.refuse(
                    f"{self.name[z]} depends on {self.name[x]} {how} (∂{self.name[z]}/∂{self.name[x]} = {local!r})"
                )
        if neuron.b is not None and not _close(edges[neuron.b], 1.0, 0.0):
            raise self.refuse(
                f"∂{self.name[z]}/∂{self.name[neuron.b]} = {edges[neuron.b]!r}, not 1: z is not b + Σ w·input"
            )

    def explain(self) -> list[LayerGradients]:
        """BP1 for the last layer, BP2 for the others from the last back, BP3 and BP4 for
        every parameter; then every δ and gradient checked against the engine."""
        loss, edges = self.loss, self.edges
        delta: dict[Value, float] = {}  # z -> δ
        size: dict[Value, float] = {}  # z -> the size of the terms summed into δ: the check's scale
        found: list[LayerGradients] = []
        for number in range(len(self.layers) - 1, -1, -1):
            last = number == len(self.layers) - 1
            errors, grads = [], []
            for neuron in self.layers[number]:
                z, out = neuron.z, neuron.output
                slope = None if neuron.a is None else edges[neuron.a][z]
                if last:
                    readers = []
                    upstream = 1.0 if out is loss else edges[loss][out]
                    upstream_size = abs(upstream)
                else:
                    readers = [m for m in self.layers[number + 1] if (m.z, out) in self.reader]
                    upstream = sum(edges[m.z][out] * delta[m.z] for m in readers)
                    upstream_size = sum(abs(edges[m.z][out]) * size[m.z] for m in readers)
                factor = 1.0 if slope is None else slope
                delta[z], size[z] = upstream * factor, upstream_size * abs(factor)
                terms = tuple(
                    BackTerm(self.name[self.reader[m.z, out]], edges[m.z][out], m.name, delta[m.z]) for m in readers
                )
                errors.append(NeuronError(neuron.name, self.name[z], self.name[out], upstream, terms, slope, delta[z]))
                for p in neuron.parameters:
                    x = self.input.get(p)
                    name = "" if x is None else self.name[x]
                    grads.append(
                        ParameterGradient(
                            self.name[p], neuron.name, name, edges[z][p], delta[z], edges[z][p] * delta[z]
                        )
                    )
            activation = "/".join(sorted({_activation_name(n) for n in self.layers[number]}))
            layer = self.layers[number][0].layer
            found.append(LayerGradients(layer, last, activation, tuple(errors), tuple(grads)))
        found.reverse()
        self._check_against_engine(found, size)
        return found

    def _check_against_engine(self, found: list[LayerGradients], size: dict[Value, float]) -> None:
        """Each δ against the engine's ∂root/∂z, each gradient against its gradient, from a
        backward pass (`gradients`, the functional API's: no ``grad`` attribute is touched)."""
        engine = gradients(self.order, 1.0, set(self.parameters))
        floor = 1e-12 * max((abs(g) for g in engine.values()), default=0.0)
        root = self.name[self.loss]
        for neurons, layer in zip(self.layers, found, strict=True):
            for neuron, error in zip(neurons, layer.neurons, strict=True):
                z = neuron.z
                if not _close(error.delta, engine.get(z, 0.0), size[z], floor):
                    raise self.refuse(
                        f"δ({neuron.name}) = {error.delta!r} by {layer.rule}, but the engine's "
                        f"∂{root}/∂{self.name[z]} = {engine.get(z, 0.0)!r}: the graph is not a plain layered network"
                    )
            nodes = {self.name[p]: (p, size[n.z]) for n in neurons for p in n.parameters}
            for g in layer.parameters:
                node, scale = nodes[g.parameter]
                if not _close(g.gradient, engine.get(node, 0.0), abs(g.input_value) * scale, floor):
                    raise self.refuse(
                        f"∂{root}/∂{g.parameter} = {g.gradient!r} by {g.rule}, but the engine's is "
                        f"{engine.get(node, 0.0)!r}: the graph is not a plain layered network"
                    )


def _activation_name(neuron: _Neuron) -> str:
    """The activation's op (``sigmoid``), ``linear`` when there is none, ``custom`` when
    the activation is made of several ops."""
    a, z = neuron.a, neuron.z
    if a is None:
        return "linear"
    parents = a.parents
    return a.op if len(parents) == 1 and parents[0] is z else "custom"


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


class _PlainNotation:
    """How the text form writes numbers and symbols (`_TexNotation`: the math form)."""

    dot = " · "  # between symbols in a product
    times = " × "  # between numbers in a product
    signed_zero = True  # "-0" for a negative zero (False: "0")

    def __init__(self, precision: int) -> None:
        self.precision = precision

    def num(self, x: float) -> str:
        return format_number(x, self.precision, signed_zero=self.signed_zero)

    def operand(self, x: float) -> str:  # a number in a product: a negative one in parentheses
        text = self.num(x)
        return self.group(text) if text.startswith("-") else text

    def group(self, text: str) -> str:
        return f"({text})"

    def name(self, node: str) -> str:
        return node

    def partial(self, upper: str, lower: str) -> str:
        return f"∂{upper}/∂{lower}"

    def delta(self, neuron: str) -> str:
        return f"δ({neuron})"

    def slope(self, z: str) -> str:
        return f"σ′({z})"


class _Text(_PlainNotation):
    def __init__(self, e: Explanation) -> None:
        super().__init__(e.precision)
        self.e = e

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


class _TexNotation(_PlainNotation):
    dot = THIN
    times = r" \times "

    def num(self, x: float) -> str:
        text = format_number(x, self.precision, signed_zero=self.signed_zero)
        if text.lstrip("-") == "inf":
            return text.replace("inf", r"\infty")
        if text == "nan":
            return r"\mathrm{nan}"
        mantissa, e, exponent = text.partition("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}" if e else text

    def group(self, text: str) -> str:
        return rf"\left({text}\right)"

    def name(self, node: str) -> str:
        return _tex_name(node)

    def partial(self, upper: str, lower: str) -> str:
        return rf"\frac{{\partial {_tex_name(upper)}}}{{\partial {_tex_name(lower)}}}"

    def delta(self, neuron: str) -> str:
        return rf"\delta_{{{_tex_name(neuron)}}}"

    def slope(self, z: str) -> str:
        return rf"\sigma'\left({_tex_name(z)}\right)"


class _Latex(_TexNotation, _Text):
    """The explanation as math: one displayed equation per line, for `_repr_latex_`
    (all of it in one ``aligned`` block) and `_repr_markdown_` (one ``$$`` block each)."""

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


# --- rendering the layer-by-layer view ---------------------------------------------------------

_RULES = {  # BP1–BP4 as the article writes them: (plain text, LaTeX); {E} is the root
    "BP1": ("δᴸ = ∂{E}/∂aᴸ ⊙ σ′(zᴸ)", r"\delta^{{L}} = \nabla_{{a}} {E} \odot \sigma'(z^{{L}})"),
    "BP2": (
        "δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)",
        r"\delta^{{l}} = \left((w^{{l+1}})^{{T}} \delta^{{l+1}}\right) \odot \sigma'(z^{{l}})",
    ),
    "BP3": ("∂{E}/∂bˡⱼ = δˡⱼ", r"\frac{{\partial {E}}}{{\partial b^{{l}}_{{j}}}} = \delta^{{l}}_{{j}}"),
    "BP4": (
        "∂{E}/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ",
        r"\frac{{\partial {E}}}{{\partial w^{{l}}_{{jk}}}} = a^{{l-1}}_{{k}} \delta^{{l}}_{{j}}",
    ),
}


def _layer_intro(e: LayerExplanation) -> str:
    return (
        f"The gradient of {e.root} layer by layer, as backpropagation computes it (BP1–BP4). Each neuron computes "
        "its weighted input z = b + Σ w·input and its output a = σ(z); its error is δ = ∂"
        f"{e.root}/∂z. The output layer's δ's come from {e.root} (BP1), each hidden layer's from the δ's of the "
        "layer after it, sent back through the weights that read it (BP2); each parameter's gradient comes from "
        "its neuron's δ (BP3, BP4). Every factor is a local derivative of the graph: σ′(z) = ∂a/∂z, a weight in "
        "BP2 is ∂z/∂a, an input in BP4 is ∂z/∂w."
    )


def _layer_check(e: LayerExplanation) -> str:
    tolerance = f"{AGREEMENT:.0e}".replace("e-0", "e-")  # 1e-9
    return (
        f"Checked against the engine: each δ equals its ∂{e.root}/∂z, and each ∂{e.root}/∂w and ∂{e.root}/∂b "
        f"its gradient, as a backward pass over the same graph computes them (to a relative {tolerance})."
    )


def _layer_heading(layer: LayerGradients) -> str:
    name = f"layer {layer.name}" if layer.name else "the layer"
    role = "output layer" if layer.output else "hidden"
    linear = ": a = z, σ′(z) = 1" if layer.activation == "linear" else ""
    return f"{name} ({role}, {layer.activation}{linear})"


class _LayerText(_PlainNotation):
    """The layer view, written once over the notation's symbols: `items` gives headings,
    rules and equations (each a list of sides joined by '='); `render` lays them out as text,
    and the subclasses as LaTeX and Markdown."""

    rule_column = 0  # 0: the plain-text form of a rule, 1: the LaTeX one
    signed_zero = False  # a relu that is off gives δ = 0 × (−0.3): "0", not "-0"

    def __init__(self, e: LayerExplanation) -> None:
        super().__init__(e.precision)
        self.e = e

    def rule(self, name: str) -> str:
        return _RULES[name][self.rule_column].format(E=self.name(self.e.root))

    def items(self) -> list[tuple[str, str, list[str]]]:
        """(kind, text, sides): ("heading", text, []), ("rule", "BP1", []), ("equation", "", sides)."""
        found: list[tuple[str, str, list[str]]] = []
        for layer in reversed(self.e.layers):
            found.append(("heading", _layer_heading(layer), []))
            found.append(("rule", layer.rule, []))
            found.extend(("equation", "", self.delta_sides(n)) for n in layer.neurons)
            for rule in ("BP3", "BP4"):
                rows = [self.gradient_sides(p) for p in layer.parameters if p.rule == rule]
                if rows:
                    found.append(("rule", rule, []))
                    found.extend(("equation", "", sides) for sides in rows)
        return found

    def delta_sides(self, n: NeuronError) -> list[str]:
        """δ = its factors by name = their numbers (= the sum times σ′) = its value."""
        root = self.e.root
        if not n.terms:  # BP1
            if n.slope is None:
                return [self.delta(n.neuron), self.partial(root, n.output), self.num(n.delta)]
            return [
                self.delta(n.neuron),
                self.partial(root, n.output) + self.dot + self.slope(n.z),
                self.operand(n.upstream) + self.times + self.operand(n.slope),
                self.num(n.delta),
            ]
        symbols = " + ".join(self.name(t.weight) + self.dot + self.delta(t.neuron) for t in n.terms)
        numbers = " + ".join(self.operand(t.weight_value) + self.times + self.operand(t.delta) for t in n.terms)
        several = len(n.terms) > 1
        if n.slope is None:
            return [self.delta(n.neuron), symbols, numbers, self.num(n.delta)]
        grouped = [self.group(symbols), self.group(numbers)] if several else [symbols, numbers]
        sides = [
            self.delta(n.neuron),
            grouped[0] + self.dot + self.slope(n.z),
            grouped[1] + self.times + self.operand(n.slope),
        ]
        if several:
            sides.append(self.operand(n.upstream) + self.times + self.operand(n.slope))
        return [*sides, self.num(n.delta)]

    def gradient_sides(self, p: ParameterGradient) -> list[str]:
        left = self.partial(self.e.root, p.parameter)
        if not p.input:  # BP3
            return [left, self.delta(p.neuron), self.num(p.gradient)]
        return [
            left,
            self.name(p.input) + self.dot + self.delta(p.neuron),
            self.operand(p.input_value) + self.times + self.operand(p.delta),
            self.num(p.gradient),
        ]

    def render(self) -> str:
        lines = [_layer_intro(self.e)]
        for kind, text, sides in self.items():
            if kind == "heading":
                lines.append(text)
            elif kind == "rule":
                lines.append(f"  {text}: {self.rule(text)}")
            else:
                lines.extend(self.equation_lines(sides))
        lines.append(_layer_check(self.e))
        return "\n".join(lines)

    def equation_lines(self, sides: list[str]) -> list[str]:
        """One line, or, past 100 characters, one line per side with the = signs aligned."""
        indent = "    "
        line = indent + " = ".join(sides)
        if len(line) <= 100:
            return [line]
        pad = indent + " " * len(sides[0])
        return [f"{indent}{sides[0]} = {sides[1]}", *(f"{pad} = {side}" for side in sides[2:])]


class _LayerLatex(_TexNotation, _LayerText):
    rule_column = 1

    def rows(self) -> list[tuple[str, str]]:
        """(prose or '', math) per item: the heading as prose, a rule and an equation as math."""
        found = []
        for kind, text, sides in self.items():
            if kind == "heading":
                found.append((text, ""))
            elif kind == "rule":
                found.append(("", rf"\text{{{text}: }} {self.rule(text)}"))
            else:
                found.append(("", " = ".join(sides)))
        return found

    def render(self) -> str:
        rows = [math if math else rf"\text{{{_tex_escape(prose)}}}" for prose, math in self.rows()]
        body = r" \\ ".join(f"& {row}" for row in rows)
        return f"$$\\begin{{aligned}} {body} \\end{{aligned}}$$"


class _LayerMarkdown(_LayerLatex):
    def render(self) -> str:
        blocks = [_md(_layer_intro(self.e))]
        for prose, math in self.rows():
            blocks.append(f"**{_md(prose[0].upper() + prose[1:])}**" if prose else f"$${math}$$")
        blocks.append(_md(_layer_check(self.e)))
        return "\n\n".join(blocks) + "\n"
