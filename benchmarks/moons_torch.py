"""The two-moons training step in PyTorch, batched, float64: the figure `moons_step.py` sets
beside its own.

The same step as the others there: forward over all 100 points through an MLP 2-16-16-1
(relu), mean hinge loss plus α·Σ p², backward, SGD update; the same starting parameters
(autograd-scalar's ``MLP(2, [16, 16, 1], rng=1337)``, copied into tensors), the same data.
Steps are timed in blocks of 20 from a collected heap, as `moons_step.py` times its fast
engines. It prints one line of JSON: the median step in milliseconds, the loss of the first step
(so the caller can check it computes what autograd-scalar computes), and PyTorch's version
and thread count. Needs only torch and autograd_scalar (no NumPy), so that it runs in the
separate PyTorch environment: ``.venv-torch/bin/python benchmarks/moons_torch.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

import torch

from autograd_scalar.app import demo
from autograd_scalar.nn import MLP


def setup() -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
    """The starting parameters as tensors, [W1, b1, W2, b2, W3, b3], and the data."""
    model = MLP(2, [16, 16, 1], rng=1337)
    params = []
    for layer in model.layers:
        params.append(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
        params.append(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
    for p in params:
        p.requires_grad_(True)
    points, labels = demo.make_moons()
    return params, torch.tensor(points, dtype=torch.float64), torch.tensor(labels, dtype=torch.float64)


def step(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor, lr: float) -> float:
    w1, b1, w2, b2, w3, b3 = params
    h = torch.relu(x @ w1.T + b1)
    h = torch.relu(h @ w2.T + b2)
    scores = (h @ w3.T + b3).squeeze(1)
    loss = torch.relu(1 - y * scores).mean() + demo.ALPHA * sum((p * p).sum() for p in params)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="blocks timed (median reported)")
    parser.add_argument("--block", type=int, default=20, help="steps per block, timed together")
    args = parser.parse_args()
    params, x, y = setup()
    first_loss = step(params, x, y, 0.5)
    for _ in range(20):  # warm up
        step(params, x, y, 0.5)
    times = []
    for _ in range(args.runs):  # as moons_step.py times its fast steps
        gc.collect()
        start = time.perf_counter()
        for _ in range(args.block):
            step(params, x, y, 0.5)
        times.append((time.perf_counter() - start) * 1e3 / args.block)
    report = {"ms": statistics.median(times), "first_loss": first_loss}
    report |= {"torch": torch.__version__, "threads": torch.get_num_threads()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
