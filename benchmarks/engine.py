"""Engine benchmark: forward + backward time per node, and memory per node.

Run: ``make bench`` or ``.venv/bin/python benchmarks/engine.py [--repeat N] [--gc]``.
Not a test: it prints figures and asserts nothing. Timings use the default interpreter
settings (the cyclic garbage collector on). When micrograd 0.1.0 is installed its
memory per node is measured the same way for comparison.

``--gc`` also says where the collector's time goes: for one forward and one backward
pass at each size, how many collections of each generation ran and how many ns per node
they took (timed with ``gc.callbacks``). Most of the extra time per node at 1M nodes
over 10k is the full collections (generation 2), which walk every live node; a graph of
10k nodes is built before the first one is due.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable

from autograd_scalar import Value


def deep_chain(n: int) -> Callable[[], Value]:
    """y = x·x·...·x: n product nodes in a chain, every one sharing the leaf x."""
    x = Value(0.5)

    def forward() -> Value:
        y = x
        for _ in range(n):
            y = y * x
        return y

    return forward


def wide_sum(n: int) -> Callable[[], Value]:
    """sum() of n leaves (created beforehand, not timed): n additions in a chain."""
    xs = [Value(float(i)) for i in range(n)]
    return lambda: sum(xs)  # type: ignore[return-value]


def time_per_node(make: Callable[[int], Callable[[], Value]], n: int, runs: int) -> tuple[float, float]:
    """Best-of-`runs` forward and backward nanoseconds per op node."""
    forward_ns, backward_ns = [], []
    for _ in range(runs):
        forward = make(n)
        gc.collect()
        start = time.perf_counter()
        root = forward()
        built = time.perf_counter()
        root.backward()
        done = time.perf_counter()
        forward_ns.append((built - start) / n * 1e9)
        backward_ns.append((done - built) / n * 1e9)
        del root
    return min(forward_ns), min(backward_ns)


def collector_time(make: Callable[[int], Callable[[], Value]], n: int) -> tuple[dict[int, tuple[int, float]], ...]:
    """For one forward and one backward pass: per generation, (collections, ns per node)."""
    spent: dict[int, tuple[int, float]] = {}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        count, total = spent.get(info["generation"], (0, 0.0))
        spent[info["generation"]] = (count + 1, total + (time.perf_counter() - started[0]) / n * 1e9)

    forward = make(n)
    gc.collect()
    gc.callbacks.append(callback)
    try:
        root = forward()
        in_forward = dict(spent)
        spent.clear()
        root.backward()
    finally:
        gc.callbacks.remove(callback)
    return in_forward, dict(spent)


def bytes_per_node(n: int = 100_000) -> float:
    """Memory held by a chain graph after backward, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = deep_chain(n)()
    root.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del root
    return held / (n + 1)


def micrograd_bytes_per_node(n: int = 100_000) -> float | None:
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        return None
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x = MicrogradValue(0.5)
    y = x
    for _ in range(n):
        y = y * x
    # micrograd's backward is recursive; measure the graph without it (its backward would
    # only add gradient floats) so that deep graphs can be built at all.
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del x, y
    gc.collect()
    return held / (n + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported")
    parser.add_argument("--gc", action="store_true", help="also show the collector's share, per generation")
    args = parser.parse_args()

    print(f"forward + backward, ns per op node (best of {args.repeat} runs at 1M, more at 10k; GC on)")
    print(f"  {'graph':<24} {'ops':>10} {'forward':>9} {'backward':>9} {'total':>9}")
    totals = {}
    for kind, make in (("deep chain (y = y * x)", deep_chain), ("wide sum(xs)", wide_sum)):
        for n in (10_000, 1_000_000):
            runs = args.repeat if n >= 1_000_000 else 10 * args.repeat
            f, b = time_per_node(make, n, runs)
            totals[kind, n] = f + b
            print(f"  {kind:<24} {n:>10,} {f:>9.0f} {b:>9.0f} {f + b:>9.0f}")
        ratio = totals[kind, 1_000_000] / totals[kind, 10_000]
        print(f"  {'':<24} time per node at 1M / at 10k: {ratio:.2f}")
        if args.gc:
            for n in (10_000, 1_000_000):
                shown = [
                    f"{when} "
                    + (", ".join(f"gen {g}: {c} x, {t:.0f} ns" for g, (c, t) in sorted(part.items())) or "none")
                    for when, part in zip(("forward", "backward"), collector_time(make, n), strict=True)
                ]
                print(f"  {'':<24} collections at {n:,}: {'; '.join(shown)}")

    print("memory per node, chain of 100k products after backward (tracemalloc)")
    print(f"  autograd-scalar: {bytes_per_node():.0f} bytes")
    theirs = micrograd_bytes_per_node()
    if theirs is not None:
        print(f"  micrograd 0.1.0: {theirs:.0f} bytes (graph only, before backward)")


if __name__ == "__main__":
    main()
