"""The two-moons classifier: an MLP 2-16-16-1 trained with hinge loss, L2 and SGD.

100 points on two interleaving half circles with Gaussian noise, generated in pure Python;
labels −1 / +1. Each step runs the whole data set forward, adds the mean hinge loss and
α·Σ p², backpropagates and updates with a learning rate that decays from 1.0 to 0.1.
With matplotlib installed (``pip install autograd-scalar[plot]``) it also writes a
decision-boundary picture and a loss curve. The data and the training loop live in
`autograd_scalar.app.demo`, so `autograd-scalar demo` runs the same program.

With ``--compiled`` the per-sample loss is traced once by `autograd_scalar.compile` and
replayed as straight-line Python: the same numbers, many times faster. With ``--batch``
that replay runs over all 100 points at once, each node's arithmetic one NumPy call
(`Compiled.batch`, which needs ``pip install 'autograd-scalar[fast]'``): the same numbers
again, to rounding, faster still.

Run: ``python examples/moons.py [--steps N] [--out DIR] [--compiled | --batch]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from autograd_scalar import Value, compile
from autograd_scalar.app import demo
from autograd_scalar.app.demo import check_steps, show_moons
from autograd_scalar.compiler import Compiled
from autograd_scalar.core import ops
from autograd_scalar.nn import MLP, functional_call


def loss_steps(model: MLP) -> tuple[Compiled, Compiled]:
    """The demo's loss as two compiled functions: one point's hinge term, of the 337
    parameters and then the point's x, y and label; and the L2 term, of the parameters."""
    count = len(model.parameters())

    def sample_hinge(*args: Value) -> Value:
        return ops.relu(1 - args[-1] * cast(Value, functional_call(model, args[:count], args[count:-1])))

    return compile(sample_hinge), compile(lambda *weights: demo.ALPHA * sum(w * w for w in weights))


def batched_gradients(model: MLP, points: list[list[float]], labels: list[float]) -> demo.Gradients:
    """The demo's gradients (mean hinge loss + α·Σ p²) with the hinge term replayed over all
    points at once: one `batch` call returns every point's hinge value and its gradients
    with respect to the 337 parameters, which are summed over the points."""
    params = model.parameters()
    hinge_step, l2_step = loss_steps(model)
    columns = [*zip(*points, strict=True), labels]

    def gradients() -> tuple[float, float]:
        weights = [p.data for p in params]
        values, grads = hinge_step.batch(*weights, *columns)
        reg_value, reg_grads = l2_step(*weights)
        means = (grads[: len(params)].sum(axis=1) / len(points)).tolist()
        for p, s, r in zip(params, means, reg_grads, strict=True):
            p.grad = s + r
        # relu(1 - label·score) < 1 exactly when label·score > 0: the point is classified right
        return float(values.mean()) + reg_value, float((values < 1.0).mean())

    return gradients


def show_batched(out: Path, steps: int) -> None:
    """`show_moons`, training with `batched_gradients`."""
    print(f"two moons: 100 points, MLP 2-16-16-1 (337 parameters), hinge + L2, SGD, {steps} steps, batched replay")
    model, history = demo.train_with(batched_gradients, steps, 1337, progress=True)
    print(f"  final loss {history[-1][0]:.4f}, training accuracy {history[-1][1]:.0%}")
    try:
        print("  wrote " + ", ".join(str(p) for p in demo.plot(model, history, out)))
    except ImportError:
        print("  (install the plot extra, pip install 'autograd-scalar[plot]', for the pictures)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train an MLP on two moons.")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the PNGs go (default: out/)")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--compiled", action="store_true", help="trace the per-sample loss once and replay it")
    how.add_argument("--batch", action="store_true", help="replay it over all points at once (needs NumPy)")
    args = parser.parse_args(argv)
    try:
        check_steps(args.steps)
    except ValueError as error:
        parser.error(str(error))
    if args.batch:
        show_batched(args.out, args.steps)
    else:
        show_moons(args.out, args.steps, args.compiled)


if __name__ == "__main__":
    main()
