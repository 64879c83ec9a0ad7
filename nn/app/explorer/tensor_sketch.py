"""The expressions view of a `Tensor` graph, which `autograd.drawing` does not draw.

The drawings' expressions view folds unlabelled operations into the labelled node that
uses them and multiplies their local derivatives along the way; a `Tensor` edge carries a
rule instead, so the drawings refuse it. This view draws the same nodes (labelled nodes,
leaves, the root), each with its shape, entries and gradient as the drawings show a
tensor, and on each edge the rules of the operations folded into it, top operation first.
Nodes, fonts and legend come from `autograd.drawing`'s own helpers, so it looks like the
other views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chaingrad.autograd.drawing.captions import _add_footer, _legend
from chaingrad.autograd.drawing.node_text import _node_label
from chaingrad.autograd.drawing.style import _KIND_NAMES, _KIND_STYLES, _NOTE_COLOR, _new_graph
from chaingrad.autograd.graph import Node
from chaingrad.autograd.labels import escape_html, html_label

from .drawn import DrawnView, Shape, render_svg
from .limits import MAX_NODES, ExploreError
from .rules import RuleEdge, folded_rules
from .text import DIGITS

EDGE_LINES = 4
"""The most rule lines an edge label shows; the path tables show them all."""


def tensor_expressions_view(
    root: Node, parameters: Sequence[Node], formulas: Mapping[str, str]
) -> DrawnView:
    """The expressions view of `root`'s `Tensor` graph; `formulas` (by label) are shown
    under the names, as a case file writes its equations."""
    rules = folded_rules(root, lambda n: n.label is not None)
    nodes = sorted(rules, key=lambda n: n._id)
    if len(nodes) > MAX_NODES:
        raise ExploreError(
            f"explore: the expressions view of {root.label or 'the root'} has {len(nodes)} "
            f"labelled nodes and leaves, more than max_nodes={MAX_NODES}; label fewer nodes"
        )
    keys = {node: f"n{i}" for i, node in enumerate(nodes, 1)}
    graph = _new_graph("LR")
    shapes = {}
    kinds = {id(p) for p in parameters}
    present = []
    for node in nodes:
        kind = _kind(node, root, kinds)
        present.append(kind)
        name = node.label if node.label is not None else f"#{keys[node][1:]}"
        title = html_label(name) if node.label is not None else name
        note = formulas.get(name)
        label = _node_label(node, title, None if note is None else f"= {escape_html(note)}", DIGITS)
        graph.node(keys[node], label=f"<{label}>", **_KIND_STYLES[kind])
        shapes[keys[node]] = Shape(keys[node], name, node, node, (node,))
    for node in nodes:
        for edge in rules[node]:
            graph.edge(keys[edge.parent], keys[node], label=f"<{_edge_label(edge)}>")
    swatches = [(_KIND_STYLES[k], _KIND_NAMES[k]) for k in _KIND_STYLES if k in present]
    notes = (
        "edge: the rules of the local derivatives ∂child/∂parent that backward applies, "
        "one line per operation, top first"
    )
    _add_footer(graph, [_legend(swatches, notes)])
    edges = frozenset((keys[edge.parent], keys[node]) for node in nodes for edge in rules[node])
    svg = render_svg(graph)
    return DrawnView("expressions", svg, shapes, edges, "grad ", True, rules=rules)


def _kind(node: Node, root: Node, parameters: set[int]) -> str:
    """How the drawings class a node: loss, parameter, input or intermediate."""
    if node is root:
        return "loss"
    if node._parents:
        return "intermediate"
    return "parameter" if id(node) in parameters else "input"


def _edge_label(edge: RuleEdge) -> str:
    """The rules along an edge, one per line; routes through the folded operations
    separated by a plus."""
    lines: list[str] = []
    for i, chain in enumerate(edge.chains):
        if i:
            lines.append("+")
        lines += [escape_html(rule.formula) for rule in chain]
    if len(lines) > EDGE_LINES:
        lines = [*lines[: EDGE_LINES - 1], "…"]
    body = "<BR/>".join(lines)
    return f'<FONT POINT-SIZE="9" COLOR="{_NOTE_COLOR}">{body}</FONT>'
