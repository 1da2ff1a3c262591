"""Each example reproduces its worked example, number for number, and runs as a script."""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar.app import demo

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestShopReceipt:
    """Seed 004 (the graphs live in autograd_scalar.app.demo, which the example runs)."""

    def test_apples(self):
        price, inputs = demo.apples()
        price.backward()
        assert price.data == pytest.approx(220)
        assert [v.grad for v in inputs.values()] == pytest.approx([2.2, 110, 200])

    def test_apples_and_oranges(self):
        price, inputs = demo.apples_and_oranges()
        price.backward()
        assert price.data == pytest.approx(715)
        assert [v.grad for v in inputs.values()] == pytest.approx([2.2, 110, 3.3, 165, 650])


class TestMazurNetwork:
    """Seed 001."""

    def test_forward_matches_the_article(self):
        example = load("mazur_network")
        e, outputs = example.error(example.build())
        assert round(outputs[0].data, 8) == 0.75136507
        assert round(outputs[1].data, 9) == 0.772928465
        assert round(e.data, 9) == 0.298371109

    def test_one_update_gives_the_exact_error(self):
        example = load("mazur_network")
        net = example.build()
        example.train_gradient_descent(net, 1)
        assert round(example.error(net)[0].data, 9) == 0.291027774

    def test_one_update_in_the_articles_order_gives_its_printed_error(self):
        """The article's 0.291027924 is its update order (w5…w8 first), not rounding."""
        example = load("mazur_network")
        net = example.build()
        example.train_article_order(net, 1)
        assert round(example.error(net)[0].data, 9) == 0.291027924

    def test_output_layer_gradient_by_hand(self):
        # ∂E/∂w5 = (out_o1 − target_o1) · out_o1 (1 − out_o1) · out_h1, from the article's numbers
        example = load("mazur_network")
        net = example.build()
        example.error(net)[0].backward()
        h1 = 1 / (1 + math.exp(-(0.15 * 0.05 + 0.20 * 0.10 + 0.35)))
        o1 = 0.75136507
        assert example.weights(net)[4].grad == pytest.approx((o1 - 0.01) * o1 * (1 - o1) * h1, rel=1e-7)

    def test_ten_thousand_steps_of_gradient_descent(self):
        example = load("mazur_network")
        net = example.build()
        example.train_gradient_descent(net, 10_000)
        e, outputs = example.error(net)
        assert e.data == pytest.approx(3.5102e-05, rel=1e-4)
        assert outputs[0].data == pytest.approx(0.0159136, rel=1e-5)
        assert outputs[1].data == pytest.approx(0.9840643, rel=1e-7)

    def test_the_articles_update_order_gives_its_printed_figures(self):
        example = load("mazur_network")
        net = example.build()
        example.train_article_order(net, 10_000)
        e, outputs = example.error(net)
        assert round(e.data, 9) == 0.000035085
        assert round(outputs[0].data, 9) == 0.015912196
        assert round(outputs[1].data, 9) == 0.984065734


class TestLinearWalkthrough:
    """Seed 002."""

    def test_one_step(self):
        example = load("linear_walkthrough")
        net = example.build()
        y, e, grads = example.step(net)
        assert y == pytest.approx(5.05) and e == pytest.approx(0.55125)
        assert grads[4] == pytest.approx(1.3125)
        new = [w.data for w in example.weights(net)]
        assert new == pytest.approx([0.395, 1.4475, 2.195, 2.9475, 0.86875, 0.601])
        y2 = net(list(example.X)).data
        assert round(y2, 4) == 3.1768
        assert round(0.5 * (4 - y2) ** 2, 4) == 0.3388


class TestChainNetwork:
    """Seed 000."""

    def test_each_delta_is_the_next_times_one_new_factor(self):
        example = load("chain_network")
        error, w, z, a = example.forward()
        error.backward()
        for i in (4, 3, 2):
            s = a[i].data
            assert z[i].grad == pytest.approx(z[i + 1].grad * w[i + 1].data * s * (1 - s), rel=1e-12)

    def test_engine_matches_the_hand_computation(self):
        example = load("chain_network")
        error, w, z, a = example.forward()
        error.backward()
        hand = example.by_hand(z, w, a)
        for i in (5, 4, 3, 2):
            assert z[i].grad == pytest.approx(hand[i][0], rel=1e-12)
            assert w[i].grad == pytest.approx(hand[i][1], rel=1e-12)


def test_delta_rule_equations_match_the_engine():
    """Seed 003: BP1–BP4 with plain floats give the engine's gradients."""
    example = load("delta_rule")
    for seed in range(5):
        assert example.compare(seed) < 1e-12


def test_softmax_classifier_reaches_high_accuracy():
    example = load("softmax_classifier")
    model, losses = example.train()
    assert losses[-1] < 0.1 * losses[0]
    assert example.accuracy(model, example.blobs()) >= 0.95


def test_xor_is_learned():
    example = load("xor")
    model, _ = example.train()
    assert [round(model(x).data) for x, _ in example.DATA] == [t for _, t in example.DATA]


def test_moons_reaches_98_percent(eager_moons_run):
    _, history = eager_moons_run
    assert history[-1][1] >= 0.98
    assert history[-1][0] < history[0][0]


def test_moons_data_is_two_balanced_half_circles():
    points, labels = demo.make_moons()
    assert len(points) == 100 and labels.count(-1.0) == labels.count(1.0) == 50


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("shop_receipt", ["--out", "{tmp}"], "price = 715"),
        ("mazur_network", [], "0.291027774"),
        ("linear_walkthrough", [], "y' = 3.1768, E' = 0.3388"),
        ("chain_network", [], "δ5 × w5·σ′(z4)"),
        ("delta_rule", [], "largest |equations − engine|"),
        ("softmax_classifier", [], "accuracy 100%"),
        ("xor", [], "accuracy 100%"),
        ("moons", ["--steps", "2", "--out", "{tmp}"], "final loss"),
        ("moons", ["--steps", "2", "--out", "{tmp}", "--compiled"], "compiled replay"),
        ("spiral", ["--epochs", "3", "--out", "{tmp}"], "final training accuracy"),
        ("regression", ["--epochs", "3", "--out", "{tmp}"], "test loss"),
        ("save_and_load", ["--epochs", "2", "--path", "{tmp}/model.json"], "outputs match"),
    ],
)
def test_runs_as_a_script(script, args, expected, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_moons_script_refuses_too_few_steps_with_a_usage_error(steps, tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "moons.py"), "--steps", steps, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "at least 1" in result.stderr and "Traceback" not in result.stderr
