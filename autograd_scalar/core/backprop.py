"""The reverse sweep: graph traversal and the chain rule, in one place.

Nothing here knows any op by name. Each node's `Op` states its local derivatives; this
module multiplies them by the gradient flowing down from above and sums what reaches each
node. Both loops are iterative, so graph depth is limited only by memory.

One kind of op has no local derivative to state: a `custom_gradient` function, whose
backward rule is written in terms of the upstream gradient (clip it, scale it) rather than
as ∂out/∂operand. Its `local_grad` raises `NeedsUpstreamGradient` carrying that rule, and
the sweeps here hand it the upstream gradient instead of multiplying. Raising costs the
ordinary ops nothing (the hot loops gain no per-node test), and being a `ValueError`, it
makes every tool that asks for a plain local derivative (compile's replay, which then
falls back to the eager engine; `local_grads()`) stop with a message instead of a number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

from autograd_scalar.core.mode import mode

if TYPE_CHECKING:
    from autograd_scalar.core.value import Value


class NeedsUpstreamGradient(ValueError):
    """Raised by the `local_grad` of an op whose backward needs the upstream gradient.

    `vjp(g)` returns the op's contribution to each operand's gradient, given ∂root/∂out
    = g: floats in a float pass, Values (a differentiable graph) in a ``create_graph``
    pass, as `local_grad` would have been called. The message says why a local derivative
    alone does not exist, for the tools that need one.
    """

    def __init__(self, message: str, vjp: Callable[[Any], tuple[Any, ...]]) -> None:
        super().__init__(message)
        self.vjp = vjp


def topological_order(root: Value) -> list[Value]:
    """Every node `root` was computed from, each after all of its parents; `root` last."""
    return topological_order_of((root,))


def topological_order_of(roots: Iterable[Value]) -> list[Value]:
    """Every node the `roots` were computed from, each after all of its parents, and each
    root after what it was computed from; the first root's graph comes first.

    A node is pushed, expanded (pushed again, under a None marker, above its unvisited
    parents) and emitted when the marker comes off the stack, its parents all emitted by
    then. A copy of a node found already expanded is skipped: the copy expanded was higher
    on the stack, so it has been emitted. No tuples are allocated per node (allocation is
    what wakes Python's cyclic collector, and that costs more than the walk itself), and
    one set is kept, not two (at a million nodes, a second 64 MB hash table).
    """
    order: list[Value] = []
    expanded: set[Value] = set()
    stack: list[Value | None] = list(roots)
    stack.reverse()
    pop, push, emit = stack.pop, stack.append, order.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]
            continue
        if node in expanded:
            continue
        expanded.add(node)
        push(node)
        push(None)
        first = node._first
        if first is not None:
            second = node._second
            if second is not None and second not in expanded:
                push(second)
            if first not in expanded:
                push(first)
    return order


def accumulate_into_grad(order: list[Value], create_graph: bool = False) -> None:
    """The backward pass behind ``Value.backward()``: results go into each node's ``grad``.

    Intermediate nodes show this pass's gradient; leaves accumulate. A leaf's earlier
    gradient is set aside and added back once this pass's contributions are summed, so
    that two passes give exactly twice one (adding them one by one to the old total would
    round differently). Floats only, one- and two-operand ops unrolled: this is the loop
    a training step spends its time in. With `create_graph` each ``grad`` is a Value
    instead (see `_accumulate_graphs`).
    """
    if create_graph:
        _accumulate_graphs(order)
        return
    check_inf = mode.anomaly
    earlier = []
    leaves = []
    # Only a leaf's data can be assigned. If no leaf was written after the oldest op node
    # was made (the usual case: update, then a fresh forward pass), nothing is stale.
    # Gradients are read and written through the `_grad` slot (a leaf's is always set, an
    # op node's is set here), not the `grad` property: this is the hot loop.
    newest_write = oldest_node = order[-1]._stamp
    for node in order:
        if node._op is None:
            leaves.append(node)
            if node._stamp > newest_write:
                newest_write = node._stamp
            if node._grad:
                earlier.append((node, node._grad))
        elif node._stamp < oldest_node:
            oldest_node = node._stamp
        node._grad = 0.0
    if newest_write > oldest_node:
        _check_not_stale(order)
    order[-1]._grad = 1.0
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        g = node._grad
        a: Value = node._first  # type: ignore[assignment]  # an op node has a first operand
        b = node._second
        if b is None:
            try:
                (da,) = op.local_grad(node._data, a._data)
            except NeedsUpstreamGradient as rule:
                da, (ca,) = None, _custom_contributions(node, rule, g)
            except (ArithmeticError, ValueError) as error:
                raise _rule_error(node, error) from None
            else:
                ca = da * g
            if ca != ca or (check_inf and not math.isfinite(ca)):
                raise _non_finite_error(node, 0, da, g, ca)
            a._grad += ca
        else:
            try:
                da, db = op.local_grad(node._data, a._data, b._data)
            except NeedsUpstreamGradient as rule:
                da = db = None
                ca, cb = _custom_contributions(node, rule, g)
            except (ArithmeticError, ValueError) as error:
                raise _rule_error(node, error) from None
            else:
                ca, cb = da * g, db * g
            if ca != ca or (check_inf and not math.isfinite(ca)):
                raise _non_finite_error(node, 0, da, g, ca)
            if cb != cb or (check_inf and not math.isfinite(cb)):
                raise _non_finite_error(node, 1, db, g, cb)
            a._grad += ca
            b._grad += cb
    # Each contribution was checked, but a sum can still be NaN: +inf and -inf reaching one
    # node (sqrt(x - x) at 0). At an inner node that NaN is caught as its contributions
    # go on down; a leaf's sum goes nowhere, so it is checked here.
    for leaf in leaves:
        if leaf._grad != leaf._grad:
            raise _nan_sum_error(leaf)
    for leaf, grad in earlier:
        leaf._grad = grad + leaf._grad


def _accumulate_graphs(order: list[Value]) -> None:
    """``backward(create_graph=True)``: every node's ``grad`` becomes a Value computed from
    the graph, so it can be differentiated again (``x.grad.backward()``, Newton's method).

    The same sweep as the functional API's differentiable pass (`gradients`), seeded with
    a Value 1 and taken with respect to every leaf, so every node is reached. Recording is
    on for the sweep whatever the ambient mode, as in PyTorch, where `create_graph` sets
    the mode of the backward pass: the caller asked for a graph. Leaves accumulate as in
    the float pass (an earlier float or Value plus this pass's Value); a node this pass
    does not reach gets 0.0.
    """
    leaves = {node for node in order if node._op is None}
    recording = mode.grad_enabled
    mode.grad_enabled = True
    try:  # `gradients` checks every edge for stale data on its way
        grads = gradients(order, _one_like(order[-1]), leaves, create_graph=True)
    finally:
        mode.grad_enabled = recording
    for node in order:
        g = grads.get(node, 0.0)
        node.grad = node.grad + g if node in leaves and _is_nonzero(node.grad) else g


def _one_like(node: Value) -> Value:
    """A constant 1 as a Value: the seed of a differentiable pass."""
    return type(node)(1.0)


def _is_nonzero(grad: Any) -> bool:
    # A Value grad counts as present whatever its number: it is a graph to add to.
    return not isinstance(grad, float) or grad != 0.0


def gradients(order: list[Value], seed: Any, wrt: Collection[Value], create_graph: bool = False) -> dict[Value, Any]:
    """∂root/∂node for the nodes of `order` (as from `topological_order`; root last),
    returned as a dict, leaving every node's ``grad`` untouched: the functional API's pass.

    Only nodes that depend on one of `wrt` are visited, and the sweep does not continue
    past them: that keeps an inner ``grad`` from leaking into enclosing graphs. With
    ``create_graph`` the local derivatives are computed on Values, so the gradients are
    themselves differentiable graphs (for higher order); otherwise on floats.
    """
    relevant = depending_on(order, wrt)
    check_inf = mode.anomaly
    grads: dict[Value, Any] = {order[-1]: seed}
    for node in reversed(order):
        op = node._op
        if op is None or node in wrt or node not in relevant:
            continue
        g = grads.get(node)
        if g is None:
            continue
        parents = node.parents
        _check_edges_not_stale(node)
        contributions: tuple[Any, ...] | None = None  # set by an upstream-gradient rule
        try:
            if create_graph:
                partials = op.local_grad(node, *parents)
            else:
                partials = op.local_grad(node._data, *[p._data for p in parents])
        except NeedsUpstreamGradient as rule:
            partials, contributions = (None,) * len(parents), _custom_contributions(node, rule, g)
        except (ArithmeticError, ValueError) as error:
            raise _rule_error(node, error) from None
        for index, parent in enumerate(parents):
            if parent not in relevant:
                continue
            contribution = partials[index] * g if contributions is None else contributions[index]
            if not create_graph and (contribution != contribution or (check_inf and not math.isfinite(contribution))):
                raise _non_finite_error(node, index, partials[index], g, contribution)
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    if not create_graph:  # a sum of checked contributions can still be NaN: see above
        for node in wrt:
            g = grads.get(node)
            if g is not None and g != g:
                raise _nan_sum_error(node)
    return grads


def depending_on(order: list[Value], wrt: Collection[Value]) -> set[Value]:
    """The nodes of `order` that are in `wrt` or computed from one of them."""
    relevant = set(wrt)
    for node in order:
        if node not in relevant and any(p in relevant for p in node.parents):
            relevant.add(node)
    return relevant


def _custom_contributions(node: Value, rule: NeedsUpstreamGradient, g: Any) -> tuple[Any, ...]:
    """What an op's upstream-gradient rule gives each operand, checked for count."""
    try:
        contributions = tuple(rule.vjp(g))
    except (ArithmeticError, ValueError) as error:
        raise _rule_error(node, error) from None
    if len(contributions) != len(node.parents):
        raise TypeError(
            f"backward: the backward rule of {node.describe()} returned {len(contributions)} "
            f"gradient(s) for {len(node.parents)} operand(s)"
        )
    # Given a float, a rule must give numbers: a Value (say one it closes over) would turn
    # a float gradient into a graph, and None or a string is no gradient at all.
    differentiable = hasattr(g, "_node")
    for index, c in enumerate(contributions):
        number = isinstance(c, numbers.Real) and not isinstance(c, bool)
        if not (number or (differentiable and hasattr(c, "_node"))):
            wanted = "a number or a Value" if differentiable else "a number (it was given a float)"
            raise TypeError(
                f"backward: the backward rule of {node.describe()} returned {type(c).__name__} {c!r} "
                f"for operand {index + 1}, where it must return {wanted}; read a Value it closes "
                "over with .data"
            )
    return tuple(float(c) if not differentiable and not isinstance(c, float) else c for c in contributions)


def _non_finite_error(
    node: Value, index: int, local: float | None, upstream: float, contribution: float
) -> FloatingPointError:
    operand = node.parents[index]
    how = (
        f"its backward rule returned it for upstream gradient {upstream!r}"
        if local is None
        else f"local derivative {local!r} × upstream gradient {upstream!r}"
    )
    return FloatingPointError(
        f"backward: the gradient became {contribution!r} at operand {index + 1} "
        f"({operand.describe()}) of {node.describe()}: {how}. {_hint(node, index)}"
    )


def _check_not_stale(order: list[Value]) -> None:
    for node in order:
        _check_edges_not_stale(node)


def _check_edges_not_stale(node: Value) -> None:
    """Raise if an operand of `node` had its data assigned after `node` was computed."""
    for operand in node.parents:
        if operand._stamp > node._stamp:
            raise _stale_error(node, operand)


def _rule_error(node: Value, error: Exception) -> Exception:
    """A local-derivative rule failed (a derivative too large for a float, say): the same
    kind of error, saying which node's derivative it was."""
    operands = ", ".join(p.describe() for p in node.parents)
    # Python's float ** overflows with a bare errno tuple as its message.
    reason = "it is too large for a float" if isinstance(error, OverflowError) else str(error)
    return type(error)(f"backward: the local derivative of {node.op}({operands}) failed: {reason}")


def _nan_sum_error(node: Value) -> FloatingPointError:
    return FloatingPointError(
        f"backward: the gradient of {node.describe()} became nan: infinite contributions of "
        "opposite signs reached it along different paths (as in sqrt(x - x) at 0, where the "
        "infinite slope of sqrt arrives once as +inf and once as -inf)"
    )


def _stale_error(node: Value, operand: Value) -> RuntimeError:
    return RuntimeError(
        f"backward: {operand.describe()} had its data assigned after {node.describe()} was computed "
        f"from it (op {node.op!r}), so the graph mixes old and new numbers and its gradient would be "
        "wrong. Compute the forward pass again after changing data, then call backward()"
    )


def _hint(node: Value, index: int) -> str:
    name = node.op
    if name == "**" and index == 1:
        return (
            "The derivative of base**exponent in the exponent needs log(base), undefined for "
            "a negative base; use a plain-number exponent if it is a constant."
        )
    return "An infinite local derivative (a kink such as sqrt at 0) met a zero, or gradients overflowed."
