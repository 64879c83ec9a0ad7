"""Tensor networks for training: `Linear`, `Sequential`, activations and `MLP`, PyTorch-like.

A layer's weight has PyTorch's shape (out_features, in_features) and its forward is
``x @ W.T + b``, so parameter names and shapes match ``torch.nn`` one for one: an
``MLP([64, 30, 10], hidden="sigmoid")`` is a `Sequential` whose `state_dict` keys are
``0.weight``, ``0.bias``, ``2.weight``, ``2.bias``, as for ``torch.nn.Sequential(Linear,
Sigmoid, Linear)``. Rows of the input are examples.

Initializers (``init=``), drawn from a numpy ``Generator`` seeded by ``seed``:

- ``"normal"``: every weight and bias N(0, 1), as Nielsen's ``network.py`` (the network
  behind seed 003's closing claim);
- ``"xavier"``: Glorot uniform, W ~ U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), biases 0
  (keeps the variance of activations and gradients about level for sigmoid and tanh);
- ``"he"``: W ~ N(0, 2 / fan_in), biases 0 (the same for ReLU, which zeroes half its inputs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from numbers import Real
from typing import Any, ClassVar

import numpy as np
from chaingrad.autograd import ops
from chaingrad.autograd.arrays import float_dtype, shape_text
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import linear

from .checks import check_activation, check_choice, check_count, check_flag, check_sizes
from .module import Module

Seed = int | np.random.Generator
"""A seed for the initializers: an int, or a Generator shared by several layers."""
Initializer = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]
"""``(rng, fan_in, fan_out) -> (weight of shape (fan_out, fan_in), bias of shape (fan_out,))``."""


def _normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((fan_out, fan_in)), rng.standard_normal(fan_out)


def _xavier(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_out, fan_in)), np.zeros(fan_out)


def _he(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_out, fan_in)), np.zeros(fan_out)


INITIALIZERS: dict[str, Initializer] = {"normal": _normal, "xavier": _xavier, "he": _he}
"""The initializers by name (see the module docstring)."""


def generator(seed: Seed, where: str) -> np.random.Generator:
    """`seed` as a numpy Generator (an int seeds a new one; a Generator is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"{where}: seed must be a whole number >= 0 or a numpy Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed))


class Linear(Module):
    """A fully connected layer: ``y = x @ weight.T + bias``, as ``torch.nn.Linear``.

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,); both
    are float64 tensors requiring grad (float32 with ``dtype=np.float32``), initialized by
    `init` (see the module docstring) from `seed`. ``bias=False`` leaves the bias out.
    The input's last dimension must be `in_features`: a batch (N, in) gives (N, out).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        init: str = "xavier",
        seed: Seed = 0,
        dtype: Any = np.float64,
    ) -> None:
        check_count(in_features, "Linear", "in_features")
        check_count(out_features, "Linear", "out_features")
        bias = check_flag(bias, "Linear", "bias")
        check_choice(init, INITIALIZERS, "Linear", "init")
        dt = float_dtype(dtype, "Linear")
        w, b = INITIALIZERS[init](generator(seed, "Linear"), in_features, out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.init = init
        self.weight = Tensor(w, requires_grad=True, dtype=dt, label="weight")
        self.bias = Tensor(b, requires_grad=True, dtype=dt, label="bias") if bias else None

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        """``x @ weight.T + bias`` for `x` of shape (..., in_features), as one fused
        `autograd.tensor_ops.linear` node."""
        if type(x) is Tensor or isinstance(x, (Tensor, np.ndarray)):
            shape = x.shape
        else:
            shape = self._input_shape(x)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self._name()}: the input has shape "
                f"{shape_text(shape)}; its last dimension must be in_features = "
                f"{self.in_features}"
            )
        return linear(x, self.weight, self.bias)

    def _name(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

    def _input_shape(self, x: object) -> tuple[int, ...]:
        """The shape of an input that is not an array: nested lists of numbers, or a number."""
        if isinstance(x, (list, tuple)):
            try:
                return np.shape(x)
            except ValueError:  # numpy: "inhomogeneous shape"
                raise ValueError(
                    f"{self._name()}: the input is not a rectangular array (rows of different "
                    f"lengths); give every row {self.in_features} numbers"
                ) from None
        if isinstance(x, Real) and not isinstance(x, bool):
            return ()
        kind = "None" if x is None else f"a {type(x).__name__}"
        raise TypeError(
            f"{self._name()}: the input is {kind}; pass a Tensor or an array "
            f"of shape (N, {self.in_features})"
        )

    def extra_repr(self) -> str:
        """Sizes and bias, as PyTorch prints them."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Activation(Module):
    """An activation of the op registry (`autograd.ops`), applied entry by entry.

    ``Activation("softplus")`` for any registered activation; `Sigmoid`, `ReLU` and `Tanh`
    are the built-in ones under PyTorch's names.
    """

    operation: ClassVar[ops.Operation | None] = None

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            check_activation(name, ops.activations(), type(self).__name__)
            self.operation = ops.activations()[name]
        elif self.operation is None:
            raise TypeError("Activation: give the name of an activation, such as 'relu'")
        self._apply = self.operation.for_type(Tensor)

    def forward(self, x: Tensor) -> Tensor:
        """The activation of every entry of x."""
        return self._apply(x)

    def extra_repr(self) -> str:
        """The activation's name, unless the class says it."""
        return "" if type(self) is not Activation else repr(self.operation.name)


class Sigmoid(Activation):
    """The logistic sigmoid, entry by entry."""

    operation = ops.SIGMOID


class ReLU(Activation):
    """max(0, x) entry by entry (derivative 0 at 0, as PyTorch)."""

    operation = ops.RELU


class Tanh(Activation):
    """The hyperbolic tangent, entry by entry."""

    operation = ops.TANH


class Identity(Module):
    """Returns its input unchanged."""

    def forward(self, x: Tensor) -> Tensor:
        """x itself."""
        return x


_NAMED_ACTIVATIONS = {cls.operation.name: cls for cls in (Sigmoid, ReLU, Tanh)}
IDENTITY = "identity"
"""No activation: `MLP` adds no module for it."""


def activation_names() -> list[str]:
    """The activations `MLP` can use: the op registry's activations, and ``"identity"``."""
    return [*ops.activations(), IDENTITY]


def activation_module(name: str) -> Module:
    """A new module applying activation `name` (`Sigmoid()` for ``"sigmoid"``)."""
    if name == IDENTITY:
        return Identity()
    cls = _NAMED_ACTIVATIONS.get(name)
    return cls() if cls is not None else Activation(name)


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    Children are named by position, ``"0"``, ``"1"``, ..., as in ``torch.nn.Sequential``,
    so parameter names read ``0.weight``, ``0.bias``, ``2.weight``. Indexing and
    iteration give the modules; ``len`` counts them.
    """

    def __init__(self, *modules: Module) -> None:
        for k, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: item {k} is a {type(module).__name__}, not a Module "
                    "(e.g. Linear(2, 8) or ReLU())"
                )
        self.layers = list(modules)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The modules by position: ``("0", first), ("1", second), ...``."""
        for k, module in enumerate(self.layers):
            yield str(k), module

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        """Feed `x` through every module in order."""
        for module in self.layers:
            x = module(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


class MLP(Sequential):
    """A multi-layer perceptron: ``MLP([64, 30, 10], hidden="sigmoid", output="sigmoid")``.

    `sizes` lists the inputs, then each layer's width. Each `Linear` but the last is
    followed by the `hidden` activation, the last by `output` (none is added for
    ``"identity"``, the default: the network returns scores, for
    `nn.losses.softmax_cross_entropy`). All layers draw their starting weights, in
    order, from one Generator seeded by `seed`, with initializer `init`.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "identity",
        *,
        init: str = "xavier",
        bias: bool = True,
        seed: Seed = 0,
        dtype: Any = np.float64,
    ) -> None:
        sizes = check_sizes(sizes, "MLP")
        for name in (hidden, output):
            check_activation(name, activation_names(), "MLP")
        check_choice(init, INITIALIZERS, "MLP", "init")
        bias = check_flag(bias, "MLP", "bias")
        rng = generator(seed, "MLP")
        modules: list[Module] = []
        for k in range(1, len(sizes)):
            modules.append(Linear(sizes[k - 1], sizes[k], bias, init=init, seed=rng, dtype=dtype))
            activation = hidden if k < len(sizes) - 1 else output
            if activation != IDENTITY:
                modules.append(activation_module(activation))
        super().__init__(*modules)
        self.sizes = sizes
