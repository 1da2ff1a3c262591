"""The `autograd-scalar` command line: gradients of typed expressions, graph pictures, the demo.

This is the application layer: it uses the engine, and `viz` when asked to draw (imported
only then). Nothing in the engine imports it. Every refusal is one message on stderr,
with a caret under the column it points at, and a non-zero exit: never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from autograd_scalar import __version__, check
from autograd_scalar.app.expression import (
    CONSTANTS,
    FUNCTIONS,
    NAME_RULE,
    EvaluationError,
    Expression,
    ExpressionError,
    is_variable_name,
    parse,
)
from autograd_scalar.core.text import format_number, table
from autograd_scalar.core.value import Value

PROG = "autograd-scalar"

EXAMPLES = f"""examples:
  {PROG} grad "x*y + sin(x)" x=2 y=-3
  {PROG} grad "tanh(w*x + b)" w=0.5 x=-1.5 b=0.25
  {PROG} graph "(a*n)*t" a=100 n=2 t=1.1 --local-grads -o receipt.svg
  {PROG} graph "x*x + 1" x=3 -o -            # DOT text on stdout
  {PROG} explain "tanh(w*x + b)" w=0.5 x=-1.5 b=0.25 --wrt w
  {PROG} demo --out out

expressions: numbers, variables, the constants {" and ".join(CONSTANTS)}, + - * / **,
unary minus, parentheses, and {", ".join(FUNCTIONS)}.
They are parsed, never evaluated as Python.
"""


class UsageError(Exception):
    """A refusal to report: message, and optionally the text and column to mark."""

    def __init__(self, message: str, text: str | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.text, self.column = text, column


class OutputError(OSError):
    """The results cannot be written where they should go (standard output closed or full)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own errors, in our format
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _significant_digits(text: str) -> int:
    """--precision: beyond 17 digits a float has none left to show, and below 1 Python's
    format fails halfway through the output; so refuse before anything is printed."""
    digits = _whole_number(text)
    if not 1 <= digits <= 17:
        raise argparse.ArgumentTypeError(f"significant digits must be from 1 to 17, got {digits}")
    return digits


def _steps(text: str) -> int:
    """--steps, checked by the demo's own rule before the demo prints anything."""
    from autograd_scalar.app import demo

    try:
        return demo.check_steps(_whole_number(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Reverse-mode automatic differentiation you can see.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    grad = _expression_command(commands, "grad", "value and gradient of an expression, with a finite-difference check")
    grad.add_argument("--precision", type=_significant_digits, default=10, help="significant digits, 1-17 (default 10)")

    graph = _expression_command(commands, "graph", "draw the computation graph after backward")
    graph.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="picture to write: .svg, .png, .pdf or .dot; '-' writes DOT to stdout",
    )
    graph.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    graph.add_argument("--precision", type=_significant_digits, default=6, help="significant digits, 1-17 (default 6)")
    graph.add_argument("--local-grads", action="store_true", help="write local × upstream = contribution on edges")
    graph.add_argument("--number", action="store_true", help="number values in backward order")
    graph.add_argument("--color", action="store_true", help="colour values by the sign and size of their gradient")
    graph.add_argument("--renderer", choices=["dot", "graphviz-pure"], help="force a renderer")

    explain = _expression_command(
        commands, "explain", "the derivative as a sum over paths of products of local derivatives"
    )
    explain.add_argument(
        "--wrt",
        action="append",
        metavar="NAME",
        help="a variable to differentiate with respect to; repeat for more (default: every variable)",
    )
    explain.add_argument(
        "--precision", type=_significant_digits, default=6, help="significant digits, 1-17 (default 6)"
    )

    demo = commands.add_parser("demo", help="the shop receipt (numbers, pictures, animation), then two moons")
    demo.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default: out/)")
    demo.add_argument("--steps", type=_steps, default=100, help="moons training steps, at least 1 (default 100)")
    return parser


def _expression_command(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A sub-command that takes an expression and NAME=VALUE pairs."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("expression", help='e.g. "x*y + sin(x)"')
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE", help="a value for every variable")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status: 0 ok, 2 for a command line that is
    refused (a bad expression, name, value or option), 1 when the computation fails (a math
    error) or its results cannot be written."""
    parser = build_parser()
    try:
        args = _parse(parser, _protect_leading_minus(parser, sys.argv[1:] if argv is None else list(argv)))
        if sys.stdout is None:  # started with stdout closed: print() would drop every line silently
            raise OutputError("standard output is closed: there is nowhere to print the results")
        if args.command == "demo":
            from autograd_scalar.app import demo

            _prepare_folder(args.out)
            demo.run(args.out, args.steps)
            _write("")  # flush: a full disk shows here, not after we return
        else:
            expression, point = _read(args.expression, args.values)
            if args.command == "grad":
                _write(_gradients(expression, point, args.precision))
            elif args.command == "explain":
                _write(_explanation(expression, point, args.wrt, args.precision))
            else:
                _write(_draw(expression, point, args))
        return 0
    except UsageError as error:
        _report(str(error), error.text, error.column)
        return 2
    except EvaluationError as error:
        _report(str(error), args.expression, error.column)
        return 1
    except ExpressionError as error:
        _report(str(error), args.expression, error.column)
        return 2
    except BrokenPipeError:  # the reader went away while the demo was printing
        _detach_stdout()
        _report("standard output was closed before all the results were written")
        return 1
    except OSError as error:
        # Standard output closed or full, a file or folder that cannot be written, no
        # renderer: one line each.
        _report(str(error))
        return 1
    except (ValueError, ArithmeticError, RuntimeError) as error:
        # Math errors outside an expression's own operations (a backward pass whose
        # gradient becomes nan, named by the engine), a graph too large to draw: one line.
        _report(str(error))
        return 1
    except KeyboardInterrupt:
        _report("interrupted")
        return 130


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse `argv`, taking NAME=VALUE pairs given after an option (``x=1 --precision 5
    y=2``) as values too: argparse alone stops collecting them at the option."""
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "values", None) is not None:
        pairs = [item for item in extra if "=" in item and not item.startswith("-")]
        args.values += pairs
        extra = [item for item in extra if item not in pairs]
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _protect_leading_minus(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Let an expression start with a minus sign ("-x*y") without argparse taking it for
    an option: a leading space, which the expression parser ignores, hides the dash.

    The expression is the first argument after the command that is neither an option nor
    an option's value; after "--" argparse itself takes everything as positional."""
    options = _expression_options(parser, argv[0]) if argv else None
    if options is None:
        return argv
    argv = list(argv)
    i = 1
    while i < len(argv):
        item = argv[i]
        if item == "--":
            break
        if item in options:
            i += 2 if options[item] else 1
        elif item.startswith("--") or options.get(item[:2], False):
            i += 1  # "--name=value", or a short option with its value attached ("-oFILE")
        else:
            if item.startswith("-") and item != "-":
                argv[i] = " " + item
            break
    return argv


def _expression_options(parser: argparse.ArgumentParser, command: str) -> dict[str, bool] | None:
    """The options of sub-command `command`, each with whether it takes a value, or None
    if `command` takes no expression. Read off the parser itself, so that an option added
    there can never be mistaken here for the start of an expression."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            actions = action.choices[command]._actions
            if not any(a.dest == "expression" for a in actions):
                return None
            return {option: a.nargs != 0 for a in actions for option in a.option_strings}
    return None


def _read(text: str, assignments: Sequence[str]) -> tuple[Expression, dict[str, float]]:
    expression = parse(text)
    point: dict[str, float] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"expected NAME=VALUE, got {item!r}")
        if name in FUNCTIONS:
            raise UsageError(f"{name!r} is a function, not a variable")
        if name in CONSTANTS:
            raise UsageError(
                f"{name!r} is a constant ({CONSTANTS[name]!r}), not a variable: give the variable another name"
            )
        if not is_variable_name(name):
            raise UsageError(f"{name!r} is not a variable name ({NAME_RULE})")
        if name in point:
            raise UsageError(f"{name} is given twice")
        point[name] = _number(name, raw)
    for name in expression.variables:
        if name not in point:
            column = expression.column_of(name)
            raise UsageError(f"unknown variable {name!r}: give it a value, e.g. {name}=1.5", text, column)
    unused = [name for name in point if name not in expression.variables]
    if unused:
        raise UsageError(f"{unused[0]} is given a value but does not appear in the expression")
    return expression, point


def _number(name: str, raw: str) -> float:
    """A value as typed: any float Python reads, inf included, but not nan, and not a
    finite number too large for a float, which would silently become inf."""
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"the value for {name} is not a number: {raw!r}") from None
    if math.isnan(value):
        raise UsageError(f"the value for {name} is nan")
    if math.isinf(value) and raw.strip().lstrip("+-").lower() not in ("inf", "infinity"):
        raise UsageError(
            f"the value for {name}, {raw.strip()}, is too large for a float (about 1.8e308); write inf for infinity"
        )
    return value


def _evaluate(expression: Expression, point: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {name: Value(v, name) for name, v in point.items()}
    return expression.evaluate(leaves), leaves


def _gradients(expression: Expression, point: dict[str, float], precision: int) -> str:
    """The value, and per variable its gradient and the finite-difference check, as text."""
    out, leaves = _evaluate(expression, point)
    out.backward()
    names = list(expression.variables)

    def f(x: float) -> str:
        return format_number(x, precision)

    signature = f"f({', '.join(names)})" if names else "f"
    lines = [f"{signature} = {expression.text.strip()}", f"value = {f(out.data)}"]
    if names:
        rows = [(n, f(point[n]), f(leaves[n].grad), _check_column(expression, point, n, f)) for n in names]
        lines.append(table(("variable", "value", "∂f/∂variable", "finite difference"), rows, rule=False))
    return "\n".join(lines) + "\n"


def _explanation(expression: Expression, point: dict[str, float], wrt: list[str] | None, precision: int) -> str:
    """`explain` of the expression (labelled f) with respect to the --wrt variables, as text."""
    from autograd_scalar.explain import explain

    names = list(expression.variables)
    chosen = wrt if wrt else names
    if not chosen:
        raise UsageError("the expression has no variables: there is nothing to differentiate with respect to")
    for i, name in enumerate(chosen):
        if name not in expression.variables:
            raise UsageError(f"--wrt {name}: {name!r} is not a variable of the expression")
        if name in chosen[:i]:
            raise UsageError(f"--wrt {name} is given twice")
    out, leaves = _evaluate(expression, point)
    out.label = out.label or "f"
    signature = f"f({', '.join(names)})" if names else "f"
    at = ", ".join(f"{n} = {format_number(point[n], precision)}" for n in names)
    text = str(explain(out, [leaves[n] for n in chosen], precision=precision))
    return f"{signature} = {expression.text.strip()}  at {at}\n{text}\n"


def _check_column(expression: Expression, point: dict[str, float], name: str, fmt: Callable[[float], str]) -> str:
    """The finite-difference estimate for one variable, marked when it is one-sided (the
    point is at the edge of the domain) or sits on a kink (the gradient printed beside it
    is then a convention, such as relu'(0) = 0, which no difference can confirm), or why
    there is none."""
    names = list(expression.variables)
    try:
        difference = check.finite_difference(
            lambda *vs: expression.evaluate(dict(zip(names, vs, strict=True))),
            *[point[n] for n in names],
            argnum=names.index(name),
        )
    except check.NoFiniteDifference as why:
        return f"n/a: {why}"
    if difference.kink is not None:
        left, right = difference.kink
        return f"{fmt(difference.estimate)} (a kink: slope {fmt(left)} on the left, {fmt(right)} on the right)"
    return fmt(difference.estimate) + (" (one-sided)" if difference.one_sided else "")


def _draw(expression: Expression, point: dict[str, float], args: argparse.Namespace) -> str:
    """The DOT text when the output is '-', else write the picture and say where."""
    import viz

    out, _ = _evaluate(expression, point)
    out.label = out.label or "f"
    out.backward()
    options = dict(
        rankdir=args.rankdir,
        precision=args.precision,
        local_grads=args.local_grads,
        number_backward=args.number,
        color_by_grad=args.color,
    )
    if args.output == "-":
        return str(viz.draw_dot(out, **options).source)
    return f"wrote {viz.render(out, args.output, renderer=args.renderer, **options)}\n"


def _prepare_folder(folder: Path) -> None:
    """Make the demo's folder before the demo prints anything, so a path that cannot be
    one fails first rather than after half the output."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = "it is a file" if folder.is_file() else error.strerror or str(error)
        raise OutputError(f"cannot use {str(folder)!r} as the output folder: {reason}") from None


def _write(text: str) -> None:
    """Print `text` and flush it, so that a closed pipe or a full disk is reported here, in
    our words, rather than by Python's last flush at exit, with a traceback."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as error:
        _detach_stdout()
        raise OutputError(f"cannot write the results to standard output: {error.strerror or error}") from None


def _detach_stdout() -> None:
    """After a failed write, point stdout at /dev/null: the text still buffered would
    otherwise fail again in Python's last flush at exit ("Exception ignored ...")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a real file (as under pytest)
        pass


def _report(message: str, text: str | None = None, column: int | None = None) -> None:
    """One message on stderr; under it the text with a caret at `column`, where there is
    one and the text is one printable line (a caret under a tab or a newline would miss)."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if text is not None and column is not None and text.isprintable() and len(text) <= 200:
        print(f"  {text}", file=sys.stderr)
        print(f"  {' ' * _display_width(text[:column])}^", file=sys.stderr)


def _display_width(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


if __name__ == "__main__":
    sys.exit(main())
