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
from autograd_scalar.nn.module import MLP, Layer, Module, Neuron, functional_call, parameter_label
from autograd_scalar.nn.optim import SGD, Adam, Optimizer, clip_grad_norm
from autograd_scalar.nn.plots import plot_decision_regions, plot_history, plot_regression
from autograd_scalar.nn.serialization import ModelFileError, load, save
from autograd_scalar.nn.train import History, fit

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
    "History",
    "clip_grad_norm",
    "fit",
    "plot_decision_regions",
    "plot_history",
    "plot_regression",
    "ModelFileError",
    "load",
    "parameter_label",
    "save",
]
