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
* Comparisons of Values inside `f` (``if x > 0:``) are recorded as guards. The replay
  checks each one; if any would go the other way it traces `f` again at those arguments
  and keeps both versions (up to `MAX_TRACES`).

What is refused
* Reading the number inside a Value while tracing (``x.data``, ``float(x)``,
  ``math.sin(x)``): Python control flow on a plain float cannot be guarded, so a replay
  could silently follow the wrong branch. Tracing stops with `TraceError` naming the line.

What falls back
* If a replay meets an arithmetic error or a NaN, the call is recomputed by the eager
  engine, which returns its result or raises its own precise error. A replay never
  returns something the eager engine would not.

`f` must be a pure function of its arguments: tracing and retracing call it again.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import math
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from autograd_scalar import backprop, ops
from autograd_scalar.functional import value_and_grad
from autograd_scalar.mode import mode
from autograd_scalar.value import Op, Value, _number_or_none

MAX_TRACES = 32

# Modules whose own reads of `.data` are the engine computing, not the user's function
# inspecting values. Their data-dependent choices are replay-safe: op rules are rerun
# by the generated code, and nn's log-sum-exp shift and BCE branch change no result.
_ENGINE_MODULES = frozenset(
    {
        "autograd_scalar.value",
        "autograd_scalar.ops",
        "autograd_scalar.backprop",
        "autograd_scalar.functional",
        "autograd_scalar.compiler",
        "autograd_scalar.nn.module",
        "autograd_scalar.nn.losses",
    }
)

# Inline code for the built-in ops: forward, then one local derivative per operand, with
# {a}, {b} the operands and {out} the result. They restate ops.py's rules (the compiled ==
# eager property tests hold them to it) and propagate NaN the way eager refuses it, so a
# NaN cannot be hidden by a branch (relu of NaN is NaN here, not 0). Ops not listed here,
# yours included, are called through their Op: slower, equally exact.
_TEMPLATES: dict[Op, tuple[str, tuple[str, ...]]] = {
    ops.ADD: ("{a} + {b}", ("1.0", "1.0")),
    ops.SUB: ("{a} - {b}", ("1.0", "-1.0")),
    ops.MUL: ("{a} * {b}", ("{b}", "{a}")),
    ops.DIV: ("{a} / {b}", ("1.0 / {b}", "-{out} / {b}")),
    ops.NEG: ("-{a}", ("-1.0",)),
    ops.ABS: ("abs({a})", ("(1.0 if {a} > 0.0 else -1.0 if {a} < 0.0 else 0.0)",)),
    ops.EXP: ("_exp({a})", ("{out}",)),
    ops.LOG: ("_log({a})", ("1.0 / {a}",)),
    ops.TANH: ("_tanh({a})", ("1.0 - {out} * {out}",)),
    ops.SIGMOID: ("_sigmoid({a})", ("{out} * (1.0 - {out})",)),
    ops.RELU: ("({a} if not {a} <= 0.0 else 0.0)", ("(1.0 if {a} > 0.0 else 0.0)",)),
    ops.SIN: ("_sin({a})", ("_cos({a})",)),
    ops.COS: ("_cos({a})", ("-_sin({a})",)),
    ops.SQRT: ("_sqrt({a})", ("(0.5 / {out} if {out} else _inf)",)),
}

_NAMESPACE = {
    "_exp": math.exp,
    "_log": math.log,
    "_tanh": math.tanh,
    "_sin": math.sin,
    "_cos": math.cos,
    "_sqrt": math.sqrt,
    "_inf": math.inf,
    "_sigmoid": ops.SIGMOID.forward,
}

_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLOATS = {float}
_PLAIN_NUMBERS = {float, int}
_trace_lock = threading.Lock()


class TraceError(TypeError):
    """`f` did something a replay could not reproduce faithfully; the message says what."""


class _GuardFailed(Exception):
    """A replay reached a comparison that would go the other way: trace again."""


class Compiled:
    """A traced function: call it with floats; returns ``(value, gradients)``.

    ``gradients`` is a tuple with one float per argument, exactly what
    ``value_and_grad(f, argnums=all)`` returns. `traces` holds the generated source of each
    version, for reading; `trace_count` says how many times `f` has been traced.
    """

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.name = getattr(f, "__name__", type(f).__name__)
        self.arity = _arity(f)
        self._replays: list[Callable[[Sequence[float]], tuple[float, tuple[float, ...]]]] = []
        self.traces: list[str] = []
        self.trace_count = 0
        self.fallbacks = 0

    def __call__(self, *args: float) -> tuple[float, tuple[float, ...]]:
        point = self._check(args)
        for replay in reversed(self._replays):
            result = self._run(replay, point)
            if result is not None:
                return result
        self._trace(point)
        result = self._run(self._replays[-1], point)
        if result is None:
            raise TraceError(
                f"compile: {self.name} took a different branch when traced again at the same arguments; "
                "a compiled function must be a pure function of its arguments"
            )
        return result

    def _run(
        self, replay: Callable[[Sequence[float]], tuple[float, tuple[float, ...]]], point: tuple[float, ...]
    ) -> tuple[float, tuple[float, ...]] | None:
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

    def _check(self, args: tuple[Any, ...]) -> tuple[float, ...]:
        if self.arity is None:
            self.arity = len(args)
        if len(args) != self.arity:
            raise TypeError(f"compiled {self.name} takes {self.arity} arguments, got {len(args)}")
        kinds = set(map(type, args))  # the common cases are checked at C speed
        if kinds == _FLOATS:
            return args
        if kinds <= _PLAIN_NUMBERS:
            return tuple(map(float, args))
        point = []
        for i, a in enumerate(args):
            number = _number_or_none(a)
            if number is None or number != number:
                raise TypeError(f"compiled {self.name}: argument {i} must be a number, got {type(a).__name__} {a!r}")
            point.append(number)
        return tuple(point)

    def _eager(self, point: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
        self.fallbacks += 1
        value, grads = value_and_grad(self.f, argnums=tuple(range(len(point))))(*point)
        return value, tuple(grads)

    def _trace(self, point: tuple[float, ...]) -> None:
        tracer = _Tracer()
        inputs = [Value(x, f"arg{i}") for i, x in enumerate(point)]
        with _trace_lock:
            slot = Value.__dict__["data"]
            # setattr, not assignment: a slot is replaced on the class, which type checkers reject.
            setattr(Value, "data", property(_read_data(slot), slot.__set__))  # noqa: B010
            previous, mode.tracer = mode.tracer, tracer
            try:
                out = self.f(*inputs)
            finally:
                mode.tracer = previous
                setattr(Value, "data", slot)  # noqa: B010
        if not isinstance(out, Value):
            if _number_or_none(out) is None:
                raise TypeError(f"{self.name} must return a Value or a number, got {type(out).__name__}")
            out = Value(out)
        source, namespace = _generate(out, inputs, tracer.guards)
        code = builtins.compile(source, f"<compiled {self.name} #{self.trace_count + 1}>", "exec")
        exec(code, namespace)
        self._replays.append(namespace["replay"])
        self.traces.append(source)
        self.trace_count += 1
        if len(self._replays) > MAX_TRACES:
            del self._replays[0], self.traces[0]

    @property
    def source(self) -> str:
        """The generated Python of the latest trace."""
        return self.traces[-1] if self.traces else ""

    def __repr__(self) -> str:
        return f"<compiled {self.name}: {self.trace_count} trace(s)>"


def compile(f: Callable[..., Any]) -> Compiled:  # noqa: A001 - the public name the API asks for
    """Trace `f` (a function of Values returning a Value) on first call; replay after.

    ``step = compile(f); value, grads = step(*floats)`` returns what
    ``value_and_grad(f, argnums=all)(*floats)`` returns, without building Value objects.
    See the module documentation for what replays, what retraces and what is refused.
    """
    if not callable(f):
        raise TypeError(f"compile needs a function, got {type(f).__name__}")
    return Compiled(f)


class _Tracer:
    def __init__(self) -> None:
        self.guards: list[tuple[Value, str, Any, bool]] = []

    def guard(self, value: Value, symbol: str, other: Any, result: bool) -> None:
        self.guards.append((value, symbol, other, result))


def _read_data(slot: Any) -> Callable[[Value], float]:
    """A `.data` getter for tracing: the engine may read; the user's function may not.

    It is installed on the class for the length of one trace (under a lock), so other
    threads see it too: for them it is a plain read.
    """
    float_code = Value.__float__.__code__
    tracing_thread = threading.get_ident()

    def read(node: Value) -> float:
        if threading.get_ident() != tracing_thread:
            return slot.__get__(node, Value)  # type: ignore[no-any-return]
        frame = sys._getframe(1)
        if frame.f_globals.get("__name__") in _ENGINE_MODULES and frame.f_code is not float_code:
            return slot.__get__(node, Value)  # type: ignore[no-any-return]
        if frame.f_code is float_code:
            frame = frame.f_back or frame
        raise TraceError(
            f"compile: the traced function reads the number inside a Value (x.data, float(x) or a math "
            f"function) at {frame.f_code.co_filename}:{frame.f_lineno}. A replay cannot follow Python "
            "control flow on a plain float, so it could return wrong gradients. Compare Values instead "
            "(if x > 0: ...), which compile records as a guard, or use relu / abs."
        )

    return read


def _generate(out: Value, inputs: list[Value], guards: list[tuple[Value, str, Any, bool]]) -> tuple[str, dict]:
    """Python source of ``replay(args) -> (value, grads)`` for the traced graph."""
    order = backprop.topological_order(out)
    for node, _, other, _ in guards:  # guarded nodes must be computed even if out ignores them
        for extra in (node, other):
            if isinstance(extra, Value) and extra not in order:
                order = _merge(order, backprop.topological_order(extra))
    position = {node: i for i, node in enumerate(order)}
    input_index = {node: i for i, node in enumerate(inputs)}
    namespace: dict[str, Any] = dict(_NAMESPACE, _GuardFailed=_GuardFailed)
    guards_at: dict[Value, list[tuple[str, Any, bool]]] = {}
    for node, symbol, other, result in guards:
        guards_at.setdefault(node, []).append((symbol, other, result))
        if isinstance(other, Value):
            guards_at.setdefault(other, [])

    def v(node: Value) -> str:
        return f"a{input_index[node]}" if node in input_index else f"v{position[node]}"

    lines = ["def replay(args):", f"    {', '.join(f'a{i}' for i in range(len(inputs)))}, = args"]
    for node in order:
        name = v(node)
        if node in input_index:
            pass
        elif node._op is None:
            namespace[f"leaf{position[node]}"] = node
            lines.append(f"    {name} = leaf{position[node]}.data")
        else:
            operands = {"a": v(node.parents[0]), "b": v(node.parents[-1])}
            template = _TEMPLATES.get(node._op)
            if template is not None:
                lines.append(f"    {name} = {template[0].format(**operands)}")
            else:
                namespace[f"op{position[node]}"] = node._op
                args = ", ".join(v(p) for p in node.parents)
                lines.append(f"    {name} = op{position[node]}.forward({args})")
                lines.append(f"    if {name} != {name}: raise ValueError")
        for symbol, other, result in guards_at.get(node, []):
            if isinstance(other, Value):
                rhs = v(other)
            else:  # through the namespace, so inf and nan need no spelling
                rhs = f"c{len(namespace)}"
                namespace[rhs] = float(other)
            test = f"{name} {_CMP[symbol]} {rhs}"
            lines.append(f"    if {'not ' if result else ''}({test}): raise _GuardFailed")

    # Backward. `adjoint[node]` names the variable holding ∂out/∂node so far. A node whose
    # first contribution is another adjoint unchanged (local derivative 1, as along every
    # sum) shares that variable instead of copying it: no line is written for it.
    relevant = backprop.depending_on(order, set(inputs))
    adjoint: dict[Value, str] = {}
    if out in relevant:
        lines.append(f"    g{position[out]} = 1.0")
        adjoint[out] = f"g{position[out]}"
    temp = itertools.count()
    for node in reversed(order):
        if node._op is None or node not in adjoint or node in input_index:
            continue
        g = adjoint[node]
        template = _TEMPLATES.get(node._op)
        if template is not None:
            fields = {"a": v(node.parents[0]), "b": v(node.parents[-1]), "out": v(node)}
            locals_ = [t.format(**fields) for t in template[1]]
        else:
            d = f"d{next(temp)}"
            operand_names = ", ".join(v(p) for p in node.parents)
            lines.append(f"    {d} = op{position[node]}.local_grad({v(node)}, {operand_names})")
            locals_ = [f"{d}[{i}]" for i in range(len(node.parents))]
        for parent, local in zip(node.parents, locals_, strict=True):
            if parent not in relevant:
                continue
            contribution = g if local == "1.0" else f"-{g}" if local == "-1.0" else f"({local}) * {g}"
            own = f"g{position[parent]}"
            if parent not in adjoint:
                if contribution == g:
                    adjoint[parent] = g
                    continue
                lines.append(f"    {own} = {contribution}")
            else:
                lines.append(f"    {own} = {adjoint[parent]} + {contribution}")
            adjoint[parent] = own
    grads = [adjoint.get(n, "0.0") for n in inputs]
    lines.append(f"    return {v(out)}, ({', '.join(grads)}{',' if len(grads) == 1 else ''})")
    return "\n".join(lines) + "\n", namespace


def _merge(first: list[Value], second: list[Value]) -> list[Value]:
    seen = set(first)
    return first + [n for n in second if n not in seen]


def _arity(f: Callable[..., Any]) -> int | None:
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return None
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
