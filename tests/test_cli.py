"""The autograd-scalar command line: answers, pictures, and clean refusals."""

import math
import os
import subprocess
import sys

import pytest

from autograd_scalar.app.cli import main


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
        # One message, then (like every refusal) the expression with a caret at the op.
        code, out, err = run(capsys, "grad", "log(x)", "x=-1")
        assert code == 1 and out == ""
        assert err == "autograd-scalar: error: log(Value(data=-1.0, label='x')): math domain error\n  log(x)\n  ^\n"

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


# -- constants go through the engine (item 10) ----------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message", "caret"),
    [
        # Python would fold (-4)**0.5 into the complex number 2j and abs() into 2.0.
        ("abs((-4)**0.5)*x", "**0.5(Value(data=-4.0)): a negative base needs an integer exponent", 8),
        ("x - (-4)**0.5", "**0.5(Value(data=-4.0)): a negative base needs an integer exponent", 8),
        ("(-8)**(1/3)*x", "**0.3333333333333333(Value(data=-8.0)): a negative base needs an integer exponent", 4),
        ("log(0)*x", "log(Value(data=0.0)): math domain error", 0),
        ("x + sqrt(-1)", "sqrt(Value(data=-1.0)): math domain error", 4),
        ("x + 1/0", "/(Value(data=1.0), Value(data=0.0)): float division by zero", 5),
        ("x * 0**-1", "**-1(Value(data=0.0)): 0.0 cannot be raised to a negative power", 5),
        # 9**9**9 is 9**387420489: say which power overflowed, in the numbers typed.
        ("9**9**9 + x", "9 ** 387420489 overflows: the result is too large for a float", 1),
        ("exp(1000) * x", "exp(1000) overflows: the result is too large for a float", 0),
    ],
)
def test_constants_obey_the_engine_domain_rules(expression, message, caret, capsys):
    code, out, err = run(capsys, "grad", expression, "x=3")
    assert code == 1 and out == ""
    first, text, marker = err.splitlines()
    assert first.startswith(f"autograd-scalar: error: {message}")
    assert text == f"  {expression}" and marker == "  " + " " * caret + "^"


def test_a_constant_is_refused_with_the_message_a_variable_gets(capsys):
    _, _, with_variable = run(capsys, "grad", "abs(a**0.5)*x", "a=-4", "x=3")
    _, _, with_constant = run(capsys, "grad", "abs((-4)**0.5)*x", "x=3")
    reason = "a negative base needs an integer exponent"
    assert reason in with_variable.splitlines()[0] and reason in with_constant.splitlines()[0]


def test_a_number_too_large_for_a_float_is_refused_not_made_inf(capsys):
    code, out, err = run(capsys, "grad", "x*1e400", "x=1")
    assert code == 2 and out == ""
    assert "the number 1e400 is too large for a float" in err and err.splitlines()[-1] == "    ^"
    code, out, err = run(capsys, "grad", "x", "x=1e400")
    assert code == 2 and out == "" and "the value for x, 1e400, is too large for a float" in err


# -- the finite-difference column at the edge of a domain (item 11) --------------------------


def rows(out):
    """The table's rows after the header, split into at most 4 cells."""
    return [line.split(maxsplit=3) for line in out.splitlines()[3:]]


def test_sqrt_at_zero_prints_the_gradient_and_says_why_there_is_no_difference(capsys):
    code, out, err = run(capsys, "grad", "sqrt(x)", "x=0")
    assert code == 0 and err == ""
    ((name, value, gradient, check),) = rows(out)
    assert (name, value, gradient) == ("x", "0", "inf")  # sqrt'(0) = +inf (the README's kink table)
    assert check.startswith("n/a: one-sided differences do not settle")


def test_log_near_zero_uses_a_one_sided_difference(capsys):
    code, out, err = run(capsys, "grad", "log(x)", "x=5e-7")
    assert code == 0 and err == ""
    ((_, _, gradient, check),) = rows(out)
    assert float(gradient) == pytest.approx(2e6, rel=1e-9)  # 1/x
    estimate, marker = check.split(maxsplit=1)
    assert float(estimate) == pytest.approx(2e6, rel=1e-6) and marker == "(one-sided)"


def test_a_kink_is_marked_in_the_check_column(capsys):
    # relu'(0) = 0 is a convention; the difference (h - 0) / 2h = 0.5 is the mean of the
    # slopes 0 and 1, and the column says so rather than print 0.5 as if it were a derivative.
    code, out, _ = run(capsys, "grad", "relu(x)", "x=0")
    assert code == 0
    assert rows(out) == [["x", "0", "0", "0.5 (a kink: slope 0 on the left, 1 on the right)"]]


def test_near_a_pole_the_check_column_agrees_with_the_gradient(capsys):
    code, out, _ = run(capsys, "grad", "log(x)", "x=2e-6")
    ((_, _, gradient, check),) = rows(out)
    assert code == 0 and float(gradient) == 5e5  # 1/x
    assert float(check) == pytest.approx(5e5, rel=1e-6)  # not (log 3e-6 - log 1e-6) / 2e-6 = 549306


def test_infinity_is_a_value_and_the_check_says_it_has_no_number(capsys):
    code, out, err = run(capsys, "grad", "x*2", "x=inf")
    assert code == 0 and err == ""
    assert out.splitlines()[1] == "value = inf"
    assert rows(out) == [["x", "inf", "2", "n/a: not differentiable numerically at inf: no finite step moves it"]]


def test_an_infinite_value_gives_no_nan_in_the_check_column(capsys):
    code, out, _ = run(capsys, "grad", "x*x", "x=1e200")
    assert code == 0 and "nan" not in out
    assert rows(out) == [["x", "1e+200", "2e+200", "n/a: f is inf here"]]


# -- clear errors, never a traceback (item 12) -------------------------------------------------


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_demo_refuses_steps_below_one_before_printing(steps, capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--steps", steps)
    assert code == 2 and out == ""
    assert f"argument --steps: the number of training steps must be at least 1, got {steps}" in err


def test_demo_run_refuses_steps_below_one_before_printing(capsys, tmp_path):
    from autograd_scalar.app import demo

    with pytest.raises(ValueError, match="at least 1, got 0"):
        demo.run(tmp_path, 0)
    assert capsys.readouterr().out == ""


def test_demo_refuses_a_file_as_its_folder_before_printing(capsys, tmp_path):
    target = tmp_path / "a_file"
    target.write_text("")
    code, out, err = run(capsys, "demo", "--out", str(target), "--steps", "1")
    assert code == 1 and out == ""
    assert err == f"autograd-scalar: error: cannot use {str(target)!r} as the output folder: it is a file\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["grad", "x", "x=1", "--precision", "-2"],
        ["grad", "x", "x=1", "--precision", "0"],
        ["grad", "x", "x=1", "--precision", "18"],
        ["graph", "x", "x=1", "-o", "-", "--precision", "-2"],
    ],
)
def test_precision_is_checked_before_anything_is_printed(argv, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert "argument --precision: significant digits must be from 1 to 17" in err


def _python(*argv, shell_suffix):
    """Run the command line under sh, with `shell_suffix` (a redirection) after it."""
    script = 'exec "$0" -m autograd_scalar "$@" ' + shell_suffix
    return subprocess.run(["sh", "-c", script, sys.executable, *argv], capture_output=True, text=True)


@pytest.mark.parametrize("argv", [["graph", "x*2", "x=1", "-o", "-"], ["grad", "x*2", "x=1"]])
def test_closed_stdout_is_one_clear_error(argv):
    result = _python(*argv, shell_suffix=">&-")
    assert result.returncode == 1
    assert result.stderr == "autograd-scalar: error: standard output is closed: there is nowhere to print the results\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_on_stdout_is_one_clear_error():
    result = _python("grad", "x*2", "x=1", shell_suffix=">/dev/full")
    assert result.returncode == 1
    assert result.stderr == (
        "autograd-scalar: error: cannot write the results to standard output: No space left on device\n"
    )


def test_reader_going_away_is_one_clear_error():
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_scalar", "graph", "x*x + 1", "x=3", "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # before the program (still importing) writes anything
    err = process.stderr.read()
    assert process.wait() == 1
    assert err == "autograd-scalar: error: cannot write the results to standard output: Broken pipe\n"


@pytest.mark.parametrize(
    ("expression", "caret_line"),
    [
        ("'éé'//x", "      ^"),  # é is two bytes in UTF-8 but one character: the // is at column 4
        ("'日本' // x", "         ^"),  # and 日本 are two columns each on a terminal: the // is at column 7
    ],
)
def test_caret_after_non_ascii_text_is_under_the_operator(expression, caret_line, capsys):
    code, _, err = run(capsys, "grad", expression, "x=1")
    message, text, caret = err.splitlines()
    assert code == 2 and "the operator '//' is not allowed" in message
    assert text == f"  {expression}" and caret == caret_line


def test_variable_names_the_parser_reports_are_names_the_values_accept(capsys):
    # é used to be reported as "unknown variable 'é': give it a value, e.g. é=1.5", and é=1.5
    # was then refused. Both now apply one rule, and say it.
    rule = "ASCII letters, digits and _, starting with a letter"
    code, _, err = run(capsys, "grad", "x+é", "x=1")
    assert code == 2 and f"'é' is not allowed as a name: names are {rule}" in err
    assert err.splitlines()[-1] == "    ^"
    code, _, err = run(capsys, "grad", "x", "x=1", "é=1")
    assert code == 2 and f"'é' is not a variable name ({rule})" in err


@pytest.mark.parametrize("expression", ["ｘ + 1", "x + ℌ", "ｓｉｎ(x)"])
def test_look_alike_letters_are_not_silently_other_names(expression, capsys):
    # Python reads ｘ (fullwidth) as x and ℌ as H; the value typed for them would be another's.
    code, out, err = run(capsys, "grad", expression, "x=1")
    assert code == 2 and out == "" and "is not allowed as a name" in err


def test_an_assignment_typed_as_the_expression_gets_a_hint(capsys):
    code, _, err = run(capsys, "grad", "x=1", "x*2")
    assert code == 2
    assert "'=' has no place in an expression: give the expression, then each value as NAME=VALUE" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["grad", "--precision", "3", "-x*y", "x=2", "y=3"],
        ["grad", "--", "-x*y", "x=2", "y=3"],
        ["grad", "-x*y", "x=2", "--precision", "3", "y=3"],
    ],
)
def test_options_and_values_in_any_order(argv, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == ""
    assert out.splitlines()[1] == "value = -6"


def test_a_long_chain_is_explained_as_levels(capsys):
    code, _, err = run(capsys, "grad", "+".join(["x"] * 150), "x=1")
    assert code == 2 and "in a chain such as a+b+c, each operator is a level" in err


def test_interrupt_is_one_line(capsys, monkeypatch):
    from autograd_scalar.app import demo

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run", interrupted)
    try:
        code, _, err = run(capsys, "demo", "--steps", "1")
    except KeyboardInterrupt:  # escaping main would also stop this test session
        pytest.fail("KeyboardInterrupt escaped main() as a traceback")
    assert code == 130 and err == "autograd-scalar: error: interrupted\n"


# -- the constants pi and e ------------------------------------------------------------------


def test_pi_is_a_constant_in_expressions(capsys):
    code, out, err = run(capsys, "grad", "sin(pi*x)", "x=0.5")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "f(x) = sin(pi*x)"  # pi is not a variable: it needs no value
    assert lines[1] == "value = 1"
    ((name, _, gradient, _),) = rows(out)
    assert name == "x" and abs(float(gradient)) < 1e-12  # pi·cos(pi/2)


def test_e_is_a_constant_in_expressions(capsys):
    code, out, _ = run(capsys, "grad", "e**x + x**e", "x=1")
    assert code == 0
    ((_, _, gradient, _),) = rows(out)
    assert float(gradient) == pytest.approx(2 * math.e, rel=1e-9)  # e^x·log(e) + e·x^(e-1) at 1
    code, out, _ = run(capsys, "grad", "pi + e")
    assert code == 0 and out.splitlines()[1] == f"value = {math.pi + math.e:.10g}"


def test_an_exponent_without_variables_is_a_number(capsys):
    # abs(-2) is constant, so x**abs(-2) is x squared: defined at x = -1, unlike x**y there.
    code, out, err = run(capsys, "grad", "x**abs(-2)", "x=-1")
    assert code == 0 and err == ""
    assert rows(out)[0][:3] == ["x", "-1", "-2"]


@pytest.mark.parametrize(
    ("argv", "constant"),
    [(["grad", "pi*x", "x=1", "pi=3"], "'pi' is a constant (3.141592653589793)"), (["grad", "x", "x=1", "e=2"], "'e'")],
)
def test_a_value_for_a_constant_is_refused(argv, constant, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert f"autograd-scalar: error: {constant}" in err and "is a constant" in err and "not a variable" in err


def test_version_is_the_package_version(capsys):
    import autograd_scalar

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"autograd-scalar {autograd_scalar.__version__}"


def test_two_operand_functions_and_the_remainder_operator(capsys):
    code, out, _ = run(capsys, "grad", "atan2(y, x) + x % 2", "x=7.5", "y=2")
    assert code == 0
    # ∂/∂x = -y/(x² + y²) + 1, ∂/∂y = x/(x² + y²), by hand at x = 7.5, y = 2.
    assert f"{-2 / (7.5**2 + 4) + 1:.10g}" in out and f"{7.5 / (7.5**2 + 4):.10g}" in out


def test_a_function_called_with_the_wrong_number_of_arguments(capsys):
    code, _, err = run(capsys, "grad", "atan2(x)", "x=1")
    assert code == 2 and "atan2() takes exactly 2 arguments" in err
