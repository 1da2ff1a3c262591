"""Engine benchmark: forward + backward time per node, and memory per node.

Run: ``make bench`` or ``.venv/bin/python benchmarks/engine.py [--repeat N]``.
Not a test: it prints figures and asserts nothing. Timings use the default interpreter
settings (the cyclic garbage collector on). When micrograd 0.1.0 is installed its
memory per node is measured the same way for comparison.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable

from autograd_scalar import Value


def deep_chain(n: int) -> tuple[Value, Value]:
    """y = x·x·...·x: n product nodes in a chain, every one sharing the leaf x."""
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y * x
    return x, y


def wide_sum(n: int) -> tuple[list[Value], Value]:
    xs = [Value(float(i)) for i in range(n)]
    return xs, sum(xs)


def count_nodes(n: int, kind: str) -> int:
    # A chain of n products has n op nodes and 1 leaf; sum() adds a constant 0 leaf.
    return n + 1 if kind == "chain" else 2 * n + 1


def time_per_node(build: Callable[[int], tuple], n: int, kind: str, repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` forward and backward nanoseconds per node."""
    forward, backward = [], []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        graph = build(n)
        built = time.perf_counter()
        graph[1].backward()
        done = time.perf_counter()
        nodes = count_nodes(n, kind)
        forward.append((built - start) / nodes * 1e9)
        backward.append((done - built) / nodes * 1e9)
        del graph
    return min(forward), min(backward)


def bytes_per_node(n: int = 100_000) -> float:
    """Memory held by a chain graph after backward, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = deep_chain(n)
    graph[1].backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del graph
    return held / count_nodes(n, "chain")


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
    args = parser.parse_args()

    print("forward + backward, ns per node (best of", args.repeat, "runs, GC on)")
    print(f"  {'graph':<22} {'nodes':>10} {'forward':>9} {'backward':>9} {'total':>9}")
    rows = {}
    for kind, build, n in (
        ("chain", deep_chain, 10_000),
        ("chain", deep_chain, 1_000_000),
        ("sum", wide_sum, 10_000),
        ("sum", wide_sum, 1_000_000),
    ):
        f, b = time_per_node(build, n, kind, args.repeat)
        rows[kind, n] = f + b
        label = "deep chain (y = y * x)" if kind == "chain" else "wide sum(xs)"
        print(f"  {label:<22} {count_nodes(n, kind):>10,} {f:>9.0f} {b:>9.0f} {f + b:>9.0f}")
    for kind in ("chain", "sum"):
        ratio = rows[kind, 1_000_000] / rows[kind, 10_000]
        print(f"  {kind}: time per node at 1M / at 10k = {ratio:.2f}")

    print("memory per node, chain of 100k products after backward (tracemalloc)")
    print(f"  autograd-scalar: {bytes_per_node():.0f} bytes")
    theirs = micrograd_bytes_per_node()
    if theirs is not None:
        print(f"  micrograd 0.1.0: {theirs:.0f} bytes (graph only, before backward)")


if __name__ == "__main__":
    main()
