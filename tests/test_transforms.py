"""jvp, jacobian, hessian, hvp, has_aux, custom_gradient, backward(create_graph=True), ==.

Expected numbers come from hand derivations, exact fractions, `math` closed forms or
SymPy, never from the code under test; where two engine paths are compared (forward vs
reverse, compile vs eager) the test says so.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.testing import Expression, expressions, sympy_table


def clip(g, lo=-1.0, hi=1.0):
    """clip(g, lo, hi) with comparisons, so it works on floats and Values alike."""
    return max(lo, min(hi, g))


@ag.custom_gradient
def clip_gradient(x):
    """JAX's cookbook example: the identity going forward, the upstream gradient clipped
    to [-1, 1] going backward."""
    return x, lambda g: clip(g)


# -- jvp ------------------------------------------------------------------------------------


def test_jvp_of_a_product_by_hand():
    # d(xy) = y dx + x dy at (2, 3) in direction (0.5, -1): 3*0.5 + 2*(-1) = -0.5
    assert ag.jvp(lambda x, y: x * y, (2.0, 3.0), (0.5, -1.0)) == (6.0, -0.5)


def test_jvp_of_sin_is_cos_times_tangent():
    value, tangent = ag.jvp(ag.sin, (0.7,), (2.0,))
    assert (value, tangent) == pytest.approx((math.sin(0.7), 2.0 * math.cos(0.7)), rel=1e-15)
    assert type(value) is float and type(tangent) is float


def test_jvp_of_several_outputs_keeps_their_shape():
    out, tangents = ag.jvp(lambda x: (x * x, ag.exp(x), 3.0), (1.5,), (1.0,))
    assert out == pytest.approx((2.25, math.exp(1.5), 3.0))
    assert tangents == pytest.approx((3.0, math.exp(1.5), 0.0))
    assert isinstance(ag.jvp(lambda x: [x, x * x], (1.0,), (1.0,))[1], list)


@settings(max_examples=150)
@given(expressions(), st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_jvp_equals_the_gradient_dotted_with_the_tangent(expr: Expression, direction: list[float]):
    tangents = tuple(direction[: expr.n_inputs])
    value, tangent = ag.jvp(expr, expr.point, tangents)
    gradient = ag.grad(expr, argnums=tuple(range(expr.n_inputs)))(*expr.point)
    assert value == expr(*[Value(x) for x in expr.point]).data
    # Paths inside the graph can cancel to an exact 0 (atan2(sinh(asinh x), x) is constant),
    # which the two modes round differently (-5.6e-17 against 0): the strategies keep every
    # value within 50, so an absolute floor of 1e-12 is rounding, never a wrong rule.
    scale = sum(abs(g * t) for g, t in zip(gradient, tangents, strict=True))
    assert tangent == pytest.approx(
        sum(g * t for g, t in zip(gradient, tangents, strict=True)), rel=1e-9, abs=1e-12 * (scale + 1.0)
    )


def test_jvp_composes_with_grad_both_ways():
    f = lambda x: x**3 * ag.sin(x)  # noqa: E731
    x = 0.9
    f2 = 6 * x * math.sin(x) + 6 * x**2 * math.cos(x) - x**3 * math.sin(x)  # by hand
    assert ag.grad(lambda t: ag.jvp(f, (t,), (1.0,))[1])(x) == pytest.approx(f2, rel=1e-13)
    assert ag.jvp(ag.grad(f), (x,), (1.0,))[1] == pytest.approx(f2, rel=1e-13)
    f3 = 6 * math.sin(x) + 18 * x * math.cos(x) - 9 * x**2 * math.sin(x) - x**3 * math.cos(x)
    assert ag.jvp(lambda t: ag.jvp(ag.grad(f), (t,), (1.0,))[1], (x,), (1.0,))[1] == pytest.approx(f3, rel=1e-12)


def test_nested_jvp_of_a_closure_is_not_confused():
    # d/dx [ d/dy (x*y) at y = x ] = d/dx x = 1 (2 if the inner tangent leaked outward).
    inner = lambda x: ag.jvp(lambda y: x * y, (x,), (1.0,))[1]  # noqa: E731
    assert ag.jvp(inner, (3.0,), (1.0,)) == (3.0, 1.0)


def test_jvp_with_values_is_differentiable_in_primal_and_tangent():
    x, v = Value(2.0), Value(0.5)
    _, t = ag.jvp(lambda a: a**3, (x,), (v,))  # 3x²v
    assert isinstance(t, Value) and t.data == 6.0
    t.backward()
    assert (x.grad, v.grad) == (6.0 * 2.0 * 0.5, 12.0)  # ∂/∂x 3x²v = 6xv, ∂/∂v = 3x²


def test_a_zero_tangent_leaves_its_argument_out():
    # ∂/∂x sqrt(x) is infinite at 0, so x must not be pushed: the answer is ∂f/∂y exactly.
    assert ag.jvp(lambda x, y: ag.sqrt(x) + 3.0 * y, (0.0, 2.0), (0.0, 1.0)) == (6.0, 3.0)
    with pytest.raises(FloatingPointError, match="tangent became nan"):  # inf × 0, as backward refuses
        ag.jvp(lambda x, y: ag.sqrt(x * x) + y, (0.0, 2.0), (1.0, 1.0))


def test_jvp_ignores_the_ambient_mode():
    with ag.no_grad():
        assert ag.jvp(lambda x: x * x, (3.0,), (1.0,)) == (9.0, 6.0)
        _, t = ag.jvp(lambda x: x * x, (Value(3.0),), (1.0,))
    assert t.data == 6.0 and t.parents == ()  # right number, cut from the graph


def test_jvp_bad_calls():
    with pytest.raises(TypeError, match="primals must be a tuple"):
        ag.jvp(ag.sin, 1.0, (1.0,))
    with pytest.raises(TypeError, match="1 primals but 2 tangents"):
        ag.jvp(ag.sin, (1.0,), (1.0, 2.0))
    with pytest.raises(TypeError, match="tangent must be a number or a Value"):
        ag.jvp(ag.sin, (1.0,), ("1",))


def test_jvp_inside_compile_equals_eager():
    f = lambda x, y: ag.jvp(lambda a, b: ag.tanh(a * b) + a / b, (x, y), (0.3, -1.2))[1]  # noqa: E731
    step = ag.compile(f)
    for point in [(0.5, 1.5), (-1.0, 0.7), (2.0, -0.4)]:
        value, grads = step(*point)
        eager_value, eager_grads = ag.value_and_grad(f, argnums=(0, 1))(*point)
        assert value == pytest.approx(eager_value, rel=1e-12)
        assert grads == pytest.approx(eager_grads, rel=1e-12)
    assert step.fallbacks == 0


# -- jacobian, hessian, hvp ---------------------------------------------------------------


def test_jacobian_shapes_follow_jax():
    f = lambda x, y: x * y  # noqa: E731
    g = lambda x, y: (x * y, x + y, x - y)  # noqa: E731
    assert ag.jacobian(f)(2.0, 3.0) == 3.0
    assert ag.jacobian(f, (0, 1))(2.0, 3.0) == (3.0, 2.0)
    assert ag.jacobian(g)(2.0, 3.0) == (3.0, 1.0, 1.0)
    assert ag.jacobian(g, (0, 1))(2.0, 3.0) == ((3.0, 2.0), (1.0, 1.0), (1.0, -1.0))
    assert ag.jacobian(lambda x: [x, 2 * x])(1.0) == [1.0, 2.0]


def test_jacobian_forward_and_reverse_agree():
    # Three outputs of two arguments goes forward (2 sweeps); one of three goes reverse.
    g = lambda x, y, z: (ag.sin(x * y), ag.exp(y) * z)  # noqa: E731
    x, y, z = 0.3, -0.8, 1.7
    want = ((y * math.cos(x * y), x * math.cos(x * y), 0.0), (0.0, math.exp(y) * z, math.exp(y)))
    got = ag.jacobian(g, (0, 1, 2))(x, y, z)  # 2 outputs < 3 arguments: reverse
    for row, expected in zip(got, want, strict=True):
        assert row == pytest.approx(expected, rel=1e-15)
    columns = ag.jacobian(lambda x: g(x, y, z) + (x,), 0)(x)  # 3 outputs, 1 argument: forward
    assert columns == pytest.approx((want[0][0], want[1][0], 1.0), rel=1e-15)


def test_jacobian_of_jacobian_is_the_second_derivative():
    assert ag.jacobian(ag.jacobian(lambda x: (x * x, x**3)))(3.0) == (2.0, 18.0)


def test_hessian_of_tanh_matches_the_jax_cookbook():
    # The JAX autodiff cookbook prints grad(grad(tanh))(2.0) = -0.13621868 (float32) and
    # the third derivative 0.25265405; in closed form tanh'' = -2 t (1 - t²).
    t = math.tanh(2.0)
    assert ag.hessian(ag.tanh)(2.0) == pytest.approx(-2 * t * (1 - t * t), rel=1e-15)
    assert ag.hessian(ag.tanh)(2.0) == pytest.approx(-0.13621868, rel=1e-7)
    assert ag.grad(ag.hessian(ag.tanh))(2.0) == pytest.approx(0.25265405, rel=1e-7)


def test_hessian_of_two_arguments_matches_sympy():
    x, y = sympy.symbols("x y", real=True)
    formula = sympy.tanh(x * y) + x**3 / y
    want = [[float(sympy.diff(formula, a, b).subs({x: 0.4, y: 1.3})) for b in (x, y)] for a in (x, y)]
    got = ag.hessian(lambda x, y: ag.tanh(x * y) + x**3 / y, (0, 1))(0.4, 1.3)
    for row, expected in zip(got, want, strict=True):
        assert row == pytest.approx(expected, rel=1e-13)
    v = (0.7, -2.0)
    hv = ag.hvp(lambda x, y: ag.tanh(x * y) + x**3 / y, (0.4, 1.3), v)
    assert hv == pytest.approx(tuple(sum(r[j] * v[j] for j in range(2)) for r in want), rel=1e-13)


def _counterpart_hessian(expr: Expression) -> list[list[float]]:
    """SymPy's Hessian of the drawn graph at its point, at 30 digits."""
    xs = sympy.symbols(f"x0:{expr.n_inputs}", real=True)
    formula = expr.evaluate(xs, sympy_table())
    entries = [sympy.diff(formula, a, b) for a in xs for b in xs]
    modules = [{"Heaviside": lambda u, h=None: mpmath.mpf(u > 0), "DiracDelta": lambda u, k=0: mpmath.mpf(0)}, "mpmath"]
    with mpmath.workdps(30):
        values = sympy.lambdify(xs, entries, modules=modules)(*[mpmath.mpf(p) for p in expr.point])
    n = expr.n_inputs
    return [[float(values[i * n + j]) for j in range(n)] for i in range(n)]


@settings(max_examples=40)
@given(expressions(max_steps=7))
def test_hessian_is_symmetric_and_matches_sympy(expr: Expression):
    n = expr.n_inputs
    h = ag.hessian(expr, tuple(range(n)))(*expr.point)
    want = _counterpart_hessian(expr)
    for i in range(n):
        for j in range(n):
            assert h[i][j] == pytest.approx(want[i][j], rel=1e-8, abs=1e-8)
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-9)


def test_newton_steps_with_hessian_match_dezero():
    # DeZero step 33: f(x) = x⁴ - 2x², x ← x - f'(x)/f''(x) from 2 converges to 1.
    # Expected iterates in exact fractions: f' = 4x³ - 4x, f'' = 12x² - 4.
    f = lambda x: x**4 - 2 * x**2  # noqa: E731
    exact, x = Fraction(2), 2.0
    for _ in range(4):
        exact = exact - (4 * exact**3 - 4 * exact) / (12 * exact**2 - 4)
        x = x - ag.grad(f)(x) / ag.hessian(f)(x)
        assert x == pytest.approx(float(exact), rel=1e-14)
    assert float(Fraction(16, 11)) == pytest.approx(1.4545454545, rel=1e-10)


# -- has_aux --------------------------------------------------------------------------------


def test_has_aux_returns_aux_untouched():
    aux = {"note": "anything"}
    f = lambda x, y: (x * x * y, aux)  # noqa: E731
    g, a = ag.grad(f, argnums=(0, 1), has_aux=True)(3.0, 2.0)
    assert g == (12.0, 9.0) and a is aux
    (value, a), g = ag.value_and_grad(f, has_aux=True)(3.0, 2.0)
    assert (value, g) == (18.0, 12.0) and a is aux


def test_has_aux_inside_grad_and_with_keywords():
    # The aux can carry intermediate Values; the outer grad differentiates the gradient.
    inner = lambda x, c: (c * x**3, x * x)  # noqa: E731
    second = ag.grad(lambda x: ag.grad(inner, has_aux=True)(x, c=2.0)[0])(1.5)
    assert second == 12 * 1.5  # d/dx 6x² = 12x


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match=r"has_aux=True, so it must return a pair \(value, aux\), got Value"):
        ag.grad(lambda x: x * x, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="got tuple of length 3"):
        ag.value_and_grad(lambda x: (x, 1, 2), has_aux=True)(1.0)


# -- custom_gradient --------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.5, 1.4, -2.9])
def test_clip_gradient_through_every_path(x):
    # f(x) = sin(clip_gradient(x)) * 3: the gradient reaching the clip node is 3 cos x,
    # clipped to [-1, 1]; the value is sin(x) * 3 as without the clip.
    f = lambda t: ag.sin(clip_gradient(t)) * 3.0  # noqa: E731
    want = max(-1.0, min(1.0, 3.0 * math.cos(x)))
    assert ag.grad(f)(x) == pytest.approx(want, rel=1e-15)
    assert ag.value_and_grad(f)(x) == pytest.approx((3.0 * math.sin(x), want), rel=1e-15)
    leaf = Value(x)
    f(leaf).backward()
    assert leaf.grad == pytest.approx(want, rel=1e-15)
    step = ag.compile(f)
    for _ in range(2):  # the replay falls back to the eager engine for the gradient
        value, (slope,) = step(x)
        assert (value, slope) == pytest.approx((3.0 * math.sin(x), want), rel=1e-15)


def test_clip_gradient_at_numbers_is_the_forward():
    assert clip_gradient(2.5) == 2.5 and clip_gradient.__name__ == "clip_gradient"


def test_custom_gradient_of_two_arguments():
    @ag.custom_gradient
    def scaled_product(a, b):
        # forward a*b; backward deliberately not the derivative: (10 g b, g a)
        return a * b, lambda g: (10 * g * b, g * a)

    assert ag.grad(lambda a, b: scaled_product(a, b) + a, argnums=(0, 1))(2.0, 3.0) == (31.0, 2.0)
    assert ag.grad(lambda a: scaled_product(a, 4.0))(2.0) == 40.0  # a number operand is a constant


def test_custom_gradient_at_second_order_differentiates_the_backward_rule():
    @ag.custom_gradient
    def softplus(x):
        return ag.log(1.0 + ag.exp(x)), lambda g: g * ag.sigmoid(x)

    s = 1 / (1 + math.exp(-0.3))
    assert ag.grad(softplus)(0.3) == pytest.approx(s, rel=1e-15)
    assert ag.grad(ag.grad(softplus))(0.3) == pytest.approx(s * (1 - s), rel=1e-14)
    x = Value(0.3)
    softplus(x).backward(create_graph=True)
    g, x.grad = x.grad, 0.0
    g.backward()
    assert x.grad == pytest.approx(s * (1 - s), rel=1e-14)
    # clip's rule does not depend on x at all: the second derivative is 0.
    assert ag.grad(ag.grad(lambda t: clip_gradient(t * t)))(2.0) == 2.0


def test_custom_gradient_refuses_what_it_cannot_do():
    @ag.custom_gradient
    def float_only(x):
        return math.exp(x), lambda g: g * math.exp(x)

    assert ag.grad(float_only)(0.0) == 1.0
    with pytest.raises(TypeError, match="cannot become a plain float"):
        ag.grad(ag.grad(float_only))(0.0)  # second order runs the rule on Values
    with pytest.raises(TypeError, match="custom_gradient function, which states only a backward rule"):
        ag.jvp(clip_gradient, (1.0,), (1.0,))
    with pytest.raises(TypeError, match="custom_gradient function"):  # its node is in grad's graph
        ag.hessian(lambda t: clip_gradient(t) ** 3)(0.5)
    # Reverse over reverse clips at both orders: d/dt of clip(3t²) reaching t through the
    # clip node again, clip(6t): 0.6 at t = 0.1, clipped to 1 at t = 0.5.
    assert ag.grad(ag.grad(lambda t: clip_gradient(t) ** 3))(0.1) == pytest.approx(0.6, rel=1e-15)
    assert ag.grad(ag.grad(lambda t: clip_gradient(t) ** 3))(0.5) == 1.0
    with pytest.raises(TypeError, match="returned 2 gradient"):
        ag.grad(ag.custom_gradient(lambda x: (x, lambda g: (g, g))))(1.0)
    with pytest.raises(TypeError, match="takes one or two arguments"):
        ag.custom_gradient(lambda a, b, c: (a, lambda g: (g, g, g)))(1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="has no local derivative"):
        clip_gradient(Value(1.0)).local_grads()


# -- backward(create_graph=True) -----------------------------------------------------------


def test_create_graph_gives_the_second_derivative():
    x = Value(2.0)
    y = x**4 - 2 * x**2
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.data == 24.0  # 4x³ - 4x
    x.grad = 0.0
    g.backward()
    assert x.grad == 44.0  # 12x² - 4
    plain = Value(2.0)
    (plain**4 - 2 * plain**2).backward()
    assert type(plain.grad) is float and plain.grad == 24.0


def test_newton_with_double_backward_matches_dezero():
    # DeZero step 33, verbatim in spirit: backward(create_graph=True), clear, backward.
    exact = Fraction(2)
    x = Value(2.0)
    for _ in range(6):
        exact = exact - (4 * exact**3 - 4 * exact) / (12 * exact**2 - 4)
        y = x**4 - 2 * x**2
        x.grad = 0.0
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = 0.0
        gx.backward()
        x.data = x.data - gx.data / x.grad
        assert x.data == pytest.approx(float(exact), rel=1e-14)
    assert exact.numerator / exact.denominator == pytest.approx(1.0, abs=1e-11)
    assert float(Fraction(16, 11)) == 1.4545454545454546


def test_create_graph_leaves_accumulate_and_zero_grad_resets():
    x = Value(3.0)
    y = x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    y.backward()  # a float pass accumulates onto the Value
    assert x.grad.data == 18.0
    y.zero_grad()
    assert x.grad == 0.0 and type(x.grad) is float


def test_create_graph_refuses_stale_data():
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    g, x.grad = x.grad, 0.0
    x.data = 5.0
    with pytest.raises(RuntimeError, match="had its data assigned after"):
        g.backward()
    with pytest.raises(RuntimeError, match="had its data assigned after"):
        y.backward(create_graph=True)


def test_create_graph_works_under_no_grad():
    x = Value(1.5)
    y = x.tanh()
    with ag.no_grad():
        y.backward(create_graph=True)
    g, x.grad = x.grad, 0.0
    g.backward()
    t = math.tanh(1.5)
    assert x.grad == pytest.approx(-2 * t * (1 - t * t), rel=1e-15)


# -- == compares numbers, so a transform agrees with the function ---------------------------


def _equality_functions():
    return [
        (lambda x, y: (x == y) + 0.0, [(1.0, 1.0), (1.0, 2.0)]),
        (lambda x, y: x * y if x == y else x + y, [(2.0, 2.0), (2.0, 3.0)]),
        (lambda x, y: float(x != y) * x, [(1.0, 1.0), (0.5, 1.0)]),
        (lambda x, y: Value(5.0), [(1.0, 1.0)]),
        (lambda x, y: 3, [(1.0, 1.0)]),
        (lambda x, y: x * (1.0 if x == 0.0 else 2.0), [(0.0, 1.0), (3.0, 1.0)]),
    ]


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_value_and_grad_value_equals_the_function(index, argnums):
    f, points = _equality_functions()[index]
    for point in points:
        assert ag.value_and_grad(f, argnums)(*point)[0] == f(*point)
        assert ag.jvp(f, point, (1.0, 1.0))[0] == f(*point)


@settings(max_examples=60)
@given(expressions())
def test_value_and_grad_value_equals_the_function_on_random_graphs(expr: Expression):
    assert ag.value_and_grad(expr, tuple(range(expr.n_inputs)))(*expr.point)[0] == expr(*expr.point)


def test_equality_compares_numbers_and_hash_stays_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == b and a == 1.0 and not (a != b) and a != 2.0
    assert len({a, b}) == 2 and {a: "a", b: "b"}[b] == "b"
    assert (a == "1") is False


def test_a_function_returning_a_bool_is_refused():
    with pytest.raises(TypeError, match="got bool; a comparison has no derivative"):
        ag.grad(lambda x, y: x == y)(1.0, 1.0)


def test_compile_guards_equality():
    step = ag.compile(lambda x, y: x * y if x == y else x + y)
    assert step(2.0, 2.0) == (4.0, (2.0, 2.0))
    assert step(2.0, 3.0) == (5.0, (1.0, 1.0))
    assert step.trace_count == 2
