"""Two-moons training, autograd-scalar (eager and compiled) against micrograd 0.1.0.

A step is: forward over all 100 points through an MLP 2-16-16-1, mean hinge loss plus
L2, backward, SGD update. Part 1 times single steps, the engines alternating so that all
see the same machine state, and reports medians and ratios. Part 2 times whole 100-step
training runs, compiled tracing included, and checks that the compiled run ends with the
same parameters as the eager one. Default interpreter settings (cyclic GC on).

Run: ``.venv/bin/python benchmarks/moons_step.py [--runs N] [--skip-full-runs]``;
micrograd is measured when installed (``pip install micrograd==0.1.0``).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

from autograd_scalar.app import demo
from autograd_scalar.nn import MLP, SGD

STEPS = 100


def eager_step() -> Callable[[], object]:
    points, labels = demo.make_moons()
    model = MLP(2, [16, 16, 1], rng=1337)
    optimizer = SGD(model.parameters(), lr=1.0)
    return lambda: demo.train_step(model, optimizer, points, labels, 0.5)


def compiled_step() -> Callable[[], object]:
    points, labels = demo.make_moons()
    step = demo.compiled_train_step(MLP(2, [16, 16, 1], rng=1337), points, labels)
    return lambda: step(0.5)


def micrograd_setup() -> Callable[[], tuple[Callable[[float], float], list]] | None:
    """A function building a fresh micrograd model and its step, or None without micrograd."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    points, labels = demo.make_moons()

    def setup() -> tuple[Callable[[float], float], list]:
        random.seed(1337)
        model = MicroMLP(2, [16, 16, 1])

        def step(lr: float) -> float:
            scores = [model(list(map(Value, p))) for p in points]
            losses = [(1 + -t * s).relu() for t, s in zip(labels, scores, strict=True)]
            data_loss = sum(losses) * (1.0 / len(losses))
            loss = data_loss + demo.ALPHA * sum(p * p for p in model.parameters())
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            return loss.data

        return step, model.parameters()

    return setup


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1e3


def single_steps(runs: int, micrograd: Callable | None) -> dict[str, float]:
    engines: dict[str, Callable[[], object]] = {"eager": eager_step(), "compiled": compiled_step()}
    if micrograd is not None:
        micro_step = micrograd()[0]
        engines["micrograd 0.1.0"] = lambda: micro_step(0.5)
    for run in engines.values():  # warm up; the first compiled call traces
        run()
    samples: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(runs):
        for name, run in engines.items():
            samples[name].append(timed(run))
    return {name: statistics.median(times) for name, times in samples.items()}


def full_runs(micrograd: Callable | None) -> dict[str, float]:
    def eager() -> object:
        return demo.train(STEPS)

    def compiled() -> object:
        return demo.train_compiled(STEPS)

    runs: dict[str, Callable[[], object]] = {"eager": eager, "compiled": compiled}
    if micrograd is not None:

        def micro() -> object:
            step, _ = micrograd()
            return [step(demo.learning_rate(k, STEPS)) for k in range(STEPS)]

        runs["micrograd 0.1.0"] = micro
    return {name: timed(run) for name, run in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="single steps per engine (median reported)")
    parser.add_argument("--skip-full-runs", action="store_true", help="only time single steps")
    args = parser.parse_args()
    micrograd = micrograd_setup()
    if micrograd is None:
        print("(micrograd not installed: pip install micrograd==0.1.0 for the comparison)")

    print(f"one training step (100 points, MLP 2-16-16-1, hinge + L2, SGD), median of {args.runs}, alternating")
    steps = single_steps(args.runs, micrograd)
    for name, ms in steps.items():
        ratio = f"   {steps['micrograd 0.1.0'] / ms:6.1f}x micrograd" if "micrograd 0.1.0" in steps else ""
        print(f"  {name:<16} {ms:9.1f} ms{ratio}")

    if args.skip_full_runs:
        return
    print(f"a {STEPS}-step training run, tracing and compiling included (one run each)")
    full = full_runs(micrograd)
    for name, ms in full.items():
        ratio = f"   {full['micrograd 0.1.0'] / ms:6.1f}x micrograd" if "micrograd 0.1.0" in full else ""
        print(f"  {name:<16} {ms / 1e3:9.2f} s {ratio}")
    eager_model, _ = demo.train(STEPS)
    compiled_model, _ = demo.train_compiled(STEPS)
    difference = max(
        abs(a.data - b.data) for a, b in zip(eager_model.parameters(), compiled_model.parameters(), strict=True)
    )
    print(f"  largest |compiled - eager| over the final parameters: {difference:.2e}")


if __name__ == "__main__":
    main()
