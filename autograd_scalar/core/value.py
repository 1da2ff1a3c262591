"""The graph node, `Value`: a number, its gradient, and how it was made.

A `Value` remembers only what the chain rule needs: its number, its parents in operand
order, and the `Op` that made it. The op knows how to compute forward on floats and how
to state its *local* derivatives (`ops.py`); the backward pass (`backprop.py`) does the
rest. So the engine never needs an op's name to differentiate it, and adding an op never
touches `backward()` or this class.
"""

from __future__ import annotations

import copy
import copyreg
import importlib
import numbers
import operator
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Any

from autograd_scalar.core import backprop, operators, ops
from autograd_scalar.core.mode import mode
from autograd_scalar.core.op import Number, Op, Operand

Method = Callable[["Value", Operand], "Value"]


def _operator(op: Op) -> tuple[Method, Method]:
    """The methods of a binary operator, ``self op other`` and ``other op self``: each
    lifts a plain number to a constant leaf and leaves anything else to Python."""

    def method(self: Value, other: Operand) -> Value:
        o = _lift(other)
        return NotImplemented if o is None else op(self, o)  # type: ignore[no-any-return]

    def reflected(self: Value, other: Operand) -> Value:
        o = _lift(other)
        return NotImplemented if o is None else op(o, self)  # type: ignore[no-any-return]

    return method, reflected


def _method(op: Op) -> Callable[[Value], Value]:
    """``x.name()`` for the one-operand op `name`."""

    def method(self: Value) -> Value:
        return op(self)  # type: ignore[no-any-return]

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.name}(self): the same as autograd_scalar.{op.name}(self)."
    return method


class Value:
    """A scalar in a computation graph: its value, its gradient, and how it was made.

    ``data`` is the number; ``grad`` is ∂root/∂self after ``root.backward()`` (0.0 before);
    ``label`` is a name for pictures and messages; ``op`` names the operation that produced
    the node ('' for a leaf); ``parents`` are its operands in order, duplicates kept.
    Comparisons, ``==`` included, compare the numbers, as they would on the floats a Value
    stands for; hashing is by identity, so Values are set members and dict keys as nodes.
    """

    # The operands live in two slots rather than a tuple: one object per node instead of
    # two halves the work of Python's cyclic collector, which walks every live container.
    # A unary node has _second None; a leaf has both None (and _op None).
    # The number lives in `_data`, which engine code reads directly; the public `data`
    # property guards the two ways a plain read or write could silently give a wrong
    # gradient (see its docstring). `_stamp` orders writes to `data` against the nodes
    # computed from it: a node is stamped with the clock of the latest write when it is
    # made, and a write advances the clock and stamps the written leaf with it, so an
    # operand newer than its result was written after the result was computed.
    # Size matters at scale: a graph growing to a million nodes meets several of the
    # collector's full collections, each walking every live node and visiting each filled
    # slot, and they were most of the extra time per node at 1M nodes over 10k. So there
    # are six slots, not seven, which puts a node in CPython's 80-byte allocation class
    # rather than the 96-byte one: a label (rare: parameters, names for pictures) rides on
    # the stamp, as a `_Labelled` int; and a new op node leaves `_grad` unset until a
    # backward pass reaches it (`grad` reads it as 0.0). A leaf's `_grad` is always set:
    # the backward pass reads and adds to it directly.
    __slots__ = ("_data", "_grad", "_op", "_first", "_second", "_stamp")
    __hash__ = object.__hash__  # defining ordering must not cost Values their identity hash

    def __init__(self, data: Number, label: str = "") -> None:
        self._data = as_float(data, "Value")
        self._grad: Any = 0.0
        self._op: Op | None = None
        self._first: Value | None = None
        self._second: Value | None = None
        self._stamp: int = _labelled(0, label)

    @staticmethod
    def _lift(x: object) -> Value:
        """A constant leaf for the number `x` (an op lifts numbers beside a Value this way)."""
        value = _lift(x)
        if value is None:
            raise TypeError(f"expected a Value or a number, got {type(x).__name__} {x!r}")
        return value

    @staticmethod
    def _node(data: float, op: Op | None, first: Value | None, second: Value | None) -> Value:
        """Build a node without validation; `data` is already a float from an op."""
        node = _new_value(Value)
        node._data = data
        if op is None:
            node._grad = 0.0
        node._op = op
        node._first = first
        node._second = second
        node._stamp = _clock
        return node

    # -- the number -----------------------------------------------------------------
    @property
    def data(self) -> float:
        """The number this node holds.

        Assigning to it is how parameters are updated (``p.data -= lr * p.grad``). Only a
        leaf may be assigned: a computed node's number is fixed by its operands. The value
        must be a real number, never NaN. A backward pass through a node computed *before*
        one of its operands was assigned raises, rather than mixing the two states.
        While `compile` traces a function, reading it raises `TraceError`: the replay
        could not follow Python decisions made on the plain number.
        """
        tracer = mode.tracer
        if tracer is not None:
            tracer.refuse_read(self)
        return self._data

    @data.setter
    def data(self, value: Number) -> None:
        if self._op is not None:
            raise AttributeError(
                f"cannot assign data of {self.describe()}: a computed node's number is fixed by its "
                "operands. Assign to the leaves it was computed from and compute again, or use detach() "
                "for a new leaf"
            )
        self._data = as_float(value, "Value.data")
        global _clock
        with _clock_lock:  # the clock never runs backwards, whichever thread writes
            _clock += 1
            self._stamp = _labelled(_clock, self.label)

    def item(self) -> float:
        """The number, as a float: ``v.data`` under the name PyTorch users reach for."""
        return self.data

    @property
    def grad(self) -> Any:
        """∂root/∂self after ``root.backward()``, 0.0 before: a float, or a Value after
        ``backward(create_graph=True)``. Assignable (``zero_grad`` sets 0.0)."""
        try:
            return self._grad
        except AttributeError:  # an op node no backward pass has reached yet
            return 0.0

    @grad.setter
    def grad(self, value: Any) -> None:
        self._grad = value

    @property
    def label(self) -> str:
        """A name for pictures and messages; "" if none was given."""
        stamp = self._stamp
        return stamp.label if type(stamp) is _Labelled else ""

    @label.setter
    def label(self, label: str) -> None:
        self._stamp = _labelled(int(self._stamp), label)

    # -- what the node is -------------------------------------------------------------
    @property
    def op(self) -> str:
        """The name of the operation that produced this node; '' for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this node was computed from, in order (``a*a`` gives ``(a, a)``)."""
        if self._first is None:
            return ()
        if self._second is None:
            return (self._first,)
        return (self._first, self._second)

    @property
    def is_constant(self) -> bool:
        """Whether this is a number the program wrote beside a Value, lifted to a leaf.

        The 2 of ``2 * x``, the 0 that ``sum()`` starts from: pictures draw such a leaf as
        a plain number (and leave a 0 added to something out), since nobody asked for its
        gradient. A leaf made with ``Value(...)`` is not one, nor a constant whose data was
        later assigned.
        """
        return self._stamp == _CONSTANT

    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂operand for each operand, at the current data; () for a leaf.

        These are the op's own derivatives, before the chain rule multiplies them by the
        gradient arriving from above: what a picture of backprop writes on each edge.
        """
        if self._op is None:
            return ()
        return tuple(self._op.local_grad(self._data, *[p._data for p in self.parents]))

    def describe(self) -> str:
        """A short description for error messages: data, and label or else op."""
        return self._text(with_grad=False)

    def __repr__(self) -> str:
        return self._text(with_grad=True)

    def _text(self, with_grad: bool) -> str:
        fields = [f"data={self._data!r}"] + ([f"grad={self.grad!r}"] if with_grad else [])
        if self.label:
            fields.append(f"label={self.label!r}")
        if self._op is not None and (with_grad or not self.label):
            fields.append(f"op={self._op.name!r}")
        return f"Value({', '.join(fields)})"

    def __float__(self) -> float:
        # Python calls this for float(v) and inside every math.* function. Returning the
        # number would cut v out of the graph and silently drop its gradient
        # (x * math.sin(x) would differentiate as x * constant), so it refuses.
        raise TypeError(
            f"a Value cannot become a plain float implicitly ({self.describe()}): float(v) and math "
            "functions such as math.sin(v) would cut it out of the graph and lose its gradient. Use "
            "the engine's functions on Values (autograd_scalar.sin, exp, log, sqrt, tanh, ...) and read "
            "the number with v.data or v.item()"
        )

    # Comparisons compare data and return a bool, so `if x > 0:` works in plain Python.
    # `==` too: a function must answer the same whether it is given floats or Values, and
    # grad gives it fresh nodes for its arguments, so identity would make
    # `value_and_grad(f)(1.0, 1.0)` disagree with `f(1.0, 1.0)` for `f = lambda x, y:
    # float(x == y)`, and `x == 0` would be silently False. (`!=` is Python's negation of
    # `==`.) Hashing stays by identity, so sets and dicts of Values still key by node: the
    # engine's own bookkeeping never compares Values with `==`.
    # While `autograd_scalar.compile` traces a function, each comparison is recorded as a
    # guard, so a replay that would take the other branch retraces instead.
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return _compare(self, other, "==")

    def __lt__(self, other: Operand) -> bool:
        return _compare(self, other, "<")

    def __le__(self, other: Operand) -> bool:
        return _compare(self, other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return _compare(self, other, ">")

    def __ge__(self, other: Operand) -> bool:
        return _compare(self, other, ">=")

    # -- the number in ordinary Python: format, round, truth ----------------------------
    # Each reads the number, so while `compile` traces, format and round raise TraceError
    # (through `data`), and bool is a comparison, recorded as a guard like `x != 0`.
    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the number; an empty spec (``f"{v}"``) is ``str(v)``,
        as Python's rule ``format(x, "") == str(x)`` asks."""
        if not spec:
            return str(self)
        return format(self.data, spec)

    def __round__(self, ndigits: int | None = None) -> float:
        """``round(v, n)`` is ``round(v.data, n)``: a plain float (an int without `n`, as
        for floats). Not differentiable: the result is a number, outside the graph."""
        return round(self.data, ndigits)  # type: ignore[return-value]

    def __bool__(self) -> bool:
        """``bool(v)`` is ``v != 0``, as for the float it holds (``if v:`` works). It is a
        comparison, so `compile` records it as a guard."""
        return not _compare(self, 0.0, "==")

    # -- copies: pickle and deepcopy keep the whole graph ---------------------------------
    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        # A leaf, or a node whose operands are being saved just before it (see _GraphSaver),
        # pickles as its own fields; any other node pickles its whole graph in topological
        # order first, so pickle never recurses along a chain (which would hit the recursion
        # limit at a few hundred nodes deep) and shared nodes stay shared.
        op = self._op
        if op is not None:
            saving = _saving.stack
            if not saving or id(self) not in saving[-1][1]:
                return (_last, (_GraphSaver(self),))
            if saving[-1][0] == id(self):  # the root comes last: its graph is saved
                saving.pop()
            if type(op) not in copyreg.dispatch_table:
                copyreg.pickle(type(op), _reduce_op)  # a user's subclass of Op
        grad = self.grad
        fields = (self._data, 0.0, self.label, op, self._first, self._second, int(self._stamp))
        if type(grad) is float:
            return (_rebuild, fields[:1] + (grad,) + fields[2:])
        # A differentiable gradient (create_graph) refers back to this node: it is set as
        # the state, which pickle saves after the node itself.
        return (_rebuild, fields, grad)

    def __setstate__(self, grad: Any) -> None:
        self.grad = grad

    def __copy__(self) -> Value:
        """A new node with the same number, gradient, label, op and operands (shared)."""
        return _rebuild(self._data, self.grad, self.label, self._op, self._first, self._second, self._stamp)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph, independent of the original; ops are shared (they are
        immutable). Iterative, so any depth copies."""
        with_value_grads = []
        for node in backprop.topological_order(self):
            if id(node) in memo:
                continue
            first, second = node._first, node._second
            memo[id(node)] = new = _rebuild(
                node._data,
                node.grad,
                node.label,
                node._op,
                None if first is None else memo[id(first)],
                None if second is None else memo[id(second)],
                node._stamp,
            )
            if type(node.grad) is not float:
                with_value_grads.append((new, node.grad))
        for new, grad in with_value_grads:  # after the nodes: such a gradient refers back to them
            new.grad = copy.deepcopy(grad, memo)
        return memo[id(self)]  # type: ignore[no-any-return]

    # -- gradients ----------------------------------------------------------------------
    def backward(self, create_graph: bool = False) -> None:
        """Compute ∂self/∂n for every node n this Value was computed from.

        Iterative (no recursion limit). Leaves *accumulate* across calls, as in PyTorch, so
        two calls leave each leaf at exactly twice one call; intermediate nodes hold the
        gradient of the latest pass. Reset leaves with `zero_grad()` between steps.
        Raises FloatingPointError, naming the node, if a gradient would become NaN.

        With ``create_graph=True`` each ``grad`` is a Value computed from the graph rather
        than a float, so it can be differentiated again: ``y.backward(create_graph=True);
        g = x.grad; x.grad = 0.0; g.backward()`` leaves d²y/dx² in ``x.grad``. Clear
        ``x.grad`` first, as there, or the second pass accumulates onto the first. Each
        such ``grad`` refers back to the graph (a reference cycle, freed by Python's
        cyclic collector, or at once by `zero_grad()`); `grad` makes no cycle.
        """
        backprop.accumulate_into_grad(backprop.topological_order(self), create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it was computed from."""
        for node in backprop.topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label: gradients will not flow through it.

        While `compile` traces, the tracer learns where the leaf's number came from, so a
        replay recomputes it from new arguments instead of freezing it.
        """
        leaf = Value._node(self._data, None, None, None)
        leaf._stamp = _labelled(leaf._stamp, self.label)
        if mode.tracer is not None:
            mode.tracer.detached(leaf, self)
        return leaf

    # -- arithmetic: each operator lifts a plain number and defers to the op table --------
    __add__, __radd__ = _operator(ops.ADD)
    __sub__, __rsub__ = _operator(ops.SUB)
    __mul__, __rmul__ = _operator(ops.MUL)
    __truediv__, __rtruediv__ = _operator(ops.DIV)
    __mod__, __rmod__ = _operator(ops.MOD)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return ops.POW(self, other)
        exponent = number_or_none(other)
        return NotImplemented if exponent is None else ops.power(self, exponent)

    __rpow__ = _operator(ops.POW)[1]

    def __neg__(self) -> Value:
        return ops.NEG(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return ops.ABS(self)

    # -- the method forms micrograd users reach for: x.exp() is ag.exp(x) ---------------
    exp, log, tanh = _method(ops.exp), _method(ops.log), _method(ops.tanh)
    sigmoid, relu = _method(ops.sigmoid), _method(ops.relu)
    sin, cos, sqrt = _method(ops.sin), _method(ops.cos), _method(ops.sqrt)


_new_value = object.__new__
_clock = 0  # how many writes to a Value's `data` there have been, process-wide
_clock_lock = threading.Lock()


def number_or_none(x: object) -> float | None:
    """`x` as a float if it is a real number (bools are not), else None."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if kind is int:
        return float(x)  # type: ignore[arg-type]
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return None


def as_float(x: object, where: str) -> float:
    number = number_or_none(x)
    if number is None:
        raise TypeError(f"{where}: expected an int or a float, got {type(x).__name__} {x!r}")
    if number != number:
        raise ValueError(f"{where}: data is nan; a Value must hold a number")
    return number


class _Labelled(int):
    """The stamp of a node that has a label, carrying the label: labels are few, and giving
    them a slot of their own would make every node 16 bytes larger (see `Value`)."""

    label: str


def _labelled(stamp: int, label: str) -> int:
    """`stamp`, carrying `label` if there is one."""
    if not label:
        return stamp
    tagged = _Labelled(stamp)
    tagged.label = label
    return tagged


_CONSTANT = -1
"""The stamp of a lifted constant: older than every write, so the check for data assigned
between forward and backward (which compares the newest leaf write with the oldest
computed node) is unchanged, and a write to it stamps it like any leaf."""


def _lift(x: object) -> Value | None:
    """`x` itself if it is a Value, a new constant leaf if it is a number, else None."""
    if isinstance(x, Value):
        return x
    number = number_or_none(x)
    if number is None:
        return None
    if number != number:
        raise ValueError("cannot combine a Value with nan")
    constant = Value._node(number, None, None, None)
    constant._stamp = _CONSTANT
    return constant


_COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


def _compare(value: Value, other: object, symbol: str) -> bool:
    other_data = other._data if isinstance(other, Value) else number_or_none(other)
    if other_data is None:
        return NotImplemented
    result: bool = _COMPARISONS[symbol](value._data, other_data)
    if mode.tracer is not None:
        mode.tracer.guard(value, symbol, other, result)  # type: ignore[attr-defined]
    return result


# -- pickling -----------------------------------------------------------------------------
class _Saving(threading.local):
    stack: list[tuple[int, set[int]]]  # (id of a root, ids of its graph), being pickled

    def __init__(self) -> None:
        self.stack = []


_saving = _Saving()


class _GraphSaver:
    """What a computed node pickles as: a list of the nodes of its graph, in topological order.

    While the list is saved, its nodes are marked (on a per-thread stack) so that each one
    pickles as its own fields, its operands already written and only referred to; the root
    comes last and unmarks the graph. (If pickling fails half-way, the generator's closing
    unmarks it; a mark left over could only make a later pickle recurse, never differ.)
    """

    __slots__ = ("root",)

    def __init__(self, root: Value) -> None:
        self.root = root

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        order = backprop.topological_order(self.root)
        return (list, (), None, _items(order, (id(self.root), {id(node) for node in order})))


def _items(order: list[Value], entry: tuple[int, set[int]]) -> Any:
    _saving.stack.append(entry)  # before pickle saves the first node
    try:
        yield from order
    except GeneratorExit:  # pickling stopped before the root was reached
        stack = _saving.stack
        if any(e is entry for e in stack):
            stack[:] = [e for e in stack if e is not entry]
        raise


def _last(nodes: list[Value]) -> Value:
    return nodes[-1]


def _rebuild(
    data: float, grad: Any, label: str, op: Op | None, first: Value | None, second: Value | None, stamp: int
) -> Value:
    node = Value._node(data, op, first, second)
    node.grad = grad
    node._stamp = _labelled(int(stamp), label)
    global _clock
    if stamp > _clock:  # from another process: later writes must still look newer
        with _clock_lock:
            _clock = max(_clock, int(stamp))
    return node


def _op_by_name(module: str, qualname: str) -> Op:
    """The op a pickle refers to by where it is defined."""
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not isinstance(found, Op):
        raise TypeError(f"{module}.{qualname} is not an Op, but a pickle stored an Op under that name")
    return found


def _op_with(kind: str, parameters: tuple[float, ...]) -> Op:
    """An op the engine makes on the fly for a parameter (``x ** 2.5``, ``leaky_relu(x, 0.2)``,
    ``clip(x, 0, 6)``), made again from its parameters."""
    if kind == "power":
        (c,) = parameters
        return Op(f"**{ops._short(c)}", lambda v: operators.real_pow(v, c), lambda out, v: (ops._power_rule(v, c),))
    if kind == "leaky_relu":
        return ops._leaky_relu_with(*parameters)
    if kind == "clip":
        return ops._clip_with(*parameters)
    return ops._where_false()


# The functions that build ops on the fly, by the name of their forward's code, and the
# parameters each closes over.
_MADE_ON_THE_FLY = {
    "power.<locals>.<lambda>": ("power", ("c",)),
    "_op_with.<locals>.<lambda>": ("power", ("c",)),
    "_leaky_relu_with.<locals>.<lambda>": ("leaky_relu", ("slope",)),
    "_clip_with.<locals>.<lambda>": ("clip", ("low", "high")),
    "_where_false.<locals>.<lambda>": ("where", ()),
}


def _reduce_op(op: Op) -> tuple[Any, ...]:
    """How an op pickles: by reference to the module-level name it is defined under (the
    op table's rows, or a user's own op at module level), or, for an op the engine made on
    the fly, by what it was made from. Any other op is refused, by name."""
    forward = op.forward
    candidates = ["autograd_scalar.core.ops", getattr(forward, "__module__", None)]
    candidates.append(getattr(op.local_grad, "__module__", None))
    for module_name in candidates:
        module = sys.modules.get(module_name) if module_name else None
        for name, member in list(vars(module).items()) if module is not None else ():
            if member is op:
                return (_op_by_name, (module_name, name))
    made = _MADE_ON_THE_FLY.get(getattr(forward, "__qualname__", ""))
    if made is not None and getattr(forward, "__module__", None) in ("autograd_scalar.core.ops", __name__):
        kind, names = made
        cells = dict(zip(forward.__code__.co_freevars, forward.__closure__ or (), strict=True))  # type: ignore[attr-defined]
        return (_op_with, (kind, tuple(cells[n].cell_contents for n in names)))
    raise pickle.PicklingError(
        f"cannot pickle {op!r}: pickle stores an op by the name it is defined under, and this one is "
        "not a module-level name (it was made inside a function, or by custom_gradient). Define it at "
        "module level (my_op = Op(...) in an importable module) to pickle Values computed with it"
    )


copyreg.pickle(Op, _reduce_op)
for _kind in {type(row) for row in ops.TABLE}:
    copyreg.pickle(_kind, _reduce_op)
