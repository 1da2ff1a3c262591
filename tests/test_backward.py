"""The backward pass: accumulation, shared nodes, depth, memory, no_grad, detach, NaN."""

import gc
import math
import sys
import threading

import pytest

import autograd_scalar as ag
from autograd_scalar import Value


def test_shop_receipt_gradients():
    apple, count, tax = Value(100), Value(2), Value(1.1)
    price = apple * count * tax
    price.backward()
    assert price.data == pytest.approx(220)
    assert (apple.grad, count.grad, tax.grad) == pytest.approx((2.2, 110, 200))


# d = tanh(c + a) · c with c = a · b, at a = 1.5, b = -0.5: c = -0.75, c + a = 0.75.
# c reaches d twice (inside tanh and as the factor), so with t = tanh(0.75)
#   ∂d/∂c = t + c (1 - t²),  ∂d/∂a = ∂d/∂c · b + c (1 - t²),  ∂d/∂b = ∂d/∂c · a.
T = math.tanh(0.75)
D_DC = T + -0.75 * (1 - T * T)
D_DA = D_DC * -0.5 + -0.75 * (1 - T * T)
D_DB = D_DC * 1.5


class TestRepeatedBackward:
    def build(self):
        a, b = Value(1.5), Value(-0.5)
        c = a * b
        d = (c + a).tanh() * c
        return a, b, c, d

    def test_second_call_doubles_every_leaf_exactly(self):
        a, b, _, d = self.build()
        d.backward()
        once = (a.grad, b.grad)
        assert once == pytest.approx((D_DA, D_DB), rel=1e-12)
        d.backward()
        assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])

    def test_intermediates_hold_the_latest_pass(self):
        _, _, c, d = self.build()
        d.backward()
        first = c.grad
        assert first == pytest.approx(D_DC, rel=1e-12)
        d.backward()
        assert c.grad == first and d.grad == 1.0

    def test_zero_grad_resets_the_whole_graph(self):
        a, b, c, d = self.build()
        d.backward()
        d.zero_grad()
        assert all(v.grad == 0.0 for v in (a, b, c, d))
        d.backward()
        a_once = a.grad
        assert a_once == pytest.approx(D_DA, rel=1e-12)
        d.zero_grad()
        d.backward()
        assert a.grad == a_once

    def test_backward_of_a_leaf_seeds_it(self):
        x = Value(3.0)
        x.backward()
        assert x.grad == 1.0


class TestSharedNodes:
    def test_diamond_sums_both_paths(self):
        x = Value(2.0)
        y = x * 3
        z = x * 5
        (y + z).backward()
        assert x.grad == 8.0

    def test_node_used_many_times(self):
        x = Value(0.7)
        y = x * x * x + x * x + x
        y.backward()
        assert x.grad == pytest.approx(3 * 0.49 + 2 * 0.7 + 1)

    def test_self_subtraction_and_division(self):
        x = Value(4.0)
        (x - x).backward()
        assert x.grad == 0.0
        x = Value(4.0)
        (x / x).backward()
        assert x.grad == pytest.approx(0.0, abs=1e-15)

    def test_intermediate_used_twice(self):
        x = Value(0.3)
        t = x.tanh()
        (t * t).backward()
        assert x.grad == pytest.approx(2 * math.tanh(0.3) * (1 - math.tanh(0.3) ** 2))


class TestDepthAndWidth:
    """Iterative traversal: no recursion limit, whatever the graph's shape."""

    N = 1_000_000

    def test_million_node_chain(self):
        assert sys.getrecursionlimit() <= 10_000
        x = Value(1.0)
        y = x
        for _ in range(self.N):
            y = y + x
        y.backward()
        assert x.grad == self.N + 1
        assert y.data == self.N + 1

    def test_million_term_sum(self):
        xs = [Value(float(i % 7)) for i in range(self.N)]
        total = sum(xs)
        total.backward()
        assert total.data == sum(i % 7 for i in range(self.N))
        assert xs[0].grad == 1.0 and xs[-1].grad == 1.0

    def test_deep_chain_of_unary_ops(self):
        x = Value(0.5)
        y = x
        for _ in range(100_000):
            y = y.sin()
        y.backward()
        # The chain rule for sin∘sin∘…∘sin: the product of cos at every value the chain passes.
        s, slope = 0.5, 1.0
        for _ in range(100_000):
            slope *= math.cos(s)
            s = math.sin(s)
        assert y.data == s
        # backward multiplies the same factors from the other end: only rounding differs
        assert x.grad == pytest.approx(slope, rel=1e-10)


def live_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


class TestMemory:
    def test_graphs_have_no_reference_cycles(self):
        """With the cyclic collector off, dropped graphs are freed by reference counting.

        Counted in objects, not bytes, so the numbers are exact on any machine: the graph is
        160,001 Values (x, then per step the * node, the constant i and its + node, tanh,
        sigmoid, **2, the constant 1.5 and its / node), and once it is dropped not one of
        them, nor any other object it made, is left."""
        gc.collect()
        gc.disable()
        try:
            values_before, objects_before = live_values(), len(gc.get_objects())
            x = Value(0.3)
            y = x
            for i in range(20_000):
                y = (y * x + i).tanh().sigmoid() ** 2 / 1.5
            assert len(ag.topological_order(y)) == 1 + 8 * 20_000
            y.backward()
            ag.grad(ag.grad(lambda t: t.sin() * t))(0.3)  # its graphs are dropped on return
            assert live_values() - values_before == 1 + 8 * 20_000
            del x, y
            assert live_values() == values_before
            # nor any container made along the way (a few objects of slack for the interpreter)
            assert len(gc.get_objects()) - objects_before < 100
            assert gc.collect() == 0, "the cyclic collector found garbage: a graph holds a cycle"
        finally:
            gc.enable()


class TestNoGrad:
    def test_ops_inside_record_no_parents(self):
        x = Value(2.0)
        with ag.no_grad():
            y = x * x + 1
        assert y.parents == () and y.op == "" and y.data == 5.0
        assert ag.is_grad_enabled()

    def test_restored_after_an_exception(self):
        with pytest.raises(RuntimeError), ag.no_grad():
            raise RuntimeError
        assert ag.is_grad_enabled()

    def test_nested(self):
        with ag.no_grad():
            with ag.no_grad():
                pass
            assert not ag.is_grad_enabled()
        assert ag.is_grad_enabled()

    def test_is_per_thread(self):
        inside = threading.Event()
        release = threading.Event()
        seen = {}

        def other_thread():
            inside.wait()
            seen["parents"] = (Value(1.0) * 2).parents
            release.set()

        worker = threading.Thread(target=other_thread)
        worker.start()
        with ag.no_grad():
            inside.set()
            release.wait(timeout=10)
        worker.join()
        assert len(seen["parents"]) == 2

    def test_other_thread_no_grad_does_not_leak_here(self):
        done = threading.Event()

        def other_thread():
            with ag.no_grad():
                done.wait(timeout=10)

        worker = threading.Thread(target=other_thread)
        worker.start()
        try:
            assert len((Value(1.0) * 2).parents) == 2
        finally:
            done.set()
            worker.join()


class TestDetach:
    def test_detach_is_a_new_leaf_with_the_same_data(self):
        x = Value(2.0, "x")
        y = (x * 3).detach()
        assert (y.data, y.parents, y.op) == (6.0, (), "")

    def test_gradient_stops_at_a_detached_node(self):
        x = Value(2.0)
        y = x * x
        z = y.detach() * x
        z.backward()
        assert x.grad == 4.0


class TestNonFiniteGradients:
    def test_nan_from_infinite_local_derivative_is_reported_by_node(self):
        x = Value(0.0, "x")
        y = (x * x).sqrt()
        expected = r"became nan at operand 1 \(Value\(data=0\.0, label='x'\)\) of Value\(data=0\.0, op='\*'\)"
        with pytest.raises(FloatingPointError, match=expected):
            y.backward()

    def test_exponent_gradient_for_negative_base_is_reported(self):
        y = Value(-2.0) ** Value(2.0)
        with pytest.raises(FloatingPointError, match=r"operand 2 .* needs log\(base\)"):
            y.backward()

    def test_infinite_gradient_is_allowed_by_default(self):
        x = Value(0.0)
        x.sqrt().backward()
        assert x.grad == math.inf

    def test_anomaly_mode_refuses_infinity_too(self):
        x = Value(0.0, "x")
        y = x.sqrt() * 2
        expected = r"became inf at operand 1 \(Value\(data=0\.0, label='x'\)\) of Value\(data=0\.0, op='sqrt'\)"
        with ag.detect_anomaly(), pytest.raises(FloatingPointError, match=expected):
            y.backward()
        y.backward()
        assert x.grad == math.inf

    def test_anomaly_mode_in_functional_grad(self):
        with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="inf"):
            ag.grad(lambda t: t.sqrt())(0.0)
