"""grad and value_and_grad: first order, any order, several arguments, bad calls."""

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Value


def test_grad_of_tanh_affine():
    df = ag.grad(lambda w, x, b: (w * x + b).tanh(), argnums=(0, 1, 2))
    w, x, b = 0.5, -1.5, 0.25
    s = 1 - math.tanh(w * x + b) ** 2
    assert df(w, x, b) == pytest.approx((s * x, s * w, s))


def test_returns_plain_floats_at_top_level():
    g = ag.grad(lambda x: x * x)(3.0)
    assert type(g) is float and g == 6.0


def test_value_and_grad():
    value, g = ag.value_and_grad(lambda x, y: x * y + ag.sin(x), argnums=(0, 1))(2.0, -3.0)
    assert value == pytest.approx(-6 + math.sin(2.0))
    assert g == pytest.approx((-3 + math.cos(2.0), 2.0))


def test_argnums_int_gives_one_number():
    assert ag.grad(lambda x, y: x * y, argnums=1)(2.0, 5.0) == 2.0


def test_third_derivative_of_x_sin_x():
    d3 = ag.grad(ag.grad(ag.grad(lambda x: x * ag.sin(x))))
    x = 0.7
    assert d3(x) == pytest.approx(-3 * math.sin(x) - x * math.cos(x), rel=1e-12)


@pytest.mark.parametrize("order", range(1, 7))
def test_nth_derivative_of_exp_2x(order):
    f = lambda x: (2 * x).exp()  # noqa: E731
    for _ in range(order):
        f = ag.grad(f)
    assert f(0.3) == pytest.approx(2**order * math.exp(0.6), rel=1e-12)


def test_mixed_partial():
    f = lambda x, y: x * x * y + y.sin() * x  # noqa: E731
    dfdx = ag.grad(f, argnums=0)
    d2 = ag.grad(dfdx, argnums=1)(1.2, 0.4)
    assert d2 == pytest.approx(2 * 1.2 + math.cos(0.4))


def test_nested_closures_are_not_confused():
    # d/dx [ d/dy (x*y) at y=x ] = d/dx x = 1; differentiating with respect to the
    # caller's node instead would give 2.
    assert ag.grad(lambda x: ag.grad(lambda y: x * y)(x))(3.0) == 1.0


def test_inner_grad_at_a_number_still_sees_the_outer_variable():
    assert ag.grad(lambda x: ag.grad(lambda y: x * x * y)(2.0))(3.0) == 6.0


def test_grad_of_a_function_that_ignores_its_input():
    assert ag.grad(lambda x: Value(5.0))(1.0) == 0.0
    assert ag.grad(lambda x: 5.0)(1.0) == 0.0
    assert ag.grad(ag.grad(lambda x: x * 2))(1.0) == 0.0


def test_grad_does_not_touch_the_grad_attribute():
    w = Value(3.0)
    ag.grad(lambda x: x * w)(2.0)
    assert w.grad == 0.0


def test_grad_with_value_argument_is_differentiable():
    x = Value(2.0)
    dy = ag.grad(lambda t: t**3)(x)
    assert isinstance(dy, Value) and dy.data == 12.0
    dy.backward()
    assert x.grad == 12.0


def test_non_differentiated_arguments_pass_through():
    assert ag.grad(lambda x, n: x**n, argnums=0)(2.0, 3) == 12.0


class TestBadCalls:
    def test_argnums_beyond_the_arguments(self):
        message = "argnums asks for argument 1, but it was called with 1 positional argument"
        with pytest.raises(TypeError, match=message):
            ag.grad(lambda x, y=1.0: x * y, argnums=1)(2.0)

    @pytest.mark.parametrize("argnums", [-1, 1.5, (), "0", True, [0]])
    def test_bad_argnums(self, argnums):
        with pytest.raises(TypeError, match="argnums must be"):
            ag.grad(lambda x: x, argnums=argnums)

    def test_non_number_argument_is_named(self):
        with pytest.raises(TypeError, match="argument 'x' must be a number or a Value"):
            ag.grad(lambda x: x)("1.0")

    def test_function_returning_something_else(self):
        def f(x):
            return [x]

        with pytest.raises(TypeError, match=r"f must return a Value or a number, got list"):
            ag.grad(f)(1.0)
