"""The floor of any eager engine: the cheapest define-by-run autograd that still makes a graph.

`tensor_floor` runs the nielsen step on nodes that hold only what backprop needs (the
numbers, the gradient, the operands and a backward function) and check nothing: no
operand conversion, no shape, size or overflow checks, no in-place-change versions, no
lock, and a sigmoid derivative computed as σ(1 - σ) (which loses the small values where σ
rounds to 1). What it costs over hand-written numpy is what making nodes in the forward
pass and walking them in the backward pass costs on this machine and interpreter, before
an engine does anything else: no eager engine written in Python over numpy gets below it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cases import BenchCase
from .tensor_cases import TensorProblem


class BareNode:
    """An array in the graph: `data`, `grad`, the operands and the backward function
    (None for a leaf); `needs` says whether the gradient is wanted (a parameter, or a node
    computed from one)."""

    __slots__ = ("data", "grad", "parents", "backward", "needs")

    def __init__(self, data: np.ndarray, parents: tuple[BareNode, ...] = (), backward: Any = None,
                 needs: bool = False) -> None:  # fmt: skip
        self.data, self.grad, self.parents, self.backward = data, None, parents, backward
        self.needs = needs  # the operations pass their operands' `needs`

    def __matmul__(self, other: BareNode) -> BareNode:
        return BareNode(
            self.data @ other.data, (self, other), _matmul_backward, self.needs or other.needs
        )

    def __add__(self, other: BareNode) -> BareNode:
        return BareNode(
            self.data + other.data, (self, other), _add_backward, self.needs or other.needs
        )

    def __sub__(self, other: BareNode) -> BareNode:
        return BareNode(
            self.data - other.data, (self, other), _sub_backward, self.needs or other.needs
        )

    def sigmoid(self) -> BareNode:
        """1 / (1 + e ** -x), entry by entry."""
        return BareNode(1.0 / (1.0 + np.exp(-self.data)), (self,), _sigmoid_backward, self.needs)

    def square(self) -> BareNode:
        """x ** 2, entry by entry."""
        return BareNode(self.data**2, (self,), _square_backward, self.needs)

    def sum(self) -> BareNode:
        """The sum of every entry."""
        return BareNode(self.data.sum(), (self,), _sum_backward, self.needs)

    def __mul__(self, other: BareNode) -> BareNode:
        return BareNode(
            self.data * other.data, (self, other), _mul_backward, self.needs or other.needs
        )

    def backprop(self) -> None:
        """Fill ``grad`` of every node this one depends on: a depth-first order, reversed."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if p.needs and p.backward)
        for node in order:
            node.grad = None
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            for parent, grad in zip(node.parents, node.backward(node, node.grad)):
                if grad is not None and parent.needs:
                    parent.grad = grad if parent.grad is None else parent.grad + grad


def _matmul_backward(node: BareNode, g: np.ndarray) -> tuple[Any, Any]:
    a, b = node.parents
    return (g @ b.data.T if a.needs else None, a.data.T @ g if b.needs else None)


def _add_backward(node: BareNode, g: np.ndarray) -> tuple[Any, Any]:
    b = node.parents[1]  # the bias: summed over the batch
    return g, g.sum(axis=0) if b.data.ndim < g.ndim else g


def _sub_backward(node: BareNode, g: np.ndarray) -> tuple[Any, Any]:
    return g, -g if node.parents[1].needs else None


def _sigmoid_backward(node: BareNode, g: np.ndarray) -> tuple[Any]:
    s = node.data
    return (g * s * (1.0 - s),)


def _square_backward(node: BareNode, g: np.ndarray) -> tuple[Any]:
    return (2.0 * node.parents[0].data * g,)


def _sum_backward(node: BareNode, g: np.ndarray) -> tuple[Any]:
    out = np.empty_like(node.parents[0].data)
    out[...] = g
    return (out,)


def _mul_backward(node: BareNode, g: np.ndarray) -> tuple[Any, Any]:
    a, b = node.parents
    return (g * b.data if a.needs else None, g * a.data if b.needs else None)


def tensor_floor(p: TensorProblem) -> BenchCase:
    """The plain loop's step (``x @ W + b``, sigmoid, ``((a - y) ** 2).sum() * (0.5 / m)``,
    backward, ``W -= lr * W.grad``) on the bare `BareNode`. Nielsen only (sigmoid, quadratic)."""
    params = [BareNode(a.copy(), needs=True) for w, b in p.weights for a in (w, b)]
    layers = list(zip(params[::2], params[1::2]))
    xs, ts = p.x, p.targets
    half_over_m, lr = BareNode(np.asarray(0.5 / p.batch, p.x.dtype)), p.lr
    batches = p.batches()
    state: dict[str, Any] = {"loss": None}

    def run() -> None:
        for batch in batches:
            out = BareNode(xs[batch])
            for w, b in layers:
                out = (out @ w + b).sigmoid()
            loss = (out - BareNode(ts[batch])).square().sum() * half_over_m
            for param in params:
                param.grad = None
            loss.backprop()
            for param in params:
                param.data -= lr * param.grad
        state["loss"] = loss

    return BenchCase(run, lambda: float(state["loss"].data))
