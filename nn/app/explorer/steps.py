"""The engine's backward pass, recorded step by step for the explorer's stepper.

`record_backward(root)` runs the pass twice. First the real one, ``root.backward()``
(from leaf gradients of zero, so the page shows one pass), whose gradients are the answer.
Then the same pass again out of the engine's own pieces, in the order
`autograd.graph.backpropagate` uses: every node of ``topological_order(root)`` zeroed, the
root seeded with the gradient the real pass gave it, and then, for each node that an
operation made, in reverse topological order, that node's own ``_propagate()``; after each
step the gradients of the node's operands are copied. The replay must end with exactly the
gradients of the real pass, or `RecordingError` is raised: if backprop ever changes, the
stepper stops rather than show a pass the engine did not make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from chaingrad.autograd.graph import Node, topological_order


class RecordingError(RuntimeError):
    """The replayed backward pass did not end with the gradients of ``root.backward()``."""


@dataclass(frozen=True)
class Step:
    """One step of the backward pass: `node` (an index into the order) called
    ``_propagate()``, after which its operands held `grads` (index, gradient copy), each
    operand once, in operand order."""

    node: int
    grads: tuple[tuple[int, Any], ...]


@dataclass(frozen=True)
class BackwardRecord:
    """A recorded backward pass of `order[-1]`, the root.

    `order` is the topological order (parents before children, root last); `seed` the
    root's gradient before the first step; `steps` the engine's steps in its order; `final`
    every node's gradient after the last step, which equals ``root.backward()``'s. A
    gradient is a float (`Value`), an array or None (`Tensor`: no gradient reached it).
    """

    order: tuple[Node, ...]
    seed: Any
    steps: tuple[Step, ...]
    final: tuple[Any, ...]


def record_backward(root: Node) -> BackwardRecord:
    """Run ``root.backward()`` and record its steps; return the record.

    Leaf gradients are zeroed first, so every gradient afterwards (in the graph and in
    the record) is the one of this single pass. Raises `RecordingError` if the replayed
    steps end anywhere but at ``root.backward()``'s gradients.
    """
    order = topological_order(root)
    for node in order:
        node._zero_grad()
    root.backward()
    expected = [_copy(node.grad) for node in order]
    seed = expected[-1]

    for node in order:
        node._zero_grad()
    root._accumulate_grad(_copy(seed))
    index = {id(node): i for i, node in enumerate(order)}
    steps = []
    for node in reversed(order):
        if not node._op:
            continue
        node._propagate()
        operands = dict.fromkeys(index[id(parent)] for parent in node._parents)
        grads = tuple((i, _copy(order[i].grad)) for i in operands)
        steps.append(Step(index[id(node)], grads))
    final = tuple(_copy(node.grad) for node in order)
    _check_same(order, final, expected)
    return BackwardRecord(tuple(order), seed, tuple(steps), final)


def _copy(grad: Any) -> Any:
    return np.array(grad, copy=True) if isinstance(grad, np.ndarray) else grad


def _check_same(order: Sequence[Node], got: Sequence[Any], expected: Sequence[Any]) -> None:
    for node, mine, real in zip(order, got, expected):
        same = (
            np.array_equal(mine, real) and mine.dtype == real.dtype
            if isinstance(real, np.ndarray) and isinstance(mine, np.ndarray)
            else mine == real and type(mine) is type(real)
        )
        if not same:
            name = getattr(node, "label", None) or f"an unlabelled {node._op or 'leaf'} node"
            raise RecordingError(
                f"explore: the recorded backward pass gives {name} the gradient {mine!r}, "
                f"but backward() gives {real!r}; the stepper replays autograd.graph."
                "backpropagate's steps and needs updating to match it"
            )
