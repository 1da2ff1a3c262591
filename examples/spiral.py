"""Three interleaved spirals, learned with softmax cross-entropy through `nn.fit`.

150 points on three spiral arms (`autograd_scalar.datasets.spirals`), an MLP 2-24-24-3 with
tanh, Adam, mini-batches of 30, the per-sample loss compiled and replayed sample by sample.
Prints the history every few epochs and the final training accuracy; with matplotlib
installed (``pip install 'autograd-scalar[plot]'``) writes the decision regions and the
history. With ``--batch`` each mini-batch is replayed at once, a NumPy call per node for
all 30 samples (``fit(..., vectorized=True)``, which needs ``pip install
'autograd-scalar[fast]'``): the same training, to rounding, in less time.

Run: ``python examples/spiral.py [--epochs N] [--out DIR] [--batch]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_scalar import datasets, nn


def train(
    epochs: int = 60, seed: int = 0, batch: bool = False
) -> tuple[nn.MLP, nn.History, list[list[float]], list[int]]:
    inputs, labels = datasets.spirals(150, noise=0.2, rng=seed, classes=3)
    model = nn.MLP(2, [24, 24, 3], activation="tanh", rng=seed)
    optimizer = nn.Adam(model.parameters(), lr=0.03)
    history = nn.fit(
        model, inputs, labels, nn.softmax_cross_entropy, optimizer, epochs,
        batch_size=30, compiled=True, shuffle=True, rng=seed, vectorized=batch,
    )  # fmt: skip
    return model, history, inputs, labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train an MLP on three spirals.")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the PNGs go (default: out/)")
    parser.add_argument("--batch", action="store_true", help="replay each mini-batch at once (needs NumPy)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    how = "replayed a mini-batch at a time" if args.batch else "replayed a sample at a time"
    print(f"spirals: 150 points, 3 classes, MLP 2-24-24-3 (747 parameters), softmax cross-entropy, Adam, {how}")
    model, history, inputs, labels = train(args.epochs, batch=args.batch)
    for epoch in sorted({*range(0, history.epochs, 10), history.epochs - 1}):
        print(f"  epoch {epoch + 1:>3}  loss {history.loss[epoch]:.4f}  accuracy {history.accuracy[epoch]:.0%}")  # type: ignore[index]
    print(f"final training accuracy {history.accuracy[-1]:.1%}")  # type: ignore[index]
    try:
        written = [args.out / "spiral_regions.png", args.out / "spiral_history.png"]
        nn.plot_decision_regions(model, inputs, labels, written[0], title="three spirals")
        nn.plot_history(history, written[1], title="three spirals")
    except ImportError:
        print("(install the plot extra, pip install 'autograd-scalar[plot]', for the pictures)")
    else:
        print("wrote " + ", ".join(str(path) for path in written))


if __name__ == "__main__":
    main()
