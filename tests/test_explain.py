"""`ag.explain`: derivatives written out as sums over paths of products of local derivatives.

Every expected number comes from the seeds' articles or is computed independently of
`explain` (by `backward()`, `ag.grad` or plain floats), never from explain itself.
"""

import math
import re
import sys
from pathlib import Path

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.app.cli import main
from autograd_scalar.explain import MAX_PATHS

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


mathtext = pytest.importorskip("matplotlib.mathtext")


def check_math(source: str) -> None:
    """Parse one math expression with matplotlib's TeX parser: raises when it is malformed."""
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
