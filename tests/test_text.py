"""The shared text helpers: how numbers, nodes and tables are written everywhere."""

import pytest

from autograd_scalar import Value
from autograd_scalar.core.text import display_name, format_number, table


@pytest.mark.parametrize(
    ("x", "precision", "text"),
    [
        (220.00000000000003, 6, "220"),
        (2.2000000000000002, 6, "2.2"),
        (-3.416146836547142, 10, "-3.416146837"),
        (1e200, 6, "1e+200"),
        (float("inf"), 6, "inf"),
        (0.1234, 1, "0.1"),
        (-0.0, 6, "-0"),
    ],
)
def test_format_number_is_significant_digits(x, precision, text):
    assert format_number(x, precision) == text


def test_format_number_can_drop_the_sign_of_zero_and_only_of_zero():
    assert format_number(-0.0, 6, signed_zero=False) == "0"
    assert format_number(-1e-300, 6, signed_zero=False) == "-1e-300"
    assert format_number(-2.5, 6, signed_zero=False) == "-2.5"


def test_display_name_is_the_label_else_the_op_else_leaf():
    x = Value(2.0)
    y = x * 3
    assert display_name(x) == "leaf" and display_name(y) == "(*)"
    y.label = "y"
    assert display_name(y) == "y"


def test_table_aligns_columns_and_cuts_trailing_spaces():
    rows = [("x", "2", "-3.4"), ("long name", "-3", "")]
    assert table(("name", "value", "grad"), rows).splitlines() == [
        "name       value  grad",
        "---------  -----  ----",
        "x          2      -3.4",
        "long name  -3",
    ]
    assert table(("name", "value", "grad"), rows, rule=False).splitlines()[:2] == [
        "name       value  grad",
        "x          2      -3.4",
    ]
