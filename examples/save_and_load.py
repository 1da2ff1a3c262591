"""Train a model, save it with `nn.save`, load it back with `nn.load`, check it is the same.

Two moons (`autograd_scalar.datasets.moons`), an MLP 2-16-16-1 trained with hinge loss
through `nn.fit`; the file holds the architecture and the parameters, so the loaded model
is built from it alone. Prints the largest difference between the two models' outputs over
the data set (0: they are equal) and whether they match.

Run: ``python examples/save_and_load.py [--epochs N] [--path FILE]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_scalar import datasets, nn, no_grad


def train(epochs: int = 30, seed: int = 0) -> tuple[nn.MLP, list[list[float]]]:
    inputs, labels = datasets.moons(100, noise=0.1, rng=seed)
    model = nn.MLP(2, [16, 16, 1], rng=seed)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    nn.fit(model, inputs, datasets.as_signs(labels), nn.hinge, optimizer, epochs, batch_size=20, compiled=True)
    return model, inputs


def outputs(model: nn.Module, inputs: list[list[float]]) -> list[float]:
    with no_grad():
        return [model(x).data for x in inputs]  # type: ignore[operator]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Save a trained model and load it back.")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--path", type=Path, default=Path("out") / "moons_model.json")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    model, inputs = train(args.epochs)
    args.path.parent.mkdir(parents=True, exist_ok=True)
    nn.save(model, args.path)
    print(f"saved {model!r} to {args.path}")
    loaded = nn.load(args.path)
    print(f"loaded {loaded!r}")
    before, after = outputs(model, inputs), outputs(loaded, inputs)
    largest = max(abs(a - b) for a, b in zip(before, after, strict=True))
    print(f"largest output difference over {len(inputs)} points: {largest:g}")
    print("outputs match" if before == after else "outputs DIFFER")


if __name__ == "__main__":
    main()
