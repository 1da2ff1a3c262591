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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, Union

from autograd_scalar.core import backprop
from autograd_scalar.core.mode import mode
from autograd_scalar.core.value import Op, Value, number_or_none

Argnums = Union[int, tuple[int, ...]]

# Stands for an argument inside one grad call: the identity, so gradients pass through it
# to whatever the caller's argument was computed from.
_ARGUMENT = Op("arg", lambda x: x, lambda out, x: (1.0,))


class Scope(NamedTuple):
    """How one transform call evaluates: `as_values` when its results must be Values (it
    was given Values, or runs inside another transform, which will differentiate them);
    `constants` when they must also be cut from the graph (Values asked for under
    ``no_grad()``: right numbers that nothing enclosing differentiates through)."""

    as_values: bool
    constants: bool

    def release(self, x: Any) -> Any:
        """`x` as the caller gets it: detached when the scope asks for constants."""
        return x.detach() if self.constants and isinstance(x, Value) else x


@contextmanager
def transform_scope(given: Iterable[Any]) -> Iterator[Scope]:
    """Evaluate a function to be differentiated: recording on whatever the ambient mode
    (as in JAX, the answer must not depend on it), and one level deeper, so that
    transforms called inside return graphs for this one to differentiate. `given` are
    the numbers and Values the transform was called with."""
    as_values = mode.grad_depth > 0 or any(isinstance(a, Value) for a in given)
    recording = mode.grad_enabled
    mode.grad_enabled = True
    mode.grad_depth += 1
    try:
        yield Scope(as_values, as_values and not recording)
    finally:
        mode.grad_depth -= 1
        mode.grad_enabled = recording


def input_nodes(
    f: Callable[..., Any], args: tuple[Any, ...], positions: tuple[int, ...]
) -> tuple[list[Value], list[Any]]:
    """Fresh nodes standing for ``args[i]``, i in `positions`, and the arguments to call
    `f` with (those nodes in those places). Fresh, so that nested transforms of closures
    differentiate with respect to their own arguments only."""
    for i in positions:
        if i >= len(args):
            raise TypeError(
                f"{function_name(f)}: argnums asks for argument {i}, but it was called with "
                f"{len(args)} positional argument{'s' if len(args) != 1 else ''}"
            )
    call_args = list(args)
    inputs = []
    names = argument_names(f, len(args))
    for i in positions:
        inputs.append(_input_node(args[i], names[i], f))
        call_args[i] = inputs[-1]
    return inputs, call_args


def check_output(f: Callable[..., Any], out: Any) -> Value | float:
    """`f`'s result if it is a Value, else as a float; refuses anything else by name.

    A bool is refused although ``True + 0.0`` is a number: a comparison has no
    derivative to speak of, and Values refuse bools everywhere (``Value(True)``).
    """
    if isinstance(out, Value):
        return out
    number = number_or_none(out)
    if number is None:
        hint = (
            "; a comparison has no derivative (return e.g. float(x > y) if you mean 0 or 1)"
            if isinstance(out, bool)
            else ""
        )
        raise TypeError(f"{function_name(f)} must return a Value or a number, got {type(out).__name__}{hint}")
    return number


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args, **kwargs), ∂f/∂args[argnums])``.

    `argnums` is an int (the gradient is one number) or a tuple of ints (a tuple of them).
    Keyword arguments pass through to `f` and are not differentiated. `f` must return a
    Value or a number; a number means f does not depend on its inputs.

    With ``has_aux=True``, `f` returns a pair ``(value, aux)``: only `value` is
    differentiated, `aux` (anything: a loss's parts, predictions, a dict) comes back
    untouched, and the result is ``((value, aux), gradient)``, as in JAX.

    The answer does not depend on the ambient mode: `f` is always evaluated with recording
    on, as in JAX. Inside ``no_grad()`` the results are still right, but come back as
    constants (leaves), so nothing enclosing can differentiate through them.
    """
    positions = check_argnums(argnums)

    def evaluate(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        with transform_scope(args) as scope:
            inputs, call_args = input_nodes(f, args, positions)
            out = f(*call_args, **kwargs)
            if has_aux:
                out, aux = split_aux(f, out)
            out = check_output(f, out)
            if isinstance(out, Value):
                order = backprop.topological_order(out)
                seed = Value(1.0) if scope.as_values else 1.0
                grads = backprop.gradients(order, seed, set(inputs), create_graph=scope.as_values)
                result = [grads.get(node, 0.0) for node in inputs]
                value: Any = out if scope.as_values else out._data
            else:
                result = [0.0 for _ in inputs]
                value = out
        value = scope.release(value)
        gradient = scope.release(result[0]) if isinstance(argnums, int) else tuple(map(scope.release, result))
        return ((value, aux) if has_aux else value), gradient

    evaluate.__name__ = f"value_and_grad({function_name(f)})"
    evaluate.__doc__ = f"(value, gradient) of {function_name(f)} with respect to argument(s) {argnums}."
    return evaluate


def grad(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The derivative of `f` with respect to argument(s) `argnums`, as a function.

    With ``has_aux=True``, `f` returns ``(value, aux)`` and the result is
    ``(gradient, aux)``, `aux` untouched (see `value_and_grad`).

    >>> grad(lambda x: x * x)(3.0)
    6.0
    >>> grad(lambda x, c: c * x * x)(3.0, c=0.5)
    3.0
    >>> grad(lambda x: (x * x, "aux"), has_aux=True)(3.0)
    (6.0, 'aux')
    """
    both = value_and_grad(f, argnums, has_aux)

    def derivative(*args: Any, **kwargs: Any) -> Any:
        value, gradient = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    derivative.__name__ = f"grad({function_name(f)})"
    derivative.__doc__ = f"∂{function_name(f)}/∂ argument(s) {argnums}."
    return derivative


def split_aux(f: Callable[..., Any], out: Any) -> tuple[Any, Any]:
    """``(value, aux)`` from what a ``has_aux=True`` function returned, or a clear error."""
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(
            f"{function_name(f)} was differentiated with has_aux=True, so it must return a pair "
            f"(value, aux), got {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, tuple) else "")
        )
    return out[0], out[1]


def _input_node(arg: Any, name: str, f: Callable[..., Any]) -> Value:
    if isinstance(arg, Value):
        node = _ARGUMENT(arg)
    else:
        number = number_or_none(arg)
        if number is None:
            raise TypeError(
                f"{function_name(f)}: argument {name!r} must be a number or a Value to be "
                f"differentiated, got {type(arg).__name__} {arg!r}"
            )
        node = Value(number)
    node.label = name
    return node


def check_argnums(argnums: Argnums) -> tuple[int, ...]:
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


def function_name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)
