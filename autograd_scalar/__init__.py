"""autograd-scalar: a scalar reverse-mode automatic-differentiation engine you can read."""

__version__ = "0.1.0"  # the one place the version is written; pyproject.toml reads it from here

from autograd_scalar.check import GradientCheckError, check_local_grads, gradcheck, numerical_grad
from autograd_scalar.compiler import Compiled, TraceError, compile
from autograd_scalar.core.backprop import topological_order
from autograd_scalar.core.mode import detect_anomaly, is_grad_enabled, no_grad
from autograd_scalar.core.op import Op
from autograd_scalar.core.ops import *  # noqa: F403 - every public op of the table, by name
from autograd_scalar.core.ops import __all__ as _ops
from autograd_scalar.core.value import Value
from autograd_scalar.custom import custom_gradient
from autograd_scalar.explain import explain, explain_layers
from autograd_scalar.functional import grad, value_and_grad
from autograd_scalar.transforms import hessian, hvp, jacobian, jvp

__all__ = [  # noqa: PLE0604
    *_ops,
    "__version__",
    "Compiled",
    "TraceError",
    "compile",
    "GradientCheckError",
    "check_local_grads",
    "grad",
    "gradcheck",
    "numerical_grad",
    "value_and_grad",
    "custom_gradient",
    "explain",
    "explain_layers",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "Op",
    "Value",
    "detect_anomaly",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]
