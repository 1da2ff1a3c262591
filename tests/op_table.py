"""Every engine op with a domain that keeps finite differences honest, and its derivative
in closed form, written independently of the engine's rules: one line per op.

Adding a public op to the engine's table means adding one line to `PUBLIC_OPS`;
`test_ops.py` fails while a public op has none, and every derivative test there runs over
all rows.
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
}

# The operators Values apply (`-x`, `abs`, `**`, and numbers on the left): (name, the
# form, its domain, its derivative in closed form).
OPERATOR_FORMS = [
    ("neg", lambda x: -x, ANY, lambda x: -1.0),
    ("abs", lambda x: abs(x), AWAY_FROM_ZERO, lambda x: math.copysign(1.0, x)),
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

BINARY_OPS = [
    ("add", lambda a, b: a + b, ANY, ANY),
    ("sub", lambda a, b: a - b, ANY, ANY),
    ("mul", lambda a, b: a * b, ANY, ANY),
    ("div", lambda a, b: a / b, ANY, AWAY_FROM_ZERO),
    ("pow", lambda a, b: a**b, POSITIVE, ANY),
]

def central_difference(f, x: float, h: float = 1e-6) -> float:
    h *= max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def on_floats(op):
    """The op evaluated at a float, through the engine, returning a float."""
    return lambda t: op(Value(t)).data
