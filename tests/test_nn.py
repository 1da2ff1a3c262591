"""nn: modules, losses and optimizers."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Neuron,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    log_softmax,
    mse,
    softmax,
    softmax_cross_entropy,
    squared_error,
)

finite = st.floats(-5, 5, allow_nan=False)


def mlp_by_hand(sizes, flat, x):
    """An MLP written out in floats: relu hidden layers, a linear last layer, parameters in
    the documented order (layer by layer, neuron by neuron: its weights, then its bias)."""
    flat, out = list(flat), list(x)
    for k, (nin, nout) in enumerate(zip(sizes, sizes[1:], strict=False)):
        rows = [flat[j * (nin + 1) : (j + 1) * (nin + 1)] for j in range(nout)]
        flat = flat[nout * (nin + 1) :]
        pre = [sum(w * xi for w, xi in zip(row[:-1], out, strict=True)) + row[-1] for row in rows]
        out = pre if k == len(sizes) - 2 else [max(z, 0.0) for z in pre]
    assert not flat, "more parameters than the sizes take"
    return out


def central_differences(f, args, h=1e-6):
    """(f(x + h) - f(x - h)) / 2h in each argument of a float function f of a list."""
    slopes = []
    for i in range(len(args)):
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        slopes.append((f(up) - f(down)) / (2 * h))
    return slopes


class TestModules:
    def test_mlp_2_16_16_1_has_337_parameters(self):
        assert len(MLP(2, [16, 16, 1]).parameters()) == 337

    def test_one_wide_output_is_a_value_wider_is_a_list(self):
        narrow = MLP(2, [3, 1], rng=0)
        out = narrow([1.0, 2.0])
        assert isinstance(out, Value)
        assert [out.data] == pytest.approx(mlp_by_hand([2, 3, 1], [p.data for p in narrow.parameters()], [1.0, 2.0]))
        wide = MLP(2, [3, 2], rng=0)
        outs = wide([1.0, 2.0])
        assert isinstance(outs, list) and all(isinstance(v, Value) for v in outs)
        expected = mlp_by_hand([2, 3, 2], [p.data for p in wide.parameters()], [1.0, 2.0])
        assert len(outs) == 2 and [v.data for v in outs] == pytest.approx(expected, rel=1e-12)

    def test_one_wide_hidden_layer_works(self):
        # A 3-1-4-1 network whose one hidden unit is active (pre-activation 1.85), feeding
        # two active and two inactive units: every path through the narrow layer counts.
        flat = [0.5, -1.0, 0.25, 0.1]  # layer 0: the one neuron's three weights, its bias
        flat += [1.0, 0.0, -1.0, 0.5, 0.5, -1.0, 2.0, 0.1]  # layer 1: (weight, bias) x 4
        flat += [1.0, 2.0, -1.0, 0.5, 0.3]  # the output: four weights, its bias
        model = MLP(3, [1, 4, 1], rng=0)
        model.set_parameters(flat)
        x1 = Value(-1.0)
        y = model([0.5, x1, 2])
        y.backward()
        h = 0.5 * 0.5 + -1.0 * -1.0 + 0.25 * 2 + 0.1  # 1.85
        units = [max(v * h + c, 0.0) for v, c in [(1.0, 0.0), (-1.0, 0.5), (0.5, -1.0), (2.0, 0.1)]]
        assert units == pytest.approx([1.85, 0.0, 0.0, 3.8])
        assert y.data == pytest.approx(1.0 * 1.85 + 0.5 * 3.8 + 0.3)
        # ∂y/∂h = Σ over the active units of output weight × their weight = 1·1 + 0.5·2 = 2
        by_hand = [2 * 0.5, 2 * -1.0, 2 * 2, 2]  # the narrow neuron's weights (× inputs), bias
        by_hand += [1.0 * h, 1.0, 0, 0, 0, 0, 0.5 * h, 0.5]  # only units 0 and 3 pass gradient
        by_hand += [*units, 1.0]  # the output layer: its inputs, then 1
        assert [p.grad for p in model.parameters()] == pytest.approx(by_hand, rel=1e-12)
        assert x1.grad == pytest.approx(2 * -1.0)
        numeric = central_differences(lambda f: mlp_by_hand([3, 1, 4, 1], f, [0.5, -1.0, 2])[0], flat)
        assert by_hand == pytest.approx(numeric, rel=1e-6, abs=1e-8)

    def test_same_seed_same_weights_different_seed_different(self):
        data = lambda m: [p.data for p in m.parameters()]  # noqa: E731
        assert data(MLP(2, [4, 1], rng=7)) == data(MLP(2, [4, 1], rng=7))
        assert data(MLP(2, [4, 1], rng=7)) != data(MLP(2, [4, 1], rng=8))
        assert data(MLP(2, [4, 1], rng=random.Random(7))) == data(MLP(2, [4, 1], rng=7))

    def test_initialisation_does_not_touch_the_global_rng(self):
        random.seed(5)
        expected = random.random()
        random.seed(5)
        MLP(2, [8, 1], rng=3)
        assert random.random() == expected

    def test_hidden_layers_use_activation_last_layer_linear(self):
        model = MLP(2, [3, 3, 1], activation="tanh")
        assert [layer.neurons[0].activation_name for layer in model.layers] == ["tanh", "tanh", "linear"]

    @pytest.mark.parametrize(("name", "expected"), [("relu", 0.0), ("tanh", math.tanh(-0.5)), ("linear", -0.5)])
    def test_activations(self, name, expected):
        neuron = Neuron(1, activation=name, weights=[1.0], bias=0.0)
        assert neuron([-0.5]).data == pytest.approx(expected)

    def test_sigmoid_activation(self):
        assert Neuron(1, "sigmoid", weights=[2.0], bias=1.0)([0.0]).data == pytest.approx(1 / (1 + math.exp(-1)))

    def test_custom_activation(self):
        assert Neuron(1, activation=lambda v: v * v, weights=[3.0])([2.0]).data == 36.0

    def test_given_weights(self):
        layer = Layer(2, 2, "linear", weights=[[1.0, 2.0], [3.0, 4.0]], biases=[0.5, -0.5])
        assert [v.data for v in layer([1.0, 1.0])] == [3.5, 6.5]

    def test_set_parameters_in_order(self):
        model = MLP(1, [1, 1], activation="linear")
        model.set_parameters([2.0, 1.0, 3.0, -1.0])  # w, b of layer 0; w, b of layer 1
        assert model([5.0]).data == 3.0 * (2.0 * 5.0 + 1.0) - 1.0

    def test_named_parameters(self):
        names = [name for name, _ in MLP(2, [2, 1]).named_parameters()]
        assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
        assert names[-1] == "layers.1.neurons.0.b"

    def test_zero_grad(self):
        model = MLP(2, [2, 1], rng=0)
        model([1.0, 2.0]).backward()
        assert model.parameters()[-1].grad == 1.0  # the linear output's bias: ∂y/∂b = 1
        model.zero_grad()
        assert all(p.grad == 0.0 for p in model.parameters())

    def test_repr(self):
        assert repr(MLP(2, [16, 16, 1])) == "MLP(2-16-16-1, parameters=337)"
        assert repr(Layer(3, 2, "tanh")) == "Layer(3, 2, tanh, parameters=8)"
        assert repr(Neuron(3)) == "Neuron(3, relu, parameters=4)"

    def test_wrong_input_size_is_refused(self):
        with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 3"):
            MLP(2, [3, 1])([1.0, 2.0, 3.0])

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: MLP(0, [1]), "nin must be a positive int"),
            (lambda: MLP(2, []), "at least one layer"),
            (lambda: Layer(2, 0), "nout must be a positive int"),
            (lambda: Neuron(2, activation="gelu"), "unknown activation 'gelu'"),
            (lambda: Neuron(2, weights=[1.0]), "got 1 weights"),
            (lambda: MLP(2, [1]).set_parameters([1.0]), "MLP has 3 parameters, got 1 values"),
            (lambda: MLP(2, [1], rng="seed"), "rng must be"),
        ],
    )
    def test_bad_construction(self, make, message):
        with pytest.raises((ValueError, TypeError), match=message):
            make()


class TestLosses:
    def test_squared_error_is_half_the_square(self):
        y = Value(5.05)
        e = squared_error(y, 4.0)
        e.backward()
        assert e.data == pytest.approx(0.55125)
        assert y.grad == pytest.approx(1.05)

    def test_mse_is_the_mean(self):
        ys = [Value(1.0), Value(3.0)]
        loss = mse(ys, [0.0, 0.0])
        loss.backward()
        assert loss.data == 5.0
        assert [y.grad for y in ys] == [1.0, 3.0]

    def test_hinge(self):
        scores = [Value(0.5), Value(-2.0), Value(3.0)]
        loss = hinge(scores, [1, 1, -1])
        assert loss.data == pytest.approx((0.5 + 3.0 + 4.0) / 3)

    def test_hinge_gradient_on_both_sides_of_the_margin_and_at_it(self):
        # ∂/∂score of (1/n) relu(1 − t·score) is −t/n inside the margin (t·score < 1) and 0
        # beyond it (t·score > 1); at the margin itself relu'(0) = 0, so 0 there too.
        cases = [  # (score, label, expected gradient × n)
            (0.5, 1, -1.0),  # inside, right side of the boundary
            (-2.0, 1, -1.0),  # wrong side
            (0.99, 1, -1.0),  # just inside
            (1.01, 1, 0.0),  # just beyond
            (3.0, 1, 0.0),  # far beyond
            (-0.99, -1, 1.0),  # just inside, negative label
            (3.0, -1, 1.0),  # wrong side, negative label
            (-1.01, -1, 0.0),  # just beyond, negative label
            (1.0, 1, 0.0),  # at the margin: the kink
            (-1.0, -1, 0.0),  # at the margin, negative label
        ]
        scores = [Value(s) for s, _, _ in cases]
        loss = hinge(scores, [t for _, t, _ in cases])
        loss.backward()
        n = len(cases)
        assert loss.data == pytest.approx(sum(max(1 - t * s, 0.0) for s, t, _ in cases) / n, rel=1e-12)
        assert [s.grad for s in scores] == pytest.approx([g / n for _, _, g in cases], rel=1e-12, abs=0.0)
        # Away from the kinks the same numbers come from central differences of the formula.
        for s, t, g in cases[:-2]:
            moved = lambda v, t=t: max(1 - t * v[0], 0.0) / n  # noqa: E731
            assert central_differences(moved, [s]) == pytest.approx([g / n], abs=1e-9)

    def test_hinge_refuses_labels_other_than_plus_minus_one(self):
        with pytest.raises(ValueError, match="labels must be -1 or \\+1, got 0.0"):
            hinge([Value(1.0)], [0])

    def test_mismatched_lengths(self):
        with pytest.raises(ValueError, match="2 outputs but 1 targets"):
            mse([Value(1.0), Value(2.0)], [1.0])

    @pytest.mark.parametrize("big", [1000.0, -1000.0])
    def test_softmax_cross_entropy_is_stable_at_extreme_logits(self, big):
        logits = [Value(big), Value(0.0), Value(-big)]
        loss = softmax_cross_entropy(logits, 1)
        loss.backward()
        assert loss.data == pytest.approx(abs(big))
        assert [z.grad for z in logits] == pytest.approx([1.0 if big > 0 else 0.0, -1.0, 0.0 if big > 0 else 1.0])

    @given(st.lists(finite, min_size=2, max_size=5), st.data())
    def test_softmax_cross_entropy_gradient_is_probability_minus_one_hot(self, raw, data):
        target = data.draw(st.integers(0, len(raw) - 1))
        logits = [Value(z) for z in raw]
        softmax_cross_entropy(logits, target).backward()
        total = sum(math.exp(z - max(raw)) for z in raw)
        expected = [math.exp(z - max(raw)) / total - (i == target) for i, z in enumerate(raw)]
        assert [z.grad for z in logits] == pytest.approx(expected, abs=1e-12)

    def test_softmax_sums_to_one(self):
        assert sum(p.data for p in softmax([1.0, 2.0, 3.0])) == pytest.approx(1.0)
        assert log_softmax([0.0, 0.0])[0].data == pytest.approx(math.log(0.5))

    def test_softmax_cross_entropy_bad_target(self):
        with pytest.raises(ValueError, match="class index in 0..1"):
            softmax_cross_entropy([Value(1.0), Value(2.0)], 2)

    def test_binary_cross_entropy(self):
        p = Value(0.8)
        loss = binary_cross_entropy(p, 1.0)
        loss.backward()
        assert loss.data == pytest.approx(-math.log(0.8))
        assert p.grad == pytest.approx(-1 / 0.8)

    def test_binary_cross_entropy_refuses_0_and_1(self):
        with pytest.raises(ValueError, match="strictly between 0 and 1.*with_logits"):
            binary_cross_entropy(Value(1.0), 1.0)

    @pytest.mark.parametrize("z", [-1000.0, -3.0, 0.0, 2.0, 1000.0])
    @pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
    def test_bce_with_logits_value_and_gradient(self, z, t):
        logit = Value(z)
        loss = binary_cross_entropy_with_logits(logit, t)
        loss.backward()
        softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        assert loss.data == pytest.approx(softplus - t * z)
        assert logit.grad == pytest.approx(1 / (1 + math.exp(-z)) - t if abs(z) < 700 else (z > 0) - t)

    @given(finite, st.floats(0, 1))
    def test_bce_with_logits_matches_bce_of_sigmoid(self, z, t):
        assert binary_cross_entropy_with_logits(z, t).data == pytest.approx(
            binary_cross_entropy(Value(z).sigmoid(), t).data, rel=1e-9, abs=1e-12
        )

    @given(st.lists(finite, min_size=3, max_size=3), st.integers(0, 2))
    def test_losses_pass_gradcheck(self, raw, target):
        assert ag.gradcheck(lambda a, b, c: softmax_cross_entropy([a, b, c], target), *raw)
        assert ag.gradcheck(lambda a, b, c: mse([a, b, c], [0.5, -1.0, 2.0]), *raw)
        assert ag.gradcheck(lambda a: binary_cross_entropy_with_logits(a, 0.25), raw[0])


class TestOptimizers:
    def test_sgd_step(self):
        p = Value(1.0)
        p.grad = 0.5
        SGD([p], lr=0.1).step()
        assert p.data == pytest.approx(0.95)

    def test_sgd_momentum_accumulates_velocity(self):
        p = Value(0.0)
        opt = SGD([p], lr=1.0, momentum=0.5)
        for _ in range(2):
            p.grad = 1.0
            opt.step()
        assert p.data == pytest.approx(-(1.0 + 1.5))

    def test_adam_first_step_moves_by_about_lr(self):
        p = Value(1.0)
        p.grad = 123.0
        Adam([p], lr=0.01).step()
        assert p.data == pytest.approx(0.99, rel=1e-6)

    def test_adam_minimises_a_quadratic(self):
        x = Value(5.0)
        opt = Adam([x], lr=0.1)
        for _ in range(500):
            opt.zero_grad()
            ((x - 2.0) ** 2).backward()
            opt.step()
        assert x.data == pytest.approx(2.0, abs=1e-3)

    def test_zero_grad(self):
        p = Value(1.0)
        p.grad = 3.0
        SGD([p], lr=0.1).zero_grad()
        assert p.grad == 0.0

    @pytest.mark.parametrize("optimizer", [SGD, Adam])
    def test_no_parameters_is_an_error(self, optimizer):
        with pytest.raises(ValueError, match=f"{optimizer.__name__} got no parameters"):
            optimizer([], lr=0.1)

    @pytest.mark.parametrize("lr", [0, -1.0, math.nan, "0.1"])
    def test_bad_learning_rate(self, lr):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            SGD([Value(1.0)], lr=lr)

    def test_parameters_must_be_values(self):
        with pytest.raises(TypeError, match="parameters must be Values, got float"):
            SGD([1.0], lr=0.1)

    def test_bad_momentum_and_betas(self):
        with pytest.raises(ValueError, match="momentum"):
            SGD([Value(1.0)], lr=0.1, momentum=1.0)
        with pytest.raises(ValueError, match="betas"):
            Adam([Value(1.0)], betas=(0.9, 1.0))
