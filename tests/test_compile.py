"""compile: replay equals eager, guards retrace, raw reads are refused, bad calls are clear."""

import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.nn import MLP, functional_call
from autograd_scalar.testing import expressions


def eager(f, *args):
    value, grads = ag.value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    return value, tuple(grads)


def assert_same(compiled, expected):
    assert compiled[0] == pytest.approx(expected[0], rel=1e-12, abs=1e-12)
    assert compiled[1] == pytest.approx(expected[1], rel=1e-12, abs=1e-12)


@settings(max_examples=400)
@given(expressions(max_steps=15))
def test_compiled_equals_eager_on_random_graphs(expr):
    step = ag.compile(expr)
    assert_same(step(*expr.point), eager(expr, *expr.point))
    assert step.trace_count == 1


@settings(max_examples=200)
@given(expressions(max_steps=10), st.floats(0.9, 1.1))
def test_replay_at_other_points_equals_eager(expr, scale):
    step = ag.compile(expr)
    step(*expr.point)
    moved = [x * scale for x in expr.point]
    try:
        expected = eager(expr, *moved)
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            step(*moved)
        return
    assert_same(step(*moved), expected)


def test_reuse_across_many_calls():
    def f(w, x, b):
        return (w * x + b).tanh() * ag.sigmoid(x) + ag.relu(w - b) ** 2

    step = ag.compile(f)
    for i in range(300):
        args = (math.sin(i), math.cos(0.3 * i) * 2, 0.01 * i - 1)
        assert_same(step(*args), eager(f, *args))
    assert step.trace_count == 1 and step.fallbacks == 0


def test_every_builtin_op_has_an_exact_template():
    def f(a, b):
        y = (a + b) * (a - b) / b + (-a) + abs(a - 2 * b)
        return y + a.exp() + a.log() + a.tanh() + a.sigmoid() + (a - b).relu() + a.sin() + a.cos() + a.sqrt()

    step = ag.compile(f)
    for args in [(1.3, 0.6), (0.4, 2.0), (2.5, -1.5)]:
        assert_same(step(*args), eager(f, *args))
    assert "op" not in step.source.replace("replay", "")  # no generic calls: all inline


def test_user_ops_replay_through_their_op():
    softplus = ag.Op("softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (ag.sigmoid(x),))

    def f(x, y):
        return softplus(x * y) + x**2.5 + 2**y + x**y

    step = ag.compile(f)
    for args in [(0.7, 1.2), (1.5, -0.3)]:
        assert_same(step(*args), eager(f, *args))


def test_higher_order_inside_a_compiled_function():
    def slope_squared(x):
        return ag.grad(lambda t: t * ag.sin(t))(x) ** 2

    step = ag.compile(slope_squared)
    for x in (0.3, 1.7):
        assert_same(step(x), eager(slope_squared, x))


def test_closed_over_values_are_read_at_every_call():
    w = Value(2.0)
    step = ag.compile(lambda x: w * x)
    assert step(3.0) == (6.0, (2.0,))
    w.data = 5.0
    assert step(3.0) == (15.0, (5.0,))


def test_constant_function():
    assert ag.compile(lambda x: 4.0)(1.0) == (4.0, (0.0,))


def test_unused_argument_gets_zero():
    assert ag.compile(lambda x, y: x * 3)(2.0, 5.0) == (6.0, (3.0, 0.0))


class TestGuards:
    def test_branch_on_a_comparison_retraces(self):
        def f(x):
            if x > 0:
                return x * x
            return -3 * x

        step = ag.compile(f)
        assert step(2.0) == (4.0, (4.0,))
        assert step(-1.0) == (3.0, (-3.0,))
        assert step(3.0) == (9.0, (6.0,))
        assert step(-2.0) == (6.0, (-3.0,))
        assert step.trace_count == 2

    def test_comparison_between_values(self):
        def f(a, b):
            return a * b if a < b else a + b

        step = ag.compile(f)
        for args in [(1.0, 2.0), (3.0, 2.0), (0.5, 0.7), (5.0, -1.0)]:
            assert_same(step(*args), eager(f, *args))
        assert step.trace_count == 2

    def test_guards_against_infinity(self):
        def f(x):
            return x * 2 if x < math.inf else x * 3

        step = ag.compile(f)
        assert step(1.0) == (2.0, (2.0,))
        assert step(math.inf) == (math.inf, (3.0,))  # the other branch: its slope is 3
        assert step(2.0) == (4.0, (2.0,)) and step.trace_count == 2

    def test_guard_on_a_node_the_result_does_not_use(self):
        def f(x):
            t = x.sin()
            return x * 2 if t >= 0 else x * 3

        step = ag.compile(f)
        assert step(1.0)[1] == (2.0,)
        assert step(-1.0)[1] == (3.0,)

    def test_too_many_versions_keep_only_the_most_recently_used(self):
        def f(x):
            n = 0
            for k in range(10):
                if x > k:
                    n += 1
            return x * n

        step = ag.compile(f, max_traces=3)
        with pytest.warns(ag.compiler.RetraceWarning, match="max_traces=3"):
            for x in range(10):
                assert step(x + 0.5) == ((x + 0.5) * (x + 1), (float(x + 1),))
        assert len(step.traces) == 3 and step.trace_count == 10


class TestRefused:
    @pytest.mark.parametrize(
        "f",
        [
            lambda x: x if x.data > 0 else -x,
            lambda x: x if x.item() > 0 else -x,
        ],
        ids=["data", "item"],
    )
    def test_reading_the_number_inside_is_a_trace_error(self, f):
        with pytest.raises(ag.TraceError, match=r"reads the number inside a Value .* at .*test_compile.py:\d+"):
            ag.compile(f)(1.0)

    @pytest.mark.parametrize("f", [lambda x: x * float(x), lambda x: x + math.sin(x)], ids=["float", "math"])
    def test_implicit_floats_are_refused_as_everywhere(self, f):
        with pytest.raises(TypeError, match="cannot become a plain float"):
            ag.compile(f)(1.0)

    def test_tracing_never_writes_to_the_value_class(self):
        before = dict(Value.__dict__)
        with pytest.raises(ag.TraceError):
            ag.compile(lambda x: x.data)(1.0)
        ag.compile(lambda x: x * x)(1.0)
        assert dict(Value.__dict__) == before
        assert Value(2.0).data == 2.0

    def test_other_threads_are_not_disturbed_by_a_trace(self):
        results = []

        def worker():
            v = Value(1.5)
            results.append(v.data)

        def f(x):
            thread = threading.Thread(target=worker)
            thread.start()
            thread.join()
            return x * 2

        ag.compile(f)(1.0)
        assert results == [1.5]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((1.0,), "takes 2 arguments, got 1"),
            ((1.0, "2"), "argument 1 must be a number, got str"),
            ((1.0, None), "argument 1 must be a number"),
            ((True, 1.0), "argument 0 must be a number, got bool"),
        ],
    )
    def test_bad_arguments(self, args, message):
        step = ag.compile(lambda x, y: x * y)
        with pytest.raises(TypeError, match=message):
            step(*args)

    def test_nan_argument_is_refused_as_eager_refuses_it(self):
        with pytest.raises(ValueError, match="data is nan"):
            ag.compile(lambda x, y: x * y)(1.0, math.nan)

    def test_ints_are_accepted(self):
        assert ag.compile(lambda x, y: x / y)(1, 4) == (0.25, (0.25, -0.0625))

    def test_an_impure_function_is_refused_rather_than_replayed(self):
        w = Value(1.0)

        def impure(x):
            y = w * x
            out = y * 2 if y > 0 else y * 3
            w.data = -5.0  # changes what the next call sees: the replay right after tracing
            return out

        with pytest.raises(ag.TraceError, match="took a different branch when traced again"):
            ag.compile(impure)(1.0)

    def test_compile_needs_a_function(self):
        with pytest.raises(TypeError, match="compile needs a function"):
            ag.compile(3)

    def test_function_returning_something_else(self):
        with pytest.raises(TypeError, match="must return a Value or a number, got list"):
            ag.compile(lambda x: [x])(1.0)


class TestFallback:
    def test_domain_error_on_replay_is_the_eager_error(self):
        step = ag.compile(lambda x: ag.log(x))
        step(2.0)
        with pytest.raises(ValueError, match=r"log\(Value\(data=-1\.0, label='x'\)\): math domain error"):
            step(-1.0)
        assert step.fallbacks == 1

    def test_nan_on_replay_is_refused_like_eager(self):
        step = ag.compile(lambda x, y: (x - y).relu())
        assert step(1.0, 0.5) == (0.5, (1.0, -1.0))
        with pytest.raises(ValueError, match="the result is nan"):
            step(math.inf, math.inf)

    def test_nan_gradient_on_replay_is_refused_like_eager(self):
        step = ag.compile(lambda x: (x * x).sqrt())
        step(1.0)
        with pytest.raises(FloatingPointError, match="became nan"):
            step(0.0)


def test_source_is_readable_straight_line_python():
    step = ag.compile(lambda x, y: x * y + x)
    step(1.0, 2.0)
    assert step.source.startswith("def replay(args):\n    a0, a1, = args\n")
    assert "v2 = a0 * a1" in step.source


class TestTraining:
    def test_functional_call_uses_the_given_parameters_and_restores_the_model(self):
        model = MLP(2, [3, 1], rng=0)
        own = model.parameters()
        own_output = model([1.0, 2.0]).data
        stand_ins = [Value(0.1 * i) for i in range(len(own))]
        out = functional_call(model, stand_ins, [1.0, 2.0])
        out.backward()
        # By hand, at x = (1, 2): hidden neuron j has weights 0.1·(3j, 3j+1) and bias
        # 0.1·(3j+2), so its pre-activation is 1.2j + 0.4 (all active: 0.4, 1.6, 2.8); the
        # output has weights a = 0.9, 1.0, 1.1 and bias 1.2.
        assert out.data == pytest.approx(0.9 * 0.4 + 1.0 * 1.6 + 1.1 * 2.8 + 1.2, rel=1e-12)
        by_hand = [0.9, 1.8, 0.9, 1.0, 2.0, 1.0, 1.1, 2.2, 1.1]  # a_j · (x0, x1, 1), per neuron
        by_hand += [0.4, 1.6, 2.8, 1.0]  # the output's weights: the hidden values; its bias: 1
        assert [v.grad for v in stand_ins] == pytest.approx(by_hand, rel=1e-12)
        assert model.parameters() == own and all(p.grad == 0 for p in own)
        assert model([1.0, 2.0]).data == own_output

    def test_functional_call_checks_the_count(self):
        with pytest.raises(ValueError, match="has 13 parameters, got 2"):
            functional_call(MLP(2, [3, 1]), [Value(1.0), Value(2.0)], [1.0, 2.0])

    def test_compiled_training_ends_where_eager_training_does(self, moons_recipe, eager_moons_run):
        """The eager run (conftest) again, with one sample's hinge term compiled once, its
        gradient replayed over the data set and summed, and the L2 term compiled too."""
        recipe = moons_recipe
        model = recipe.model()
        params = model.parameters()
        count = len(params)

        def sample_hinge(*args):  # 337 parameters, the point's two coordinates, its label
            score = functional_call(model, args[:count], args[count : count + 2])
            return ag.relu(1 - args[-1] * score)

        def l2(*weights):
            return recipe.alpha * sum(w * w for w in weights)

        hinge_step, l2_step = ag.compile(sample_hinge), ag.compile(l2)
        n = len(recipe.points)
        history = []
        for step in range(recipe.steps):
            weights = [p.data for p in params]
            samples = zip(recipe.points, recipe.labels, strict=True)
            results = [hinge_step(*weights, x0, x1, t) for (x0, x1), t in samples]
            reg_value, reg_grads = l2_step(*weights)
            correct = sum(value < 1.0 for value, _ in results)  # relu(1 - t·score) < 1 iff t·score > 0
            history.append((sum(value for value, _ in results) / n + reg_value, correct / n))
            sums = [sum(column) for column in zip(*[grads[:count] for _, grads in results], strict=True)]
            for p, g, r in zip(params, sums, reg_grads, strict=True):
                p.data -= recipe.learning_rate(step) * (g / n + r)
        # Every step was a replay of the first trace, not an eager fallback.
        assert (hinge_step.trace_count, hinge_step.fallbacks) == (1, 0)
        assert (l2_step.trace_count, l2_step.fallbacks) == (1, 0)
        eager_model, eager_history = eager_moons_run
        for a, b in zip(eager_model.parameters(), params, strict=True):
            assert abs(a.data - b.data) <= 1e-9
        assert len(history) == len(eager_history) == recipe.steps
        for (le, ae), (lc, ac) in zip(eager_history, history, strict=True):
            assert lc == pytest.approx(le, rel=1e-12) and ac == ae


class TestNaNHiddenByALaterOp:
    """Found by the program harness: 0 * inf is NaN, which eager refuses where it is made;
    a later op that hides NaN (nan ** 0 is 1, hypot(inf, nan) is inf, where's unchosen
    operand) must not let the replay return a number eager would not."""

    @pytest.mark.parametrize(
        "f",
        [
            lambda x: ((Value(0.0) + 0.0) * x) ** 0.0,
            lambda x: ag.hypot(x, Value(0.0) * x),
            lambda x: ag.where(True, x * 2, Value(0.0) * x),
        ],
        ids=["pow0", "hypot", "where"],
    )
    def test_replay_raises_what_eager_raises(self, f):
        step = ag.compile(f)
        step(1.0)
        with pytest.raises(ValueError, match="the result is nan") as eager:
            ag.value_and_grad(f)(math.inf)
        with pytest.raises(ValueError) as replayed:
            step(math.inf)
        assert str(replayed.value) == str(eager.value)
