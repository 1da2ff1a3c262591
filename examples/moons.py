"""The two-moons classifier: an MLP 2-16-16-1 trained with hinge loss, L2 and SGD.

100 points on two interleaving half circles with Gaussian noise, generated in pure Python;
labels −1 / +1. Each step runs the whole data set forward, adds the mean hinge loss and
α·Σ p², backpropagates and updates with a learning rate that decays from 1.0 to 0.1.
With matplotlib installed (``pip install autograd-scalar[plot]``) it also writes a
decision-boundary picture and a loss curve. The data and the training loop live in
`autograd_scalar.app.demo`, so `autograd-scalar demo` runs the same program.

With ``--compiled`` the per-sample loss is traced once by `autograd_scalar.compile` and
replayed as straight-line Python: the same numbers, many times faster.

Run: ``python examples/moons.py [--steps N] [--out DIR] [--compiled]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_scalar.app.demo import check_steps, show_moons


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train an MLP on two moons.")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("out"), help="where the PNGs go (default: out/)")
    parser.add_argument("--compiled", action="store_true", help="trace the per-sample loss once and replay it")
    args = parser.parse_args(argv)
    try:
        check_steps(args.steps)
    except ValueError as error:
        parser.error(str(error))
    show_moons(args.out, args.steps, args.compiled)


if __name__ == "__main__":
    main()
