"""Copies of graph nodes: `copy.deepcopy`, `copy.copy` and `pickle`, without recursion.

Python's own protocols follow a node's operands recursively, so a chain of a few thousand
operations overflowed the stack, and a copy kept the ids of the original: drawings and
`explain`, which order and tell nodes apart by id, then merged paths through a copy and its
original. Node types use these functions instead (``__deepcopy__``, ``__copy__``,
``__reduce__``), which walk the graph once, in creation order:

- ``copy.deepcopy(node)`` copies the node and every node it was computed from, each with a
  fresh id, made parents first, so ids stay unique and creation order stays a topological
  order. Nodes already in deepcopy's memo are reused: ``copy.deepcopy((loss, params))``
  gives a loss whose graph holds exactly the copied params. ``copy.copy(node)`` is the
  same (a node without its own operands would not be a copy of it).
- ``pickle`` stores an interior node as the list of its graph's nodes in creation order,
  each operand by its position in the list. Leaves are stored as themselves, so pickling
  ``(loss, params)`` in one go gives back params that are the leaves of the loaded loss's
  graph; interior nodes are rebuilt for each pickled root. A Tensor's op is stored by its
  name in the op registry (`autograd.ops`), so an op of your own must be registered where
  the pickle is loaded.
- In-place changes (`autograd.versions`) are copied as when they happened relative to the
  nodes, so a copy of a graph whose backward is refused is refused the same way.

A node type provides ``_copy_state()`` (its fields but for id, operands and version, as a
tuple) and the class method ``_from_copy_state(state, parents)``, which makes a node with a
fresh id.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from .graph import topological_order
from .versions import last_change, stamp


def deep_copy(node: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy(node)``: the node and everything it was computed from, fresh ids."""
    memo = {} if memo is None else memo
    nodes = _creation_order(node)
    due = _changes_due(nodes)
    made: list[Any] = []
    ours: set[int] = set()  # positions of the copies made here (not reused from the memo)
    for k, original in enumerate(nodes):
        _stamp_due(due.get(k, ()), made, ours)
        twin = memo.get(id(original))
        if twin is None:
            state = copy.deepcopy(original._copy_state(), memo)
            parents = tuple(memo[id(p)] for p in original._parents)
            twin = memo[id(original)] = type(original)._from_copy_state(state, parents)
            ours.add(k)
        made.append(twin)
    _stamp_due(due.get(len(nodes), ()), made, ours)
    return made[-1]


def shallow_copy(node: Any) -> Any:
    """``copy.copy(node)``: the same as `deep_copy` (see the module docstring)."""
    return deep_copy(node)


def reduce(node: Any) -> tuple[Any, tuple[Any, ...]]:
    """``node.__reduce__()`` for pickle: a leaf as its state, an interior node as its graph."""
    if not node._parents:
        return _leaf, (type(node), node._copy_state())
    nodes = _creation_order(node)
    position = {id(n): k for k, n in enumerate(nodes)}
    records = [
        n
        if not n._parents
        else (type(n), n._copy_state(), tuple(position[id(p)] for p in n._parents))
        for n in nodes
    ]
    changes = [(due, k) for due, ks in _changes_due(nodes).items() for k in ks]
    return _graph, (records, changes)


def _leaf(kind: type, state: tuple[Any, ...]) -> Any:
    """A leaf loaded from a pickle (fresh id)."""
    return kind._from_copy_state(state, ())


def _graph(records: Sequence[Any], changes: Sequence[tuple[int, int]]) -> Any:
    """The root of a graph loaded from a pickle: leaves come loaded, the rest is rebuilt in
    order (fresh ids), with each in-place change stamped where it happened."""
    due: dict[int, list[int]] = {}
    for when, k in changes:
        due.setdefault(when, []).append(k)
    built: list[Any] = []
    for k, record in enumerate(records):
        for changed in due.get(k, ()):
            stamp(built[changed])
        if type(record) is tuple:
            kind, state, parents = record
            record = kind._from_copy_state(state, tuple(built[i] for i in parents))
        built.append(record)
    for changed in due.get(len(records), ()):
        stamp(built[changed])
    return built[-1]


def _creation_order(root: Any) -> list[Any]:
    """Every node of `root`'s graph by id: creation order, a topological order."""
    return sorted(topological_order(root), key=attrgetter("_id"))


def _changes_due(nodes: list[Any]) -> dict[int, list[int]]:
    """For the nodes (in creation order) whose data changed in place after some node of the
    graph was made: {how many nodes were made before the change: [their positions]}."""
    ids = [n._id for n in nodes]
    due: dict[int, list[int]] = {}
    for k, n in enumerate(nodes):
        when = bisect.bisect_left(ids, last_change(n))
        if when:  # changed after a node of this graph was made (0: before all of them)
            due.setdefault(when, []).append(k)
    return due


def _stamp_due(changed: Sequence[int], made: list[Any], ours: set[int]) -> None:
    """Stamp the copies made here of the nodes that changed at this point."""
    for k in changed:
        if k in ours:
            stamp(made[k])
