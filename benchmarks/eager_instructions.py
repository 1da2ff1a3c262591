"""Instructions per node of eager work, for comparing two versions of the engine exactly.

Not a test. Wall-clock timings on a shared 2-core machine swing by tens of percent;
instruction counts do not. Run each mode under callgrind and subtract ``base``::

    valgrind --tool=callgrind python benchmarks/eager_instructions.py base
    valgrind --tool=callgrind python benchmarks/eager_instructions.py forward
    valgrind --tool=callgrind python benchmarks/eager_instructions.py both

``forward - base`` is the forward pass of a 60,000-node chain (``tanh(y * w + 0.1)``
repeated 20,000 times), ``both - forward`` its backward pass. Point PYTHONPATH at another
checkout (e.g. a ``git archive`` of an older commit) to compare.
"""

from __future__ import annotations

import sys

import autograd_scalar as ag
from autograd_scalar import Value


def chain(steps: int, backward: bool) -> Value:
    x, w = Value(0.5), Value(0.3)
    y = x
    for _ in range(steps):
        y = ag.tanh(y * w + 0.1)
    if backward:
        y.backward()
    return y


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "both"
    if mode not in ("base", "forward", "both"):
        sys.exit("usage: eager_instructions.py base|forward|both")
    chain(200, backward=True)  # warm up, so every mode pays the same one-time costs
    if mode != "base":
        chain(20_000, backward=mode == "both")
