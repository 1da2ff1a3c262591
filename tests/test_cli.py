"""The autograd-scalar command line: answers, pictures, and clean refusals."""

import math
import subprocess
import sys

import pytest

from autograd_scalar.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestGrad:
    def test_example_from_the_issue(self, capsys):
        code, out, err = run(capsys, "grad", "x*y + sin(x)", "x=2", "y=-3")
        assert code == 0 and err == ""
        lines = out.splitlines()
        assert lines[0] == "f(x, y) = x*y + sin(x)"
        assert lines[1] == f"value = {-6 + math.sin(2):.10g}"
        x_row, y_row = lines[3].split(), lines[4].split()
        assert x_row[0] == "x" and float(x_row[2]) == pytest.approx(-3 + math.cos(2), rel=1e-9)
        assert float(x_row[3]) == pytest.approx(-3 + math.cos(2), rel=1e-6)  # finite-difference column
        assert y_row[0] == "y" and float(y_row[2]) == 2.0

    def test_every_function(self, capsys):
        expr = "exp(x) + log(x) + tanh(x) + sigmoid(x) + relu(x) + sin(x) + cos(x) + sqrt(x) + abs(-x) + x**2/2"
        code, out, _ = run(capsys, "grad", expr, "x=0.7")
        x = 0.7
        expected = (
            math.exp(x)
            + 1 / x
            + 1
            - math.tanh(x) ** 2
            + math.exp(-x) / (1 + math.exp(-x)) ** 2
            + 1
            + math.cos(x)
            - math.sin(x)
            + 0.5 / math.sqrt(x)
            + 1
            + x
        )
        assert code == 0
        assert float(out.splitlines()[3].split()[2]) == pytest.approx(expected, rel=1e-9)

    def test_expression_may_start_with_a_minus_sign(self, capsys):
        code, out, _ = run(capsys, "grad", "-x*y", "x=2", "y=3")
        assert code == 0 and out.splitlines()[0] == "f(x, y) = -x*y"
        assert float(out.splitlines()[3].split()[2]) == -3.0

    def test_redundant_parentheses_are_fine(self, capsys):
        code, out, _ = run(capsys, "grad", "(" * 150 + "x" + ")" * 150, "x=2")
        assert code == 0 and "value = 2" in out

    def test_constant_expression(self, capsys):
        code, out, _ = run(capsys, "grad", "2**10")
        assert code == 0 and "value = 1024" in out

    def test_math_domain_error_is_one_line(self, capsys):
        code, out, err = run(capsys, "grad", "log(x)", "x=-1")
        assert code == 1 and out == ""
        assert err == "autograd-scalar: error: log(Value(data=-1.0, label='x')): math domain error\n"

    def test_module_entry_point(self):
        result = subprocess.run(
            [sys.executable, "-m", "autograd_scalar", "grad", "x*x", "x=3"], capture_output=True, text=True
        )
        assert result.returncode == 0 and "6" in result.stdout.splitlines()[3]


class TestGraph:
    def test_dot_to_stdout(self, capsys):
        code, out, _ = run(capsys, "graph", "x*x + 1", "x=3", "-o", "-")
        assert code == 0 and out.startswith("digraph")
        assert "{ x | data 3 | grad 6 }" in out and "{ f | data 10 | grad 1 }" in out

    def test_svg_file_with_options(self, capsys, tmp_path):
        target = tmp_path / "g.svg"
        code, out, _ = run(
            capsys,
            "graph",
            "(a*n)*t",
            "a=100",
            "n=2",
            "t=1.1",
            "--local-grads",
            "--number",
            "--renderer",
            "graphviz-pure",
            "-o",
            str(target),
        )
        assert code == 0 and out.strip() == f"wrote {target}"
        svg = target.read_text()
        assert "2 × 1.1 = 2.2" in svg and "#1" in svg

    def test_png_file(self, capsys, tmp_path):
        target = tmp_path / "g.png"
        assert run(capsys, "graph", "x*y", "x=1", "y=2", "-o", str(target), "--renderer", "graphviz-pure")[0] == 0
        assert target.read_bytes()[:4] == b"\x89PNG"

    def test_unwritable_output_is_one_line(self, capsys, tmp_path):
        code, _, err = run(capsys, "graph", "x", "x=1", "-o", str(tmp_path / "missing" / "g.dot"))
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


CANARY = "autograd_scalar_canary"

HOSTILE = [
    f"__import__('os').system('touch {CANARY}')",
    "x.__class__",
    f"open('{CANARY}', 'w')",
    "lambda: 1",
    "(lambda: 1)()",
    "[x for x in (1, 2)]",
    "+".join(["x"] * 200_000),
    "(" * 5000 + "x" + ")" * 5000,
    "",
    "   ",
    "x +",
    "x // 2",
    "'a' * 3",
    "x if x else x",
    "x < 1",
    "globals()",
    "sin",
    "sin(x, x)",
    "sin(x=1)",
    "exp(*x)",
    "x[0]",
    "-" * 1200 + "x",
    "sin(" * 150 + "x" + ")" * 150,
    "x; y",
    "1j * x",
    "__builtins__",
]


@pytest.mark.parametrize("expression", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_refused_cleanly(expression, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "grad", expression, "x=1")
    assert code == 2 and out == ""
    assert sum(line.startswith("autograd-scalar: error: ") for line in err.splitlines()) == 1
    assert "Traceback" not in err and err.count("autograd-scalar: error:") == 1
    assert not (tmp_path / CANARY).exists()


def test_refusal_points_at_the_column(capsys):
    _, _, err = run(capsys, "grad", "x + open('f')", "x=1")
    message, text, caret = err.splitlines()
    assert "calls to 'open' are not allowed" in message
    assert text == "  x + open('f')" and caret == "      ^"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grad", "x*y", "x=1"], "unknown variable 'y': give it a value, e.g. y=1.5"),
        (["grad", "x", "x=abc"], "the value for x is not a number: 'abc'"),
        (["grad", "x", "x"], "expected NAME=VALUE, got 'x'"),
        (["grad", "x", "x=1", "x=2"], "x is given twice"),
        (["grad", "x", "x=1", "z=2"], "z is given a value but does not appear"),
        (["grad", "x", "x=nan"], "the value for x is nan"),
        (["grad", "x", "1x=2"], "'1x' is not a variable name"),
        (["grad", "sin(x)", "x=1", "sin=2"], "'sin' is a function"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments(argv, message, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    assert 'autograd-scalar grad "x*y + sin(x)" x=2 y=-3' in out and "never evaluated as Python" in out


def test_demo_writes_what_it_names(capsys, tmp_path):
    assert main(["demo", "--out", str(tmp_path), "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "price = 220" in out and "price = 715" in out and "two moons" in out
    for name in ("receipt_apples.svg", "receipt_apples.png", "receipt_apples_oranges.svg", "receipt_backward.html"):
        assert f"wrote {tmp_path / name}" in out and (tmp_path / name).exists()
