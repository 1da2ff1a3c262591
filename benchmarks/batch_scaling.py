"""How the cost of `Compiled.batch` grows with the batch and with the network.

The per-sample loss of the two-moons step (an MLP 2-W-W-1 with relu, the hinge term
relu(1 - label·score), the parameters and the sample as arguments), replayed two ways:
over the whole batch at once (``step.batch``: the values and every per-sample gradient),
and one sample at a time (``step(...)`` per sample, the per-sample compiled replay). Part 1
keeps W = 16 and grows the batch from 10 to 10,000 samples; part 2 keeps 1,000 samples and
widens the network. Times are medians of several calls (the first, which traces and
respells, excluded); the per-sample replay, whose cost is linear in the samples by
construction, is timed on at most 1,000 samples and scaled.

Run: ``.venv/bin/python benchmarks/batch_scaling.py`` (needs NumPy).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import cast

import autograd_scalar as ag
from autograd_scalar import Value, batch
from autograd_scalar.core import ops
from autograd_scalar.nn import MLP, functional_call


def hinge_step(width: int) -> tuple[ag.compiler.Compiled, list[float], int]:
    """The compiled per-sample hinge loss of an MLP 2-width-width-1, its parameters, and
    the number of nodes one sample's trace computes."""
    model = MLP(2, [width, width, 1], rng=0)
    count = len(model.parameters())

    def sample_hinge(*args: Value) -> Value:
        return ops.relu(1 - args[-1] * cast(Value, functional_call(model, args[:count], args[count:-1])))

    step = ag.compile(sample_hinge)
    weights = [p.data for p in model.parameters()]
    step(*weights, 0.5, 0.5, 1.0)  # trace
    nodes = sum(line.startswith("    v") for line in step.source.splitlines())
    return step, weights, nodes


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def measure(width: int, n: int, repeat: int) -> tuple[int, float, float]:
    """Nodes per sample, ms for one batch of n, ms for n per-sample replays."""
    step, weights, nodes = hinge_step(width)
    draw = random.Random(n)
    np = batch.numpy_module()
    xs, ys = np.array([draw.gauss(0, 1) for _ in range(n)]), np.array([draw.gauss(0, 1) for _ in range(n)])
    labels = np.array([draw.choice([-1.0, 1.0]) for _ in range(n)])
    step.batch(*weights, xs, ys, labels)  # respell
    batched = median_ms(lambda: step.batch(*weights, xs, ys, labels), repeat)
    k = min(n, 1000)
    points = list(zip(xs[:k].tolist(), ys[:k].tolist(), labels[:k].tolist(), strict=True))
    one_by_one = median_ms(lambda: [step(*weights, *point) for point in points], max(1, repeat // 3)) * n / k
    return nodes, batched, one_by_one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="calls timed per figure (median reported)")
    args = parser.parse_args()
    columns = f"{'batch':>10} {'per sample':>11} {'one at a time':>14} {'speed-up':>9}"
    print("MLP 2-16-16-1, hinge loss, values and per-sample gradients of all 340 arguments")
    print(f"  {'samples':>8} {columns}")
    for n in (10, 100, 1_000, 10_000):
        _, batched, one_by_one = measure(16, n, args.repeat)
        print(f"  {n:>8,} {row(batched, one_by_one, n)}")
    print("1,000 samples, MLP 2-W-W-1")
    print(f"  {'W':>4} {'nodes':>6} {columns}")
    for width in (4, 8, 16, 32, 64):
        nodes, batched, one_by_one = measure(width, 1_000, args.repeat)
        print(f"  {width:>4} {nodes:>6,} {row(batched, one_by_one, 1_000)}")


def row(batched: float, one_by_one: float, n: int) -> str:
    return f"{batched:>7.2f} ms {batched / n * 1e3:>8.2f} µs {one_by_one:>11.2f} ms {one_by_one / batched:>8.1f}x"


if __name__ == "__main__":
    main()
