"""Every engine op with a domain that keeps finite differences honest: one row per op.

Each row is (name, function of Values, strategy per argument). Adding an op means adding
a row here; every derivative test below runs over all rows.
"""

import math

from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value


def real(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


ANY = real(-3.0, 3.0)
POSITIVE = real(0.1, 3.0)
AWAY_FROM_ZERO = st.one_of(real(-3.0, -0.05), real(0.05, 3.0))

UNARY_OPS = [
    ("neg", lambda x: -x, ANY),
    ("abs", lambda x: abs(x), AWAY_FROM_ZERO),
    ("exp", lambda x: x.exp(), ANY),
    ("log", lambda x: x.log(), POSITIVE),
    ("tanh", lambda x: x.tanh(), ANY),
    ("sigmoid", lambda x: x.sigmoid(), ANY),
    ("relu", lambda x: x.relu(), AWAY_FROM_ZERO),
    ("sin", lambda x: x.sin(), ANY),
    ("cos", lambda x: x.cos(), ANY),
    ("sqrt", lambda x: x.sqrt(), POSITIVE),
    ("pow_number", lambda x: x**3, ANY),
    ("pow_fraction", lambda x: x**1.5, POSITIVE),
    ("pow_negative", lambda x: x**-2, AWAY_FROM_ZERO),
    ("rpow", lambda x: 2**x, ANY),
    ("radd", lambda x: 1.5 + x, ANY),
    ("rsub", lambda x: 1.5 - x, ANY),
    ("rmul", lambda x: 1.5 * x, ANY),
    ("rdiv", lambda x: 1.5 / x, AWAY_FROM_ZERO),
]

BINARY_OPS = [
    ("add", lambda a, b: a + b, ANY, ANY),
    ("sub", lambda a, b: a - b, ANY, ANY),
    ("mul", lambda a, b: a * b, ANY, ANY),
    ("div", lambda a, b: a / b, ANY, AWAY_FROM_ZERO),
    ("pow", lambda a, b: a**b, POSITIVE, ANY),
]

# Closed forms of the first derivatives, written independently of the engine's rules.
FIRST_DERIVATIVES = {
    "neg": lambda x: -1.0,
    "abs": lambda x: math.copysign(1.0, x),
    "exp": math.exp,
    "log": lambda x: 1 / x,
    "tanh": lambda x: 1 / math.cosh(x) ** 2,
    "sigmoid": lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
    "relu": lambda x: 1.0 if x > 0 else 0.0,
    "sin": math.cos,
    "cos": lambda x: -math.sin(x),
    "sqrt": lambda x: 1 / (2 * math.sqrt(x)),
    "pow_number": lambda x: 3 * x * x,
    "pow_fraction": lambda x: 1.5 * math.sqrt(x),
    "pow_negative": lambda x: -2 / x**3,
    "rpow": lambda x: math.log(2) * 2**x,
    "radd": lambda x: 1.0,
    "rsub": lambda x: -1.0,
    "rmul": lambda x: 1.5,
    "rdiv": lambda x: -1.5 / x**2,
}


def central_difference(f, x: float, h: float = 1e-6) -> float:
    h *= max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def on_floats(op):
    """The op evaluated at a float, through the engine, returning a float."""
    return lambda t: op(Value(t)).data


ALL_PUBLIC_OPS = sorted(
    {"+", "-", "*", "/", "**", "neg", "abs", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt"}
)
assert all(hasattr(ag, name) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt"))
