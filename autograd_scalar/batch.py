"""Batched replay: a compiled trace run over a whole batch of samples at once, with NumPy.

`compile` writes a traced graph out as straight-line Python on floats, a line per node
and per edge. A training step runs that code once per sample, and each line spends tens
of nanoseconds of interpreter time on one multiplication. ``step.batch`` runs the code
once for the whole batch instead: every variable holds an array with an entry per
sample, so each line is one NumPy call doing that node's arithmetic for all the samples.

The batched code is not written separately. It is compile's own generated source (the
op table's `Replay` templates, filled in), read back with `ast` and respelt for arrays:
arithmetic and comparisons apply to arrays as they are, ``x if c else y`` becomes
``where(c, x, y)``, a chained comparison an elementwise ``and``, a guard a mask of the
samples it holds for, and ``math.f(x)`` NumPy's ufunc for f where that gives the very same
bits (`MATH_TO_NUMPY`, the one place that pairs them: square root, floor and the like,
which IEEE arithmetic rounds exactly). Every other function, exp, tanh and erf among
them, and an op's own Python forward or derivative rule where it has no template, runs
sample by sample through that same Python function: NumPy's exp or tanh may differ from
`math`'s in the last bit, and a cancellation (1 - tanh² x for large x) turns that into a
difference in the tenth digit. So the numbers a sample gets are the very floats
``step(*its arguments)`` returns, bit for bit, and the speed is NumPy's for arithmetic
and a loop in Python for the other functions (each as costly as in the per-sample replay).
A long batch is replayed `PART` samples at a time.

Each sample gets exactly its own answer, the one ``step(*its arguments)`` gives:

* **Guards.** A version of the trace answers the samples whose recorded comparisons all
  go its way; the others are tried on the other versions. A sample no version takes is
  answered by the compiled function itself, which traces a new version for it, and that
  version is then tried on the rest.
* **Errors and NaN.** The pass runs with NumPy's floating-point errors raised (division by
  zero, overflow, an invalid operation such as log of a negative number), which is where
  Python's `math` would raise. If one is raised anywhere, the pass runs again with every
  node's number and every gradient checked, sample by sample. Samples with something not
  finite there, or in their result, or in their arguments, are answered one at a time by
  the compiled function, which falls back to the eager engine: a legitimately infinite
  slope comes back as eager gives it, and an error is eager's own. If some samples
  raise, the one with the lowest index raises its exception, with ``sample k of the
  batch:`` before the message; the batch returns nothing then.

This module imports NumPy only when a batch is replayed (`numpy_module`), so the engine
still loads nothing but the standard library.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from autograd_scalar.core.op import Op
from autograd_scalar.core.value import Value, number_or_none

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from autograd_scalar.compiler import Compiled, _Version

INSTALL_HINT = "pip install 'autograd-scalar[fast]'"

#: The `math` functions NumPy computes to the same bit, and their ufuncs: the one place the
#: batched form of an op's arithmetic comes from, besides the operators. Each is exact in
#: IEEE arithmetic (the correctly rounded square root; floor, fmod, ... exact outright), so
#: NumPy's loops and C's libm cannot differ. Where `math` raises (a domain error), the ufunc
#: signals the matching floating-point error instead. Any other function runs sample by
#: sample through `math` itself (see the module documentation).
MATH_TO_NUMPY = {
    "sqrt": "sqrt", "fabs": "fabs", "copysign": "copysign", "fmod": "fmod", "floor": "floor", "ceil": "ceil",
}  # fmt: skip

#: How many samples one replay takes at most: a longer batch is replayed in parts. Each
#: variable of the replay is an array of this many floats (8 KiB), so a part's arrays stay
#: in cache and the allocator reuses their memory from one part to the next, where arrays
#: of 10,000 would have every call fault tens of megabytes in from the system again.
PART = 1024

# What runs the fast pass: the errors that Python's float math raises for. Underflow
# (exp(-800) is 0.0) is no error there.
_RAISE = {"divide": "raise", "over": "raise", "invalid": "raise", "under": "ignore"}


def numpy_module() -> Any:
    """NumPy, imported now (the first batch); if it is missing, an ImportError saying how
    to install it."""
    try:
        import numpy
    except ImportError as error:
        raise ImportError(f"step.batch replays with NumPy, which is not installed: {INSTALL_HINT}") from error
    return numpy


def available() -> bool:
    """Whether NumPy can be imported, so that `Compiled.batch` works."""
    try:
        numpy_module()
    except ImportError:
        return False
    return True


def replay(compiled: Compiled, args: tuple[Any, ...]) -> tuple[NDArray[Any], NDArray[Any]]:
    """``compiled.batch(*args)``: the values and per-sample gradients; see `Compiled.batch`."""
    np = numpy_module()
    compiled._check_count(args)
    return _Batch(compiled, *_columns(compiled.name, args, np), np).answer()


# -- the arguments ----------------------------------------------------------------------------


def _columns(name: str, args: tuple[Any, ...], np: Any) -> tuple[list[float], dict[int, Any]]:
    """The arguments given as one number for every sample, as floats (0.0 in the places of
    the others), and those given per sample, as 1-D float64 arrays of one length, by
    position; or a clear error."""
    numbers = list(args)
    columns = {}
    for i, arg in enumerate(args):
        if type(arg) is not float or arg != arg:  # floats (parameters, say) need no work
            column = _column(f"compiled {name}.batch: argument {i}", arg, np)
            if type(column) is float:
                numbers[i] = column
            else:
                numbers[i], columns[i] = 0.0, column
    if not columns:
        raise TypeError(
            f"compiled {name}.batch needs at least one argument given per sample (a 1-D sequence or array); "
            f"{'all its arguments are single numbers' if args else 'it takes no arguments'}. "
            f"For one point, call {name}(...) itself"
        )
    first = min(columns)
    for i, column in columns.items():
        if len(column) != len(columns[first]):
            raise ValueError(
                f"compiled {name}.batch: argument {i} has {len(column)} samples, but argument {first} has "
                f"{len(columns[first])}"
            )
    if not len(columns[first]):
        raise ValueError(f"compiled {name}.batch: argument {first} is empty; a batch needs at least one sample")
    return numbers, columns


def _column(where: str, arg: Any, np: Any) -> Any:
    if isinstance(arg, Value):
        raise TypeError(
            f"{where} is a Value; batch takes numbers (one for all samples, or one per sample). To stay in "
            "a graph, call the compiled function itself with Values"
        )
    number = number_or_none(arg)
    if number is not None:
        if number != number:
            raise TypeError(f"{where} must be a number, got nan")
        return number
    if not isinstance(arg, np.ndarray) and hasattr(arg, "__array__"):
        arg = np.asarray(arg)
    if isinstance(arg, np.ndarray):
        if arg.ndim == 0:
            return _column(where, arg.item(), np)
        if arg.ndim != 1:
            raise ValueError(
                f"{where} is a {arg.ndim}-D array of shape {arg.shape}; batch takes a 1-D array (one number per "
                "sample) or a single number (the same for all)"
            )
        if arg.dtype.kind in "iuf":
            return _without_nan(where, np.asarray(arg, dtype=float), np)
        if arg.dtype.kind != "O":
            raise TypeError(f"{where} is an array of {arg.dtype}; batch takes real numbers (bools are not numbers)")
        arg = arg.tolist()
    if isinstance(arg, (str, bytes)) or not isinstance(arg, Sequence):
        raise TypeError(
            f"{where} must be a number or a 1-D sequence of numbers (one per sample), got {type(arg).__name__}"
        )
    if set(map(type, arg)) <= {float, int}:
        return _without_nan(where, np.array(arg, dtype=float), np)
    numbers = []
    for k, x in enumerate(arg):
        number = number_or_none(x)
        if number is None:
            nested = isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))
            raise TypeError(
                f"{where}, sample {k}: expected a number, got {type(x).__name__} {x!r}"
                + ("; batch takes a 1-D sequence, one number per sample" if nested else "")
            )
        numbers.append(number)
    return _without_nan(where, np.array(numbers, dtype=float), np)


def _without_nan(where: str, column: Any, np: Any) -> Any:
    nan = np.isnan(column)
    if nan.any():
        raise TypeError(f"{where}, sample {int(np.argmax(nan))} must be a number, got nan")
    return column


# -- running the versions ---------------------------------------------------------------------


class _Batch:
    """One ``batch`` call: the columns, the results filled in as samples are answered, and
    the errors of the samples that raised (by index)."""

    def __init__(self, compiled: Compiled, numbers: list[float], columns: dict[int, Any], np: Any) -> None:
        self.compiled = compiled
        self.columns = columns
        # The numbers as 0-d arrays (views into one array): NumPy multiplies an array by one
        # as fast as by an array (by a float, half as fast again), and signals errors as
        # arrays do. The places of the per-sample arguments are filled in at each replay.
        array = np.array(numbers)
        self.numbers_finite = bool(np.isfinite(array).all())
        self.numbers = [array[i, ...] for i in range(len(numbers))]
        self.point = numbers  # a sample's arguments, its own filled in: see _alone
        self.np = np
        self.n = len(next(iter(columns.values())))
        self.values = np.empty(self.n)
        self.grads = np.empty((len(numbers), self.n))
        self.errors: dict[int, Exception] = {}

    def answer(self) -> tuple[NDArray[Any], NDArray[Any]]:
        np = self.np
        finite = np.full(self.n, self.numbers_finite)
        for column in self.columns.values():
            finite &= np.isfinite(column)
        pending = np.flatnonzero(finite)
        alone = np.flatnonzero(~finite).tolist()  # infinite arguments: one at a time
        tried: set[_Version] = set()
        while pending.size:
            for version in reversed(self.compiled._versions[:]):  # the most recently used first
                if version not in tried and pending.size:
                    tried.add(version)
                    pending, unclean = self._replay(version, pending)
                    alone += unclean
            if pending.size:  # no version takes it: the compiled function answers, tracing a new one
                self._alone(int(pending[0]))
                pending = pending[1:]
        for index in sorted(alone):
            self._alone(index)
        if self.errors:
            index = min(self.errors)
            error = self.errors[index]
            renamed = _at_sample(error, index)
            if renamed is error:
                raise error
            raise renamed from error
        return self.values, self.grads

    def _replay(self, version: _Version, pending: Any) -> tuple[Any, list[int]]:
        """Replay `version` on the `pending` samples, `PART` at a time, keeping the answers
        it gives; return the samples its guards refuse and those to answer one at a time."""
        np = self.np
        if version.batched is None:
            version.batched = respell(version.source, version.replay.__globals__, np)
        refused, alone, taken = [], [], False
        for start in range(0, pending.size, PART):
            part = pending[start : start + PART]
            holds, clean = self._replay_part(version.batched, part)
            refused.append(part[~holds])
            alone += part[~clean & holds].tolist()
            taken = taken or bool((clean & holds).any())
        if taken:
            self.compiled._use(version)
        return np.concatenate(refused), alone

    def _replay_part(self, replay: Callable[..., Any], part: Any) -> tuple[Any, Any]:
        """Run `replay` on the samples `part`, writing their values and gradients into the
        results; return the masks of the samples whose guards hold and whose numbers are
        all finite. A run of consecutive samples is read and written in place (slices are
        views); others go through copies, only the samples taken written back."""
        np = self.np
        m = part.size
        run = slice(int(part[0]), int(part[-1]) + 1) if part[-1] - part[0] == m - 1 else None
        args = list(self.numbers)
        for i, column in self.columns.items():
            args[i] = column[part if run is None else run]
        values, grads = (
            (np.empty(m), np.empty((len(args), m))) if run is None else (self.values[run], self.grads[:, run])
        )
        try:
            with np.errstate(**_RAISE):
                value, holds, _ = replay(args, grads, False)
            clean = np.ones(m, dtype=bool)
        except Exception:  # noqa: BLE001 - any failure: run again, checking each sample
            try:
                with np.errstate(all="ignore"):
                    value, holds, checked = replay(args, grads, True)
            except Exception:  # noqa: BLE001 - the per-sample path gives each sample's own error
                return np.ones(m, dtype=bool), np.zeros(m, dtype=bool)
            clean = np.ones(m, dtype=bool)
            for number in checked:
                clean &= np.isfinite(number)
        values[...] = value
        with np.errstate(all="ignore"):  # a sum that overflows only sends us the long way
            total = values.sum() + grads.sum()
        if not math.isfinite(total):  # one pass, usually; per sample if not
            clean &= np.isfinite(values) & np.isfinite(grads).all(axis=0)
        holds = np.broadcast_to(np.asarray(holds, dtype=bool), (m,))
        if run is None:
            taken = clean & holds
            self.values[part[taken]] = values[taken]
            self.grads[:, part[taken]] = grads[:, taken]
        return holds, clean

    def _alone(self, index: int) -> None:
        """Answer sample `index` by the compiled function itself, keeping its error."""
        point = list(self.point)
        for i, column in self.columns.items():
            point[i] = float(column[index])
        try:
            value, grads = self.compiled(*point)
        except Exception as error:  # noqa: BLE001 - raised, by index, once every sample is answered
            self.errors[index] = error
            return
        self.values[index] = value
        self.grads[:, index] = grads


def _at_sample(error: Exception, index: int) -> Exception:
    """`error` again, its message saying which sample raised it."""
    try:
        return type(error)(f"sample {index} of the batch: {error}")
    except Exception:  # noqa: BLE001 - an exception type that takes other arguments: as it was
        return error


# -- respelling compile's Python for arrays ----------------------------------------------------


class _Unsupported(Exception):
    """The generated code holds something the respelling does not know (from a template of
    a user's op), shown as the message: the version's samples are answered one at a time
    instead, with a warning."""


def respell(source: str, namespace: dict[str, Any], np: Any) -> Callable[..., Any]:
    """The replay function `source` defines (compile's generated code, whose globals are
    `namespace`), respelt to take arrays of samples.

    It is called as ``replay(args, out, checked)``, leaves the gradients with respect to
    argument k in ``out[k]`` and returns ``(value, holds, numbers)``: `holds` says for which
    samples every guard holds (a bool or a mask), and `numbers`, when `checked`, is every
    other value and gradient it computed, for the caller to check per sample. An unknown
    construct makes a function that raises `_Unsupported`.
    """
    respelt = _Respell(namespace, np)
    try:
        module = respelt.module(ast.parse(source))
    except _Unsupported as unsupported:
        warnings.warn(
            f"step.batch cannot run `{unsupported}` over arrays (from an op's Replay template?), so the "
            "samples this trace answers are replayed one at a time",
            RuntimeWarning,
            stacklevel=6,  # the caller of step.batch
        )
        return _refusing(unsupported)
    code = builtins.compile(ast.fix_missing_locations(module), "<batched replay>", "exec")
    exec(code, respelt.new)
    return cast(Callable[..., Any], respelt.new.pop("replay"))


def _refusing(unsupported: _Unsupported) -> Callable[..., Any]:
    def replay(args: list[Any], out: Any, checked: bool) -> Any:
        raise unsupported

    return replay


_PLAIN = (
    ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Tuple, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.FloorDiv, ast.USub, ast.UAdd,
)  # fmt: skip


class _Respell(ast.NodeTransformer):
    """A generated replay's statements and expressions, respelt for arrays. `new` becomes
    the namespace of the respelt code."""

    def __init__(self, namespace: dict[str, Any], np: Any) -> None:
        self.old = namespace
        self.np = np
        # The leaves, operators and constants the code refers to stay as they were.
        self.new = {k: v for k, v in namespace.items() if isinstance(v, (Value, Op, float))}
        self.local_names = {"args", "out", "checked", "holds"}  # never bound as globals: locals hide them
        self.made: dict[tuple[int, int, int], tuple[Any, Any]] = {}  # (id(function), in, out) -> (it, made)
        self.leaf = _leaf_reader(np)
        self.read: dict[str, int] = {}  # each variable's last read: the statement's index in the new body
        self.reading = 0
        self.ufuncs = {getattr(math, name): getattr(np, ufunc) for name, ufunc in MATH_TO_NUMPY.items()}
        self.ufuncs[builtins.abs] = np.absolute
        self.builtins: dict[tuple[Any, int], Any] = {
            (builtins.float, 1): np.float64,
            # Python's max(a, b) is a unless b > a; min(a, b) a unless b < a (NaN included).
            (builtins.max, 2): lambda a, b: np.where(b > a, b, a),
            (builtins.min, 2): lambda a, b: np.where(b < a, b, a),
        }

    # -- statements ---------------------------------------------------------------------
    def module(self, tree: ast.Module) -> ast.Module:
        (function,) = tree.body
        if not isinstance(function, ast.FunctionDef):
            raise _Unsupported(ast.unparse(function))
        for statement in function.body:  # every local is assigned at the top level
            if isinstance(statement, ast.Assign):
                self.local_names |= {n.id for n in ast.walk(statement.targets[0]) if isinstance(n, ast.Name)}
        body: list[ast.stmt] = [_assign("holds", ast.Constant(True))]
        numbers: list[str] = []
        for statement in function.body:
            self.reading = len(body)  # where visit_Name files the names it reads
            target = statement.targets[0] if isinstance(statement, ast.Assign) else None
            if isinstance(statement, ast.If):
                guard = self._guard(statement)
                if guard is not None:
                    body.append(guard)
            elif isinstance(target, ast.Tuple):
                body.append(statement)  # the arguments, unpacked
            elif isinstance(target, ast.Name) and isinstance(statement, ast.Assign):
                body.append(_assign(target.id, self._expr(statement.value)))
                if not _reads_leaf(statement.value) and not _calls(statement.value, "local_grad"):
                    numbers.append(target.id)
            elif isinstance(statement, ast.Return) and isinstance(statement.value, ast.Tuple):
                value, gradients = statement.value.elts
                if not isinstance(gradients, ast.Tuple):
                    raise _Unsupported(ast.unparse(statement))
                written = self._into_rows(body, gradients.elts, value)
                numbers = [n for n in numbers if n not in written]
                checked = ast.IfExp(_name("checked"), _tuple([_name(n) for n in numbers]), _tuple([]))
                body.append(ast.Return(_tuple([value, _name("holds"), checked])))
            else:
                raise _Unsupported(ast.unparse(statement))
        function.args.args += [ast.arg("out"), ast.arg("checked")]
        function.body = body
        return tree

    def _into_rows(self, body: list[ast.stmt], gradients: list[ast.expr], value: ast.expr) -> set[str]:
        """Have the code leave argument k's gradients in row k of `out` (an array the caller
        passes in, one row per argument): the last assignment to a gradient variable that
        nothing else reads or returns computes straight into its row; any other gradient is
        copied there at the end. Returns the variables no longer assigned."""
        assigned = {}
        for i, statement in enumerate(body):
            if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
                assigned[statement.targets[0].id] = (i, statement.value)
        returned = Counter(g.id for g in [*gradients, value] if isinstance(g, ast.Name))
        written = set()
        for k, g in enumerate(gradients):
            row = ast.Subscript(_name("out"), ast.Constant(k), ast.Store())
            if isinstance(g, ast.Name) and returned[g.id] == 1 and g.id in assigned:
                i, computed = assigned[g.id]
                if self.read.get(g.id, -1) <= i:  # nothing after its last assignment reads it
                    body[i] = self._computed_into(row, computed)
                    written.add(g.id)
                    continue
            body.append(ast.Assign([row], g))  # type: ignore[call-arg]
        return written

    def _computed_into(self, row: ast.Subscript, value: ast.expr) -> ast.stmt:
        """``row = value``, written ``ufunc(a, b, out=row)`` where value is one arithmetic
        operation: no temporary array, no copy."""
        ufuncs = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}
        if isinstance(value, ast.BinOp) and type(value.op) in ufuncs:
            name = ufuncs[type(value.op)]
            call = self._call(name, getattr(self.np, name), [value.left, value.right])
        elif isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
            call = self._call("negative", self.np.negative, [value.operand])
        else:
            return ast.Assign([row], value)  # type: ignore[call-arg]
        call.keywords = [ast.keyword("out", ast.Subscript(row.value, row.slice, ast.Load()))]
        return ast.Expr(call)

    def _guard(self, statement: ast.If) -> ast.stmt | None:
        """``if c: raise _GuardFailed`` becomes ``holds = holds & ~c``; the replay's own NaN
        checks (``raise ValueError``) go: the caller checks every number."""
        raised = statement.body[0]
        if len(statement.body) != 1 or not isinstance(raised, ast.Raise) or not isinstance(raised.exc, ast.Name):
            raise _Unsupported(ast.unparse(statement))
        if raised.exc.id != "_GuardFailed":
            return None
        test = statement.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            holds = self._condition(test.operand)
        else:
            holds = self._call("logical_not", self.np.logical_not, [self._condition(test)])
        return _assign("holds", ast.BinOp(_name("holds"), ast.BitAnd(), holds))

    # -- expressions --------------------------------------------------------------------
    def _expr(self, node: ast.expr) -> ast.expr:
        return cast(ast.expr, self.visit(node))

    def visit_Name(self, node: ast.Name) -> ast.expr:
        self.read[node.id] = self.reading
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if not isinstance(node, _PLAIN):
            raise _Unsupported(ast.unparse(node))
        return super().generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        test, chosen, other = node.test, node.body, node.orelse
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):  # x if not c else y: y if c else x
            test, chosen, other = test.operand, other, chosen
        return self._call("where", self.np.where, [self._condition(test), self._expr(chosen), self._expr(other)])

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        sides = [self._expr(node.left), *map(self._expr, node.comparators)]
        pairs: list[ast.expr] = [
            ast.Compare(a, [op], [b]) for a, op, b in zip(sides[:-1], node.ops, sides[1:], strict=True)
        ]
        return self._fold("logical_and", self.np.logical_and, pairs)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if isinstance(node.op, ast.Pow):  # libm's pow is not exactly rounded: Python's own, per sample
            args = [self._expr(node.left), self._expr(node.right)]
            return self._call("power", self._sample_by_sample(operator.pow, 2, None, "**"), args)
        return cast(ast.expr, self.generic_visit(node))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        if isinstance(node.op, ast.Not):
            return self._call("logical_not", self.np.logical_not, [self._condition(node.operand)])
        return cast(ast.expr, self.generic_visit(node))

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        owner = node.value.id if isinstance(node.value, ast.Name) else ""
        if owner == "math":  # a constant: inf, nan, pi
            return _name(self._bind(node.attr, getattr(math, node.attr)))
        if isinstance(self.old.get(owner), Value) and node.attr == "_data":
            return self._call("leaf", self.leaf, [node])
        raise _Unsupported(ast.unparse(node))

    def visit_Call(self, node: ast.Call) -> ast.expr:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _Unsupported(ast.unparse(node))
        args = [self._expr(a) for a in node.args]
        func = node.func
        if isinstance(func, ast.Name):
            name, function = func.id, self.old.get(func.id, getattr(builtins, func.id, None))
            return self._call(name, self._counterpart(function, len(args)), args)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = self.old.get(func.value.id, math if func.value.id == "math" else None)
            if owner is math:
                return self._call(func.attr, self._counterpart(getattr(math, func.attr), len(args)), args)
            if isinstance(owner, Op) and func.attr in ("forward", "local_grad"):
                outputs = None if func.attr == "forward" else len(args) - 1  # local_grad: a tuple
                each = self._sample_by_sample(getattr(owner, func.attr), len(args), outputs, owner.name)
                return self._call(f"{func.value.id}_{func.attr}", each, args)
        raise _Unsupported(ast.unparse(node))

    def _condition(self, node: ast.expr) -> ast.expr:
        """A test (of ``x if c else y``, or a guard): ``and``, ``or`` and ``not`` elementwise,
        on the operands' truth, as Python takes it there."""
        if isinstance(node, ast.BoolOp):
            which = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
            return self._fold(which, getattr(self.np, which), [self._condition(v) for v in node.values])
        return self._expr(node)

    def _counterpart(self, function: Any, inputs: int) -> Any:
        """What computes `function` elementwise over `inputs` arrays."""
        ufunc = self.ufuncs.get(function)
        if ufunc is not None and ufunc.nin == inputs:
            return ufunc
        helper = self.builtins.get((function, inputs))
        if helper is not None:
            return helper
        if callable(function):
            return self._sample_by_sample(function, inputs, None, getattr(function, "__name__", "a function"))
        raise _Unsupported(f"{function!r}, not a function,")

    def _sample_by_sample(self, function: Callable[..., Any], inputs: int, outputs: int | None, name: str) -> Any:
        """One `_SampleBySample` per function, however many nodes call it."""
        key = (id(function), inputs, outputs or 0)
        if key not in self.made:  # the function is kept beside it, so its id stays its own
            self.made[key] = (function, _SampleBySample(function, inputs, outputs, name, self.np))
        return self.made[key][1]

    def _fold(self, name: str, function: Any, parts: list[ast.expr]) -> ast.expr:
        result = parts[0]
        for part in parts[1:]:
            result = self._call(name, function, [result, part])
        return result

    def _call(self, name: str, function: Any, args: list[ast.expr]) -> ast.Call:
        return ast.Call(_name(self._bind(name, function)), args, [])

    def _bind(self, name: str, obj: Any) -> str:
        """A global name for `obj` in the new code: `name` itself if it is free."""
        candidate, k = name, 0
        while candidate in self.local_names or (candidate in self.new and self.new[candidate] is not obj):
            k += 1
            candidate = f"{name}_{k}"
        self.new[candidate] = obj
        return candidate


class _SampleBySample:
    """A Python function of floats applied to each sample in turn: a math function NumPy
    lacks, or an op's forward or derivative rule without a template. It returns one
    array, or with `outputs` a tuple of that many (as a derivative rule returns a tuple).
    Like a ufunc, where the function fails or gives NaN it raises FloatingPointError if
    NumPy is set to raise on invalid operations, and gives NaN otherwise."""

    def __init__(self, function: Callable[..., Any], inputs: int, outputs: int | None, name: str, np: Any) -> None:
        failed = math.nan if outputs is None else (math.nan,) * outputs

        def safe(*xs: float) -> Any:
            try:
                return function(*xs)
            except (ArithmeticError, ValueError):
                return failed

        if outputs == 1:  # frompyfunc wants a lone output unwrapped
            self.each = np.frompyfunc(lambda *xs: safe(*xs)[0], inputs, 1)
        else:
            self.each = np.frompyfunc(safe, inputs, outputs or 1)
        self.outputs = outputs
        self.name = name
        self.np = np

    def __call__(self, *xs: Any) -> Any:
        np = self.np
        out = self.each(*xs)
        results = [np.asarray(o, dtype=float) for o in (out if (self.outputs or 1) > 1 else (out,))]
        if any(np.isnan(r).any() for r in results) and np.geterr()["invalid"] == "raise":
            raise FloatingPointError(f"{self.name} failed or gave nan for some sample")
        return results[0] if self.outputs is None else tuple(results)


def _leaf_reader(np: Any) -> Callable[[float], Any]:
    def leaf(x: float) -> Any:
        """A leaf's number as a 0-d array, so arithmetic on it signals errors as arrays do.
        An infinite one fails the fast pass (the checked pass follows it)."""
        if x - x != 0.0 and np.geterr()["invalid"] == "raise":
            raise FloatingPointError("a leaf is not finite")
        return np.array(x)

    return leaf


def _reads_leaf(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "_data"


def _calls(node: ast.expr, attribute: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute


def _name(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _tuple(items: list[ast.expr]) -> ast.Tuple:
    return ast.Tuple(items, ast.Load())


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)  # type: ignore[call-arg]
