"""numerical_grad, gradcheck and check_local_grads, including that they catch wrong rules."""

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Op, Value

# A deliberately wrong op: softplus whose stated derivative is 1% too large.
WRONG_SOFTPLUS = Op("softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (ag.sigmoid(x) * 1.01,))
RIGHT_SOFTPLUS = Op("softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (ag.sigmoid(x),))


def test_numerical_grad_of_a_product():
    assert ag.numerical_grad(lambda x, y: x * y, 2.0, 3.0) == pytest.approx((3.0, 2.0), rel=1e-8)


def test_numerical_grad_calls_f_with_values():
    assert ag.numerical_grad(lambda x: x.tanh(), 0.0) == pytest.approx((1.0,), rel=1e-8)


def test_numerical_grad_step_scales_with_the_input():
    # At 1e8 a fixed step of 1e-6 would fall below the float spacing (about 1.5e-8 · 100).
    assert ag.numerical_grad(lambda x: x * x, 1e8) == pytest.approx((2e8,), rel=1e-6)


def test_gradcheck_passes_a_correct_function():
    assert ag.gradcheck(lambda x, y: x * ag.sin(y) + ag.exp(x / y), 1.3, 0.7) is True


def test_gradcheck_catches_a_wrong_derivative_with_a_table():
    def f(x, y):
        return WRONG_SOFTPLUS(x) * y

    with pytest.raises(ag.GradientCheckError) as caught:
        ag.gradcheck(f, 0.5, 2.0)
    message = str(caught.value)
    assert "input  at   analytic  numeric" in message
    lines = message.splitlines()
    assert lines[-2].startswith("x ") and lines[-2].endswith("WRONG")
    assert lines[-1].startswith("y ") and lines[-1].endswith("ok")


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(ag.GradientCheckError, AssertionError)


def test_gradcheck_needs_a_point():
    with pytest.raises(TypeError):
        ag.gradcheck(lambda: Value(1.0))


def test_check_local_grads_names_the_wrong_node():
    x = Value(0.5, "x")
    hidden = WRONG_SOFTPLUS(x * 2)
    hidden.label = "hidden"
    out = hidden * Value(3.0, "w") + x.tanh()
    with pytest.raises(ag.GradientCheckError) as caught:
        ag.check_local_grads(out)
    rows = [line for line in str(caught.value).splitlines() if "softplus" in line]
    assert len(rows) == 1
    assert "hidden" in rows[0] and "1.0" in rows[0]


def test_check_local_grads_counts_the_partials_it_checked():
    x = Value(0.5)
    y = RIGHT_SOFTPLUS(x) * x + x.exp()
    assert ag.check_local_grads(y) == 6  # softplus 1, * 2, exp 1, + 2


def test_check_local_grads_passes_over_kinks_and_domain_edges():
    x = Value(0.0)
    y = x.relu() * abs(x) + x.sqrt()
    # relu, abs and sqrt sit on a kink or a domain edge: only * and + are judged.
    assert ag.check_local_grads(y) == 4


def test_check_local_grads_over_every_builtin_op():
    a, b = Value(1.3), Value(0.6)
    y = (a + b) * (a - b) / b + a**b + a**2.5 + 2**b - (-a) + abs(a)
    y = y + a.exp() + a.log() + a.tanh() + a.sigmoid() + a.relu() + a.sin() + a.cos() + a.sqrt()
    assert ag.check_local_grads(y) > 30


def test_a_user_op_takes_one_or_two_operands():
    fma = Op("fma", lambda a, b, c: a * b + c, lambda out, a, b, c: (b, a, 1.0))
    with pytest.raises(TypeError, match="fma: an op takes one or two operands, got 3"):
        fma(Value(1.0), Value(2.0), Value(3.0))


def test_a_user_op_is_a_function_of_numbers_and_lifts_numbers_beside_values():
    assert RIGHT_SOFTPLUS(0.0) == pytest.approx(math.log(2.0))  # a plain float for a number
    assert RIGHT_SOFTPLUS(Value(0.0)).data == pytest.approx(math.log(2.0))
    with pytest.raises(TypeError, match="softplus: operand 1 must be a Value or a number, got str"):
        RIGHT_SOFTPLUS("0")


# -- numerical_grad at the edge of a domain (one-sided differences) -------------------------
# Expected values are derivatives from calculus, not from the engine.


def test_numerical_grad_just_inside_log_domain_is_one_sided_and_right():
    # x - h = 5e-7 - 1e-6 < 0 is outside log's domain; d/dx log x = 1/x = 2e6.
    assert ag.numerical_grad(lambda x: x.log(), 5e-7) == pytest.approx((2e6,), rel=1e-6)


def test_numerical_grad_steps_back_from_an_upper_edge():
    # sqrt(1 - x²) is undefined above 1; its derivative is -x / sqrt(1 - x²).
    x = 1 - 1e-8
    expected = -x / math.sqrt(1 - x * x)
    assert ag.numerical_grad(lambda t: (1 - t * t).sqrt(), x) == pytest.approx((expected,), rel=1e-5)


def test_numerical_grad_treats_an_overflowing_side_as_outside():
    # exp(x + h) overflows at x = 709.7827 (exp overflows above about 709.78271); d/dx eˣ = eˣ.
    assert ag.numerical_grad(lambda x: x.exp(), 709.7827) == pytest.approx((math.exp(709.7827),), rel=1e-6)


def test_numerical_grad_one_sided_only_in_the_argument_at_the_edge():
    # f = log(x) * y at x = 5e-7, y = 3: ∂f/∂x = y/x = 6e6, ∂f/∂y = log x.
    assert ag.numerical_grad(lambda x, y: x.log() * y, 5e-7, 3.0) == pytest.approx((6e6, math.log(5e-7)), rel=1e-6)


def test_finite_difference_says_which_scheme_it_used():
    from autograd_scalar.check import FiniteDifference, finite_difference

    # Both sides defined: the central difference; at relu's kink it is (h - 0) / 2h = 0.5,
    # the mean of the slopes 0 (left) and 1 (right), which are reported with it.
    assert finite_difference(lambda x: x.relu(), 0.0) == FiniteDifference(0.5, one_sided=False, kink=(0.0, 1.0))
    assert finite_difference(lambda x: x * x, 3.0).kink is None
    assert finite_difference(lambda x: x.log(), 5e-7).one_sided is True


def test_numerical_grad_close_to_a_pole_is_not_fooled_by_a_coarse_step():
    # log at 2e-6: both sides of the step h = 1e-6 are defined, but the central difference
    # at h is (log 3e-6 - log 1e-6) / 2e-6 = 549,306; d/dx log x = 1/x = 500,000.
    assert ag.numerical_grad(lambda x: x.log(), 2e-6) == pytest.approx((5e5,), rel=1e-6)


def test_numerical_grad_refuses_an_infinite_slope_rather_than_guess():
    # sqrt'(0) = +inf: one-sided differences grow like 1/sqrt(h) and never settle.
    from autograd_scalar.check import NoFiniteDifference

    with pytest.raises(NoFiniteDifference, match=r"argument 0 = 0\.0: one-sided differences do not settle"):
        ag.numerical_grad(lambda x: x.sqrt(), 0.0)


def test_numerical_grad_at_infinity_says_so():
    from autograd_scalar.check import NoFiniteDifference

    with pytest.raises(NoFiniteDifference, match="not differentiable numerically at inf"):
        ag.numerical_grad(lambda x: x * 2, math.inf)


def test_numerical_grad_where_f_is_infinite_says_so_instead_of_nan():
    from autograd_scalar.check import NoFiniteDifference

    # (1e200)² overflows to inf, and so do both neighbours: inf - inf would be nan.
    with pytest.raises(NoFiniteDifference, match="f is inf here"):
        ag.numerical_grad(lambda x: x * x, 1e200)


def test_numerical_grad_at_a_pole_raises_f_own_error_instead_of_a_number():
    # 1/x is undefined at 0; a central difference across the pole would say 1/h² = 1e12.
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        ag.numerical_grad(lambda x: 1 / x, 0.0)


@pytest.mark.parametrize(("f", "x"), [(ag.sign, 0.0), (ag.floor, 2.0), (ag.ceil, -1.0)], ids=["sign", "floor", "ceil"])
def test_a_jump_has_no_finite_difference_rather_than_a_huge_one(f, x):
    # Found in review: at sign's jump both one-sided slopes are 1/h, so they "agreed" and the
    # check reported 1e6 (and floor's jump was called a kink with slope 500000).
    from autograd_scalar.check import NoFiniteDifference

    with pytest.raises(NoFiniteDifference, match="f jumps at this point"):
        ag.numerical_grad(f, x)


def test_a_kink_is_still_a_kink_and_a_pole_still_settles():
    assert ag.check.finite_difference(ag.relu, 0.0).kink == (0.0, 1.0)
    assert ag.numerical_grad(ag.log, 2e-6)[0] == pytest.approx(5e5, rel=1e-6)
