"""Every engine op with a domain that keeps finite differences honest, and its derivative
in closed form, written independently of the engine's rules: one line per op.

Adding a public op to the engine's table means adding one line to `PUBLIC_OPS` (one
operand) or `PUBLIC_BINARY_OPS` (two); `test_ops.py` fails while a public op has none, and
every derivative test there runs over all rows.
"""

import math

from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.core import ops


def real(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


ANY = real(-3.0, 3.0)
POSITIVE = real(0.1, 3.0)
AWAY_FROM_ZERO = st.one_of(real(-3.0, -0.05), real(0.05, 3.0))
INSIDE_ONE = real(-0.95, 0.95)
AWAY_FROM_INTEGERS = ANY.filter(lambda x: abs(x - round(x)) >= 0.05)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def pairs(first=ANY, second=ANY, valid=lambda a, b: True) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(first, second).filter(lambda ab: valid(*ab))


# One line per public op of the engine's table (`autograd_scalar.NAME`): where to test it,
# and its first derivative in closed form.
PUBLIC_OPS = {
    "exp": (ANY, math.exp),
    "log": (POSITIVE, lambda x: 1 / x),
    "tanh": (ANY, lambda x: 1 / math.cosh(x) ** 2),
    "sigmoid": (ANY, lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    "relu": (AWAY_FROM_ZERO, lambda x: 1.0 if x > 0 else 0.0),
    "sin": (ANY, math.cos),
    "cos": (ANY, lambda x: -math.sin(x)),
    "sqrt": (POSITIVE, lambda x: 1 / (2 * math.sqrt(x))),
    "abs": (AWAY_FROM_ZERO, lambda x: 1.0 if x > 0 else -1.0),
    "tan": (real(-1.3, 1.3), lambda x: 1 / math.cos(x) ** 2),
    "asin": (INSIDE_ONE, lambda x: 1 / math.sqrt(1 - x * x)),
    "acos": (INSIDE_ONE, lambda x: -1 / math.sqrt(1 - x * x)),
    "atan": (ANY, lambda x: 1 / (1 + x * x)),
    "sinh": (ANY, math.cosh),
    "cosh": (ANY, math.sinh),
    "asinh": (ANY, lambda x: 1 / math.sqrt(x * x + 1)),
    "acosh": (real(1.05, 3.0), lambda x: 1 / math.sqrt(x * x - 1)),
    "atanh": (INSIDE_ONE, lambda x: 1 / (1 - x * x)),
    "log1p": (real(-0.8, 3.0), lambda x: 1 / (1 + x)),
    "expm1": (ANY, math.exp),
    "log2": (POSITIVE, lambda x: 1 / (x * math.log(2))),
    "log10": (POSITIVE, lambda x: 1 / (x * math.log(10))),
    "exp2": (ANY, lambda x: math.log(2) * 2**x),
    "erf": (ANY, lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x)),
    "softplus": (ANY, _sigmoid),
    "gelu": (ANY, lambda x: (1 + math.erf(x / math.sqrt(2))) / 2 + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    "silu": (ANY, lambda x: (1 + math.exp(-x) + x * math.exp(-x)) / (1 + math.exp(-x)) ** 2),
    "elu": (AWAY_FROM_ZERO, lambda x: 1.0 if x > 0 else math.exp(x)),
    "leaky_relu": (AWAY_FROM_ZERO, lambda x: 1.0 if x > 0 else 0.01),
    "sign": (AWAY_FROM_ZERO, lambda x: 0.0),
    "floor": (AWAY_FROM_INTEGERS, lambda x: 0.0),
    "ceil": (AWAY_FROM_INTEGERS, lambda x: 0.0),
    "clip": (ANY.filter(lambda x: abs(abs(x) - 1) >= 0.05), lambda x: 1.0 if -1 < x < 1 else 0.0),
}

# One line per two-operand public op: where to test it (pairs of operands, away from
# jumps, ties and the origin), and both partial derivatives in closed form.
PUBLIC_BINARY_OPS = {
    "atan2": (
        pairs(valid=lambda y, x: math.hypot(x, y) >= 0.2 and (x > 0 or abs(y) >= 0.05)),
        lambda y, x: (x / (x * x + y * y), -y / (x * x + y * y)),
    ),
    "hypot": (
        pairs(valid=lambda x, y: math.hypot(x, y) >= 0.2),
        lambda x, y: (x / math.sqrt(x * x + y * y), y / math.sqrt(x * x + y * y)),
    ),
    "minimum": (pairs(valid=lambda a, b: abs(a - b) >= 0.05), lambda a, b: (1.0, 0.0) if a < b else (0.0, 1.0)),
    "maximum": (pairs(valid=lambda a, b: abs(a - b) >= 0.05), lambda a, b: (1.0, 0.0) if a > b else (0.0, 1.0)),
    "where": (pairs(), lambda a, b: (1.0, 0.0)),  # the row: where(True, a, b)
}

# The operators Values apply (`-x`, `abs`, `**`, and numbers on the left): (name, the
# form, its domain, its derivative in closed form).
OPERATOR_FORMS = [
    ("neg", lambda x: -x, ANY, lambda x: -1.0),
    ("builtin_abs", lambda x: abs(x), AWAY_FROM_ZERO, lambda x: math.copysign(1.0, x)),
    ("pow_number", lambda x: x**3, ANY, lambda x: 3 * x * x),
    ("pow_fraction", lambda x: x**1.5, POSITIVE, lambda x: 1.5 * math.sqrt(x)),
    ("pow_negative", lambda x: x**-2, AWAY_FROM_ZERO, lambda x: -2 / x**3),
    ("rpow", lambda x: 2**x, ANY, lambda x: math.log(2) * 2**x),
    ("radd", lambda x: 1.5 + x, ANY, lambda x: 1.0),
    ("rsub", lambda x: 1.5 - x, ANY, lambda x: -1.0),
    ("rmul", lambda x: 1.5 * x, ANY, lambda x: 1.5),
    ("rdiv", lambda x: 1.5 / x, AWAY_FROM_ZERO, lambda x: -1.5 / x**2),
]

UNARY_OPS = [(name, getattr(ag, name), domain) for name, (domain, _) in PUBLIC_OPS.items()] + [
    (name, form, domain) for name, form, domain, _ in OPERATOR_FORMS
]
FIRST_DERIVATIVES = {name: derivative for name, (_, derivative) in PUBLIC_OPS.items()} | {
    name: derivative for name, _, _, derivative in OPERATOR_FORMS
}

def _away_from_jumps_of_mod(a: float, b: float) -> bool:
    r = abs(math.fmod(a, b))
    return 0.05 <= r <= abs(b) - 0.05


BINARY_OPS = [
    ("add", lambda a, b: a + b, pairs()),
    ("sub", lambda a, b: a - b, pairs()),
    ("mul", lambda a, b: a * b, pairs()),
    ("div", lambda a, b: a / b, pairs(ANY, AWAY_FROM_ZERO)),
    ("pow", lambda a, b: a**b, pairs(POSITIVE, ANY)),
    # `%` (the MOD row): ops.MOD itself until Value has __mod__, which applies exactly it.
    ("mod", ops.MOD, pairs(ANY, real(0.2, 3.0) | real(-3.0, -0.2), _away_from_jumps_of_mod)),
] + [(name, getattr(ag, name), domain) for name, (domain, _) in PUBLIC_BINARY_OPS.items()]

BINARY_DERIVATIVES = {name: derivative for name, (_, derivative) in PUBLIC_BINARY_OPS.items()} | {
    "mod": lambda a, b: (1.0, -math.floor(a / b)),
}

def central_difference(f, x: float, h: float = 1e-6) -> float:
    h *= max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def on_floats(op):
    """The op evaluated at a float, through the engine, returning a float."""
    return lambda t: op(Value(t)).data
