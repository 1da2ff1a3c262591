"""Per-thread switches that change how operations record the graph.

They live in one ``threading.local`` so that a ``no_grad()`` block in one thread never
silences recording in another. This is the engine's only mutable global state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Mode(threading.local):
    # Class attributes are the defaults every new thread starts from.
    anomaly: bool = False
    grad_depth: int = 0  # how many grad()/value_and_grad() evaluations enclose this code
    # Read by every op: recording, and no trace running. The common case is then one
    # attribute read; the two setters below keep it in step.
    plain: bool = True
    _grad_enabled: bool = True
    _tracer: Any = None

    @property
    def grad_enabled(self) -> bool:
        """Whether ops record their operands (False inside ``no_grad()``)."""
        return self._grad_enabled

    @grad_enabled.setter
    def grad_enabled(self, on: bool) -> None:
        self._grad_enabled = on
        self.plain = on and self._tracer is None

    @property
    def tracer(self) -> Any:
        """The compiler's trace in progress in this thread, if any: `Value` reports
        comparisons, made nodes and reads of ``.data`` to it."""
        return self._tracer

    @tracer.setter
    def tracer(self, tracer: Any) -> None:
        self._tracer = tracer
        self.plain = self._grad_enabled and tracer is None


mode = _Mode()


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute without recording: results made inside are leaves with no parents.

    Use it for parameter updates and evaluation, where nobody will call ``backward()``
    and the graph would only cost memory. Nests, and affects only the current thread.
    """
    previous = mode.grad_enabled
    mode.grad_enabled = False
    try:
        yield
    finally:
        mode.grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations in this thread currently record their parents."""
    return mode.grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Make backward passes stop at the first non-finite gradient contribution.

    Outside this block a backward pass already refuses NaN; inside it, ``inf`` is refused
    too, and the error names the node and operand where it first appeared.
    """
    previous = mode.anomaly
    mode.anomaly = True
    try:
        yield
    finally:
        mode.anomaly = previous
