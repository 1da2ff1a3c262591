"""One full-batch epoch of a digits-sized problem: eager, compiled per sample, batched.

Synthetic data in the shape of scikit-learn's digits: 1,797 samples, 64 inputs, 10
classes (`datasets.blobs` about ten random centres in [0, 16]^64, the digits' pixel
range, standard deviation 4). An MLP 64-32-10 (relu), softmax cross-entropy, SGD. An epoch
is what `nn.fit` does for one full batch: the mean loss's gradients over all samples,
then one ``optimizer.step()``, with the gradients computed three ways, `fit`'s own: eager
(one graph of all samples, then backward), compiled and replayed one sample at a time,
and compiled and replayed over each class's samples at once (`Compiled.batch`; `fit`
compiles one function per class, the target being a constant of it). Tracing and
respelling happen in a first, untimed epoch (their time is reported beside). Then each
way's epochs alternate, the median reported; eager, at about 8.6 million nodes an
epoch, runs once. Default interpreter settings (cyclic GC on).

Run: ``.venv/bin/python benchmarks/digits_epoch.py [--runs N]`` (needs NumPy for the
batched figure: ``pip install '.[fast]'``).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

from autograd_scalar import batch, datasets, nn
from autograd_scalar.nn import train

SAMPLES, INPUTS, CLASSES, HIDDEN = 1797, 64, 10, 32


def data(seed: int = 0) -> list[tuple[list[float], int]]:
    draw = random.Random(seed)
    centres = [[draw.uniform(0.0, 16.0) for _ in range(INPUTS)] for _ in range(CLASSES)]
    inputs, labels = datasets.blobs(SAMPLES, noise=4.0, rng=seed, centers=centres)
    return list(zip(inputs, labels, strict=True))


def epoch(way: str, samples: list[tuple[list[float], int]]) -> tuple[Callable[[], None], nn.MLP]:
    """One full-batch epoch computing its gradients `way` (fit's functions), and its model."""
    model = nn.MLP(INPUTS, [HIDDEN, CLASSES], rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.01)
    if way == "eager":
        gradients = train._eager_gradients(model, nn.softmax_cross_entropy)
    else:
        gradients = train._compiled_gradients(model, nn.softmax_cross_entropy, way == "batched")
    return lambda: (gradients(samples), optimizer.step()), model  # type: ignore[func-returns-value]


def seconds(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="epochs per fast way (median reported)")
    args = parser.parse_args()
    samples = data()
    ways = ["compiled, per sample", *(["batched"] if batch.available() else [])]
    epochs = {way: epoch(way, samples) for way in ways}
    print(f"one full-batch epoch: {SAMPLES} samples, MLP {INPUTS}-{HIDDEN}-{CLASSES}, softmax cross-entropy, SGD")
    for way, (run, _) in epochs.items():
        print(f"  {way:<22} first epoch, tracing included: {seconds(run):7.2f} s")
    times: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(args.runs):
        for way, (run, _) in epochs.items():
            times[way].append(seconds(run))
    eager_run, eager_model = epoch("eager", samples)
    eager = seconds(eager_run)
    print(f"  {'eager':<22} {eager:7.3f} s (one epoch)")
    for way in ways:
        median = statistics.median(times[way])
        print(f"  {way:<22} {median:7.3f} s (median of {args.runs})   {eager / median:6.1f}x eager")
    models = {way: model for way, (_, model) in epochs.items()}
    if "batched" in models:  # both took 1 + runs steps from the same start
        difference = max(
            abs(a.data - b.data)
            for a, b in zip(models["batched"].parameters(), models["compiled, per sample"].parameters(), strict=True)
        )
        print(f"  after {1 + args.runs} epochs, largest |batched - per sample| over the parameters: {difference:.1e}")


if __name__ == "__main__":
    main()
