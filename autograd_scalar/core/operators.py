"""Plain float math the op table needs and Python's `math` lacks. No engine imports.

Each function takes and returns floats, and is what its op computes going forward.
"""

from __future__ import annotations

import math

#: 1/√2, exactly as C's M_SQRT1_2 rounds it.
SQRT1_2 = math.sqrt(0.5)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), in two branches so exp never overflows: sigmoid(±1000) is 1.0 / 0.0."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def relu(x: float) -> float:
    """max(x, 0), with NaN kept out by the caller (the op refuses NaN results)."""
    return x if x > 0.0 else 0.0


def real_pow(base: float, exponent: float) -> float:
    """base ** exponent as a real number: Python would return a complex number for a
    negative base and a fractional exponent, and a bare errno tuple on overflow."""
    if base < 0.0 and not exponent.is_integer():
        raise ValueError("a negative base needs an integer exponent")
    try:
        return base**exponent
    except OverflowError:
        raise OverflowError("the result is too large for a float") from None


def softplus(x: float) -> float:
    """log(1 + e^x) without overflow: x + log(1 + e^-x) for x > 0, so softplus(1000) is
    exactly 1000.0 and softplus(-1000) is 0.0."""
    return x + math.log1p(math.exp(-x)) if x > 0.0 else math.log1p(math.exp(x))


def gelu(x: float) -> float:
    """x·Φ(x), Φ the standard normal distribution function, written with erfc so that the
    left tail keeps its digits (1 + erf(z) would cancel): gelu(±1000) is 1000.0 / -0.0."""
    return x * 0.5 * math.erfc(-x * SQRT1_2)


def silu(x: float) -> float:
    """x·sigmoid(x) (also called swish): silu(±1000) is 1000.0 / -0.0."""
    return x * sigmoid(x)


def elu(x: float) -> float:
    """x for x > 0, e^x - 1 otherwise (alpha = 1): elu(-1000) is -1.0."""
    return x if x > 0.0 else math.expm1(x)


def exp2(x: float) -> float:
    """2**x, raising OverflowError("math range error") as math.exp does (2.0 ** x would say
    "(34, 'Numerical result out of range')"). Exact at integers."""
    return math.pow(2.0, x)


def sign(x: float) -> float:
    """1.0, -1.0, or x itself at ±0.0 (so a NaN would stay NaN, as compile's template keeps it)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x


def floor(x: float) -> float:
    """The largest integer <= x, as a float; ±inf stay; a zero result keeps x's sign, as
    IEEE floor does (math.floor returns an int, which would lose -0.0 and refuse inf)."""
    if not math.isfinite(x):
        return x
    result = float(math.floor(x))
    return math.copysign(result, x) if result == 0.0 else result


def ceil(x: float) -> float:
    """The smallest integer >= x, as a float; ceil(-0.5) is -0.0, as IEEE ceil gives."""
    if not math.isfinite(x):
        return x
    result = float(math.ceil(x))
    return math.copysign(result, x) if result == 0.0 else result


def maximum(a: float, b: float) -> float:
    """The larger of a and b (a at a tie); NaN in either gives NaN, unlike Python's max."""
    return a if a >= b else b if a < b else a + b


def minimum(a: float, b: float) -> float:
    """The smaller of a and b (a at a tie); NaN in either gives NaN, unlike Python's min."""
    return a if a <= b else b if a > b else a + b

