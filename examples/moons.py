"""The two-moons classifier: an MLP 2-16-16-1 trained with hinge loss, L2 and SGD.

100 points on two interleaving half circles with Gaussian noise, generated in pure Python;
labels −1 / +1. Each step runs the whole data set forward, adds the mean hinge loss and
α·Σ p², backpropagates and updates with a learning rate that decays from 1.0 to 0.1.
With matplotlib installed (``pip install autograd-scalar[plot]``) it also writes a
decision-boundary picture and a loss curve.

Run: ``python examples/moons.py [--steps N] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

from autograd_scalar import Value, no_grad
from autograd_scalar.nn import MLP, SGD, hinge

ALPHA = 1e-4  # L2 strength


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles: the upper one labelled −1, the lower one +1."""
    rng = random.Random(seed)
    half = n // 2
    points, labels = [], []
    for i in range(n):
        upper = i < half
        k, count = (i, half) if upper else (i - half, n - half)
        angle = math.pi * k / (count - 1)
        x, y = (math.cos(angle), math.sin(angle)) if upper else (1 - math.cos(angle), 0.5 - math.sin(angle))
        points.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        labels.append(-1.0 if upper else 1.0)
    return points, labels


def loss_and_accuracy(model: MLP, points: list[list[float]], labels: list[float]) -> tuple[Value, float]:
    scores = [model(p) for p in points]
    data_loss = hinge(scores, labels)  # type: ignore[arg-type]
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    correct = sum((s.data > 0) == (t > 0) for s, t in zip(scores, labels, strict=True))  # type: ignore[union-attr]
    return data_loss + reg_loss, correct / len(labels)


def learning_rate(step: int, steps: int) -> float:
    return 1.0 - 0.9 * step / steps


def train_step(
    model: MLP, optimizer: SGD, points: list[list[float]], labels: list[float], lr: float
) -> tuple[float, float]:
    """One full step: forward over every point, loss, backward, update. Returns loss, accuracy."""
    loss, accuracy = loss_and_accuracy(model, points, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.lr = lr
    optimizer.step()
    return loss.data, accuracy


def train(steps: int = 100, seed: int = 1337, progress: bool = False) -> tuple[MLP, list[tuple[float, float]]]:
    points, labels = make_moons()
    model = MLP(2, [16, 16, 1], rng=seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    history = []
    for step in range(steps):
        history.append(train_step(model, optimizer, points, labels, learning_rate(step, steps)))
        if progress:
            _show_progress(step, steps, *history[-1])
    return model, history


def _show_progress(step: int, steps: int, loss: float, accuracy: float) -> None:
    done = (step + 1) * 30 // steps
    line = f"  [{'#' * done}{'.' * (30 - done)}] step {step + 1:>3}/{steps}  loss {loss:.4f}  accuracy {accuracy:.0%}"
    if sys.stdout.isatty():
        print("\r" + line, end="\n" if step == steps - 1 else "", flush=True)
    elif step % 10 == 9 or step == steps - 1:
        print(line, flush=True)


def plot(model: MLP, history: list[tuple[float, float]], out: Path) -> list[Path]:
    """Decision boundary and loss curve as PNGs; needs matplotlib (the `plot` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points, labels = make_moons()
    out.mkdir(parents=True, exist_ok=True)
    grid = [i / 10 for i in range(-20, 31)]
    with no_grad():
        scores = [[model([x, y]).data for x in grid] for y in grid]  # type: ignore[union-attr]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(grid, grid, scores, levels=[-1e9, 0, 1e9], colors=["#f4c2c2", "#c2d4f4"], alpha=0.8)
    ax.scatter([p[0] for p in points], [p[1] for p in points], c=labels, cmap="coolwarm", edgecolors="k", s=18)
    ax.set_title("two moons: decision boundary")
    boundary = out / "moons_boundary.png"
    fig.savefig(boundary, dpi=120, bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([loss for loss, _ in history])
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("two moons: training loss")
    curve = out / "moons_loss.png"
    fig.savefig(curve, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return [boundary, curve]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train an MLP on two moons.")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the PNGs go (default: out/)")
    args = parser.parse_args(argv)
    print(f"two moons: 100 points, MLP 2-16-16-1 (337 parameters), hinge + L2, SGD, {args.steps} steps")
    model, history = train(args.steps, progress=True)
    print(f"  final loss {history[-1][0]:.4f}, training accuracy {history[-1][1]:.0%}")
    try:
        written = plot(model, history, args.out)
    except ImportError:
        print("  (install the plot extra, pip install 'autograd-scalar[plot]', for the pictures)")
    else:
        print("  wrote " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
