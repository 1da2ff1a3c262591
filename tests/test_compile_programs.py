"""compile vs eager on random *programs*, and regression tests for known compile bugs.

The README promises that ``step = compile(f); step(*floats)`` returns what
``value_and_grad(f, argnums=all)(*floats)`` returns, and that "a replay never returns
something the eager engine would not". `test_compile.py` checks that on expression graphs;
this file checks it on programs: Python control flow on comparisons of Values, ``max`` and
``min``, ``detach()``, ``no_grad()`` blocks, nested ``grad``, closures over parameters whose
``.data`` changes between calls, calls to other compiled functions, zero-argument
functions, and a first call made inside ``no_grad()``. The same programs are replayed over
batches (``step.batch``), each batch holding points on both sides of their guards and
outside their domains: every sample must get eager's answer, or the batch eager's error
for the first sample that has one.

A program is data (`Program`: a list of statements over numbered registers) and runs
through a small closure interpreter (`build_function`); nothing is generated as source.
`programs()` draws one *with the point it is drawn at*: every statement is evaluated
while it is drawn, so that (as in `autograd_scalar.testing`) ops are mostly chosen among
those defined at the values reached, with now and then one that is not. `cases()` adds a
schedule of calls: the first call traces, the others replay at other points (the trace
point again, fresh points, sign flips, scalings, zeros, large values and infinities, so
guards flip and ops leave their domain), with the parameters' data changed in between.
Every call is compared with eager evaluation done afresh at the same point and parameters:
the same value and gradients to 1e-12, or the same error (type and message).

Semantics this file fixes (decided for the compiler rewrite):
* a compiled function called with Values behaves like ``value_and_grad(g, argnums=all)``
  called with those Values: it returns ``(Value, tuple of Values)``, differentiable, so an
  enclosing trace (or an enclosing ``grad``) records it;
* a compiled function is a function transform, like ``torch.func.grad``: its result does
  not depend on an enclosing ``no_grad()`` (a call made inside ``no_grad()`` returns the
  gradients the same call returns outside it).
"""

from __future__ import annotations

import gc
import math
import operator
import re
import threading
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value, batch, compiler

# ------------------------------------------------------------------------------------------
# Programs as data
# ------------------------------------------------------------------------------------------
#
# Registers: a function of n arguments with k parameters starts with registers
# x0..x{n-1}, p0..p{k-1}; every statement appends exactly one register. Statements:
#
#   ("op", name, (i,) or (i, j))    ag.exp(r[i]), r[i] * r[j], max(r[i], r[j]), ...
#   ("const", name, i, c)           r[i] + c, c / r[i], r[i] ** c, c ** r[i], max(r[i], c), ...
#   ("leaf", c)                     Value(c), a constant made inside f
#   ("detach", i)                   r[i].detach()
#   ("if", (lhs, sym, rhs), then, else)
#                                   lhs / rhs are ("r", i) or ("c", float); each block is a
#                                   tuple of statements run on a copy of the registers; the
#                                   register appended is the block's last
#   ("no_grad", block)              with ag.no_grad(): the block
#   ("grad", k, block)              ag.grad(lambda t: block with r[k] replaced by t)(r[k])
#   ("call", g, args, pick)         compiled function number g, called with registers
#                                   (("r", i), ...) or with numbers (("c", x), ...); pick -1
#                                   takes the value, m >= 0 the gradient for argument m
#
# A result that is a plain number (grad of a block not depending on t, max(r, c) picking
# c, a compiled call with numbers) is wrapped in a constant Value.

UNARY: dict[str, Callable[[Any], Any]] = {
    "exp": ag.exp,
    "log": ag.log,
    "tanh": ag.tanh,
    "sigmoid": ag.sigmoid,
    "relu": ag.relu,
    "sin": ag.sin,
    "cos": ag.cos,
    "sqrt": ag.sqrt,
    "abs": abs,
    "neg": operator.neg,
}

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

MINMAX: dict[str, Callable[[Any, Any], Any]] = {"max": max, "min": min}

# name -> (how to apply, how to print, the constants it is drawn with)
CONST: dict[str, tuple[Callable[[Any, float], Any], str, tuple[float, ...]]] = {
    "x+c": (lambda x, c: x + c, "{x} + {c}", (-1.0, 0.5, 1.5)),
    "c-x": (lambda x, c: c - x, "{c} - {x}", (0.0, 0.5, 2.0)),
    "c*x": (lambda x, c: c * x, "{c} * {x}", (-2.0, 0.5, 3.0)),
    "x/c": (lambda x, c: x / c, "{x} / {c}", (2.0, -0.5, 0.0)),
    "c/x": (lambda x, c: c / x, "{c} / {x}", (1.0, -2.0)),
    "x**c": (lambda x, c: x**c, "{x} ** {c}", (2.0, 3.0, 0.5, -1.0, 1.5, -0.5, 0.0, 1 / 3)),
    "c**x": (lambda x, c: c**x, "{c} ** {x}", (2.0, 0.5, 0.0, -2.0)),
    "max(x,c)": (lambda x, c: max(x, c), "max({x}, {c})", (0.0, 0.5, -1.0)),
    "min(x,c)": (lambda x, c: min(x, c), "min({x}, {c})", (0.0, 1.0, -0.5)),
}

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

#: Drawn values stay within this size while a program is drawn (as testing.MAGNITUDE).
MAGNITUDE = 50.0

Stmt = tuple


@dataclass(frozen=True)
class Program:
    """A drawn program: `n_args` arguments, parameters with initial data `params`, a body.

    `point` is the argument point it was drawn at (where it is mostly in-domain); `result`
    the register returned; `inner` the programs of the compiled functions it calls.
    """

    n_args: int
    params: tuple[float, ...]
    body: tuple[Stmt, ...]
    result: int
    point: tuple[float, ...]
    inner: tuple[Program, ...] = ()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how Hypothesis shows it
        printer.text(repr(self))

    def uses(self, kind: str) -> bool:
        return any(_uses(s, kind) for s in self.body)

    def __repr__(self) -> str:
        return render(self)


def _uses(stmt: Stmt, kind: str) -> bool:
    if stmt[0] == kind:
        return True
    if stmt[0] == "if":
        return any(_uses(s, kind) for s in stmt[2] + stmt[3])
    if stmt[0] == "no_grad":
        return any(_uses(s, kind) for s in stmt[1])
    if stmt[0] == "grad":
        return any(_uses(s, kind) for s in stmt[2])
    return False


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _operand(spec: tuple[str, Any], regs: Sequence[Any]) -> Any:
    return regs[spec[1]] if spec[0] == "r" else spec[1]


def run_block(block: Sequence[Stmt], regs: Sequence[Any], calls: Sequence[Callable[..., Any]]) -> Value:
    """Run statements on a copy of `regs`; the block's value is its last register."""
    scope = list(regs)
    for stmt in block:
        scope.append(_as_value(run_statement(stmt, scope, calls)))
    return scope[-1]


def run_statement(stmt: Stmt, regs: list[Any], calls: Sequence[Callable[..., Any]]) -> Any:
    kind = stmt[0]
    if kind == "op":
        _, name, operands = stmt
        fn = UNARY.get(name) or BINARY.get(name) or MINMAX[name]
        return fn(*[regs[i] for i in operands])
    if kind == "const":
        _, name, i, c = stmt
        return CONST[name][0](regs[i], c)
    if kind == "leaf":
        return Value(stmt[1])
    if kind == "detach":
        return regs[stmt[1]].detach()
    if kind == "if":
        _, (lhs, symbol, rhs), then, otherwise = stmt
        taken = COMPARE[symbol](_operand(lhs, regs), _operand(rhs, regs))
        return run_block(then if taken else otherwise, regs, calls)
    if kind == "no_grad":
        with ag.no_grad():
            return run_block(stmt[1], regs, calls)
    if kind == "grad":
        _, k, block = stmt

        def sub_program(t: Value) -> Value:
            return run_block(block, [*regs[:k], t, *regs[k + 1 :]], calls)

        return ag.grad(sub_program)(regs[k])
    if kind == "call":
        _, g, args, pick = stmt
        value, grads = calls[g](*[_operand(a, regs) for a in args])
        return value if pick < 0 else grads[pick]
    raise AssertionError(f"unknown statement {stmt!r}")


# Fixed signatures (so `compile` sees the arity, and eager error messages name x0, x1, ...).
_SIGNATURES: dict[int, Callable[[Callable[[tuple], Any]], Callable[..., Any]]] = {
    0: lambda run: lambda: run(()),
    1: lambda run: lambda x0: run((x0,)),
    2: lambda run: lambda x0, x1: run((x0, x1)),
    3: lambda run: lambda x0, x1, x2: run((x0, x1, x2)),
}


def build_function(
    program: Program, params: Sequence[Value], calls: Sequence[Callable[..., Any]]
) -> Callable[..., Any]:
    """The program as a Python function of its arguments, closing over `params` and `calls`."""

    def run(args: tuple) -> Value:
        regs = [*args, *params]
        for stmt in program.body:
            regs.append(_as_value(run_statement(stmt, regs, calls)))
        return regs[program.result]

    return _SIGNATURES[program.n_args](run)


def eager_calls(program: Program) -> list[Callable[..., Any]]:
    """The eager meaning of each compiled function the program calls: value_and_grad(g, all),
    which gives Values for Values; for plain numbers, plain numbers (as a compiled call)."""

    def meaning(g: Program) -> Callable[..., Any]:
        both = ag.value_and_grad(build_function(g, [], []), argnums=tuple(range(g.n_args)))

        def call(*args: Any) -> Any:
            value, grads = both(*args)
            if any(isinstance(a, Value) for a in args):
                return value, grads
            return _number(value), tuple(_number(d) for d in grads)

        return call

    return [meaning(g) for g in program.inner]


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def compiled_calls(program: Program) -> list[Callable[..., Any]]:
    return [ag.compile(build_function(p, [], [])) for p in program.inner]


def eager(f: Callable[..., Any], n_args: int, point: Sequence[float]) -> tuple[float, tuple[float, ...]]:
    """What compile(f)(*point) must return: value_and_grad(f, argnums=all)(*point)."""
    if n_args == 0:  # value_and_grad wants at least one argument: give it one f ignores
        value, _ = ag.value_and_grad(lambda unused: f(), argnums=0)(0.0)
        return value, ()
    value, grads = ag.value_and_grad(f, argnums=tuple(range(n_args)))(*point)
    return value, tuple(grads)


# ------------------------------------------------------------------------------------------
# Printing a program as the Python it stands for (what a failing example shows)
# ------------------------------------------------------------------------------------------


def render(program: Program) -> str:
    out: list[str] = []
    for g, inner in enumerate(program.inner):
        out += _render_function(inner, f"g{g}", [])
        out.append(f"g{g} = ag.compile(g{g})")
    params = [f"p{i}" for i in range(len(program.params))]
    for name, data in zip(params, program.params, strict=True):
        out.append(f"{name} = Value({data!r})")
    out += _render_function(program, "f", params)
    out.append(f"# drawn at {program.point}")
    return "\n" + "\n".join(out) + "\n"


def _render_function(program: Program, name: str, params: list[str]) -> list[str]:
    args = [f"x{i}" for i in range(program.n_args)]
    lines = [f"def {name}({', '.join(args)}):"]
    names = args + params
    counter = iter(range(10_000))
    for stmt in program.body:
        names.append(_render_statement(stmt, names, lines, "    ", counter))
    lines.append(f"    return {names[program.result]}")
    return lines


def _render_block(block: Sequence[Stmt], names: list[str], lines: list[str], indent: str, counter) -> str:
    scope = list(names)
    for stmt in block:
        scope.append(_render_statement(stmt, scope, lines, indent, counter))
    return scope[-1]


def _render_statement(stmt: Stmt, names: list[str], lines: list[str], indent: str, counter) -> str:
    new = f"v{next(counter)}"
    kind = stmt[0]
    if kind == "op":
        _, name, operands = stmt
        a = [names[i] for i in operands]
        if name in BINARY:
            text = f"{a[0]} {name} {a[1]}"
        elif name in MINMAX:
            text = f"{name}({a[0]}, {a[1]})"
        elif name == "neg":
            text = f"-{a[0]}"
        elif name == "abs":
            text = f"abs({a[0]})"
        else:
            text = f"ag.{name}({a[0]})"
        lines.append(f"{indent}{new} = {text}")
    elif kind == "const":
        _, name, i, c = stmt
        lines.append(f"{indent}{new} = {CONST[name][1].format(x=names[i], c=repr(c))}")
    elif kind == "leaf":
        lines.append(f"{indent}{new} = Value({stmt[1]!r})")
    elif kind == "detach":
        lines.append(f"{indent}{new} = {names[stmt[1]]}.detach()")
    elif kind == "if":
        _, (lhs, symbol, rhs), then, otherwise = stmt
        shown = [names[s[1]] if s[0] == "r" else repr(s[1]) for s in (lhs, rhs)]
        lines.append(f"{indent}if {shown[0]} {symbol} {shown[1]}:")
        last = _render_block(then, names, lines, indent + "    ", counter)
        lines.append(f"{indent}    {new} = {last}")
        lines.append(f"{indent}else:")
        last = _render_block(otherwise, names, lines, indent + "    ", counter)
        lines.append(f"{indent}    {new} = {last}")
    elif kind == "no_grad":
        lines.append(f"{indent}with ag.no_grad():")
        last = _render_block(stmt[1], names, lines, indent + "    ", counter)
        lines.append(f"{indent}    {new} = {last}")
    elif kind == "grad":
        _, k, block = stmt
        t = f"t{next(counter)}"
        h = f"h{next(counter)}"
        lines.append(f"{indent}def {h}({t}):")
        last = _render_block(block, [*names[:k], t, *names[k + 1 :]], lines, indent + "    ", counter)
        lines.append(f"{indent}    return {last}")
        lines.append(f"{indent}{new} = ag.grad({h})({names[k]})")
    elif kind == "call":
        _, g, args, pick = stmt
        shown = ", ".join(names[a[1]] if a[0] == "r" else repr(a[1]) for a in args)
        lines.append(f"{indent}{new} = g{g}({shown}){'[0]' if pick < 0 else f'[1][{pick}]'}")
    else:
        raise AssertionError(stmt)
    return new


# ------------------------------------------------------------------------------------------
# Strategies
# ------------------------------------------------------------------------------------------

#: Everything the harness knows how to draw.
ALL_FEATURES = frozenset(
    {"if", "minmax", "detach", "no_grad", "grad", "params", "call", "zero_args", "leaf", "wild", "no_grad_calls"}
)


def _in_range(x: Any) -> bool:
    v = x.data if isinstance(x, Value) else x
    return math.isfinite(v) and abs(v) <= MAGNITUDE


class _Stop(Exception):
    """The statement just drawn fails at the drawing point: end the program there."""


@dataclass
class _Drawing:
    draw: Callable[..., Any]
    features: frozenset[str]
    inner: list[Program] = field(default_factory=list)
    calls: list[Callable[..., Any]] = field(default_factory=list)  # eager meaning, for drawing

    def coin(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0


def _pick(ctx: _Drawing, scope: list[Value]) -> int:
    last = len(scope) - 1
    # Favour the latest register, so chains grow deep; otherwise any, so values are shared.
    return ctx.draw(st.one_of(st.just(last), st.integers(0, last)))


def _try(stmt: Stmt, scope: list[Value], calls: Sequence[Callable[..., Any]]) -> Value | Exception:
    try:
        return _as_value(run_statement(stmt, scope, calls))
    except (ArithmeticError, ValueError) as error:
        return error


def _draw_op(ctx: _Drawing, scope: list[Value], top: bool) -> tuple[Stmt, Value]:
    draw = ctx.draw
    kinds = ["unary", "unary", "binary", "binary", "const"]
    if "minmax" in ctx.features:
        kinds.append("minmax")
    kind = draw(st.sampled_from(kinds))
    if kind == "unary":
        i = _pick(ctx, scope)
        candidates = [("op", name, (i,)) for name in UNARY]
    elif kind in ("binary", "minmax"):
        i, j = _pick(ctx, scope), _pick(ctx, scope)
        table = BINARY if kind == "binary" else MINMAX
        candidates = [("op", name, (i, j)) for name in table]
    else:
        i = _pick(ctx, scope)
        names = [n for n in CONST if "minmax" in ctx.features or not n.startswith(("max", "min"))]
        candidates = [("const", n, i, draw(st.sampled_from(CONST[n][2]))) for n in names]
    results = [(stmt, _try(stmt, scope, ctx.calls)) for stmt in candidates]
    if "wild" in ctx.features and ctx.coin(10):
        # Step out: any op, defined here or not. An error at the drawing point ends the
        # program (only at the top level: a nested block must yield a value to go on).
        usable = results if top else [r for r in results if isinstance(r[1], Value)]
        stmt, result = draw(st.sampled_from(usable))
        if isinstance(result, Exception):
            raise _Stop(stmt)
        return stmt, result
    valid = [r for r in results if isinstance(r[1], Value) and _in_range(r[1])]
    if not valid:
        stmt = ("op", "tanh", (i,))
        return stmt, _as_value(run_statement(stmt, scope, ctx.calls))
    return draw(st.sampled_from(valid))


def _draw_comparison(ctx: _Drawing, scope: list[Value]) -> tuple:
    draw = ctx.draw
    symbol = draw(st.sampled_from(sorted(COMPARE)))
    shape = draw(st.sampled_from(["earlier-vs-later", "later-vs-earlier", "value-vs-const", "const-vs-value"]))
    if shape in ("earlier-vs-later", "later-vs-earlier") and len(scope) >= 2:
        i = draw(st.integers(0, len(scope) - 2))
        j = draw(st.integers(i + 1, len(scope) - 1))  # j computed after i
        lhs, rhs = (i, j) if shape == "earlier-vs-later" else (j, i)
        return (("r", lhs), symbol, ("r", rhs))
    i = _pick(ctx, scope)
    # A constant near the value, sometimes equal to it, so that replays flip the guard.
    c = scope[i].data + draw(st.sampled_from([0.0, 0.1, -0.1, 0.5, -0.5, 1.0, -1.5]))
    c = round(c, 3) if math.isfinite(c) else 0.0
    if shape == "const-vs-value":
        return (("c", c), symbol, ("r", i))
    return (("r", i), symbol, ("c", c))


def _draw_statement(ctx: _Drawing, scope: list[Value], depth: int, in_no_grad: bool) -> tuple[Stmt, Value]:
    draw = ctx.draw
    f = ctx.features
    if not scope:  # a zero-argument function without parameters starts from a constant
        stmt = ("leaf", draw(st.sampled_from([0.5, -1.5, 2.0])))
        return stmt, _as_value(run_statement(stmt, scope, ctx.calls))
    kinds = ["op"] * 6
    if "leaf" in f:
        kinds.append("leaf")
    if "detach" in f:
        kinds.append("detach")
    if depth < 2:
        if "if" in f:
            kinds += ["if", "if"]
        if "no_grad" in f and not in_no_grad:
            kinds.append("no_grad")
        # grad and compiled calls are not drawn inside no_grad blocks: what they mean
        # there (gradients of an unrecorded graph) is left undecided.
        if "grad" in f and not in_no_grad:
            kinds.append("grad")
        if "call" in f and not in_no_grad:
            kinds.append("call")
    kind = draw(st.sampled_from(kinds))
    top = depth == 0
    if kind == "op":
        return _draw_op(ctx, scope, top)
    if kind == "leaf":
        stmt = ("leaf", draw(st.sampled_from([0.5, -1.5, 2.0, 0.0])))
    elif kind == "detach":
        stmt = ("detach", _pick(ctx, scope))
    elif kind == "if":
        condition = _draw_comparison(ctx, scope)
        then = _draw_block(ctx, scope, depth + 1, in_no_grad)
        otherwise = _draw_block(ctx, scope, depth + 1, in_no_grad)
        stmt = ("if", condition, then, otherwise)
    elif kind == "no_grad":
        with ag.no_grad():
            block = _draw_block(ctx, scope, depth + 1, True)
        stmt = ("no_grad", block)
    elif kind == "grad":
        k = _pick(ctx, scope)
        sub_scope = list(scope)
        sub_scope[k] = Value(scope[k].data)  # stands for t; same data, so drawing is the same
        stmt = ("grad", k, _draw_block(ctx, sub_scope, depth + 1, in_no_grad))
    else:
        stmt = _draw_call(ctx, scope)
    result = _try(stmt, scope, ctx.calls)
    if isinstance(result, Exception) or not _in_range(result):
        # A compound statement that fails where it is drawn: replace it by a safe one.
        stmt = ("op", "tanh", (len(scope) - 1,))
        result = _as_value(run_statement(stmt, scope, ctx.calls))
    return stmt, result


def _draw_call(ctx: _Drawing, scope: list[Value]) -> Stmt:
    draw = ctx.draw
    with_numbers = ctx.coin(4)
    reuse = [g for g, p in enumerate(ctx.inner)]
    if reuse and ctx.coin(3):
        g = draw(st.sampled_from(reuse))
        n = ctx.inner[g].n_args
    else:
        g, n = None, draw(st.integers(1, 2))
    if with_numbers:
        args = tuple(("c", draw(st.sampled_from([0.5, -1.0, 2.0, 1.5]))) for _ in range(n))
    else:
        args = tuple(("r", _pick(ctx, scope)) for _ in range(n))
    if g is None:
        point = tuple(_operand(a, scope) if a[0] == "c" else scope[a[1]].data for a in args)
        inner_features = ctx.features & {"if", "minmax", "leaf"}
        inner = _draw_program(ctx.draw, inner_features, n, (), point, calls_allowed=False)
        ctx.inner.append(inner)
        ctx.calls = eager_calls(Program(0, (), (), -1, (), tuple(ctx.inner)))
        g = len(ctx.inner) - 1
    pick = draw(st.sampled_from([-1, -1, *range(n)]))
    return ("call", g, args, pick)


def _draw_block(ctx: _Drawing, scope: list[Value], depth: int, in_no_grad: bool) -> tuple[Stmt, ...]:
    scope = list(scope)
    block = []
    for _ in range(ctx.draw(st.integers(1, 3 if depth else 8))):
        stmt, value = _draw_statement(ctx, scope, depth, in_no_grad)
        block.append(stmt)
        scope.append(value)
    return tuple(block)


def _draw_program(
    draw: Callable[..., Any],
    features: frozenset[str],
    n_args: int,
    params: tuple[float, ...],
    point: tuple[float, ...],
    calls_allowed: bool = True,
) -> Program:
    ctx = _Drawing(draw, features if calls_allowed else features - {"call", "grad", "no_grad", "detach", "wild"})
    scope = [Value(x) for x in point] + [Value(p) for p in params]
    body: list[Stmt] = []
    stopped = False
    for _ in range(draw(st.integers(1, 8))):
        try:
            stmt, value = _draw_statement(ctx, scope, 0, False)
        except _Stop as stop:
            body.append(stop.args[0])
            stopped = True
            break
        body.append(stmt)
        scope.append(value)
    n_registers = n_args + len(params) + len(body)
    result = -1
    if not stopped and ctx.coin(5):  # sometimes return an earlier register
        result = draw(st.integers(0, n_registers - 1))
    return Program(n_args, params, tuple(body), result, point, tuple(ctx.inner))


def _argument_values() -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0, 0.5]),
    )


@st.composite
def programs(draw: Callable[..., Any], features: frozenset[str] = ALL_FEATURES) -> Program:
    """A random program, with the argument point (and parameter data) it was drawn at."""
    low = 0 if "zero_args" in features else 1
    n_args = draw(st.integers(low, 3))
    n_params = draw(st.integers(0, 2)) if "params" in features else 0
    if n_args == 0 and "params" in features:
        n_params = max(n_params, 1) if draw(st.booleans()) else n_params
    params = tuple(draw(_argument_values()) for _ in range(n_params))
    point = tuple(draw(_argument_values()) for _ in range(n_args))
    return _draw_program(draw, features, n_args, params, point)


@dataclass(frozen=True)
class Call:
    args: tuple[float, ...]
    params: tuple[float, ...] | None  # the parameters' data for this call; None: unchanged
    in_no_grad: bool

    def __repr__(self) -> str:
        text = f"f{self.args}" if len(self.args) != 1 else f"f({self.args[0]!r})"
        if self.params is not None:
            text = f"params={self.params}; {text}"
        return f"with no_grad(): {text}" if self.in_no_grad else text


@dataclass(frozen=True)
class Case:
    program: Program
    calls: tuple[Call, ...]

    def __repr__(self) -> str:
        return f"{self.program!r}# calls, in order (the first traces):\n" + "\n".join(map(repr, self.calls)) + "\n"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


_SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-3, -1e-3, 4.0, 30.0, -30.0, 800.0, -800.0, math.inf, -math.inf]


@st.composite
def _replay_point(draw: Callable[..., Any], trace_point: tuple[float, ...]) -> tuple[float, ...]:
    how = draw(st.sampled_from(["again", "fresh", "fresh", "negate", "scale", "special", "mixed"]))
    n = len(trace_point)
    if how == "again":
        return trace_point
    if how == "fresh":
        return tuple(draw(st.floats(-3.0, 3.0, allow_nan=False)) for _ in range(n))
    if how == "negate":
        return tuple(-x for x in trace_point)
    if how == "scale":
        s = draw(st.sampled_from([0.5, 0.9, 1.1, 2.0, -0.5, 10.0]))
        return tuple(x * s for x in trace_point)
    if how == "special":
        return tuple(draw(st.sampled_from(_SPECIAL)) for _ in range(n))
    return tuple(x if draw(st.booleans()) else draw(st.sampled_from(_SPECIAL)) for x in trace_point)


@st.composite
def cases(
    draw: Callable[..., Any],
    features: frozenset[str] = ALL_FEATURES,
    first_in_no_grad: bool | None = None,
    max_calls: int = 6,
) -> Case:
    """A program and a schedule of calls: the first traces, the others replay elsewhere."""
    program = draw(programs(features))
    if first_in_no_grad is None:
        first_in_no_grad = "no_grad_calls" in features and draw(st.integers(0, 5)) == 0
    calls = [Call(program.point, None, first_in_no_grad)]
    for _ in range(draw(st.integers(2, max_calls - 1))):
        params = None
        if program.params and draw(st.booleans()):
            params = tuple(
                draw(st.one_of(st.floats(-3.0, 3.0, allow_nan=False), st.sampled_from(_SPECIAL[:7])))
                for _ in program.params
            )
        in_no_grad = "no_grad_calls" in features and draw(st.integers(0, 7)) == 0
        calls.append(Call(draw(_replay_point(program.point)), params, in_no_grad))
    return Case(program, tuple(calls))


# ------------------------------------------------------------------------------------------
# The differential check
# ------------------------------------------------------------------------------------------

REL = 1e-12


def _close(a: float, b: float) -> bool:
    if a == b or (a != a and b != b):  # NaN matches NaN here: eager NaN is checked on its own
        return True
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= REL * max(abs(a), abs(b)) + 1e-300


def assert_same_result(got: Any, expected: tuple[float, tuple[float, ...]], where: str) -> None:
    value, grads = expected
    assert isinstance(got, tuple) and len(got) == 2, f"{where}: compiled returned {got!r}"
    got_value, got_grads = got
    assert type(got_value) is float, f"{where}: compiled value {got_value!r} is not a float"
    assert isinstance(got_grads, tuple) and all(type(g) is float for g in got_grads), (
        f"{where}: compiled gradients {got_grads!r} are not a tuple of floats"
    )
    assert len(got_grads) == len(grads), f"{where}: {len(got_grads)} gradients, eager has {len(grads)}"
    ok = _close(got_value, value) and all(_close(a, b) for a, b in zip(got_grads, grads, strict=True))
    assert ok, f"{where}: compiled {got!r} != eager {(value, grads)!r}"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def check_case(case: Case, compare_eager_through_compiled_calls: bool = False) -> None:
    """Call the compiled program as `case` says; compare every call with eager, afresh."""
    program = case.program
    params = [Value(p, f"p{i}") for i, p in enumerate(program.params)]
    reference = build_function(program, params, eager_calls(program))
    step = ag.compile(build_function(program, params, compiled_calls(program)))
    if compare_eager_through_compiled_calls:
        through_compiled = build_function(program, params, compiled_calls(program))
    for number, call in enumerate(case.calls):
        if call.params is not None:
            for p, data in zip(params, call.params, strict=True):
                p.data = data
        where = f"call {number} ({call!r})"
        try:
            expected: Any = eager(reference, program.n_args, call.args)
        except (ArithmeticError, ValueError) as error:
            expected = error
        if compare_eager_through_compiled_calls:
            # f calling the compiled functions, evaluated eagerly: a compiled function
            # called with Values must mean value_and_grad(g, all) on those Values.
            try:
                direct: Any = eager(through_compiled, program.n_args, call.args)
            except Exception as error:  # noqa: BLE001 - compared below
                direct = error
            _compare(direct, expected, f"{where}, f evaluated eagerly with the compiled callees")
        try:
            if call.in_no_grad:
                with ag.no_grad():
                    got: Any = step(*call.args)
            else:
                got = step(*call.args)
        except Exception as error:  # noqa: BLE001 - compared below
            got = error
        _compare(got, expected, where)
        # Like grad, compile answers through its return value and leaves .grad alone.
        assert all(p.grad == 0.0 for p in params), f"{where}: a parameter's .grad was changed"


def _compare(got: Any, expected: Any, where: str) -> None:
    if isinstance(expected, Exception):
        assert isinstance(got, Exception), f"{where}: eager raises {_describe(expected)}; compiled returned {got!r}"
        assert type(got) is type(expected), (
            f"{where}: eager raises {_describe(expected)}; compiled raised {_describe(got)}"
        )
        assert str(got) == str(expected), (
            f"{where}: same error type, different message:\n  eager:    {expected}\n  compiled: {got}"
        )
        return
    if isinstance(got, Exception):
        raise AssertionError(f"{where}: eager returns {expected!r}; compiled raised {_describe(got)}") from got
    assert_same_result(got, expected, where)


# A deadlocked trace would hang the whole suite: programs that call compiled functions
# run in a thread, with a timeout. After one deadlock the trace lock is suspect, so later
# examples of the same test fail at once (and Hypothesis' shrinking stays fast).
_deadlocks: list[str] = []


class Deadlock(AssertionError):
    pass


def _deadlock(message: str) -> Deadlock:
    # One place raises, so Hypothesis sees the first deadlock and the fast failures after
    # it as the same failure (not as a flaky one).
    raise Deadlock(message)


def run_with_timeout(fn: Callable[[], Any], timeout: float, what: str, remember: bool = False) -> Any:
    if remember and _deadlocks:
        _deadlock(f"an earlier example deadlocked (not run again); the first one:\n{_deadlocks[0]}")
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = error

    worker = threading.Thread(target=target, daemon=True, name="compile-deadlock-watchdog")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _unstick(worker)
        if remember:
            _deadlocks.append(what)
        _deadlock(f"no answer after {timeout} s (deadlock on the trace lock?):\n{what}")
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _unstick(worker: threading.Thread) -> None:
    """Free a thread stuck on compile's trace lock, so that the rest of the suite can trace."""
    lock = getattr(compiler, "_trace_lock", None)
    if isinstance(lock, type(threading.Lock())) and lock.locked():
        lock.release()  # a plain Lock may be released from any thread
        worker.join(10.0)


# ------------------------------------------------------------------------------------------
# The harness: compile vs eager on random programs
# ------------------------------------------------------------------------------------------

_HARNESS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

CORE = frozenset({"if", "minmax", "leaf", "wild"})


@settings(max_examples=800, **_HARNESS)
@given(cases(CORE))
def test_programs_with_branches_equal_eager(case):
    """Arithmetic, engine functions, if/else on comparisons (including of a node with one
    computed later), max and min, stepping out of domain now and then."""
    check_case(case)


@settings(max_examples=400, **_HARNESS)
@given(cases(CORE | {"detach", "no_grad"}))
def test_programs_with_detach_and_no_grad_equal_eager(case):
    check_case(case)


@settings(max_examples=400, **_HARNESS)
@given(cases(CORE | {"grad"}))
def test_programs_with_nested_grad_equal_eager(case):
    check_case(case)


@settings(max_examples=400, **_HARNESS)
@given(cases(CORE | {"params", "zero_args"}))
def test_programs_over_changing_parameters_equal_eager(case):
    """Closures over parameters whose .data changes between calls; zero-argument functions."""
    check_case(case)


@settings(max_examples=250, **_HARNESS)
@given(cases(CORE | {"params", "no_grad_calls", "grad", "detach", "no_grad"}, first_in_no_grad=True))
def test_programs_first_called_inside_no_grad_equal_eager(case):
    check_case(case)


@settings(max_examples=250, **_HARNESS)
@given(cases(CORE | {"call", "params"}))
def test_programs_calling_compiled_functions_equal_eager(case):
    run_with_timeout(
        lambda: check_case(case, compare_eager_through_compiled_calls=True), 10.0, repr(case), remember=True
    )


def check_with_a_timeout_if_calling(check: Callable[[Any], None], case: Case | BatchCase) -> None:
    """`check(case)`, in a thread with a timeout if the program calls compiled functions."""
    if case.program.uses("call"):
        run_with_timeout(lambda: check(case), 10.0, repr(case), remember=True)
    else:
        check(case)


@settings(max_examples=600, **_HARNESS)
@given(cases(ALL_FEATURES))
def test_programs_with_everything_equal_eager(case):
    check_with_a_timeout_if_calling(check_case, case)


@settings(max_examples=200, **_HARNESS)
@given(cases(ALL_FEATURES - {"call"}))
def test_programs_eager_never_returns_nan(case):
    """The reference itself: "NaN never spreads silently" (README). Eager returns a number
    or raises; a NaN value or gradient is an engine bug, whatever compile does."""
    program = case.program
    params = [Value(p, f"p{i}") for i, p in enumerate(program.params)]
    f = build_function(program, params, [])
    for call in case.calls:
        if call.params is not None:
            for p, data in zip(params, call.params, strict=True):
                p.data = data
        try:
            value, grads = eager(f, program.n_args, call.args)
        except (ArithmeticError, ValueError):
            continue
        assert value == value and all(g == g for g in grads), f"eager at {call!r} returned {(value, grads)!r}"


# ------------------------------------------------------------------------------------------
# Batches: step.batch over all the calls' points at once
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchCase:
    """A program, the points of a batch (its calls' points, the parameters fixed), which
    arguments are one number for the whole batch, and whether the batch is the first call."""

    program: Program
    points: tuple[tuple[float, ...], ...]
    broadcast: tuple[bool, ...]
    traced_first: bool

    def __repr__(self) -> str:
        args = [
            repr(self.points[0][i]) if b else f"[{', '.join(repr(p[i]) for p in self.points)}]"
            for i, b in enumerate(self.broadcast)
        ]
        first = f"f{self.points[0]}  # traced first\n" if self.traced_first else ""
        return f"{self.program!r}{first}ag.compile(f).batch({', '.join(args)})\n"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@st.composite
def batch_cases(draw: Callable[..., Any], features: frozenset[str]) -> BatchCase:
    """A program with a batch of points, guards flipping and domains left inside it: the
    replay points of `cases`, a number (the trace point's) for some arguments."""
    case = draw(cases(features - {"zero_args", "no_grad_calls"}, first_in_no_grad=False, max_calls=14))
    n = case.program.n_args
    broadcast = [draw(st.integers(0, 3)) == 0 for _ in range(n)]
    broadcast[draw(st.integers(0, n - 1))] = False  # at least one argument per sample
    trace = case.program.point
    points = tuple(tuple(trace[i] if broadcast[i] else call.args[i] for i in range(n)) for call in case.calls)
    return BatchCase(case.program, points, tuple(broadcast), draw(st.booleans()))


def check_batch_case(case: BatchCase) -> None:
    """Every sample of the batch gets eager's answer at its point; if some raise, the batch
    raises the first one's error, with its index."""
    program = case.program
    params = [Value(p, f"p{i}") for i, p in enumerate(program.params)]
    reference = build_function(program, params, eager_calls(program))
    step = ag.compile(build_function(program, params, compiled_calls(program)))
    expected: list[Any] = []
    for point in case.points:
        try:
            expected.append(eager(reference, program.n_args, point))
        except (ArithmeticError, ValueError) as error:
            expected.append(error)
    if case.traced_first:
        try:
            step(*case.points[0])
        except (ArithmeticError, ValueError):
            pass
    args = [
        p[0] if b else [point[i] for point in case.points]
        for i, (b, p) in enumerate(zip(case.broadcast, zip(*case.points, strict=True), strict=True))
    ]
    try:
        got: Any = step.batch(*args)
    except Exception as error:  # noqa: BLE001 - compared below
        got = error
    errors = [k for k, e in enumerate(expected) if isinstance(e, Exception)]
    if errors:
        k = errors[0]
        assert isinstance(got, Exception), f"sample {k}: eager raises {_describe(expected[k])}; batch returned"
        _compare(got, type(expected[k])(f"sample {k} of the batch: {expected[k]}"), "the batch")
    else:
        if isinstance(got, Exception):
            raise AssertionError(f"eager answers every sample; batch raised {_describe(got)}") from got
        values, grads = got
        for k, sample in enumerate(expected):
            assert_same_result((float(values[k]), tuple(grads[:, k].tolist())), sample, f"sample {k} {case.points[k]}")
    assert all(p.grad == 0.0 for p in params), "batch changed a parameter's .grad"


@settings(max_examples=300, **_HARNESS)
@given(batch_cases(CORE | {"params"}))
def test_batches_of_programs_with_branches_equal_eager(case):
    check_batch_case(case)


@settings(max_examples=100, **_HARNESS)
@given(batch_cases(CORE | {"params", "detach", "grad"}))
def test_batches_replayed_two_samples_at_a_time_equal_eager(case):
    """The same, each batch replayed in parts (`batch.PART`) of two samples."""
    with mock.patch.object(batch, "PART", 2):
        check_batch_case(case)


@settings(max_examples=200, **_HARNESS)
@given(batch_cases(ALL_FEATURES))
def test_batches_of_programs_with_everything_equal_eager(case):
    check_with_a_timeout_if_calling(check_batch_case, case)


def test_the_interpreter_means_what_the_rendering_says():
    """The harness itself: a hand-built program runs as its printed Python would."""
    body = (
        ("op", "*", (0, 1)),  # v0 = x0 * p0
        ("const", "x+c", 0, 1.0),  # v1 = x0 + 1.0
        ("if", (("r", 2), ">", ("r", 3)), (("op", "exp", (2,)),), (("detach", 3),)),  # v2
        ("no_grad", (("op", "sin", (0,)),)),  # v3
        ("grad", 0, (("op", "*", (0, 0)),)),  # v4 = d(t*t)/dt at x0 = 2 x0
        ("op", "+", (4, 5)),
        ("op", "+", (7, 6)),
    )
    program = Program(1, (2.0,), body, -1, (1.5,))
    p = Value(2.0)
    f = build_function(program, [p], [])

    def by_hand(x0):
        v0 = x0 * p
        v1 = x0 + 1.0
        v2 = ag.exp(v0) if v0 > v1 else v1.detach()
        with ag.no_grad():
            v3 = ag.sin(x0)
        v4 = ag.grad(lambda t: t * t)(x0)
        return v2 + v3 + v4

    for x in (1.5, 0.3, -2.0):
        assert eager(f, 1, (x,)) == eager(by_hand, 1, (x,))
    assert "if v0 > v1:" in render(program) and "ag.grad(h" in render(program)


# ------------------------------------------------------------------------------------------
# Regression tests for known bugs (each independent of the harness; expected values are
# computed by hand or by the eager engine, never by compile)
# ------------------------------------------------------------------------------------------


def eager_all(f: Callable[..., Any], *args: float) -> tuple[float, tuple[float, ...]]:
    return eager(f, len(args), args)


class TestNaNNeverSpreads:
    """Found by the harness: an infinite local derivative reaching one node along two paths
    (sqrt(x - x) at 0: +inf through the first operand, -inf through the second) sums to a
    NaN gradient that eager returns silently, and compile with it (its NaN check falls
    back to eager, which answers NaN). README: such a pass raises FloatingPointError."""

    @staticmethod
    def f(x):
        return ag.sqrt(x - x)

    def test_eager(self):
        with pytest.raises(FloatingPointError):
            ag.value_and_grad(self.f)(0.0)

    def test_compiled(self):
        step = ag.compile(self.f)
        with pytest.raises(FloatingPointError):
            step(0.0)

    def test_compiled_replay(self):
        step = ag.compile(lambda x: ag.sqrt(x * x - x))  # at 1: inf + inf - inf reaches x
        value, (slope,) = step(2.0)
        assert (value, slope) == pytest.approx((math.sqrt(2.0), 3 / (2 * math.sqrt(2.0))), rel=1e-12)
        with pytest.raises(FloatingPointError):
            step(1.0)


class TestDetachAndNoGradReplay:
    """Bug 5: detach() and no_grad() results were frozen at their traced value."""

    def test_detach_is_recomputed_at_the_new_point(self):
        step = ag.compile(lambda x: x * x.detach())
        assert step(3.0) == (9.0, (3.0,))
        assert step(4.0) == (16.0, (4.0,))  # x * x, the second factor a constant: grad x
        assert step(4.0) == eager_all(lambda x: x * x.detach(), 4.0)

    def test_no_grad_block_is_recomputed_at_the_new_point(self):
        def f(x):
            with ag.no_grad():
                y = x * 2  # a leaf holding 2x
            return x * y  # 2x², gradient y = 2x

        step = ag.compile(f)
        assert step(3.0) == (18.0, (6.0,))
        assert step(4.0) == (32.0, (8.0,))
        assert step(-1.5) == eager_all(f, -1.5)

    def test_detached_value_in_a_guard_is_recomputed(self):
        def f(x):
            d = x.detach()
            return x * 2 if d > 1 else x * 3

        step = ag.compile(f)
        assert step(2.0) == (4.0, (2.0,))
        assert step(0.5) == (1.5, (3.0,))
        assert step(5.0) == (10.0, (2.0,))


class TestAResultNoArgumentReaches:
    """Found by the harness: when the result depends on no argument (only on parameters),
    eager still evaluates the result node's own local derivative, which nothing needs; for
    p ** p at p = 5e-324 that rule overflows (p ** (p - 1)), so eager raises a bare
    OverflowError where the answer is (p ** p, 0). (p ** p + x is answered: only the root
    is affected.) Compile answers, so the two disagree."""

    p = 5e-324

    def test_eager(self):
        p = Value(self.p)
        assert ag.value_and_grad(lambda x: p**p)(1.0) == (self.p**self.p, 0.0)

    def test_compiled(self):
        p = Value(self.p)
        assert ag.compile(lambda x: p**p)(1.0) == (self.p**self.p, (0.0,))


class TestDetachedInsideANestedGrad:
    """Found by the harness: a value detached (or made under no_grad) inside a grad nested in
    the traced function must stop the gradient outright. If the trace keeps the detached
    computation in the derivative graph (derivative 0 times the operand's local derivative),
    an infinite local derivative there (sqrt at 0) gives 0 * inf = NaN, and the trace fails
    where eager returns a number. Eager: grad of sqrt(t).detach() + t is 1, so f(x) = x."""

    @staticmethod
    def detached(x):
        return ag.grad(lambda t: ag.sqrt(t).detach() + t)(x) * x

    @staticmethod
    def under_no_grad(x):
        def h(t):
            with ag.no_grad():
                s = ag.sqrt(t)
            return s + t

        return ag.grad(h)(x) * x

    @pytest.mark.parametrize("name", ["detached", "under_no_grad"])
    def test_traced_at_the_infinite_derivative(self, name):
        f = getattr(self, name)
        assert eager_all(f, 0.0) == (0.0, (1.0,))
        assert ag.compile(f)(0.0) == (0.0, (1.0,))

    @pytest.mark.parametrize("name", ["detached", "under_no_grad"])
    def test_replayed_at_the_infinite_derivative(self, name):
        step = ag.compile(getattr(self, name))
        assert step(1.0) == (1.0, (1.0,))
        assert step(0.0) == (0.0, (1.0,))


class TestFirstCallInsideNoGrad:
    """Bug 6: a first call inside no_grad() traced an unrecorded graph, kept for good."""

    def test_later_calls_are_right(self):
        step = ag.compile(lambda x: x * x)
        with ag.no_grad():
            step(3.0)
        assert step(3.0) == (9.0, (6.0,))
        assert step(4.0) == (16.0, (8.0,))

    def test_a_call_inside_no_grad_returns_the_gradients_a_call_outside_returns(self):
        # compile is a function transform (as torch.func.grad): an enclosing no_grad()
        # does not change what it returns.
        step = ag.compile(lambda x, y: x * y + ag.sin(x))
        with ag.no_grad():
            got = step(3.0, 2.0)
            again = step(0.5, -1.0)
        assert got == (6.0 + math.sin(3.0), (2.0 + math.cos(3.0), 3.0))
        assert again == eager_all(lambda x, y: x * y + ag.sin(x), 0.5, -1.0)

    def test_nested_grad_traced_inside_no_grad(self):
        def f(x):
            return ag.grad(lambda t: t * t * t)(x) * x  # 3x² · x = 3x³, gradient 9x²

        step = ag.compile(f)
        with ag.no_grad():
            step(1.0)
        assert step(2.0) == (24.0, (36.0,))


class TestGuardOnALaterNode:
    """Bug 7: a guard comparing with a node computed later raised UnboundLocalError."""

    @staticmethod
    def f(x):
        a = x * 2
        b = x + 1
        if a > b:  # x > 1
            return a * x  # 2x², gradient 4x
        return b * x  # x² + x, gradient 2x + 1

    def test_both_branches(self):
        step = ag.compile(self.f)
        assert step(3.0) == (18.0, (12.0,))
        assert step(0.5) == (0.75, (2.0,))
        assert step(3.0) == (18.0, (12.0,))
        assert step(-2.0) == (2.0, (-3.0,))
        assert step(1.0) == (2.0, (3.0,))  # a == b: not a > b

    def test_later_node_not_used_by_the_result(self):
        def g(x):
            a = x * 2
            b = x.sin()
            return x * 5 if a <= b else x * 7

        step = ag.compile(g)
        for x in (1.0, -1.0, 0.0, 3.0, -0.1):
            assert step(x) == eager_all(g, x)

    def test_later_node_on_the_left(self):
        def h(x, y):
            a = x * y
            b = x - y
            return a if b >= a else b  # compares the later node with the earlier one

        step = ag.compile(h)
        for args in [(1.0, 2.0), (2.0, 0.5), (-1.0, -1.0), (0.0, 3.0)]:
            assert step(*args) == eager_all(h, *args)


class TestCallingACompiledFunction:
    """Bug 8: a traced function calling another compiled function deadlocked."""

    def test_call_with_numbers_inside_a_trace_does_not_deadlock(self):
        inner = ag.compile(lambda y: y * y)  # never called before: its trace is nested

        def f(x):
            value, (slope,) = inner(2.0)  # 4.0 and 4.0, plain numbers
            return x * value + slope

        step = ag.compile(f)
        got = run_with_timeout(lambda: step(3.0), 10.0, "compile(f)(3.0), f calling compile(g)(2.0)")
        assert got == (16.0, (4.0,))

    def test_call_with_values_is_recorded_by_the_outer_trace(self):
        inner = ag.compile(lambda y: y * y * y)

        def f(x):
            value, (slope,) = inner(x)  # x³ and 3x², as Values
            return value + slope  # gradient 3x² + 6x

        step = ag.compile(f)
        got = run_with_timeout(lambda: step(2.0), 10.0, "compile(f)(2.0), f calling compile(g)(x)")
        assert got == (20.0, (24.0,))
        assert step(-1.0) == (2.0, (-3.0,))

    def test_call_with_values_after_the_callee_was_traced(self):
        inner = ag.compile(lambda a, b: a * b + a)
        assert inner(1.0, 2.0) == (3.0, (3.0, 1.0))

        def f(x):
            value, (da, db) = inner(x, x * 2)  # 2x² + x, 2x + 1, x
            return value * db + da  # (2x² + x)x + 2x + 1 = 2x³ + x² + 2x + 1

        step = ag.compile(f)
        got = run_with_timeout(lambda: step(1.5), 10.0, "compile(f)(1.5), f calling a traced compile(g)")
        assert got == (2 * 1.5**3 + 1.5**2 + 3.0 + 1.0, (6 * 1.5**2 + 2 * 1.5 + 2.0,))

    def test_eagerly_a_call_with_values_is_value_and_grad(self):
        inner = ag.compile(lambda y: ag.sin(y) * y)
        inner(0.3)
        x = Value(1.2)
        value, grads = inner(x)
        assert isinstance(value, Value) and isinstance(grads, tuple) and isinstance(grads[0], Value)
        expected_value, expected_slope = ag.value_and_grad(lambda y: ag.sin(y) * y)(1.2)
        assert value.data == pytest.approx(expected_value, rel=1e-12)
        assert grads[0].data == pytest.approx(expected_slope, rel=1e-12)
        # differentiable: the second derivative of y sin y, through the compiled function
        second = ag.grad(lambda y: inner(y)[1][0])(1.2)
        assert second == pytest.approx(2 * math.cos(1.2) - 1.2 * math.sin(1.2), rel=1e-12)

    def test_a_callee_guard_flipping_inside_the_caller(self):
        inner = ag.compile(lambda y: y * 3 if y > 0 else -y)

        def f(x):
            return inner(x - 1)[0] * x

        step = ag.compile(f)
        for x in (2.0, 0.5, 3.0, -1.0):
            got = run_with_timeout(lambda x=x: step(x), 10.0, f"compile(f)({x})")
            assert got == eager_all(lambda x: (3 * (x - 1) if x > 1 else 1 - x) * x, x)


class TestZeroArguments:
    """Bug 9a: compile of a function of no arguments was a SyntaxError."""

    def test_zero_argument_function_reads_its_parameters(self):
        p = Value(2.0)
        step = ag.compile(lambda: p * p + 1)
        assert step() == (5.0, ())
        p.data = 3.0
        assert step() == (10.0, ())

    def test_zero_argument_function_with_a_guard_on_a_parameter(self):
        p = Value(2.0)

        def f():
            return p.exp() if p > 0 else -p

        step = ag.compile(f)
        assert step() == (math.exp(2.0), ())
        p.data = -4.0
        assert step() == (4.0, ())

    def test_zero_argument_constant(self):
        assert ag.compile(lambda: 3.5)() == (3.5, ())


class _Weak(Value):
    """A Value that can be weakly referenced (Value's slots leave out __weakref__)."""

    __slots__ = ("__weakref__",)


class _Forward:
    """A weakly referenceable forward function for a user op."""

    def __call__(self, x: float) -> float:
        return 2.0 * x


def _make_use_and_drop() -> dict[str, weakref.ref]:
    p = _Weak(2.0)
    forward = _Forward()
    double = ag.Op("double", forward, lambda out, x: (2.0,))

    def f(x):
        y = double(x) * p + ag.log(x * x)
        return y if x > 1 else -y

    step = ag.compile(f)
    step(3.0)  # trace
    step(0.5)  # guard flips: second trace
    step(3.5)  # replay
    try:
        step(0.0)  # log(0): replay error, eager fallback raises
    except ValueError:
        pass
    return {"the Compiled": weakref.ref(step), "f": weakref.ref(f), "a parameter": weakref.ref(p),
            "a user op's forward": weakref.ref(forward)}  # fmt: skip


def test_a_dropped_compiled_function_is_freed_without_the_cyclic_collector():
    """Bug 9b: each trace left a reference cycle (the generated function and its globals)."""
    gc.collect()
    gc.disable()
    try:
        refs = _make_use_and_drop()
        alive = [name for name, ref in refs.items() if ref() is not None]
    finally:
        gc.enable()
    assert not alive, f"still alive without the cyclic collector: {', '.join(alive)}"


def test_thrashing_past_the_trace_limit_warns():
    """Bug 9c: past MAX_TRACES branch patterns every call retraced with no word to the user."""
    limit = getattr(compiler, "MAX_TRACES", 32)
    category = getattr(compiler, "RetraceWarning", UserWarning)
    n = limit + 8

    def f(x):
        k = 0
        for i in range(n):
            if x > i:
                k += 1
        return x * k

    step = ag.compile(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(limit):  # one new pattern per call: retracing is expected, no warning
            assert step(i + 0.5) == ((i + 0.5) * (i + 1), (float(i + 1),))
    assert not [w for w in caught if issubclass(w.category, category)], [str(w.message) for w in caught]
    with pytest.warns(category):
        for _ in range(2):
            for i in range(n):
                assert step(i + 0.5) == ((i + 0.5) * (i + 1), (float(i + 1),))


def _line_of(f: Callable[..., Any], offset: int = 0) -> int:
    return f.__code__.co_firstlineno + offset


def _reads_in_a_nested_grad(x):
    return ag.grad(lambda t: t * float(t))(x)


def _reads_in_no_grad(x):
    with ag.no_grad():
        y = x * 2
        if y.data > 0:  # offset 3
            return x
    return -x


@pytest.mark.parametrize(
    ("f", "offset"),
    [
        pytest.param(lambda x: x if x.data > 0 else -x, 0, id="data"),
        pytest.param(lambda x: x * float(x), 0, id="float"),
        pytest.param(lambda x: x + math.sin(x), 0, id="math.sin"),
        pytest.param(lambda x: x * x.item(), 0, id="item"),
        pytest.param(_reads_in_a_nested_grad, 1, id="inside-grad"),
        pytest.param(_reads_in_no_grad, 3, id="inside-no_grad"),
    ],
)
def test_reading_the_number_inside_while_tracing_names_the_line(f, offset):
    """A TraceError names the file and line in its message; another TypeError (float(v)
    refused for every Value, traced or not) must at least be raised at that line."""
    line = _line_of(f, offset)
    with pytest.raises(TypeError) as caught:
        ag.compile(f)(1.0)
    if isinstance(caught.value, ag.TraceError):
        assert re.search(rf"test_compile_programs\.py:{line}\b", str(caught.value)), str(caught.value)
    else:
        lines = [entry.lineno + 1 for entry in caught.traceback if entry.path == Path(__file__)]
        assert line in lines, f"{caught.value!r} raised from lines {lines} of this file, not {line}"
    assert Value(2.0).data == 2.0  # reads work again after the refused trace


def test_engine_functions_keep_working_while_tracing():
    def f(x, y):
        out = ag.exp(x) + ag.log(y) + ag.tanh(x) + ag.sigmoid(y) + ag.relu(x - y) + ag.sin(x) * ag.cos(y)
        out = out + ag.sqrt(y) + abs(x) + x**2.5 + 2**y + x**y + max(x, y) + min(x, 0.5) + x.detach() * y
        out = out + ag.grad(lambda t: t * ag.sin(t))(x) + x.exp() + y.sqrt()
        return out

    step = ag.compile(f)
    for args in [(1.2, 0.7), (0.3, 2.0), (2.0, 2.0), (0.5, 0.1)]:
        got, expected = step(*args), eager_all(f, *args)
        assert_same_result(got, expected, f"f{args}")


def test_parameters_changed_between_calls_flip_guards():
    w = Value(1.0)

    def f(x):
        return x * w if w > x else x + w

    step = ag.compile(f)
    for w_data, x in [(1.0, 0.5), (1.0, 2.0), (3.0, 2.0), (-1.0, 0.0), (0.5, 0.5)]:
        w.data = w_data
        assert step(x) == eager_all(f, x)
