"""A `Tensor` graph's edges as rules, and the paths along them.

A `Tensor` edge's local derivative is a rule (`LocalRule`, ``∂(A@B)/∂A: G ↦ G@Bᵀ``), not
a number, so `autograd.chain.chain_rule` (which multiplies) does not walk these graphs.
Here the same walk keeps the rules: `operation_rules` gives every operation's edges (the
ops view), `folded_rules` the edges between the nodes an expressions view draws, each
with the chains of rules along the operations folded into it, and `rule_paths` lists the
paths from the root to a node in `chain_rule`'s order (operands in order, depth first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chaingrad.autograd.graph import Node, topological_order
from chaingrad.autograd.tensor_ops import LocalRule

from .limits import MAX_FACTORS, ExploreError

RuleChain = tuple[LocalRule, ...]
"""The rules along one route from a drawn node down to another, top operation first."""


@dataclass(frozen=True)
class RuleEdge:
    """A drawn edge into a node from `parent`: one chain of rules per route through the
    folded operations (one chain of one rule for an operation's own edge)."""

    parent: Node
    chains: tuple[RuleChain, ...]


RuleGraph = dict[Node, list[RuleEdge]]
"""Each drawn node's edges from the drawn nodes below it, in operand order."""


@dataclass(frozen=True)
class RulePath:
    """One path from the root down to a node: the nodes on it, root first, and its edges."""

    route: tuple[Node, ...]
    edges: tuple[RuleEdge, ...]


class TooManyPaths(Exception):
    """More paths than may be listed; `count` is how many there are."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def operation_rules(root: Node) -> RuleGraph:
    """Every node of `root`'s graph with its operations' edges, one per operand."""
    return {
        node: [RuleEdge(parent, ((rule,),)) for parent, rule in zip(node._parents, node._local)]
        for node in topological_order(root)
    }


def folded_rules(root: Node, keep: Callable[[Node], bool]) -> RuleGraph:
    """The graph of `root` reduced to the nodes `keep` accepts, plus the root and every
    leaf but constants (the nodes `contracted_edges` keeps), each edge with the chains of
    rules through the operations folded into it.

    Raises `ExploreError` when the folded operations have more than `MAX_FACTORS` routes.
    """
    kept = [
        n
        for n in topological_order(root)
        if n is root or keep(n) or (not n._parents and n._op != "const")
    ]
    is_kept = set(map(id, kept))
    budget = MAX_FACTORS
    graph: RuleGraph = {}
    for top in kept:
        chains: dict[int, tuple[Node, list[RuleChain]]] = {}
        stack = [(p, (rule,)) for p, rule in zip(top._parents, top._local)][::-1]
        while stack:
            node, chain = stack.pop()
            budget -= 1
            if budget < 0:
                raise ExploreError(
                    f"explore: the operations folded into the expressions view have more than "
                    f"{MAX_FACTORS} routes; label more intermediate nodes"
                )
            if id(node) in is_kept:
                chains.setdefault(id(node), (node, []))[1].append(chain)
            else:
                stack += [(p, (*chain, rule)) for p, rule in zip(node._parents, node._local)][::-1]
        graph[top] = [RuleEdge(parent, tuple(found)) for parent, found in chains.values()]
    return graph


def rule_paths(root: Node, target: Node, graph: RuleGraph, max_paths: int) -> list[RulePath]:
    """Every path from `root` down to `target` along `graph`'s edges, in `chain_rule`'s
    order; raises `TooManyPaths` when there are more than `max_paths`."""
    count: dict[int, int] = {id(target): 1}
    for node in topological_order(root):
        if node is not target and node in graph:
            count[id(node)] = sum(count.get(id(e.parent), 0) for e in graph[node])
    total = count.get(id(root), 0)
    if total > max_paths:
        raise TooManyPaths(total)
    paths: list[RulePath] = []
    stack: list[tuple[tuple[Node, ...], tuple[RuleEdge, ...]]] = [((root,), ())]
    while stack:
        route, edges = stack.pop()
        node = route[-1]
        if node is target:
            paths.append(RulePath(route, edges))
            continue
        for edge in reversed(graph[node]):
            if count.get(id(edge.parent), 0):
                stack.append(((*route, edge.parent), (*edges, edge)))
    return paths
