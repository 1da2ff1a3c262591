"""Forward mode and the matrices of derivatives: `jvp`, `jacobian`, `hessian`, `hvp`.

`grad` is reverse mode: one sweep from the output back gives the derivative with respect
to every input, so it is the cheap way to get a gradient (many inputs, one output).
`jvp` is forward mode: one sweep from the inputs forward, in topological order, carries a
*tangent* (a direction of change of the inputs) to every node, each node's tangent being
its operands' tangents times its op's local derivatives (dual numbers, on the graph). It
gives one directional derivative of every output, so it is the cheap way to get a
Jacobian column (one input, many outputs). The same `local_grad` rules serve both sweeps:
on floats when the answer is a number, on Values when it must be differentiable again.

Every function here follows `grad`'s conventions: fresh nodes for the arguments of each
call (nested transforms of closures are not confused), plain floats out for plain floats
in, differentiable Values out when given Values or called inside another transform (so
``grad(jvp)``, ``jvp(grad)``, ``jacobian(jacobian)`` compose to any order), and answers
independent of the ambient ``no_grad()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_scalar.core import backprop
from autograd_scalar.core.backprop import NeedsUpstreamGradient
from autograd_scalar.core.mode import mode
from autograd_scalar.core.value import Value, number_or_none
from autograd_scalar.functional import (
    Argnums,
    check_argnums,
    check_output,
    function_name,
    grad,
    input_nodes,
    transform_scope,
)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), the derivative of f at primals in the direction tangents)``.

    `primals` and `tangents` are tuples (or lists) of the same length, one number or
    Value per positional argument of `f`. `f` returns a Value or a number, or a tuple or
    list of them; the directional derivative has the same shape. Computed in one forward
    sweep (forward mode), never by reverse passes.

    A tangent that is a plain 0 leaves its argument out of the sweep entirely, so
    ``jvp(f, (x, y), (0.0, 1.0))`` is exactly ∂f/∂y, as ``grad(f, 1)`` is, even where
    ∂f/∂x is infinite (an infinite slope times a zero tangent would be NaN). A Value
    tangent is always pushed: its number may change. Use `functools.partial` for
    keyword arguments.

    >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (6.0, 3.0)
    """
    primals, tangents = _check_pair(f, primals, tangents)
    with transform_scope((*primals, *tangents)) as scope:
        inputs, call_args = input_nodes(f, tuple(primals), tuple(range(len(primals))))
        outputs, pack = _outputs(f, f(*call_args))
        seeds = {node: t for node, t in zip(inputs, tangents, strict=True) if isinstance(t, Value) or t != 0.0}
        pushed = push_forward(outputs, seeds, scope.as_values)
        values = [out if scope.as_values or not isinstance(out, Value) else out._data for out in outputs]
    return pack(map(scope.release, values)), pack(map(scope.release, pushed))


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The matrix of first derivatives of `f`, as a function of `f`'s arguments.

    Shapes, as JAX's `jacfwd`/`jacrev` give for scalars (output structure outside,
    argument structure inside): with `f` returning one Value and an int `argnums`, one
    number (the derivative, as `grad`); with a tuple `argnums`, a tuple with one entry per
    argument. With `f` returning a tuple (or list) of outputs, a tuple with one entry per
    output, each as above: ``jacobian(f, (0, 1))(x, y)[i][j]`` is ∂fᵢ/∂(argument j).

    `f` is evaluated once. Then either one forward sweep per argument (a column each) or
    one reverse sweep per output (a row each), whichever is fewer; forward on a tie. The
    two agree to rounding. Keyword arguments pass through undifferentiated.
    """
    return _jacobian(f, argnums, "auto")


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The matrix of second derivatives of `f` (which returns one Value), as a function.

    Forward over reverse: forward sweeps (one per argument) through the graph of
    ``grad(f, argnums)``, which `f`'s reverse pass built. An int `argnums` gives one
    number, d²f/dx²; a tuple gives a tuple of tuples, ``[i][j]`` = ∂²f/∂xᵢ∂xⱼ (symmetric
    up to rounding). A `custom_gradient` function has no forward rule, so where its
    node is part of the gradient's graph this raises `TypeError`; ``grad(grad(f))``
    (reverse over reverse) works there.
    """
    return _jacobian(grad(f, argnums), argnums, "forward")


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, ...]:
    """The Hessian of `f` at `primals` times the vector `tangents`, without forming it.

    One forward sweep through the reverse pass's graph (``jvp(grad(f, all), ...)``): the
    cost of a few gradients, whatever the number of arguments. Returns a tuple, one entry
    per argument, like `tangents`.

    >>> hvp(lambda x, y: x * x * y, (1.0, 2.0), (1.0, 0.0))
    (4.0, 2.0)
    """
    primals, tangents = _check_pair(f, primals, tangents)
    return tuple(jvp(grad(f, tuple(range(len(primals)))), primals, tangents)[1])


def push_forward(outputs: list[Any], seeds: dict[Value, Any], create_graph: bool) -> list[Any]:
    """The tangent of each of `outputs` when each node of `seeds` has the given tangent:
    the forward sweep. Nodes are visited parents first; a node gets a tangent only if one
    of its operands has one, so the sweep never climbs above the seeded nodes (a nested
    transform's tangents never leak into an enclosing one's, as `gradients` never
    descends past its `wrt`). With `create_graph` the local derivatives are taken on
    Values, so the tangents are differentiable graphs; otherwise on floats."""
    roots = [out for out in outputs if isinstance(out, Value)]
    check_inf = mode.anomaly
    tangent: dict[Value, Any] = dict(seeds)
    get = tangent.get
    for node in backprop.topological_order_of(roots) if seeds else ():
        op = node._op
        if op is None or node in seeds:
            continue
        a, b = node._first, node._second
        ta, tb = get(a), None if b is None else get(b)  # type: ignore[arg-type]
        if ta is None and tb is None:
            continue
        try:
            if create_graph:
                partials = op.local_grad(node, a) if b is None else op.local_grad(node, a, b)
            else:
                data = node._data
                partials = op.local_grad(data, a._data) if b is None else op.local_grad(data, a._data, b._data)  # type: ignore[union-attr]
        except NeedsUpstreamGradient:
            raise TypeError(
                f"jvp: {node.describe()} was made by a custom_gradient function, which states only a "
                "backward rule (it receives the upstream gradient), not a derivative a tangent can be "
                "pushed through. Differentiate it in reverse mode: grad, jacobian with fewer outputs "
                "than arguments, grad(grad(f)) instead of hessian"
            ) from None
        except (ArithmeticError, ValueError) as error:
            operands = ", ".join(p.describe() for p in node.parents)
            raise type(error)(f"jvp: the local derivative of {node.op}({operands}) failed: {error}") from None
        if tb is None:
            t = partials[0] * ta
        elif ta is None:
            t = partials[1] * tb
        else:
            t = partials[0] * ta + partials[1] * tb
        if not create_graph and (t != t or (check_inf and not math.isfinite(t))):
            raise FloatingPointError(
                f"jvp: the tangent became {t!r} at {node.describe()}: local derivatives {tuple(partials)!r}, "
                f"operand tangents {(ta, tb)[: len(node.parents)]!r}. An infinite local derivative (a kink "
                "such as sqrt at 0) met a zero tangent, or tangents overflowed"
            )
        tangent[node] = t
    return [get(out, 0.0) if isinstance(out, Value) else 0.0 for out in outputs]


def _jacobian(f: Callable[..., Any], argnums: Argnums, mode_: str) -> Callable[..., Any]:
    positions = check_argnums(argnums)

    def evaluate(*args: Any, **kwargs: Any) -> Any:
        with transform_scope(args) as scope:
            inputs, call_args = input_nodes(f, args, positions)
            outputs, pack = _outputs(f, f(*call_args, **kwargs))
            if mode_ == "forward" or (mode_ == "auto" and len(inputs) <= len(outputs)):
                # columns[j][i] = ∂ output i / ∂ argument j
                columns = [push_forward(outputs, {node: 1.0}, scope.as_values) for node in inputs]
                rows = [[column[i] for column in columns] for i in range(len(outputs))]
            else:
                rows = [_reverse_row(out, inputs, scope.as_values) for out in outputs]
        shaped = [row[0] if isinstance(argnums, int) else tuple(row) for row in rows]
        return pack(scope.release(x) if isinstance(argnums, int) else tuple(map(scope.release, x)) for x in shaped)

    evaluate.__name__ = f"jacobian({function_name(f)})"
    evaluate.__doc__ = f"∂{function_name(f)}/∂ argument(s) {argnums}, a row per output."
    return evaluate


def _reverse_row(out: Any, inputs: list[Value], create_graph: bool) -> list[Any]:
    """∂out/∂input for each of `inputs`: one reverse sweep, as `grad` takes it."""
    if not isinstance(out, Value):
        return [0.0 for _ in inputs]
    seed = Value(1.0) if create_graph else 1.0
    grads = backprop.gradients(backprop.topological_order(out), seed, set(inputs), create_graph=create_graph)
    return [grads.get(node, 0.0) for node in inputs]


def _outputs(f: Callable[..., Any], out: Any) -> tuple[list[Any], Callable[[Any], Any]]:
    """`f`'s outputs as a list (each checked to be a Value or a number), and how to give a
    list of per-output results back in the shape `f` returned: one, a tuple or a list."""
    if isinstance(out, (tuple, list)):
        kind = type(out)
        return [check_output(f, o) for o in out], lambda results: kind(results)
    return [check_output(f, out)], lambda results: next(iter(results))


def _check_pair(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[list[Any], list[Any]]:
    for name, given in (("primals", primals), ("tangents", tangents)):
        if not isinstance(given, (tuple, list)):
            raise TypeError(
                f"{function_name(f)}: {name} must be a tuple or list with one entry per argument, got "
                f"{type(given).__name__} (write (x,) for one argument)"
            )
    if len(primals) != len(tangents):
        raise TypeError(f"{function_name(f)}: {len(primals)} primals but {len(tangents)} tangents")
    for t in tangents:
        if not isinstance(t, Value) and number_or_none(t) is None:
            raise TypeError(f"{function_name(f)}: a tangent must be a number or a Value, got {type(t).__name__} {t!r}")
    return list(primals), list(tangents)
