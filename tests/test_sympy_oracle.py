"""SymPy as an independent oracle for the engine's derivatives, to third order.

Every graph drawn by `autograd_scalar.testing.expressions()` is translated into SymPy op by
op, through each `OpSpec`'s ``sympy`` counterpart; SymPy differentiates it symbolically
(every first, second and third partial: 3 + 6 + 10 distinct ones for three inputs), and
mpmath evaluates them at the drawn point with 50 significant digits. The engine must agree
through nested ``grad(grad(grad(f, i), j), argnums=all)`` for *every ordered* (i, j, k), so
the symmetry of mixed partials is checked too, through ``Value.backward()`` for the first
derivatives, and in its forward value. An op without a counterpart is refused by name
(`MissingSympyCounterpart`), never skipped.

Tolerance, the same form for every order (`tolerance`):

    |engine - exact|  <=  1e-9 * |exact|  +  K * 2**-53 * S  +  1e-300,    K = 128

The relative part is 1e-9 at every order: second and third derivatives needed nothing
looser (see the measurements below). A relative tolerance alone cannot work, though, because
where terms cancel float64 leaves an *absolute* error: for x/x every third-order term
cancels to 0, and the engine's rounding leaves -2.2e-16; sigmoid'(24.75) = 1.8e-11, but the
rule out * (1 - out) (PyTorch's too) computes it from an output rounded near 1, off by 4e-6
relative (at 40 the engine says 0 for 4.2e-18); tanh and 1 - out**2 likewise. Those are
float64 facts, not wrong rules. So there is a floor of K rounding units of S, the bound of
a first-order rounding-error analysis of the graph (`rounding_scales`): every chain-rule
term of the derivative taken in absolute value, plus how far the result moves when every
node's value and every local partial is off by one rounding of the numbers it is computed
from (the op's output, its operands, and 1). S comes from SymPy's partials of the
counterparts, never from the engine's rules, so a wrong rule cannot widen its own tolerance.

K is measured, not guessed: over 3,700 random graphs (2,500 of up to 12 steps, 1,200 of up
to 20; up to three inputs), the worst error was 0.46 units of 2**-53 * S at first order,
0.73 at second and 1.18 at third (``python tests/test_sympy_oracle.py [EXAMPLES]
[MAX_STEPS]`` measures it again; 7,200 more graphs, measured against a narrower S without
the 1, gave at most 1.44). K = 128 leaves a margin of about 100 for rounding the analysis
does not count one by one (a chain-rule term of a third derivative through a 12-step graph
multiplies and adds a few dozen rounded numbers). Where nothing cancels, S is a few times
|exact|: the floor's median is 3e-13 |exact| at first order, 1e-12 at second, 2e-12 at
third, and the 1e-9 decides in 86-93% of the comparisons with a nonzero answer. So a rule
off by one part in 1e8 fails here, where central differences (1e-4) see nothing. Rules
rewritten in equivalent forms (sigmoid(x) sigmoid(-x), 4 / (e^x + e^-x)^2, -a / b**2, ...)
pass. 1e-300 covers results that underflow.

Kinks: SymPy's Heaviside (relu and abs's counterparts), Abs, sign, Max and Min are
rewritten as Piecewise, and each node's Piecewise is decided at the drawn point (at 50
digits) before the next node is built. Derivatives are local and the strategies keep every
operand 0.05 from every kink, so near the point the graph *is* that branch, to every order:
no DiracDelta, and no 1/0 branch on the far side of a kink (1/relu(x)) for SymPy to choke
on. A DiracDelta that still turns up evaluates to 0 away from 0 and refuses 0.
"""

from __future__ import annotations

import functools
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import pytest
import sympy
from hypothesis import Phase, given, settings

import autograd_scalar as ag
from autograd_scalar.core import ops
from autograd_scalar.testing import (
    DEFAULT_OPS,
    Expression,
    MissingSympyCounterpart,
    OpSpec,
    expressions,
    sympy_table,
)

ORDER = 3
DIGITS = 50
REL = 1e-9
UNIT = 2.0**-53
K = 2.0**7
UNDERFLOW = 1e-300

# Examples for the main property: at least this many, more under a profile that asks for
# more (conftest's "ci" profile asks for 400).
EXAMPLES = max(500, settings.default.max_examples)

MultiIndex = tuple[int, ...]


# -- SymPy's side: translate, differentiate, evaluate ------------------------------------------


def kinks_as_piecewise(e: sympy.Expr) -> sympy.Expr:
    """Abs, sign, Max, Min and Heaviside as Piecewise, whose derivatives of every order are
    numbers away from the kink. Every value in a drawn graph is real, so Abs(u) is u or -u
    (SymPy's own rewrite of Abs needs to know that u is real, which it often cannot)."""
    e = e.replace(sympy.Abs, lambda u: sympy.Piecewise((u, u >= 0), (-u, True)))
    e = e.replace(sympy.sign, lambda u: sympy.Piecewise((1, u > 0), (-1, u < 0), (0, True)))
    return e.rewrite([sympy.Max, sympy.Min, sympy.Heaviside], sympy.Piecewise)


def _dirac_delta(x: Any, k: Any = 0) -> Any:
    if x == 0:
        raise ZeroDivisionError("DiracDelta at 0: the point is on a kink")
    return mpmath.mpf(0)


def _heaviside(x: Any, h0: Any = None) -> Any:
    if x == 0:
        raise ZeroDivisionError("Heaviside at 0: the point is on a kink")
    return mpmath.mpf(1 if x > 0 else 0)


def lambdify(symbols: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]) -> Callable[..., list[Any]]:
    """SymPy expressions as one mpmath function. In an op's own partials (`op_partials`) a
    branch that is not taken may be 1/0 (zoo), which mpmath cannot spell; nan stands for it."""
    exprs = [sympy.sympify(e).xreplace({sympy.zoo: sympy.nan}) for e in exprs]
    modules = [{"DiracDelta": _dirac_delta, "Heaviside": _heaviside}, "mpmath"]
    return sympy.lambdify(symbols, exprs, modules=modules, cse=True, docstring_limit=0)


def multi_indices(n: int, order: int = ORDER) -> list[MultiIndex]:
    """Sorted multi-indices of orders 1..order over n inputs: (0,), (0, 1), (1, 1, 2), ..."""
    return [idx for k in range(1, order + 1) for idx in itertools.combinations_with_replacement(range(n), k)]


class OnAKink(ValueError):
    """A branch condition of a counterpart is (numerically) undecided at the drawn point."""


def _holds(condition: Any, at: dict) -> bool:
    """Whether a Piecewise condition holds at the point, decided at 50 digits."""
    if condition in (sympy.true, sympy.false):
        return bool(condition)
    if isinstance(condition, sympy.And):
        return all(_holds(c, at) for c in condition.args)
    if isinstance(condition, sympy.Or):
        return any(_holds(c, at) for c in condition.args)
    if isinstance(condition, sympy.Not):
        return not _holds(condition.args[0], at)
    if isinstance(condition, sympy.core.relational.Relational):
        gap = sympy.N((condition.lhs - condition.rhs).xreplace(at), DIGITS)
        if not gap.is_real or abs(gap) < 1e-30:
            raise OnAKink(f"{condition} is undecided at {at}: the point is on a kink")
        op = condition.rel_op
        if op in (">", ">="):
            return bool(gap > 0)
        if op in ("<", "<="):
            return bool(gap < 0)
        return op == "!="  # == and != away from equality
    raise TypeError(f"cannot decide the Piecewise condition {condition!r}")


def branch_at(e: sympy.Expr, at: dict) -> sympy.Expr:
    """`e` with every Piecewise replaced by its branch that holds at the point.

    Derivatives are local and the strategies keep every operand MARGIN from every kink, so
    near the point the function *is* that branch, to every order. Deciding branches first
    keeps SymPy from ever seeing the other side of a kink, where it would build (and choke
    on) things like 1/relu(x) = zoo for x < 0."""
    for _ in range(10):
        e = kinks_as_piecewise(e)
        if not e.has(sympy.Piecewise):
            return e
        # Bottom-up, so a condition never contains an undecided Piecewise.
        e = e.replace(sympy.Piecewise, lambda *pairs: next(b for b, c in pairs if _holds(c, at)))
    raise AssertionError(f"Piecewise nested too deeply to resolve: {e}")


@dataclass(frozen=True)
class Symbolic:
    """One graph in SymPy near its point: one function evaluating the result, its partials
    (in `indices` order) and the values of all nodes."""

    indices: tuple[MultiIndex, ...]
    evaluate: Callable[..., list[Any]]


_SYMBOLIC: dict[tuple, Symbolic] = {}


def translate(expr: Expression, ops: Sequence[OpSpec]) -> tuple[tuple[sympy.Symbol, ...], list[sympy.Expr]]:
    """The graph's nodes as SymPy expressions in symbols x0, x1, ..., kinks decided at the point."""
    table = sympy_table(ops)  # raises MissingSympyCounterpart, naming the op
    xs = sympy.symbols(f"x0:{expr.n_inputs}", real=True)
    at = {x: sympy.Float(p, DIGITS + 10) for x, p in zip(xs, expr.point, strict=True)}  # exact: floats are binary
    nodes: list[Any] = list(xs)
    for name, operands in expr.steps:
        nodes.append(branch_at(sympy.sympify(table[name](*[nodes[i] for i in operands])), at))
    return xs, nodes


def symbolic(expr: Expression, ops: Sequence[OpSpec]) -> Symbolic:
    """Differentiate once per graph (Hypothesis replays graphs): the cache key is the
    translated graph itself."""
    xs, nodes = translate(expr, ops)
    key = tuple(nodes)
    if key not in _SYMBOLIC:
        derivative = {(): nodes[-1]}
        indices = multi_indices(expr.n_inputs)
        for idx in indices:
            derivative[idx] = sympy.diff(derivative[idx[:-1]], xs[idx[-1]])
        leftovers = set().union(*(d.atoms(sympy.Derivative, sympy.Subs) for d in derivative.values()))
        assert not leftovers, f"SymPy left derivatives unevaluated in {nodes[-1]}: {leftovers}"
        function = lambdify(xs, [derivative[()]] + [derivative[i] for i in indices] + nodes[expr.n_inputs :])
        _SYMBOLIC[key] = Symbolic(tuple(indices), function)
    return _SYMBOLIC[key]


@functools.cache
def op_partials(counterpart: Callable[..., Any], arity: int) -> tuple[tuple[MultiIndex, ...], Callable[..., list[Any]]]:
    """Every partial of an op's counterpart of total order 1..ORDER+1 that is not identically
    0, as exponents over its operands ((2, 1) is d³/da²db) and one function evaluating them."""
    operands = sympy.symbols("a b", real=True)[:arity]
    body = kinks_as_piecewise(sympy.sympify(counterpart(*operands)))
    exponents, partials = [], []
    for e in itertools.product(range(ORDER + 2), repeat=arity):
        if not 1 <= sum(e) <= ORDER + 1:
            continue
        d = body
        for operand, times in zip(operands, e, strict=True):
            if times:
                d = sympy.diff(d, operand, times)
        if d != 0:  # a partial that is identically 0 has no terms and no rounding
            exponents.append(e)
            partials.append(d)
    return tuple(exponents), lambdify(operands, partials)


# -- the rounding scale S ---------------------------------------------------------------------
#
# Truncated multivariate polynomials with nonnegative coefficients, {exponents: coefficient},
# in the inputs x_0..x_{n-1} (total degree <= ORDER) and one more variable r (degree <= 1)
# that stands for "one rounding". The coefficient of x^a is the sum of the magnitudes of the
# chain-rule terms of d^a f / a!; the coefficient of x^a r, how much they move when every
# value and every local partial is off by one rounding.


def _mul(p: dict, q: dict, n: int) -> dict:
    out: dict = {}
    for a, ca in p.items():
        for b, cb in q.items():
            e = tuple(x + y for x, y in zip(a, b, strict=True))
            if e[n] <= 1 and sum(e[:n]) <= ORDER:
                out[e] = out.get(e, 0.0) + ca * cb
    return out


def rounding_scales(expr: Expression, ops: Sequence[OpSpec], node_values: Sequence[Any]) -> dict[MultiIndex, float]:
    """S for the value (key ``()``) and every sorted multi-index: see the module docstring.

    `node_values` are the exact values of the graph's steps, in order."""
    n = expr.n_inputs
    specs = {spec.name: spec for spec in ops}
    values = [mpmath.mpf(x) for x in expr.point] + list(node_values)
    constant = (0,) * (n + 1)
    r = (0,) * n + (1,)
    polys: list[dict] = [{tuple(int(i == k) for i in range(n + 1)): 1.0} for k in range(n)]
    for (name, operands), value in zip(expr.steps, node_values, strict=True):
        spec = specs[name]
        exponents, partials = op_partials(spec.sympy, spec.arity)
        with mpmath.workdps(30):
            at = partials(*[values[i] for i in operands])
        # A rule computes the op's partials from its output, its operands and constants
        # of order 1 (1 - out**2, 0.5 / out): each rounding on the way moves a partial by
        # about one unit of the size of those numbers. (Without the 1, (1 - out)(1 + out)
        # for tanh's rule, as right as 1 - out**2, would fail at tanh(1e-250): its second
        # derivative, ~2e-250, comes out 0 because 1 - 1e-250 and 1 + 1e-250 round to 1.)
        size = 1.0 + abs(float(value)) + sum(abs(float(values[i])) for i in operands)
        powers = [[{constant: 1.0}] for _ in operands]
        for k, i in enumerate(operands):
            for _ in range(ORDER + 1):
                powers[k].append(_mul(powers[k][-1], polys[i], n))
        result: dict = {r: abs(float(value))}  # the node's own value, rounded
        for e, partial in zip(exponents, at, strict=True):
            factorial = math.prod(math.factorial(t) for t in e)
            magnitude = abs(float(partial))
            term = {constant: magnitude / factorial, r: (magnitude + size) / factorial}
            for k, t in enumerate(e):
                term = _mul(term, powers[k][t], n)
            for monomial, c in term.items():
                result[monomial] = result.get(monomial, 0.0) + c
        polys.append(result)
    out = polys[-1] if expr.steps else {}
    scales = {(): out.get(r, 0.0)}
    for idx in multi_indices(n):
        alpha = tuple(idx.count(i) for i in range(n))
        factorial = math.prod(math.factorial(t) for t in alpha)
        scales[idx] = factorial * (out.get(alpha + (0,), 0.0) + out.get(alpha + (1,), 0.0))
    return scales


@dataclass(frozen=True)
class Exact:
    """SymPy's answer for one graph at its point."""

    value: float
    derivatives: dict[MultiIndex, float]  # by sorted multi-index
    scales: dict[MultiIndex, float]


def exact(expr: Expression, ops: Sequence[OpSpec] = DEFAULT_OPS) -> Exact:
    graph = symbolic(expr, ops)
    with mpmath.workdps(DIGITS):
        results = graph.evaluate(*[mpmath.mpf(x) for x in expr.point])  # floats convert exactly
    count = len(graph.indices)
    value, partials, nodes = results[0], results[1 : 1 + count], results[1 + count :]
    scales = rounding_scales(expr, ops, nodes)
    assert all(math.isfinite(s) for s in scales.values()), f"rounding scale overflowed for {expr}"
    return Exact(float(value), dict(zip(graph.indices, map(float, partials), strict=True)), scales)


# -- the engine's side ------------------------------------------------------------------------


def engine_derivatives(expr: Expression) -> dict[MultiIndex, float]:
    """Every ordered partial of orders 1..3 by nested `grad`, keyed by ordered multi-index."""
    n, x = expr.n_inputs, expr.point
    every = tuple(range(n))
    found: dict[MultiIndex, float] = {}
    for i, d in enumerate(ag.grad(expr, argnums=every)(*x)):
        found[(i,)] = d
    for i in range(n):
        d_i = ag.grad(expr, argnums=i)
        for j, d in enumerate(ag.grad(d_i, argnums=every)(*x)):
            found[(i, j)] = d
        for j in range(n):
            for k, d in enumerate(ag.grad(ag.grad(d_i, argnums=j), argnums=every)(*x)):
                found[(i, j, k)] = d
    return found


def forward_and_backward(expr: Expression) -> tuple[float, dict[MultiIndex, float]]:
    """The value on Values, and the gradient that ``backward()`` leaves in the leaves."""
    leaves = [ag.Value(x, f"x{i}") for i, x in enumerate(expr.point)]
    out = expr(*leaves)
    out.backward()
    return out.data, {(i,): leaf.grad for i, leaf in enumerate(leaves)}


def tolerance(exact_value: float, scale: float) -> float:
    return REL * abs(exact_value) + K * UNIT * scale + UNDERFLOW


@dataclass(frozen=True)
class Mismatch:
    method: str
    index: MultiIndex
    engine: float
    exact: float
    tolerance: float

    @property
    def order(self) -> int:
        return len(self.index)

    def row(self) -> str:
        wrt = " ".join(f"x{i}" for i in self.index) or "(value)"
        error = abs(self.engine - self.exact)
        return (
            f"{self.method:<9} {self.order:<5} {wrt:<10} {self.engine!r:<24} {self.exact!r:<24} "
            f"{error:<10.3g} {self.tolerance:.3g}"
        )


def mismatches(expr: Expression, ops: Sequence[OpSpec] = DEFAULT_OPS) -> list[Mismatch]:
    """Every value and derivative of the engine's that SymPy disagrees with, beyond tolerance."""
    truth = exact(expr, ops)
    found = []
    value, gradient = forward_and_backward(expr)
    tol = tolerance(truth.value, truth.scales[()])
    if not abs(value - truth.value) <= tol:
        found.append(Mismatch("forward", (), value, truth.value, tol))
    for method, answers in (("grad", engine_derivatives(expr)), ("backward", gradient)):
        for index, answer in answers.items():
            key = tuple(sorted(index))
            want, tol = truth.derivatives[key], tolerance(truth.derivatives[key], truth.scales[key])
            if not abs(answer - want) <= tol:
                found.append(Mismatch(method, index, answer, want, tol))
    return found


def report(expr: Expression, found: list[Mismatch]) -> str:
    header = f"{'method':<9} {'order':<5} {'d/d':<10} {'engine':<24} {'SymPy (50 digits)':<24} {'|error|':<10} tol"
    return f"SymPy disagrees with the engine on {expr!r}:\n{header}\n" + "\n".join(m.row() for m in found)


def assert_engine_agrees(expr: Expression, ops: Sequence[OpSpec] = DEFAULT_OPS) -> None:
    found = mismatches(expr, ops)
    assert not found, report(expr, found)


# -- the tests --------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(expressions())
def test_engine_matches_sympy_to_third_order(expr):
    """Value, every partial to third order by nested grad, and backward's gradient."""
    assert_engine_agrees(expr)


def test_every_default_op_has_a_sympy_counterpart():
    missing = [spec.name for spec in DEFAULT_OPS if spec.sympy is None]
    assert not missing, f"DEFAULT_OPS entries without a SymPy counterpart (OpSpec.sympy): {missing}"
    assert set(sympy_table(DEFAULT_OPS)) == {spec.name for spec in DEFAULT_OPS}


GRID = (-1.7, -0.6, -0.07, 0.3, 0.8, 1.2, 1.6, 2.5, 3.1)


@pytest.mark.parametrize("spec", DEFAULT_OPS, ids=lambda spec: spec.name)
def test_each_counterpart_computes_what_its_op_computes(spec):
    """A wrong counterpart would make a wrong oracle: each must equal its op's forward."""
    operands = sympy.symbols("a b", real=True)[: spec.arity]
    function = lambdify(operands, [kinks_as_piecewise(sympy.sympify(spec.sympy(*operands)))])
    checked = 0
    for point in itertools.product(GRID, repeat=spec.arity):
        if not spec.valid(*point):
            continue
        engine = spec.apply(*[ag.Value(x) for x in point]).data
        with mpmath.workdps(DIGITS):
            (want,) = function(*[mpmath.mpf(x) for x in point])
        assert engine == pytest.approx(float(want), rel=4 * UNIT, abs=1e-300), (spec.name, point)
        checked += 1
    assert checked >= 4


def test_an_op_without_a_counterpart_is_refused_by_name():
    softplus = OpSpec("softplus", lambda x: ops.log(1.0 + ops.exp(x)), 1)  # no sympy=
    expr = Expression(1, (("softplus", (0,)),), (0.3,), {"softplus": softplus.apply})
    with pytest.raises(MissingSympyCounterpart, match=r"no SymPy counterpart for op 'softplus'.*sympy="):
        mismatches(expr, DEFAULT_OPS + (softplus,))
    # Even a graph that does not use it: the table as a whole is refused, never skipped.
    with pytest.raises(MissingSympyCounterpart, match="'softplus'"):
        mismatches(Expression(1, (("sin", (0,)),), (0.3,), {"sin": ops.sin}), DEFAULT_OPS + (softplus,))
    with pytest.raises(MissingSympyCounterpart, match="ops 'a', 'b'"):
        sympy_table((OpSpec("a", ops.sin, 1), OpSpec("b", ops.cos, 1)))


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


# Softplus twice, as a user would add it: composed from ops.log and ops.exp, and as a
# primitive Op whose rule is sigmoid (so its higher derivatives run the user's rule on Values).
SOFTPLUS_COMPOSED = OpSpec(
    "softplus",
    lambda x: ops.log(1.0 + ops.exp(x)),
    arity=1,
    valid=lambda x: abs(x) < 30,
    sympy=lambda x: sympy.log(1 + sympy.exp(x)),
)
SOFTPLUS_PRIMITIVE = OpSpec(
    "softplus_op",
    ag.Op("softplus", _softplus, lambda out, x: (ag.sigmoid(x),)),
    arity=1,
    valid=lambda x: abs(x) < 30,
    sympy=lambda x: sympy.log(1 + sympy.exp(x)),
)
USER_TABLE = tuple(s for s in DEFAULT_OPS if s.name in {"add", "mul", "div", "sin", "tanh", "square", "neg"}) + (
    SOFTPLUS_COMPOSED,
    SOFTPLUS_PRIMITIVE,
)


def test_user_ops_go_through_the_oracle():
    seen: set[str] = set()

    @settings(max_examples=80, deadline=None)
    @given(expressions(ops=USER_TABLE, max_steps=8))
    def check(expr):
        seen.update(expr.ops_used)
        assert_engine_agrees(expr, USER_TABLE)

    check()
    assert {"softplus", "softplus_op"} <= seen


# -- kinks in SymPy ---------------------------------------------------------------------------


def test_sympy_kinks_differentiate_to_numbers_away_from_the_kink():
    x = sympy.Symbol("x", real=True)
    for kink in (sympy.Abs(sympy.log(x)), sympy.Max(0, sympy.sin(x)), sympy.sign(x) * x**2, sympy.Heaviside(x - 1) * x):
        third = sympy.diff(kinks_as_piecewise(kink), x, 3)
        assert not third.atoms(sympy.DiracDelta, sympy.Derivative, sympy.Abs, sympy.sign), third
        with mpmath.workdps(DIGITS):
            (value,) = lambdify([x], [third])(mpmath.mpf(0.3))
        assert mpmath.isfinite(value)
    # A DiracDelta that is still there is 0 away from its kink and refused on it.
    delta = lambdify([x], [sympy.DiracDelta(x - 1, 1) + sympy.DiracDelta(x)])
    assert delta(mpmath.mpf(0.5)) == [0]
    with pytest.raises(ZeroDivisionError, match="kink"):
        delta(mpmath.mpf(0))


NATIVE_KINKS = (
    OpSpec("abs", abs, 1, lambda x: abs(x) >= 0.05, sympy=sympy.Abs),
    OpSpec("relu", ops.relu, 1, lambda x: abs(x) >= 0.05, sympy=lambda x: sympy.Max(0, x)),
    *[s for s in DEFAULT_OPS if s.name in {"log", "sin", "mul", "square", "pow_half", "sub"}],
)


@pytest.mark.parametrize(
    "steps, point",
    [
        ((("sin", (0,)), ("relu", (1,)), ("mul", (2, 0))), (2.0,)),  # relu(sin x)·x, kink on
        ((("sin", (0,)), ("relu", (1,)), ("mul", (2, 0))), (-2.0,)),  # either side
        ((("log", (0,)), ("abs", (1,)), ("mul", (2, 2))), (0.5,)),  # |log x|, SymPy cannot
        ((("log", (0,)), ("abs", (1,)), ("mul", (2, 2))), (1.7,)),  # tell log x is real
        ((("square", (0,)), ("pow_half", (1,))), (-0.7,)),  # sqrt(x²) = Abs(x), by SymPy
        ((("sub", (0, 1)), ("abs", (2,)), ("mul", (3, 1))), (0.4, -1.1)),
    ],
)
def test_sympy_native_kinks_go_through_the_oracle(steps, point):
    """User counterparts written with Abs and Max, and Abs that SymPy makes by itself."""
    expr = Expression(len(point), steps, point, {spec.name: spec.apply for spec in NATIVE_KINKS})
    assert_engine_agrees(expr, NATIVE_KINKS)


# -- the floor is what float64 demands ---------------------------------------------------------


def _expr(steps: tuple, point: tuple[float, ...]) -> Expression:
    return Expression(len(point), steps, point, {spec.name: spec.apply for spec in DEFAULT_OPS})


@pytest.mark.parametrize(
    "expr, index",
    [
        # x/x: every third-order term cancels to 0; the engine's rounding leaves about 2e-16.
        (_expr((("div", (0, 0)),), (-1.2375596812646366,)), (0, 0, 0)),
        # sigmoid at 24.75: out·(1 - out) from an output rounded near 1 (PyTorch's rule too).
        (_expr((("sigmoid", (0,)),), (24.75,)), (0,)),
        # tanh at 12: 1 - out² likewise.
        (_expr((("tanh", (0,)),), (12.0,)), (0,)),
        # exp(x³) - x³ at 1e-6: exp(1e-18) is 1.0 in float64, so the derivative comes out 0.
        (_expr((("cube", (0,)), ("exp", (1,)), ("sub", (2, 1)), ("tanh", (3,))), (1e-6,)), (0,)),
    ],
    ids=["x/x", "sigmoid(24.75)", "tanh(12)", "exp(x^3)-x^3"],
)
def test_where_terms_cancel_the_floor_not_the_relative_part_decides(expr, index):
    truth = exact(expr)
    want, scale = truth.derivatives[index], truth.scales[index]
    allowed = tolerance(want, scale)
    assert allowed > 100 * REL * abs(want)  # a relative tolerance alone would demand too much
    assert_engine_agrees(expr)


# -- the oracle catches wrong rules -----------------------------------------------------------


class Disagreement(Exception):
    def __init__(self, expr: Expression, found: list[Mismatch]) -> None:
        super().__init__(report(expr, found))
        self.found = found


def _first_disagreement(examples: int = 200) -> list[Mismatch]:
    """Search random graphs (deterministically) for one the engine gets wrong; its mismatches."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        report_multiple_bugs=False,
    )
    @given(expressions(max_steps=6))
    def search(expr):
        found = mismatches(expr)
        if found:
            raise Disagreement(expr, found)

    with pytest.raises(Disagreement) as caught:
        search()
    return caught.value.found


def test_the_oracle_catches_a_first_order_error_that_central_differences_miss(monkeypatch):
    # exp's rule off by one part in 1e8: 1e4 times below what gradcheck can see.
    monkeypatch.setattr(ops.exp, "local_grad", lambda out, x: (out * (1.0 + 1e-8),))
    expr = _expr((("exp", (0,)), ("mul", (1, 0))), (0.5,))
    assert ag.gradcheck(expr, *expr.point)
    found = mismatches(expr)
    first_order = {(m.method, m.index) for m in found if m.order == 1}
    assert first_order == {("grad", (0,)), ("backward", (0,))}, report(expr, found)
    assert any(m.order == 1 for m in _first_disagreement())


def test_the_oracle_catches_a_wrong_second_derivative(monkeypatch):
    # Right on floats, but on Values it returns a constant: cut off from the graph, so
    # d²/dx² sin x comes out 0. First-order checks (backward, gradcheck) cannot see it.
    monkeypatch.setattr(ops.sin, "local_grad", lambda out, x: (math.cos(x.data if isinstance(x, ag.Value) else x),))
    expr = _expr((("sin", (0,)),), (0.7,))
    assert ag.gradcheck(expr, *expr.point)
    found = mismatches(expr)
    assert found and min(m.order for m in found) == 2, report(expr, found)
    assert min(m.order for m in _first_disagreement()) == 2


def _cos_linearised(out: Any, x: Any) -> tuple:
    """sin's rule: right value and right first derivative on Values, wrong second: the
    tangent line of cos at the current point instead of cos."""
    if not isinstance(x, ag.Value):
        return (math.cos(x),)
    x0 = x.data
    return (math.cos(x0) - math.sin(x0) * (x - x0),)


def test_the_oracle_catches_a_wrong_third_derivative(monkeypatch):
    monkeypatch.setattr(ops.sin, "local_grad", _cos_linearised)
    expr = _expr((("sin", (0,)),), (0.7,))
    assert ag.grad(ag.grad(expr))(0.7) == pytest.approx(-math.sin(0.7), rel=1e-15)
    found = mismatches(expr)
    assert found and {m.order for m in found} == {3}, report(expr, found)
    assert {m.order for m in _first_disagreement()} == {3}


# -- measuring the rounding floor: python tests/test_sympy_oracle.py [EXAMPLES] [MAX_STEPS] ---


def _measure(examples: int = 1000, max_steps: int = 12) -> None:
    """Print the worst |engine - exact| in units of 2**-53 * S per order (the data behind K),
    and how the floor K * 2**-53 * S compares with the relative part, 1e-9 * |exact|."""
    worst: dict[int, tuple[float, str]] = {}
    widths: dict[int, list[float]] = {}

    @settings(max_examples=examples, database=None, deadline=None)
    @given(expressions(max_steps=max_steps))
    def measure(expr: Expression) -> None:
        truth = exact(expr)
        answers = [("grad", engine_derivatives(expr)), ("backward", forward_and_backward(expr)[1])]
        for method, found in answers:
            for index, answer in found.items():
                key = tuple(sorted(index))
                want, scale = truth.derivatives[key], truth.scales[key]
                error = max(0.0, abs(answer - want) - UNDERFLOW)  # subnormal results aside
                units = error / UNIT / scale if scale else (0.0 if error == 0 else math.inf)
                if units > worst.get(len(index), (-1.0, ""))[0]:
                    worst[len(index)] = (units, f"{method} {index} of {expr!r}: {answer!r} vs {want!r}, S={scale:.3g}")
                if want:
                    widths.setdefault(len(index), []).append(K * UNIT * scale / abs(want))

    measure()
    for order in sorted(worst):
        units, where = worst[order]
        floors = sorted(widths[order])
        below = sum(f <= REL for f in floors)
        print(f"order {order}: worst {units:.3g} units of 2**-53 * S, at {where}")
        print(
            f"    floor / |exact| where exact != 0: median {floors[len(floors) // 2]:.3g}; "
            f"the relative 1e-9 decides in {below} of {len(floors)}"
        )


if __name__ == "__main__":
    _measure(*(int(a) for a in sys.argv[1:3]))
