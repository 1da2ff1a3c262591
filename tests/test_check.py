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


def test_a_user_op_lifts_numbers_and_refuses_other_things():
    assert RIGHT_SOFTPLUS(0.0).data == pytest.approx(math.log(2.0))
    with pytest.raises(TypeError, match="softplus: operand 1 must be a Value or a number, got str"):
        RIGHT_SOFTPLUS("0")
