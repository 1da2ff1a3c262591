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
``+ - * / ** % -x`` that `Value` applies (``abs(v)`` applies the public row `abs`, also
named ABS). Three public rows take plain-number parameters besides their operands and
stand, in the table, for their default: ``leaky_relu(x, negative_slope=0.01)``,
``clip(x, low=-1.0, high=1.0)`` and ``where(condition, a, b)`` (the row is
``where(True, a, b)``); see their classes.

Derivatives at kinks, ties and edges, chosen to match PyTorch 2.x (the README's table):
relu'(0) = 0, abs'(0) = 0, sign' = floor' = ceil' = 0, leaky_relu'(0) = the slope,
elu'(0) = 1 (and elu''(0) = 0), maximum and minimum split a tie 0.5 / 0.5, clip's is 1 at
its bounds, ∂(a % b)/∂a = 1 and ∂(a % b)/∂b = -(a // b) at multiples too, atan2's is 0 at
the origin, hypot's undefined there (the backward pass raises); sqrt'(0) = asin'(±1) =
acosh'(1) = +inf, acos'(±1) = -inf, (x**c)'(0) = ±inf for c < 1 (0 for c = 0).
"""

from __future__ import annotations

import builtins
import functools
import importlib
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
    # Two orderings rather than ==, so the rules read the same for floats and Values.
    return x <= 0.0 and x >= 0.0  # type: ignore[operator]


def _infinite_slope(x: Any, sign: float, where: str) -> Any:
    """The slope at a domain edge, where it is infinite (sqrt at 0, asin at ±1, ...).

    A first-order backward pass (floats) gets ±inf. A differentiable pass (Values) gets a
    node holding ±inf whose own derivative, a higher derivative at the edge, is refused
    if a backward pass needs it: a constant ±inf would differentiate to 0, a silently
    wrong number (the second derivative of sqrt at 0 is -inf, not 0)."""
    if isinstance(x, (int, float)):
        return sign * math.inf
    return _edge_slope(sign, where)(x)


@functools.cache
def _edge_slope(sign: float, where: str) -> Op:
    def refuse(out: Any, x: Any) -> tuple:
        raise ValueError(
            f"the slope of {where} is infinite, and its own derivative (a higher derivative at "
            "that domain edge) is infinite or undefined: the engine does not represent it"
        )

    return Op(f"slope of {where}", lambda x: sign * math.inf, refuse)


def _power_rule(x: Any, c: float) -> Any:
    """d/dx x**c. At x = 0 with c < 1 the rule would divide by zero: the limit is +inf
    (0 when c = 0). Negative c cannot reach here: 0**c already failed going forward."""
    if c == 0.0:
        return 0.0
    if c < 1.0 and _is_zero(x):
        return _infinite_slope(x, 1.0, f"x**{_short(c)} at 0")
    return c * x ** (c - 1.0)


def _pow_grad(out: Any, base: Any, exponent: Any) -> tuple:
    base_is_zero = _is_zero(base)
    if base_is_zero and exponent < 1.0:  # type: ignore[operator]
        d_base: Any = 0.0 if _is_zero(exponent) else _infinite_slope(base, 1.0, "a**b at a = 0")
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
    return (_infinite_slope(x, 1.0, "sqrt at 0") if _is_zero(out) else 0.5 / out,)


def _step(x: Any) -> float:
    return 1.0 if x > 0.0 else 0.0  # type: ignore[operator]


def _sign(x: Any) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0  # type: ignore[operator]


# sin's rule uses cos, defined just after it; sinh's cosh and asinh's hypot likewise.
cos: Op
cosh: Op
hypot: Op


def _sp_step(sp: Any, x: Any) -> Any:
    # Kinks as Heaviside, whose DiracDelta derivatives vanish away from the kink (the
    # strategies keep a margin from it); Abs, Max and Piecewise trip SymPy on some graphs.
    return sp.Heaviside(x)


def _away_from_zero(x: float) -> bool:
    return _abs(x) >= 0.05


# `abs` below is the public op (which also works on numbers); the module's own uses of
# the builtin say so.
_abs = builtins.abs


# -- rules and domains of the rows added after the first eight -------------------------------

#: Constants the rules multiply by, rounded once here (and written into compile's templates
#: with repr, which reads back the same float, so a replay computes what eager computes).
LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT1_2 = operators.SQRT1_2


def _mod_grad(out: Any, a: Any, b: Any) -> tuple:
    # a % b = a - b·q with q = a // b, an integer that is constant between the jumps:
    # ∂/∂a = 1, ∂/∂b = -q (PyTorch's remainder, whose q is floor division as Python's).
    # q is recovered from the result with ops, so that on Values it is a node whose
    # derivative is 0: (a - out) / b is q within a few roundings, and floor(· + 0.5)
    # rounds it to q exactly.
    return 1.0, -floor((a - out) / b + 0.5)


def _mod_domain(a: float, b: float) -> bool:
    # Away from the jumps at multiples of b, where a % b is 0 or b.
    if _abs(b) < 0.2:
        return False
    r = _abs(a % b)
    return 0.05 <= r <= _abs(b) - 0.05


def _asin_grad(out: Any, x: Any) -> tuple:
    # 1/sqrt(1 - x²), with (1 - x)(1 + x) for the digits near ±1; +inf at ±1 (PyTorch too).
    if -1.0 < x < 1.0:  # type: ignore[operator]
        return (1.0 / sqrt((1.0 - x) * (1.0 + x)),)
    return (_infinite_slope(x, 1.0, "asin at ±1"),)


def _acos_grad(out: Any, x: Any) -> tuple:
    if -1.0 < x < 1.0:  # type: ignore[operator]
        return (-1.0 / sqrt((1.0 - x) * (1.0 + x)),)
    return (_infinite_slope(x, -1.0, "acos at ±1"),)


def _acosh_grad(out: Any, x: Any) -> tuple:
    # 1/sqrt(x² - 1) as two square roots, which do not overflow for large x; +inf at 1.
    if x > 1.0:  # type: ignore[operator]
        return (1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0)),)
    return (_infinite_slope(x, 1.0, "acosh at 1"),)


def _atan2_grad(out: Any, y: Any, x: Any) -> tuple:
    # ∂/∂y = x / r², ∂/∂x = -y / r², with r = hypot(y, x) divided twice, so neither
    # underflows nor overflows (1e-200 or 1e200); at the origin 0 and 0, as PyTorch.
    r = hypot(y, x)
    if _is_zero(r):
        return 0.0, 0.0
    return x / r / r, -y / r / r


def _atan2_domain(y: float, x: float) -> bool:
    # Away from the origin and from the jump across the negative x-axis.
    return math.hypot(y, x) >= 0.2 and (x > 0.0 or _abs(y) >= 0.05)


def _hypot_grad(out: Any, x: Any, y: Any) -> tuple:
    # x / r and y / r; at the origin undefined (PyTorch: nan), so the backward pass
    # raises there, naming the node.
    if _is_zero(out):
        return math.nan, math.nan
    return x / out, y / out


def _maximum_grad(out: Any, a: Any, b: Any) -> tuple:
    # The larger operand gets the gradient; at a tie each gets half (PyTorch 2.x).
    if a > b:  # type: ignore[operator]
        return 1.0, 0.0
    if a < b:  # type: ignore[operator]
        return 0.0, 1.0
    return 0.5, 0.5


def _minimum_grad(out: Any, a: Any, b: Any) -> tuple:
    if a < b:  # type: ignore[operator]
        return 1.0, 0.0
    if a > b:  # type: ignore[operator]
        return 0.0, 1.0
    return 0.5, 0.5


def _gelu_grad(out: Any, x: Any) -> tuple:
    # Φ(x) + x·φ(x); at ±1000 exactly 1 and 0.
    return (0.5 * (1.0 + erf(x * SQRT1_2)) + x * exp(-0.5 * x * x) * INV_SQRT_2PI,)


def _silu_grad(out: Any, x: Any) -> tuple:
    # s + x·s·(1 - s) = s·(1 + x·(1 - s)), s = sigmoid(x) (PyTorch's form); 1 and 0 at ±1000.
    s = sigmoid(x)
    return (s * (1.0 + x * (1.0 - s)),)


#: sigmoid(a) as compile writes it inline: operators.sigmoid's two branches, to the bit.
SIGMOID = "(1.0 / (1.0 + math.exp(-{a})) if {a} >= 0.0 else math.exp({a}) / (1.0 + math.exp({a})))"


def _away_from_integer(x: float) -> bool:
    return math.isfinite(x) and _abs(x - round(x)) >= 0.05


def _sp_cfunction(name: str) -> Any:
    """SymPy's log1p or expm1 (in sympy.codegen), which mpmath evaluates without the
    cancellation log(1 + x) and exp(x) - 1 would suffer at 50 digits for tiny x."""
    return getattr(importlib.import_module("sympy.codegen.cfunctions"), name)


def _sp_flat(sp: Any, name: str) -> Any:
    """SymPy's floor or ceiling, differentiating to 0 (SymPy leaves their derivatives
    unevaluated; the strategies keep every operand off the jumps)."""
    return _sp_flat_class(sp, name)


@functools.cache
def _sp_flat_class(sp: Any, name: str) -> Any:
    # Named as its base, so lambdify prints it as mpmath's floor / ceil.
    return type(name, (getattr(sp, name),), {"fdiff": lambda self, argindex=1: sp.S.Zero})


def _literal(c: float) -> str:
    """A plain number as Python source for a template: repr reads back the same float;
    infinities are spelt through math."""
    if math.isinf(c):
        return "math.inf" if c > 0 else "(-math.inf)"
    return repr(c)


def _short(c: float) -> str:
    """A number as short as names it exactly, for op names: 0.2, not 0.2000000000000000111."""
    short = f"{c:g}"
    return short if float(short) == c else repr(c)


def _parameter(x: object, op: str, name: str) -> float:
    """A plain-number parameter (a slope, a bound): not a Value, which could not be
    differentiated through it, and not NaN."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        kind = type(x).__name__
        raise TypeError(
            f"{op}: {name} must be a plain number, got {kind} {x!r}"
            + (" (a parameter is a constant: use .data for a Value's number)" if kind == "Value" else "")
        )
    value = float(x) + 0.0  # -0.0 becomes 0.0: one op per parameter value
    if value != value:
        raise ValueError(f"{op}: {name} is nan")
    return value


@functools.lru_cache(maxsize=64)
def _leaky_relu_with(slope: float) -> Op:
    """leaky_relu with another negative slope: an op of its own, with its slope written into
    its rule and its template (so compile inlines it); named after the slope."""
    s = _literal(slope)
    return Op(
        "leaky_relu" if slope == 0.01 else f"leaky_relu[{_short(slope)}]",
        lambda x: x if x > 0.0 else x * slope,
        lambda out, x: (1.0 if x > 0.0 else slope,),
        replay=Replay(f"({{a}} if {{a}} > 0.0 else {{a}} * {s})", (f"(1.0 if {{a}} > 0.0 else {s})",)),
    )


@functools.lru_cache(maxsize=64)
def _clip_with(low: float, high: float) -> Op:
    """clip to other bounds: an op of its own, as `_leaky_relu_with`. Gradient 1 on the
    closed interval [low, high], bounds included (PyTorch's clamp), 0 outside."""
    lo, hi = _literal(low), _literal(high)
    return Op(
        "clip" if (low, high) == (-1.0, 1.0) else f"clip[{_short(low)},{_short(high)}]",
        # min(max(x, low), high) keeps a NaN x as NaN (max and min keep their first argument
        # when a comparison is false), which compile's template relies on.
        lambda x: min(max(x, low), high),
        lambda out, x: (1.0 if x >= low and x <= high else 0.0,),
        replay=Replay(f"min(max({{a}}, {lo}), {hi})", (f"(1.0 if {lo} <= {{a}} <= {hi} else 0.0)",)),
    )


class _LeakyRelu(Op):
    """The leaky_relu row: x for x > 0, negative_slope·x otherwise.

    Call it as ``leaky_relu(x)`` (slope 0.01, PyTorch's default) or
    ``leaky_relu(x, negative_slope)`` / ``leaky_relu(x, negative_slope=0.2)`` with a plain
    number, like the exponent of ``x ** c``: only x is differentiated. The row itself is the
    default slope (what the strategies draw, the oracle translates and the command line
    calls); another slope makes an op of its own, named ``leaky_relu[0.2]``.
    """

    __slots__ = ()

    def __call__(self, x: Any, negative_slope: float = 0.01) -> Any:  # type: ignore[override]
        slope = _parameter(negative_slope, "leaky_relu", "negative_slope")
        return Op.__call__(self if slope == 0.01 else _leaky_relu_with(slope), x)


class _Clip(Op):
    """The clip row: x limited to [low, high], low and high plain numbers (±inf allowed).

    ``clip(x, low, high)``; ``clip(x)`` is ``clip(x, -1.0, 1.0)`` (PyTorch's hardtanh), the
    row itself, which the strategies, the oracle and the command line use. The gradient is
    1 on [low, high], bounds included, as PyTorch's clamp; low > high is refused.
    """

    __slots__ = ()

    def __call__(self, x: Any, low: float = -1.0, high: float = 1.0) -> Any:  # type: ignore[override]
        lo, hi = _parameter(low, "clip", "low"), _parameter(high, "clip", "high")
        if lo > hi:
            raise ValueError(f"clip: low ({low!r}) is above high ({high!r})")
        return Op.__call__(self if (lo, hi) == (-1.0, 1.0) else _clip_with(lo, hi), x)


class _Where(Op):
    """The where row: ``where(condition, a, b)`` is a if condition else b, with gradient 1
    for the one chosen and 0 for the other (both stay operands, as in PyTorch).

    The condition is a bool, decided when where is called: ``where(x > 0, x, 0.1 * x)``.
    A comparison of Values is a bool (and compile records it as a guard, so a replay on
    the other side traces again); a Value itself is refused, since it has no truth value
    to differentiate. The row in the table, called with two operands as the strategies
    and the command line call it, is ``where(True, a, b)``.
    """

    __slots__ = ()

    def __call__(self, *arguments: Any) -> Any:
        if len(arguments) == 2 and not isinstance(arguments[0], bool):
            return Op.__call__(self, *arguments)
        if len(arguments) != 3:
            raise TypeError(f"where(condition, a, b) takes 3 arguments, got {len(arguments)}")
        condition, a, b = arguments
        if not isinstance(condition, bool):
            raise TypeError(
                f"where: the condition must be a bool, such as x > 0 (a comparison of Values), got "
                f"{type(condition).__name__} {condition!r}"
            )
        return Op.__call__(self if condition else _where_false(), a, b)


@functools.cache
def _where_false() -> Op:
    """where's other choice: an op of its own, but not a row (the row stands for both)."""
    return Op(
        "where", lambda a, b: b, lambda out, a, b: (0.0, 1.0), replay=Replay("{b}", ("0.0", "1.0"), keeps_nan=False)
    )


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
MOD = Op("%", lambda a, b: a % b, _mod_grad,
         replay=Replay("{a} % {b}", ("1.0", "-float(math.floor(({a} - {out}) / {b} + 0.5))")),
         domain=_mod_domain, sympy=lambda sp, a, b: a - b * _sp_flat(sp, "floor")(a / b))

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
# The rows added to the first eight. Kinks follow PyTorch 2.x (see the table in the README).
abs = Op("abs", _abs, lambda out, x: (_sign(x),), public=True,
         replay=Replay("abs({a})", ("(1.0 if {a} > 0.0 else -1.0 if {a} < 0.0 else 0.0)",)),
         domain=_away_from_zero, sympy=lambda sp, x: x * (2 * _sp_step(sp, x) - 1))
ABS = abs  # the row `abs(v)` applies; also public as `ag.abs`
tan = Op("tan", math.tan, lambda out, x: (1.0 + out * out,), public=True,
         replay=Replay("{f}({a})", ("1.0 + {out} * {out}",)),
         domain=lambda x: _abs(math.cos(x)) >= 0.2, sympy=lambda sp, x: sp.tan(x))
asin = Op("asin", math.asin, _asin_grad, public=True,
          replay=Replay("{f}({a})", (
              "(1.0 / math.sqrt((1.0 - {a}) * (1.0 + {a})) if -1.0 < {a} < 1.0 else math.inf)",)),
          domain=lambda x: _abs(x) <= 0.95, sympy=lambda sp, x: sp.asin(x))
acos = Op("acos", math.acos, _acos_grad, public=True,
          replay=Replay("{f}({a})", (
              "(-1.0 / math.sqrt((1.0 - {a}) * (1.0 + {a})) if -1.0 < {a} < 1.0 else -math.inf)",)),
          domain=lambda x: _abs(x) <= 0.95, sympy=lambda sp, x: sp.acos(x))
atan = Op("atan", math.atan, lambda out, x: (1.0 / (1.0 + x * x),), public=True,
          replay=Replay("{f}({a})", ("1.0 / (1.0 + {a} * {a})",)),
          sympy=lambda sp, x: sp.atan(x))
atan2 = Op("atan2", math.atan2, _atan2_grad, public=True,
           replay=Replay("{f}({a}, {b})", (
               "({b} / math.hypot({a}, {b}) / math.hypot({a}, {b}) if {a} or {b} else 0.0)",
               "(-{a} / math.hypot({a}, {b}) / math.hypot({a}, {b}) if {a} or {b} else 0.0)")),
           domain=_atan2_domain, sympy=lambda sp, y, x: sp.atan2(y, x))
sinh = Op("sinh", math.sinh, lambda out, x: (cosh(x),), public=True,
          replay=Replay("{f}({a})", ("math.cosh({a})",)),
          domain=lambda x: _abs(x) <= 3.0, sympy=lambda sp, x: sp.sinh(x))
cosh = Op("cosh", math.cosh, lambda out, x: (sinh(x),), public=True,
          replay=Replay("{f}({a})", ("math.sinh({a})",)),
          domain=lambda x: _abs(x) <= 3.0, sympy=lambda sp, x: sp.cosh(x))
asinh = Op("asinh", math.asinh, lambda out, x: (1.0 / hypot(x, 1.0),), public=True,
           replay=Replay("{f}({a})", ("1.0 / math.hypot({a}, 1.0)",)),
           sympy=lambda sp, x: sp.asinh(x))
acosh = Op("acosh", math.acosh, _acosh_grad, public=True,
           replay=Replay("{f}({a})", (
               "(1.0 / (math.sqrt({a} - 1.0) * math.sqrt({a} + 1.0)) if {a} > 1.0 else math.inf)",)),
           domain=lambda x: x >= 1.05, sympy=lambda sp, x: sp.acosh(x))
atanh = Op("atanh", math.atanh, lambda out, x: (1.0 / ((1.0 - x) * (1.0 + x)),), public=True,
           replay=Replay("{f}({a})", ("1.0 / ((1.0 - {a}) * (1.0 + {a}))",)),
           domain=lambda x: _abs(x) <= 0.95, sympy=lambda sp, x: sp.atanh(x))
log1p = Op("log1p", math.log1p, lambda out, x: (1.0 / (1.0 + x),), public=True,
           replay=Replay("{f}({a})", ("1.0 / (1.0 + {a})",)),
           domain=lambda x: x >= -0.8, sympy=lambda sp, x: _sp_cfunction("log1p")(x))
expm1 = Op("expm1", math.expm1, lambda out, x: (exp(x),), public=True,
           replay=Replay("{f}({a})", ("math.exp({a})",)),
           domain=lambda x: x <= 3.0, sympy=lambda sp, x: _sp_cfunction("expm1")(x))
log2 = Op("log2", math.log2, lambda out, x: (1.0 / (x * LN2),), public=True,
          replay=Replay("{f}({a})", (f"1.0 / ({{a}} * {LN2!r})",)),
          domain=lambda x: x >= 0.2, sympy=lambda sp, x: sp.log(x) / sp.log(2))
log10 = Op("log10", math.log10, lambda out, x: (1.0 / (x * LN10),), public=True,
           replay=Replay("{f}({a})", (f"1.0 / ({{a}} * {LN10!r})",)),
           domain=lambda x: x >= 0.2, sympy=lambda sp, x: sp.log(x) / sp.log(10))
exp2 = Op("exp2", operators.exp2, lambda out, x: (out * LN2,), public=True,
          replay=Replay("{f}({a})", (f"{{out}} * {LN2!r}",)),
          domain=lambda x: x <= 4.0, sympy=lambda sp, x: sp.Integer(2) ** x)
hypot = Op("hypot", math.hypot, _hypot_grad, public=True,
           replay=Replay("{f}({a}, {b})", (
               "({a} / {out} if {out} else math.nan)", "({b} / {out} if {out} else math.nan)"),
               keeps_nan=False),  # hypot(inf, nan) is inf
           domain=lambda x, y: math.hypot(x, y) >= 0.2, sympy=lambda sp, x, y: sp.sqrt(x * x + y * y))
erf = Op("erf", math.erf, lambda out, x: (TWO_OVER_SQRT_PI * exp(-(x * x)),), public=True,
         replay=Replay("{f}({a})", (f"{TWO_OVER_SQRT_PI!r} * math.exp(-({{a}} * {{a}}))",)),
         sympy=lambda sp, x: sp.erf(x))
softplus = Op("softplus", operators.softplus, lambda out, x: (sigmoid(x),), public=True,
              replay=Replay("{f}({a})", (SIGMOID,)),
              domain=lambda x: _abs(x) <= 30.0, sympy=lambda sp, x: sp.log(1 + sp.exp(x)))
gelu = Op("gelu", operators.gelu, _gelu_grad, public=True,
          replay=Replay("{f}({a})", (
              f"0.5 * (1.0 + math.erf({{a}} * {SQRT1_2!r}))"
              f" + {{a}} * math.exp(-0.5 * {{a}} * {{a}}) * {INV_SQRT_2PI!r}",)),
          sympy=lambda sp, x: x * sp.erfc(-x / sp.sqrt(2)) / 2)
silu = Op("silu", operators.silu, _silu_grad, public=True,
          replay=Replay("{f}({a})", (f"{SIGMOID} * (1.0 + {{a}} * (1.0 - {SIGMOID}))",)),
          sympy=lambda sp, x: x / (1 + sp.exp(-x)))
elu = Op("elu", operators.elu, lambda out, x: (exp(x) if x < 0.0 else 1.0,), public=True,  # type: ignore[operator]
         replay=Replay("({a} if {a} > 0.0 else math.expm1({a}))", ("(math.exp({a}) if {a} < 0.0 else 1.0)",)),
         domain=_away_from_zero, sympy=lambda sp, x: x * _sp_step(sp, x) + (sp.exp(x) - 1) * (1 - _sp_step(sp, x)))
leaky_relu = _LeakyRelu("leaky_relu", _leaky_relu_with(0.01).forward, _leaky_relu_with(0.01).local_grad, public=True,
                        replay=_leaky_relu_with(0.01).replay,
                        domain=_away_from_zero,
                        sympy=lambda sp, x: x * _sp_step(sp, x) + sp.Rational(1, 100) * x * (1 - _sp_step(sp, x)))
sign = Op("sign", operators.sign, lambda out, x: (0.0,), public=True,
          replay=Replay("(1.0 if {a} > 0.0 else -1.0 if {a} < 0.0 else {a})", ("0.0",)),
          domain=_away_from_zero, sympy=lambda sp, x: 2 * _sp_step(sp, x) - 1)
floor = Op("floor", operators.floor, lambda out, x: (0.0,), public=True,
           replay=Replay("{f}({a})", ("0.0",)),
           domain=lambda x: _away_from_integer(x), sympy=lambda sp, x: _sp_flat(sp, "floor")(x))
ceil = Op("ceil", operators.ceil, lambda out, x: (0.0,), public=True,
          replay=Replay("{f}({a})", ("0.0",)),
          domain=lambda x: _away_from_integer(x), sympy=lambda sp, x: _sp_flat(sp, "ceiling")(x))
minimum = Op("minimum", operators.minimum, _minimum_grad, public=True,
             replay=Replay("({a} if {a} <= {b} else {b} if {a} > {b} else {a} + {b})", (
                 "(1.0 if {a} < {b} else 0.0 if {a} > {b} else 0.5)",
                 "(0.0 if {a} < {b} else 1.0 if {a} > {b} else 0.5)")),
             domain=lambda a, b: _abs(a - b) >= 0.05,
             sympy=lambda sp, a, b: a - (a - b) * _sp_step(sp, a - b))
maximum = Op("maximum", operators.maximum, _maximum_grad, public=True,
             replay=Replay("({a} if {a} >= {b} else {b} if {a} < {b} else {a} + {b})", (
                 "(1.0 if {a} > {b} else 0.0 if {a} < {b} else 0.5)",
                 "(0.0 if {a} > {b} else 1.0 if {a} < {b} else 0.5)")),
             domain=lambda a, b: _abs(a - b) >= 0.05,
             sympy=lambda sp, a, b: b + (a - b) * _sp_step(sp, a - b))
clip = _Clip("clip", _clip_with(-1.0, 1.0).forward, _clip_with(-1.0, 1.0).local_grad, public=True,
             replay=_clip_with(-1.0, 1.0).replay,
             domain=lambda x: _abs(_abs(x) - 1.0) >= 0.05,
             sympy=lambda sp, x: -1 + (x + 1) * _sp_step(sp, x + 1) - (x - 1) * _sp_step(sp, x - 1))
where = _Where("where", lambda a, b: a, lambda out, a, b: (1.0, 0.0), public=True,
               replay=Replay("{a}", ("1.0", "0.0"), keeps_nan=False),  # b is not looked at
               sympy=lambda sp, a, b: a)
# fmt: on

#: Every row, in the order defined above (once each: ABS is abs).
TABLE: tuple[Op, ...] = tuple(dict.fromkeys(row for row in list(globals().values()) if isinstance(row, Op)))
#: The public rows by name: what `autograd_scalar` exports and the parser accepts.
PUBLIC: dict[str, Op] = {row.name: row for row in TABLE if row.public}
__all__ = list(PUBLIC)


def power(x: Value, c: float) -> Value:
    """``x ** c`` for a plain-number exponent: a one-operand op, so only x gets a gradient."""
    name = f"**{_short(c)}"  # as short as names it exactly
    op = Op(name, lambda v: operators.real_pow(v, c), lambda out, v: (_power_rule(v, c),))
    return op(x)  # type: ignore[no-any-return]
