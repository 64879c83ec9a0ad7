"""The chain rule for one node, as the page's table lists it: paths, factors, products, sum.

For a `Value` graph the table is `autograd.chain.chain_rule`, the breakdown `explain`
prints, walked the way the view draws its edges (``labelled_only`` for the network and
expressions views): the same paths in the same order, the same factors and products, the
same sum. A `Tensor` graph's edges carry rules, so its table lists each path's rules
(`rules.rule_paths`), and the sum is the node's gradient array, summarised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaingrad.autograd.chain import ChainRule, ChainRuleError, chain_rule
from chaingrad.autograd.graph import Node
from chaingrad.autograd.labels import escape_html

from .drawn import DrawnView
from .limits import MAX_FACTORS, MAX_PATHS, ExploreError
from .rules import RuleEdge, RuleGraph, TooManyPaths, rule_paths
from .text import node_html, number_text, value_text


@dataclass(frozen=True)
class PathRow:
    """One path from the root down to the node: the nodes on it (root first), each edge's
    factor as shown (a number, or a `Tensor` edge's rules as HTML) and exactly (a float,
    or None), and their product (None for rules)."""

    route: tuple[Node, ...]
    factors: tuple[str, ...]
    exact_factors: tuple[float | None, ...]
    product: str | None
    exact_product: float | None


@dataclass(frozen=True)
class Explanation:
    """Everything the table shows for d(root)/d(`target`).

    `rows` is empty when the node has more than `MAX_PATHS` paths (`note` says so);
    `total` is the sum of the paths' products (`Value`), `grad` the node's gradient from
    ``backward()``, each as shown and exactly.
    """

    target: Node
    rows: tuple[PathRow, ...]
    total: str
    exact_total: Any
    grad: str
    exact_grad: Any
    note: str | None

    def size(self) -> int:
        """How many factors the table lists."""
        return sum(len(row.factors) for row in self.rows)


class Explainer:
    """Makes and keeps the explanations of one graph, one per node and way of walking."""

    def __init__(self, root: Node) -> None:
        self.root = root
        self._made: dict[tuple[int, str], Explanation] = {}

    def explain(self, view: DrawnView, target: Node) -> Explanation:
        """The table for `target` as `view` draws the graph."""
        walk = view.name if view.rules is not None else str(view.labelled_only)
        key = (id(target), walk)
        if key not in self._made:
            if view.rules is not None:
                made = self._rules_table(target, view.rules)
            else:
                made = self._chain_table(target, view.labelled_only)
            self._made[key] = made
        return self._made[key]

    def check_size(self, view: DrawnView, explanations: list[Explanation]) -> None:
        """Raise `ExploreError` when `view`'s tables list more than `MAX_FACTORS` factors."""
        size = sum(e.size() for e in {id(e): e for e in explanations}.values())
        if size > MAX_FACTORS:
            raise ExploreError(
                f"explore: the {view.name} view's path tables would list {size} factors, "
                f"more than {MAX_FACTORS}; label fewer intermediate nodes"
            )

    def _chain_table(self, target: Node, labelled_only: bool) -> Explanation:
        grad = target.grad
        try:
            rule = chain_rule(self.root, target, labelled_only=labelled_only, max_paths=MAX_PATHS)
        except ChainRuleError:
            return Explanation(
                target, (), "—", None, number_text(grad), grad, _too_many(target, None)
            )
        rows = tuple(_chain_row(rule, i) for i in range(len(rule.paths)))
        return Explanation(
            target, rows, number_text(rule.total), rule.total, number_text(grad), grad, None
        )

    def _rules_table(self, target: Node, graph: RuleGraph) -> Explanation:
        grad = target.grad
        try:
            paths = rule_paths(self.root, target, graph, MAX_PATHS)
        except TooManyPaths as error:
            note = _too_many(target, error.count)
            return Explanation(target, (), "—", None, value_text(grad), grad, note)
        rows = tuple(
            PathRow(
                path.route,
                tuple(_rules_html(edge) for edge in path.edges),
                tuple(None for _ in path.edges),
                None,
                None,
            )
            for path in paths
        )
        return Explanation(target, rows, value_text(grad), grad, value_text(grad), grad, None)


def _chain_row(rule: ChainRule, i: int) -> PathRow:
    path = rule.paths[i]
    route = (rule.root, *(f.parent for f in path.factors))
    return PathRow(
        route,
        tuple(number_text(f.value) for f in path.factors),
        tuple(f.value for f in path.factors),
        number_text(path.product),
        path.product,
    )


def _rules_html(edge: RuleEdge) -> str:
    """A `Tensor` edge's factor: the rules of its operations, top first; routes through
    the folded operations joined by a plus."""
    return " + ".join(
        ", then ".join(escape_html(r.formula) for r in chain) for chain in edge.chains
    )


def _too_many(target: Node, count: int | None) -> str:
    many = f"{count} paths" if count is not None else f"more than {MAX_PATHS} paths"
    return (
        f"{node_html(target)} has {many}, more than the {MAX_PATHS} that explain lists: "
        "the table is left out; the gradient below is their sum"
    )
