"""Gradient checking: compare the engine's derivatives with finite differences.

`gradcheck` checks a whole function at a point. `check_local_grads` goes one level down:
it re-runs every op in a graph with one operand nudged and compares the op's own stated
local derivative, so when something is wrong it names the node (label, op, operands) whose
rule is wrong, which is what you need after adding an op of your own.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_scalar.core.backprop import topological_order
from autograd_scalar.core.mode import no_grad
from autograd_scalar.core.text import format_number, table
from autograd_scalar.core.value import Value, as_float
from autograd_scalar.functional import argument_names, function_name, value_and_grad

DEFAULT_EPS = 1e-6
_DIGITS = 6  # significant digits of the numbers in an error table: enough to see a 1% error


class GradientCheckError(AssertionError):
    """Analytic and numerical derivatives disagree; the message is a table of both."""


class NoFiniteDifference(ValueError):
    """No finite difference can estimate this derivative; the message says why."""


@dataclass(frozen=True)
class FiniteDifference:
    """A derivative estimated from nearby values of f, and how it was taken.

    `one_sided`: only one side of the point was used, because the other leaves f's domain.
    `kink`: the slopes (left, right) of f on either side of the point, when they disagree
    however small the step: f has no derivative there (relu at 0), and the central
    `estimate` is only their mean.
    """

    estimate: float
    one_sided: bool = False
    kink: tuple[float, float] | None = None


def numerical_grad(f: Callable[..., Any], *args: float, eps: float = DEFAULT_EPS) -> tuple[float, ...]:
    """Finite-difference estimates of ∂f/∂args[i], one per argument (see `finite_difference`).

    Central differences, except where a step to one side leaves f's domain (``sqrt`` at 0,
    ``log`` just above 0) or overflows: there a one-sided difference is taken instead, so
    that checking a gradient at the edge of a domain does not fail with an error about a
    point nobody asked for. At a kink (relu at 0) the estimate is the mean of the slopes on
    the two sides; `finite_difference` says when that happened, and which were used.
    `f` is called with Values (under `no_grad`), exactly as `grad` would call it, and may
    return a Value or a number. Raises `NoFiniteDifference`, naming the argument, where no
    difference exists (an infinite argument, or f undefined on both sides), and f's own
    error where f is undefined at `args` itself.
    """
    estimates = []
    for i, x in enumerate(args):
        try:
            estimates.append(finite_difference(f, *args, argnum=i, eps=eps).estimate)
        except NoFiniteDifference as error:
            raise NoFiniteDifference(f"numerical_grad: argument {i} = {x!r}: {error}") from None
    return tuple(estimates)


def finite_difference(
    f: Callable[..., Any], *args: float, argnum: int = 0, eps: float = DEFAULT_EPS
) -> FiniteDifference:
    """Estimate ∂f/∂args[argnum] from values of f near `args`, saying how it was taken.

    The step is ``h = eps * max(1, |x|)``, so large inputs are not perturbed below their
    float resolution. Where f is defined and finite at x ± h, the estimate is the central
    difference (f(x+h) − f(x−h)) / 2h, at the largest of the steps h, h/4, h/16, … on which
    f looks smooth, since near a pole a step of h can be too coarse (see `_central`).

    Where only one side is defined, the domain's edge is within h of x, so f may change
    fast on the scale of h: the second-order one-sided difference is taken at steps h, h/4,
    h/16, … until two successive estimates agree to 1e-4, and the last two are combined
    (Richardson) to cancel their leading error. If they never agree (as at an infinite
    slope, sqrt at 0), there is no estimate.

    Raises `NoFiniteDifference` when there is none (f infinite at `args`, say), and f's own
    error when f is undefined at `args` itself, rather than a difference across a pole.
    """
    if not eps > 0.0:
        raise ValueError(f"eps must be a positive step, got {eps!r}")
    point = [as_float(a, "numerical_grad") for a in args]
    x = point[argnum]
    if not math.isfinite(x):
        raise NoFiniteDifference(f"not differentiable numerically at {x}: no finite step moves it")

    def at(t: float) -> float:
        return _evaluate(f, point[:argnum] + [t] + point[argnum + 1 :])

    def inside(t: float) -> float | None:
        """f(t), or None where t or f(t) is outside the finite floats or f's domain."""
        if not math.isfinite(t):
            return None
        try:
            value = at(t)
        except (ArithmeticError, ValueError):
            return None
        return value if math.isfinite(value) else None

    centre = at(x)  # f's own error if f is undefined at the point asked about
    if not math.isfinite(centre):
        raise NoFiniteDifference(f"f is {centre} here")
    h = eps * max(1.0, abs(x))
    up, down = inside(x + h), inside(x - h)
    if up is not None and down is not None:
        return _central(inside, x, h, centre, up, down)
    if up is None and down is None:
        raise NoFiniteDifference(f"f is undefined or infinite on both sides of this point (at ±{h:g})")
    return _one_sided(inside, x, h, centre, 1.0 if up is not None else -1.0)


# Both schemes shrink the step by 4 at most this many times (down to h/4^11, about h·2e-7,
# before rounding dominates), and call estimates or slopes that agree to this much settled.
_STEPS = 12
_SETTLED = 1e-4


def _central(
    inside: Callable[[float], float | None], x: float, h: float, centre: float, up: float, down: float
) -> FiniteDifference:
    """The central difference at the largest step on which f's slopes on the two sides of
    x agree (beyond rounding): at an ordinary point that is h itself, while close to a pole
    (log at 2e-6, with h = 1e-6) f curves on a smaller scale and the difference at h is
    10% off. The estimate must also hold at a quarter of the step: at a jump (sign at 0)
    both slopes are the same huge (up - down) / 2h and grow as the step shrinks. Where f's
    values keep a gap however small the step, x is a jump and there is no estimate; where
    only the slopes never agree, x is a kink: the difference at h, marked."""
    step, near_up, near_down = h, up, down
    for _ in range(_STEPS):
        left, right = (centre - near_down) / step, (near_up - centre) / step
        rounding = 4.0 * sys.float_info.epsilon * max(abs(near_up), abs(near_down), abs(centre)) / step
        next_up, next_down = inside(x + step / 4.0), inside(x - step / 4.0)
        if abs(right - left) <= _SETTLED * max(1.0, abs(left), abs(right)) + rounding:
            estimate = (near_up - near_down) / (2.0 * step)
            if next_up is None or next_down is None:
                return FiniteDifference(estimate)
            finer = (next_up - next_down) / (step / 2.0)
            if abs(finer - estimate) <= _SETTLED * max(1.0, abs(estimate)) + 4.0 * rounding:
                return FiniteDifference(estimate)
        if next_up is None or next_down is None:
            break
        step /= 4.0
        near_up, near_down = next_up, next_down
    gap, first_gap = max(abs(near_up - centre), abs(centre - near_down)), max(abs(up - centre), abs(centre - down))
    if step < h and gap > 0.5 * first_gap > 0.0:  # f's values do not come together: a jump
        raise NoFiniteDifference(
            f"f jumps at this point: its values on the two sides stay {gap:.3g} apart at step {step:.2g}"
        )
    return FiniteDifference((up - down) / (2.0 * h), kink=((centre - down) / h, (up - centre) / h))


def _one_sided(
    inside: Callable[[float], float | None], x: float, h: float, centre: float, side: float
) -> FiniteDifference:
    """The settled one-sided difference towards `side` (+1 or -1); see `finite_difference`."""
    estimates: list[tuple[float, float]] = []  # (step, estimate) at successive steps
    for k in range(_STEPS):
        step = h / 4.0**k
        near, far = inside(x + side * step), inside(x + 2.0 * side * step)
        if near is None or far is None:  # the domain ends within two steps: try a smaller one
            estimates.clear()
            continue
        # (4·f(x+s) − f(x+2s) − 3·f(x)) / 2s, as differences from f(x) so that 4·f cannot overflow
        estimates.append((step, side * (4.0 * (near - centre) - (far - centre)) / (2.0 * step)))
        if len(estimates) > 1:
            coarse, fine = estimates[-2][1], estimates[-1][1]
            if abs(fine - coarse) <= _SETTLED * abs(fine):
                # Richardson, (16·fine − coarse) / 15, written so that 16·fine cannot overflow
                return FiniteDifference(fine + (fine - coarse) / 15.0, one_sided=True)
    if not estimates:
        raise NoFiniteDifference(f"f is undefined within {2 * step:g} of this point on one side")
    (first_step, first), (last_step, last) = estimates[0], estimates[-1]
    raise NoFiniteDifference(
        f"one-sided differences do not settle as the step shrinks: {first:.3g} at step {first_step:.2g}, "
        f"{last:.3g} at step {last_step:.2g}"
    )


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
    names = argument_names(f, len(args))
    for name, x, a, n in zip(names, args, analytic, numeric, strict=True):
        ok = abs(a - n) <= atol + rtol * abs(n)
        failed |= not ok
        verdict = "ok" if ok else "WRONG"
        numbers = (a, n, abs(a - n), _relative(a, n))
        rows.append((name, repr(float(x)), *(format_number(v, _DIGITS) for v in numbers), verdict))
    if failed:
        header = ("input", "at", "analytic", "numeric", "abs error", "rel error", "")
        raise GradientCheckError(
            f"gradient of {function_name(f)} does not match central differences "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n{table(header, rows)}"
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
                        format_number(stated[i], _DIGITS),
                        format_number(numeric, _DIGITS),
                    )
                )
    if rows:
        header = ("node", "label", "op", "operands", "operand", "stated", "numeric")
        raise GradientCheckError(f"local derivatives that do not match finite differences:\n{table(header, rows)}")
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


def _relative(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0.0 else abs(a - n) / scale
