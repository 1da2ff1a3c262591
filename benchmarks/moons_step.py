"""Two-moons training: autograd-scalar (eager, compiled, batched) against micrograd 0.1.0
and PyTorch.

A step is: forward over all 100 points through an MLP 2-16-16-1, mean hinge loss plus
L2, backward, SGD update. Part 1 times steps, the engines alternating so that all see the
same machine state (the fast ones in blocks of 20 steps, see `single_steps`), and reports
medians and ratios. Part 2 times whole 100-step
training runs, compiled tracing included, and checks that the compiled and batched runs
end with the eager run's parameters. Default interpreter settings (cyclic GC on).

The batched step is measured two ways. "batched" is the demo's loop, the gradients from
one `batch` call (`examples/moons.py --batch`), then `nn.SGD` updating the 337 parameter
Values one by one in Python. "batched, array update" keeps the parameters in a NumPy
array and updates them with one array operation, as PyTorch does its tensors; its
gradients are the same `batch` call's.

PyTorch (float64, batched: a matrix product per layer) runs in a separate process, in
its own environment (``.venv-torch``, or this interpreter if it has torch), right after
part 1: ``benchmarks/moons_torch.py``; its figure comes from there.

Run: ``.venv/bin/python benchmarks/moons_step.py [--runs N] [--skip-full-runs]``;
micrograd is measured when installed (``pip install micrograd==0.1.0``), the batched
steps when NumPy is (``pip install '.[fast]'``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from autograd_scalar import batch
from autograd_scalar.app import demo
from autograd_scalar.nn import MLP, SGD

STEPS = 100
ROOT = Path(__file__).resolve().parent.parent
TORCH_PYTHON = ROOT / ".venv-torch" / "bin" / "python"


def moons_example() -> ModuleType:
    """examples/moons.py, whose `--batch` gradients are the batched engine's."""
    spec = importlib.util.spec_from_file_location("moons_example", ROOT / "examples" / "moons.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def eager_step() -> Callable[[], object]:
    points, labels = demo.make_moons()
    model = MLP(2, [16, 16, 1], rng=1337)
    optimizer = SGD(model.parameters(), lr=1.0)
    return lambda: demo.train_step(model, optimizer, points, labels, 0.5)


def compiled_step() -> Callable[[], object]:
    points, labels = demo.make_moons()
    step = demo.compiled_train_step(MLP(2, [16, 16, 1], rng=1337), points, labels)
    return lambda: step(0.5)


def batched_step() -> Callable[[], object]:
    points, labels = demo.make_moons()
    model = MLP(2, [16, 16, 1], rng=1337)
    gradients = moons_example().batched_gradients(model, points, labels)
    optimizer = SGD(model.parameters(), lr=0.5)
    return lambda: (gradients(), optimizer.step())


def array_step() -> Callable[[], object]:
    """The batched step with the parameters in one NumPy array."""
    np = batch.numpy_module()
    points, labels = demo.make_moons()
    model = MLP(2, [16, 16, 1], rng=1337)
    hinge_step, l2_step = moons_example().loss_steps(model)
    weights = np.array([p.data for p in model.parameters()])
    columns = [np.array(column) for column in zip(*points, strict=True)] + [np.array(labels)]
    count, n = len(weights), len(points)

    def step() -> None:
        nonlocal weights
        listed = weights.tolist()
        _, grads = hinge_step.batch(*listed, *columns)
        _, reg_grads = l2_step(*listed)
        weights = weights - 0.5 * (grads[:count].sum(axis=1) / n + np.array(reg_grads))

    return step


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


def torch_step(runs: int) -> dict[str, Any] | None:
    """PyTorch's median step, from `moons_torch.py` in a process of its own; None without torch."""
    for python in (TORCH_PYTHON, Path(sys.executable)):
        if python.exists() and subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0:
            script = Path(__file__).with_name("moons_torch.py")
            out = subprocess.run([python, script, "--runs", str(runs)], capture_output=True, text=True, check=True)
            return {**json.loads(out.stdout.splitlines()[-1]), "python": str(python)}
    return None


def timed(run: Callable[[], object], block: int = 1) -> float:
    """Milliseconds per call of `block` consecutive calls, from a collected heap."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(block):
        run()
    return (time.perf_counter() - start) * 1e3 / block


FAST_BLOCK = 20  # steps timed together for the engines that take about a millisecond


def single_steps(runs: int, micrograd: Callable | None) -> dict[str, float]:
    """Median ms per step of each engine. The engines alternate, so that all see the same
    machine state; eager and micrograd, at tens to hundreds of ms a step, are timed a step
    at a time for the first 10 rounds; the others in blocks of `FAST_BLOCK` steps (as
    `moons_torch.py` times PyTorch), which keeps timer and collector out of their figure."""
    engines: dict[str, Callable[[], object]] = {"eager": eager_step(), "compiled": compiled_step()}
    if batch.available():
        engines |= {"batched": batched_step(), "batched, array update": array_step()}
    if micrograd is not None:
        micro_step = micrograd()[0]
        engines["micrograd 0.1.0"] = lambda: micro_step(0.5)
    slow = {"eager", "micrograd 0.1.0"}
    for run in engines.values():  # warm up; the first compiled call traces
        run()
    samples: dict[str, list[float]] = {name: [] for name in engines}
    for k in range(runs):
        for name, run in engines.items():
            if name not in slow:
                samples[name].append(timed(run, FAST_BLOCK))
            elif k < 10:
                samples[name].append(timed(run))
    return {name: statistics.median(times) for name, times in samples.items()}


def full_runs(micrograd: Callable | None) -> dict[str, float]:
    runs: dict[str, Callable[[], object]] = {
        "eager": lambda: demo.train(STEPS),
        "compiled": lambda: demo.train_compiled(STEPS),
    }
    if batch.available():
        gradients = moons_example().batched_gradients
        runs["batched"] = lambda: demo.train_with(gradients, STEPS, 1337, False)
    if micrograd is not None:

        def micro() -> object:
            step, _ = micrograd()
            return [step(demo.learning_rate(k, STEPS)) for k in range(STEPS)]

        runs["micrograd 0.1.0"] = micro
    return {name: timed(run) for name, run in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="rounds of alternating steps (medians reported)")
    parser.add_argument("--skip-full-runs", action="store_true", help="only time single steps")
    args = parser.parse_args()
    micrograd = micrograd_setup()
    if micrograd is None:
        print("(micrograd not installed: pip install micrograd==0.1.0 for the comparison)")
    if not batch.available():
        print(f"(NumPy not installed: {batch.INSTALL_HINT} for the batched steps)")

    print("one training step (100 points, MLP 2-16-16-1, hinge + L2, SGD), medians, alternating (this process)")
    steps = single_steps(args.runs, micrograd)
    torch = torch_step(args.runs)
    if torch is not None:
        steps["PyTorch, batched float64"] = torch["ms"]
    for name, ms in steps.items():
        ratios = f"   {steps['micrograd 0.1.0'] / ms:7.1f}x micrograd" if "micrograd 0.1.0" in steps else ""
        if torch is not None:
            ratios += f"   {ms / torch['ms']:7.2f}x PyTorch's time"
        print(f"  {name:<26} {ms:9.3f} ms{ratios}")
    if torch is not None:
        reference, _ = demo.loss_and_accuracy(MLP(2, [16, 16, 1], rng=1337), *demo.make_moons())
        print(
            f"  (PyTorch {torch['torch']}, {torch['threads']} threads, in a separate process: {torch['python']}; "
            f"its first loss differs from autograd-scalar's by {abs(torch['first_loss'] - reference.data):.1e})"
        )
    else:
        print("  (PyTorch not found: make test-torch sets up .venv-torch)")

    if args.skip_full_runs:
        return
    print(f"a {STEPS}-step training run, tracing and compiling included (one run each)")
    full = full_runs(micrograd)
    for name, ms in full.items():
        ratio = f"   {full['micrograd 0.1.0'] / ms:6.1f}x micrograd" if "micrograd 0.1.0" in full else ""
        print(f"  {name:<26} {ms / 1e3:9.2f} s {ratio}")
    eager_model, _ = demo.train(STEPS)
    others = {"compiled": demo.train_compiled(STEPS)[0]}
    if batch.available():
        others["batched"] = demo.train_with(moons_example().batched_gradients, STEPS, 1337, False)[0]
    for name, model in others.items():
        difference = max(
            abs(a.data - b.data) for a, b in zip(eager_model.parameters(), model.parameters(), strict=True)
        )
        print(f"  largest |{name} - eager| over the final parameters: {difference:.2e}")


if __name__ == "__main__":
    main()
