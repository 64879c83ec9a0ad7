"""The chain rule made visible: every path from a root to a node, and its factors.

d(root)/d(wrt) is the sum, over every path from `root` down to `wrt`, of the
product of the local derivatives on the path's edges (the multivariate chain
rule). `chain_rule(root, wrt)` lists those paths with their factors, read from
the very numbers the engine stored on the edges, and `explain` prints them the
way the documents write them::

    dE/dw7 = dE/dout_n9 · dout_n9/dnet_n9 · dnet_n9/dout_n6 · dout_n6/dnet_n6 · dnet_n6/dw7
           = 0.7935 · 0.1579 · 0.7 · 1 · 0.343 = 0.03008

By default only labelled nodes are named: unlabelled intermediates (the ``*`` and
``+`` inside ``w1*x1 + w4*x2 + b1``) are folded into the edge between the
labelled nodes around them, whose factor is then the derivative of one labelled
node with respect to the next, as the documents write it. Walks are iterative
and work on scalar graphs (`Value`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from .graph import Node, topological_order

DEFAULT_MAX_PATHS = 256
MAX_DIGITS = 17
"""The most significant digits shown: 17 digits name every float64 exactly."""


class ChainRuleError(ValueError):
    """A chain-rule question that has no good answer (no such node, no path, too many paths,
    a bad `digits` or `max_paths`)."""


@dataclass(frozen=True)
class Factor:
    """One edge of a path: the local derivative d(child)/d(parent)."""

    child: Any
    parent: Any
    value: float


@dataclass(frozen=True)
class ChainPath:
    """One path from the root down to `wrt`: its factors, root end first, and their product."""

    factors: tuple[Factor, ...]
    product: float


@dataclass(frozen=True)
class ChainRule:
    """All paths from `root` to `wrt`; `total` (their sum) is d(root)/d(wrt)."""

    root: Any
    wrt: Any
    paths: tuple[ChainPath, ...]
    total: float

    def text(self, digits: int = 4) -> str:
        """The breakdown as the documents write it, one line per path, numbers to `digits`."""
        check_digits(digits, "ChainRule.text")
        head = f"d{node_name(self.root)}/d{node_name(self.wrt)}"
        if self.root is self.wrt:
            return f"{head} = 1 (the node itself)"
        lines = []
        for i, path in enumerate(self.paths):
            symbols = " · ".join(
                f"d{node_name(f.child)}/d{node_name(f.parent)}" for f in path.factors
            )
            numbers = " · ".join(format_number(f.value, digits) for f in path.factors)
            lead = f"{head} = " if i == 0 else f"{' ' * len(head)} + "
            lines.append(f"{lead}{symbols}")
            lines.append(f"{' ' * len(head)} = {numbers} = {format_number(path.product, digits)}")
        if len(self.paths) > 1:
            lines.append(
                f"{head} = sum of {len(self.paths)} paths = {format_number(self.total, digits)}"
            )
        return "\n".join(lines)


def node_name(node: Node) -> str:
    """A node's label, or a stand-in such as ``[tanh#12]`` built from its op and id."""
    label = getattr(node, "label", None)
    if label is not None:
        return label
    if node._op == "const":
        return format_number(node.data, 4)
    return f"[{node._op or 'leaf'}#{node._id}]"


def find_node(root: Node, wrt: Node | str) -> Node:
    """Return `wrt` if it is a node of `root`'s graph, or the unique node labelled `wrt`."""
    if not isinstance(wrt, str) and getattr(wrt, "_parents", None) is None:
        raise TypeError(
            f"wrt: expected a node of the graph or its label (a str), got {type(wrt).__name__}"
        )
    order = topological_order(root)
    if not isinstance(wrt, str):
        if not any(node is wrt for node in order):
            raise ChainRuleError(
                f"wrt: {node_name(wrt)} is not part of the graph of {node_name(root)}: "
                f"{node_name(root)} was not computed from it, so the derivative is 0. Pick a "
                "node it was computed from (not a copy, and not used under no_grad())"
            )
        return wrt
    matches = [node for node in order if getattr(node, "label", None) == wrt]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        labels = sorted({n.label for n in order if getattr(n, "label", None) is not None})
        shown = ", ".join(labels[:30]) + (" ..." if len(labels) > 30 else "")
        raise ChainRuleError(
            f"wrt: no node labelled {wrt!r} in the graph of {node_name(root)}; "
            f"labels there: {shown or '(none)'}"
        )
    raise ChainRuleError(
        f"wrt: {len(matches)} nodes are labelled {wrt!r}; pass the node itself instead"
    )


def contracted_edges(
    root: Node, keep: Callable[[Node], bool]
) -> dict[Node, list[tuple[Node, float]]]:
    """The graph of `root` reduced to the nodes `keep` accepts (plus `root`).

    Returns, for each kept node, its edges to the nearest kept nodes below it, in
    operand order of first appearance, each with the derivative of the kept node
    with respect to that lower node through the dropped nodes in between (a sum
    over the dropped paths, computed like a local backprop). Leaves other than
    constants are always kept; constants are dropped.
    """
    kept = [
        n
        for n in topological_order(root)
        if n is root or keep(n) or (not n._parents and n._op != "const")
    ]
    result: dict[Node, list[tuple[Node, float]]] = {}
    is_kept = set(map(id, kept))
    for top in kept:
        reached: dict[int, tuple[Node, float]] = {}
        heap: list[tuple[int, int, Node, float]] = []
        tiebreak = itertools.count()
        _push_edges(top, 1.0, heap, tiebreak)
        while heap:
            neg_id, _, node, coefficient = heapq.heappop(heap)
            # Several dropped paths may reach `node`; gather them all before expanding it.
            total = coefficient
            while heap and heap[0][0] == neg_id:
                total += heapq.heappop(heap)[3]
            if id(node) in is_kept:
                first = reached.setdefault(id(node), (node, 0.0))
                reached[id(node)] = (first[0], first[1] + total)
            else:
                _push_edges(node, total, heap, tiebreak)
        result[top] = _in_operand_order(top, reached, is_kept)
    return result


def _push_edges(node: Node, scale: float, heap: list, tiebreak: Iterator[int]) -> None:
    # Keyed by -id: a node is expanded only after every node made later than it,
    # so all contributions to it have arrived.
    for parent, local in zip(node._parents, node._local):
        heapq.heappush(heap, (-parent._id, next(tiebreak), parent, scale * local))


def _in_operand_order(
    top: Node, reached: dict[int, tuple[Node, float]], is_kept: set[int]
) -> list[tuple[Node, float]]:
    """Order the kept nodes below `top` by a depth-first reading of its operands."""
    order: list[tuple[Node, float]] = []
    seen: set[int] = set()
    stack = list(reversed(top._parents))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in is_kept:
            if id(node) in reached:
                order.append(reached[id(node)])
        else:
            stack.extend(reversed(node._parents))
    return order


def chain_rule(
    root: Node,
    wrt: Node | str,
    *,
    labelled_only: bool = True,
    max_paths: int = DEFAULT_MAX_PATHS,
) -> ChainRule:
    """Every path from `root` down to `wrt` with its factors and product.

    `wrt` is a node or a label. With `labelled_only` (the default) unlabelled
    intermediates are folded into the edges between labelled nodes; otherwise
    every operation is a step. Raises `ChainRuleError` when `wrt` is not in the
    graph or there are more than `max_paths` paths (the sum is still
    ``wrt.grad`` after ``root.backward()``; the listing would be unreadable).
    """
    _check_max_paths(max_paths, "chain_rule")
    if getattr(root, "_parents", None) is None:
        raise TypeError(
            f"chain_rule: root must be a Value node (the output, e.g. the loss), got "
            f"{type(root).__name__}"
        )
    if not all(isinstance(x, float) for x in root._local):
        raise ChainRuleError(
            f"chain_rule: {node_name(root)} is not a scalar (Value) node; the path-by-path "
            "breakdown multiplies numbers, so it works on Value graphs. For a Tensor graph, "
            "draw it (autograd.draw) or compare gradients with autograd.gradcheck."
        )
    target = find_node(root, wrt)
    if labelled_only:  # the target stays a step even when unlabelled
        graph = contracted_edges(
            root, lambda n: n is target or getattr(n, "label", None) is not None
        )
    else:
        graph = {n: list(zip(n._parents, n._local)) for n in topological_order(root)}
    # Count the paths to `target` from each node, bottom-up (creation order).
    count: dict[int, int] = {id(target): 1}
    for node in topological_order(root):
        if node is not target and node in graph:
            count[id(node)] = sum(count.get(id(p), 0) for p, _ in graph[node])
    n_paths = count.get(id(root), 0)
    if n_paths > max_paths:
        raise ChainRuleError(
            f"d{node_name(root)}/d{node_name(target)} has {n_paths} paths (more than "
            f"max_paths={max_paths}); label fewer intermediate nodes, pick a node nearer the "
            f"root, or raise max_paths"
        )
    paths: list[ChainPath] = []
    stack: list[tuple[Node, tuple[Factor, ...], float]] = [(root, (), 1.0)]
    while stack:
        node, factors, product = stack.pop()
        if node is target:
            paths.append(ChainPath(factors, product))
            continue
        for parent, local in reversed(graph[node]):
            if count.get(id(parent), 0):
                stack.append((parent, (*factors, Factor(node, parent, local)), product * local))
    total = sum(p.product for p in paths)
    return ChainRule(root, target, tuple(paths), total)


def explain(
    root: Node,
    wrt: Node | str,
    *,
    labelled_only: bool = True,
    digits: int = 4,
    max_paths: int = DEFAULT_MAX_PATHS,
) -> str:
    """The chain-rule breakdown of d(root)/d(wrt) as text, one product per path.

    Numbers are the local derivatives stored on the edges, shown to `digits`
    significant digits. See `chain_rule` for the arguments.
    """
    check_digits(digits, "explain")
    _check_max_paths(max_paths, "explain")
    return chain_rule(root, wrt, labelled_only=labelled_only, max_paths=max_paths).text(digits)


def check_digits(digits: object, where: str, error: type[ValueError] = ChainRuleError) -> None:
    """Raise `error` unless `digits` is a whole number of significant digits, 1 to 17."""
    if not is_whole_number(digits) or not 1 <= digits <= MAX_DIGITS:  # type: ignore[operator]
        raise error(
            f"{where}: digits must be a whole number from 1 to {MAX_DIGITS}, got {digits!r}"
        )


def _check_max_paths(max_paths: object, where: str) -> None:
    if not is_whole_number(max_paths) or max_paths < 1:  # type: ignore[operator]
        raise ChainRuleError(
            f"{where}: max_paths must be a whole number >= 1 (the most paths to list), "
            f"got {max_paths!r}"
        )


def is_whole_number(x: object) -> bool:
    """True for an int or a numpy integer; False for a bool (an int to Python, but no count)."""
    return isinstance(x, Integral) and not isinstance(x, bool)


def format_number(x: float, digits: int) -> str:
    """`x` to `digits` significant digits, as in the breakdowns; never "-0" (a product with a
    zero factor of either sign is shown as 0)."""
    return f"{x if x else 0.0:.{digits}g}"
