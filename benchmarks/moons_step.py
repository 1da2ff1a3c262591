"""One two-moons training step, autograd-scalar against micrograd 0.1.0, in one process.

A step is: forward over all 100 points through an MLP 2-16-16-1, mean hinge loss plus
L2, backward, SGD update, gradients cleared. Runs alternate between the engines so that
both see the same machine state; the median of each is reported, with the ratio.
Default interpreter settings (the cyclic garbage collector on).

Run: ``.venv/bin/python benchmarks/moons_step.py [--runs N]``; micrograd is measured
when installed (``pip install micrograd==0.1.0``).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

from autograd_scalar import demo as moons
from autograd_scalar.nn import MLP, SGD


def ours() -> Callable[[], float]:
    points, labels = moons.make_moons()
    model = MLP(2, [16, 16, 1], rng=1337)
    optimizer = SGD(model.parameters(), lr=1.0)
    return lambda: moons.train_step(model, optimizer, points, labels, 0.5)[0]


def micrograd() -> Callable[[], float] | None:
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    random.seed(1337)
    points, labels = moons.make_moons()
    model = MicroMLP(2, [16, 16, 1])

    def step() -> float:
        inputs = [list(map(Value, p)) for p in points]
        scores = list(map(model, inputs))
        losses = [(1 + -t * s).relu() for t, s in zip(labels, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
        return loss.data

    return step


def timed(step: Callable[[], float]) -> float:
    gc.collect()
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    engines = {"autograd-scalar": ours()}
    theirs = micrograd()
    if theirs is not None:
        engines["micrograd 0.1.0"] = theirs
    for step in engines.values():  # warm up: first calls pay for imports and caches
        step()
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.runs):
        for name, step in engines.items():
            times[name].append(timed(step))
    print(f"moons training step (100 points, MLP 2-16-16-1, hinge + L2, SGD), median of {args.runs} runs")
    for name, samples in times.items():
        print(f"  {name:<16} {statistics.median(samples):8.1f} ms")
    if theirs is not None:
        ratio = statistics.median(times["micrograd 0.1.0"]) / statistics.median(times["autograd-scalar"])
        print(f"  autograd-scalar is {ratio:.1f}x faster")
    else:
        print("  (micrograd not installed: pip install micrograd==0.1.0 for the comparison)")


if __name__ == "__main__":
    main()
