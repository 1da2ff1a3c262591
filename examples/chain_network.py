"""Seed 000: backpropagation as the reuse of shared factors, on a chain of sigmoid neurons.

a1 = x;  zᵢ = wᵢ·aᵢ₋₁,  aᵢ = σ(zᵢ) for i = 2…5;  E = ½(y − a5)².
Write δᵢ = ∂E/∂zᵢ. Then ∂E/∂wᵢ = δᵢ·aᵢ₋₁, and going one neuron back only multiplies
the previous δ by one new local factor: δᵢ₋₁ = δᵢ · wᵢ · σ′(zᵢ₋₁). Each gradient reuses
the whole upstream product instead of recomputing it: that reuse is backpropagation.
The article draws the network without numbers; the values below are ours.
"""

from __future__ import annotations

import math

from autograd_scalar import Value

X, Y = 1.5, 0.2
WEIGHTS = {2: 0.8, 3: -1.2, 4: 1.5, 5: 0.9}  # w2 … w5


def forward() -> tuple[Value, dict[int, Value], dict[int, Value], dict[int, Value]]:
    """E and the w, z and a nodes of the chain, keyed by neuron number."""
    w = {i: Value(v, f"w{i}") for i, v in WEIGHTS.items()}
    a = {1: Value(X, "a1")}
    z = {}
    for i in range(2, 6):
        z[i] = w[i] * a[i - 1]
        z[i].label = f"z{i}"
        a[i] = z[i].sigmoid()
        a[i].label = f"a{i}"
    error = 0.5 * (Y - a[5]) ** 2
    error.label = "E"
    return error, w, z, a


def by_hand(z: dict[int, Value], w: dict[int, Value], a: dict[int, Value]) -> dict[int, tuple[float, float]]:
    """δᵢ and ∂E/∂wᵢ with plain floats, each δ built from the one after it."""

    def sigmoid_slope(v: float) -> float:
        s = 1 / (1 + math.exp(-v))
        return s * (1 - s)

    delta = {5: -(Y - a[5].data) * sigmoid_slope(z[5].data)}
    for i in (4, 3, 2):
        delta[i] = delta[i + 1] * w[i + 1].data * sigmoid_slope(z[i].data)  # one new factor
    return {i: (delta[i], delta[i] * a[i - 1].data) for i in delta}


def main() -> None:
    error, w, z, a = forward()
    error.backward()
    hand = by_hand(z, w, a)
    print(f"seed 000: chain x → a2 → a3 → a4 → a5, x = {X}, y = {Y}, E = {error.data:.9f}")
    print(f"  {'i':>2} {'δᵢ = ∂E/∂zᵢ':>14} {'∂E/∂wᵢ':>14} {'by hand':>14}   δᵢ reuses")
    for i in (5, 4, 3, 2):
        reuse = "—" if i == 5 else f"δ{i + 1} × w{i + 1}·σ′(z{i})"
        print(f"  {i:>2} {z[i].grad:>14.9f} {w[i].grad:>14.9f} {hand[i][1]:>14.9f}   {reuse}")


if __name__ == "__main__":
    main()
