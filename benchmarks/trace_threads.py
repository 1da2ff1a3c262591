"""Does a trace in one thread slow eager code in another? CPU time of the eager thread.

Run: ``.venv/bin/python benchmarks/trace_threads.py``. Not a test: it prints figures.
A worker thread builds and differentiates a 20,000-node graph again and again; its own
CPU time per node (``time.thread_time``, so the other thread's share of the GIL does not
count) is measured alone, then while a second thread traces with `compile` without pause.
"""

from __future__ import annotations

import statistics
import threading
import time

import autograd_scalar as ag
from autograd_scalar import Value

NODES = 20_000


def eager_work() -> None:
    x = Value(0.5)
    y = x
    for _ in range(NODES // 3):
        y = ag.tanh(y * x + 0.1)
    y.backward()


def cpu_ns_per_node(rounds: int) -> float:
    """Median CPU time per node of `eager_work` in a thread of its own."""
    samples: list[float] = []

    def worker() -> None:
        for _ in range(rounds):
            start = time.thread_time()
            eager_work()
            samples.append((time.thread_time() - start) / NODES * 1e9)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    return statistics.median(samples)


def tracing_forever(stop: threading.Event) -> None:
    def f(a: Value, b: Value) -> Value:
        out = a
        for _ in range(200):
            out = ag.tanh(out * b + 0.1) if out > 0 else ag.sigmoid(out)
        return out

    while not stop.is_set():
        ag.compile(f)(0.3, 0.7)  # a new Compiled each time: every call traces


def main() -> None:
    alone = cpu_ns_per_node(15)
    stop = threading.Event()
    tracer = threading.Thread(target=tracing_forever, args=(stop,))
    tracer.start()
    try:
        during = cpu_ns_per_node(15)
    finally:
        stop.set()
        tracer.join()
    print(f"eager thread, CPU ns per node: alone {alone:.0f}, while another thread traces {during:.0f}")
    print(f"ratio: {during / alone:.2f}")


if __name__ == "__main__":
    main()
