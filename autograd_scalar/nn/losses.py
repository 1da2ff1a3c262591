"""Loss functions, built from engine ops so their gradients come from the graph.

Each takes model outputs (Values) and targets (numbers) and returns one Value.
Squared error comes in the two conventions people use: ``squared_error`` is the seeds'
E = Σ ½(t − y)², whose derivative is simply (y − t); ``mse`` is the mean of (t − y)².
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Union

from autograd_scalar.core import ops
from autograd_scalar.core.value import Value

Output = Union[Value, float]


def squared_error(outputs: Output | Sequence[Output], targets: float | Sequence[float]) -> Value:
    """E = Σ ½ (target − output)², the error of the seeds' worked examples."""
    ys, ts = _pair(outputs, targets, "squared_error")
    return _total(0.5 * (t - y) ** 2 for y, t in zip(ys, ts, strict=True))


def mse(outputs: Output | Sequence[Output], targets: float | Sequence[float]) -> Value:
    """Mean squared error: (1/n) Σ (target − output)²."""
    ys, ts = _pair(outputs, targets, "mse")
    return _total((t - y) ** 2 for y, t in zip(ys, ts, strict=True)) / len(ys)


def hinge(scores: Sequence[Output], labels: Sequence[float]) -> Value:
    """Mean max-margin loss: (1/n) Σ relu(1 − label · score), labels being −1 or +1."""
    ys, ts = _pair(scores, labels, "hinge")
    for t in ts:
        if t not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels must be -1 or +1, got {t!r}")
    return _total(ops.relu(1 - t * y) for y, t in zip(ys, ts, strict=True)) / len(ys)


def log_softmax(logits: Sequence[Output]) -> list[Value]:
    """log softmax(logits), stable for any logits: the maximum is subtracted first.

    The maximum is subtracted as a constant; softmax does not change when all logits move
    together, so the gradient is unaffected, and exp never sees a positive argument.
    (It reads the numbers directly, not through ``.data``: under `compile` the shift is
    frozen at its traced value, which changes no result, and records no guard, which
    would make every change of the largest logit trace again.)
    """
    zs = [_as_value(z) for z in logits]
    if not zs:
        raise ValueError("log_softmax: no logits")
    top = max(z._data for z in zs)
    shifted = [z - top for z in zs]
    log_total = _total(ops.exp(s) for s in shifted).log()
    return [s - log_total for s in shifted]


def softmax(logits: Sequence[Output]) -> list[Value]:
    """Probabilities that sum to 1, stable for any logits."""
    return [ops.exp(lp) for lp in log_softmax(logits)]


def softmax_cross_entropy(logits: Sequence[Output], target: int) -> Value:
    """−log softmax(logits)[target] for one example whose true class is `target`."""
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(logits):
        raise ValueError(f"softmax_cross_entropy: target must be a class index in 0..{len(logits) - 1}, got {target!r}")
    return -log_softmax(logits)[target]


def binary_cross_entropy(probability: Output, target: float) -> Value:
    """−[t log p + (1 − t) log(1 − p)] for a probability p strictly between 0 and 1.

    For raw scores use `binary_cross_entropy_with_logits`, which cannot hit log 0.
    """
    p = _as_value(probability)
    if not 0.0 < p._data < 1.0:  # under compile, a replay outside (0, 1) fails in log and falls back here
        raise ValueError(
            f"binary_cross_entropy: probability must be strictly between 0 and 1, got {p._data!r}; "
            "for raw scores use binary_cross_entropy_with_logits"
        )
    _check_unit(target, "binary_cross_entropy")
    return -(target * p.log() + (1 - target) * (1 - p).log())


def binary_cross_entropy_with_logits(logit: Output, target: float) -> Value:
    """Binary cross-entropy of sigmoid(z) and t, computed from z without overflow.

    Equal to log(1 + eᶻ) − t·z. Written per sign of z so exp only sees −|z|; both forms
    are the same function, so the gradient, sigmoid(z) − t, is exact everywhere. (The
    sign is read directly, not compared as Values: under `compile` either form is right
    at every point, so the choice needs no guard; a replay whose exp overflows falls back.)
    """
    z = _as_value(logit)
    _check_unit(target, "binary_cross_entropy_with_logits")
    if z._data >= 0:
        return z * (1 - target) + (1 + ops.exp(-z)).log()
    return (1 + ops.exp(z)).log() - z * target


def _pair(outputs: Output | Sequence[Output], targets: float | Sequence[float], name: str) -> tuple[list, list]:
    ys: list = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    ts: list = list(targets) if isinstance(targets, (list, tuple)) else [targets]
    if len(ys) != len(ts):
        raise ValueError(f"{name}: {len(ys)} outputs but {len(ts)} targets")
    if not ys:
        raise ValueError(f"{name}: no outputs")
    return ys, [float(t) for t in ts]


def _total(terms: Iterable[Value]) -> Value:
    total: Value | None = None
    for term in terms:
        total = term if total is None else total + term
    if total is None:
        raise ValueError("nothing to add up")
    return _as_value(total)


def _as_value(x: Output) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _check_unit(target: float, name: str) -> None:
    if not (isinstance(target, (int, float)) and 0.0 <= target <= 1.0 and not math.isnan(target)):
        raise ValueError(f"{name}: target must be in [0, 1], got {target!r}")
