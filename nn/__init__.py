"""nn: neural networks built on `autograd`, the documents' networks, and the `chaingrad` command.

`nn` depends on `autograd`, never the reverse. Scalar (`Value`) networks labelled in the
documents' notation live in `nn.scalar` (``nn.scalar.MLP``, ``Layer``, ``Neuron``).
"""

from . import catalog, gallery, scalar
from .catalog import CASES, get_case
from .data import load_digits, read_idx, spirals, two_moons, xor_table
from .documents import seed000_case, seed000_cases, seed000_numbers, seed001_blog
from .gallery import draw_case, write_gallery
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    mean_squared_error,
    sum_squared_error,
)
from .module import Module
from .optim import SGD

__all__ = [
    "CASES",
    "SGD",
    "Module",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "catalog",
    "draw_case",
    "gallery",
    "get_case",
    "half_squared_error",
    "load_digits",
    "mean_squared_error",
    "read_idx",
    "scalar",
    "seed000_case",
    "seed000_cases",
    "seed000_numbers",
    "seed001_blog",
    "spirals",
    "sum_squared_error",
    "two_moons",
    "write_gallery",
    "xor_table",
]
