"""Optional: the same random graphs differentiated by PyTorch autograd.

Skipped when torch is not installed (it is never a dependency). To run it:
``.venv/bin/pip install torch==2.13.0 && make test``.
"""

import pytest
from hypothesis import given, settings

from autograd_scalar import Value
from autograd_scalar.testing import expressions

torch = pytest.importorskip("torch")

TORCH_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "add_const": lambda x: x + 1.5,
    "rsub_const": lambda x: 0.5 - x,
    "mul_const": lambda x: -2.0 * x,
    "rdiv_const": lambda x: 1.0 / x,
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "pow_half": lambda x: x**0.5,
    "reciprocal_sqrt": lambda x: x**-0.5,
    "rpow_const": lambda x: 2.0**x,
    "neg": lambda x: -x,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sin": torch.sin,
    "cos": torch.cos,
    "sqrt": torch.sqrt,
}


@settings(max_examples=500)
@given(expressions())
def test_gradients_agree_with_pytorch(expr):
    xs = [Value(x) for x in expr.point]
    out = expr(*xs)
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.point]
    expr.evaluate(ts, TORCH_OPS).backward()
    for x, t in zip(xs, ts, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert x.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)
