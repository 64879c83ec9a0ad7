"""The page's data, as JSON: the graph's nodes, the engine's backward steps, and for each
view what a click on a node lights and what each step highlights.

Nodes are numbered by their place in the recorded topological order (`steps`); a view
names its drawn nodes by DOT name (``data-key``) and its edges by number (``data-edge``).
A path lights the drawn nodes it passes through and the drawn edges between them; a step
highlights the drawn node the processed node belongs to (itself, or the drawn node an
unlabelled operation is folded into) and the edges along which it hands gradients to
drawn nodes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from chaingrad.autograd.graph import Node
from chaingrad.autograd.labels import escape_html
from chaingrad.autograd.tensor import Tensor

from .drawn import DrawnView
from .explanations import Explainer, Explanation
from .steps import BackwardRecord
from .svg import Annotated
from .text import exact, node_html, number_text, value_text


def graph_data(record: BackwardRecord) -> dict[str, Any]:
    """The nodes (name, label), the seed, each backward step and each node's consumers.

    A step lists, per edge of the processed node: the operand, the edge's local
    derivative (a `Tensor` edge: its rule) and what the engine adds (local derivative
    times the node's gradient; None for a rule); then each operand's gradient after it.
    """
    order = record.order
    position = {id(node): i for i, node in enumerate(order)}
    consumers = [0] * len(order)
    steps = []
    for step in record.steps:
        node = order[step.node]
        grad = record.final[step.node]  # complete: every consumer came before it
        edges = []
        for parent, local in zip(node._parents, node._local):
            i = position[id(parent)]
            consumers[i] += 1
            if isinstance(node, Tensor):
                edges.append([i, escape_html(local.formula), None])
            else:  # what Value._propagate adds: the local derivative times the grad
                edges.append([i, number_text(local), number_text(local * grad)])
        steps.append(
            {
                "node": step.node,
                "grad": value_text(grad),
                "edges": edges,
                "after": [[i, value_text(g), exact(g)] for i, g in step.grads],
            }
        )
    return {
        "nodes": [{"name": node_html(n), "label": getattr(n, "label", None)} for n in order],
        "seed": [value_text(record.seed), exact(record.seed)],
        "steps": steps,
        "consumers": consumers,
        "tensor": isinstance(order[-1], Tensor),
    }


class ViewData:
    """One view's part of the page data; `explanations` gathers the tables of every view
    (each listed once) as the views are added."""

    def __init__(self, record: BackwardRecord, explainer: Explainer) -> None:
        self.record = record
        self.explainer = explainer
        self.index = {id(node): i for i, node in enumerate(record.order)}
        self.explanations: list[Explanation] = []
        self._numbers: dict[int, int] = {}

    def add(self, view: DrawnView, drawn: Annotated) -> dict[str, Any]:
        """`view`'s selections, step highlights and grad rows; raises `ExploreError` if its
        tables would be too large (nothing is added then)."""
        anchor: dict[int, str] = {}
        for shape in view.shapes.values():
            for node in shape.holds:
                anchor.setdefault(id(node), shape.key)
        by_ends: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_weight: dict[int, list[int]] = defaultdict(list)
        for number, ends in enumerate(drawn.edges):
            by_ends[ends].append(number)
            if ends in view.weights:
                by_weight[id(view.weights[ends])].append(number)
        lit = _Lighting(self.record.order, anchor, by_ends, by_weight)

        chosen: dict[str, tuple[Node, str | None]] = {}
        for shape in view.shapes.values():
            if shape.selects is not None:
                chosen[shape.key] = (shape.selects, shape.key)
        for number, ends in enumerate(drawn.edges):
            if ends in view.weights:
                chosen[f"edge{number}"] = (view.weights[ends], None)
        tables = {key: self.explainer.explain(view, node) for key, (node, _) in chosen.items()}
        self.explainer.check_size(view, list(tables.values()))

        selections = {}
        for key, table in tables.items():
            shapes, edges = lit.paths(table, chosen[key][1])
            selections[key] = {
                "table": self._number(table),
                "shapes": shapes,
                "edges": edges,
            }
        return {
            "selections": selections,
            "steps": [lit.step(self.record.order[s.node]) for s in self.record.steps],
            "grads": {
                s.key: self.index[id(s.shows)] for s in view.shapes.values() if s.shows is not None
            },
        }

    def tables(self) -> list[dict[str, Any]]:
        """Every table the views use, in the order of their numbers."""
        return [self._table_data(table) for table in self.explanations]

    def _number(self, table: Explanation) -> int:
        if id(table) not in self._numbers:
            self._numbers[id(table)] = len(self.explanations)
            self.explanations.append(table)
        return self._numbers[id(table)]

    def _table_data(self, table: Explanation) -> dict[str, Any]:
        return {
            "target": self.index[id(table.target)],
            "rows": [
                {
                    "route": [self.index[id(node)] for node in row.route],
                    "factors": list(row.factors),
                    "exactFactors": list(row.exact_factors),
                    "product": row.product,
                    "exactProduct": row.exact_product,
                }
                for row in table.rows
            ],
            "total": table.total,
            "exactTotal": exact(table.exact_total),
            "grad": table.grad,
            "exactGrad": exact(table.exact_grad),
            "note": table.note,
        }


class _Lighting:
    """What lights up in one view: the drawn nodes and edges of a table's paths, and of a
    backward step."""

    def __init__(
        self,
        order: tuple[Node, ...],
        anchor: dict[int, str],
        by_ends: dict[tuple[str, str], list[int]],
        by_weight: dict[int, list[int]],
    ) -> None:
        self.anchor = anchor
        self.by_ends = by_ends
        self.by_weight = by_weight
        # The drawn nodes each node belongs to: its own, or those of the drawn nodes
        # that use it, for an operation folded into them (consumers come later in order).
        consumers: dict[int, list[Node]] = defaultdict(list)
        for node in order:
            for parent in node._parents:
                consumers[id(parent)].append(node)
        self.into: dict[int, list[str]] = {}
        for node in reversed(order):
            if id(node) in anchor:
                self.into[id(node)] = [anchor[id(node)]]
            else:
                keys = (key for user in consumers[id(node)] for key in self.into[id(user)])
                self.into[id(node)] = list(dict.fromkeys(keys))

    def paths(self, table: Explanation, target: str | None) -> tuple[list[str], list[int]]:
        """The drawn nodes and edges on `table`'s paths (and the target's own node or
        weight edge)."""
        shapes: dict[str, None] = {} if target is None else {target: None}
        edges = dict.fromkeys(self.by_weight.get(id(table.target), ()))
        for row in table.rows:
            previous = None
            for node in row.route:
                key = self.anchor.get(id(node))
                if key is None:
                    continue
                shapes[key] = None
                if previous is not None and key != previous:
                    edges.update(dict.fromkeys(self.by_ends.get((key, previous), ())))
                previous = key
        return list(shapes), list(edges)

    def step(self, node: Node) -> list[list[Any]]:
        """The drawn nodes `node` belongs to and the drawn edges along which it hands
        gradients to drawn nodes."""
        heads = self.into[id(node)]
        edges: dict[int, None] = {}
        for parent in node._parents:
            if id(parent) in self.by_weight:
                edges.update(dict.fromkeys(self.by_weight[id(parent)]))
            elif id(parent) in self.anchor:
                tail = self.anchor[id(parent)]
                for head in heads:
                    if head != tail:
                        edges.update(dict.fromkeys(self.by_ends.get((tail, head), ())))
        return [heads, list(edges)]
