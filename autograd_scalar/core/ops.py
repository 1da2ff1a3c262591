"""The op table: every differentiable primitive, one row each, in one place.

Each row is an `Op`: a name, the forward on floats, the local derivatives, and what the
tools built on the table need (how `compile` writes it inline, where the property tests
may apply it, its SymPy counterpart). ``local_grad(out, *operands)`` returns one partial
derivative per operand and is written with operators and the ops below, which accept
floats *and* Values, so the same rule serves a fast first-order backward pass (floats)
and a differentiable one (Values).

Rows named in lower case are public (``public=True``): each is exported as
``autograd_scalar.NAME``, accepted by the command-line parser, drawn by the Hypothesis
strategies and cross-checked against SymPy and PyTorch, all read off this table. An op
takes a Value and returns a Value, or takes plain numbers and returns a float, so it can
be used inside functions passed to ``grad``. The upper-case rows are the operators
``+ - * / ** -x abs()`` that `Value` applies.

Derivatives at kinks, chosen to match PyTorch:
relu'(0) = 0, abs'(0) = 0, sqrt'(0) = +inf, (x**c)'(0) = ±inf for c < 1 (0 for c = 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from autograd_scalar.core import operators
from autograd_scalar.core.op import Op, Replay

if TYPE_CHECKING:
    from autograd_scalar.core.value import Value

# The rules below run on floats for a first-order backward pass and on Values for higher
# order. They decide branches by comparing operands (``x > 0.0``), never by reading a
# Value's number: while `compile` traces, a comparison is recorded as a guard, so a replay
# at a point on the other side of the branch traces again instead of reusing this one.


def _is_zero(x: Any) -> bool:
    # Two orderings, not ==, which compares Values by identity.
    return x <= 0.0 and x >= 0.0  # type: ignore[operator]


def _power_rule(x: Any, c: float) -> Any:
    """d/dx x**c. At x = 0 with c < 1 the rule would divide by zero: the limit is +inf
    (0 when c = 0). Negative c cannot reach here: 0**c already failed going forward."""
    if c == 0.0:
        return 0.0
    if c < 1.0 and _is_zero(x):
        return math.inf
    return c * x ** (c - 1.0)


def _pow_grad(out: Any, base: Any, exponent: Any) -> tuple:
    base_is_zero = _is_zero(base)
    if base_is_zero and exponent < 1.0:  # type: ignore[operator]
        d_base: Any = 0.0 if _is_zero(exponent) else math.inf
    else:
        d_base = exponent * base ** (exponent - 1.0)
    # ∂/∂exponent = out·log(base) exists only for base > 0; at base 0 the limit is 0, as in
    # PyTorch. A negative base gets nan, which the backward pass reports by name if it
    # flows into an operand that is being differentiated.
    if base_is_zero:
        d_exponent: Any = 0.0
    elif base > 0.0:  # type: ignore[operator]
        d_exponent = out * log(base)
    else:
        d_exponent = math.nan
    return d_base, d_exponent


def _sqrt_grad(out: Any, x: Any) -> tuple:
    return (math.inf if _is_zero(out) else 0.5 / out,)


def _step(x: Any) -> float:
    return 1.0 if x > 0.0 else 0.0  # type: ignore[operator]


def _sign(x: Any) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0  # type: ignore[operator]


# sin's rule uses cos, defined just after it.
cos: Op


def _sp_step(sp: Any, x: Any) -> Any:
    # Kinks as Heaviside, whose DiracDelta derivatives vanish away from the kink (the
    # strategies keep a margin from it); Abs, Max and Piecewise trip SymPy on some graphs.
    return sp.Heaviside(x)


def _away_from_zero(x: float) -> bool:
    return abs(x) >= 0.05


# fmt: off
ADD = Op("+", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0),
         replay=Replay("{a} + {b}", ("1.0", "1.0")))
SUB = Op("-", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0),
         replay=Replay("{a} - {b}", ("1.0", "-1.0")))
MUL = Op("*", lambda a, b: a * b, lambda out, a, b: (b, a),
         replay=Replay("{a} * {b}", ("{b}", "{a}")))
DIV = Op("/", lambda a, b: a / b, lambda out, a, b: (1.0 / b, -out / b),
         replay=Replay("{a} / {b}", ("1.0 / {b}", "-{out} / {b}")))
POW = Op("**", operators.real_pow, _pow_grad)
NEG = Op("neg", lambda x: -x, lambda out, x: (-1.0,),
         replay=Replay("-{a}", ("-1.0",)))
ABS = Op("abs", abs, lambda out, x: (_sign(x),),
         replay=Replay("abs({a})", ("(1.0 if {a} > 0.0 else -1.0 if {a} < 0.0 else 0.0)",)))

exp = Op("exp", math.exp, lambda out, x: (out,), public=True,
         replay=Replay("{f}({a})", ("{out}",)),
         domain=lambda x: x <= 3.0, sympy=lambda sp, x: sp.exp(x))
log = Op("log", math.log, lambda out, x: (1.0 / x,), public=True,
         replay=Replay("{f}({a})", ("1.0 / {a}",)),
         domain=lambda x: x >= 0.2, sympy=lambda sp, x: sp.log(x))
tanh = Op("tanh", math.tanh, lambda out, x: (1.0 - out * out,), public=True,
          replay=Replay("{f}({a})", ("1.0 - {out} * {out}",)),
          sympy=lambda sp, x: sp.tanh(x))
sigmoid = Op("sigmoid", operators.sigmoid, lambda out, x: (out * (1.0 - out),), public=True,
             replay=Replay("{f}({a})", ("{out} * (1.0 - {out})",)),
             sympy=lambda sp, x: 1 / (1 + sp.exp(-x)))
relu = Op("relu", operators.relu, lambda out, x: (_step(x),), public=True,
          # `not a <= 0` rather than `a > 0`, so that NaN stays NaN as eager refuses it.
          replay=Replay("({a} if not {a} <= 0.0 else 0.0)", ("(1.0 if {a} > 0.0 else 0.0)",)),
          domain=_away_from_zero, sympy=lambda sp, x: x * _sp_step(sp, x))
sin = Op("sin", math.sin, lambda out, x: (cos(x),), public=True,
         replay=Replay("{f}({a})", ("math.cos({a})",)),
         sympy=lambda sp, x: sp.sin(x))
cos = Op("cos", math.cos, lambda out, x: (-sin(x),), public=True,
         replay=Replay("{f}({a})", ("-math.sin({a})",)),
         sympy=lambda sp, x: sp.cos(x))
sqrt = Op("sqrt", math.sqrt, _sqrt_grad, public=True,
          replay=Replay("{f}({a})", ("(0.5 / {out} if {out} else math.inf)",)),
          domain=lambda x: x >= 0.2, sympy=lambda sp, x: sp.sqrt(x))
# fmt: on

#: Every row, in the order defined above.
TABLE: tuple[Op, ...] = tuple(row for row in list(globals().values()) if isinstance(row, Op))
#: The public rows by name: what `autograd_scalar` exports and the parser accepts.
PUBLIC: dict[str, Op] = {row.name: row for row in TABLE if row.public}
__all__ = list(PUBLIC)


def power(x: Value, c: float) -> Value:
    """``x ** c`` for a plain-number exponent: a one-operand op, so only x gets a gradient."""
    short = f"{c:g}"
    name = f"**{short if float(short) == c else repr(c)}"  # as short as names it exactly
    op = Op(name, lambda v: operators.real_pow(v, c), lambda out, v: (_power_rule(v, c),))
    return op(x)  # type: ignore[no-any-return]
