"""Each op's derivative: against a closed form, against finite differences, and at order two."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_table import (
    BINARY_DERIVATIVES,
    BINARY_OPS,
    FIRST_DERIVATIVES,
    PUBLIC_BINARY_OPS,
    PUBLIC_OPS,
    UNARY_OPS,
    central_difference,
    on_floats,
)

import autograd_scalar as ag
from autograd_scalar import Value


def test_every_public_op_of_the_engine_table_has_a_line_of_test_data():
    from autograd_scalar.core.ops import PUBLIC

    assert set(PUBLIC) == set(PUBLIC_OPS) | set(PUBLIC_BINARY_OPS), "add a line to PUBLIC_OPS in tests/op_table.py"
    assert all(PUBLIC[name].arity == 2 for name in PUBLIC_BINARY_OPS)


def test_every_public_op_is_exported_under_its_name():
    from autograd_scalar.core.ops import PUBLIC

    assert all(getattr(ag, name) is op for name, op in PUBLIC.items())
    assert set(PUBLIC) <= set(ag.__all__)


@pytest.mark.parametrize(("name", "op", "domain"), UNARY_OPS, ids=[r[0] for r in UNARY_OPS])
@given(data=st.data())
def test_unary_grad_matches_closed_form(name, op, domain, data):
    x0 = data.draw(domain)
    x = Value(x0)
    op(x).backward()
    assert x.grad == pytest.approx(FIRST_DERIVATIVES[name](x0), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("name", "op", "domain"), UNARY_OPS, ids=[r[0] for r in UNARY_OPS])
@given(data=st.data())
def test_unary_grad_matches_central_difference(name, op, domain, data):
    x0 = data.draw(domain)
    x = Value(x0)
    op(x).backward()
    assert x.grad == pytest.approx(central_difference(on_floats(op), x0), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", BINARY_DERIVATIVES)
@given(data=st.data())
def test_binary_grads_match_closed_form(name, data):
    _, op, domain = next(row for row in BINARY_OPS if row[0] == name)
    a0, b0 = data.draw(domain)
    a, b = Value(a0), Value(b0)
    op(a, b).backward()
    assert (a.grad, b.grad) == pytest.approx(BINARY_DERIVATIVES[name](a0, b0), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("name", "op", "domain"), BINARY_OPS, ids=[r[0] for r in BINARY_OPS])
@given(data=st.data())
def test_binary_grads_match_central_differences(name, op, domain, data):
    a0, b0 = data.draw(domain)
    a, b = Value(a0), Value(b0)
    op(a, b).backward()
    assert a.grad == pytest.approx(central_difference(lambda t: op(Value(t), Value(b0)).data, a0), rel=1e-5, abs=1e-6)
    assert b.grad == pytest.approx(central_difference(lambda t: op(Value(a0), Value(t)).data, b0), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(("name", "op", "domain"), UNARY_OPS, ids=[r[0] for r in UNARY_OPS])
@given(data=st.data())
def test_unary_second_derivative_matches_difference_of_first(name, op, domain, data):
    x0 = data.draw(domain)
    first = ag.grad(op)
    assert ag.grad(first)(x0) == pytest.approx(central_difference(first, x0), rel=1e-4, abs=1e-5)


@pytest.mark.parametrize(("name", "op", "domain"), BINARY_OPS, ids=[r[0] for r in BINARY_OPS])
@given(data=st.data())
def test_binary_second_derivatives_match_differences_of_first(name, op, domain, data):
    a0, b0 = data.draw(domain)
    for first in (ag.grad(op, argnums=0), ag.grad(op, argnums=1)):
        row = ag.grad(first, argnums=(0, 1))(a0, b0)
        along_a = central_difference(lambda t, d=first: d(t, b0), a0)
        along_b = central_difference(lambda t, d=first: d(a0, t), b0)
        assert row == pytest.approx((along_a, along_b), rel=1e-4, abs=1e-5)


def test_public_functions_take_numbers_and_values():
    assert ag.sin(0.5) == math.sin(0.5)
    assert isinstance(ag.sin(Value(0.5)), Value)
    assert ag.sigmoid(0.0) == 0.5
    assert ag.relu(-2) == 0.0


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_sigmoid_and_tanh_saturate_without_overflow(x):
    v = Value(x)
    s, t = v.sigmoid(), v.tanh()
    assert s.data == (1.0 if x > 0 else 0.0)
    assert t.data == math.copysign(1.0, x)
    (s + t).backward()
    assert v.grad == 0.0


def test_sigmoid_is_accurate_for_large_negative_inputs():
    # The naive 1/(1+exp(-x)) loses all digits here; the two-branch form keeps them.
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0), rel=1e-12)


class TestKinks:
    """The derivative policy at points where the function is not differentiable (as PyTorch)."""

    def test_relu_at_zero_is_zero(self):
        x = Value(0.0)
        x.relu().backward()
        assert x.grad == 0.0

    def test_abs_at_zero_is_zero(self):
        x = Value(0.0)
        abs(x).backward()
        assert x.grad == 0.0

    def test_sqrt_at_zero_is_infinite(self):
        x = Value(0.0)
        x.sqrt().backward()
        assert x.grad == math.inf

    def test_fractional_power_at_zero_is_infinite(self):
        x = Value(0.0)
        (x**0.5).backward()
        assert x.grad == math.inf

    def test_zeroth_power_has_zero_derivative_even_at_zero(self):
        x = Value(0.0)
        (x**0).backward()
        assert x.grad == 0.0

    def test_value_exponent_at_zero_base_gives_zero_exponent_gradient(self):
        a, b = Value(0.0), Value(2.0)
        (a**b).backward()
        assert (a.grad, b.grad) == (0.0, 0.0)


class TestDomainErrors:
    """Forward errors keep Python's own types and name the op and its operands."""

    def test_log_of_negative(self):
        with pytest.raises(ValueError, match=r"^log\(Value\(data=-1\.0, label='x'\)\): math domain error$"):
            Value(-1.0, "x").log()

    def test_sqrt_of_negative(self):
        with pytest.raises(ValueError, match=r"sqrt\(Value\(data=-4\.0\)\)"):
            Value(-4.0).sqrt()

    def test_division_by_zero(self):
        with pytest.raises(ZeroDivisionError, match=r"^/\(Value\(data=1\.0, label='a'\), Value\(data=0\.0\)\)"):
            Value(1.0, "a") / 0

    def test_zero_to_a_negative_power(self):
        with pytest.raises(ZeroDivisionError, match=r"\*\*-1"):
            Value(0.0) ** -1

    def test_exp_overflow(self):
        with pytest.raises(OverflowError, match=r"^exp\(Value\(data=1000\.0\)\): math range error"):
            Value(1000.0).exp()

    def test_power_overflow(self):
        with pytest.raises(OverflowError, match=r"\*\*"):
            Value(10.0) ** 400

    def test_negative_base_with_fractional_exponent_is_not_complex(self):
        with pytest.raises(ValueError, match="negative base needs an integer exponent"):
            Value(-8.0) ** (1 / 3)

    def test_negative_base_with_integer_exponent_is_fine(self):
        x = Value(-2.0)
        (x**3).backward()
        assert x.grad == 12.0

    def test_a_result_of_nan_is_refused(self):
        inf = Value(math.inf)
        with pytest.raises(ValueError, match=r"^-\(.*\): the result is nan"):
            inf - inf

    def test_errors_name_an_intermediate_by_its_op(self):
        x = Value(2.0)
        with pytest.raises(ValueError, match=r"log\(Value\(data=-2\.0, op='neg'\)\)"):
            (-x).log()
