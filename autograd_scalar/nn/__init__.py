"""Neural networks on top of the engine: modules, losses and optimizers."""

from autograd_scalar.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    log_softmax,
    mse,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from autograd_scalar.nn.module import MLP, Layer, Module, Neuron, functional_call
from autograd_scalar.nn.optim import SGD, Adam, Optimizer

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "binary_cross_entropy",
    "functional_call",
    "binary_cross_entropy_with_logits",
    "hinge",
    "log_softmax",
    "mse",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
]
