"""`custom_gradient`: a function whose backward pass you write yourself.

Some backward rules are not derivatives of the forward: clipping the gradient that
arrives (JAX's cookbook example: forward the identity, backward ``clip(g, -1, 1)``),
scaling or reversing it, or a numerically stable formula for a derivative the forward
computes unstably. Such a rule needs the *upstream* gradient g, which a local derivative
(∂out/∂operand, multiplied by g afterwards) cannot express. So a custom-gradient
function is an `Op` whose `local_grad` raises `NeedsUpstreamGradient` carrying the rule,
and the reverse sweeps hand g to it (see `core/backprop.py`).

The body runs on the numbers, not on the graph: its value becomes one node whose
operands are the function's arguments, and nothing the body computed is recorded. It runs
again in the backward pass, on the node's operands, to get the rule: on floats in an
ordinary pass, on Values in a differentiable one (``grad`` of ``grad``,
``backward(create_graph=True)``). So second and higher derivatives through it are the
derivatives of the backward rule as written, as in JAX, provided the body is written
with the engine's operators and ops (a body that uses `math` on its arguments raises a
clear `TypeError` there rather than returning a wrong number).

Forward mode (`jvp`, `hessian`) cannot go through it: there is no forward rule, and
`jvp` raises `TypeError` saying so. `compile` traces it as a call of its op, and every
replay that needs its gradient falls back to the eager engine, with the eager numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from autograd_scalar.core.backprop import NeedsUpstreamGradient
from autograd_scalar.core.op import Op
from autograd_scalar.core.value import Value, number_or_none
from autograd_scalar.functional import function_name

Body = Callable[..., tuple[Any, Callable[[Any], Any]]]


def custom_gradient(body: Body) -> Callable[..., Any]:
    """Decorate ``body(*args) -> (value, backward)``, where ``backward(g)`` returns the
    gradient for each argument given the upstream gradient g (one value for one argument,
    a tuple for two).

    The result takes one or two numbers or Values (an `Op` takes one or two operands),
    returns a float for numbers and a graph node for Values, and differentiates by
    `backward` under `grad`, `value_and_grad`, ``backward()`` and `compile`.

    >>> import autograd_scalar as ag
    >>> @custom_gradient
    ... def clip_gradient(x):
    ...     return x, lambda g: max(-1.0, min(1.0, g))
    >>> ag.grad(lambda x: clip_gradient(x * 3.0))(2.0)
    3.0
    """
    name = function_name(body)

    def forward(*xs: float) -> float:
        value = body(*xs)[0]
        number = value._data if isinstance(value, Value) else number_or_none(value)
        if number is None:
            raise TypeError(f"custom_gradient {name}: the body must return (number, backward), got {value!r} first")
        return number

    def local_grad(out: Any, *operands: Any) -> tuple[Any, ...]:
        backward = body(*operands)[1]

        def vjp(g: Any) -> tuple[Any, ...]:
            result = backward(g)
            return tuple(result) if isinstance(result, (tuple, list)) else (result,)

        raise NeedsUpstreamGradient(
            f"{name} is a custom_gradient function: its backward rule takes the upstream gradient, "
            "so it has no local derivative on its own (reverse mode calls the rule instead)",
            vjp,
        )

    op = Op(name, forward, local_grad)

    @functools.wraps(body)
    def apply(*args: Any) -> Any:
        if len(args) not in (1, 2):
            raise TypeError(f"custom_gradient {name} takes one or two arguments (an op's operands), got {len(args)}")
        return op(*args)

    return apply
