"""The `autograd-scalar` command line: gradients of typed expressions, graph pictures, the demo.

This is the application layer: it uses the engine, and `viz` when asked to draw (imported
only then). Nothing in the engine imports it. Every refusal is one message on stderr,
with a caret under the column it points at, and a non-zero exit: never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from autograd_scalar import check
from autograd_scalar.expression import FUNCTIONS, Expression, ExpressionError, parse
from autograd_scalar.value import Value

PROG = "autograd-scalar"

EXAMPLES = f"""examples:
  {PROG} grad "x*y + sin(x)" x=2 y=-3
  {PROG} grad "tanh(w*x + b)" w=0.5 x=-1.5 b=0.25
  {PROG} graph "(a*n)*t" a=100 n=2 t=1.1 --local-grads -o receipt.svg
  {PROG} graph "x*x + 1" x=3 -o -            # DOT text on stdout
  {PROG} demo --out out

expressions: numbers, variables, + - * / **, unary minus, parentheses, and
{", ".join(FUNCTIONS)}. They are parsed, never evaluated as Python.
"""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class UsageError(Exception):
    """A refusal to report: message, and optionally the text and column to mark."""

    def __init__(self, message: str, text: str | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.text, self.column = text, column


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own errors, in our format
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Reverse-mode automatic differentiation you can see.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    grad = _expression_command(commands, "grad", "value and gradient of an expression, with a finite-difference check")
    grad.add_argument("--precision", type=int, default=10, help="significant digits (default 10)")

    graph = _expression_command(commands, "graph", "draw the computation graph after backward")
    graph.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="picture to write: .svg, .png, .pdf or .dot; '-' writes DOT to stdout",
    )
    graph.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    graph.add_argument("--precision", type=int, default=6, help="significant digits (default 6)")
    graph.add_argument("--local-grads", action="store_true", help="write local × upstream = contribution on edges")
    graph.add_argument("--number", action="store_true", help="number values in backward order")
    graph.add_argument("--color", action="store_true", help="colour values by the sign and size of their gradient")
    graph.add_argument("--renderer", choices=["dot", "graphviz-pure"], help="force a renderer")

    demo = commands.add_parser("demo", help="the shop receipt (numbers, pictures, animation), then two moons")
    demo.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default: out/)")
    demo.add_argument("--steps", type=int, default=100, help="moons training steps (default 100)")
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
    """Run the command line; returns the exit status (0 ok, 1 math error, 2 refused input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(_protect_leading_minus(sys.argv[1:] if argv is None else list(argv)))
        if args.command == "demo":
            from autograd_scalar import demo

            demo.run(args.out, args.steps)
            return 0
        expression, point = _read(args.expression, args.values)
        if args.command == "grad":
            _print_gradients(expression, point, args.precision)
        else:
            _draw(expression, point, args)
        return 0
    except UsageError as error:
        _report(str(error), error.text, error.column)
        return 2
    except ExpressionError as error:
        _report(str(error), args.expression, error.column)
        return 2
    except (ValueError, ArithmeticError, RuntimeError, OSError) as error:
        # Math domain errors (named by the engine), a graph too large to draw, no renderer,
        # a file that cannot be written: one line each.
        _report(str(error))
        return 1


def _protect_leading_minus(argv: list[str]) -> list[str]:
    """Let an expression start with a minus sign ("-x*y") without argparse taking it for
    an option: a leading space, which the expression parser ignores, hides the dash."""
    if len(argv) > 1 and argv[0] in ("grad", "graph"):
        first = argv[1]
        if first.startswith("-") and first.split("=")[0] not in _OPTIONS:
            argv = [argv[0], " " + first, *argv[2:]]
    return argv


_OPTIONS = {
    "-h",
    "--help",
    "-o",
    "--output",
    "--rankdir",
    "--precision",
    "--local-grads",
    "--number",
    "--color",
    "--renderer",
}


def _read(text: str, assignments: Sequence[str]) -> tuple[Expression, dict[str, float]]:
    expression = parse(text)
    point: dict[str, float] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"expected NAME=VALUE, got {item!r}")
        if not _NAME.match(name):
            raise UsageError(f"{name!r} is not a variable name (letters, digits and _, starting with a letter)")
        if name in FUNCTIONS:
            raise UsageError(f"{name!r} is a function, not a variable")
        if name in point:
            raise UsageError(f"{name} is given twice")
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"the value for {name} is not a number: {raw!r}") from None
        if value != value:
            raise UsageError(f"the value for {name} is nan")
        point[name] = value
    for name in expression.variables:
        if name not in point:
            column = _column(expression, name)
            raise UsageError(f"unknown variable {name!r}: give it a value, e.g. {name}=1.5", text, column)
    unused = [name for name in point if name not in expression.variables]
    if unused:
        raise UsageError(f"{unused[0]} is given a value but does not appear in the expression")
    return expression, point


def _column(expression: Expression, name: str) -> int | None:
    match = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", expression.text)
    return match.start() if match else None


def _evaluate(expression: Expression, point: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {name: Value(v, name) for name, v in point.items()}
    out = expression.evaluate(leaves)
    if not isinstance(out, Value):  # a constant expression
        out = Value(out, "f")
    return out, leaves


def _print_gradients(expression: Expression, point: dict[str, float], precision: int) -> None:
    out, leaves = _evaluate(expression, point)
    out.backward()
    names = list(expression.variables)

    numeric = check.numerical_grad(
        lambda *vs: expression.evaluate(dict(zip(names, vs, strict=True))), *[point[n] for n in names]
    )

    def f(x: float) -> str:
        return f"{x:.{precision}g}"

    signature = f"f({', '.join(names)})" if names else "f"
    print(f"{signature} = {expression.text.strip()}")
    print(f"value = {f(out.data)}")
    if not names:
        return
    rows = [("variable", "value", "∂f/∂variable", "finite difference")]
    rows += [(n, f(point[n]), f(leaves[n].grad), f(d)) for n, d in zip(names, numeric, strict=True)]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


def _draw(expression: Expression, point: dict[str, float], args: argparse.Namespace) -> None:
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
        sys.stdout.write(viz.draw_dot(out, **options).source)
        return
    written = viz.render(out, args.output, renderer=args.renderer, **options)
    print(f"wrote {written}")


def _report(message: str, text: str | None = None, column: int | None = None) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if text is not None and column is not None and "\n" not in text and len(text) <= 200:
        print(f"  {text}", file=sys.stderr)
        print(f"  {' ' * column}^", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
