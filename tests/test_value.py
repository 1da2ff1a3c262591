"""The Value node: construction, attributes, operators, identity."""

import fractions
import math

import pytest

from autograd_scalar import Value


class TestConstruction:
    def test_int_data_is_kept_as_float(self):
        v = Value(3)
        assert v.data == 3.0 and type(v.data) is float

    def test_fresh_value_is_a_leaf_with_zero_grad(self):
        v = Value(2.5, "w")
        assert (v.grad, v.label, v.op, v.parents) == (0.0, "w", "", ())

    def test_other_real_numbers_are_accepted(self):
        assert Value(fractions.Fraction(1, 4)).data == 0.25

    @pytest.mark.parametrize("bad", ["3", None, True, False, [1.0], 1j])
    def test_non_numbers_are_refused_with_what_was_given(self, bad):
        with pytest.raises(TypeError, match=rf"Value: expected an int or a float, got {type(bad).__name__}"):
            Value(bad)

    def test_a_value_is_not_data(self):
        with pytest.raises(TypeError, match="got Value"):
            Value(Value(1.0))

    def test_nan_is_refused(self):
        with pytest.raises(ValueError, match="nan"):
            Value(math.nan)

    def test_infinity_is_allowed(self):
        assert Value(math.inf).data == math.inf


class TestGraphRecording:
    def test_parents_are_in_operand_order(self):
        a, b = Value(1.0), Value(2.0)
        assert (a - b).parents == (a, b)
        assert (b - a).parents == (b, a)

    def test_square_keeps_both_parents(self):
        x = Value(3.0)
        y = x * x
        assert y.parents == (x, x)
        y.backward()
        assert x.grad == 6.0

    @pytest.mark.parametrize(
        ("make", "op"),
        [
            (lambda a, b: a + b, "+"),
            (lambda a, b: a - b, "-"),
            (lambda a, b: a * b, "*"),
            (lambda a, b: a / b, "/"),
            (lambda a, b: a**b, "**"),
            (lambda a, b: -a, "neg"),
            (lambda a, b: abs(a), "abs"),
            (lambda a, b: a**2, "**2"),
            (lambda a, b: a.exp(), "exp"),
            (lambda a, b: a.log(), "log"),
            (lambda a, b: a.tanh(), "tanh"),
            (lambda a, b: a.sigmoid(), "sigmoid"),
            (lambda a, b: a.relu(), "relu"),
            (lambda a, b: a.sin(), "sin"),
            (lambda a, b: a.cos(), "cos"),
            (lambda a, b: a.sqrt(), "sqrt"),
        ],
    )
    def test_op_names(self, make, op):
        assert make(Value(2.0), Value(3.0)).op == op

    def test_numbers_on_either_side_become_constant_leaves(self):
        x = Value(2.0)
        for y in (x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x):
            constant = next(p for p in y.parents if p is not x)
            assert constant.parents == () and constant.op == ""
        assert (1 - x).data == -1.0 and (2 / x).data == 1.0

    def test_number_base_and_value_exponent(self):
        x = Value(3.0)
        y = 2**x
        assert y.data == 8.0 and y.op == "**"
        y.backward()
        assert x.grad == pytest.approx(8.0 * math.log(2.0))

    def test_value_exponent_has_both_partials(self):
        a, b = Value(2.0), Value(3.0)
        (a**b).backward()
        assert a.grad == pytest.approx(12.0)
        assert b.grad == pytest.approx(8.0 * math.log(2.0))

    def test_number_exponent_is_part_of_the_op(self):
        x = Value(2.0)
        assert (x**3).parents == (x,)

    def test_unsupported_operand_types_raise_type_error(self):
        x = Value(1.0)
        for bad in ("a", None, True, [1]):
            with pytest.raises(TypeError):
                x + bad
            with pytest.raises(TypeError):
                bad * x
            with pytest.raises(TypeError):
                x**bad

    def test_unary_plus_is_the_same_node(self):
        x = Value(1.0)
        assert +x is x


class TestIdentity:
    def test_equality_compares_numbers_and_hashing_stays_identity(self):
        a, b = Value(1.0), Value(1.0)
        assert a == b and a == 1.0 and a != Value(2.0)
        assert hash(a) != hash(b)

    def test_values_are_usable_in_sets_and_dicts(self):
        a, b = Value(1.0), Value(1.0)
        assert len({a, b, a}) == 2
        assert {a: "a", b: "b"}[b] == "b"

    def test_the_number_is_read_with_data_or_item(self):
        assert Value(2.5).data == 2.5
        assert Value(2.5).item() == 2.5


class TestRepr:
    def test_leaf(self):
        assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"

    def test_label_and_op(self):
        y = Value(2.0) * Value(3.0)
        y.label = "y"
        y.backward()
        assert repr(y) == "Value(data=6.0, grad=1.0, label='y', op='*')"

    def test_label_is_settable(self):
        v = Value(1.0)
        v.label = "bias"
        assert v.label == "bias"


class TestLocalGrads:
    def test_product(self):
        a, b = Value(2.0), Value(5.0)
        assert (a * b).local_grads() == (5.0, 2.0)

    def test_leaf_has_none(self):
        assert Value(1.0).local_grads() == ()

    def test_unary(self):
        assert Value(0.0).tanh().local_grads() == (1.0,)


class TestOrdering:
    def test_comparisons_use_data_and_return_bools(self):
        x, y = Value(2.0), Value(3.0)
        assert (x < y, x <= y, x > y, x >= y) == (True, True, False, False)
        assert (x > 1, x < 1.5, 3 > x, x >= 2) == (True, False, True, True)

    def test_equality_compares_data_like_the_orderings(self):
        assert Value(2.0) == Value(2.0) and Value(2.0) == 2.0 and 2.0 == Value(2.0)
        assert Value(2.0) != 3.0 and not (Value(2.0) != 2.0)

    def test_comparing_with_other_types_is_a_type_error(self):
        with pytest.raises(TypeError):
            assert Value(1.0) < "a"

    def test_values_still_hash_by_identity(self):
        x = Value(1.0)
        assert {x: 1}[x] == 1
