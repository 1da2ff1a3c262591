"""Forward mode (`jvp`) against reverse mode (`grad`) where each should win.

Run: ``.venv/bin/python benchmarks/forward_vs_reverse.py [--n N] [--repeat R]``.
Not a test: it prints figures and asserts nothing beyond the two modes agreeing.

* **1 input, N outputs** (``yᵢ = sin(x·cᵢ) · x``): the whole Jacobian column. Forward
  mode is one `jvp`, one sweep; reverse mode needs one reverse pass per output.
* **N inputs, 1 output** (``Σ sin(xᵢ) · xᵢ₊₁``): the gradient. Reverse mode is one `grad`;
  forward mode needs one `jvp` per input (a basis tangent each).

Each side is timed as a user would write it, through the public API, including the
evaluation of the function that each call makes; then the losing mode at its best, with
one evaluation of f shared by all its sweeps (engine internals). Best of `repeat`,
except the N-call runs, timed once.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import autograd_scalar as ag
from autograd_scalar.core import backprop
from autograd_scalar.transforms import push_forward


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `repeat` runs in seconds, and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def one_to_many(n: int, repeat: int) -> None:
    constants = [1.0 + i / n for i in range(n)]

    def f(x: Any) -> tuple[Any, ...]:
        return tuple(ag.sin(x * c) * x for c in constants)

    def forward() -> tuple[float, ...]:
        return ag.jvp(f, (0.7,), (1.0,))[1]  # type: ignore[no-any-return]

    def reverse() -> list[float]:
        return [ag.grad(lambda x, i=i: f(x)[i])(0.7) for i in range(n)]

    def reverse_one_evaluation() -> list[float]:
        # The best reverse mode can do: f evaluated once, then one reverse pass per output.
        x = ag.Value(0.7)
        return [backprop.gradients(backprop.topological_order(y), 1.0, {x})[x] for y in f(x)]

    t_fwd, column = best_of(repeat, forward)
    t_rev, rows = best_of(1, reverse)  # n full evaluations: slow, once is enough
    t_rev1, _ = best_of(repeat, reverse_one_evaluation)
    assert max(abs(a - b) for a, b in zip(column, rows, strict=True)) < 1e-12
    print(f"1 input, {n} outputs (Jacobian column)")
    print(f"  forward: 1 jvp                                   {t_fwd * 1e3:10.1f} ms")
    print(f"  reverse: {n} grad calls                          {t_rev * 1e3:10.1f} ms  ({t_rev / t_fwd:.0f}x)")
    print(f"  reverse: 1 evaluation + {n} reverse passes       {t_rev1 * 1e3:10.1f} ms  ({t_rev1 / t_fwd:.0f}x)")


def many_to_one(n: int, repeat: int) -> None:
    point = tuple(math.sin(i) for i in range(n))

    def f(*xs: Any) -> Any:
        return sum(ag.sin(xs[i]) * xs[i + 1] for i in range(n - 1)) + xs[-1]

    def reverse() -> tuple[float, ...]:
        return ag.grad(f, tuple(range(n)))(*point)  # type: ignore[no-any-return]

    def forward() -> list[float]:
        basis = [0.0] * n
        column = []
        for i in range(n):
            basis[i] = 1.0
            column.append(ag.jvp(f, point, basis)[1])
            basis[i] = 0.0
        return column

    def forward_one_evaluation() -> list[float]:
        # The best forward mode can do: f evaluated once, then one forward sweep per input.
        xs = [ag.Value(p) for p in point]
        y = f(*xs)
        return [push_forward([y], {x: 1.0}, create_graph=False)[0] for x in xs]

    t_rev, gradient = best_of(repeat, reverse)
    t_fwd, column = best_of(1, forward)
    t_fwd1, _ = best_of(1, forward_one_evaluation)
    assert max(abs(a - b) for a, b in zip(gradient, column, strict=True)) < 1e-12
    print(f"{n} inputs, 1 output (gradient)")
    print(f"  reverse: 1 grad                                  {t_rev * 1e3:10.1f} ms")
    print(f"  forward: {n} jvp calls                           {t_fwd * 1e3:10.1f} ms  ({t_fwd / t_rev:.0f}x)")
    print(f"  forward: 1 evaluation + {n} forward sweeps       {t_fwd1 * 1e3:10.1f} ms  ({t_fwd1 / t_rev:.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    one_to_many(args.n, args.repeat)
    many_to_one(args.n, args.repeat)


if __name__ == "__main__":
    main()
