"""Optimizers: update parameters from their gradients after ``loss.backward()``.

`SGD` (with momentum and weight decay) and `Adam`, each following its ``torch.optim``
namesake's update rule.

The update arithmetic touches only ``param.data`` and ``param.grad`` with ``+ - * / **``, so
the same code serves a `Value` (floats) and a `Tensor` (numpy arrays, updated in
place). The training loop is PyTorch's::

    opt = SGD(net.parameters(), lr=0.5)
    for x, t in data:
        opt.zero_grad()
        loss = half_squared_error(net(x), t)
        loss.backward()
        opt.step()
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

from chaingrad.autograd.graph import Node, zero_grad

from .module import Module


class Optimizer:
    """What every optimizer shares: the parameter list, `zero_grad`, and argument checks."""

    def __init__(self, params: Iterable[Node]) -> None:
        where = type(self).__name__
        if (
            isinstance(params, Module)
            or hasattr(params, "_parents")
            or not isinstance(params, Iterable)
        ):
            raise TypeError(
                f"{where}: params must be a list of parameters, got {type(params).__name__}; "
                "pass model.parameters(), or [w] for a single tensor"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(
                f"{where}: got no parameters to optimize; pass model.parameters() "
                "(a list of leaf nodes)"
            )
        seen: set[int] = set()
        for k, param in enumerate(self.params):
            if getattr(param, "_parents", None) != () or not hasattr(param, "grad"):
                raise TypeError(
                    f"{where}: parameter {k} is not a leaf node "
                    f"(got {type(param).__name__}); pass model.parameters()"
                )
            if getattr(param, "requires_grad", True) is False:  # a Tensor constant
                raise ValueError(
                    f"{where}: parameter {k} ({_name(param)}) does not require grad, so it "
                    "never gets a gradient; make it with requires_grad=True or pass "
                    "model.parameters()"
                )
            if param._id in seen:
                raise ValueError(
                    f"{where}: parameter {k} ({_name(param)}) is listed twice; "
                    "it would be updated twice per step"
                )
            seen.add(param._id)

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter (they accumulate across backward calls)."""
        zero_grad(self.params)


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's ``torch.optim.SGD`` rule (no dampening).

    Each step, with g = grad + weight_decay * w:
    ``buf = momentum * buf + g`` (``buf = g`` on the first step) when momentum > 0, then
    ``w = w - lr * buf`` (or ``w - lr * g`` without momentum). With the defaults this is
    the documents' rule w = w - gamma dJ/dw. `weight_decay` alpha is the gradient of the
    L2 penalty alpha/2 * sum w^2 (seed 004's). A parameter whose ``grad`` is None (never
    reached by a backward pass) is left alone, as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _hyperparameter(lr, "SGD", "lr", low=0.0, low_inclusive=False)
        self.momentum = _hyperparameter(momentum, "SGD", "momentum", low=0.0, high=1.0)
        self.weight_decay = _hyperparameter(weight_decay, "SGD", "weight_decay", low=0.0)
        self._buffers: list[Any] = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for k, param in enumerate(self.params):
            g = param.grad
            if g is None:  # a node type that marks "no gradient yet" (as PyTorch): skip it
                continue
            if self.weight_decay:
                g = g + self.weight_decay * param.data
            if self.momentum:
                buf = self._buffers[k]
                # copy: on the first step g may be the grad array itself, zeroed later in place
                g = copy.copy(g) if buf is None else self.momentum * buf + g
                self._buffers[k] = g
            param.data -= self.lr * g

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr}, momentum={self.momentum}, "
            f"weight_decay={self.weight_decay})"
        )


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's ``torch.optim.Adam`` rule (no amsgrad).

    Each step t = 1, 2, ..., with g = grad + weight_decay * w (an L2 penalty's gradient
    added to the gradient, as PyTorch's Adam; not AdamW's decoupled decay)::

        m = beta1 * m + (1 - beta1) * g            (m and v start at 0)
        v = beta2 * v + (1 - beta2) * g**2
        w = w - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The two corrections undo the bias of m and v toward their zero start. A parameter
    whose ``grad`` is None is left alone and its step count does not advance.
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _hyperparameter(lr, "Adam", "lr", low=0.0, low_inclusive=False)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _hyperparameter(betas[0], "Adam", "betas[0]", low=0.0, high=1.0),
            _hyperparameter(betas[1], "Adam", "betas[1]", low=0.0, high=1.0),
        )
        self.eps = _hyperparameter(eps, "Adam", "eps", low=0.0, low_inclusive=False)
        self.weight_decay = _hyperparameter(weight_decay, "Adam", "weight_decay", low=0.0)
        self._steps = [0] * len(self.params)
        self._m: list[Any] = [0.0] * len(self.params)
        self._v: list[Any] = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        beta1, beta2 = self.betas
        for k, param in enumerate(self.params):
            g = param.grad
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * param.data
            t = self._steps[k] = self._steps[k] + 1
            # New arrays every step (never in place): g may be the grad array itself.
            m = self._m[k] = beta1 * self._m[k] + (1 - beta1) * g
            v = self._v[k] = beta2 * self._v[k] + (1 - beta2) * (g * g)
            denominator = v**0.5 / math.sqrt(1 - beta2**t) + self.eps
            param.data -= self.lr / (1 - beta1**t) * m / denominator

    def __repr__(self) -> str:
        return (
            f"Adam({len(self.params)} parameters, lr={self.lr}, betas={self.betas}, "
            f"eps={self.eps}, weight_decay={self.weight_decay})"
        )


def _hyperparameter(
    x: object,
    where: str,
    name: str,
    *,
    low: float,
    high: float = math.inf,
    low_inclusive: bool = True,
) -> float:
    """`x` as a float, or a clear error if it is not a finite real number in range."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise ValueError(
            f"{where}: {name} must be a number such as 0.1, got {type(x).__name__} {x!r}"
        )
    if not math.isfinite(x):
        raise ValueError(f"{where}: {name} must be a finite number, got {x!r}")
    above = x >= low if low_inclusive else x > low
    if not above or x >= high:
        bracket = "[" if low_inclusive else "("
        upper = f"{high:g})" if math.isfinite(high) else "inf)"
        raise ValueError(f"{where}: {name} must be in {bracket}{low:g}, {upper}, got {x!r}")
    return float(x)


def _name(param: Node) -> str:
    label = getattr(param, "label", None)
    return repr(label) if label is not None else f"node #{param._id}"
