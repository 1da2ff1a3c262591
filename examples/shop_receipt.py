"""The shop receipt of seed 004: a computational graph you can check by hand.

2 apples at 100 each, 10% consumption tax: price = apple × count × tax = 220.
Backward gives how much the price moves per unit change of each input:
∂price/∂apple = 2.2, ∂price/∂count = 110, ∂price/∂tax = 200.
Adding 3 oranges at 150: (2·100 + 3·150) × 1.1 = 715, with gradients
2.2, 110, 3.3, 165 and 650.

The graphs are built in `autograd_scalar.app.demo` (so `autograd-scalar demo` shows them too).
This script prints both tables and writes the pictures and the backward animation.

Run: ``python examples/shop_receipt.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_scalar.app.demo import show_receipts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The shop receipt, forward and backward.")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go (default: out/)")
    show_receipts(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
