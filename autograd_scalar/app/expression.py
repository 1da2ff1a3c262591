"""Arithmetic expressions typed by people, parsed safely into engine graphs.

Never ``eval``: the text is parsed with Python's ``ast`` and every node is checked against
an allow-list — numbers, the constants in `CONSTANTS` (``pi``, ``e``), variable names,
``+ - * / **``, unary minus and plus, parentheses, and calls of the functions in
`FUNCTIONS` by name. Attribute access, subscripts, other names and calls, keywords,
lambdas and comprehensions are refused, and so is anything longer than `MAX_LENGTH`
characters or nested deeper than `MAX_DEPTH`, all before a single operation is evaluated.
Errors carry the column they point at, counted in characters of the text as typed.

Evaluation runs every operation through the engine, constants included (``pi`` is a
leaf holding ``math.pi``, as ``2`` is one holding 2.0): ``(-4)**0.5`` is refused exactly
as ``a**0.5`` is at ``a=-4``, and ``log(0)`` as ``log(x)`` at ``x=0``. Folding constants
in plain Python instead would let them become complex numbers or skip the engine's
domain rules.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from autograd_scalar.core import ops
from autograd_scalar.core.op import Op
from autograd_scalar.core.value import Value

MAX_LENGTH = 1000
MAX_DEPTH = 100

# Every public op of the table, by its name; a call passes as many arguments as the row has
# operands. Except `where`, whose condition is a bool: expressions have no comparisons.
FUNCTIONS: dict[str, Op] = {name: op for name, op in ops.PUBLIC.items() if name != "where"}

# Named numbers. They are not variables: a value given for one would silently redefine it.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# ASCII only: Python folds look-alike letters together (NFKC), so "ｘ" and "ℌ" would
# silently name the variables x and H, and a value typed for them could never match.
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NAME_RULE = "ASCII letters, digits and _, starting with a letter"

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
    ast.Mod: lambda a, b: a % b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
_SYMBOLS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}

# What people most often try, and the words that say why it is refused.
_REFUSALS: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.JoinedStr: "strings are not allowed",
}


class ExpressionError(ValueError):
    """An expression that cannot be used; `column` (0-based, in characters) is where, if known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


class EvaluationError(ExpressionError):
    """A well-formed expression whose value is undefined at the given values: a domain
    error, a division by zero or an overflow. `column` points at the operation, and the
    engine's own error (whose type tells which) is the ``__cause__``."""


def is_variable_name(name: str) -> bool:
    """Whether `name` can name a variable: the one rule for the parser and for whoever
    supplies the values, so a name the parser reports can always be given a value."""
    return _VARIABLE_NAME.fullmatch(name) is not None and name not in FUNCTIONS and name not in CONSTANTS


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its variables in order of appearance, its tree."""

    text: str
    variables: tuple[str, ...]
    tree: ast.expr

    def evaluate(self, values: Mapping[str, Value | float]) -> Value:
        """The expression's value as a Value, with `values` (Values or numbers) for its variables.

        Raises `EvaluationError` at the operation that fails, and `ExpressionError` for a
        variable with no value.
        """
        for name in self.variables:
            if name not in values:
                raise ExpressionError(f"no value for variable {name!r}", self.column_of(name))
        leaves = {name: v if isinstance(v, Value) else Value(v, name) for name, v in values.items()}
        return _evaluate(self.tree, leaves, self.text)

    def column_of(self, name: str) -> int | None:
        """Where variable `name` first appears in the text, in characters; None if it does not."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id == name:
                return _column(self.text, node.lineno, node.col_offset)
        return None


def parse(text: str) -> Expression:
    """Check `text` against the allow-list and return it as an `Expression`."""
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        column = None
        if error.lineno == 1:  # SyntaxError counts characters from 1; past the end means at the end
            first_line = _first_line(text.strip())
            offset = error.offset if error.offset and error.offset <= len(first_line) else len(first_line) + 1
            column = len(text) - len(text.lstrip()) + offset - 1
        message = f"syntax error: {error.msg}"
        if column is not None and text[column : column + 1] == "=":
            message = "'=' has no place in an expression: give the expression, then each value as NAME=VALUE"
        raise ExpressionError(message, column) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression nests too deeply") from None
    except ValueError as error:  # a NUL byte, on Pythons that do not call it a SyntaxError
        raise ExpressionError(f"syntax error: {error}") from None
    variables: list[str] = []
    _check(tree, variables, text)
    return Expression(text, tuple(variables), tree)


def _check(tree: ast.expr, variables: list[str], text: str) -> None:
    """Walk the tree iteratively, refusing anything off the allow-list."""
    stack: list[tuple[ast.expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        where = _column(text, node.lineno, node.col_offset)
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression nests more than {MAX_DEPTH} levels deep (in a chain such as a+b+c, each "
                "operator is a level)",
                where,
            )
        if isinstance(node, ast.Constant):
            _check_number(node, text, where)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, as in {node.id}(x)", where)
            _check_name(node, text, where)
            if node.id not in variables and node.id not in CONSTANTS:
                variables.append(node.id)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            stack += [(node.right, depth + 1), (node.left, depth + 1)]
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError("only the named functions may be called: " + ", ".join(FUNCTIONS), where)
            if node.func.id not in FUNCTIONS:
                raise ExpressionError(
                    f"calls to {node.func.id!r} are not allowed; functions: {', '.join(FUNCTIONS)}", where
                )
            _check_name(node.func, text, where)
            arity = FUNCTIONS[node.func.id].arity
            if node.keywords or len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
                count = "one argument" if arity == 1 else f"{arity} arguments"
                raise ExpressionError(f"{node.func.id}() takes exactly {count}", where)
            stack += [(argument, depth + 1) for argument in reversed(node.args)]
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(
                f"the operator {symbol!r} is not allowed; use + - * / ** %", _operator_column(node, text)
            )
        else:
            reason = _REFUSALS.get(type(node), f"{type(node).__name__} is not allowed")
            raise ExpressionError(reason, where)


def _check_number(node: ast.Constant, text: str, where: int | None) -> None:
    """Numbers only, and only those a float can hold: a literal too large for one would
    otherwise fail later without a column, or (written with an exponent) become inf."""
    value = node.value
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        kind = "strings" if isinstance(value, str) else f"{type(value).__name__} constants"
        raise ExpressionError(f"{kind} are not allowed; only numbers", where)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        shown = _source(text, node)
        shown = shown if len(shown) <= 20 else shown[:17] + "..."
        raise ExpressionError(
            f"the number {shown} is too large for a float (the largest is about 1.8e308); "
            "for infinity, use a variable with the value inf",
            where,
        )


def _check_name(node: ast.Name, text: str, where: int | None) -> None:
    """Refuse names off the ASCII rule, judged on the text as typed (the tree holds the
    NFKC-folded spelling, in which "ｘ" is already "x")."""
    typed = _source(text, node)
    if typed != node.id or _VARIABLE_NAME.fullmatch(typed) is None:
        raise ExpressionError(f"{typed!r} is not allowed as a name: names are {NAME_RULE}", where)


def _evaluate(node: ast.expr, values: Mapping[str, Value], text: str) -> Value:
    # Depth is bounded by MAX_DEPTH, so recursion here is safe. Operands are evaluated
    # before the `try`, so an inner error is reported once, where it happened.
    if isinstance(node, ast.Constant):
        # A number in the expression is a constant, as a number beside a Value is in Python.
        return Value._lift(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        # A signed literal, such as -4, is one number (a constant leaf), as it reads.
        return Value._lift(_UNARY[type(node.op)](node.operand.value))
    if isinstance(node, ast.Name):
        return Value(CONSTANTS[node.id], node.id) if node.id in CONSTANTS else values[node.id]
    operands: tuple[Value, ...]
    if isinstance(node, ast.BinOp):
        operands = (_evaluate(node.left, values, text), _evaluate(node.right, values, text))
        if isinstance(node.op, ast.Pow) and not _has_variables(node.right):
            # A constant exponent is a number, as in `x ** 2` in Python: the one-operand
            # power op, which differentiates in x only.
            apply: Callable[..., Value] = lambda a, b: a**b.data
        else:
            apply = _BINARY[type(node.op)]
    elif isinstance(node, ast.UnaryOp):
        operands, apply = (_evaluate(node.operand, values, text),), _UNARY[type(node.op)]
    else:  # _check allowed one other node: a call of a function in FUNCTIONS by its name
        call = cast(ast.Call, node)
        operands = tuple(_evaluate(argument, values, text) for argument in call.args)
        apply = FUNCTIONS[cast(ast.Name, call.func).id]
    try:
        return apply(*operands)  # type: ignore[no-any-return]
    except (ArithmeticError, ValueError) as error:
        raise EvaluationError(_explain(error, node, operands), _operator_column(node, text)) from error


def _has_variables(node: ast.expr) -> bool:
    """Whether a checked subtree names a variable: a name that is neither a constant nor a
    function (which `_check` allows only as the callee of a call)."""
    return any(isinstance(n, ast.Name) and n.id not in CONSTANTS and n.id not in FUNCTIONS for n in ast.walk(node))


def _explain(error: Exception, node: ast.expr, operands: tuple[Value, ...]) -> str:
    """The engine's message names the op and its operands; an overflow's message from
    Python is only "(34, 'Numerical result out of range')", so that one is said here."""
    if not isinstance(error, OverflowError):
        return str(error)
    shown = [_number(v.data) for v in operands]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        operation = f"{node.func.id}({', '.join(shown)})"
    else:
        operation = f" {_SYMBOLS[type(node.op)]} ".join(shown)  # type: ignore[attr-defined]
    return f"{operation} overflows: the result is too large for a float (the largest is about 1.8e308)"


def _number(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def _operator_column(node: ast.expr, text: str) -> int | None:
    """Where an operation is: the operator of a binary operation, else where it starts."""
    if isinstance(node, ast.BinOp) and node.left.end_lineno == 1 and node.left.end_col_offset is not None:
        after_left = _column(text, 1, node.left.end_col_offset)
        symbol = _SYMBOLS.get(type(node.op))
        found = -1 if after_left is None or symbol is None else text.find(symbol, after_left)
        if found >= 0:
            return found
    return _column(text, node.lineno, node.col_offset)


def _column(text: str, lineno: int, byte_offset: int) -> int | None:
    """The character column in `text` of an ast position. ast counts UTF-8 bytes (é is
    two) in the stripped text, lines from 1; positions on later lines have no column."""
    if lineno != 1:
        return None
    stripped = text.lstrip()
    before = _first_line(stripped).encode()[:byte_offset].decode(errors="replace")
    return len(text) - len(stripped) + len(before)


def _source(text: str, node: ast.expr) -> str:
    """The text of `node` as typed (ast.get_source_segment, on the stripped text)."""
    return ast.get_source_segment(text.strip(), node) or ""


def _first_line(text: str) -> str:
    # The line breaks Python's tokenizer knows: \n, \r\n and \r.
    return re.split(r"\r\n?|\n", text, maxsplit=1)[0]
