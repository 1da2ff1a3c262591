"""The programs behind `autograd-scalar demo`: the shop receipt and the two moons.

They live in the package, not in examples/, so the demo runs after a plain ``pip install``;
``examples/shop_receipt.py`` and ``examples/moons.py`` are small front ends over them.
This is the application layer, like the command line: it imports `viz` (and matplotlib,
when installed) only inside the functions that draw.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast

from autograd_scalar import Value, compile, no_grad
from autograd_scalar.core import ops
from autograd_scalar.core.text import format_number
from autograd_scalar.nn import MLP, SGD, functional_call, hinge


# -- seed 004: the shop receipt -----------------------------------------------------------
def apples() -> tuple[Value, dict[str, Value]]:
    """The price of 2 apples with tax, and its named inputs."""
    apple, count, tax = Value(100, "apple"), Value(2, "apple count"), Value(1.1, "tax")
    subtotal = apple * count
    subtotal.label = "apple price"
    price = subtotal * tax
    price.label = "price"
    return price, {v.label: v for v in (apple, count, tax)}


def apples_and_oranges() -> tuple[Value, dict[str, Value]]:
    """The price of 2 apples and 3 oranges with tax, and its named inputs."""
    apple, apple_count = Value(100, "apple"), Value(2, "apple count")
    orange, orange_count = Value(150, "orange"), Value(3, "orange count")
    tax = Value(1.1, "tax")
    apple_price = apple * apple_count
    apple_price.label = "apple price"
    orange_price = orange * orange_count
    orange_price.label = "orange price"
    subtotal = apple_price + orange_price
    subtotal.label = "subtotal"
    price = subtotal * tax
    price.label = "price"
    inputs = (apple, apple_count, orange, orange_count, tax)
    return price, {v.label: v for v in inputs}


def report(title: str, price: Value, inputs: dict[str, Value]) -> str:
    """A small table: the price, then each input with its value and ∂price/∂input."""
    width = max(len(name) for name in inputs)
    lines = [title, f"  price = {format_number(price.data, 6)}", f"  {'input':<{width}}  {'value':>6}  ∂price/∂input"]
    lines += [
        f"  {name:<{width}}  {format_number(v.data, 6):>6}  {format_number(v.grad, 6)}" for name, v in inputs.items()
    ]
    return "\n".join(lines)


# -- two moons -------------------------------------------------------------------------------
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


def check_steps(steps: int) -> int:
    """`steps` if it is a number of training steps the demo can run: at least one, since
    the demo reports the final loss and the learning-rate schedule divides by `steps`."""
    if steps < 1:
        raise ValueError(f"the number of training steps must be at least 1, got {steps}")
    return steps


def learning_rate(step: int, steps: int) -> float:
    return 1.0 - 0.9 * step / steps


# How a training step finds its gradients: at the model's current parameters, set each
# parameter's `.grad` to ∂loss/∂parameter and return (loss, training accuracy). Eager and
# compiled training differ only in this; the loop and the SGD update are shared, so the
# two runs can differ only by the rounding of their gradients.
Gradients = Callable[[], tuple[float, float]]
GradientsFor = Callable[[MLP, list[list[float]], list[float]], Gradients]


def train_step(
    model: MLP, optimizer: SGD, points: list[list[float]], labels: list[float], lr: float
) -> tuple[float, float]:
    """One full step: forward over every point, loss, backward, update. Returns loss, accuracy."""
    return _step(_eager_gradients(model, points, labels), optimizer, lr)


def compiled_train_step(
    model: MLP, points: list[list[float]], labels: list[float]
) -> Callable[[float], tuple[float, float]]:
    """A function running one training step (at a given learning rate) by compiled replay.

    The same arithmetic as the eager `train_step`, with the gradients from the compiled
    per-sample loss (see `_compiled_gradients`). Returns loss, accuracy.
    """
    return partial(_step, _compiled_gradients(model, points, labels), SGD(model.parameters(), lr=1.0))


def train(steps: int = 100, seed: int = 1337, progress: bool = False) -> tuple[MLP, list[tuple[float, float]]]:
    """Train the moons MLP, building and differentiating the loss's graph at every step."""
    return train_with(_eager_gradients, steps, seed, progress)


def train_compiled(steps: int = 100, seed: int = 1337, progress: bool = False) -> tuple[MLP, list[tuple[float, float]]]:
    """The same training as `train`, with the per-sample loss compiled once and replayed."""
    return train_with(_compiled_gradients, steps, seed, progress)


def train_with(
    gradients_for: GradientsFor, steps: int, seed: int, progress: bool
) -> tuple[MLP, list[tuple[float, float]]]:
    """The training loop of `train` and `train_compiled`, for any way of finding the
    gradients: the model from `seed`, then `steps` SGD steps with gradients from
    `gradients_for(model, points, labels)` (``examples/moons.py --batch`` passes its own)."""
    points, labels = make_moons()
    model = MLP(2, [16, 16, 1], rng=seed)
    gradients = gradients_for(model, points, labels)
    optimizer = SGD(model.parameters(), lr=1.0)
    history = []
    for k in range(steps):
        history.append(_step(gradients, optimizer, learning_rate(k, steps)))
        if progress:
            _show_progress(k, steps, *history[-1])
    return model, history


def _step(gradients: Gradients, optimizer: SGD, lr: float) -> tuple[float, float]:
    """One step: the gradients, then the update at learning rate `lr`. Returns the loss and
    accuracy measured before the update."""
    loss, accuracy = gradients()
    optimizer.lr = lr
    optimizer.step()
    return loss, accuracy


def _eager_gradients(model: MLP, points: list[list[float]], labels: list[float]) -> Gradients:
    """Gradients the eager way: the graph of the loss over every point, then backward."""

    def gradients() -> tuple[float, float]:
        loss, accuracy = loss_and_accuracy(model, points, labels)
        model.zero_grad()
        loss.backward()
        return loss.data, accuracy

    return gradients


def _compiled_gradients(model: MLP, points: list[list[float]], labels: list[float]) -> Gradients:
    """Gradients by compiled replay, with the arithmetic of `_eager_gradients`.

    The model becomes a function of its parameters (`functional_call`); `compile` traces
    one sample's hinge term with the 337 parameters and the sample as arguments, once.
    Each call replays it over the points, averages the gradients and adds the compiled L2
    term's: no Value is built.
    """
    params = model.parameters()
    count = len(params)

    def sample_hinge(*args: Value) -> Value:
        score = cast(Value, functional_call(model, args[:count], args[count : count + 2]))  # one output: a Value
        return ops.relu(1 - args[-1] * score)

    def l2(*weights: Value) -> Value:
        return ALPHA * sum(w * w for w in weights)  # type: ignore[return-value]

    hinge_step, l2_step = compile(sample_hinge), compile(l2)
    samples = list(zip(points, labels, strict=True))

    def gradients() -> tuple[float, float]:
        weights = [p.data for p in params]
        results = [hinge_step(*weights, x0, x1, label) for (x0, x1), label in samples]
        total = sum(value for value, _ in results)
        correct = sum(value < 1.0 for value, _ in results)  # relu(1 - label·score) < 1 iff label·score > 0
        sums = list(map(sum, zip(*[grads[:count] for _, grads in results], strict=True)))
        reg_value, reg_grads = l2_step(*weights)
        for p, s, r in zip(params, sums, reg_grads, strict=True):
            p.grad = s / len(samples) + r
        return total / len(samples) + reg_value, correct / len(samples)

    return gradients


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
    ax.contourf(grid, grid, scores, levels=[-1e9, 0, 1e9], colors=["#c2d4f4", "#f4c2c2"], alpha=0.8)
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


def draw_receipts(out: Path) -> list[Path]:
    """The apples and the apples + oranges graphs as SVG and PNG, and the backward animation."""
    import viz

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, build in (("receipt_apples", apples), ("receipt_apples_oranges", apples_and_oranges)):
        price, _ = build()
        price.backward()
        for suffix in (".svg", ".png"):
            written.append(viz.render(price, out / (stem + suffix), local_grads=True))
    price, _ = apples_and_oranges()
    written.append(viz.animate_backward(price, out / "receipt_backward.html", title="The shop receipt, backward"))
    return written


def show_receipts(out: Path) -> None:
    """Print both receipts' tables, then write their pictures and the animation to `out`."""
    for title, build in (("2 apples, tax 1.1", apples), ("2 apples + 3 oranges, tax 1.1", apples_and_oranges)):
        price, inputs = build()
        price.backward()
        print(report(title, price, inputs))
        print()
    for path in draw_receipts(out):
        print(f"wrote {path}")


def show_moons(out: Path, steps: int = 100, compiled: bool = False) -> None:
    """Train on two moons with a progress line; plot to `out` when matplotlib is there."""
    check_steps(steps)
    how = "compiled replay" if compiled else "eager"
    print(f"two moons: 100 points, MLP 2-16-16-1 (337 parameters), hinge + L2, SGD, {steps} steps, {how}")
    model, history = (train_compiled if compiled else train)(steps, progress=True)
    print(f"  final loss {history[-1][0]:.4f}, training accuracy {history[-1][1]:.0%}")
    try:
        written = plot(model, history, out)
    except ImportError:
        print("  (install the plot extra, pip install 'autograd-scalar[plot]', for the pictures)")
    else:
        print("  wrote " + ", ".join(str(p) for p in written))


def run(out: Path = Path("out"), steps: int = 100) -> None:
    """The main demo: the receipts' numbers and pictures, then two-moons training."""
    check_steps(steps)  # before the receipts are printed, not after
    show_receipts(out)
    print()
    show_moons(out, steps)
