"""Plain float math the op table needs and Python's `math` lacks. No engine imports.

Each function takes and returns floats, and is what its op computes going forward.
"""

from __future__ import annotations

import math


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
