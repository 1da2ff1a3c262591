"""The backward pass: accumulation, shared nodes, depth, memory, no_grad, detach, NaN."""

import gc
import math
import sys
import threading
import tracemalloc

import pytest

import autograd_scalar as ag
from autograd_scalar import Value


def test_shop_receipt_gradients():
    apple, count, tax = Value(100), Value(2), Value(1.1)
    price = apple * count * tax
    price.backward()
    assert price.data == pytest.approx(220)
    assert (apple.grad, count.grad, tax.grad) == pytest.approx((2.2, 110, 200))


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
        d.backward()
        assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])

    def test_intermediates_hold_the_latest_pass(self):
        _, _, c, d = self.build()
        d.backward()
        first = c.grad
        d.backward()
        assert c.grad == first and d.grad == 1.0

    def test_zero_grad_resets_the_whole_graph(self):
        a, b, c, d = self.build()
        d.backward()
        d.zero_grad()
        assert all(v.grad == 0.0 for v in (a, b, c, d))
        d.backward()
        a_once = a.grad
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
        assert 0 < x.grad < 1


class TestMemory:
    def test_graphs_have_no_reference_cycles(self):
        """With the cyclic collector off, dropped graphs are freed by reference counting."""
        gc.collect()
        gc.disable()
        try:
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            x = Value(0.3)
            y = x
            for i in range(20_000):
                y = (y * x + i).tanh().sigmoid() ** 2 / 1.5
            y.backward()
            ag.grad(ag.grad(lambda t: t.sin() * t))(0.3)
            grown = tracemalloc.get_traced_memory()[0] - before
            del x, y
            after = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            assert gc.collect() == 0, "the cyclic collector found garbage: a graph holds a cycle"
        finally:
            gc.enable()
        # What stays is CPython's free lists of small tuples and floats, not the graph.
        assert grown > 10_000_000
        assert after < grown / 20


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
