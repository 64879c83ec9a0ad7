"""The computation graph shared by every node type (`Value` now, `Tensor` next).

A node is any object with these attributes (see `Node`):

- ``_id``: its place in creation order, from one process-wide counter;
- ``_op``: the name of the operation that made it (``""`` for a leaf the user made);
- ``_parents``: the nodes it was computed from, in operand order;
- ``_local``: one local derivative per parent edge, d(node)/d(parent), saved in
  the forward pass (a float for `Value`);
  (``_parents`` and ``_local`` may be properties: `Value` keeps its operands in
  slots, because tuples would be extra objects for the garbage collector);
- ``_mark``: scratch space for graph walks (written only under `walk_lock`);
- ``grad`` and the methods ``_zero_grad``, ``_start_backward``, ``_accumulate_grad`` and
  ``_propagate``.

Everything that reads a graph (backprop, drawings, explanations, checks) goes
through the helpers below, so a new node type plugs in by providing the
attributes, never by writing its own walk.

Walks are iterative, so depth is limited only by memory. Nodes never point back
at the nodes made from them, so a graph has no reference cycles and is freed by
reference counting as soon as its root is dropped.

Threads: a walk marks the nodes it visits and backprop adds into gradients, both
read-modify-writes on nodes that graphs may share. So every walk, every backward
pass and `zero_grad` hold one process-wide lock (`walk_lock`): backward calls from
several threads run one after the other, each exactly as if it ran alone, and
leaves shared between them accumulate every contribution. The lock is taken once
per call, never per node.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from . import anomaly

new_node_id = itertools.count(1).__next__
"""Return the next node id (1, 2, 3, ...): creation order, never ``id()``."""

walk_lock = threading.RLock()
"""Held by every graph walk, backward pass and `zero_grad` (re-entrant: a walk may start
another in the same thread); see the module docstring."""


class Node(Protocol):
    """What the graph helpers need from a node type."""

    grad: Any
    _id: int
    _op: str
    _parents: tuple[Node, ...]
    _local: tuple[Any, ...]
    _mark: object

    def _zero_grad(self) -> None:
        """Reset ``grad`` to this node type's zero."""

    def _start_backward(self) -> None:
        """Reset an interior node's ``grad`` before a backward pass, raising if its backward
        rule cannot run (a Tensor whose rule reads data changed in place since the forward)."""

    def _accumulate_grad(self, grad: Any) -> None:
        """Add ``grad`` (already checked) to ``self.grad``."""

    def _propagate(self) -> None:
        """Add ``self.grad`` times each edge's local derivative to that parent's grad."""


def parents(node: Node) -> tuple[Node, ...]:
    """Return the nodes `node` was computed from, in operand order (``a - b``: ``(a, b)``)."""
    return node._parents


def local_derivatives(node: Node) -> tuple[Any, ...]:
    """Return the local derivative d(node)/d(parent) the engine saved for each parent edge."""
    return node._local


def edges(node: Node) -> tuple[tuple[Node, Any], ...]:
    """Return ``(parent, local derivative)`` for each edge into `node`, in operand order.

    A parent used twice (``a * a``) appears twice, once per edge.
    """
    return tuple(zip(node._parents, node._local))


def is_leaf(node: Node) -> bool:
    """Return True for a node no operation made (an input, a parameter or a constant)."""
    return not node._parents


def topological_order(root: Node) -> list[Node]:
    """Return every node `root` depends on, `root` included, parents before children.

    An iterative depth-first walk (a chain of a million operations is fine): a
    node is emitted when it is met the second time on the stack, after all its
    parents. The order depends only on the graph and its operand order, so it is
    the same on every run of the same program.
    """
    with walk_lock:
        return _depth_first(root, True)


def operation_order(root: Node) -> list[Node]:
    """The nodes `root` depends on but the leaves the user made (``_op == ""``), parents
    before children, `root` included: `topological_order` without the nodes backprop never
    visits. Those leaves are neither pushed nor marked, so on a layer's graph (about as many
    parameters and inputs as operations) the walk does half the work."""
    with walk_lock:
        return _depth_first(root, False)


def _depth_first(root: Node, leaves: bool) -> list[Node]:
    """The walk of `topological_order` (`leaves`: with the user's leaves, else without);
    the caller holds `walk_lock`."""
    seen, done = object(), object()
    order: list[Node] = []
    if not (leaves or root._op):
        return order
    stack = [root]
    push, pop, emit = stack.append, stack.pop, order.append  # hot loop: bind once
    while stack:
        node = stack[-1]
        mark = node._mark
        if mark is done:  # pushed again by a second consumer, already emitted
            pop()
        elif mark is seen:  # its parents are all done
            node._mark = done
            emit(node)
            pop()
        else:
            node._mark = seen
            # A parent cannot be `seen` (half-way) here: that would need a cycle.
            for parent in node._parents:
                if parent._mark is not done and (leaves or parent._op):
                    push(parent)
    return order


def zero_grad(nodes: Iterable[Node]) -> None:
    """Reset the gradient of every node in `nodes` (for example a model's parameters)."""
    with walk_lock:  # not in the middle of another thread's backward pass
        for node in nodes:
            node._zero_grad()


def backpropagate(root: Node, seed: Any) -> Sequence[Node]:
    """Fill ``grad`` on every node `root` depends on with d(root)/d(node).

    `seed` is d(root)/d(root), already validated by the node type. Gradients of
    leaves the user made (``_op == ""``) accumulate across calls, as in PyTorch,
    so a training loop must zero them; gradients of nodes an operation made are
    recomputed on every call. Every interior node is checked (`_start_backward`) before
    any gradient changes, so a refused pass leaves the leaves' gradients as they were.
    Returns the nodes it visited, in topological order (`operation_order`).
    """
    with walk_lock:
        order = _depth_first(root, False)  # `operation_order`, under the lock already held
        for node in order:
            node._start_backward()
        root._accumulate_grad(seed)
        if anomaly.any_thread_enabled() and anomaly.is_enabled():
            for node in reversed(order):
                node._propagate()
                anomaly.check_backward(node)
            return order
        for node in reversed(order):
            node._propagate()
        return order
