"""chaingrad.nn: networks built on `autograd`, the seed documents, and the `chaingrad` command.

`nn` depends on `autograd`, never the reverse. Three layers, one per folder level:

- the network library, at the top: scalar (`Value`) networks labelled in the documents'
  notation in `nn.scalar` (``ScalarMLP``, ``Layer``, ``Neuron``); Tensor networks for
  training (`MLP`, `Linear`, `Sequential`) in `nn.layers`, losses, optimizers, the training
  loop (`fit`), weights files and PyTorch round trips (`nn.checkpoint`) and data sets;
- the seed documents, in `nn.documents`: their case files, networks and reports;
- the application, in `nn.app`: the ``chaingrad`` command, the gallery, the ``chaingrad
  train`` tasks and plots.

Every name below is imported on first use, so ``from chaingrad import nn`` loads nothing
until a name is read (and never matplotlib, Graphviz or the TOML reader by itself).
"""

from chaingrad._lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(
        ("MLP", "Identity", "Linear", "ReLU", "Sequential", "Sigmoid", "Tanh"), ".layers"
    ),
    **dict.fromkeys(
        (
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "half_squared_error",
            "l2_penalty",
            "mean_squared_error",
            "softmax_cross_entropy",
            "sum_squared_error",
        ),
        ".losses",
    ),
    "Module": ".module",
    **dict.fromkeys(("SGD", "Adam"), ".optim"),
    **dict.fromkeys(("History", "accuracy", "evaluate", "fit"), ".train"),
    **dict.fromkeys(
        ("from_torch", "load", "load_state_dict", "save", "state_dict", "to_torch"), ".checkpoint"
    ),
    **dict.fromkeys(
        (
            "load_digits",
            "one_hot",
            "read_idx",
            "spirals",
            "train_test_split",
            "two_moons",
            "xor_table",
        ),
        ".data",
    ),
    "scalar": ".scalar",
    **dict.fromkeys(("CASES", "get_case"), ".documents.catalog"),
    **dict.fromkeys(("seed000_case", "seed000_cases", "seed000_numbers"), ".documents.seed000"),
    "seed001_blog": ".documents.seed001",
    "seed004_softmax": ".documents.seed004",
    **dict.fromkeys(("draw_case", "write_gallery"), ".app.gallery"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
