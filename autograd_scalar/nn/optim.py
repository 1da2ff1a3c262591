"""Optimizers: update parameters in place from their gradients, outside the graph.

The learning rate is a number or a schedule: a function of the step, called with the
number of steps taken before this one (0 for the first) and returning the rate for it.
`weight_decay` follows PyTorch: the gradient used is g + weight_decay·p (L2
regularisation folded into the gradient, for SGD and for Adam alike, as in
``torch.optim.SGD`` and ``torch.optim.Adam``; not AdamW's decoupled decay).
`clip_grad_norm` rescales gradients as ``torch.nn.utils.clip_grad_norm_`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Union

from autograd_scalar.core.value import Value

Schedule = Callable[[int], float]
LearningRate = Union[float, Schedule]


class Optimizer:
    """Holds the parameters; `step()` updates them, `zero_grad()` clears their gradients.

    `steps` counts the updates made so far; `current_lr` is the rate the next `step()` uses.
    """

    def __init__(self, parameters: Iterable[Value], lr: LearningRate, weight_decay: float = 0.0) -> None:
        self.parameters = list(parameters)
        name = type(self).__name__
        if not self.parameters:
            raise ValueError(f"{name} got no parameters to optimize (did you pass model.parameters()?)")
        for p in self.parameters:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {type(p).__name__}")
        if not (_is_number(weight_decay) and weight_decay >= 0 and math.isfinite(weight_decay)):
            raise ValueError(f"{name}: weight_decay must be a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.lr = lr
        self.steps = 0

    @property
    def lr(self) -> LearningRate:
        """The learning rate: a positive number, or a function of the step (assignable)."""
        return self._lr

    @lr.setter
    def lr(self, lr: LearningRate) -> None:
        if callable(lr):
            self._lr: LearningRate = lr
            return
        if not (_is_number(lr) and lr > 0 and math.isfinite(lr)):
            raise ValueError(
                f"{type(self).__name__}: lr must be a positive number or a function of the step, got {lr!r}"
            )
        self._lr = float(lr)

    @property
    def current_lr(self) -> float:
        """The rate the next `step()` will use (the schedule's value at `steps`)."""
        if not callable(self._lr):
            return self._lr
        rate = self._lr(self.steps)
        if not (_is_number(rate) and rate >= 0 and math.isfinite(rate)):
            raise ValueError(
                f"{type(self).__name__}: the lr schedule gave {rate!r} at step {self.steps}; "
                "it must return a number >= 0"
            )
        return float(rate)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        """One update from the parameters' current `.grad`."""
        self._update(self.current_lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    def _gradient(self, p: Value) -> float:
        g = p.grad
        if isinstance(g, Value):  # after backward(create_graph=True)
            g = g.data
        return g + self.weight_decay * p.data if self.weight_decay else g

    def _settings(self) -> str:
        return ""

    def __repr__(self) -> str:
        lr = self._lr if not callable(self._lr) else getattr(self._lr, "__name__", "schedule")
        extra = self._settings()
        return (
            f"{type(self).__name__}(parameters={len(self.parameters)}, lr={lr!s}"
            f"{', ' + extra if extra else ''}, weight_decay={self.weight_decay:g}, steps={self.steps})"
        )


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's form).

    g ← grad + weight_decay·p;  v ← momentum·v + g;  p ← p − lr·v.
    With momentum 0 this is p ← p − lr·g.
    """

    def __init__(
        self, parameters: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(parameters, lr, weight_decay)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self._velocity = [0.0] * len(self.parameters)

    def _update(self, lr: float) -> None:
        mu, velocity = self.momentum, self._velocity
        for i, p in enumerate(self.parameters):
            v = mu * velocity[i] + self._gradient(p)
            velocity[i] = v
            p.data -= lr * v

    def _settings(self) -> str:
        return f"momentum={self.momentum:g}"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction.

    Weight decay is ``torch.optim.Adam``'s L2 form: g ← grad + weight_decay·p goes into
    both moment estimates (AdamW, which decays p directly, is not this).
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr, weight_decay)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas, self.eps = betas, eps
        self._m = [0.0] * len(self.parameters)
        self._v = [0.0] * len(self.parameters)

    def _update(self, lr: float) -> None:
        t = self.steps + 1
        b1, b2 = self.betas
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        for i, p in enumerate(self.parameters):
            g = self._gradient(p)
            self._m[i] = m = b1 * self._m[i] + (1.0 - b1) * g
            self._v[i] = v = b2 * self._v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)

    def _settings(self) -> str:
        return f"betas=({self.betas[0]:g}, {self.betas[1]:g}), eps={self.eps:g}"


def clip_grad_norm(parameters: Iterable[Value], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale the gradients so their total norm is at most `max_norm`; return the norm before.

    As ``torch.nn.utils.clip_grad_norm_``: the norm is taken over all gradients together
    (``norm_type`` 2 by default, or ``math.inf`` for the largest absolute value), and when
    it exceeds `max_norm` every gradient is multiplied by max_norm / (norm + 1e-6).
    """
    params = list(parameters)
    if not (_is_number(max_norm) and max_norm >= 0):
        raise ValueError(f"clip_grad_norm: max_norm must be a number >= 0, got {max_norm!r}")
    if not (_is_number(norm_type) and norm_type > 0):
        raise ValueError(f"clip_grad_norm: norm_type must be a positive number or math.inf, got {norm_type!r}")
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"clip_grad_norm: parameters must be Values, got {type(p).__name__}")
    grads = [p.grad.data if isinstance(p.grad, Value) else p.grad for p in params]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(abs(g) for g in grads)
    else:
        total = math.fsum(abs(g) ** norm_type for g in grads) ** (1.0 / norm_type)
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0:
        for p, g in zip(params, grads, strict=True):
            p.grad = g * coefficient
    return total


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)
