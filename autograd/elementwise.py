"""A new entry-by-entry function in one call: `elementwise` registers it for `Value` and `Tensor`.

::

    softplus = elementwise(
        "softplus",
        forward=lambda x: np.logaddexp(0.0, x),          # log(1 + e^x), floats and arrays
        derivative=lambda x, y: 1.0 / (1.0 + np.exp(-x)),  # d softplus/dx = σ(x)
        rule="∂softplus(z)/∂z = σ(z)",
    )
    y = softplus(Value(0.3, label="x"))   # or a Tensor

The entry goes into the op registry (`autograd.ops`), so with no other edit the new op is
drawn with its symbol and rule, offered by the case-file expression language under its
name (``y = "softplus(x)"``), checked by `gradcheck` (its kink, if it has one, respected)
and, with ``activation=True``, usable as a neuron activation in ``nn``. Its nodes store
the local derivative like any other: ``derivative(x, forward(x))`` for a `Value`, and the
same function applied entry by entry in a `Tensor`'s backward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops, tensor_ops
from . import value as value_module
from .arrays import shape_text
from .tensor import Tensor
from .value import Value
from .versions import RESULT


def elementwise(
    name: str,
    forward: Callable[[Any], Any],
    derivative: Callable[[Any, Any], Any],
    *,
    rule: str,
    symbol: str | None = None,
    function: str | None = "",
    activation: bool = False,
    kink: Callable[[Any], Any] | None = None,
) -> ElementwiseOperation:
    """Register the entry-by-entry function `name` and return its operation (call it on a
    `Value` or a `Tensor`).

    - `forward(x)` computes the function and `derivative(x, y)` its derivative at x, where
      y = forward(x); both must work on a float and on a numpy array (numpy's functions do).
    - `rule` is the derivative as drawings show it, in label syntax (``∂f(z)/∂z = …``);
      `symbol` how drawings name the op (default: `name`).
    - `function` is its name in the case-file language (default: `name`; None: not offered).
    - `activation=True` lets ``nn`` networks use it as a neuron activation.
    - `kink(node)`, for a function with a kink, says which side of it the node's input is
      on (True/False per entry), so gradcheck does not fail a step across it.

    A result or derivative that is not finite raises ValueError naming the op and the input.
    Remove it again with `autograd.ops.unregister`.
    """
    if not callable(forward) or not callable(derivative):
        raise TypeError(f"elementwise {name!r}: forward and derivative must be functions")
    operation = ElementwiseOperation(
        name,
        (rule,),
        symbol=symbol,
        function=name if function == "" else function,
        scalar=True,
        tensor=True,
        activation=activation,
        kink=kink,
    )
    operation.forward = forward
    operation.derivative = derivative
    operation.tensor_op = tensor_ops.Op(operation, operation.backward, reads=((0, RESULT),))
    return ops.register(operation)


class ElementwiseOperation(ops.Operation):
    """An entry-by-entry function made by `elementwise`: its forward and derivative functions
    serve `Value` nodes (one number) and `Tensor` nodes (every entry) alike."""

    __slots__ = ("forward", "derivative", "tensor_op")

    def for_type(self, node_type: type) -> Callable[..., Any] | None:
        """The operation itself: it applies to `Value` and `Tensor` nodes alike."""
        return self if node_type in (Value, Tensor) else None

    def __call__(self, x: Any) -> Any:
        """The function applied to a `Value` or a `Tensor`, as a new node."""
        if isinstance(x, Value):
            return self.on_value(x)
        if isinstance(x, Tensor):
            return self.on_tensor(x)
        raise TypeError(f"{self.name}: expected a Value or a Tensor, got {type(x).__name__}")

    def on_value(self, x: Value) -> Value:
        """The node for a `Value`: its local derivative is ``derivative(x, y)``."""
        with np.errstate(all="ignore"):  # a result outside the domain is refused below
            y = _finite(self.forward(x.data), self.name, x.data, "result")
            local = _finite(self.derivative(x.data, y), self.name, x.data, "derivative")
        return value_module._node(y, self.op, x, None, local, None)

    def on_tensor(self, x: Tensor) -> Tensor:
        """The node for a `Tensor`, in its dtype; its backward applies `backward`."""
        with np.errstate(all="ignore"):  # a result outside the domain is refused below
            data = np.asarray(self.forward(x._data), dtype=x._data.dtype)
        if data.shape != x._data.shape:
            raise ValueError(
                f"{self.name}: forward gave shape {shape_text(data.shape)} for an input of "
                f"shape {shape_text(x._data.shape)}; an entry-by-entry function keeps the shape"
            )
        bad = ~np.isfinite(data)
        if bad.any():
            raise ValueError(
                f"{self.name}: the result is not finite at {int(bad.sum())} entries (first "
                f"input {x._data[bad].flat[0]:g}); the input is outside the function's domain"
            )
        return tensor_ops.record(data, self.tensor_op, (x,))

    def backward(self, node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
        """The Tensor backward rule: g times the derivative at each entry."""
        x = node._parents[0]._data
        return (g * np.asarray(self.derivative(x, node._data), dtype=x.dtype),)


def _finite(x: Any, name: str, at: float, what: str) -> float:
    """`x` as a float, or a ValueError naming the op when it is not a finite number."""
    number = float(x)
    if not math.isfinite(number):
        raise ValueError(
            f"{name}: the {what} at {at:g} is {number}; the input is outside the function's domain"
        )
    return number
