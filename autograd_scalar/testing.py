"""Hypothesis strategies for property-testing derivatives, yours and ours.

Needs ``hypothesis`` (``pip install autograd-scalar[test]``). The main strategy,
`expressions()`, draws a random expression graph over a few inputs *together with a point*
at which it is safely differentiable: inputs are drawn first, and every step picks only
among ops that are defined at the operand values reached so far, keep clear of kinks and
poles by a margin, and keep results bounded. So finite differences are a fair judge at
that point, and no example is thrown away. Graphs share subexpressions (any earlier node
can be an operand, the same one twice) and grow deep chains (the latest node is favoured).

To test an op of your own, describe it with `OpSpec` and add it to the table. The
optional ``sympy`` field is the op's SymPy counterpart (a function of SymPy expressions);
with it, `sympy_table` can translate any drawn graph into SymPy, so an exact symbolic
derivative can judge the engine's, to any order (``tests/test_sympy_oracle.py`` does this
for every graph, to third order)::

    import sympy

    softplus_spec = OpSpec(
        "softplus", softplus, arity=1, valid=lambda x: abs(x) < 30,
        sympy=lambda x: sympy.log(1 + sympy.exp(x)),
    )

    table = DEFAULT_OPS + (softplus_spec,)

    @given(expressions(ops=table))
    def test_softplus_in_context(expr):
        assert gradcheck(expr, *expr.point)
        # The same graph in SymPy, over symbols x0, x1, ...: exact, to any order.
        xs = sympy.symbols(f"x0:{expr.n_inputs}", real=True)
        formula = expr.evaluate(xs, sympy_table(table))
        exact = sympy.diff(formula, xs[0], 2).evalf(50, subs=dict(zip(xs, expr.point)))
        # abs=: float64 rounding is absolute where terms cancel (the oracle's tolerance
        # in tests/test_sympy_oracle.py says how much exactly).
        assert grad(grad(expr))(*expr.point) == pytest.approx(float(exact), rel=1e-9, abs=1e-11)

Every entry of `DEFAULT_OPS` has its counterpart. Kinks are written with
``sympy.Heaviside``: relu(x) is ``x * Heaviside(x)``. Their derivatives are ``DiracDelta``
terms, which SymPy evaluates to 0 at any nonzero argument, so away from the kink every
order comes out a plain number. ``Abs`` is not as safe: SymPy cannot always tell that its
argument is real, and then leaves part of the derivative unevaluated. Nor is
``Piecewise``: a graph that divides by relu(x) makes a branch 1/0 = zoo, and a kink
applied to that fails to build.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from autograd_scalar.core import ops
from autograd_scalar.core.op import Op
from autograd_scalar.core.value import Value

#: Results beyond this size are not drawn: finite differences lose precision on them.
MAGNITUDE = 50.0
#: How far operands stay from kinks (relu, abs) and from poles and domain edges.
MARGIN = 0.05


@dataclass(frozen=True)
class OpSpec:
    """An op as the strategies see it: how to apply it and where it may be applied.

    `apply` takes Values (or floats) and returns one; `valid` takes the operands' floats
    and says whether the op is defined there with room for finite differences; `sympy`,
    if given, is the same function on SymPy expressions (``lambda x: sympy.exp(x)``), the
    counterpart an exact symbolic oracle differentiates (see `sympy_table`).
    """

    name: str
    apply: Callable[..., Any]
    arity: int
    valid: Callable[..., bool] = lambda *xs: True
    sympy: Callable[..., Any] | None = None


def _sp() -> Any:
    # SymPy is imported only when a counterpart is used: the strategies do not need it
    # (and it is a test extra, not a dependency).
    return importlib.import_module("sympy")


def _step(x: Any) -> Any:
    # Kinks as Heaviside: see the module docstring for why not Abs, Max or Piecewise.
    return _sp().Heaviside(x)


def _rational(p: int, q: int) -> Any:
    return _sp().Rational(p, q)


def _away_from(x: float, point: float) -> bool:
    return abs(x - point) >= MARGIN


def _from_table(op: Op) -> OpSpec:
    """The strategies' view of a row of the engine's op table."""
    counterpart = op.sympy
    return OpSpec(
        op.name,
        op,
        op.arity,
        op.domain or (lambda *xs: True),
        sympy=None if counterpart is None else (lambda *xs: counterpart(_sp(), *xs)),
    )


DEFAULT_OPS: tuple[OpSpec, ...] = (
    # Constants in the counterparts are exact (the floats above are exact binary numbers).
    OpSpec("add", lambda a, b: a + b, 2, sympy=lambda a, b: a + b),
    OpSpec("sub", lambda a, b: a - b, 2, sympy=lambda a, b: a - b),
    OpSpec("mul", lambda a, b: a * b, 2, sympy=lambda a, b: a * b),
    OpSpec("div", lambda a, b: a / b, 2, lambda a, b: abs(b) >= 0.2, sympy=lambda a, b: a / b),
    OpSpec("pow", lambda a, b: a**b, 2, lambda a, b: a >= 0.2 and abs(b) <= 3.0, sympy=lambda a, b: a**b),
    OpSpec("add_const", lambda x: x + 1.5, 1, sympy=lambda x: x + _rational(3, 2)),
    OpSpec("rsub_const", lambda x: 0.5 - x, 1, sympy=lambda x: _rational(1, 2) - x),
    OpSpec("mul_const", lambda x: -2.0 * x, 1, sympy=lambda x: -2 * x),
    OpSpec("rdiv_const", lambda x: 1.0 / x, 1, lambda x: abs(x) >= 0.2, sympy=lambda x: 1 / x),
    OpSpec("square", lambda x: x**2, 1, sympy=lambda x: x**2),
    OpSpec("cube", lambda x: x**3, 1, sympy=lambda x: x**3),
    OpSpec("pow_half", lambda x: x**0.5, 1, lambda x: x >= 0.2, sympy=lambda x: x ** _rational(1, 2)),
    OpSpec("reciprocal_sqrt", lambda x: x**-0.5, 1, lambda x: x >= 0.2, sympy=lambda x: x ** _rational(-1, 2)),
    OpSpec("rpow_const", lambda x: 2.0**x, 1, sympy=lambda x: _sp().Integer(2) ** x),
    OpSpec("neg", lambda x: -x, 1, sympy=lambda x: -x),
    OpSpec("abs", lambda x: abs(x), 1, lambda x: _away_from(x, 0.0), sympy=lambda x: x * (2 * _step(x) - 1)),
    # The `%` operator (the MOD row, which Value's ``%`` applies), with its row's domain and counterpart.
    replace(_from_table(ops.MOD), name="mod"),
    # ...and every public op of the engine's table, with the domain and counterpart its row gives.
    *(_from_table(op) for op in ops.PUBLIC.values()),
)


class MissingSympyCounterpart(LookupError):
    """An op in a table has no SymPy counterpart, so graphs using it cannot be translated."""


def sympy_table(ops: Sequence[OpSpec] = DEFAULT_OPS) -> dict[str, Callable[..., Any]]:
    """The ops' SymPy counterparts by name, for ``Expression.evaluate(symbols, table)``.

    Raises `MissingSympyCounterpart`, naming every op without one: an oracle must refuse
    such an op rather than skip the graphs that use it.
    """
    missing = [spec.name for spec in ops if spec.sympy is None]
    if missing:
        raise MissingSympyCounterpart(
            f"no SymPy counterpart for op{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(name) for name in missing)}: give "
            f"{'their OpSpecs' if len(missing) > 1 else 'its OpSpec'} sympy=<the same function "
            "on SymPy expressions>, e.g. OpSpec(..., sympy=lambda x: sympy.exp(x))"
        )
    return {spec.name: spec.sympy for spec in ops if spec.sympy is not None}


@dataclass(frozen=True)
class Expression:
    """A drawn expression graph: call it like ``f(*args)``; `point` is where it is safe.

    `steps` lists ``(op name, operand indices)``; index i < n_inputs is input i, later
    indices are earlier steps. The value of the last step is the result.
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    point: tuple[float, ...]
    table: Mapping[str, Callable[..., Any]]

    def __call__(self, *args: Any) -> Any:
        return self.evaluate(args, self.table)

    def evaluate(self, args: Sequence[Any], table: Mapping[str, Callable[..., Any]]) -> Any:
        """Evaluate with another op table (e.g. PyTorch functions) under the same names."""
        if len(args) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(args)}")
        nodes = list(args)
        for name, operands in self.steps:
            nodes.append(table[name](*[nodes[i] for i in operands]))
        return nodes[-1]

    @property
    def ops_used(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.steps)

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        for name, operands in self.steps:
            names.append(f"{name}({', '.join(names[i] for i in operands)})")
        return f"Expression({names[-1]} at {self.point})"


def inputs(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], the default range of expression inputs."""
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


@st.composite
def expressions(
    draw: Callable[..., Any],
    max_inputs: int = 3,
    max_steps: int = 12,
    ops: Sequence[OpSpec] = DEFAULT_OPS,
    point: st.SearchStrategy[float] | None = None,
) -> Expression:
    """Random expression graphs with a point at which each one is safely differentiable."""
    n_inputs = draw(st.integers(1, max_inputs))
    start = tuple(draw(point or inputs()) for _ in range(n_inputs))
    values = list(start)
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(1, max_steps))):
        last = len(values) - 1
        # Favour the latest node, so chains grow deep; otherwise any node, so they share.
        pick = st.one_of(st.just(last), st.integers(0, last))
        a, b = draw(pick), draw(pick)
        choices = []
        for spec in ops:
            operands = (a, b)[: spec.arity]
            result = _try(spec, [values[i] for i in operands])
            if result is not None:
                choices.append((spec, operands, result))
        if not choices:
            raise ValueError(
                f"no op in the table is valid at {[values[a], values[b]]}; "
                "include one that is defined everywhere, such as tanh"
            )
        spec, operands, result = draw(st.sampled_from(choices))
        steps.append((spec.name, operands))
        values.append(result)
    table = {spec.name: spec.apply for spec in ops}
    return Expression(n_inputs, tuple(steps), start, table)


def _try(spec: OpSpec, operands: list[float]) -> float | None:
    """The op's value at `operands` if it is safely inside its domain, else None."""
    if not spec.valid(*operands):
        return None
    try:
        result = spec.apply(*[Value(x) for x in operands])
    except (ArithmeticError, ValueError):
        return None
    value = result.data if isinstance(result, Value) else float(result)
    return value if math.isfinite(value) and abs(value) <= MAGNITUDE else None
