"""Optimizers: update parameters in place from their gradients, outside the graph."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd_scalar.core.value import Value


class Optimizer:
    """Holds the parameters; `step()` updates them, `zero_grad()` clears their gradients."""

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        self.parameters = list(parameters)
        name = type(self).__name__
        if not self.parameters:
            raise ValueError(f"{name} got no parameters to optimize (did you pass model.parameters()?)")
        for p in self.parameters:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {type(p).__name__}")
        if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"{name}: lr must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's form).

    v ← momentum·v + g;  p ← p − lr·v.  With momentum 0 this is p ← p − lr·g.
    """

    def __init__(self, parameters: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(parameters, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self._velocity = [0.0] * len(self.parameters)

    def step(self) -> None:
        lr, mu, velocity = self.lr, self.momentum, self._velocity
        for i, p in enumerate(self.parameters):
            v = mu * velocity[i] + p.grad
            velocity[i] = v
            p.data -= lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters, lr)
        if not all(0.0 <= b < 1.0 for b in betas) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas, self.eps = betas, eps
        self._m = [0.0] * len(self.parameters)
        self._v = [0.0] * len(self.parameters)
        self._t = 0

    def step(self) -> None:
        self._t += 1
        b1, b2 = self.betas
        correction1, correction2 = 1.0 - b1**self._t, 1.0 - b2**self._t
        for i, p in enumerate(self.parameters):
            g = p.grad
            self._m[i] = m = b1 * self._m[i] + (1.0 - b1) * g
            self._v[i] = v = b2 * self._v[i] + (1.0 - b2) * g * g
            p.data -= self.lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)
