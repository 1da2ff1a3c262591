"""`ag.explain`: derivatives written out as sums over paths of products of local derivatives;
`explain_layers`: a network's gradient written out layer by layer, as BP1–BP4.

Every expected number comes from the seeds' articles or is computed independently of
`explain` (by `backward()`, `ag.grad`, SymPy or plain floats), never from explain itself.
"""

import importlib
import math
import re
import sys
from pathlib import Path

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, nn
from autograd_scalar.app.cli import main
from autograd_scalar.explain import MAX_PATHS, LayerStructureError, explain_layers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import chain_network  # noqa: E402


def factor_values(text: str) -> list[float]:
    """Every number written in the text."""
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", text)]


class TestChainNetwork:
    """Seed 000: E = ½(y − a5)² down a chain of sigmoid neurons; ∂E/∂wᵢ reuses the
    upstream product of ∂E/∂wᵢ₊₁ (the article's equations 5 to 10)."""

    @pytest.mark.parametrize("labeled_only", [False, True])
    def test_totals_equal_the_engine(self, labeled_only):
        error, w, _, _ = chain_network.forward()
        explanation = ag.explain(error, [w[5], w[4], w[3], w[2]], labeled_only=labeled_only)
        error.backward()
        assert explanation.listed
        for i, total in zip((5, 4, 3, 2), explanation.totals, strict=True):
            assert total == pytest.approx(w[i].grad, abs=1e-12, rel=0)
        _, w_hand, z_hand, a_hand = chain_network.forward()
        hand = chain_network.by_hand(z_hand, w_hand, a_hand)
        for i, total in zip((5, 4, 3, 2), explanation.totals, strict=True):
            assert total == pytest.approx(hand[i][1], abs=1e-12, rel=0)

    def test_the_text_shows_the_reuse_of_the_upstream_product(self):
        error, w, z, a = chain_network.forward()
        text = str(ag.explain(error, [w[5], w[4]], labeled_only=True))
        assert "∂E/∂w5 = " in text and "∂E/∂w4 = " in text
        # w4's path begins with w5's upstream product, marked and not taken again
        assert "= [∂E/∂a5 · ∂a5/∂z5] (shown above, path 1 of ∂E/∂w5) × ∂z5/∂a4 · ∂a4/∂z4 · ∂z4/∂w4" in text
        # the bracket's value: ∂E/∂z5 = -(y - a5)·σ'(z5), by hand
        s5 = a[5].data
        upstream = -(chain_network.Y - s5) * s5 * (1 - s5)
        assert f"[{upstream:.6g}]" in text
        # and w5's own path is written out in full, with no reuse
        w5_part = text.split("∂E/∂w4 = ")[0]
        assert "= ∂E/∂a5 · ∂a5/∂z5 · ∂z5/∂w5" in w5_part and "shown above" not in w5_part

    def test_every_node_named_unlabeled_ones_by_position(self):
        error, w, _, _ = chain_network.forward()
        explanation = ag.explain(error, w[5])
        order = ag.topological_order(error)
        unlabeled = [f"v{i}" for i, n in enumerate(order) if not n.label and n.op]
        path = explanation.derivatives[0].paths[0]
        assert path.nodes[0] == "E" and path.nodes[-1] == "w5"
        named = [n for n in path.nodes if n.startswith("v")]
        assert named == ["v16", "v15"] and set(named) <= set(unlabeled)  # E = 0.5 · v16, v16 = v15 ** 2
        assert len(path.factors) == 5 and path.factors[0].value == 0.5  # E = 0.5 · (y − a5)²
        assert str(ag.explain(error, w[5])) == str(explanation)  # stable names

    def test_the_grads_are_not_touched(self):
        error, w, _, _ = chain_network.forward()
        ag.explain(error, [w[5], w[2]])
        assert all(n.grad == 0.0 for n in ag.topological_order(error))


def mazur_network():
    """Seed 001 with the article's names: net_h1 = w1·i1 + w2·i2 + b1, out_h1 = σ(net_h1), …"""
    i1, i2 = Value(0.05, "i1"), Value(0.10, "i2")
    w = {k: Value(v, f"w{k}") for k, v in enumerate((0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55), start=1)}
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")

    def neuron(name, x1, wa, x2, wb, b):
        net = wa * x1 + wb * x2 + b
        net.label = f"net_{name}"
        out = net.sigmoid()
        out.label = f"out_{name}"
        return out

    h1 = neuron("h1", i1, w[1], i2, w[2], b1)
    h2 = neuron("h2", i1, w[3], i2, w[4], b1)
    o1 = neuron("o1", h1, w[5], h2, w[6], b2)
    o2 = neuron("o2", h1, w[7], h2, w[8], b2)
    error = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    error.label = "E"
    return error, w


class TestMazurNetwork:
    def test_w5_as_the_article_computes_it(self):
        error, w = mazur_network()
        explanation = ag.explain(error, w[5], labeled_only=True, precision=9)
        text = str(explanation)
        # the article: ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = 0.74136507 · 0.186815602 · 0.593269992
        assert "= ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in text
        assert "= 0.74136507 × 0.186815602 × 0.593269992" in text
        (d,) = explanation.derivatives
        assert d.path_count == 1
        assert d.total == pytest.approx(0.082167041, abs=5e-10)
        assert [f.value for f in d.paths[0].factors] == pytest.approx([0.74136507, 0.186815602, 0.593269992], abs=5e-9)
        error.backward()
        assert d.total == pytest.approx(w[5].grad, abs=1e-12, rel=0)

    def test_every_weight_equals_the_engine(self):
        import mazur_network as example

        net = example.build()
        loss, _ = example.error(net)
        loss.backward()
        engine = [p.grad for p in example.weights(net)]
        for labeled_only in (False, True):
            error, w = mazur_network()
            explanation = ag.explain(error, [w[k] for k in range(1, 9)], labeled_only=labeled_only)
            assert explanation.totals == pytest.approx(engine, abs=1e-12, rel=0)
            assert [d.path_count for d in explanation.derivatives] == [2, 2, 2, 2, 1, 1, 1, 1]

    def test_a_hidden_weight_sums_two_paths_and_reuses(self):
        error, w = mazur_network()
        text = str(ag.explain(error, [w[5], w[1]], labeled_only=True))
        assert "2 paths from E down to w1" in text
        assert "∂E/∂w1 = path 1 + path 2 = " in text
        # w1's path through o1 starts with ∂E/∂out_o1 · ∂out_o1/∂net_o1, shown for w5
        assert "[∂E/∂out_o1 · ∂out_o1/∂net_o1] (shown above, path 1 of ∂E/∂w5)" in text


def layered(x, layers):
    """y ← sin(y) + cos(y), `layers` times: 2^layers paths from the result down to x."""
    y = x
    for _ in range(layers):
        y = ag.sin(y) + ag.cos(y)
    return y


class TestTooManyPaths:
    def test_the_constant(self):
        assert MAX_PATHS == 64

    def test_up_to_the_limit_the_paths_are_listed(self):
        x = Value(0.3, "x")
        explanation = ag.explain(layered(x, 6), x)
        assert explanation.listed and explanation.derivatives[0].path_count == 64
        assert "path 64:" in str(explanation)
        assert explanation.totals[0] == pytest.approx(ag.grad(lambda t: layered(t, 6))(0.3), abs=1e-12, rel=0)

    def test_beyond_it_the_backward_pass(self):
        x = Value(0.3, "x")
        y = layered(x, 7)
        y.label = "y"
        explanation = ag.explain(y, x)
        text = str(explanation)
        assert not explanation.listed and explanation.derivatives[0].path_count == 128
        assert "There are 128 paths from y down to x: more than 64, too many to list." in text
        assert "backward pass:" in text and "path 1:" not in text
        expected = ag.grad(lambda t: layered(t, 7))(0.3)
        assert explanation.totals[0] == pytest.approx(expected, abs=1e-12, rel=0)
        # every node: its gradient is its users' contributions summed, root first
        assert explanation.steps[0].node == "y" and explanation.steps[0].gradient == 1.0
        for step in explanation.steps[1:]:
            assert step.gradient == pytest.approx(sum(g * local for _, g, local in step.contributions), abs=1e-15)
        assert explanation.steps[-1].node == "x"
        # one line per node of the graph that lies on a path
        assert len(explanation.steps) == 1 + 7 * 3

    def test_many_variables_count_together(self):
        x = Value(0.3, "x")
        mid = layered(x, 5)
        mid.label = "m"
        y = layered(mid, 2)
        explanation = ag.explain(y, [mid, x])  # 4 + 128 paths
        assert not explanation.listed
        y.backward()
        assert explanation.totals == pytest.approx((mid.grad, x.grad), abs=1e-12, rel=0)


class TestEdgeCases:
    def test_no_path_and_the_root_itself(self):
        x, y = Value(2.0, "x"), Value(3.0, "y")
        f = x * 4.0
        f.label = "f"
        explanation = ag.explain(f, [y, f, x])
        assert explanation.totals == (0.0, 1.0, 4.0)
        text = str(explanation)
        assert "∂f/∂y = 0: f does not depend on y (no path)" in text
        assert "= 1 (the empty product: f is f)" in text

    def test_an_operand_used_twice_is_one_factor(self):
        x = Value(3.0, "x")
        f = x * x
        f.label = "f"
        (d,) = ag.explain(f, x).derivatives
        assert d.path_count == 1 and d.total == 6.0

    def test_refusals(self):
        x = Value(1.0)
        with pytest.raises(TypeError):
            ag.explain(1.0, x)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            ag.explain(x * 2, [])
        with pytest.raises(ValueError):
            ag.explain(x * 2, x, precision=0)


def check_math(source: str) -> None:
    """Parse one math expression with matplotlib's TeX parser: raises when it is malformed.
    (Imported here, so that without matplotlib only the tests that parse math are skipped.)"""
    mathtext = pytest.importorskip("matplotlib.mathtext")
    mathtext.MathTextParser("path").parse(f"${source}$")


class TestReprs:
    def explanations(self):
        error, w, _, _ = chain_network.forward()
        yield ag.explain(error, [w[5], w[4]], labeled_only=True)
        error, w = mazur_network()
        yield ag.explain(error, [w[5], w[1]])
        x = Value(1e-7, "x_1")
        y = layered(x, 7) * -1e30
        yield ag.explain(y, x)

    def test_markdown(self):
        for explanation in self.explanations():
            markdown = explanation._repr_markdown_()
            assert markdown.count("$$") % 2 == 0 and markdown.count("$$") >= 2
            blocks = markdown.split("$$")
            for math_block in blocks[1::2]:
                check_math(math_block)
            prose = "".join(blocks[0::2])
            assert "\\(" not in prose  # Jupyter would take it for inline math
            assert r"\frac{\partial" in markdown

    def test_latex(self):
        for explanation in self.explanations():
            latex = explanation._repr_latex_()
            assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
            body = latex[len("$$\\begin{aligned}") : -len("\\end{aligned}$$")]
            for row in body.split(r" \\ "):
                assert row.strip().startswith("& ")
                check_math(row.strip()[2:])

    def test_reuse_in_latex_and_markdown(self):
        error, w, _, _ = chain_network.forward()
        explanation = ag.explain(error, [w[5], w[4]], labeled_only=True)
        bracket = r"\left[\frac{\partial E}{\partial a_{5}} \, \frac{\partial a_{5}}{\partial z_{5}}\right]"
        assert bracket in explanation._repr_latex_() and bracket in explanation._repr_markdown_()
        assert "shown above (path 1 of ∂E/∂w5)" in explanation._repr_markdown_()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestCommandLine:
    def test_explain(self, capsys):
        code, out, err = run(capsys, "explain", "x*y + sin(x)", "x=2", "y=-3", "--wrt", "x", "--precision", "17")
        assert code == 0 and err == ""
        lines = out.splitlines()
        assert lines[0] == "f(x, y) = x*y + sin(x)  at x = 2, y = -3"
        total = next(line for line in lines if line.startswith("∂f/∂x = "))
        assert float(total.split()[2]) == pytest.approx(-3 + math.cos(2), abs=1e-12)
        assert "2 paths from f down to x" in out and "∂f/∂y" not in out

    def test_every_variable_by_default_and_the_same_text_as_the_api(self, capsys):
        code, out, _ = run(capsys, "explain", "tanh(w*x + b)", "w=0.5", "x=-1.5", "b=0.25")
        assert code == 0
        w, x, b = Value(0.5, "w"), Value(-1.5, "x"), Value(0.25, "b")
        f = (w * x + b).tanh()
        f.label = "f"
        assert out.split("\n", 1)[1] == str(ag.explain(f, [w, x, b])) + "\n"

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["x*y", "x=1", "y=2", "--wrt", "z"], "--wrt z: 'z' is not a variable of the expression"),
            (["x*y", "x=1", "y=2", "--wrt", "x", "--wrt", "x"], "--wrt x is given twice"),
            (["2*3"], "the expression has no variables: there is nothing to differentiate with respect to"),
            (["x*y", "x=1"], "unknown variable 'y': give it a value, e.g. y=1.5"),
        ],
    )
    def test_refusals(self, capsys, argv, message):
        code, out, err = run(capsys, "explain", *argv)
        assert code == 2 and out == ""
        assert err.splitlines()[0] == f"autograd-scalar: error: {message}"
        assert "Traceback" not in err


# --- the layer-by-layer view: explain_layers ---------------------------------------------------

# Seed 001's network, parameters() order: each neuron's weights, then its bias. The article shares
# one bias per layer (0.35, 0.60); nn gives each neuron its own, set to the layer's.
MAZUR_PARAMETERS = [0.15, 0.20, 0.35, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60, 0.50, 0.55, 0.60]
ARTICLE_NAMES = {  # the article's w1 … w8 and nn's labels
    "w1": "L0.N0.w0",
    "w2": "L0.N0.w1",
    "w3": "L0.N1.w0",
    "w4": "L0.N1.w1",
    "w5": "L1.N0.w0",
    "w6": "L1.N0.w1",
    "w7": "L1.N1.w0",
    "w8": "L1.N1.w1",
}


def mazur_nn(parameters=MAZUR_PARAMETERS):
    net = nn.MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
    net.set_parameters(parameters)
    o1, o2 = net([0.05, 0.10])
    error = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2  # E = ½Σ(target − out)²
    error.label = "E"
    return net, error


def nodes_by_label(root):
    return {n.label: n for n in ag.topological_order(root) if n.label}


def engine_gradients(net, loss):
    """∂loss/∂z per neuron and ∂loss/∂p per parameter, from backward()."""
    loss.backward()
    nodes = nodes_by_label(loss)
    deltas = {label[: -len(".z")]: n.grad for label, n in nodes.items() if label.endswith(".z")}
    return deltas, {p.label: p.grad for p in net.parameters() if p.label in nodes}


class TestLayersMazurNetwork:
    """Seed 001's 2-2-2 sigmoid network. The seed's text lost the article's equations (they
    were images); its figures below are those of the English original it translates (Matt
    Mazur's step-by-step example), where it prints them, and the engine's elsewhere."""

    def test_the_article_numbers(self):
        _, error = mazur_nn()
        explanation = explain_layers(error, precision=9)
        hidden, output = explanation.layers
        o1, o2 = output.neurons
        # BP1 for o1: ∂E/∂out_o1 = 0.74136507, ∂out_o1/∂net_o1 = 0.186815602, δ_o1 = 0.138498562
        assert (o1.upstream, o1.slope, o1.delta) == pytest.approx((0.74136507, 0.186815602, 0.138498562), abs=5e-9)
        # BP2 for h1: ∂E_o1/∂out_h1 = 0.055399425, ∂E_o2/∂out_h1 = -0.019049119, sum 0.036350306,
        # ∂out_h1/∂net_h1 = 0.241300709
        h1 = hidden.neurons[0]
        assert [t.weight for t in h1.terms] == [ARTICLE_NAMES["w5"], ARTICLE_NAMES["w7"]]
        # (the article multiplies rounded factors: its -0.019049119 is -0.0190491183 to 1e-9)
        assert [t.weight_value * t.delta for t in h1.terms] == pytest.approx([0.055399425, -0.019049119], abs=1e-9)
        assert (h1.upstream, h1.slope) == pytest.approx((0.036350306, 0.241300709), abs=5e-10)
        gradients = explanation.gradients
        assert gradients[ARTICLE_NAMES["w5"]] == pytest.approx(0.082167041, abs=5e-10)
        assert gradients[ARTICLE_NAMES["w1"]] == pytest.approx(0.000438568, abs=5e-10)
        text = str(explanation)
        assert "δ(L1.N0) = ∂E/∂L1.N0.a · σ′(L1.N0.z) = 0.74136507 × 0.186815602 = 0.138498562" in text
        assert "∂E/∂L1.N0.w0 = L0.N0.a · δ(L1.N0) = 0.593269992 × 0.138498562 = " in text  # out_h1 = 0.593269992
        assert "∂E/∂L0.N0.w0 = x0 · δ(L0.N0) = 0.05 × " in text

    def test_one_step_with_these_gradients_gives_the_seeds_error(self):
        """The seed prints E = 0.298371109 before and 0.291027924 after one step of rate 0.5 on
        w1 … w8 (the biases are not trained); exact arithmetic gives 0.291027774 (seeds/README)."""
        net, error = mazur_nn()
        assert error.data == pytest.approx(0.298371109, abs=5e-10)
        gradients = explain_layers(error).gradients
        stepped = [
            p.data if name.endswith(".b") else p.data - 0.5 * gradients[p.label] for name, p in net.named_parameters()
        ]
        _, after = mazur_nn(stepped)
        assert after.data == pytest.approx(0.291027774, abs=5e-10)
        assert after.data == pytest.approx(0.291027924, abs=2e-7)  # the article, which updates w5…w8 first

    def test_every_delta_and_gradient_equals_the_engine(self):
        net, error = mazur_nn()
        explanation = explain_layers(error)
        deltas, gradients = engine_gradients(net, error)
        assert explanation.deltas == pytest.approx(deltas, abs=1e-12, rel=0)
        assert explanation.gradients == pytest.approx(gradients, abs=1e-12, rel=0)
        assert len(gradients) == 12 and set(explanation.gradients) == set(gradients)

    def test_sympy_differentiates_the_closed_form(self):
        sympy = pytest.importorskip("sympy")
        net_h1, w1 = sympy.symbols("net_h1 w1")
        w = {
            k: sympy.Rational(v).limit_denominator(1000)
            for k, v in zip(
                range(1, 9),
                MAZUR_PARAMETERS[0:2] + MAZUR_PARAMETERS[3:5] + MAZUR_PARAMETERS[6:8] + MAZUR_PARAMETERS[9:11],
                strict=True,
            )
        }
        i1, i2, b1, b2 = (
            sympy.Rational(5, 100),
            sympy.Rational(10, 100),
            sympy.Rational(35, 100),
            sympy.Rational(60, 100),
        )

        def sigmoid(t):
            return 1 / (1 + sympy.exp(-t))

        def error(h1_input, w1_value):
            h1 = sigmoid(h1_input if h1_input is not None else w1_value * i1 + w[2] * i2 + b1)
            h2 = sigmoid(w[3] * i1 + w[4] * i2 + b1)
            o1 = sigmoid(w[5] * h1 + w[6] * h2 + b2)
            o2 = sigmoid(w[7] * h1 + w[8] * h2 + b2)
            return (
                sympy.Rational(1, 2) * (sympy.Rational(1, 100) - o1) ** 2
                + sympy.Rational(1, 2) * (sympy.Rational(99, 100) - o2) ** 2
            )

        at_h1 = w[1] * i1 + w[2] * i2 + b1
        delta_h1 = float(sympy.diff(error(net_h1, None), net_h1).subs(net_h1, at_h1).evalf(30))
        grad_w1 = float(sympy.diff(error(None, w1), w1).subs(w1, w[1]).evalf(30))
        _, loss = mazur_nn()
        explanation = explain_layers(loss)
        assert explanation.deltas["L0.N0"] == pytest.approx(delta_h1, abs=1e-12, rel=0)
        assert explanation.gradients["L0.N0.w0"] == pytest.approx(grad_w1, abs=1e-12, rel=0)

    def test_the_layout_follows_the_backward_pass(self):
        _, error = mazur_nn()
        text = str(explain_layers(error))
        lines = text.splitlines()
        order = [lines.index(h) for h in ("layer L1 (output layer, sigmoid)", "layer L0 (hidden, sigmoid)")]
        assert order == sorted(order)  # output layer first
        rules = [line.split(":")[0].strip() for line in lines if re.match(r"  BP\d:", line)]
        assert rules == ["BP1", "BP3", "BP4", "BP2", "BP3", "BP4"]
        # BP2 per neuron: the sum over the next layer's neurons, each through the weight that reads it
        assert "δ(L0.N1) = (L1.N0.w1 · δ(L1.N0) + L1.N1.w1 · δ(L1.N1)) · σ′(L0.N1.z)" in text
        assert "= (0.45 × 0.138499 + 0.55 × (-0.0380982)) × 0.240613" in text
        for name in [p.label for p in mazur_nn()[0].parameters()]:
            assert sum(line.strip().startswith(f"∂E/∂{name} = ") for line in lines) == 1
        assert lines[-1].startswith("Checked against the engine")

    def test_the_grads_are_not_touched(self):
        _, error = mazur_nn()
        explain_layers(error)
        assert all(n.grad == 0.0 for n in ag.topological_order(error))


def plain_backprop(net, x, targets):
    """δ per neuron and ∂L/∂p per parameter of an nn MLP under mse, with floats, written from
    the textbook formulas (not from the graph): the independent oracle."""
    value = {"relu": lambda t: max(t, 0.0), "tanh": math.tanh, "linear": lambda t: t}
    slope = {"relu": lambda t: 1.0 if t > 0 else 0.0, "tanh": lambda t: 1 - math.tanh(t) ** 2, "linear": lambda t: 1.0}
    inputs, zs, kinds = [list(x)], [], []
    for layer in net.layers:
        kind = layer.neurons[0].activation_name
        z = [n.b.data + sum(w.data * a for w, a in zip(n.w, inputs[-1], strict=True)) for n in layer.neurons]
        zs.append(z)
        kinds.append(kind)
        inputs.append([value[kind](t) for t in z])
    out = inputs[-1]
    upstream = [2 * (o - t) / len(out) for o, t in zip(out, targets, strict=True)]
    deltas = [[]] * len(zs)
    for number in reversed(range(len(zs))):
        if number < len(zs) - 1:
            readers = net.layers[number + 1].neurons
            upstream = [
                sum(m.w[j].data * d for m, d in zip(readers, deltas[number + 1], strict=True))
                for j in range(len(zs[number]))
            ]
        deltas[number] = [u * slope[kinds[number]](t) for u, t in zip(upstream, zs[number], strict=True)]
    by_neuron, by_parameter = {}, {}
    for number, layer in enumerate(net.layers):
        for j, n in enumerate(layer.neurons):
            by_neuron[f"L{number}.N{j}"] = deltas[number][j]
            by_parameter[n.b.label] = deltas[number][j]
            for k, w in enumerate(n.w):
                by_parameter[w.label] = inputs[number][k] * deltas[number][j]
    return by_neuron, by_parameter, zs


NEGATIVE_ZERO = re.compile(r"(?<![\d.e])-0(?![.\de])")


class TestLayersShapes:
    def test_the_chain_network_of_article_000(self):
        """One sigmoid neuron per layer: BP2 has one term, and each δ is the one after it times
        one new factor w·σ′(z), the reuse the article is about. By hand: chain_network.by_hand."""
        weights = chain_network.WEIGHTS
        net = nn.MLP(1, [1, 1, 1, 1], activation="sigmoid", output_activation="sigmoid")
        net.set_parameters([v for i in (2, 3, 4, 5) for v in (weights[i], 0.0)])  # no biases in the article
        a5 = net([chain_network.X])
        error = 0.5 * (chain_network.Y - a5) ** 2
        error.label = "E"
        explanation = explain_layers(error)
        _, w, z, a = chain_network.forward()
        hand = chain_network.by_hand(z, w, a)
        for i in (2, 3, 4, 5):  # neuron i of the article is layer L(i-2)
            assert explanation.deltas[f"L{i - 2}.N0"] == pytest.approx(hand[i][0], abs=1e-12, rel=0)
            assert explanation.gradients[f"L{i - 2}.N0.w0"] == pytest.approx(hand[i][1], abs=1e-12, rel=0)
        text = str(explanation)
        assert "δ(L2.N0) = L3.N0.w0 · δ(L3.N0) · σ′(L2.N0.z) = 0.9 × " in text  # w5 reads a4
        assert "∂E/∂L0.N0.w0 = x0 · δ(L0.N0) = 1.5 × " in text

    def test_relu_and_tanh_in_three_layers(self):
        net = nn.MLP(3, [4, 3, 2], activation="relu", output_activation="tanh", rng=4)
        x, targets = [0.5, -1.0, 2.0], [0.3, -0.2]
        loss = nn.mse(net(x), targets)
        explanation = explain_layers(loss)
        by_neuron, by_parameter, zs = plain_backprop(net, x, targets)
        assert explanation.deltas == pytest.approx(by_neuron, abs=1e-12, rel=0)
        assert explanation.gradients == pytest.approx(by_parameter, abs=1e-12, rel=0)
        deltas, gradients = engine_gradients(net, loss)
        assert explanation.deltas == pytest.approx(deltas, abs=1e-12, rel=0)
        assert explanation.gradients == pytest.approx(gradients, abs=1e-12, rel=0)
        # some relu units are off and some on: an off unit has σ′ = 0 and δ = 0
        hidden = [
            (n, z)
            for layer, z_row in zip(explanation.layers[:2], zs, strict=False)
            for n, z in zip(layer.neurons, z_row, strict=True)
        ]
        assert {z > 0 for _, z in hidden} == {True, False}
        for n, z in hidden:
            assert n.slope == (1.0 if z > 0 else 0.0)
            assert (n.delta == 0.0) or z > 0
        assert [layer.activation for layer in explanation.layers] == ["relu", "relu", "tanh"]
        text = str(explanation)
        assert "layer L2 (output layer, tanh)" in text and "layer L0 (hidden, relu)" in text
        assert not NEGATIVE_ZERO.search(text)  # an off unit's 0 × (−x) is written 0

    def test_a_linear_network_as_seed_002_prints_it(self):
        """Seed 002: y = 5.05, ∂E/∂y = y − t = 1.05, ∂E/∂w5 = 1.3125, and after a step of 0.1 the
        weights 0.395, 1.4475, 2.195, 2.9475, 0.86875, 0.601 (so ∂E/∂w = (w − w′)/0.1)."""
        net = nn.MLP(2, [2, 1], activation="linear")
        before = (0.5, 1.5, 2.3, 3.0, 1.0, 1.0)
        w1, w2, w3, w4, w5, w6 = before
        net.set_parameters([w1, w2, 0.0, w3, w4, 0.0, w5, w6, 0.0])
        y = net([1.0, 0.5])
        error = nn.squared_error(y, 4.0)
        error.label = "E"
        explanation = explain_layers(error)
        assert explanation.deltas["L1.N0"] == pytest.approx(1.05, abs=1e-12)
        assert explanation.gradients["L1.N0.w0"] == pytest.approx(1.3125, abs=1e-12)
        after = (0.395, 1.4475, 2.195, 2.9475, 0.86875, 0.601)
        labels = ["L0.N0.w0", "L0.N0.w1", "L0.N1.w0", "L0.N1.w1", "L1.N0.w0", "L1.N0.w1"]
        expected = [(b - a) / 0.1 for b, a in zip(before, after, strict=True)]
        assert [explanation.gradients[k] for k in labels] == pytest.approx(expected, abs=1e-9)
        text = str(explanation)
        assert "layer L1 (output layer, linear: a = z, σ′(z) = 1)" in text
        assert "δ(L1.N0) = ∂E/∂L1.N0.z = 1.05" in text
        assert "δ(L0.N1) = L1.N0.w1 · δ(L1.N0) = 1 × 1.05 = 1.05" in text
        assert "∂E/∂L1.N0.w1 = L0.N1.z · δ(L1.N0) = 3.8 × 1.05 = 3.99" in text  # h2 = 3.8 is the input of w6
        assert "σ′(L" not in text

    def test_a_loss_without_a_label_is_l_and_the_output_itself_is_a_loss(self):
        net = nn.MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", rng=1)
        out = net([0.3, -0.7])
        explanation = explain_layers(out * 2.0)
        assert explanation.root == "L" and "∂L/∂L1.N0.a" in str(explanation)
        alone = explain_layers(out)
        s = out.data
        assert alone.deltas["L1.N0"] == pytest.approx(s * (1 - s), abs=1e-15)  # ∂out/∂z = σ′(z)
        assert alone.layers[-1].neurons[0].upstream == 1.0
        deltas, gradients = engine_gradients(net, out)
        assert alone.gradients == pytest.approx(gradients, abs=1e-12, rel=0)

    def test_a_lone_layer(self):
        layer = nn.Layer(2, 2, "relu", weights=[[1.0, 0.5], [-1.0, 0.25]], biases=[0.0, 0.0])
        out = layer([2.0, 1.0])  # z0 = 2.5 (on), z1 = -1.75 (off)
        loss = out[0] * 3.0 + out[1]
        explanation = explain_layers(loss)
        assert [layer.name for layer in explanation.layers] == [""]
        assert explanation.deltas == {"N0": 3.0, "N1": 0.0}
        assert explanation.gradients == {
            "N0.w0": 6.0,
            "N0.w1": 3.0,
            "N0.b": 3.0,
            "N1.w0": 0.0,
            "N1.w1": 0.0,
            "N1.b": 0.0,
        }
        assert str(explanation).splitlines()[1] == "the layer (output layer, relu)"


def penalty(net):
    return 0.01 * sum((p * p for p in net.parameters()), Value(0.0))


def refusal(loss):
    with pytest.raises(LayerStructureError) as caught:
        explain_layers(loss)
    return str(caught.value)


class TestLayersRefusals:
    def small(self, **kwargs):
        return nn.MLP(2, [2, 1], activation="tanh", rng=0, **kwargs)

    def test_no_labels(self):
        x, w = Value(0.5, "x"), Value(2.0, "w")
        message = refusal(((w * x).tanh() - 1.0) ** 2)
        assert "no neurons" in message and "'<layer>.N<j>.z'" in message and "L0.N1.w0" in message
        assert "autograd_scalar.nn" in message and "explain(loss, parameters)" in message

    def test_a_weight_shared_between_two_neurons(self):
        net = self.small()
        net.layers[0].neurons[1].w[0] = net.layers[0].neurons[0].w[0]
        message = refusal(nn.squared_error(net([1.0, 2.0]), 0.5))
        assert "L0.N0.w0 is used by L0.N1.z as well as by its own neuron's L0.N0.z" in message
        assert "shared" in message and "explain(loss, parameters)" in message

    def test_a_weight_used_twice_in_one_neuron(self):
        net = self.small()
        neuron = net.layers[1].neurons[0]
        neuron.w[1] = neuron.w[0]
        message = refusal(nn.squared_error(net([1.0, 2.0]), 0.5))
        assert "L1.N0.w0 does not enter L1.N0.z as one product weight · input" in message

    def test_a_penalty_on_the_weights(self):
        net = self.small()
        loss = nn.squared_error(net([1.0, 2.0]), 0.5) + penalty(net)
        loss.label = "J"
        message = refusal(loss)
        assert "L0.N0.w0 is used by J as well as by its own neuron's L0.N0.z" in message
        assert "penalty" in message

    def test_a_loss_that_reads_a_hidden_layer(self):
        net = self.small()
        hidden = net.layers[0]([1.0, 2.0])
        out = net.layers[1](hidden)[0]
        message = refusal((out - 0.5) ** 2 + hidden[1] ** 2)
        assert "L0.N1.a is read by L (the loss reads a hidden layer)" in message

    def test_a_skip_connection(self):
        net = nn.MLP(2, [2, 2, 1], activation="tanh", rng=0)
        first = net.layers[0]([1.0, 2.0])
        second = net.layers[1](first)
        out = net.layers[2]([second[0], first[1]])[0]  # L2 reads L0.N1 past L1
        message = refusal(out * out)
        assert "L0.N1.a is read by L2.N0.z (a connection that skips the next layer, L1)" in message

    def test_a_batch(self):
        net = self.small()
        loss = nn.squared_error([net([1.0, 2.0]), net([0.0, 1.0])], [0.5, 0.1])
        message = refusal(loss)
        assert "2 nodes are labelled L0.N0.z" in message and "one sample" in message

    def test_a_disagreement_with_the_engine_is_refused(self, monkeypatch):
        """The last guard: were the engine to disagree with a δ, nothing is printed."""
        module = importlib.import_module("autograd_scalar.explain")
        real = module.gradients

        def off(order, seed, wrt):
            grads = real(order, seed, wrt)
            z = next(n for n in order if n.label == "L0.N1.z")
            grads[z] *= 1 + 1e-6
            return grads

        monkeypatch.setattr(module, "gradients", off)
        _, error = mazur_nn()
        message = refusal(error)
        assert message.startswith("explain_layers: δ(L0.N1) = ") and "by BP2, but the engine's ∂E/∂L0.N1.z" in message

    def test_bad_arguments(self):
        with pytest.raises(TypeError):
            explain_layers(1.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="precision"):
            explain_layers(mazur_nn()[1], precision=18)


class TestLayersReprs:
    def explanations(self):
        yield explain_layers(mazur_nn()[1])
        net = nn.MLP(3, [4, 3, 2], activation="relu", output_activation="tanh", rng=4)
        yield explain_layers(nn.mse(net([0.5, -1.0, 2.0]), [0.3, -0.2]))
        linear = nn.MLP(2, [2, 1], activation="linear", rng=2)
        yield explain_layers(nn.squared_error(linear([1e-30, -2.0]), 4.0))

    def test_latex_and_markdown(self):
        for explanation in self.explanations():
            latex = explanation._repr_latex_()
            assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
            body = latex[len("$$\\begin{aligned}") : -len("\\end{aligned}$$")]
            rows = [row.strip() for row in body.split(r" \\ ")]
            assert all(row.startswith("& ") for row in rows)
            for row in rows:
                check_math(row[2:])
            assert sum(r"\text{BP1: }" in row for row in rows) == 1
            # Markdown: prose between the same equations, each in its own $$ block
            blocks = explanation._repr_markdown_().split("$$")
            assert blocks[1::2] == [row[2:] for row in rows if not row.startswith(r"& \text{layer")]
            prose = "".join(blocks[0::2])
            assert "\\(" not in prose
            assert "**Layer L0 (hidden, " in prose
            assert r"\delta_{\mathrm{L0.N0}} = " in latex
