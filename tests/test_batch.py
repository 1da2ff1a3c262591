"""``step.batch``: every sample gets what ``step(*sample)`` gives, value, gradients or error.

The reference is always the per-sample compiled call (itself held to the eager engine by
`test_compile.py` and `test_compile_programs.py`), made afresh for each sample; random
programs with branches are in `test_compile_programs.py`. Here: every op of the table
over grids that cross its kinks and leave its domain, guards flipping inside a batch,
errors naming their sample, the argument checks, NumPy missing, and `nn.fit`.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_examples import test_runs_as_a_script as run_example
from test_fit import CASES as FIT_CASES

import autograd_scalar as ag
from autograd_scalar import batch, compiler, datasets, nn
from autograd_scalar.app import demo
from autograd_scalar.core import ops

# Numbers that cross every op's kinks, poles, domain edges and overflow thresholds, and
# leave the finite floats: each op meets them all, and pairs of them for two operands.
EDGES = [
    -math.inf, -1e300, -1000.0, -710.0, -30.0, -3.0, -2.0, -1.5, -1.0, -0.5, -1e-9, -5e-324, -0.0,
    0.0, 5e-324, 1e-9, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 30.0, 709.0, 710.0, 1e300, math.inf,
]  # fmt: skip
PAIR_EDGES = [-math.inf, -1000.0, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 30.0, 800.0, math.inf]


def _random_points(arity: int, n: int, seed: int) -> list[tuple[float, ...]]:
    draw = random.Random(seed)
    scales = [3.0, 0.1, 50.0]
    return [tuple(draw.uniform(-1, 1) * draw.choice(scales) for _ in range(arity)) for _ in range(n)]


def points_for(arity: int) -> list[tuple[float, ...]]:
    grid = [(x,) for x in EDGES] if arity == 1 else list(itertools.product(PAIR_EDGES, repeat=2))
    return grid + _random_points(arity, 40, seed=arity)


# Every row of the table, and the ops the engine makes from rows (other slopes, bounds,
# where's other choice, constant exponents): each applied to its operands.
OPS: dict[str, tuple[int, Callable[..., Any]]] = {row.name: (row.arity, row) for row in ops.TABLE}
OPS |= {
    "leaky_relu[0.2]": (1, lambda x: ag.leaky_relu(x, 0.2)),
    "clip[0,6]": (1, lambda x: ag.clip(x, 0.0, 6.0)),
    "clip[-inf,0]": (1, lambda x: ag.clip(x, -math.inf, 0.0)),
    "where(False)": (2, lambda a, b: ag.where(False, a, b)),
    **{f"x**{c:g}": (1, lambda x, c=c: x**c) for c in (2.0, 3.0, 0.5, -1.0, 0.0, 1 / 3, -0.5)},
}


def columns(points: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """The points as batch arguments: one sequence per argument."""
    return list(zip(*points, strict=True))


def applied(arity: int, op: Callable[..., Any]) -> Callable[..., Any]:
    return (lambda x: op(x) * 1.5) if arity == 1 else (lambda x, y: op(x, y) * 1.5)


def per_sample(step: compiler.Compiled, points: list[tuple[float, ...]]) -> list[Any]:
    """What step gives each point: (value, grads), or the exception it raises."""
    out: list[Any] = []
    for point in points:
        try:
            out.append(step(*point))
        except Exception as error:  # noqa: BLE001 - compared with the batch's
            out.append(error)
    return out


def assert_matches(values: np.ndarray, grads: np.ndarray, expected: list[Any], where: str) -> None:
    """The batch gave each sample the very floats the per-sample replay gives it."""
    assert values.shape == (len(expected),) and grads.shape[1] == len(expected)
    assert not np.isnan(values).any() and not np.isnan(grads).any(), f"{where}: the batch returned nan"
    for k, (value, gs) in enumerate(expected):
        got = (float(values[k]), tuple(grads[:, k].tolist()))
        assert got == (value, gs), f"{where}, sample {k}: {got} != {(value, gs)}"


class CountingSamples:
    """Counts the samples a batch hands to the compiled function one at a time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = compiler.Compiled.__call__

        def counting(step: compiler.Compiled, *args: Any) -> Any:
            self.count += 1
            return original(step, *args)

        monkeypatch.setattr(compiler.Compiled, "__call__", counting)


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_batches_as_it_replays_per_sample(name, monkeypatch):
    arity, op = OPS[name]
    points = points_for(arity)
    step = ag.compile(applied(arity, op))
    expected = per_sample(step, points)
    good = [(p, e) for p, e in zip(points, expected, strict=True) if not isinstance(e, Exception)]
    assert good, name
    values, grads = step.batch(*columns([p for p, _ in good]))
    assert_matches(values, grads, [e for _, e in good], name)

    # Where the op is defined and its numbers finite, the whole batch runs as arrays.
    clean = [p for p, e in good if all(map(math.isfinite, (*p, e[0], *e[1])))]
    counter = CountingSamples(monkeypatch)
    step.batch(*columns(clean))
    assert counter.count == 0, f"{name}: {counter.count} of {len(clean)} samples went one at a time"

    errors = [k for k, e in enumerate(expected) if isinstance(e, Exception)]
    if errors:
        first = expected[errors[0]]
        with pytest.raises(type(first)) as raised:
            step.batch(*columns(points))
        assert str(raised.value) == f"sample {errors[0]} of the batch: {first}"


def test_ops_of_exactly_rounded_arithmetic_run_as_numpy_calls_alone():
    """Arithmetic, comparisons and the functions NumPy rounds as `math` does run as one
    NumPy call per node; an op needing exp, tanh, erf, ... (or with no template) calls
    that Python function per sample, so that the floats are the per-sample replay's."""
    vectorized = set()
    for name, (arity, op) in OPS.items():
        step = ag.compile(applied(arity, op))
        points = [p for p, e in zip(points_for(arity), per_sample(step, points_for(arity)), strict=True)
                  if not isinstance(e, Exception)]  # fmt: skip
        step.batch(*columns(points))
        made = step._versions[-1].batched.__globals__.values()  # type: ignore[union-attr]
        if not any(isinstance(obj, batch._SampleBySample) for obj in made):
            vectorized.add(name)
    assert vectorized == {
        "+", "-", "*", "/", "neg", "%", "relu", "sqrt", "abs", "leaky_relu", "sign", "minimum", "maximum",
        "clip", "where", "leaky_relu[0.2]", "clip[0,6]", "clip[-inf,0]", "where(False)",
    }  # fmt: skip


@pytest.mark.parametrize("name", list(batch.MATH_TO_NUMPY))
def test_numpy_computes_the_paired_math_functions_to_the_bit(name):
    function, ufunc = getattr(math, name), getattr(np, batch.MATH_TO_NUMPY[name])
    draw = random.Random(name)
    xs = [draw.uniform(-1e3, 1e3) for _ in range(2000)] + [draw.uniform(0, 2) for _ in range(2000)] + EDGES[1:-1]
    pairs = [(x, y) for x, y in zip(xs, reversed(xs), strict=True) if y] if ufunc.nin == 2 else [(x,) for x in xs]
    for args in pairs:
        try:
            expected = float(function(*args))
        except (ArithmeticError, ValueError):
            continue
        assert float(ufunc(*args)) == expected, f"{name}{args}"


def test_broadcast_numbers_get_per_sample_gradients():
    step = ag.compile(lambda w, x, b: (w * x + b).tanh())
    xs = [-1.5, 0.3, 2.0]
    values, grads = step.batch(0.5, xs, 0.25)
    assert grads.shape == (3, 3)
    for k, x in enumerate(xs):
        value, expected = step(0.5, x, 0.25)
        assert values[k] == pytest.approx(value, rel=1e-15)
        assert grads[:, k] == pytest.approx(expected, rel=1e-15)
    w_grad, x_grad, b_grad = grads  # one row per argument
    assert w_grad.sum() == pytest.approx(sum(step(0.5, x, 0.25)[1][0] for x in xs), rel=1e-14)


def test_a_result_of_broadcast_numbers_alone_is_repeated_for_every_sample():
    step = ag.compile(lambda p, x: p * p + 0 * x)
    values, grads = step.batch(3.0, np.arange(4.0))
    assert values.tolist() == [9.0] * 4 and grads[0].tolist() == [6.0] * 4 and grads[1].tolist() == [0.0] * 4


def test_guards_flipping_inside_a_batch_use_the_matching_version(monkeypatch):
    def f(x, y):
        if x > y:
            return ag.log(x - y) * y
        return (y - x) ** 2 + ag.sin(x)

    step = ag.compile(f)
    draw = random.Random(0)
    xs, ys = [draw.uniform(-2, 2) for _ in range(200)], [draw.uniform(-2, 2) for _ in range(200)]
    values, grads = step.batch(xs, ys)
    assert step.trace_count == 2
    assert_matches(values, grads, per_sample(step, list(zip(xs, ys, strict=True))), "f")
    counter = CountingSamples(monkeypatch)  # both versions traced: no sample goes alone now
    step.batch(ys, xs)
    assert counter.count == 0


@pytest.mark.parametrize("part", [1, 3, 8, batch.PART])
def test_a_batch_longer_than_a_part_is_replayed_part_by_part(part, monkeypatch):
    """`PART` samples at a time, guards flipping and samples going alone in every part."""
    monkeypatch.setattr(batch, "PART", part)

    def f(x, y):
        return ag.sqrt(x) * y if x > y else ag.log(y - x + 1) + x

    step = ag.compile(f)
    draw = random.Random(part)
    points = [(draw.choice([0.0, draw.uniform(0, 3), math.inf]), draw.uniform(0, 3)) for _ in range(50)]
    values, grads = step.batch(*columns(points))
    assert_matches(values, grads, per_sample(step, points), f"parts of {part}")
    with pytest.raises(ValueError, match=r"^sample 37 of the batch: sqrt"):
        step.batch(*columns([*points[:37], (-1.0, -2.0), *points[37:]]))


def test_relu_and_abs_branch_without_guards():
    step = ag.compile(lambda x: ag.relu(x) + abs(x - 1))
    xs = np.linspace(-3, 3, 61)
    values, grads = step.batch(xs)
    assert step.trace_count == 1
    assert_matches(values, grads, per_sample(step, [(x,) for x in xs]), "relu + abs")


def test_parameters_closed_over_are_read_at_each_batch():
    w = ag.Value(2.0)
    step = ag.compile(lambda x: w * x if w > 0 else -x)
    assert step.batch([1.0, 2.0])[0].tolist() == [2.0, 4.0]
    w.data = -1.0
    assert step.batch([1.0, 2.0])[0].tolist() == [-1.0, -2.0]
    w.data = math.inf  # an infinite leaf: each sample answered as step answers it
    assert step.batch([1.0, 2.0])[0].tolist() == [math.inf, math.inf]


class TestErrorsAndNaN:
    def test_the_first_failing_sample_raises_its_own_error_with_its_index(self):
        step = ag.compile(lambda x, y: ag.log(x) * y)
        with pytest.raises(ValueError) as raised:
            step.batch([1.0, 2.0, 0.0, -1.0], 3.0)
        with pytest.raises(ValueError) as alone:
            step(0.0, 3.0)
        assert str(raised.value) == f"sample 2 of the batch: {alone.value}"
        assert "log(Value(data=0.0, label='x'))" in str(raised.value)

    def test_each_error_keeps_its_type(self):
        step = ag.compile(lambda x: 1 / x + ag.exp(x))
        with pytest.raises(ZeroDivisionError, match=r"^sample 1 of the batch: /"):
            step.batch([1.0, 0.0, 1000.0])
        with pytest.raises(OverflowError, match=r"^sample 2 of the batch: exp"):
            step.batch([1.0, 2.0, 1000.0])

    def test_an_exception_that_cannot_take_a_message_is_raised_as_it_was(self):
        class Refused(Exception):
            def __init__(self, x: float, why: str) -> None:
                super().__init__(x, why)

        def f(x):
            if x > 1:
                raise Refused(2.0, "too large")
            return x * x

        with pytest.raises(Refused) as raised:
            ag.compile(f).batch([0.5, 3.0, 1.0])
        assert raised.value.args == (2.0, "too large")

    def test_nan_is_refused_as_eager_refuses_it(self):
        step = ag.compile(lambda x: ag.sqrt(x * x - x))  # at 1, +inf and -inf meet (README: NaN never spreads)
        with pytest.raises(FloatingPointError, match=r"^sample 1 of the batch: backward"):
            step.batch([2.0, 1.0, 3.0])
        step = ag.compile(lambda x: x * 1e300 * 1e300 - x * 1e300 * 1e300)  # inf - inf going forward
        with pytest.raises(ValueError, match=r"^sample 0 of the batch: .*nan"):
            step.batch([1.0, 0.0])

    def test_infinite_slopes_are_kept_as_eager_gives_them(self):
        step = ag.compile(lambda x: ag.sqrt(x) + ag.asin(x - 1))
        values, grads = step.batch([0.0, 0.5, 2.0])
        assert grads[0, 0] == math.inf and grads[0, 2] == math.inf
        assert_matches(values, grads, per_sample(step, [(0.0,), (0.5,), (2.0,)]), "edges")

    def test_infinite_arguments_are_answered_as_step_answers_them(self):
        step = ag.compile(lambda x, y: ag.tanh(x) * y)
        values, grads = step.batch([math.inf, 1.0, -math.inf], 2.0)
        assert_matches(values, grads, per_sample(step, [(math.inf, 2.0), (1.0, 2.0), (-math.inf, 2.0)]), "inf")

    def test_only_the_failing_samples_go_one_at_a_time(self, monkeypatch):
        step = ag.compile(lambda x: ag.sin(x) + ag.sqrt(x))
        step(1.0)
        counter = CountingSamples(monkeypatch)
        xs = [0.5 + k for k in range(50)] + [0.0]  # sqrt'(0) is inf: that sample alone
        values, grads = step.batch(xs)
        assert counter.count == 1
        assert values[-1] == 0.0 and grads[0, -1] == math.inf


class TestArguments:
    step = staticmethod(ag.compile(lambda x, y: x * y))

    @pytest.mark.parametrize(
        ("args", "error", "message"),
        [
            (([[1.0, 2.0], [3.0, 4.0]], 1.0), TypeError, r"argument 0, sample 0: expected a number, got list .*1-D"),
            ((np.zeros((2, 2)), 1.0), ValueError, r"argument 0 is a 2-D array of shape \(2, 2\)"),
            (([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, r"argument 1 has 3 samples, but argument 0 has 2"),
            (([], []), ValueError, r"argument 0 is empty; a batch needs at least one sample"),
            ((1.0, 2.0), TypeError, r"needs at least one argument given per sample"),
            (("ab", [1.0, 2.0]), TypeError, r"argument 0 must be a number or a 1-D sequence .* got str"),
            (([1.0, "a"], 1.0), TypeError, r"argument 0, sample 1: expected a number, got str 'a'"),
            (([1.0, True], 1.0), TypeError, r"argument 0, sample 1: expected a number, got bool"),
            ((np.array([True, False]), 1.0), TypeError, r"argument 0 is an array of bool"),
            (([1.0, math.nan], 1.0), TypeError, r"argument 0, sample 1 must be a number, got nan"),
            (([1.0, 2.0], math.nan), TypeError, r"argument 1 must be a number, got nan"),
            ((None, [1.0]), TypeError, r"argument 0 must be a number or a 1-D sequence .* got NoneType"),
            ((ag.Value(1.0), [1.0]), TypeError, r"argument 0 is a Value"),
            (([1.0],), TypeError, r"takes 2 arguments, got 1"),
        ],
    )
    def test_bad_arguments_say_what_was_wrong_and_where(self, args, error, message):
        with pytest.raises(error, match=message):
            self.step.batch(*args)

    def test_numbers_of_any_kind_are_taken(self):
        values, _ = self.step.batch(range(3), np.array([1, 2, 3], dtype=np.int32))
        assert values.tolist() == [0.0, 2.0, 6.0]
        values, _ = self.step.batch((np.float32(1.5), 2), np.float64(2.0))
        assert values.tolist() == [3.0, 4.0]


def test_without_numpy_batch_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` now fails, as if not installed
    step = ag.compile(lambda x: x * x)
    with pytest.raises(ImportError, match=r"pip install 'autograd-scalar\[fast\]'"):
        step.batch([1.0, 2.0])
    assert not batch.available()
    assert step(3.0) == (9.0, (6.0,))  # the per-sample replay needs nothing


def test_a_user_op_named_like_a_builtin_or_a_generated_name_is_not_confused():
    """Found writing batch: compile bound an op's forward under the op's own name, so an op
    named `max` replaced the builtin that clip's template calls, and one named `v1` the
    variable of that name."""
    mine = ag.Op("max", lambda x: 2.0 * x, lambda out, x: (2.0,))
    v1 = ag.Op("v1", lambda x: x + 1.0, lambda out, x: (1.0,))
    step = ag.compile(lambda x: ag.clip(mine(x)) + v1(x) * x)
    for x in (0.25, 2.0, -3.0):
        expected = ag.value_and_grad(lambda x: ag.clip(mine(x)) + v1(x) * x)(x)
        assert step(x) == (expected[0], (expected[1],))
    values, grads = step.batch([0.25, 2.0, -3.0])
    assert_matches(values, grads, per_sample(step, [(0.25,), (2.0,), (-3.0,)]), "user ops")


def test_a_template_batch_cannot_respell_warns_and_replays_one_at_a_time(monkeypatch):
    twice = ag.Op(
        "twice", lambda x: 2.0 * x, lambda out, x: (2.0,), replay=ag.core.op.Replay("sum([{a}, {a}])", ("2.0",))
    )
    step = ag.compile(lambda x: twice(x) * x)
    counter = CountingSamples(monkeypatch)
    with pytest.warns(RuntimeWarning, match=r"cannot run `\[a0, a0\]` over arrays"):
        values, grads = step.batch([1.0, 2.0, 3.0])
    assert values.tolist() == [2.0, 8.0, 18.0] and grads[0].tolist() == [4.0, 8.0, 12.0]
    assert counter.count == 3


# -- nn.fit ------------------------------------------------------------------------------------


def _fit(vectorized, loss, inputs, targets, make_model, make_optimizer, **kwargs):
    model = make_model()
    optimizer = make_optimizer(model)
    history = nn.fit(
        model, inputs, targets, loss, optimizer, progress=False, compiled=True, vectorized=vectorized, **kwargs
    )
    return [p.data for p in model.parameters()], history


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_vectorized_gives_the_per_sample_parameters(case, monkeypatch):
    """`test_fit.py`'s training cases (hinge, softmax cross-entropy, mse, bce with logits;
    SGD with momentum and decay, Adam, a schedule; batches, shuffled or full)."""
    loss, data, make_model, make_optimizer, kwargs = FIT_CASES[case]
    inputs, targets = data()
    calls = []
    original = compiler.Compiled.batch
    monkeypatch.setattr(compiler.Compiled, "batch", lambda step, *args: calls.append(1) or original(step, *args))
    at_once, at_once_history = _fit(True, loss, inputs, targets, make_model, make_optimizer, **kwargs)
    assert calls, "fit(compiled=True, vectorized=True) did not replay batches"
    calls.clear()
    one_by_one, history = _fit(False, loss, inputs, targets, make_model, make_optimizer, **kwargs)
    assert not calls
    assert at_once != make_model().parameters()
    assert max(abs(a - b) for a, b in zip(at_once, one_by_one, strict=True)) < 1e-12
    assert at_once_history.loss == pytest.approx(history.loss, rel=1e-12)
    assert at_once_history.accuracy == history.accuracy


def test_fit_vectorizes_when_numpy_is_there_and_not_otherwise(monkeypatch):
    calls = []
    original = compiler.Compiled.batch
    monkeypatch.setattr(compiler.Compiled, "batch", lambda step, *args: calls.append(1) or original(step, *args))
    inputs, targets = datasets.linear(10, rng=0)
    make_model = lambda: nn.MLP(1, [3, 1], rng=0)  # noqa: E731
    make_optimizer = lambda m: nn.SGD(m.parameters(), lr=0.1)  # noqa: E731
    _fit(None, nn.mse, inputs, targets, make_model, make_optimizer, epochs=2)
    assert calls
    calls.clear()
    monkeypatch.setitem(sys.modules, "numpy", None)
    _fit(None, nn.mse, inputs, targets, make_model, make_optimizer, epochs=2)
    assert not calls
    with pytest.raises(ImportError, match=r"autograd-scalar\[fast\]"):
        _fit(True, nn.mse, inputs, targets, make_model, make_optimizer, epochs=2)


def test_fit_refuses_vectorized_without_compiled():
    model = nn.MLP(1, [2, 1], rng=0)
    with pytest.raises(ValueError, match="pass compiled=True"):
        nn.fit(model, [[0.0]], [1.0], nn.mse, nn.SGD(model.parameters(), lr=0.1), 1, vectorized=True, progress=False)


# -- the examples --------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("moons", ["--steps", "2", "--out", "{tmp}", "--batch"], "batched replay"),
        ("spiral", ["--epochs", "2", "--out", "{tmp}", "--batch"], "replayed a mini-batch at a time"),
    ],
)
def test_the_examples_run_with_batch(script, args, expected, tmp_path):
    run_example(script, args, expected, tmp_path)


def test_moons_batched_trains_as_compiled_replay_does():
    spec = importlib.util.spec_from_file_location("moons_example", EXAMPLES / "moons.py")
    moons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(moons)
    batched, batched_history = demo.train_with(moons.batched_gradients, 5, 1337, False)
    compiled, history = demo.train_compiled(5)
    assert max(abs(a.data - b.data) for a, b in zip(batched.parameters(), compiled.parameters(), strict=True)) < 1e-12
    assert [loss for loss, _ in batched_history] == pytest.approx([loss for loss, _ in history], rel=1e-12)
    assert [accuracy for _, accuracy in batched_history] == [accuracy for _, accuracy in history]
