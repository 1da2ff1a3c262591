"""The rows added to the op table: numerics at the extremes, kinks and edges, parameters,
and compile's inline templates against eager evaluation on both sides of every kink.

Derivatives against closed forms and finite differences, first and second order, run over
`op_table.py` (test_ops.py); third order through the SymPy oracle; PyTorch's choices at
the kinks in test_torch_crosscheck.py.
"""

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.app.expression import FUNCTIONS, parse
from autograd_scalar.core import ops


def d(f, *args):
    """Every first partial of f at args, as a tuple."""
    return tuple(ag.grad(f, argnums=tuple(range(len(args))))(*args))


# -- numerics ---------------------------------------------------------------------------------


def test_softplus_saturates_exactly():
    assert ag.softplus(1000.0) == 1000.0 and d(ag.softplus, 1000.0) == (1.0,)
    assert ag.softplus(-1000.0) == 0.0 and d(ag.softplus, -1000.0) == (0.0,)
    assert ag.softplus(-40.0) == pytest.approx(math.exp(-40.0), rel=1e-15)


def test_log1p_and_expm1_keep_every_digit_near_zero():
    # log1p(x) = x - x²/2 + ..., expm1(x) = x + x²/2 + ...: 1e-12 ∓ 5e-25, to the last bit.
    assert ag.log1p(1e-12) == 9.999999999995e-13 and ag.expm1(1e-12) == 1.0000000000005e-12
    assert d(ag.log1p, 1e-12) == (pytest.approx(1 - 1e-12, rel=1e-16),)
    assert d(ag.expm1, 1e-12) == (pytest.approx(1 + 1e-12, rel=1e-16),)
    assert ag.expm1(-40.0) == -1.0 and d(ag.expm1, -40.0) == (pytest.approx(math.exp(-40.0), rel=1e-15),)


@pytest.mark.parametrize("y, x", [(1, 2), (2, -1), (-1, -2), (-2, 1), (0, 1), (1, 0), (0.0, -1), (-0.0, -1), (-1, 0)])
def test_atan2_in_every_quadrant_and_on_the_axes(y, x):
    y, x = float(y), float(x)
    assert ag.atan2(Value(y), x).data == math.atan2(y, x)  # -0.0 below the negative x-axis: -π
    r2 = x * x + y * y
    assert d(ag.atan2, y, x) == pytest.approx((x / r2, -y / r2), rel=1e-15)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_atan2_and_hypot_neither_overflow_nor_underflow(scale):
    assert ag.hypot(Value(scale), scale).data == pytest.approx(math.sqrt(2) * scale, rel=1e-15)
    assert d(ag.hypot, scale, scale) == pytest.approx((math.sqrt(0.5),) * 2, rel=1e-15)
    assert d(ag.atan2, scale, scale) == pytest.approx((0.5 / scale, -0.5 / scale), rel=1e-15)
    assert d(ag.asinh, scale) == (pytest.approx(1 / math.hypot(scale, 1.0), rel=1e-15),)
    assert d(ag.acosh, 1e200) == (pytest.approx(1e-200, rel=1e-15),)


@pytest.mark.parametrize("op", [ag.gelu, ag.silu, ag.elu, ag.softplus, ag.leaky_relu], ids=lambda op: op.name)
@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e300, -1e300])
def test_activations_are_stable_far_out(op, x):
    value = op(x)
    assert math.isfinite(value)
    first, second = ag.grad(op)(x), ag.grad(ag.grad(op))(x)
    assert math.isfinite(first) and second == 0.0
    if x > 0:
        assert (value, first) == (x, 1.0)
    else:
        expected = {"elu": -1.0, "leaky_relu": 0.01 * x}.get(op.name, 0.0)
        assert value == expected and first == (0.01 if op.name == "leaky_relu" else 0.0)


def test_gelu_keeps_its_left_tail():
    # x·Φ(x) at -10: Φ(-10) = 7.62e-24, which 1 + erf(x/√2) would round to 0.
    assert ag.gelu(-10.0) == pytest.approx(-10 * 7.619853024160526e-24, rel=1e-13)


# -- kinks and edges (each a row of the README's table; PyTorch's choices, checked against
# torch in test_torch_crosscheck.py) ----------------------------------------------------------


@pytest.mark.parametrize(
    "f, args, expected",
    [
        (ag.relu, (0.0,), (0.0,)),
        (ag.abs, (0.0,), (0.0,)),
        (abs, (0.0,), (0.0,)),
        (ag.sign, (0.0,), (0.0,)),
        (ag.floor, (2.0,), (0.0,)),
        (ag.ceil, (-1.0,), (0.0,)),
        (ag.leaky_relu, (0.0,), (0.01,)),
        (lambda x: ag.leaky_relu(x, 0.2), (0.0,), (0.2,)),
        (ag.elu, (0.0,), (1.0,)),
        (lambda a: ag.maximum(a, a), (1.5,), (1.0,)),  # 0.5 + 0.5
        (ag.maximum, (1.5, 1.5), (0.5, 0.5)),
        (ag.minimum, (1.5, 1.5), (0.5, 0.5)),
        (ag.clip, (-1.0,), (1.0,)),
        (ag.clip, (1.0,), (1.0,)),
        (lambda x: ag.clip(x, 0, 6), (6.0,), (1.0,)),
        (lambda x: ag.clip(x, 0, 6), (6.5,), (0.0,)),
        (ops.MOD, (3.0, 1.5), (1.0, -2.0)),
        (ops.MOD, (-3.0, 1.5), (1.0, 2.0)),
        (ops.MOD, (1.0, 0.1), (1.0, -9.0)),  # 1.0 // 0.1 is 9: 0.1 is a little above 1/10
        (ag.atan2, (0.0, 0.0), (0.0, 0.0)),
        (ag.asin, (1.0,), (math.inf,)),
        (ag.asin, (-1.0,), (math.inf,)),
        (ag.acos, (1.0,), (-math.inf,)),
        (ag.acosh, (1.0,), (math.inf,)),
        (lambda a, b: ag.where(False, a, b), (1.0, 2.0), (0.0, 1.0)),
    ],
)
def test_derivative_chosen_at_a_kink(f, args, expected):
    assert d(f, *args) == expected


def test_elu_second_derivative_at_zero_is_that_of_the_right_side():
    assert ag.grad(ag.grad(ag.elu))(0.0) == 0.0 and ag.grad(ag.grad(ag.elu))(-1e-9) == pytest.approx(1.0)


def test_hypot_at_the_origin_has_no_derivative():
    assert ag.hypot(0.0, 0.0) == 0.0
    x, y = Value(0.0), Value(0.0)
    h = ag.hypot(x, y)
    with pytest.raises(FloatingPointError, match=r"op='hypot'"):
        h.backward()


def test_domain_errors_name_the_op():
    for op, x in [(ag.asin, 1.5), (ag.acosh, 0.5), (ag.atanh, 1.0), (ag.log1p, -1.0), (ag.log2, 0.0)]:
        with pytest.raises(ValueError, match=rf"^{op.name}\(Value\(data={x!r}\)\): math domain error"):
            op(Value(x))
    with pytest.raises(OverflowError, match=r"^exp2\(.*math range error"):
        ag.exp2(Value(2000.0))
    with pytest.raises(ZeroDivisionError, match=r"^%\("):
        ops.MOD(Value(1.0), 0.0)


# -- parameters, conditions, numbers on either side ---------------------------------------


def test_leaky_relu_slope_is_a_plain_number_parameter():
    x = Value(-2.0)
    assert ag.leaky_relu(x).data == -0.02 and ag.leaky_relu(x).op == "leaky_relu"
    assert ag.leaky_relu(x, 0.2).data == ag.leaky_relu(x, negative_slope=0.2).data == -0.4
    assert ag.leaky_relu(x, 0.2).op == "leaky_relu[0.2]"
    assert ag.leaky_relu(x, 0.2)._op is ag.leaky_relu(Value(1.0), 0.2)._op  # one op per slope
    assert ag.leaky_relu(-3, 0.5) == -1.5  # numbers in, a float out
    with pytest.raises(TypeError, match="negative_slope must be a plain number.*Value"):
        ag.leaky_relu(x, Value(0.2))
    with pytest.raises(ValueError, match="nan"):
        ag.leaky_relu(x, math.nan)


def test_clip_bounds_are_plain_numbers():
    assert [ag.clip(t) for t in (-3.0, 0.5, 3.0)] == [-1.0, 0.5, 1.0]
    assert ag.clip(Value(7.0), 0, 6).data == 6.0 and ag.clip(Value(7.0), high=6, low=0).op == "clip[0,6]"
    assert ag.clip(Value(-5.0), 0.0, math.inf).data == 0.0
    with pytest.raises(ValueError, match="low"):
        ag.clip(Value(1.0), 2.0, 1.0)
    with pytest.raises(TypeError, match="high must be a plain number"):
        ag.clip(Value(1.0), 0.0, Value(2.0))


def test_where_takes_a_bool_decided_at_the_call():
    def f(x):
        return ag.where(x > 0, x * x, -3.0 * x)

    assert (ag.grad(f)(2.0), ag.grad(f)(-2.0)) == (4.0, -3.0)
    assert ag.where(True, 1.0, 2.0) == 1.0 and ag.where(False, 1, 2) == 2.0
    x = Value(1.0)
    assert ag.where(False, x, 5.0).parents[0] is x  # the other operand stays in the graph
    with pytest.raises(TypeError, match="condition must be a bool"):
        ag.where(x, x, x)
    with pytest.raises(TypeError, match="3 arguments"):
        ag.where(True, x)


@pytest.mark.parametrize("op", [ag.atan2, ag.hypot, ag.minimum, ag.maximum, ops.MOD], ids=lambda op: op.name)
def test_binary_ops_take_a_number_on_either_side(op):
    a, b = 1.25, -0.75
    both = op(Value(a), Value(b)).data
    assert op(Value(a), b).data == op(a, Value(b)).data == op(a, b) == both
    assert d(lambda x: op(x, b), a) == (d(op, a, b)[0],)
    assert d(lambda y: op(a, y), b) == (d(op, a, b)[1],)


@pytest.mark.xfail(not hasattr(Value, "__mod__"), reason="Value.__mod__ / __rmod__ not wired yet", strict=True)
def test_percent_operator():
    a = Value(7.5)
    assert (a % 2).data == 1.5 and (-a % 2).data == 0.5 and (10 % a).data == 2.5
    assert (a % 2).op == "%"
    assert d(lambda x, y: x % y, 7.5, 2.0) == (1.0, -3.0)


def test_abs_is_public_and_the_builtin_still_works():
    assert ag.abs(-3) == 3.0 and ag.abs is ops.ABS
    assert abs(Value(-2.0)).op == ag.abs(Value(-2.0)).op == "abs"
    assert "abs" in ag.__all__


def test_the_command_line_parser_knows_the_new_functions():
    assert {"gelu", "atan2", "clip", "abs"} <= set(FUNCTIONS)
    assert "where" not in FUNCTIONS  # its condition is a bool, and expressions have no comparisons
    value = parse("gelu(x) + asinh(x) * erf(x) - leaky_relu(-x) + floor(x)").evaluate({"x": 0.5})
    assert value.data == pytest.approx(ag.gelu(0.5) + ag.asinh(0.5) * ag.erf(0.5) + 0.005, rel=1e-15)


def test_the_command_line_parser_takes_two_operand_functions():
    value = parse("atan2(y, x) + hypot(x, y) + maximum(x, 1)").evaluate({"x": 1.0, "y": 2.0})
    assert value.data == pytest.approx(math.atan2(2, 1) + math.hypot(1, 2) + 1.0)


# -- compile: the inline templates equal eager evaluation on both sides of every kink -----------


def eager(f, *args):
    value, grads = ag.value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    return value, tuple(grads)


# Each op with the points to replay it at: on and on both sides of each kink or edge,
# and far out. One compiled function per op replays every point (no retracing needed:
# the templates branch by themselves).
COMPILE_POINTS = {
    "abs": [(-1.5,), (0.0,), (2.0,)],
    "tan": [(-1.2,), (0.3,)],
    "asin": [(-1.0,), (-0.4,), (0.9,), (1.0,)],
    "acos": [(-1.0,), (0.2,), (1.0,)],
    "atan": [(-30.0,), (0.7,)],
    "atan2": [(1.0, 2.0), (1.0, -2.0), (-1.0, -2.0), (-1.0, 2.0), (0.0, -1.0), (0.0, 0.0), (1e-200, 1e-200)],
    "sinh": [(-2.0,), (0.5,)],
    "cosh": [(-2.0,), (0.5,)],
    "asinh": [(-3.0,), (1e200,)],
    "acosh": [(1.0,), (1.5,), (1e200,)],
    "atanh": [(-0.9,), (0.3,)],
    "log1p": [(-0.9,), (1e-12,), (4.0,)],
    "expm1": [(-40.0,), (1e-12,), (2.0,)],
    "log2": [(0.5,), (8.0,)],
    "log10": [(0.01,), (3.0,)],
    "exp2": [(-3.0,), (0.5,), (10.0,)],
    "hypot": [(3.0, 4.0), (-1.0, 0.5), (1e200, 1e200)],
    "erf": [(-1.0,), (0.0,), (4.0,)],
    "softplus": [(-1000.0,), (-1.0,), (0.0,), (2.0,), (1000.0,)],
    "gelu": [(-1000.0,), (-1.0,), (0.0,), (2.0,), (1000.0,)],
    "silu": [(-1000.0,), (-1.0,), (0.0,), (2.0,), (1000.0,)],
    "elu": [(-1000.0,), (-1.0,), (0.0,), (2.0,)],
    "leaky_relu": [(-1.0,), (0.0,), (2.0,)],
    "sign": [(-1.0,), (0.0,), (2.0,)],
    "floor": [(-1.5,), (-1.0,), (0.0,), (2.5,)],
    "ceil": [(-1.5,), (-1.0,), (0.0,), (2.5,)],
    "minimum": [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)],
    "maximum": [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)],
    "clip": [(-2.0,), (-1.0,), (0.5,), (1.0,), (2.0,)],
    "where": [(1.0, 2.0), (-3.0, 0.5)],
}
ALSO = {  # the forms with parameters, the other choice of where, % and a tie on one node
    "leaky_relu(0.2)": (lambda x: ag.leaky_relu(x, 0.2), [(-1.0,), (0.0,), (2.0,)]),
    "clip(0, inf)": (lambda x: ag.clip(x, 0, math.inf), [(-1.0,), (0.0,), (2.0,)]),
    "where(False)": (lambda a, b: ag.where(False, a, b), [(1.0, 2.0)]),
    "%": (ops.MOD, [(3.5, 1.5), (3.0, 1.5), (-3.5, 1.5), (3.5, -1.5), (1.0, 0.1), (0.0, 2.0)]),
    "maximum(a, a)": (lambda a: ag.maximum(a, a), [(1.0,), (-2.0,)]),
    "minimum(a, a)": (lambda a: ag.minimum(a, a), [(1.0,)]),
}


def test_every_new_row_has_compile_points():
    assert set(COMPILE_POINTS) == set(ops.PUBLIC) - {"exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt"}


CASES = [(name, ops.PUBLIC[name], points) for name, points in COMPILE_POINTS.items()] + [
    (name, f, points) for name, (f, points) in ALSO.items()
]


@pytest.mark.parametrize("name, f, points", CASES, ids=[c[0] for c in CASES])
def test_compiled_equals_eager(name, f, points):
    step = ag.compile(f)
    for point in points:
        compiled, expected = step(*point), eager(f, *point)
        assert compiled[0] == pytest.approx(expected[0], rel=1e-15, abs=0.0), (name, point)
        assert compiled[1] == pytest.approx(expected[1], rel=1e-15, abs=0.0), (name, point)
    # Every point replayed the one trace through the op's template, never through eager.
    assert (step.trace_count, step.fallbacks) == (1, 0), name
    assert ".forward(" not in step.source and ".local_grad(" not in step.source


@pytest.mark.parametrize("name, f, points", CASES, ids=[c[0] for c in CASES])
def test_compiled_second_derivative_equals_eager(name, f, points):
    # Nested grad inside compile runs the rules on Values: they must branch by comparing
    # operands (recorded as guards, so the other side of a kink retraces), never by
    # reading a number (which tracing refuses).
    def slope(*args):
        return ag.grad(f, argnums=0)(*args)

    step = ag.compile(slope)
    for point in points:
        try:
            expected = eager(slope, *point)
        except (FloatingPointError, ValueError) as refused:
            # An infinite derivative met a zero, or a second derivative at an edge where the
            # slope is infinite: compile must refuse the same way.
            with pytest.raises(type(refused)) as replayed:
                step(*point)
            assert str(replayed.value) == str(refused), (name, point)
            continue
        compiled = step(*point)
        assert compiled[0] == pytest.approx(expected[0], rel=1e-15, abs=0.0), (name, point)
        assert compiled[1] == pytest.approx(expected[1], rel=1e-15, abs=0.0), (name, point)
