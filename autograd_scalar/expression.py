"""Arithmetic expressions typed by people, parsed safely into engine graphs.

Never ``eval``: the text is parsed with Python's ``ast`` and every node is checked against
an allow-list — numbers, variable names, ``+ - * / **``, unary minus and plus,
parentheses, and calls of the functions in `FUNCTIONS` by name. Attribute access,
subscripts, other names and calls, keywords, lambdas and comprehensions are refused, and
so is anything longer than `MAX_LENGTH` characters or nested deeper than `MAX_DEPTH`, all
before a single operation is evaluated. Errors carry the column they point at.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autograd_scalar import ops

MAX_LENGTH = 1000
MAX_DEPTH = 100

FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": ops.exp,
    "log": ops.log,
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "relu": ops.relu,
    "sin": ops.sin,
    "cos": ops.cos,
    "sqrt": ops.sqrt,
    "abs": abs,
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}

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
    """An expression that cannot be used; `column` (0-based) is where, if known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its variables in order of appearance, its tree."""

    text: str
    variables: tuple[str, ...]
    tree: ast.expr

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The expression's value with `values` (numbers or Values) for its variables."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ExpressionError(f"no value for variable {missing[0]!r}", _column_of(self.tree, missing[0]))
        return _evaluate(self.tree, values)


def parse(text: str) -> Expression:
    """Check `text` against the allow-list and return it as an `Expression`."""
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        stripped = text.strip()
        column = len(stripped) if not error.offset or error.offset > len(stripped) else error.offset - 1
        raise ExpressionError(f"syntax error: {error.msg}", column + len(text) - len(text.lstrip())) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression nests too deeply") from None
    offset = len(text) - len(text.lstrip())
    variables: list[str] = []
    _check(tree, variables, text.strip(), offset)
    return Expression(text, tuple(variables), tree)


def _check(tree: ast.expr, variables: list[str], source: str, offset: int) -> None:
    """Walk the tree iteratively, refusing anything off the allow-list."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        column = getattr(node, "col_offset", None)
        where = None if column is None else column + offset
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression nests more than {MAX_DEPTH} levels deep", where)
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)) or isinstance(node.value, bool):
                kind = "strings" if isinstance(node.value, str) else f"{type(node.value).__name__} constants"
                raise ExpressionError(f"{kind} are not allowed; only numbers", where)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, as in {node.id}(x)", where)
            if node.id.startswith("_"):
                raise ExpressionError(f"name {node.id!r} is not allowed", where)
            if node.id not in variables:
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
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise ExpressionError(f"{node.func.id}() takes exactly one argument", where)
            stack.append((node.args[0], depth + 1))
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            if isinstance(node, ast.BinOp) and node.left.end_col_offset is not None:
                found = source.find(_operator_text(node).strip("'"), node.left.end_col_offset)
                where = found + offset if found >= 0 else where
            raise ExpressionError(f"the operator {_operator_text(node)} is not allowed; use + - * / **", where)
        else:
            reason = _REFUSALS.get(type(node), f"{type(node).__name__} is not allowed")
            raise ExpressionError(reason, where)


def _evaluate(node: ast.expr, values: Mapping[str, Any]) -> Any:
    # Depth is bounded by MAX_DEPTH, so recursion here is safe.
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # _check allowed only int and float
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, values))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return FUNCTIONS[node.func.id](_evaluate(node.args[0], values))
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")  # unreachable after _check


def _column_of(tree: ast.expr, name: str) -> int | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return node.col_offset
    return None


def _operator_text(node: ast.AST) -> str:
    symbols: dict[type, str] = {
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
    op_type: type = type(getattr(node, "op", None))
    return repr(symbols.get(op_type, op_type.__name__))
