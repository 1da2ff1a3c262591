"""Paths that once gave a plausible, wrong number with no error (engine and functional API).

Each test states the right answer from calculus, not from the engine, and fails on the
code before the fix it guards.
"""

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, grad, gradcheck, no_grad, numerical_grad, value_and_grad


class TestValuesDoNotSilentlyBecomeFloats:
    """Item 1: math.sin(x) on a Value used to turn x into a constant through __float__."""

    percent_format = lambda v: "%f" % (v,)  # noqa: E731, UP031 - the old spelling that calls __float__

    @pytest.mark.parametrize("use", [math.sin, math.exp, math.sqrt, math.floor, float, complex, percent_format])
    def test_implicit_float_conversion_is_refused_with_the_fix(self, use):
        with pytest.raises(TypeError, match=r"autograd_scalar\.sin.*v\.data or v\.item\(\)"):
            use(Value(0.7))

    def test_x_times_sin_x_gets_the_true_derivative_through_the_engine(self):
        x = Value(0.7)
        y = x * ag.sin(x)
        y.backward()
        assert x.grad == pytest.approx(math.sin(0.7) + 0.7 * math.cos(0.7), rel=1e-15)  # 1.1797...

    def test_data_and_item_read_the_number(self):
        x = Value(0.7)
        assert x.data == 0.7 and x.item() == 0.7 and isinstance(x.item(), float)


class TestFunctionalTransformsIgnoreTheAmbientMode:
    """Item 2: grad inside no_grad() used to return 0.0, so checks of derivatives lied."""

    def test_grad_inside_no_grad_is_right(self):
        with no_grad():
            assert grad(lambda x: x**3)(2.0) == 12.0
            assert value_and_grad(lambda x: x * x)(3.0) == (9.0, 6.0)

    def test_grad_of_values_inside_no_grad_is_right_and_constant(self):
        x = Value(2.0)
        with no_grad():
            g = grad(lambda t: t**3)(x)
        assert isinstance(g, Value) and g.data == 12.0 and g.parents == ()

    def test_numerical_grad_of_a_derivative(self):
        # d/dx (3x²) = 6x = 12 at x = 2.
        (estimate,) = numerical_grad(grad(lambda x: x**3), 2.0)
        assert estimate == pytest.approx(12.0, rel=1e-6)

    def test_gradcheck_accepts_a_correct_second_derivative(self):
        assert gradcheck(grad(lambda x: ag.sin(x) * x), 0.4)

    def test_no_grad_is_restored_after_the_transform(self):
        with no_grad():
            grad(lambda x: x * x)(1.0)
            assert not ag.is_grad_enabled()
        assert ag.is_grad_enabled()

    def test_no_grad_is_restored_when_f_raises(self):
        def boom(x):
            raise RuntimeError("boom")

        with no_grad():
            with pytest.raises(RuntimeError):
                grad(boom)(1.0)
            assert not ag.is_grad_enabled()


class TestKeywordArgumentsPassThrough:
    """Item 3: grad(f)(..., c=0.5) used to raise TypeError."""

    def test_grad_passes_keywords(self):
        f = lambda x, y, c=1.0: c * x * y  # noqa: E731
        assert grad(f, (0, 1))(2.0, 3.0, c=0.5) == (1.5, 1.0)

    def test_value_and_grad_passes_keywords(self):
        assert value_and_grad(lambda x, c: c * x * x)(3.0, c=2.0) == (18.0, 12.0)

    def test_keywords_are_not_differentiated_even_when_values(self):
        c = Value(2.0)
        assert grad(lambda x, c: c * x)(3.0, c=c) == 2.0
        assert c.grad == 0.0


class TestDataChangedBetweenForwardAndBackward:
    """Item 4: changing x.data after the forward pass used to mix two states silently."""

    def test_backward_after_a_leaf_changed_raises_naming_it(self):
        x = Value(2.0, label="x")
        y = ag.tanh(x * x)
        x.data = 0.0
        with pytest.raises(RuntimeError, match=r"label='x'.*had its data assigned after"):
            y.backward()

    def test_functional_pass_also_refuses(self):
        x = Value(2.0, label="x")
        with pytest.raises(RuntimeError, match="had its data assigned"):

            def f(t):
                y = t * x
                x.data = 5.0
                return y

            grad(f)(1.0)

    def test_recomputing_after_the_change_is_fine(self):
        x = Value(2.0)
        ag.tanh(x * x)
        x.data = 0.5
        y = ag.tanh(x * x)
        y.backward()
        assert x.grad == pytest.approx(2 * 0.5 * (1 - math.tanh(0.25) ** 2), rel=1e-15)

    def test_a_training_loop_updating_leaves_keeps_working(self):
        w = Value(1.0)
        for _ in range(3):
            loss = (w - 3.0) ** 2
            w.grad = 0.0
            loss.backward()
            w.data -= 0.25 * w.grad
        assert w.data == pytest.approx(3.0 - 2.0 * 0.5**3)

    def test_computed_nodes_cannot_be_assigned(self):
        y = Value(2.0) * 3.0
        with pytest.raises(AttributeError, match="computed node"):
            y.data = 1.0

    @pytest.mark.parametrize("bad", [math.nan, "3", None])
    def test_data_refuses_non_numbers_and_nan(self, bad):
        x = Value(1.0)
        with pytest.raises((ValueError, TypeError), match="Value.data"):
            x.data = bad
        assert ag.relu(x).data == 1.0  # unchanged, so relu of a NaN never became 0.0


class TestPowerErrorsInTheCallersTerms:
    def test_overflow_names_the_op_not_an_errno_tuple(self):
        message = r"^\*\*\(Value\(data=10\.0\), Value\(data=400\.0\)\): the result is too large"
        with pytest.raises(OverflowError, match=message):
            Value(10.0) ** Value(400.0)

    def test_a_constant_exponent_is_named_exactly(self):
        assert (Value(8.0) ** (1 / 3)).op == "**" + repr(1 / 3)
        assert (Value(8.0) ** 2).op == "**2"


class TestBackwardPassErrors:
    def test_opposite_infinities_summing_to_nan_at_a_leaf_raise(self):
        # sqrt(x - x) at 0: sqrt's slope is +inf; it reaches x once as +inf and once as -inf.
        x = Value(0.0, "x")
        with pytest.raises(FloatingPointError, match=r"label='x'.*became nan.*opposite signs"):
            ag.sqrt(x - x).backward()
        with pytest.raises(FloatingPointError, match="became nan"):
            grad(lambda t: ag.sqrt(t - t))(0.0)

    def test_a_rule_that_overflows_names_its_node(self):
        x = Value(5e-324, "x")
        with pytest.raises(OverflowError, match=r"local derivative of \*\*\(.*label='x'.*too large for a float"):
            (x**x).backward()

    def test_functional_pass_skips_rules_of_nodes_that_do_not_depend_on_the_input(self):
        p = Value(5e-324)
        assert value_and_grad(lambda x: p**p)(1.0) == (1.0, 0.0)  # its rule would overflow


class TestHigherDerivativesAtDomainEdges:
    """Found in review: at a domain edge a rule's slope is ±inf, and a constant ±inf used to
    differentiate to 0, so grad(grad(sqrt))(0) said 0 where the truth is -1/(4·0^1.5) = -inf."""

    @pytest.mark.parametrize(
        ("f", "x"),
        [(ag.sqrt, 0.0), (lambda t: t**0.5, 0.0), (ag.asin, 1.0), (ag.acos, 1.0), (ag.acosh, 1.0)],
        ids=["sqrt", "pow_half", "asin", "acos", "acosh"],
    )
    def test_second_derivative_at_the_edge_is_refused_not_zero(self, f, x):
        assert abs(grad(f)(x)) == math.inf  # the first derivative stays ±inf
        with pytest.raises(ValueError, match="its own derivative .* is infinite or undefined"):
            grad(grad(f))(x)
        with pytest.raises(ValueError, match="infinite or undefined"):
            ag.compile(grad(f))(x)

    def test_an_infinite_slope_that_is_not_differentiated_again_is_fine(self):
        # d/dy [sqrt'(0) · y] = sqrt'(0) = +inf: a first derivative, computed inside a grad.
        assert grad(lambda y: grad(lambda t: ag.sqrt(t) * y)(0.0))(1.0) == math.inf


class TestCustomRulesMustReturnGradients:
    """Found in review: a custom rule's results were passed on unchecked, so grad at floats
    could return a Value (from a Value the rule closed over), None or a string."""

    def test_a_value_where_a_number_is_needed_is_refused_by_name(self):
        scale = Value(10.0)
        scaled = ag.custom_gradient(lambda x: (x, lambda g: g * scale))
        with pytest.raises(TypeError, match=r"returned Value .* must return a number .* \.data"):
            grad(lambda x: scaled(x) * 2.0)(1.0)

    @pytest.mark.parametrize("bad", [None, "oops"])
    def test_no_gradient_is_refused(self, bad):
        rule = ag.custom_gradient(lambda x, y: (x * y, lambda g: (g * y, bad)))
        with pytest.raises(TypeError, match="for operand 2"):
            grad(rule, (0, 1))(2.0, 5.0)


def test_compile_where_raises_as_eager_when_the_unchosen_operand_is_nan():
    # Found in review: where(False, x - x, y) at x = inf: eager refuses inf - inf.
    f = lambda x, y: ag.where(y > 0, x - x, y)  # noqa: E731
    step = ag.compile(f)
    step(1.0, -1.0)
    with pytest.raises(ValueError, match="the result is nan"):
        value_and_grad(f, (0, 1))(math.inf, -1.0)
    with pytest.raises(ValueError, match="the result is nan"):
        step(math.inf, -1.0)
