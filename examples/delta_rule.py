"""Seed 003: the four backpropagation equations, with plain floats, against the engine.

For a network with layers l = 1 … L, zˡ = wˡ·aˡ⁻¹ + bˡ, aˡ = σ(zˡ), cost C = ½‖aᴸ − y‖²,
and the error of a layer δˡ = ∂C/∂zˡ:

  BP1  δᴸ = (aᴸ − y) ⊙ σ′(zᴸ)
  BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)          — the error travels back through wᵀ
  BP3  ∂C/∂bˡⱼ = δˡⱼ
  BP4  ∂C/∂wˡⱼₖ = aˡ⁻¹ₖ · δˡⱼ

Here on a 3-4-2 sigmoid network with seeded random weights; every gradient the equations
give is compared with the one ``backward()`` gives for the same network.
"""

from __future__ import annotations

import math

from autograd_scalar.nn import MLP, squared_error

X = [0.3, -0.8, 0.5]
Y = [0.1, 0.9]


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def equations(weights: list[list[list[float]]], biases: list[list[float]]) -> tuple[list, list]:
    """∂C/∂w and ∂C/∂b per layer from BP1–BP4, with lists of floats only."""
    activations, zs = [X], []
    for w, b in zip(weights, biases, strict=True):
        z = [
            sum(wjk * ak for wjk, ak in zip(row, activations[-1], strict=True)) + bj
            for row, bj in zip(w, b, strict=True)
        ]
        zs.append(z)
        activations.append([sigmoid(v) for v in z])

    def slope(z: list[float]) -> list[float]:
        return [sigmoid(v) * (1 - sigmoid(v)) for v in z]

    deltas = [[(a - y) * s for a, y, s in zip(activations[-1], Y, slope(zs[-1]), strict=True)]]  # BP1
    for layer in range(len(weights) - 2, -1, -1):
        after, w_after = deltas[0], weights[layer + 1]
        back = [sum(w_after[j][k] * after[j] for j in range(len(after))) for k in range(len(zs[layer]))]
        deltas.insert(0, [bk * s for bk, s in zip(back, slope(zs[layer]), strict=True)])  # BP2
    grad_b = deltas  # BP3
    grad_w = [
        [[activations[layer][k] * dj for k in range(len(activations[layer]))] for dj in deltas[layer]]
        for layer in range(len(weights))
    ]  # BP4
    return grad_w, grad_b


def compare(seed: int = 3) -> float:
    """The largest difference between the equations' gradients and the engine's."""
    net = MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", rng=seed)
    for layer in net.layers:
        for n in layer.neurons:
            n.b.data = 0.1 * len(n.w)  # non-zero biases, so BP3 is exercised
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers]
    biases = [[n.b.data for n in layer.neurons] for layer in net.layers]
    squared_error(net(X), Y).backward()  # type: ignore[arg-type]
    grad_w, grad_b = equations(weights, biases)
    worst = 0.0
    for layer, (gw, gb) in enumerate(zip(grad_w, grad_b, strict=True)):
        for j, n in enumerate(net.layers[layer].neurons):
            worst = max(worst, abs(n.b.grad - gb[j]), *(abs(w.grad - gw[j][k]) for k, w in enumerate(n.w)))
    return worst


def main() -> None:
    net = MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", rng=3)
    print("seed 003: BP1–BP4 with plain floats vs backward() on a 3-4-2 sigmoid network")
    print(f"  parameters: {len(net.parameters())}")
    print(f"  largest |equations − engine| over every ∂C/∂w and ∂C/∂b: {compare(3):.3g}")


if __name__ == "__main__":
    main()
