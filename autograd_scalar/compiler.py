"""`compile`: trace a scalar function once, then replay forward and backward as plain Python.

An eager step rebuilds every node each time although, in a training loop, the graph has
the same shape every step and only the numbers change. `compile(f)` calls `f` once with
Values, then writes the graph out as one straight-line Python function — a line per node
forward, a line per edge backward, no Value objects — and builds it with Python's own
``compile()``. Calling the result replays that function on new floats.

What replays exactly
* Every op, including relu and abs: their branches are part of the generated code.
* Leaves that are not arguments (constants, Values `f` closes over, such as parameters
  you update between calls) are read afresh at every call, never frozen.
* ``detach()`` and ``no_grad()`` blocks inside `f`, and `grad` nested inside `f`: they are
  recorded as computations (detached ones with derivative zero), so their numbers follow
  the arguments.
* Comparisons of Values inside `f` (``if x > 0:``, ``max(a, b)``), including those the
  engine's own derivative rules make, are recorded as guards. The replay checks each one;
  if any would go the other way it traces `f` again at those arguments and keeps both
  versions (up to `max_traces`, most recently used first; beyond that it warns).
* A compiled function called with Values (for example from inside another function
  being traced or differentiated) evaluates eagerly on them, so compiled functions compose.

What is refused
* Reading the number inside a Value while tracing (``x.data``, ``x.item()``): Python
  control flow on a plain float cannot be guarded, so a replay could silently follow the
  wrong branch. Tracing stops with `TraceError` naming the line. (``float(x)`` and
  ``math.sin(x)`` are refused for any Value, traced or not.)

What falls back
* If a replay meets an arithmetic error or a NaN, the call is recomputed by the eager
  engine, which returns its result or raises its own precise error. A replay never
  returns something the eager engine would not.

Over a batch
* ``step.batch(*args)`` replays the same versions over many samples at once, each op's
  arithmetic done for all samples in one NumPy call (`autograd_scalar.batch`, which needs
  the ``[fast]`` extra; nothing else here does).

`f` must be a pure function of its arguments and of the Values it closes over: tracing
and retracing call it again, and plain Python numbers it closes over are read only then.
Tracing is per thread and changes nothing outside that thread.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import math
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from autograd_scalar.core import backprop
from autograd_scalar.core.mode import mode
from autograd_scalar.core.value import Op, Value, number_or_none
from autograd_scalar.functional import argument_names, value_and_grad

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_TRACES = 32

_FLOATS = {float}
_PLAIN_NUMBERS = {float, int}

Replay = Callable[[Sequence[float]], tuple[float, tuple[float, ...]]]
Guard = tuple[Value, str, Any, bool]  # (node, comparison, other side, outcome at tracing)


class TraceError(TypeError):
    """`f` did something a replay could not reproduce faithfully; the message says what."""


class RetraceWarning(UserWarning):
    """A compiled function keeps meeting new branch patterns, so calls trace again."""


class _GuardFailed(Exception):
    """A replay reached a comparison that would go the other way: trace again."""


class _Version:
    """One traced branch pattern: its replay, the source that replay was built from, and,
    once a `batch` call has needed it, the same code over NumPy arrays (`batch.py`
    translates the source, so both run the same op templates)."""

    __slots__ = ("replay", "source", "batched")

    def __init__(self, replay: Replay, source: str) -> None:
        self.replay = replay
        self.source = source
        self.batched: Callable[..., Any] | None = None


class Compiled:
    """A traced function: call it with floats; returns ``(value, gradients)``.

    ``gradients`` is a tuple with one float per argument, exactly what
    ``value_and_grad(f, argnums=all)`` returns. `batch` does the same for a whole batch of
    samples at once, with NumPy. `traces` holds the generated source of each kept version,
    for reading; `trace_count` says how many times `f` has been traced and `fallbacks` how
    many calls the eager engine answered.
    """

    def __init__(self, f: Callable[..., Any], max_traces: int = MAX_TRACES) -> None:
        self.f = f
        self.name = getattr(f, "__name__", type(f).__name__)
        self.arity = _arity(f)
        self.max_traces = max_traces
        self._versions: list[_Version] = []  # most recently used last
        self.trace_count = 0
        self.fallbacks = 0
        self._warned = False

    def __call__(self, *args: Any) -> tuple[Any, tuple[Any, ...]]:
        point = self._check(args)
        if point is None:  # called with Values: differentiate eagerly, staying in their graph
            return self._eager(args)
        versions = self._versions
        for index in range(len(versions) - 1, -1, -1):
            result = self._run(versions[index].replay, point)
            if result is not None:
                if index != len(versions) - 1:
                    self._use(versions[index])
                return result
        self._trace(point)
        result = self._run(self._versions[-1].replay, point)
        if result is None:
            raise TraceError(
                f"compile: {self.name} took a different branch when traced again at the same arguments; "
                "a compiled function must be a pure function of its arguments"
            )
        return result

    def _run(self, replay: Replay, point: tuple[float, ...]) -> tuple[float, tuple[float, ...]] | None:
        """The replay's result; None if a guard failed; eager's result on error or NaN."""
        try:
            value, grads = replay(point)
        except _GuardFailed:
            return None
        except (ArithmeticError, ValueError):
            return self._eager(point)
        check = value + sum(grads)  # NaN anywhere makes this NaN (as may inf - inf: harmless)
        if check != check:
            return self._eager(point)
        return value, grads

    def batch(self, *args: Any) -> tuple[NDArray[Any], NDArray[Any]]:
        """Replay over a whole batch of samples at once, with NumPy (the ``[fast]`` extra).

        Each argument is a number, the same for every sample (a parameter, say), or a 1-D
        sequence or NumPy array with one number per sample, all of one length n. Returns
        ``(values, grads)``: `values` an array of the n values, `grads` an array of shape
        (number of arguments, n) whose row i holds the n per-sample gradients with respect
        to argument i, a broadcast number's included (sum its row for a parameter update:
        ``grads.sum(axis=1)``). Sample k gets what ``self(*sample k's arguments)`` returns,
        including its branches and guards, and its error: the exception that call raises,
        its message prefixed with the sample's index. See `autograd_scalar.batch`.
        """
        from autograd_scalar.batch import replay  # only here: the engine itself never needs NumPy

        return replay(self, args)

    def _use(self, version: _Version) -> None:
        """Move `version` to the front of the search: it is the most recently used."""
        self._versions.remove(version)
        self._versions.append(version)

    def _check_count(self, args: tuple[Any, ...]) -> None:
        if self.arity is None:
            self.arity = len(args)
        if len(args) != self.arity:
            raise TypeError(f"compiled {self.name} takes {self.arity} arguments, got {len(args)}")

    def _check(self, args: tuple[Any, ...]) -> tuple[float, ...] | None:
        """The arguments as floats; None if any is a Value."""
        self._check_count(args)
        kinds = set(map(type, args))  # the common cases are checked at C speed
        if kinds == _FLOATS:
            return args
        if kinds <= _PLAIN_NUMBERS:
            return tuple(map(float, args))
        if any(issubclass(kind, Value) for kind in kinds):
            return None
        point = []
        for i, a in enumerate(args):
            number = number_or_none(a)
            if number is None or number != number:
                raise TypeError(f"compiled {self.name}: argument {i} must be a number, got {type(a).__name__} {a!r}")
            point.append(number)
        return tuple(point)

    def _eager(self, args: Sequence[Any]) -> tuple[Any, tuple[Any, ...]]:
        """What the eager engine answers for `args` (floats, or Values to stay in a graph)."""
        self.fallbacks += 1
        if not args:  # nothing to differentiate: the value alone, evaluated the same way
            value, _ = value_and_grad(lambda _: self.f(), 0)(0.0)
            return value, ()
        value, grads = value_and_grad(self.f, argnums=tuple(range(len(args))))(*args)
        return value, tuple(grads)

    def _trace(self, point: tuple[float, ...]) -> None:
        tracer = _Tracer()
        # Labelled as `value_and_grad` labels them, so an error raised while tracing reads
        # exactly as the eager engine's would.
        inputs = [Value(x, name) for x, name in zip(point, argument_names(self.f, len(point)), strict=True)]
        # Record everything, whatever the caller's mode: the trace must hold the whole
        # computation, and nested grad calls must return graphs, not numbers.
        previous = (mode.tracer, mode.grad_enabled, mode.grad_depth)
        mode.tracer, mode.grad_enabled, mode.grad_depth = tracer, True, previous[2] + 1
        try:
            out = self.f(*inputs)
        finally:
            mode.tracer, mode.grad_enabled, mode.grad_depth = previous
        if not isinstance(out, Value):
            if number_or_none(out) is None:
                raise TypeError(f"{self.name} must return a Value or a number, got {type(out).__name__}")
            out = Value(out)
        source, namespace = _generate(out, inputs, tracer)
        code = builtins.compile(source, f"<compiled {self.name} #{self.trace_count + 1}>", "exec")
        exec(code, namespace)
        # Taken out of its own globals, so the function and namespace form no reference cycle.
        self._versions.append(_Version(namespace.pop("replay"), source))
        self.trace_count += 1
        if len(self._versions) > self.max_traces:
            del self._versions[0]
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"compile: {self.name} has met more than max_traces={self.max_traces} branch patterns "
                    "(combinations of comparison outcomes), so the least recently used versions are dropped "
                    "and calls that need them trace again, at the cost of an eager evaluation each. Branch "
                    "less on Value comparisons (relu and abs replay without guards), or pass a larger "
                    "max_traces to compile",
                    RetraceWarning,
                    stacklevel=3,
                )

    @property
    def traces(self) -> list[str]:
        """The generated source of each kept version, the most recently used last."""
        return [version.source for version in self._versions]

    @property
    def source(self) -> str:
        """The generated Python of the most recently used trace."""
        return self._versions[-1].source if self._versions else ""

    def __repr__(self) -> str:
        return f"<compiled {self.name}: {self.trace_count} trace(s)>"


def compile(f: Callable[..., Any], max_traces: int = MAX_TRACES) -> Compiled:  # noqa: A001 - the public name
    """Trace `f` (a function of Values returning a Value) on first call; replay after.

    ``step = compile(f); value, grads = step(*floats)`` returns what
    ``value_and_grad(f, argnums=all)(*floats)`` returns, without building Value objects.
    `max_traces` bounds how many branch patterns are kept. See the module documentation
    for what replays, what retraces and what is refused.
    """
    if not callable(f):
        raise TypeError(f"compile needs a function, got {type(f).__name__}")
    if not isinstance(max_traces, int) or isinstance(max_traces, bool) or max_traces < 1:
        raise ValueError(f"compile: max_traces must be a positive int, got {max_traces!r}")
    return Compiled(f, max_traces)


class _Tracer:
    """What one trace in one thread records; found through the thread's `mode.tracer`."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.created_nodes: list[Value] = []
        self.sources: dict[Value, Value] = {}  # detached leaf -> the node it copies

    def created(self, node: Value) -> None:
        """Every op node `f` makes, used or not: eager computes them all, so must a replay."""
        self.created_nodes.append(node)

    def detached(self, leaf: Value, source: Value) -> None:
        """`leaf` was made by ``detach()`` or under ``no_grad()`` from `source`'s number."""
        self.sources[leaf] = source

    def guard(self, value: Value, symbol: str, other: Any, result: bool) -> None:
        self.guards.append((value, symbol, other, result))

    def refuse_read(self, node: Value) -> None:
        """Called by ``Value.data`` while this trace runs: the traced code read a number."""
        frame = sys._getframe(2)  # above the property and `item`, the user's line
        while frame.f_back is not None and frame.f_globals.get("__name__") == "autograd_scalar.core.value":
            frame = frame.f_back
        raise TraceError(
            f"compile: the traced function reads the number inside a Value ({node.describe()}) at "
            f"{frame.f_code.co_filename}:{frame.f_lineno}. A replay cannot follow Python control flow "
            "on a plain float, so it could return wrong gradients. Compare Values instead "
            "(if x > 0: ...), which compile records as a guard, or use relu / abs."
        )


def _generate(out: Value, inputs: list[Value], tracer: _Tracer) -> tuple[str, dict[str, Any]]:
    """Python source of ``replay(args) -> (value, grads)`` for the traced graph, and the
    namespace it runs in (leaves, user ops and guard constants are reached through it)."""
    order = _schedule(out, tracer)
    names = _Names(order, inputs)
    lines = ["def replay(args):"]
    if inputs:
        lines.append(f"    {', '.join(names.input_names)}, = args")
    live = set(backprop.topological_order(out))
    lines += _forward_lines(order, names, _guards_by_node(order, tracer.guards), tracer.sources, live)
    grads, backward = _backward_lines(order, out, inputs, names)
    lines += backward
    lines.append(f"    return {names[out]}, ({', '.join(grads)}{',' if len(grads) == 1 else ''})")
    return "\n".join(lines) + "\n", names.namespace


class _Names:
    """Variable names in the generated code, and the namespace that backs them."""

    def __init__(self, order: list[Value], inputs: list[Value]) -> None:
        self.position = {node: i for i, node in enumerate(order)}
        self.input_index = {node: i for i, node in enumerate(inputs)}
        self.input_names = [f"a{i}" for i in range(len(inputs))]
        self.namespace: dict[str, Any] = {"math": math, "_GuardFailed": _GuardFailed}
        self.functions: dict[Op, str] = {}  # each op's forward, bound once

    def __getitem__(self, node: Value) -> str:
        index = self.input_index.get(node)
        return f"v{self.position[node]}" if index is None else f"a{index}"

    def fields(self, node: Value) -> dict[str, str]:
        """What an op's `Replay` templates are filled with for `node`."""
        op = node._op
        forward = self.functions.get(op)  # type: ignore[arg-type]
        if forward is None:  # by the op's own name where it can be, so the code reads as math
            name = op.name  # type: ignore[union-attr]
            if name.isidentifier() and name not in self.namespace and not _taken(name):
                forward = name
                self.namespace[forward] = op.forward  # type: ignore[union-attr]
            else:
                forward = self.bind("f", op.forward)  # type: ignore[union-attr]
            self.functions[op] = forward  # type: ignore[index]
        return {"a": self[node.parents[0]], "b": self[node.parents[-1]], "out": self[node], "f": forward}

    def bind(self, prefix: str, obj: Any) -> str:
        """A fresh global name for `obj` in the generated code."""
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = obj
        return name


def _taken(name: str) -> bool:
    """Whether the generated code may mean something else by `name`: a builtin (templates
    call abs, min, max and float), its argument tuple, or a name it makes up itself
    (``v3``, ``g3``, ``leaf5``, ...), which would hide or replace the op's forward."""
    return hasattr(builtins, name) or name == "args" or re.fullmatch(r"(a|v|g|d|c|f|op|leaf)[0-9]+", name) is not None


def _schedule(out: Value, tracer: _Tracer) -> list[Value]:
    """The nodes to compute, each after what it is computed from: `out`'s graph first,
    then every other node `f` made while tracing and any node a guard compares (eager
    computes those too, so the replay must, to raise the same errors and check the same
    guards). A detached leaf comes after the node whose number it copies."""
    compared = [n for guard in tracer.guards for n in (guard[0], guard[2]) if isinstance(n, Value)]
    sources = tracer.sources
    order: list[Value] = []
    done: set[Value] = set()
    for root in [out, *tracer.created_nodes, *compared]:
        stack = [(root, False)]
        while stack:  # iterative depth-first walk; graphs may be deep
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            source = sources.get(node)
            stack.extend((p, False) for p in reversed(node.parents if source is None else (source,)) if p not in done)
    return order


def _guards_by_node(order: list[Value], guards: list[Guard]) -> dict[Value, list[Guard]]:
    """Each guard, filed under the later of the nodes it compares: both exist by then."""
    position = {node: i for i, node in enumerate(order)}
    filed: dict[Value, list[Guard]] = {}
    for node, symbol, other, result in guards:
        last = max(node, other, key=position.__getitem__) if isinstance(other, Value) else node
        filed.setdefault(last, []).append((node, symbol, other, result))
    return filed


def _forward_lines(
    order: list[Value],
    names: _Names,
    guards: dict[Value, list[Guard]],
    sources: dict[Value, Value],
    live: set[Value],
) -> list[str]:
    """One line per node. Eager refuses a NaN at the op that makes it; the replay need not
    check every node for that: a NaN in a node that reaches the result shows in the result,
    as long as every op on the way passes NaN on. So the replay checks a node where it is
    made if nothing uses its value (or only a comparison does), and checks the operands of
    an op that may not pass NaN on (``nan ** 0`` is 1): one called through its forward, or
    one whose `Replay` says ``keeps_nan=False``."""
    lines = []
    for node in order:
        name = names[node]
        if node in names.input_index:
            pass
        elif node in sources:  # a detached copy: the same number, and no gradient path
            lines.append(f"    {name} = {names[sources[node]]}")
        elif node._op is None:  # read at every call: parameters change between calls
            lines.append(f"    {name} = {names.bind('leaf', node)}._data")
        else:
            replay = node._op.replay
            if replay is None or not replay.keeps_nan:
                made = dict.fromkeys(names[p] for p in node.parents if p._op is not None and p not in sources)
                lines += [f"    if {operand} != {operand}: raise ValueError" for operand in made]
            if replay is not None:
                lines.append(f"    {name} = {replay.forward.format(**names.fields(node))}")
            else:
                op = names.bind("op", node._op)
                lines.append(f"    {name} = {op}.forward({', '.join(names[p] for p in node.parents)})")
            if replay is None or node not in live:
                lines.append(f"    if {name} != {name}: raise ValueError")
        for left, symbol, other, result in guards.get(node, ()):
            # A constant goes through the namespace, so inf and nan need no spelling.
            right = names[other] if isinstance(other, Value) else names.bind("c", float(other))
            lines.append(f"    if {'not ' if result else ''}({names[left]} {symbol} {right}): raise _GuardFailed")
    return lines


def _backward_lines(order: list[Value], out: Value, inputs: list[Value], names: _Names) -> tuple[list[str], list[str]]:
    """The chain rule, one line per edge; returns the gradient variable of each input and
    the lines. `adjoint[node]` names the variable holding ∂out/∂node so far. A node whose
    first contribution is another adjoint unchanged (local derivative 1, as along every
    sum) shares that variable instead of copying it."""
    relevant = backprop.depending_on(order, set(inputs))
    adjoint: dict[Value, str] = {}
    lines = []
    if out in relevant:
        adjoint[out] = f"g{names.position[out]}"
        lines.append(f"    {adjoint[out]} = 1.0")
    temp = itertools.count()
    for node in reversed(order):
        if node._op is None or node not in adjoint or node in names.input_index:
            continue
        g = adjoint[node]
        replay = node._op.replay
        if replay is not None:
            fields = names.fields(node)
            locals_ = [local.format(**fields) for local in replay.local]
        else:
            d = f"d{next(temp)}"
            operands = ", ".join(names[p] for p in node.parents)
            lines.append(f"    {d} = {names.bind('op', node._op)}.local_grad({names[node]}, {operands})")
            locals_ = [f"{d}[{i}]" for i in range(len(node.parents))]
        for parent, local in zip(node.parents, locals_, strict=True):
            if parent not in relevant:
                continue
            contribution = g if local == "1.0" else f"-{g}" if local == "-1.0" else f"({local}) * {g}"
            own = f"g{names.position[parent]}"
            if parent not in adjoint:
                if contribution == g:
                    adjoint[parent] = g
                    continue
                lines.append(f"    {own} = {contribution}")
            else:
                lines.append(f"    {own} = {adjoint[parent]} + {contribution}")
            adjoint[parent] = own
    return [adjoint.get(n, "0.0") for n in inputs], lines


def _arity(f: Callable[..., Any]) -> int | None:
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return None
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
