"""nn as a small library: Values in plain Python (format, round, bool), pickle and deep
copy, state_dict, save/load as JSON, parameter labels, friendly construction errors.

Expected values are written out by hand or computed with plain floats, never taken from
the code under test (except where the property is equality with the original model)."""

import copy
import json
import math
import pickle
import subprocess
import sys
from collections import OrderedDict

import pytest

import autograd_scalar as ag
import viz
from autograd_scalar import Value, nn
from autograd_scalar.compiler import TraceError
from autograd_scalar.core import ops
from autograd_scalar.core import value as value_module
from autograd_scalar.nn import MLP, SGD, Adam, Layer, ModelFileError, Neuron

# A user's own op, defined at module level: pickles by reference.
double_it = ag.Op("double_it", lambda x: 2.0 * x, lambda out, x: (2.0,))


# -- Values in ordinary Python ------------------------------------------------------------
class TestFormatRoundBool:
    def test_format_with_a_spec_formats_the_number(self):
        assert f"{Value(2 / 3):.4f}" == "0.6667"
        assert f"{Value(1234.5):,.1f}" == "1,234.5"
        assert format(Value(0.5) * 3, "e") == "1.500000e+00"
        assert f"loss {Value(0.125):>8.3f}" == "loss    0.125"

    def test_empty_spec_is_str(self):
        v = Value(0.5, "v")
        assert f"{v}" == str(v) == "Value(data=0.5, grad=0.0, label='v')"

    def test_round_returns_a_plain_number(self):
        r = round(Value(2.675), 2)
        assert r == 2.67 and type(r) is float  # 2.675 is stored just below 2.675
        r0 = round(Value(2.5))
        assert r0 == 2 and type(r0) is int  # as round(2.5): banker's rounding, an int
        assert round(Value(-1.25), 1) == -1.2

    def test_round_is_not_differentiated(self):
        # x * round(x, 1) at 1.26: round gives the constant 1.3, so the derivative is 1.3.
        assert ag.grad(lambda x: x * round(x, 1))(1.26) == 1.3

    @pytest.mark.parametrize(
        ("data", "truth"), [(0.0, False), (-0.0, False), (1e-300, True), (-2.0, True), (math.inf, True)]
    )
    def test_bool_is_not_equal_to_zero(self, data, truth):
        assert bool(Value(data)) is truth
        assert bool(Value(data) * 1.0) is truth  # a computed node too

    def test_if_on_a_value(self):
        x = Value(0.0)
        assert (1 if x else 2) == 2
        assert (1 if x + 3 else 2) == 1

    def test_compile_records_bool_as_a_guard(self):
        step = ag.compile(lambda x: x * 2 if x else x * 3)
        assert step(1.0) == (2.0, (2.0,))
        assert step(0.0) == (0.0, (3.0,))  # the guard fails: traced again on the other branch
        assert step(5.0) == (10.0, (2.0,))

    @pytest.mark.parametrize(
        "read",
        [
            lambda x: x * float(format(x, ".3f")),
            lambda x: x * round(x, 2),
            lambda x: x * round(x),
            lambda x: x * x.data,
        ],
        ids=["format", "round-n", "round", "data"],
    )
    def test_reading_the_number_while_tracing_is_refused(self, read):
        with pytest.raises(TraceError, match="reads the number inside a Value"):
            ag.compile(read)(1.0)


# -- pickle and deepcopy ------------------------------------------------------------------
def a_graph():
    """A graph through module-level ops, ops made on the fly and a user's op."""
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    parts = [
        x**2.5,
        ag.leaky_relu(y, 0.2),
        ag.clip(x * 9, 0, 6),
        ag.where(x > 1, x, y),  # the "false" choice, an op of its own
        double_it(x * y),
        ag.tanh(x) * ag.sin(y) / (x + 2),
        x * x,
        2**y,
        ag.clip(y),
        ag.leaky_relu(y),
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out, x, y


class TestPickleAndCopy:
    @pytest.mark.parametrize("roundtrip", [lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy])
    def test_round_trip_keeps_values_ops_and_gradients(self, roundtrip):
        out, x, y = a_graph()
        out.backward()
        out2, x2, y2 = roundtrip((out, x, y))
        assert out2.data == out.data
        assert (x2.grad, y2.grad) == (x.grad, y.grad)
        assert [n.op for n in ag.topological_order(out2)] == [n.op for n in ag.topological_order(out)]
        assert [n.label for n in ag.topological_order(out2)] == [n.label for n in ag.topological_order(out)]
        # the leaves are the loaded x and y (shared, not copies of copies)
        assert sum(n is x2 for n in ag.topological_order(out2)) == 1
        out2.zero_grad()
        out2.backward()
        assert (x2.grad, y2.grad) == (x.grad, y.grad)

    def test_shared_operands_stay_shared(self):
        a = Value(3.0, "a")
        sq = pickle.loads(pickle.dumps(a * a))
        assert sq.parents[0] is sq.parents[1]

    def test_copy_is_independent_of_the_original(self):
        out, x, y = a_graph()
        out2, x2, _ = copy.deepcopy((out, x, y))
        out2.backward()
        assert x.grad == 0.0 and x2.grad != 0.0
        out3 = pickle.loads(pickle.dumps(out))
        ag.topological_order(out3)[0].grad = 5.0
        assert x.grad == 0.0
        x2.data = 0.25
        assert x.data == 0.7
        out.backward()  # the original's graph is not stale: only the copy's leaf was written

    def test_deep_chains_do_not_hit_the_recursion_limit(self):
        x = Value(1.0, "x")
        y = x
        for _ in range(20_000):
            y = y * 1.0 + 1.0
        for copied in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
            assert copied.data == 20_001.0
            copied.backward()
            assert ag.topological_order(copied)[0].grad == 1.0

    def test_differentiable_gradients_pickle(self):
        x = Value(2.0, "x")
        y = x**3
        y.backward(create_graph=True)
        for x2 in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
            assert isinstance(x2.grad, Value) and x2.grad.data == 12.0
            assert any(n is x2 for n in ag.topological_order(x2.grad))  # 3 * x2 * x2: it refers back

    def test_ops_pickle_by_reference(self):
        for op in (ops.ADD, ops.POW, ag.relu, ag.leaky_relu, ag.clip, ag.where, double_it):
            assert pickle.loads(pickle.dumps(op)) is op
            assert copy.deepcopy(op) is op

    def test_ops_made_on_the_fly_are_rebuilt(self):
        x = Value(0.5)
        for node, at, expected, slope in [
            (x**2.5, 4.0, 32.0, 20.0),  # 4**2.5, 2.5 * 4**1.5
            (ag.leaky_relu(x, 0.2), -3.0, -0.6000000000000001, 0.2),
            (ag.clip(x, 0, 6), 7.0, 6.0, 0.0),
        ]:
            op = pickle.loads(pickle.dumps(node._op))
            assert op.name == node.op
            assert op.forward(at) == expected
            assert op.local_grad(op.forward(at), at) == (slope,)

    def test_an_op_made_inside_a_function_is_refused_by_name(self):
        local = ag.Op("my_local_op", lambda x: x, lambda out, x: (1.0,))
        with pytest.raises(pickle.PicklingError, match="my_local_op.*module level"):
            pickle.dumps(local(Value(1.0)) + 1)
        assert not value_module._saving.stack  # nothing left marked
        # a deep copy shares ops, so it works for any op
        assert copy.deepcopy(local(Value(1.0))).op == "my_local_op"

    def test_custom_gradient_nodes_are_refused_by_name(self):
        @ag.custom_gradient
        def clip_gradient(x):
            return x, lambda g: g

        with pytest.raises(pickle.PicklingError, match="clip_gradient"):
            pickle.dumps(clip_gradient(Value(1.0)) * 2)

    def test_stale_data_is_still_detected_after_loading_in_another_process(self):
        # The graph comes from a process whose write clock ran far ahead of this one's.
        code = (
            "import pickle, sys\n"
            "from autograd_scalar import Value\n"
            "x = Value(1.0, 'x')\n"
            "for i in range(5000): x.data = float(i)\n"
            "sys.stdout.buffer.write(pickle.dumps((x * x, x)))\n"
        )
        data = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
        y, x = pickle.loads(data)
        x.data = 2.0
        with pytest.raises(RuntimeError, match="had its data assigned after"):
            y.backward()

    def test_modules_and_optimizers_round_trip(self):
        model = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", rng=5)
        for optimizer in (SGD(model.parameters(), lr=0.1, momentum=0.9), Adam(model.parameters(), lr=0.01)):
            for roundtrip in (lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy):
                train(model, optimizer, steps=2)
                model2, optimizer2 = roundtrip((model, optimizer))
                assert optimizer2.parameters == model2.parameters()  # the same Values
                assert all(a is b for a, b in zip(optimizer2.parameters, model2.parameters(), strict=True))
                train(model, optimizer, steps=2)
                train(model2, optimizer2, steps=2)
                assert [p.data for p in model2.parameters()] == [p.data for p in model.parameters()]

    def test_a_copied_model_is_independent(self):
        model = MLP(2, [3, 1], rng=0)
        twin = copy.deepcopy(model)
        twin.parameters()[0].data = 100.0
        assert model.parameters()[0].data != 100.0
        assert repr(twin) == repr(model) == "MLP(2-3-1, parameters=13)"


def train(model, optimizer, steps):
    data = [([0.5, -1.0, 0.25], [1.0, 0.0]), ([-0.5, 0.3, 2.0], [0.0, 1.0])]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.mse([o for x, t in data for o in model(x)], [v for _, t in data for v in t])
        loss.backward()
        optimizer.step()


# -- state_dict ---------------------------------------------------------------------------
class TestStateDict:
    def test_names_and_numbers_in_order(self):
        n = Neuron(2, weights=[0.5, -0.25], bias=0.125)
        state = n.state_dict()
        assert isinstance(state, OrderedDict)
        assert list(state.items()) == [("w.0", 0.5), ("w.1", -0.25), ("b", 0.125)]
        names = list(MLP(2, [2, 1], rng=0).state_dict())
        assert names == [
            "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
            "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
            "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
        ]  # fmt: skip

    def test_load_state_dict_makes_models_agree(self):
        a, b = MLP(2, [3, 1], rng=1), MLP(2, [3, 1], rng=2)
        assert a([0.3, 0.4]).data != b([0.3, 0.4]).data
        b.load_state_dict(a.state_dict())
        assert b([0.3, 0.4]).data == a([0.3, 0.4]).data

    @pytest.mark.parametrize(
        ("change", "error", "message"),
        [
            (lambda s: s.pop("b"), ValueError, "missing b"),
            (lambda s: s.update(c=1.0), ValueError, "unexpected c"),
            (lambda s: (s.pop("w.1"), s.update(w2=1.0)), ValueError, "missing w.1; unexpected w2"),
            (lambda s: s.update(b="0.5"), TypeError, "b must be a number, got str '0.5'"),
            (lambda s: s.update(b=True), TypeError, "b must be a number, got bool"),
            (lambda s: s.update(b=None), TypeError, "b must be a number, got NoneType"),
            (lambda s: s.update(b=math.nan), ValueError, "b is nan"),
        ],
    )
    def test_refusals_name_the_parameters_and_change_nothing(self, change, error, message):
        n = Neuron(2, weights=[0.5, -0.25], bias=0.125)
        state = dict(n.state_dict(), **{"w.0": 9.0})
        change(state)
        with pytest.raises(error, match=message.replace("(", r"\(")):
            n.load_state_dict(state)
        assert [p.data for p in n.parameters()] == [0.5, -0.25, 0.125]

    def test_many_missing_names_are_counted(self):
        with pytest.raises(ValueError, match=r"missing layers\.0\.neurons\.0\.w\.0, .* and 11 more"):
            MLP(2, [4, 1], rng=0).load_state_dict({})

    def test_refuses_a_non_mapping(self):
        with pytest.raises(TypeError, match="expected a mapping"):
            Neuron(1).load_state_dict([1.0, 2.0])


# -- save and load --------------------------------------------------------------------------
def by_hand(x):
    """MLP 2-2-1 with the weights set in `exact_model`, in floats."""
    h0 = max(0.0, 0.125 + 0.5 * x[0] + -0.25 * x[1])
    h1 = max(0.0, -0.5 + 1.5 * x[0] + 0.75 * x[1])
    return math.tanh(0.1 + 0.3 * h0 + -0.7 * h1)


def exact_model():
    model = MLP(2, [2, 1], output_activation="tanh", rng=0)
    model.set_parameters([0.5, -0.25, 0.125, 1.5, 0.75, -0.5, 0.3, -0.7, 0.1])
    return model


class TestSaveLoad:
    def test_round_trip_gives_the_same_outputs_to_the_bit(self, tmp_path):
        model = exact_model()
        path = nn.save(model, tmp_path / "m.json")
        loaded = nn.load(path)
        assert type(loaded) is MLP and repr(loaded) == "MLP(2-2-1, output_activation=tanh, parameters=9)"
        for x in ([0.3, 0.4], [1.0, -2.0], [2.5, 0.5]):
            assert loaded(x).data == by_hand(x) == model(x).data
        random_model = MLP(3, [5, 4, 2], activation="sigmoid", rng=7)
        again = nn.load(nn.save(random_model, tmp_path / "r.json"))
        assert [p.data for p in again.parameters()] == [p.data for p in random_model.parameters()]
        assert again([0.1, 0.2, 0.3])[1].data == random_model([0.1, 0.2, 0.3])[1].data

    @pytest.mark.parametrize("module", [Neuron(3, "sigmoid", rng=1), Layer(2, 3, "linear", rng=2)])
    def test_neurons_and_layers(self, tmp_path, module):
        loaded = nn.load(nn.save(module, tmp_path / "m.json"))
        assert type(loaded) is type(module) and loaded.state_dict() == module.state_dict()
        assert repr(loaded) == repr(module)

    def test_the_file_is_json_with_repr_floats(self, tmp_path):
        n = Neuron(1, "linear", weights=[0.1 + 0.2], bias=1 / 3)
        text = (tmp_path / "n.json").read_text() if nn.save(n, tmp_path / "n.json") else ""
        assert "0.30000000000000004" in text and "0.3333333333333333" in text
        assert json.loads(text) == {
            "format": "autograd-scalar.nn",
            "version": 1,
            "module": {"class": "Neuron", "nin": 1, "activation": "linear"},
            "parameters": {"w.0": 0.30000000000000004, "b": 0.3333333333333333},
        }

    def test_load_into_a_model(self, tmp_path):
        path = nn.save(exact_model(), tmp_path / "m.json")
        target = MLP(2, [2, 1], output_activation="tanh", rng=3)
        assert nn.load(path, into=target) is target
        assert target([0.3, 0.4]).data == by_hand([0.3, 0.4])

    def test_load_into_another_architecture_is_refused(self, tmp_path):
        path = nn.save(exact_model(), tmp_path / "m.json")
        target = MLP(2, [3, 1], output_activation="tanh", rng=3)
        before = target.state_dict()
        with pytest.raises(ModelFileError, match=r"m\.json: the file holds a different architecture") as info:
            nn.load(path, into=target)
        assert '"nouts": [2, 1]' in str(info.value) and '"nouts": [3, 1]' in str(info.value)
        assert target.state_dict() == before

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"format": "autograd-scalar.nn", "version": 1, "module": {"cla', "not valid JSON"),
            ("[1, 2]", "not an autograd-scalar model file .*no format field"),
            ('{"format": "onnx"}', "not an autograd-scalar model file .*format 'onnx'"),
            ('{"format": "autograd-scalar.nn", "version": 2}', "version 2 is not supported .*reads version 1"),
            ('{"format": "autograd-scalar.nn"}', "version None is not supported"),
            ('{"format": "autograd-scalar.nn", "version": true}', "version True is not supported"),
            ('{"format": "autograd-scalar.nn", "version": 1, "extra": 0}', "unexpected fields 'extra'"),
            ('{"format": "autograd-scalar.nn", "version": 1, "module": {}}', '"parameters" must be an object'),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": [], "parameters": {}}',
                '"module" must be an object',
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Conv2d"}, "parameters": {}}',
                "unknown module class 'Conv2d'; a model file holds one of Neuron, Layer, MLP",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1}, '
                '"parameters": {}}',
                "the Neuron description has missing activation",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1, '
                '"activation": "relu", "bias": 1}, "parameters": {}}',
                "the Neuron description has unexpected bias",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": "two", '
                '"activation": "relu"}, "parameters": {}}',
                "Neuron field 'nin' must be a positive int, got \"two\"",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1, '
                '"activation": "os.system"}, "parameters": {}}',
                "Neuron field 'activation' must be one of 'relu', 'tanh', 'sigmoid', 'linear'",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "MLP", "nin": 1, "nouts": [], '
                '"activation": "relu", "output_activation": "linear"}, "parameters": {}}',
                "'nouts' must be a non-empty list of positive ints",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Layer", "nin": 1000000000, '
                '"nout": 1000000000, "activation": "relu"}, "parameters": {}}',
                "has 1000000001000000000 parameters, but the file holds 0",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1, '
                '"activation": "relu"}, "parameters": {"w.0": 1.0, "c": 2.0}}',
                "its parameters do not fit .*missing b; unexpected c",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1, '
                '"activation": "relu"}, "parameters": {"w.0": 1.0, "b": NaN}}',
                "b is nan",
            ),
            (
                '{"format": "autograd-scalar.nn", "version": 1, "module": {"class": "Neuron", "nin": 1, '
                '"activation": "relu"}, "parameters": {"w.0": 1.0, "b": "0"}}',
                "b must be a number, got str",
            ),
        ],
    )
    def test_bad_files_are_refused_naming_the_file(self, tmp_path, text, message):
        path = tmp_path / "bad.json"
        path.write_text(text)
        with pytest.raises(ModelFileError, match=message) as info:
            nn.load(path)
        assert isinstance(info.value, ValueError)
        assert str(info.value).startswith(f"{path}: ")

    def test_a_binary_file_is_refused(self, tmp_path):
        path = tmp_path / "model.pkl"
        path.write_bytes(pickle.dumps(exact_model()))
        with pytest.raises(ModelFileError, match="model.pkl: not a model file"):
            nn.load(path)

    def test_a_missing_file_is_an_os_error(self, tmp_path):
        with pytest.raises(FileNotFoundError):
            nn.load(tmp_path / "nothing.json")

    def test_modules_a_file_cannot_rebuild_are_refused(self, tmp_path):
        class Wider(MLP):
            pass

        with pytest.raises(ValueError, match="cannot save a Wider: .*Neuron, Layer, MLP"):
            nn.save(Wider(2, [1]), tmp_path / "w.json")
        with pytest.raises(ValueError, match="cannot save a Module"):
            nn.save(nn.Module(), tmp_path / "m.json")
        with pytest.raises(ValueError, match="activation is a function of its own \\('square'\\)"):

            def square(x):
                return x * x

            nn.save(MLP(2, [2, 1], activation=square), tmp_path / "s.json")
        layer = Layer(2, 2, rng=0)
        layer.neurons.append(Neuron(3, rng=0))
        with pytest.raises(ValueError, match="structure was changed after construction"):
            nn.save(layer, tmp_path / "l.json")
        assert not any(tmp_path.iterdir())

    def test_an_activation_passed_as_the_op_is_named(self, tmp_path):
        model = MLP(2, [2, 1], activation=ag.tanh, rng=0)
        assert repr(model) == "MLP(2-2-1, activation=tanh, parameters=9)"
        assert nn.load(nn.save(model, tmp_path / "m.json"))([0.5, 0.5]).data == model([0.5, 0.5]).data


# -- labels -----------------------------------------------------------------------------------
class TestLabels:
    def test_labels_are_short_names(self):
        assert [p.label for p in Neuron(2).parameters()] == ["w0", "w1", "b"]
        assert [p.label for p in Layer(1, 2).parameters()] == ["N0.w0", "N0.b", "N1.w0", "N1.b"]
        labels = [p.label for p in MLP(2, [2, 1]).parameters()]
        assert labels == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0", "L0.N1.w1", "L0.N1.b"] + [
            "L1.N0.w0",
            "L1.N0.w1",
            "L1.N0.b",
        ]

    @pytest.mark.parametrize(
        ("name", "label"),
        [("layers.0.neurons.1.w.0", "L0.N1.w0"), ("neurons.12.b", "N12.b"), ("w.3", "w3"), ("b", "b"), ("x.y", "x.y")],
    )
    def test_parameter_label(self, name, label):
        assert nn.parameter_label(name) == label

    def test_labels_show_in_pictures_trees_and_errors(self):
        model = MLP(1, [1, 1], rng=0)
        out = model([2.0])
        assert "L0.N0.w0" in viz.draw_dot(out).source
        assert "L1.N0.b" in viz.text_tree(out)
        model.parameters()[0].data = 1.0
        with pytest.raises(RuntimeError, match="label='L0.N0.w0'"):
            out.backward()


# -- construction and call errors, repr -------------------------------------------------------
class TestFriendlyErrors:
    def test_an_int_for_the_layer_sizes(self):
        with pytest.raises(TypeError, match=r"write MLP\(2, \[4\]\) for a single layer of 4"):
            MLP(2, 4)

    @pytest.mark.parametrize(
        ("nouts", "error", "message"),
        [
            ("16", TypeError, "nouts must be a list of layer sizes"),
            ([], ValueError, "at least one layer size"),
            ([4, 0], ValueError, r"nouts\[1\] \(a layer size\) must be a positive int, got 0"),
            ([4, 2.0], ValueError, r"nouts\[1\] \(a layer size\) must be a positive int, got 2.0"),
        ],
    )
    def test_bad_layer_sizes(self, nouts, error, message):
        with pytest.raises(error, match=message):
            MLP(2, nouts)

    @pytest.mark.parametrize("module", [MLP(2, [3, 1], rng=0), Layer(2, 3, rng=0), Neuron(2, rng=0)])
    def test_a_batch_says_to_call_per_sample(self, module):
        with pytest.raises(TypeError, match=r"call it once per sample: \[model\(x\) for x in batch\]"):
            module([[1.0, 2.0], [3.0, 4.0]])

    def test_a_batch_of_another_length_is_still_a_batch(self):
        with pytest.raises(TypeError, match="got a batch \\(a list of 3 lists\\)"):
            MLP(2, [1], rng=0)([[1, 2], [3, 4], [5, 6]])

    def test_a_lone_number(self):
        with pytest.raises(TypeError, match=r"MLP takes one sample, .*got float 0.5: write model\(\[0.5\]\)"):
            MLP(1, [1], rng=0)(0.5)
        with pytest.raises(TypeError, match="Neuron takes one sample, a list of 2 numbers or Values, got int 3"):
            Neuron(2, rng=0)(3)

    def test_a_bad_element(self):
        with pytest.raises(TypeError, match="Neuron: input 1 must be a number or a Value, got str 'a'"):
            Neuron(2, rng=0)([1.0, "a"])

    def test_wrong_length_keeps_its_message(self):
        with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 3"):
            MLP(2, [1], rng=0)([1.0, 2.0, 3.0])

    def test_reprs(self):
        assert repr(MLP(2, [16, 16, 1])) == "MLP(2-16-16-1, parameters=337)"
        assert repr(MLP(3, [4, 2], activation="tanh", output_activation="sigmoid")) == (
            "MLP(3-4-2, activation=tanh, output_activation=sigmoid, parameters=26)"
        )
        assert repr(MLP(3, [2], output_activation="relu")) == "MLP(3-2, output_activation=relu, parameters=8)"
        assert repr(Layer(3, 2, "tanh")) == "Layer(3, 2, tanh, parameters=8)"
        assert repr(Neuron(3, "linear")) == "Neuron(3, linear, parameters=4)"
