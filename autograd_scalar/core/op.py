"""`Op`: one differentiable primitive, and what applying it to operands does.

An op knows its forward on floats and its *local* derivatives; the backward pass
(`backprop.py`) does the rest, so the engine never needs an op's name to differentiate
it. Applied to Values it makes a graph node; applied to plain numbers it is the plain
function, so every op doubles as a function usable inside the functions given to `grad`.

This module does not import `value.py` (which imports the op table, which imports this):
an op asks its Value operand for the node's class, through the operand itself.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from autograd_scalar.core.mode import mode

if TYPE_CHECKING:
    from autograd_scalar.core.value import Value

Number = Union[int, float]
Operand = Union["Value", int, float]

# A local-derivative rule receives the node's output and its operands and returns one
# partial derivative per operand. It is called with plain floats for an ordinary backward
# pass, and with the Values themselves when a differentiable gradient is wanted (higher
# order), so it must be written with operators and ops, which accept both. It must not
# capture the output node: that would make a reference cycle.
LocalGrad = Callable[..., tuple[Any, ...]]


class Replay(NamedTuple):
    """How `compile` writes an op inline: Python expressions with ``{a}``, ``{b}`` for the
    operands' variables, ``{out}`` for the result's and ``{f}`` for the op's own forward;
    `math` is in scope. `forward` computes the result; `local` one partial per operand.
    `keeps_nan` says a NaN operand always gives a NaN result (as arithmetic does); set it
    False for an op that can hide one (``hypot(inf, nan)`` is inf), so the replay checks
    that op's operands itself, the way eager refuses NaN wherever it appears."""

    forward: str
    local: tuple[str, ...]
    keeps_nan: bool = True


class Op:
    """One differentiable primitive: one row of the op table.

    `name` is how pictures and messages show it (and, for a `public` op, the name it is
    exported under); `forward` works on floats; `local_grad(out, *operands)` states the
    partial derivatives. The rest is optional and read by the tools built on the table:
    `replay`, the inline code `compile` writes for it (without it, compile calls the op);
    `domain(*operands)`, where the property tests may apply it with room for finite
    differences (away from kinks and poles); `sympy(sp, *operands)`, its counterpart in
    SymPy (given the `sympy` module), for the symbolic oracle.

    Calling an op on Values computes the result, reports domain errors in the caller's
    terms (naming the op and its operands), refuses to produce NaN, and records the node.
    Calling it on plain numbers returns the plain float, with the same checks.
    """

    __slots__ = ("name", "forward", "local_grad", "public", "replay", "domain", "sympy")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local_grad: LocalGrad,
        *,
        public: bool = False,
        replay: Replay | None = None,
        domain: Callable[..., bool] | None = None,
        sympy: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.local_grad = local_grad
        self.public = public
        self.replay = replay
        self.domain = domain
        self.sympy = sympy

    @property
    def arity(self) -> int:
        """How many operands the op takes: read off its rule, ``local_grad(out, *operands)``."""
        return int(self.local_grad.__code__.co_argcount) - 1

    def __call__(self, *operands: Any) -> Any:
        try:
            if len(operands) == 2:
                first, second = operands
                data = self.forward(first._data, second._data)
            elif len(operands) == 1:
                first, second = operands[0], None
                data = self.forward(first._data)
            else:
                raise TypeError(f"{self.name}: an op takes one or two operands, got {len(operands)}")
        except AttributeError:  # not all Values: numbers, or something else
            return self._apply_to_mixed(operands)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"{self.describe_call(operands)}: {error}") from None
        if data != data:
            raise ValueError(f"{self.describe_call(operands)}: the result is nan")
        if mode.plain:  # recording, no trace: the common case, decided by one read
            return first._node(data, self, first, second)
        return self._record_unusually(data, first, second)

    def _record_unusually(self, data: float, first: Value, second: Value | None) -> Value:
        """The node when not simply recording: under ``no_grad`` a leaf; while compile
        traces, the tracer learns of every node, even those the result ignores."""
        make = first._node
        if mode.grad_enabled:
            node = make(data, self, first, second)
            mode.tracer.created(node)
            return node
        if mode.tracer is not None:
            # Inside `no_grad` while compile traces: the result is a leaf, as always, but
            # the tracer learns how it was computed, so a replay recomputes its number.
            source = make(data, self, first, second)
            mode.tracer.created(source)
            leaf = make(data, None, None, None)
            mode.tracer.detached(leaf, source)
            return leaf
        return make(data, None, None, None)

    def _apply_to_mixed(self, operands: tuple[Any, ...]) -> Any:
        """Plain numbers give a plain float; numbers beside a Value become constant leaves."""
        for i, o in enumerate(operands):
            if not hasattr(o, "_lift") and (isinstance(o, bool) or not isinstance(o, numbers.Real)):
                raise TypeError(
                    f"{self.name}: operand {i + 1} must be a Value or a number, got {type(o).__name__} {o!r}"
                )
        value = next((o for o in operands if hasattr(o, "_lift")), None)
        if value is not None:
            return self(*[o if hasattr(o, "_lift") else value._lift(o) for o in operands])
        try:
            result = self.forward(*[float(o) for o in operands])
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"{self.describe_call(operands)}: {error}") from None
        if result != result:
            raise ValueError(f"{self.describe_call(operands)}: the result is nan")
        return result

    def describe_call(self, operands: tuple[Any, ...]) -> str:
        """How an error message shows this op applied to `operands`, e.g. ``log(Value(...))``."""
        shown = ", ".join(o.describe() if hasattr(o, "describe") else repr(o) for o in operands)
        return f"{self.name}({shown})"

    def __repr__(self) -> str:
        return f"Op({self.name!r})"
