"""autograd-scalar: a scalar reverse-mode automatic-differentiation engine you can read."""

from autograd_scalar.backprop import topological_order
from autograd_scalar.check import GradientCheckError, check_local_grads, gradcheck, numerical_grad
from autograd_scalar.compiler import Compiled, TraceError, compile
from autograd_scalar.functional import grad, value_and_grad
from autograd_scalar.mode import detect_anomaly, is_grad_enabled, no_grad
from autograd_scalar.ops import cos, exp, log, relu, sigmoid, sin, sqrt, tanh
from autograd_scalar.value import Op, Value

__all__ = [
    "Compiled",
    "TraceError",
    "compile",
    "GradientCheckError",
    "check_local_grads",
    "grad",
    "gradcheck",
    "numerical_grad",
    "value_and_grad",
    "Op",
    "Value",
    "cos",
    "detect_anomaly",
    "exp",
    "is_grad_enabled",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
]
