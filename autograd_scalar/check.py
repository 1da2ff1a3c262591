"""Gradient checking: compare the engine's derivatives with finite differences.

`gradcheck` checks a whole function at a point. `check_local_grads` goes one level down:
it re-runs every op in a graph with one operand nudged and compares the op's own stated
local derivative, so when something is wrong it names the node (label, op, operands) whose
rule is wrong, which is what you need after adding an op of your own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_scalar.backprop import topological_order
from autograd_scalar.functional import _parameter_names, value_and_grad
from autograd_scalar.mode import no_grad
from autograd_scalar.value import Value, _as_float

DEFAULT_EPS = 1e-6


class GradientCheckError(AssertionError):
    """Analytic and numerical derivatives disagree; the message is a table of both."""


def numerical_grad(f: Callable[..., Any], *args: float, eps: float = DEFAULT_EPS) -> tuple[float, ...]:
    """Central-difference estimates of ∂f/∂args[i], one per argument.

    The step for argument x is ``eps * max(1, |x|)``, so large inputs are not
    perturbed below their float resolution. `f` is called with Values (under `no_grad`),
    exactly as `grad` would call it, and may return a Value or a number.
    """
    point = [_as_float(a, "numerical_grad") for a in args]
    estimates = []
    for i, x in enumerate(point):
        h = eps * max(1.0, abs(x))
        up = _evaluate(f, point[:i] + [x + h] + point[i + 1 :])
        down = _evaluate(f, point[:i] + [x - h] + point[i + 1 :])
        estimates.append((up - down) / (2.0 * h))
    return tuple(estimates)


def gradcheck(
    f: Callable[..., Any],
    *args: float,
    eps: float = DEFAULT_EPS,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """True if the engine's gradient of `f` at `args` matches central differences.

    Each input passes when ``|analytic - numeric| <= atol + rtol * |numeric|``. Otherwise
    raises `GradientCheckError` with a per-input table: analytic, numeric, absolute and
    relative error.
    """
    if not args:
        raise TypeError("gradcheck needs at least one input point")
    _, analytic = value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    numeric = numerical_grad(f, *args, eps=eps)
    rows = []
    failed = False
    names = _argument_names(f, len(args))
    for name, x, a, n in zip(names, args, analytic, numeric, strict=True):
        ok = abs(a - n) <= atol + rtol * abs(n)
        failed |= not ok
        verdict = "ok" if ok else "WRONG"
        rows.append((name, repr(float(x)), _g(a), _g(n), _g(abs(a - n)), _g(_relative(a, n)), verdict))
    if failed:
        table = _table(("input", "at", "analytic", "numeric", "abs error", "rel error", ""), rows)
        raise GradientCheckError(
            f"gradient of {getattr(f, '__name__', 'f')} does not match central differences "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n{table}"
        )
    return True


def check_local_grads(
    root: Value,
    eps: float = DEFAULT_EPS,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> int:
    """Check every op node's local derivatives in `root`'s graph numerically.

    For each operand of each node, re-runs the op's forward with that operand nudged by
    ±h and compares with the op's stated partial. Points where the op is not smooth (the
    one-sided slopes disagree, as at relu's kink) or where a nudge leaves the domain are
    passed over, since no finite difference can judge them. Returns the number of
    partials checked; raises `GradientCheckError` naming each node whose rule is wrong.
    """
    rows = []
    checked = 0
    for position, node in enumerate(topological_order(root)):
        op = node._op
        if op is None:
            continue
        operands = [p.data for p in node.parents]
        stated = op.local_grad(node.data, *operands)
        for i in range(len(operands)):
            numeric = _smooth_slope(op.forward, operands, i, eps)
            if numeric is None:
                continue
            checked += 1
            if not abs(stated[i] - numeric) <= atol + rtol * abs(numeric):
                rows.append(
                    (
                        f"#{position}",
                        node.label or "-",
                        op.name,
                        ", ".join(repr(v) for v in operands),
                        str(i + 1),
                        _g(stated[i]),
                        _g(numeric),
                    )
                )
    if rows:
        table = _table(("node", "label", "op", "operands", "operand", "stated", "numeric"), rows)
        raise GradientCheckError(f"local derivatives that do not match finite differences:\n{table}")
    return checked


def _smooth_slope(forward: Callable[..., float], operands: list[float], i: int, eps: float) -> float | None:
    x = operands[i]
    h = eps * max(1.0, abs(x))

    def at(t: float) -> float:
        return forward(*(operands[:i] + [t] + operands[i + 1 :]))

    try:
        centre, up, down = at(x), at(x + h), at(x - h)
    except (ArithmeticError, ValueError):
        return None
    right, left = (up - centre) / h, (centre - down) / h
    if not all(math.isfinite(v) for v in (left, right)):
        return None
    # A smooth function's one-sided slopes differ by about h·|f''|; a kink by a jump.
    if abs(right - left) > 1e-2 * max(1.0, abs(right), abs(left)):
        return None
    return (up - down) / (2.0 * h)


def _evaluate(f: Callable[..., Any], point: list[float]) -> float:
    with no_grad():
        out = f(*[Value(x) for x in point])
    return out.data if isinstance(out, Value) else float(out)


def _argument_names(f: Callable[..., Any], count: int) -> list[str]:
    names = _parameter_names(f)
    return [names[i] if i < len(names) else f"arg{i}" for i in range(count)]


def _relative(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0.0 else abs(a - n) / scale


def _g(x: float) -> str:
    return f"{x:.6g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
