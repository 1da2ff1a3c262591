"""The op table: every differentiable primitive, defined in one place.

Each op is a row ``Op(name, forward, local_grad)``. ``forward`` works on floats;
``local_grad(out, *operands)`` returns one partial derivative per operand and is written
with operators and the functions below, which accept floats *and* Values, so the same rule
serves a fast first-order backward pass (floats) and a differentiable one (Values).

The public functions (``exp``, ``sin``, ...) take a Value and return a Value, or take a
plain number and return a float, so they can be used inside functions passed to ``grad``.

Derivatives at kinks, chosen to match PyTorch:
relu'(0) = 0, abs'(0) = 0, sqrt'(0) = +inf, (x**c)'(0) = ±inf for c < 1 (0 for c = 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd_scalar.value import Number, Op, Value

# The rules below run on floats for a first-order backward pass and on Values for higher
# order. They decide branches by comparing operands (``x > 0.0``), never by reading a
# Value's number: while `compile` traces, a comparison is recorded as a guard, so a replay
# at a point on the other side of the branch traces again instead of reusing this one.


def _is_zero(x: Value | float) -> bool:
    # Two orderings, not ==, which compares Values by identity.
    return x <= 0.0 and x >= 0.0  # type: ignore[operator]


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: sigmoid(±1000) is exactly 1.0 / 0.0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _pow(base: float, exponent: float) -> float:
    # Python would return a complex number here; we want a real-valued error.
    if base < 0.0 and not exponent.is_integer():
        raise ValueError("a negative base needs an integer exponent")
    try:
        return base**exponent
    except OverflowError:  # Python's own message here is the bare errno tuple
        raise OverflowError("the result is too large for a float") from None


def _power_rule(x: Value | float, c: float) -> Value | float:
    """d/dx x**c. At x = 0 with c < 1 the rule would divide by zero: the limit is +inf
    (0 when c = 0). Negative c cannot reach here: 0**c already failed going forward."""
    if c == 0.0:
        return 0.0
    if c < 1.0 and _is_zero(x):
        return math.inf
    return c * x ** (c - 1.0)


def _pow_grad(out: Value | float, base: Value | float, exponent: Value | float) -> tuple:
    base_is_zero = _is_zero(base)
    if base_is_zero and exponent < 1.0:  # type: ignore[operator]
        d_base: Value | float = 0.0 if _is_zero(exponent) else math.inf
    else:
        d_base = exponent * base ** (exponent - 1.0)
    # ∂/∂exponent = out·log(base) exists only for base > 0; at base 0 the limit is 0, as in
    # PyTorch. A negative base gets nan, which the backward pass reports by name if it
    # flows into an operand that is being differentiated.
    if base_is_zero:
        d_exponent: Value | float = 0.0
    elif base > 0.0:  # type: ignore[operator]
        d_exponent = out * log(base)
    else:
        d_exponent = math.nan
    return d_base, d_exponent


def _sqrt_grad(out: Value | float, x: Value | float) -> tuple:
    return (math.inf if _is_zero(out) else 0.5 / out,)


def _step(x: Value | float) -> float:
    return 1.0 if x > 0.0 else 0.0  # type: ignore[operator]


def _sign(x: Value | float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0  # type: ignore[operator]


# The rules of sin and cos use each other's public function, defined below the table.
sin: Callable[[Value | Number], Any]
cos: Callable[[Value | Number], Any]

# fmt: off
ADD     = Op("+",       lambda a, b: a + b,  lambda out, a, b: (1.0, 1.0))
SUB     = Op("-",       lambda a, b: a - b,  lambda out, a, b: (1.0, -1.0))
MUL     = Op("*",       lambda a, b: a * b,  lambda out, a, b: (b, a))
DIV     = Op("/",       lambda a, b: a / b,  lambda out, a, b: (1.0 / b, -out / b))
POW     = Op("**",      _pow,                _pow_grad)
NEG     = Op("neg",     lambda x: -x,        lambda out, x: (-1.0,))
ABS     = Op("abs",     abs,                 lambda out, x: (_sign(x),))
EXP     = Op("exp",     math.exp,            lambda out, x: (out,))
LOG     = Op("log",     math.log,            lambda out, x: (1.0 / x,))
TANH    = Op("tanh",    math.tanh,           lambda out, x: (1.0 - out * out,))
SIGMOID = Op("sigmoid", _sigmoid,            lambda out, x: (out * (1.0 - out),))
RELU    = Op("relu",    _relu,               lambda out, x: (_step(x),))
SIN     = Op("sin",     math.sin,            lambda out, x: (cos(x),))
COS     = Op("cos",     math.cos,            lambda out, x: (-sin(x),))
SQRT    = Op("sqrt",    math.sqrt,           _sqrt_grad)
# fmt: on


def power(x: Value, c: float) -> Value:
    """``x ** c`` for a plain-number exponent: a one-operand op, so only x gets a gradient."""
    short = f"{c:g}"
    name = f"**{short if float(short) == c else repr(c)}"  # as short as names it exactly
    op = Op(name, lambda v: _pow(v, c), lambda out, v: (_power_rule(v, c),))
    return op(x)


def _unary(op: Op, on_float: Callable[[float], float]) -> Callable[[Value | Number], Any]:
    def apply(x: Value | Number) -> Any:
        if isinstance(x, Value):
            return op(x)
        return on_float(x)

    apply.__name__ = apply.__qualname__ = op.name
    apply.__doc__ = f"{op.name}(x): a Value for a Value, a float for a number."
    return apply


exp = _unary(EXP, math.exp)
log = _unary(LOG, math.log)
tanh = _unary(TANH, math.tanh)
sigmoid = _unary(SIGMOID, _sigmoid)
relu = _unary(RELU, _relu)
sin = _unary(SIN, math.sin)
cos = _unary(COS, math.cos)
sqrt = _unary(SQRT, math.sqrt)
