"""`grad` and `value_and_grad`: derivatives as functions, composable to any order.

``grad(f)`` is a new function of the same arguments. Called at plain numbers it returns
floats. Called while an enclosing ``grad`` is evaluating (or with Values) it returns a
differentiable Value, so ``grad(grad(f))`` is the second derivative. Each call
differentiates with respect to fresh nodes standing for its own arguments, never the
caller's nodes, so nested derivatives of closures are not confused with one another
(``grad(lambda x: grad(lambda y: x * y)(x))(3.0)`` is 1, not 2).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Union

from autograd_scalar.core import backprop
from autograd_scalar.core.mode import mode
from autograd_scalar.core.value import Op, Value, number_or_none

Argnums = Union[int, tuple[int, ...]]

# Stands for an argument inside one grad call: the identity, so gradients pass through it
# to whatever the caller's argument was computed from.
_ARGUMENT = Op("arg", lambda x: x, lambda out, x: (1.0,))


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args, **kwargs), ∂f/∂args[argnums])``.

    `argnums` is an int (the gradient is one number) or a tuple of ints (a tuple of them).
    Keyword arguments pass through to `f` and are not differentiated. `f` must return a
    Value or a number; a number means f does not depend on its inputs.

    The answer does not depend on the ambient mode: `f` is always evaluated with recording
    on, as in JAX. Inside ``no_grad()`` the results are still right, but come back as
    constants (leaves), so nothing enclosing can differentiate through them.
    """
    positions = _check_argnums(argnums)

    def evaluate(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for i in positions:
            if i >= len(args):
                raise TypeError(
                    f"{_name(f)}: argnums asks for argument {i}, but it was called with "
                    f"{len(args)} positional argument{'s' if len(args) != 1 else ''}"
                )
        # Values in, Values out; and inside an enclosing grad the result must stay a graph.
        as_values = mode.grad_depth > 0 or any(isinstance(a, Value) for a in args)
        recording = mode.grad_enabled
        mode.grad_enabled = True
        mode.grad_depth += 1
        try:
            call_args = list(args)
            inputs = []
            names = argument_names(f, len(args))
            for i in positions:
                inputs.append(_input_node(args[i], names[i], f))
                call_args[i] = inputs[-1]
            out = f(*call_args, **kwargs)
            if isinstance(out, Value):
                order = backprop.topological_order(out)
                seed = Value(1.0) if as_values else 1.0
                grads = backprop.gradients(order, seed, set(inputs), create_graph=as_values)
                result = [grads.get(node, 0.0) for node in inputs]
                value: Any = out if as_values else out._data
            elif number_or_none(out) is not None:
                result = [0.0 for _ in inputs]
                value = float(out)
            else:
                raise TypeError(f"{_name(f)} must return a Value or a number, got {type(out).__name__}")
        finally:
            mode.grad_depth -= 1
            mode.grad_enabled = recording
        if as_values and not recording:
            value = _constant(value)
            result = [_constant(g) for g in result]
        return value, (result[0] if isinstance(argnums, int) else tuple(result))

    evaluate.__name__ = f"value_and_grad({_name(f)})"
    evaluate.__doc__ = f"(value, gradient) of {_name(f)} with respect to argument(s) {argnums}."
    return evaluate


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The derivative of `f` with respect to argument(s) `argnums`, as a function.

    >>> grad(lambda x: x * x)(3.0)
    6.0
    >>> grad(lambda x, c: c * x * x)(3.0, c=0.5)
    3.0
    """
    both = value_and_grad(f, argnums)

    def derivative(*args: Any, **kwargs: Any) -> Any:
        return both(*args, **kwargs)[1]

    derivative.__name__ = f"grad({_name(f)})"
    derivative.__doc__ = f"∂{_name(f)}/∂ argument(s) {argnums}."
    return derivative


def _constant(x: Any) -> Any:
    """`x` cut off from the graph (under ``no_grad``): a Value stays a Value, detached."""
    return x.detach() if isinstance(x, Value) else x


def _input_node(arg: Any, name: str, f: Callable[..., Any]) -> Value:
    if isinstance(arg, Value):
        node = _ARGUMENT(arg)
    else:
        number = number_or_none(arg)
        if number is None:
            raise TypeError(
                f"{_name(f)}: argument {name!r} must be a number or a Value to be "
                f"differentiated, got {type(arg).__name__} {arg!r}"
            )
        node = Value(number)
    node.label = name
    return node


def _check_argnums(argnums: Argnums) -> tuple[int, ...]:
    positions = (argnums,) if isinstance(argnums, int) else argnums
    if (
        not isinstance(positions, tuple)
        or not positions
        or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in positions)
    ):
        raise TypeError(f"argnums must be a non-negative int or a non-empty tuple of them, got {argnums!r}")
    return positions


def argument_names(f: Callable[..., Any], count: int) -> list[str]:
    """The names f's first `count` positional arguments go by, in messages and labels:
    their parameter names where the signature says, ``arg{i}`` otherwise."""
    names = _parameter_names(f)
    return [names[i] if i < len(names) else f"arg{i}" for i in range(count)]


def _parameter_names(f: Callable[..., Any]) -> list[str]:
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)
