"""The drawings the explorer shows, and the engine node behind each drawn node.

Each view is drawn by `autograd.drawing` (``draw`` and ``save``: the same pictures as
``chaingrad draw``, within the same limits) except the expressions view of a `Tensor`
graph, which the drawings refuse and `tensor_sketch` makes. Graphviz names the drawn nodes
in its SVG by their DOT names: the drawings name them by creation order within the view
(``n1``, ``n2``, ... in the ops and expressions views) and by position in the network view
(``u<column>_<row>``, and ``loss``). `Shape` ties a DOT name to the engine nodes it stands
for; the names are rebuilt here from the same public walks the drawings use
(`topological_order`, `contracted_edges`, the layout's columns), with the edges that must
join them, and `svg.annotate` checks both against the SVG, so a drawing that names its
nodes otherwise is refused, never mislabelled.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import graphviz
from chaingrad.autograd.chain import contracted_edges
from chaingrad.autograd.drawing import DotNotFoundError, NetworkLayout, draw, save
from chaingrad.autograd.graph import Node, topological_order
from chaingrad.autograd.tensor import Tensor

from .limits import ExploreError
from .rules import RuleGraph, operation_rules


@dataclass(frozen=True)
class Shape:
    """A drawn node: `key` its DOT name, `name` its label (``data-node`` on the page).

    `selects` is the engine node a click on it selects (None: a constant, nothing to
    select), `shows` the node whose gradient its grad row shows (a neuron's row is its
    delta, the net input's gradient; None: no grad row), `holds` every engine node it
    stands for (a neuron: its output and its net input).
    """

    key: str
    name: str
    selects: Node | None
    shows: Node | None
    holds: tuple[Node, ...]


@dataclass(frozen=True)
class DrawnView:
    """One view of the graph: its SVG as Graphviz drew it and what its nodes stand for.

    `edges` are the drawn edges (tail, head DOT names) the graph implies. `grad_row`
    starts the text line of a drawn node that shows its gradient (``grad``, or the
    network view's ``δ``). `weights` maps a network edge (tail, head) to the weight it
    carries. `labelled_only` says how `chain_rule` walks to match the view's edges;
    `rules` holds a `Tensor` view's edges, whose local derivatives are rules.
    """

    name: str
    svg: str
    shapes: dict[str, Shape]
    edges: frozenset[tuple[str, str]]
    grad_row: str
    labelled_only: bool
    weights: dict[tuple[str, str], Node] = field(default_factory=dict)
    rules: RuleGraph | None = None


def network_view(root: Node, layout: NetworkLayout, parameters: Sequence[Node]) -> DrawnView:
    """The network view: units in layer columns, weights on the edges."""
    graph = draw(root, view="network", layout=layout, parameters=parameters)
    shapes: dict[str, Shape] = {}
    keys: dict[tuple[int, int], str] = {}
    for c, column in enumerate(layout.columns):
        for r, unit in enumerate(column):
            keys[c, r] = f"u{c}_{r}"
            holds = tuple(n for n in (unit.node, unit.net) if n is not None)
            shows = unit.net if unit.kind in ("hidden", "output") else None
            shapes[keys[c, r]] = Shape(keys[c, r], unit.name, unit.node, shows, holds)
    weights = {(keys[c.source], keys[c.target]): c.weight for c in layout.connections}
    edges = set(weights)
    if not any(root in shape.holds for shape in shapes.values()):
        shapes["loss"] = Shape("loss", _label(root), root, None, (root,))
        last = len(layout.columns) - 1
        outputs = [r for r, unit in enumerate(layout.columns[last]) if unit.node is not None]
        edges.update((keys[last, r], "loss") for r in outputs)
    return DrawnView("network", render_svg(graph), shapes, frozenset(edges), "δ ", True, weights)


def sketch_view(root: Node, view: str, parameters: Sequence[Node]) -> DrawnView:
    """The ops view (every operation) or, for a `Value` graph, the expressions view."""
    graph = draw(root, view=view, parameters=parameters)
    if view == "ops":
        below = {node: node._parents for node in topological_order(root)}
    else:
        folded = contracted_edges(root, lambda n: n.label is not None)
        below = {node: [parent for parent, _ in edges] for node, edges in folded.items()}
    nodes = sorted(below, key=lambda n: n._id)  # the drawings' order: creation order
    keys = {node: f"n{i}" for i, node in enumerate(nodes, 1)}
    shapes = {}
    for node, key in keys.items():
        name = node.label if node.label is not None else f"#{key[1:]}"
        shows = None if node._op == "const" else node  # a constant is drawn as its value
        shapes[key] = Shape(key, name, node, shows, (node,))
    edges = frozenset((keys[parent], keys[node]) for node in nodes for parent in below[node])
    rules = operation_rules(root) if view == "ops" and isinstance(root, Tensor) else None
    labelled_only = view == "expressions"
    svg = render_svg(graph)
    return DrawnView(view, svg, shapes, edges, "grad ", labelled_only, rules=rules)


def render_svg(graph: graphviz.Digraph) -> str:
    """`graph` as SVG text, through `autograd.drawing.save` (its checks and limits)."""
    with tempfile.TemporaryDirectory(prefix="chaingrad-explore-") as folder:
        try:
            path = save(graph, Path(folder) / "view.svg")
        except DotNotFoundError:
            raise ExploreError(
                "explore: the Graphviz 'dot' program is not installed or not on PATH, and "
                "the page's drawings need it. Install Graphviz (Debian/Ubuntu: sudo apt-get "
                "install graphviz; macOS: brew install graphviz) and run again"
            ) from None
        return path.read_text(encoding="utf-8")


def _label(node: Node) -> str:
    label = getattr(node, "label", None)
    return label if label is not None else "loss"
