"""Modules: a neuron, a layer of them, and a multi-layer perceptron.

Every module owns Values as parameters and exposes them in a fixed order with stable
names (``layers.0.neurons.1.w.0``), so weights can be set from a list to reproduce a
worked example, filtered by name, saved and loaded (``state_dict``), or drawn in a graph
picture. Each parameter's ``label`` is the short form of its name (``L0.N1.w0``: layer 0,
neuron 1, weight 0; ``b`` the bias), which pictures, text trees and error messages show.
"""

from __future__ import annotations

import math
import numbers
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Union

from autograd_scalar.core import ops
from autograd_scalar.core.value import Value
from autograd_scalar.datasets import Rng, as_random

Input = Union[Value, float, int]
Activation = Union[str, Callable[[Value], Value]]


def linear(x: Value) -> Value:
    """The identity: the activation of a linear layer (a function, not a lambda, so that
    modules pickle)."""
    return x


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": ops.relu,
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "linear": linear,
}


class Module:
    """Something with parameters.

    A subclass that has parameters overrides `named_parameters` and `_replace_parameters`
    together; one that has none (an activation, say) overrides neither, and is a module
    with no parameters everywhere: `parameters()` is empty and `functional_call` works.
    """

    name = ""
    """The short name of this module inside the outermost one (``L0.N1``); '' for that one.
    A neuron labels the nodes it computes with it: ``L0.N1.z`` (w · x + b) and ``L0.N1.a``."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a fixed order; this base class has no parameters."""
        return []

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 (do this before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def set_parameters(self, values: Sequence[float]) -> None:
        """Overwrite the parameters' data, in `parameters()` order; the count must match."""
        params = self.parameters()
        if len(values) != len(params):
            raise ValueError(f"{type(self).__name__} has {len(params)} parameters, got {len(values)} values")
        for p, v in zip(params, values, strict=True):
            p.data = Value(v).data

    def state_dict(self) -> OrderedDict[str, float]:
        """The parameters' numbers by name, in `named_parameters()` order."""
        return OrderedDict((name, p.data) for name, p in self.named_parameters())

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state` (as `state_dict()` returns it).

        The names must be exactly this module's: a missing or an unexpected name is a
        `ValueError` naming them, a value that is not a real number a `TypeError`, NaN a
        `ValueError`. Nothing is changed unless every check passes.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a mapping from parameter names to numbers, got {type(state).__name__}")
        params = self.named_parameters()
        names = {name for name, _ in params}
        missing = [name for name, _ in params if name not in state]
        unexpected = [key for key in state if key not in names]
        if missing or unexpected:
            problems = [f"missing {_names(missing)}"] if missing else []
            problems += [f"unexpected {_names(unexpected)}"] if unexpected else []
            raise ValueError(f"{where}: {'; '.join(problems)} (this module: {self!r})")
        for name, _ in params:
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__} {value!r}")
            if value != value:
                raise ValueError(f"{where}: {name} is nan")
        for name, p in params:
            p.data = state[name]

    def __repr__(self) -> str:
        shape = self._describe()
        return f"{type(self).__name__}({shape + ', ' if shape else ''}parameters={len(self.parameters())})"

    def named_modules(self) -> list[tuple[str, Module]]:
        """(name, module) for this module ('') and every module inside it, outermost first:
        ``layers.0``, ``layers.0.neurons.1``, …, the prefixes of `named_parameters`."""
        found: list[tuple[str, Module]] = [("", self)]
        for name, child in self._children():
            found += [(f"{name}.{inner}" if inner else name, m) for inner, m in child.named_modules()]
        return found

    def _children(self) -> list[tuple[str, Module]]:
        """The modules directly inside this one, by name; this base class has none."""
        return []

    def _label_parameters(self) -> None:
        """Label each parameter with the short form of its name (`parameter_label`), and give
        each module inside its short name (``L0.N1``) to label the nodes it computes."""
        for name, p in self.named_parameters():
            p.label = parameter_label(name)
        for name, module in self.named_modules():
            module.name = parameter_label(name)

    def _replace_parameters(self, values: Sequence[Value]) -> list[Value]:
        """Put `values` where the parameters are, in `parameters()` order; return the old ones.

        A module with no parameters has nothing to replace. One whose `named_parameters`
        lists some but that does not say how to replace them is refused, by name: computing
        with its own parameters instead would give `functional_call` silently wrong gradients.
        """
        if self.parameters():
            raise NotImplementedError(
                f"{type(self).__name__} defines named_parameters() but not _replace_parameters(), "
                "so functional_call cannot put other values in place of its parameters"
            )
        return []

    def _describe(self) -> str:
        return ""


class Neuron(Module):
    """activation(w · x + b) for `nin` inputs.

    Weights start uniform in ±1/√nin (bias 0) unless `weights` and `bias` are given.
    """

    def __init__(
        self,
        nin: int,
        activation: Activation = "relu",
        rng: Rng = None,
        weights: Sequence[float] | None = None,
        bias: float = 0.0,
    ) -> None:
        _check_count("nin", nin)
        self.activation_name, self.activation = _activation(activation)
        if weights is None:
            draw = as_random(rng, type(self).__name__)
            scale = 1.0 / math.sqrt(nin)
            weights = [draw.uniform(-scale, scale) for _ in range(nin)]
        elif len(weights) != nin:
            raise ValueError(f"Neuron({nin}): got {len(weights)} weights")
        self.w = [Value(v) for v in weights]
        self.b = Value(bias)
        self._label_parameters()

    def __call__(self, x: Sequence[Input]) -> Value:
        try:
            size = len(x)
        except TypeError:
            _sample(self, x, len(self.w))
            raise
        if size != len(self.w):
            _sample(self, x, len(self.w))
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        x = _inputs(self, x)
        z = self.b
        for wi, xi in zip(self.w, x, strict=True):
            z = z + wi * xi
        z.label = _join(self.name, "z")
        out = self.activation(z)
        if out is not z:
            out.label = _join(self.name, "a")
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def _replace_parameters(self, values: Sequence[Value]) -> list[Value]:
        old = [*self.w, self.b]
        self.w, self.b = list(values[: len(self.w)]), values[len(self.w)]
        return old

    def _describe(self) -> str:
        return f"{len(self.w)}, {self.activation_name}"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; returns a list of `nout` Values."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        rng: Rng = None,
        weights: Sequence[Sequence[float]] | None = None,
        biases: Sequence[float] | None = None,
    ) -> None:
        _check_count("nout", nout)
        for name, given in (("weights", weights), ("biases", biases)):
            if given is not None and len(given) != nout:
                raise ValueError(f"Layer({nin}, {nout}): got {len(given)} rows of {name}")
        draw = as_random(rng, type(self).__name__)
        self.neurons = [
            Neuron(
                nin,
                activation,
                rng=draw,
                weights=None if weights is None else weights[i],
                bias=0.0 if biases is None else biases[i],
            )
            for i in range(nout)
        ]
        self._label_parameters()

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        _sample(self, x, len(self.neurons[0].w))
        x = _inputs(self, x)
        return [n(x) for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def _replace_parameters(self, values: Sequence[Value]) -> list[Value]:
        return _replace_in_parts(self.neurons, values)

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def _describe(self) -> str:
        first = self.neurons[0]
        return f"{len(first.w)}, {len(self.neurons)}, {first.activation_name}"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one layer per entry of `nouts`.

    Hidden layers use `activation`; the last uses `output_activation` (linear unless told).
    Called on a list of floats or Values, returns a Value when the last layer is one wide,
    a list of Values otherwise.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "relu",
        output_activation: Activation = "linear",
        rng: Rng = None,
    ) -> None:
        _check_count("nin", nin)
        if isinstance(nouts, int) and not isinstance(nouts, bool):
            raise TypeError(
                f"MLP({nin}, {nouts}): nouts is a list of layer sizes, one per layer, the last being the "
                f"number of outputs: write MLP({nin}, [{nouts}]) for a single layer of {nouts}, or "
                f"MLP({nin}, [16, 16, {nouts}]) for two hidden layers of 16 before it"
            )
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes such as [16, 16, 1], got {nouts!r}")
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        for i, size in enumerate(nouts):
            _check_count(f"MLP: nouts[{i}] (a layer size)", size)
        draw = as_random(rng, type(self).__name__)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else output_activation, rng=draw)
            for i in range(len(nouts))
        ]
        self._label_parameters()

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        _sample(self, x, len(self.layers[0].neurons[0].w))
        out: Sequence[Input] = _inputs(self, x)
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else list(out)  # type: ignore[return-value, arg-type]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def _replace_parameters(self, values: Sequence[Value]) -> list[Value]:
        return _replace_in_parts(self.layers, values)

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def _describe(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        shape = "-".join(str(s) for s in sizes)
        hidden = {n.activation_name for layer in self.layers[:-1] for n in layer.neurons}
        output = {n.activation_name for n in self.layers[-1].neurons}
        if hidden not in (set(), {"relu"}):
            shape += f", activation={'/'.join(sorted(hidden))}"
        if output != {"linear"}:
            shape += f", output_activation={'/'.join(sorted(output))}"
        return shape


def functional_call(module: Module, parameters: Sequence[Value], x: Sequence[Input]) -> Value | list[Value]:
    """``module(x)`` computed with `parameters` (in ``parameters()`` order) in place of its own.

    The module is left as it was. This makes a model a function of its parameters, which is
    what `autograd_scalar.compile` needs: pass the parameters as arguments and they become
    inputs of the traced graph, with gradients.
    """
    if len(parameters) != len(module.parameters()):
        raise ValueError(f"{type(module).__name__} has {len(module.parameters())} parameters, got {len(parameters)}")
    own = module._replace_parameters(parameters)
    try:
        return module(x)  # type: ignore[operator, no-any-return]
    finally:
        module._replace_parameters(own)


def _replace_in_parts(parts: Sequence[Module], values: Sequence[Value]) -> list[Value]:
    old: list[Value] = []
    start = 0
    for part in parts:
        count = len(part.parameters())
        old += part._replace_parameters(values[start : start + count])
        start += count
    return old


def parameter_label(name: str) -> str:
    """The short label of the parameter named `name`: ``layers.0.neurons.1.w.0`` is
    ``L0.N1.w0`` (layer 0, neuron 1, weight 0), ``neurons.2.b`` is ``N2.b``."""
    parts = name.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        short = _SHORT.get(parts[i])
        if short is not None and i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append(short + parts[i + 1])
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return ".".join(out)


_SHORT = {"layers": "L", "neurons": "N", "w": "w"}


def _names(names: list[str], shown: int = 6) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _sample(module: Module, x: Sequence[Input], n: int) -> Sequence[Input]:
    """`x` if it is one sample (a sequence); a clear error for a batch or a lone number."""
    name = type(module).__name__
    if not hasattr(x, "__len__") or isinstance(x, (str, bytes)):
        raise TypeError(
            f"{name} takes one sample, a list of {n} numbers or Values, got {type(x).__name__} {x!r}"
            + (f": write model([{x!r}])" if n == 1 and isinstance(x, (int, float, Value)) else "")
        )
    if len(x) and _is_list(x[0]):
        raise TypeError(
            f"{name} takes one sample, a list of {n} numbers or Values, but got a batch (a list of "
            f"{len(x)} lists); call it once per sample: [model(x) for x in batch]"
        )
    return x


def _is_list(x: object) -> bool:
    return hasattr(type(x), "__len__") and not isinstance(x, (str, bytes))


def _inputs(module: Module, x: Sequence[Input]) -> list[Value]:
    """The sample as Values: a number becomes a leaf labelled ``x0``, ``x1``, … (one leaf
    each, however many neurons read it, so a picture shows each input once by name); a
    Value is kept as it is."""
    return [xi if type(xi) is Value else _input(module, x, i) for i, xi in enumerate(x)]


def _input(module: Module, x: Sequence[Input], i: int) -> Value:
    xi = x[i]
    if isinstance(xi, Value):
        return xi
    _check_elements(module, x)
    return Value(xi, f"x{i}")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_elements(module: Module, x: Sequence[Input]) -> None:
    """Raise a clear error for the first input that is neither a number nor a Value."""
    name = type(module).__name__
    for i, xi in enumerate(x):
        if _is_list(xi):
            raise TypeError(
                f"{name} takes one sample, a list of numbers or Values, but input {i} is a "
                f"{type(xi).__name__}: for a batch, call it once per sample: [model(x) for x in batch]"
            )
        if isinstance(xi, bool) or not isinstance(xi, (numbers.Real, Value)):
            raise TypeError(f"{name}: input {i} must be a number or a Value, got {type(xi).__name__} {xi!r}")


def _activation(activation: Activation) -> tuple[str, Callable[[Value], Value]]:
    if callable(activation):
        for name, known in ACTIVATIONS.items():
            if activation is known:
                return name, activation
        return getattr(activation, "__name__", "custom"), activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} or pass a function")
    return activation, ACTIVATIONS[activation]


def _check_count(name: str, n: object) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
