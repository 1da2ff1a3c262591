"""Seed 002's multi-class point: softmax + cross-entropy on a 3-class problem.

Sigmoid outputs score each class on its own; softmax turns scores into probabilities that
compete and sum to 1, and with cross-entropy the gradient of each logit is simply
(probability − 1 for the true class, probability otherwise). Three Gaussian blobs in the
plane, an MLP 2-8-3, Adam; prints loss and accuracy as it trains.
"""

from __future__ import annotations

import math
import random

from autograd_scalar.nn import MLP, Adam, softmax, softmax_cross_entropy

CENTRES = [(0.0, 1.5), (-1.4, -0.8), (1.4, -0.8)]


def blobs(n_per_class: int = 30, seed: int = 0) -> list[tuple[list[float], int]]:
    rng = random.Random(seed)
    return [
        ([cx + rng.gauss(0, 0.45), cy + rng.gauss(0, 0.45)], label)
        for label, (cx, cy) in enumerate(CENTRES)
        for _ in range(n_per_class)
    ]


def accuracy(model: MLP, data: list[tuple[list[float], int]]) -> float:
    def predicted(x: list[float]) -> int:
        logits = model(x)
        return max(range(3), key=lambda k: logits[k].data)  # type: ignore[index]

    return sum(predicted(x) == label for x, label in data) / len(data)


def train(steps: int = 60, seed: int = 0, report: bool = False) -> tuple[MLP, list[float]]:
    data = blobs(seed=seed)
    model = MLP(2, [8, 3], activation="tanh", rng=seed)
    optimizer = Adam(model.parameters(), lr=0.05)
    losses = []
    for step in range(steps):
        loss = sum(softmax_cross_entropy(model(x), label) for x, label in data) / len(data)  # type: ignore[arg-type]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        if report and (step % 10 == 0 or step == steps - 1):
            print(f"  step {step:>3}  loss {loss.data:.4f}  accuracy {accuracy(model, data):.0%}")
    return model, losses


def main() -> None:
    print("softmax classifier: 3 classes, 90 points, MLP 2-8-3, cross-entropy, Adam")
    model, _ = train(report=True)
    probabilities = [p.data for p in softmax(model([0.0, 1.5]))]  # type: ignore[arg-type]
    shown = ", ".join(f"{p:.3f}" for p in probabilities)
    print(f"  softmax at the first centre: [{shown}] (sums to {math.fsum(probabilities):.6f})")


if __name__ == "__main__":
    main()
