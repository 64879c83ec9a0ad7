"""nn: neural networks built on `autograd`, the documents' networks, and the `chaingrad` command.

`nn` depends on `autograd`, never the reverse. Scalar (`Value`) networks labelled in the
documents' notation live in `nn.scalar` (``nn.scalar.MLP``, ``Layer``, ``Neuron``); Tensor
networks for training (``nn.MLP``, `Linear`, `Sequential`) in `nn.layers`, the training
loop in `nn.train`, weights files and PyTorch round trips in `nn.checkpoint`, the
``chaingrad train`` tasks in `nn.tasks`, and plots in `nn.plots` (imported on its own,
so ``import nn`` does not load matplotlib).
"""

from . import catalog, gallery, scalar
from .catalog import CASES, get_case
from .checkpoint import from_torch, load, load_state_dict, save, state_dict, to_torch
from .data import load_digits, one_hot, read_idx, spirals, train_test_split, two_moons, xor_table
from .documents import seed000_case, seed000_cases, seed000_numbers, seed001_blog, seed004_softmax
from .gallery import draw_case, write_gallery
from .layers import MLP, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    l2_penalty,
    mean_squared_error,
    softmax_cross_entropy,
    sum_squared_error,
)
from .module import Module
from .optim import SGD, Adam
from .train import History, accuracy, evaluate, fit

__all__ = [
    "CASES",
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Identity",
    "Linear",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "catalog",
    "draw_case",
    "evaluate",
    "fit",
    "from_torch",
    "gallery",
    "get_case",
    "half_squared_error",
    "l2_penalty",
    "load",
    "load_digits",
    "load_state_dict",
    "mean_squared_error",
    "one_hot",
    "read_idx",
    "save",
    "scalar",
    "seed000_case",
    "seed000_cases",
    "seed000_numbers",
    "seed001_blog",
    "seed004_softmax",
    "softmax_cross_entropy",
    "spirals",
    "state_dict",
    "sum_squared_error",
    "to_torch",
    "train_test_split",
    "two_moons",
    "write_gallery",
    "xor_table",
]
