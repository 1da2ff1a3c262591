"""A regression fit: a small MLP learns a noisy line with mean squared error and `nn.fit`.

50 points y = 2x − 0.5 + noise (`autograd_scalar.datasets.linear`), split 80/20 into
training and test sets, an MLP 1-8-1 with tanh, SGD with momentum and weight decay, a
learning rate that decays with the step. Prints the training and test loss and the
model's slope and intercept read off at x = 0 and x = 1; with matplotlib writes the fit.

Run: ``python examples/regression.py [--epochs N] [--out DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_scalar import datasets, nn, no_grad


def train(epochs: int = 100, seed: int = 0) -> tuple[nn.MLP, nn.History, tuple[list, list, list, list]]:
    inputs, targets = datasets.linear(50, noise=0.1, rng=seed, weights=(2.0,), bias=-0.5)
    split = datasets.train_test_split(inputs, targets, test_size=0.2, rng=seed)
    train_x, _, train_y, _ = split
    model = nn.MLP(1, [8, 1], activation="tanh", rng=seed)
    optimizer = nn.SGD(model.parameters(), lr=lambda step: 0.1 / (1 + step / 200), momentum=0.9, weight_decay=1e-4)
    history = nn.fit(model, train_x, train_y, nn.mse, optimizer, epochs, batch_size=10, compiled=True)
    return model, history, split


def test_loss(model: nn.MLP, inputs: list[list[float]], targets: list[float]) -> float:
    with no_grad():
        return sum(nn.mse(model(x), t).data for x, t in zip(inputs, targets, strict=True)) / len(inputs)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fit an MLP to a noisy line.")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the PNG goes (default: out/)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    print("regression: y = 2x - 0.5 + noise, 40 training and 10 test points, MLP 1-8-1, MSE, SGD")
    model, history, (train_x, test_x, train_y, test_y) = train(args.epochs)
    with no_grad():
        at0, at1 = model([0.0]).data, model([1.0]).data  # type: ignore[union-attr]
    print(f"  training loss {history.loss[-1]:.4f}, test loss {test_loss(model, test_x, test_y):.4f}")
    print(f"  model: f(1) - f(0) = {at1 - at0:.3f} (slope 2), f(0) = {at0:.3f} (intercept -0.5)")
    try:
        nn.plot_regression(model, train_x, train_y, args.out / "regression_fit.png", title="y = 2x - 0.5")
    except ImportError:
        print("(install the plot extra, pip install 'autograd-scalar[plot]', for the picture)")
    else:
        print(f"wrote {args.out / 'regression_fit.png'}")


if __name__ == "__main__":
    main()
