"""Seed 002: one step of backpropagation through a linear 2-2-1 network.

h1 = w1·x1 + w2·x2,  h2 = w3·x1 + w4·x2,  y = w5·h1 + w6·h2,  E = ½(t − y)², with
x = (1, 0.5), t = 4, w1..w6 = 0.5, 1.5, 2.3, 3, 1, 1 and learning rate η = 0.1.
The article: y = 5.05, E = 0.55125, ∂E/∂w5 = (y − t)·h1 = 1.3125; after one step the
weights are 0.395, 1.4475, 2.195, 2.9475, 0.86875, 0.601, then y′ = 3.1768, E′ = 0.3388.
(Its formula line for w4 reads w2·w5, but its numbers use w4 and w6, as here.)
"""

from __future__ import annotations

from autograd_scalar import Value
from autograd_scalar.nn import MLP, SGD, squared_error

X = (1.0, 0.5)
TARGET = 4.0
WEIGHTS = (0.5, 1.5, 2.3, 3.0, 1.0, 1.0)  # w1 … w6
LEARNING_RATE = 0.1


def build() -> MLP:
    """The network with no biases (they stay 0 and are not trained)."""
    net = MLP(2, [2, 1], activation="linear")
    w1, w2, w3, w4, w5, w6 = WEIGHTS
    net.set_parameters([w1, w2, 0.0, w3, w4, 0.0, w5, w6, 0.0])
    return net


def weights(net: MLP) -> list[Value]:
    return [p for name, p in net.named_parameters() if not name.endswith(".b")]


def step(net: MLP) -> tuple[float, float, list[float]]:
    """One gradient-descent step; returns y and E before it and ∂E/∂w1..w6."""
    y = net(list(X))
    error = squared_error(y, TARGET)  # type: ignore[arg-type]
    optimizer = SGD(weights(net), lr=LEARNING_RATE)
    optimizer.zero_grad()
    error.backward()
    grads = [w.grad for w in weights(net)]
    optimizer.step()
    return y.data, error.data, grads  # type: ignore[union-attr]


def main() -> None:
    net = build()
    y, e, grads = step(net)
    print("seed 002: linear 2-2-1 network, E = ½(t − y)², η = 0.1")
    print(f"  forward: y = {y:g}, E = {e:g}")
    print(f"  {'weight':<7} {'∂E/∂w':>8} {'new value':>10}")
    for i, (g, w) in enumerate(zip(grads, weights(net), strict=True), start=1):
        print(f"  w{i:<6} {g:>8g} {w.data:>10g}")
    y2 = net(list(X))
    print(f"  after the step: y' = {y2.data:.4f}, E' = {squared_error(y2, TARGET).data:.4f}")  # type: ignore[union-attr, arg-type]


if __name__ == "__main__":
    main()
