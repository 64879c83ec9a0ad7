"""Draw the chain rule: graphviz pictures of a graph with the local derivative on every edge.

``draw(loss)`` returns a `graphviz.Digraph` (Jupyter shows it inline) in which
each node shows its label, value and grad, and each edge parent -> child
carries d(child)/d(parent), the very float the engine stored in the forward
pass and multiplied in backprop. ``draw(loss, wrt="w7")`` lights every path from
the loss down to ``w7`` and adds a table under the picture: one row per path
with its factors and their product, and the sum, which is ``w7.grad``. The
paths and factors come from `autograd.chain`, so picture, `explain` and
backprop show the same numbers. ``save(graph, "out/w7.svg")`` writes a file.

Views (``view=``): ``"ops"`` draws every operation; ``"expressions"`` folds
unlabelled intermediates into the labelled node that consumes them (a neuron
``out = relu(w1·x1 + w4·x2 + b1)`` is one node, as in the documents), and an
edge carries the derivative of one labelled node with respect to the next;
``"network"`` draws a network as the documents' figures do, from a
`NetworkLayout` (units in layer columns, bias nodes, weights on the edges,
each unit's activation and delta ∂loss/∂net), made for instance by
``nn.scalar.ScalarMLP.network_layout`` (`autograd` never imports `nn`).

`Tensor` graphs are drawn in the ops view: nodes show shape and dtype (and
their entries when there are at most six), and edges show the rule of the
local derivative, since an array's is a rule, not a number.

Output is deterministic: DOT node names come from each node's position in
creation order within the drawing, not from process-wide ids, so the same
program always gives byte-identical DOT.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from ..chain import (
    ChainRule,
    chain_rule,
    check_digits,
    contracted_edges,
    find_node,
    format_number,
    is_whole_number,
    node_name,
)
from ..files import write_atomically
from ..graph import Node, topological_order
from ..labels import escape_html, html_label
from ..tensor import Tensor, shape_text
from ..tensor_ops import LocalRule
from ..value import Value
from .layout import UNIT_KINDS, Connection, NetworkLayout, Unit

DEFAULT_MAX_NODES = 500
SAVE_FORMATS = ("svg", "png", "pdf", "dot")
_RANKDIRS = ("LR", "RL", "TB", "BT")
_SHOWN_ENTRIES = 6  # a tensor with more entries shows its range, not its values
_SMALLER_HINT = {
    False: "Try view='expressions' after labelling the nodes you care about "
    "(value.named('h1')), or raise max_nodes.",
    True: "Draw a smaller piece (one layer, or the loss of a single small batch: the node "
    "count grows with the operations, not with the array sizes), or raise max_nodes.",
}
_CAPTION_ROWS = 12  # paths listed in the caption; the sum always covers all of them
_FORMULA_CHARS = 60  # longer folded sub-expressions are shown as "…"

# Node kinds, in legend order, and how each is drawn (shape and border, not only colour).
_KIND_STYLES: dict[str, dict[str, str]] = {
    "loss": {"style": "rounded,filled,bold", "fillcolor": "#f6c9c4", "peripheries": "2"},
    "parameter": {"style": "filled", "fillcolor": "#fde6a4"},
    "input": {"style": "filled,dashed", "fillcolor": "#d3e4f5"},
    "intermediate": {"style": "rounded"},
    "constant": {"shape": "plaintext", "fontcolor": "#666666"},
}
_KIND_NAMES = {
    "loss": "loss (root)",
    "parameter": "parameter",
    "input": "input",
    "intermediate": "intermediate",
    "constant": "constant",
}
_FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"  # a list: SVG viewers pick what they have
_PATH_COLOR = "#c0392b"
_DIM_COLOR = "#a6a6a6"  # edges off the highlighted paths
_DIM_TEXT = "#808080"  # their numbers, still readable
_NOTE_COLOR = "#555555"
_LIT_NODE = {"color": _PATH_COLOR, "penwidth": "2.5"}
_LIT_EDGE = {"color": _PATH_COLOR, "fontcolor": _PATH_COLOR, "penwidth": "2.5"}
_DIM_EDGE = {"color": _DIM_COLOR, "fontcolor": _DIM_TEXT}

# How the ops view names each operation (label syntax: ``x^{2}`` is drawn x²).
_OP_SYMBOLS = {
    "+": "+",
    "-": "−",
    "*": "×",
    "/": "÷",
    "**": "x^{y}",
    "neg": "−x",
    "exp": "exp",
    "log": "ln",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "relu",
    "sum": "Σ",
    "dot": "Σ w·x",
}

# The rule behind each local derivative, per operand (one entry: the same for all
# operands). ``**2``-style ops (number exponents) are written by `_rule`.
_RULES: dict[str, tuple[str, ...]] = {
    "+": ("∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1"),
    "-": ("∂(a−b)/∂a = 1", "∂(a−b)/∂b = −1"),
    "*": ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
    "/": ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b^{2}"),
    "**": ("∂(a^{b})/∂a = b·a^{b−1}", "∂(a^{b})/∂b = a^{b}·ln a"),
    "neg": ("∂(−a)/∂a = −1",),
    "exp": ("∂e^{z}/∂z = e^{z}",),
    "log": ("∂ln z/∂z = 1/z",),
    "tanh": ("∂tanh z/∂z = 1 − tanh^{2}z",),
    "sigmoid": ("∂σ(z)/∂z = σ(1−σ)",),
    "relu": ("∂relu(z)/∂z = 1 if z > 0 else 0",),
    "sum": ("∂(Σa_{i})/∂a_{i} = 1",),
    "dot": ("∂(Σw_{i}x_{i} + b)/∂(w_{i}, x_{i}, b) = (x_{i}, w_{i}, 1)",),
}


class DrawError(ValueError):
    """A drawing that cannot be made as asked (unknown view, too many nodes, bad argument)."""


class DotNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing; the DOT source was saved to `source_path`."""

    def __init__(self, message: str, source_path: Path) -> None:
        super().__init__(message)
        self.source_path = source_path


@dataclass(frozen=True)
class _Edge:
    """An edge parent -> child carrying d(child)/d(parent).

    `operand` is the parent's position among the child's operands when the edge
    is a single operation's edge (its rule applies), None when it folds several.
    """

    child: Node
    parent: Node
    derivative: float | LocalRule  # a Value's number; a Tensor edge's rule
    operand: int | None


@dataclass(frozen=True)
class _Sketch:
    """What a view draws: nodes in creation order, edges, a note per node, the path walk.

    Creation order makes the DOT read like the program (inputs first, loss last)
    and lets graphviz order each rank the same way on every run.
    """

    nodes: list[Node]
    edges: list[_Edge]
    notes: dict[int, str]  # id(node) -> HTML line under its name (op symbol or formula)
    labelled_only: bool  # how `chain_rule` must walk to match these edges


def draw(
    root: Node,
    *,
    wrt: Node | str | None = None,
    view: str = "ops",
    layout: NetworkLayout | None = None,
    rankdir: str = "LR",
    parameters: Iterable[Node | str] | None = None,
    show_rules: bool = False,
    legend: bool = True,
    digits: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """Draw the graph of `root` with the local derivative d(child)/d(parent) on every edge.

    - `wrt`: a node or label; every path from `root` to it is highlighted and a
      table lists each path's factors and product, and their sum (= its grad
      after ``root.backward()``).
    - `view`: ``"ops"`` (every operation), ``"expressions"`` (unlabelled
      intermediates folded into the labelled node that uses them) or
      ``"network"`` (the layered picture of the documents' figures, drawn from
      `layout`; see `NetworkLayout`).
    - `layout`: for ``view="network"`` only: the network's units in columns and
      its weighted connections (``nn.scalar.ScalarMLP.network_layout`` makes one).
    - `rankdir`: graphviz layout direction, ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``.
    - `parameters`: nodes or labels drawn as parameters; other leaves are drawn
      as inputs (nodes not in this graph are ignored, unknown labels are errors).
      For a `Tensor` graph, leaves with ``requires_grad=True`` are parameters
      unless this says otherwise.
    - `show_rules`: add the rule under each edge's number (``∂(a·b)/∂a = b``);
      an edge that folds several operations gets its symbol (``∂E/∂out``)
      instead. In the network view: add the local derivative ∂net/∂w under each
      weight. `Tensor` edges always show their rule (an array's local derivative
      is a rule, not a number).
    - `legend`: add a legend under the picture; `digits`: significant digits shown.
    - `max_nodes`: refuse (`DrawError`) graphs with more nodes than this in the
      chosen view rather than drawing them unreadably.

    Raises `DrawError` (a ValueError) for bad arguments and oversized graphs, and
    `autograd.chain.ChainRuleError` when `wrt` is not in the graph.
    """
    render = _VIEWS.get(view) if isinstance(view, str) else None
    if render is None:
        raise DrawError(f"draw: unknown view {view!r}; choose one of: {', '.join(_VIEWS)}")
    if rankdir not in _RANKDIRS:
        raise DrawError(f"draw: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    check_digits(digits, "draw", DrawError)
    if not is_whole_number(max_nodes) or max_nodes < 1:
        raise DrawError(f"draw: max_nodes must be a positive whole number, got {max_nodes!r}")
    if isinstance(parameters, (str, Value, Tensor)) or not isinstance(
        parameters, (Iterable, type(None))
    ):
        one = repr(parameters) if isinstance(parameters, str) else "node"
        raise DrawError(
            f"draw: parameters must be a list of nodes or labels, got a single "
            f"{type(parameters).__name__}; for one parameter write parameters=[{one}]"
        )
    if layout is not None and view != "network":
        raise DrawError(f"draw: layout= is only used by view='network', not view={view!r}")
    _data_rows(root, digits)  # unsupported node types fail here, before any walk
    request = _Request(
        wrt, view, layout, rankdir, parameters, show_rules, legend, digits, max_nodes
    )
    return render(root, request)


def save(graph: graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write `graph` to `path` in the format its suffix names (.svg .png .pdf .dot); return it.

    The file appears complete or not at all (written under a temporary name,
    then renamed); missing folders are created. If the Graphviz ``dot``
    program is not installed, the DOT source is written next to `path` (same
    name, ``.dot`` suffix) and `DotNotFoundError` says where and how to install it.
    A path that cannot be written (a folder, no permission) raises `SaveError`, an OSError.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in SAVE_FORMATS:
        raise DrawError(
            f"save: cannot tell the format from {path.name!r}; end the name with one of: "
            + ", ".join(f".{f}" for f in SAVE_FORMATS)
        )
    if fmt == "dot":
        write_atomically(path, graph.source.encode("utf-8"), where="save")
        return path
    try:
        data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        source_path = path.with_suffix(".dot")
        write_atomically(source_path, graph.source.encode("utf-8"), where="save")
        raise DotNotFoundError(
            f"save: cannot write {path}: the Graphviz 'dot' program is not installed or not "
            f"on PATH. Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: "
            f"brew install graphviz; others: https://graphviz.org/download/). The DOT source "
            f"was saved to {source_path}; once Graphviz is installed, render it with: "
            f"dot -T{fmt} {source_path} -o {path}",
            source_path,
        ) from None
    write_atomically(path, data, where="save")
    return path


# --------------------------------------------------------------------- views
@dataclass(frozen=True)
class _Request:
    """What `draw` was asked for, checked, handed to the view's renderer."""

    wrt: Node | str | None
    view: str
    layout: NetworkLayout | None
    rankdir: str
    parameters: Iterable[Node | str] | None
    show_rules: bool
    legend: bool
    digits: int
    max_nodes: int


def _draw_sketch(
    view_fn: Callable[[Node, int, int], _Sketch], root: Node, request: _Request
) -> graphviz.Digraph:
    """Render a view that draws graph nodes and edges (``ops``, ``expressions``)."""
    digits = request.digits
    sketch = view_fn(root, request.max_nodes, digits)
    names = {id(node): f"n{i}" for i, node in enumerate(sketch.nodes, 1)}
    titles, notes = _titles(root, sketch, digits)
    kinds = _kinds(root, sketch.nodes, _parameter_ids(root, request.parameters))
    rule = None if request.wrt is None else _paths(root, request.wrt, sketch, request.view)
    on_path = _path_edges(rule)

    graph = _new_graph(request.rankdir)
    lit_nodes = {node_id for edge in on_path for node_id in edge}
    if rule is not None:
        lit_nodes.add(id(rule.wrt))  # even when it is the root (a path with no edges)
    for node in sketch.nodes:
        attrs = dict(_KIND_STYLES[kinds[id(node)]])
        if id(node) in lit_nodes:
            attrs.update(_LIT_NODE)
        label = _node_label(node, titles[id(node)], notes.get(id(node)), digits)
        graph.node(names[id(node)], label=f"<{label}>", **attrs)
    for edge in sketch.edges:
        text = _edge_text(edge.derivative, digits)
        if request.show_rules and isinstance(edge.derivative, float):
            note = _edge_note(edge, titles)
            text += f'<BR/><FONT POINT-SIZE="9" COLOR="{_NOTE_COLOR}">{note}</FONT>'
        attrs = {}
        if rule is not None and (id(edge.child), id(edge.parent)) in on_path:
            attrs = dict(_LIT_EDGE)
        elif rule is not None:
            attrs = dict(_DIM_EDGE)
        graph.edge(names[id(edge.parent)], names[id(edge.child)], label=f"<{text}>", **attrs)

    footer = []
    if rule is not None:
        footer.append(_caption(rule, titles, digits))
    if request.legend:
        present = [kind for kind in _KIND_STYLES if kind in kinds.values()]
        swatches = [(_KIND_STYLES[kind], _KIND_NAMES[kind]) for kind in present]
        footer.append(_legend(swatches, _sketch_notes(rule, titles, isinstance(root, Tensor))))
    _add_footer(graph, footer)
    return graph


def _new_graph(rankdir: str) -> graphviz.Digraph:
    """An empty drawing with the house style: fonts, spacing, direction."""
    return graphviz.Digraph(
        "chaingrad",
        graph_attr={"rankdir": rankdir, "fontname": _FONT, "nodesep": "0.3", "ranksep": "0.45"},
        node_attr={"shape": "box", "fontname": _FONT, "fontsize": "11", "margin": "0.08,0.04"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "arrowsize": "0.7"},
    )


def _add_footer(graph: graphviz.Digraph, parts: list[str]) -> None:
    """Put `parts` (HTML tables) under the picture, one per row, left-aligned."""
    if parts:
        rows = "".join(f'<TR><TD ALIGN="LEFT">{part}</TD></TR>' for part in parts)
        graph.attr(
            label=f'<<TABLE BORDER="0" CELLSPACING="6">{rows}</TABLE>>',
            labelloc="b",
            labeljust="l",
        )


def _ops_view(root: Node, max_nodes: int, digits: int) -> _Sketch:
    """Every node of the graph; each edge is one operand of one operation."""
    nodes = sorted(topological_order(root), key=_creation_order)
    if len(nodes) > max_nodes:
        raise DrawError(
            f"draw: the graph of {_plain_name(root)} has {len(nodes)} nodes, more than "
            f"max_nodes={max_nodes}. " + _SMALLER_HINT[isinstance(root, Tensor)]
        )
    edges = [
        _Edge(child, parent, local, i)
        for child in nodes
        for i, (parent, local) in enumerate(zip(child._parents, child._local))
    ]
    notes = {id(n): html_label(_op_symbol(n._op)) for n in nodes if n._parents}
    return _Sketch(nodes, edges, notes, labelled_only=False)


def _expressions_view(root: Node, max_nodes: int, digits: int) -> _Sketch:
    """Labelled nodes, leaves and the root; unlabelled operations folded into the edges."""
    if isinstance(root, Tensor):
        raise DrawError(
            "draw: the expressions view multiplies the local derivatives along folded "
            "operations, and a Tensor edge's local derivative is a rule, not a number; "
            "use view='ops'"
        )
    folded = contracted_edges(root, _is_labelled)
    nodes = sorted(folded, key=_creation_order)
    if len(nodes) > max_nodes:
        raise DrawError(
            f"draw: the expressions view of {_plain_name(root)} has {len(nodes)} labelled "
            f"nodes and leaves, more than max_nodes={max_nodes}. Draw a smaller part of the "
            "graph, label fewer nodes, or raise max_nodes."
        )
    kept = {id(n) for n in nodes}
    edges = []
    for child in nodes:
        direct = _is_single_operation(child, kept)
        for parent, derivative in folded[child]:
            operand = _operand_index(child, parent) if direct else None
            edges.append(_Edge(child, parent, derivative, operand))
    notes = _formulas(root, _names(nodes), digits)
    return _Sketch(nodes, edges, notes, labelled_only=True)


def _creation_order(node: Node) -> int:
    return node._id


def _is_labelled(node: Node) -> bool:
    return node.label is not None


def _is_single_operation(node: Node, kept: set[int]) -> bool:
    """True if `node`'s operands are all drawn (or constants), each once: no folding."""
    ids = [id(p) for p in node._parents]
    return len(set(ids)) == len(ids) and all(
        i in kept or p._op == "const" for i, p in zip(ids, node._parents)
    )


def _operand_index(child: Node, parent: Node) -> int:
    return next(i for i, p in enumerate(child._parents) if p is parent)


# --------------------------------------------------------------------- network view
# Widths are minimums (inches), so that most units of a kind are drawn the same size.
_UNIT_STYLES: dict[str, dict[str, str]] = {
    "input": {"shape": "circle", "style": "filled,dashed", "fillcolor": "#d3e4f5", "width": "0.7"},
    "bias": {"shape": "circle", "style": "filled,dashed", "fillcolor": "#ececec", "width": "0.5"},
    "hidden": {"shape": "circle", "style": "filled", "fillcolor": "#ffffff", "width": "1.05"},
    "output": {"shape": "circle", "style": "filled,bold", "fillcolor": "#dcedd0", "width": "1.05"},
}
_UNIT_NAMES = {
    "input": "input",
    "bias": "bias node (constant 1)",
    "hidden": "hidden unit",
    "output": "output unit",
}
_CLUSTER_STYLE = {"style": "rounded,dashed", "color": "#bbbbbb", "fontcolor": _NOTE_COLOR}


def _draw_network(root: Node, request: _Request) -> graphviz.Digraph:
    """The network view: units in layer columns, weights on edges, deltas on units."""
    layout = request.layout
    if layout is None:
        raise DrawError(
            "draw: view='network' needs layout=, the network's units and weights; for an "
            "nn.scalar.ScalarMLP: outputs = net(x); layout = net.network_layout(x, outputs)"
        )
    if not isinstance(root, Value):
        raise DrawError(
            f"draw: view='network' draws scalar (Value) networks, not a {type(root).__name__} "
            "graph; use view='ops'"
        )
    _check_layout(root, layout, request.max_nodes)
    digits = request.digits
    names = {
        (c, r): f"u{c}_{r}" for c, column in enumerate(layout.columns) for r in range(len(column))
    }
    unit_of = {
        id(node): position for position in names for node in _unit_nodes(_unit(layout, position))
    }
    with_loss = id(root) not in unit_of
    rule = None
    if request.wrt is not None:
        rule = chain_rule(root, find_node(root, request.wrt))
    lit_units, lit_links, lit_outputs = _network_paths(rule, layout, unit_of)

    graph = _new_graph(request.rankdir)
    # newrank: rank=same holds inside the column clusters; no crossing minimization, so
    # each column keeps the layout's order, as the documents draw it.
    graph.attr(newrank="true", remincross="false", mclimit="0.01", ranksep="1.0")
    graph.edge_attr["decorate"] = "true"  # a line from each weight to its edge: no guessing
    for c, column in enumerate(layout.columns):
        with graph.subgraph(name=f"cluster_{c}") as sub:
            title = layout.titles[c] if layout.titles else ""
            sub.attr(label=escape_html(title), rank="same", **_CLUSTER_STYLE)
            for r, unit in enumerate(column):
                attrs = dict(_UNIT_STYLES[unit.kind])
                if (c, r) in lit_units:
                    attrs.update(_LIT_NODE)
                sub.node(names[c, r], label=f"<{_unit_label(unit, digits)}>", **attrs)
            # Keep the rows in order with invisible edges inside the column: dot puts an
            # edge's tail before its head, which LR and RL drawings show bottom to top.
            step = -1 if request.rankdir in ("LR", "RL") else 1
            ordered = [names[c, r] for r in range(len(column))][::step]
            for upper, lower in itertools.pairwise(ordered):
                sub.edge(upper, lower, style="invis")
    for link in layout.connections:
        text = _weight_text(link, layout, request.show_rules, digits)
        attrs = {}
        if (link.source, link.target) in lit_links:
            attrs = dict(_LIT_EDGE)
        elif rule is not None:
            attrs = dict(_DIM_EDGE)
        graph.edge(names[link.source], names[link.target], label=f"<{text}>", **attrs)
    root_title = _title_of(root)
    if with_loss:
        attrs = dict(_KIND_STYLES["loss"])
        if rule is not None:
            attrs.update(_LIT_NODE)
        rows = [f"<B>{root_title}</B>", f"value {escape_html(format_number(root.data, digits))}"]
        body = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
        graph.node("loss", label=f'<<TABLE BORDER="0" CELLBORDER="0">{body}</TABLE>>', **attrs)
        last = len(layout.columns) - 1
        for r, unit in enumerate(layout.columns[last]):
            if unit.node is None:
                continue
            text = f"∂{root_title}/∂{html_label(unit.name)} = "
            text += escape_html(format_number(unit.node.grad, digits))
            attrs = {}
            if (last, r) in lit_outputs:
                attrs = dict(_LIT_EDGE)
            elif rule is not None:
                attrs = dict(_DIM_EDGE)
            graph.edge(names[last, r], "loss", label=f"<{text}>", **attrs)

    footer = []
    if rule is not None:
        footer.append(_caption(rule, _route_titles(rule), digits))
    if root.grad != 1.0:
        footer.append(
            f'<FONT COLOR="{_PATH_COLOR}">the deltas are read from the gradients: call '
            f"backward() on {root_title} before drawing</FONT>"
        )
    if request.legend:
        kinds = [k for k in UNIT_KINDS if any(u.kind == k for col in layout.columns for u in col)]
        swatches = [(_UNIT_STYLES[kind], _UNIT_NAMES[kind]) for kind in kinds]
        if with_loss:
            swatches.append((_KIND_STYLES["loss"], _KIND_NAMES["loss"]))
        notes = _network_notes(rule, root_title, request.show_rules)
        footer.append(_legend(swatches, notes, stacked=True))
    _add_footer(graph, footer)
    return graph


def _unit(layout: NetworkLayout, position: tuple[int, int]) -> Unit:
    column, row = position
    return layout.columns[column][row]


def _unit_nodes(unit: Unit) -> list[Node]:
    return [node for node in (unit.node, unit.net) if node is not None]


def _check_layout(root: Node, layout: NetworkLayout, max_nodes: int) -> None:
    """Raise `DrawError` unless `layout` is well formed and made of `root`'s graph."""
    if not isinstance(layout, NetworkLayout):
        raise DrawError(f"draw: layout must be a NetworkLayout, got {type(layout).__name__}")
    units = [unit for column in layout.columns for unit in column]
    if len(units) > max_nodes:
        raise DrawError(
            f"draw: the network has {len(units)} units, more than max_nodes={max_nodes}; "
            "draw a smaller network or raise max_nodes"
        )
    if layout.titles and len(layout.titles) != len(layout.columns):
        raise DrawError(
            f"draw: layout has {len(layout.titles)} titles for {len(layout.columns)} columns; "
            "give one title per column, or none"
        )
    in_graph = {id(node) for node in topological_order(root)}
    for unit in units:
        if unit.kind not in UNIT_KINDS:
            raise DrawError(
                f"draw: layout: unit {unit.name!r} has kind {unit.kind!r}; "
                f"use one of {', '.join(UNIT_KINDS)}"
            )
        if any(id(node) not in in_graph for node in _unit_nodes(unit)):
            raise DrawError(
                f"draw: layout: unit {unit.name!r} is not part of the graph of "
                f"{_plain_name(root)}; make the layout from the forward pass that computed it"
            )
    for link in layout.connections:
        for position in (link.source, link.target):
            column, row = position
            if not (0 <= column < len(layout.columns) and 0 <= row < len(layout.columns[column])):
                raise DrawError(
                    f"draw: layout: a connection refers to no unit at {position}; positions are "
                    f"(column, row) indices into layout.columns ({len(layout.columns)} columns)"
                )
        if id(link.weight) not in in_graph:
            raise DrawError(
                f"draw: layout: the weight {_plain_name(link.weight)} is not part of the graph "
                f"of {_plain_name(root)}; make the layout from the forward pass that computed it"
            )


def _network_paths(
    rule: ChainRule | None, layout: NetworkLayout, unit_of: dict[int, tuple[int, int]]
) -> tuple[
    set[tuple[int, int]], set[tuple[tuple[int, int], tuple[int, int]]], set[tuple[int, int]]
]:
    """The units, connections (source, target) and output-to-loss edges on `rule`'s paths.

    A path runs from the root through labelled nodes; each unit it meets is lit,
    and so is the connection between two units met one after the other. The
    connections carrying `rule.wrt` itself (a weight) are lit too.
    """
    units: set[tuple[int, int]] = set()
    links: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    outputs: set[tuple[int, int]] = set()
    if rule is None or not rule.paths:
        return units, links, outputs
    for path in rule.paths:
        previous = None
        for node in [rule.root, *(f.parent for f in path.factors)]:
            position = unit_of.get(id(node))
            if position is None:
                continue
            units.add(position)
            if previous is None and node is not rule.root:
                outputs.add(position)
            elif previous is not None and previous != position:
                links.add((position, previous))
            previous = position
    links.update(
        (link.source, link.target) for link in layout.connections if link.weight is rule.wrt
    )
    return units, links, outputs


def _unit_label(unit: Unit, digits: int) -> str:
    """A unit's HTML label: its name, then its value (a neuron: a = value and δ = ∂loss/∂net)."""
    value = unit.node.data if unit.node is not None else unit.value
    rows = [f"<B>{html_label(unit.name)}</B>"]
    if unit.kind in ("hidden", "output"):
        rows.append(f"a {escape_html(format_number(value, digits))}")
        if unit.net is not None:
            delta = escape_html(format_number(unit.net.grad, digits))
            rows.append(f'<FONT COLOR="{_NOTE_COLOR}">δ {delta}</FONT>')
    elif unit.name != format_number(value, digits):  # a bias node named "1" shows nothing more
        rows.append(escape_html(format_number(value, digits)))
    body = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{body}</TABLE>'


def _weight_text(link: Connection, layout: NetworkLayout, show_rules: bool, digits: int) -> str:
    """A connection's label: the weight's name and value; with `show_rules`, ∂net/∂w too."""
    weight = link.weight
    text = f"{_title_of(weight)} = {escape_html(format_number(weight.data, digits))}"
    net = _unit(layout, link.target).net
    if show_rules and net is not None:
        locals_of_weight = [d for p, d in zip(net._parents, net._local) if p is weight]
        if locals_of_weight:
            net_name = _title_of(net) if net.label is not None else "net"
            local = escape_html(format_number(math.fsum(locals_of_weight), digits))
            text += (
                f'<BR/><FONT POINT-SIZE="9" COLOR="{_NOTE_COLOR}">'
                f"∂{net_name}/∂{_title_of(weight)} = {local}</FONT>"
            )
    return text


def _title_of(node: Node) -> str:
    """A node's name as HTML: its label with scripts rendered, else a stand-in (`node_name`)."""
    if node.label is not None:
        return html_label(node.label)
    return escape_html(node_name(node))


def _route_titles(rule: ChainRule) -> dict[int, str]:
    """Names for every node on `rule`'s paths, for its caption."""
    nodes = [rule.root, rule.wrt]
    nodes += [f.parent for path in rule.paths for f in path.factors]
    return {id(node): _title_of(node) for node in nodes}


def _network_notes(rule: ChainRule | None, root_title: str, show_rules: bool) -> str:
    """The legend's notes for the network view."""
    lines = [
        "a: the unit's value; δ: ∂" + root_title + "/∂net, the derivative with respect to "
        "its net input (its delta)",
        "edge: the weight and its value; a bias is the weight on a bias node's edge",
    ]
    if show_rules:
        lines.append("under it: ∂net/∂w, the local derivative the engine stored (the input)")
    notes = '<BR ALIGN="LEFT"/>'.join(lines)
    if rule is not None:
        notes += (
            f'<BR ALIGN="LEFT"/><FONT COLOR="{_PATH_COLOR}">red: every path from '
            f"{root_title} to {_title_of(rule.wrt)}</FONT>"
        )
    return notes


_VIEWS: dict[str, Callable[[Node, _Request], graphviz.Digraph]] = {
    "ops": functools.partial(_draw_sketch, _ops_view),
    "expressions": functools.partial(_draw_sketch, _expressions_view),
    "network": _draw_network,
}


# --------------------------------------------------------------------- nodes
@functools.singledispatch
def _data_rows(node: object, digits: int) -> list[str]:
    """The HTML rows a node shows under its name (for `Value`: value and grad)."""
    raise DrawError(
        f"draw: cannot draw a {type(node).__name__}; pass the root Value of a graph "
        "(for example the loss)"
    )


@_data_rows.register
def _(node: Value, digits: int) -> list[str]:
    return [
        f"value {escape_html(format_number(node.data, digits))}",
        f'<FONT COLOR="{_NOTE_COLOR}">grad {escape_html(format_number(node.grad, digits))}</FONT>',
    ]


@_data_rows.register
def _(node: Tensor, digits: int) -> list[str]:
    rows = [f"{escape_html(shape_text(node.shape))} {node.dtype}", _array_html(node.data, digits)]
    grad = "none" if node.grad is None else _array_html(node.grad, digits)
    rows.append(f'<FONT COLOR="{_NOTE_COLOR}">grad {grad}</FONT>')
    return rows


def _array_html(data: np.ndarray, digits: int) -> str:
    """A small array's entries (rows on separate lines), or the range of a large one's."""
    if data.size > _SHOWN_ENTRIES:
        low, high = (escape_html(format_number(float(x), digits)) for x in (data.min(), data.max()))
        return f"{data.size} entries in [{low}, {high}]"
    text = np.array2string(
        data, separator=", ", formatter={"float_kind": lambda x: format_number(float(x), digits)}
    )
    return "<BR/>".join(escape_html(line) for line in text.splitlines())


@functools.singledispatch
def _constant_title(node: Value, digits: int) -> str:
    """How an unlabelled constant is drawn: its value."""
    return escape_html(format_number(node.data, digits))


@_constant_title.register
def _(node: Tensor, digits: int) -> str:
    return _array_html(node.data, digits)


@functools.singledispatch
def _edge_text(local: float, digits: int) -> str:
    """An edge's label: the local derivative the engine stored (for `Value`, a number)."""
    return escape_html(format_number(local, digits))


@_edge_text.register
def _(local: LocalRule, digits: int) -> str:
    return escape_html(local.formula)  # an array's local derivative is a rule


def _names(nodes: list[Node]) -> dict[int, str]:
    """Each node's name: its label with scripts rendered, else ``#k``, its place in the drawing."""
    return {
        id(node): html_label(node.label) if node.label is not None else f"#{i}"
        for i, node in enumerate(nodes, 1)
    }


def _titles(root: Node, sketch: _Sketch, digits: int) -> tuple[dict[int, str], dict[int, str]]:
    """The name each node is drawn with, and the notes left to show under the names.

    As `_names`, except that an unlabelled constant is titled by its value and an
    unlabelled operation by its symbol (the ops view's ``×``) instead of ``#k``.
    """
    titles, notes = _names(sketch.nodes), dict(sketch.notes)
    for node in sketch.nodes:
        if node.label is None and node._op == "const":
            titles[id(node)] = _constant_title(node, digits)
        elif node.label is None and node is not root and id(node) in notes:
            titles[id(node)] = notes.pop(id(node))
    return titles, notes


def _node_label(node: Node, title: str, note: str | None, digits: int) -> str:
    """A node's HTML label: name, op or formula, then its data (a constant: just its value)."""
    if node._op == "const":
        return title
    cells = [f"<B>{title}</B>"]
    if note is not None:
        cells.append(f'<FONT POINT-SIZE="10" COLOR="{_NOTE_COLOR}">{note}</FONT>')
    cells += _data_rows(node, digits)
    body = "".join(f"<TR><TD>{cell}</TD></TR>" for cell in cells)
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>'


def _kinds(root: Node, nodes: list[Node], parameter_ids: set[int]) -> dict[int, str]:
    kinds = {}
    for node in nodes:
        if node is root:
            kind = "loss"
        elif node._parents:
            kind = "intermediate"
        elif node._op == "const":
            kind = "constant"
        elif id(node) in parameter_ids:
            kind = "parameter"
        else:
            kind = "input"
        kinds[id(node)] = kind
    return kinds


def _parameter_ids(root: Node, parameters: Iterable[Node | str] | None) -> set[int]:
    """The ids of the leaves of `root`'s graph named by `parameters` (nodes or labels).

    Without `parameters`, the leaves of a `Tensor` graph that require grad.
    """
    order = topological_order(root)
    if parameters is None:
        return {id(n) for n in order if not n._parents and getattr(n, "requires_grad", False)}
    by_label: dict[str, list[Node]] = {}
    for node in order:
        if node.label is not None:
            by_label.setdefault(node.label, []).append(node)
    in_graph = {id(n) for n in order}
    found: list[Node] = []
    for p in parameters:
        if isinstance(p, str):
            if p not in by_label:
                raise DrawError(
                    f"draw: parameters: no node labelled {p!r} in the graph of {_plain_name(root)}"
                )
            found += by_label[p]
        elif getattr(p, "_parents", None) is None:
            raise DrawError(
                f"draw: parameters: expected nodes or their labels (str), got "
                f"{type(p).__name__} {p!r}"
            )
        elif id(p) in in_graph:
            found.append(p)
    for node in found:
        if node._parents:
            raise DrawError(
                f"draw: parameters: {_plain_name(node)} is computed by {node._op!r}; "
                "parameters are leaves (values made with Value(...))"
            )
    return {id(n) for n in found}


# --------------------------------------------------------------------- formulas
@dataclass(frozen=True)
class _Term:
    """A piece of a formula: HTML, its visible length, and its operator precedence."""

    html: str
    length: int
    precedence: int  # 1: + −, 2: · /, 3: led by a minus sign, 4: power, 5: atom or call


_ELLIPSIS = _Term("…", 1, 5)
_FUNCTIONS = {"exp": "exp", "log": "ln", "tanh": "tanh", "sigmoid": "σ", "relu": "relu"}


def _formulas(root: Node, names: dict[int, str], digits: int) -> dict[int, str]:
    """For each drawn operation node, its folded expression in the `names` of drawn nodes.

    ``net_n3`` reads ``w₁·x₁ + w₄·x₂ + b₁``. Built operands first (topological
    order), so no recursion; shared sub-expressions are reused and long ones
    cut to "…".
    """
    terms: dict[int, _Term] = {}
    formulas: dict[int, str] = {}
    for node in topological_order(root):
        if node._op == "const":
            terms[id(node)] = _constant_term(node.data, digits)
            continue
        if node._parents:
            pairs = _dot_terms(node) if node._op == "dot" else None
            if pairs is not None:
                applied = _weighted_sum(pairs, terms, digits)
            else:
                applied = _apply(node._op, [terms[id(p)] for p in node._parents])
            if id(node) not in names:  # folded into the drawn node that uses it
                terms[id(node)] = applied if applied.length <= _FORMULA_CHARS else _ELLIPSIS
                continue
            formulas[id(node)] = f"= {applied.html}"
        terms[id(node)] = _Term(names[id(node)], _visible_length(names[id(node)]), 5)
    return formulas


def _dot_terms(node: Node) -> list[tuple[Node, Node | float | None]] | None:
    """A `dot_values` node's operands read back as (weight, input) pairs, the bias as
    (bias, None); None when they cannot be read.

    `dot_values` keeps its operands as (w_1..w_n, x_1..x_n[, b]) when all are Values, and
    as (w_1, x_1, w_2, ...) otherwise, a plain-number input leaving its weight alone with
    the number as local derivative. A pair is confirmed by the local derivatives (a
    weight's is its input's value, an input's its weight's), and the whole reading by
    recomputing the sum; once the numbers change after the forward pass it is not.
    """
    parents, local = node._parents, node._local
    n, bias = divmod(len(parents), 2)
    pairs: list[tuple[Node, Node | float | None]]
    if all(
        local[i] == parents[n + i].data and local[n + i] == parents[i].data for i in range(n)
    ) and (not bias or local[-1] == 1.0):
        pairs = [(parents[i], parents[n + i]) for i in range(n)]
        if bias:
            pairs.append((parents[-1], None))
    else:
        pairs, k = [], 0
        while k < len(parents):
            if k + 1 < len(parents) and (
                local[k] == parents[k + 1].data and local[k + 1] == parents[k].data
            ):
                pairs.append((parents[k], parents[k + 1]))
                k += 2
            else:  # a weight times a number, or (last, local derivative 1) the bias
                last_bias = k == len(parents) - 1 and local[k] == 1.0
                pairs.append((parents[k], None if last_bias else local[k]))
                k += 1
    total = math.fsum(
        w.data * (1.0 if x is None else x if isinstance(x, float) else x.data) for w, x in pairs
    )
    return pairs if math.isclose(total, node.data, rel_tol=1e-9, abs_tol=1e-12) else None


def _weighted_sum(
    pairs: list[tuple[Node, Node | float | None]], terms: dict[int, _Term], digits: int
) -> _Term:
    """``w₁·x₁ + w₂·x₂ + b`` from `_dot_terms` pairs and the terms of the operands."""
    products = []
    for weight, x in pairs:
        if x is None:
            products.append(terms[id(weight)])
            continue
        factor = _constant_term(x, digits) if isinstance(x, float) else terms[id(x)]
        products.append(_join([_wrap(terms[id(weight)], 2), "·", _wrap_right(factor, 2)], 2))
    return _join(_listed(products, " + ", 1), 1)


def _visible_length(markup: str) -> int:
    """How many characters HTML-like label `markup` shows (w₁₁⁽²⁾: 6, not 12 of w_{11}^{(2)})."""
    return len(html.unescape(re.sub(r"<[^>]*>", "", markup)))


def _constant_term(x: float, digits: int) -> _Term:
    text = format_number(x, digits)
    return _Term(escape_html(text), len(text), 3 if x < 0 else 5)


def _apply(op: str, args: list[_Term]) -> _Term:
    """The term for `op` applied to `args`, with parentheses where precedence needs them."""
    if op in ("+", "-"):
        a, b = args
        sign = "+" if op == "+" else "−"
        return _join([_wrap(a, 1), f" {sign} ", _wrap_right(b, 1 if op == "+" else 2)], 1)
    if op in ("*", "/"):
        a, b = args
        middle = "·" if op == "*" else " / "
        # A product led by a minus sign reads as negated: a − (−2·b), not a − −2·b.
        precedence = 3 if a.precedence == 3 else 2
        return _join([_wrap(a, 2), middle, _wrap_right(b, 2 if op == "*" else 3)], precedence)
    if op == "neg":
        return _join(["−", _wrap(args[0], 4)], 3)
    if op == "**":
        base, exponent = args
        return _join([_wrap(base, 5), _Term(f"<SUP>{exponent.html}</SUP>", exponent.length, 5)], 4)
    if op.startswith("**"):
        exponent = html_label(f"^{{{op[2:]}}}")
        return _join([_wrap(args[0], 5), _Term(exponent, len(op) - 2, 5)], 4)
    if op == "sum":
        return args[0] if len(args) == 1 else _join(_listed(args, " + ", 1), 1)
    name = _FUNCTIONS.get(op, op)
    return _join([f"{escape_html(name)}(", *_listed(args, ", ", 0), ")"], 5)


def _wrap(term: _Term, precedence: int) -> _Term:
    if term.precedence >= precedence:
        return term
    return _Term(f"({term.html})", term.length + 2, 5)


def _wrap_right(term: _Term, precedence: int) -> _Term:
    """As `_wrap`, and a negated right operand gets parentheses too: a·(−b), not a·−b."""
    return _wrap(term, 4 if term.precedence == 3 else precedence)


def _listed(args: list[_Term], separator: str, precedence: int) -> list[_Term | str]:
    """`args` joined by `separator`, cut with "…" once the text is long."""
    parts: list[_Term | str] = []
    length = 0
    for i, arg in enumerate(args):
        if i:
            parts.append(separator)
        if length + arg.length > _FORMULA_CHARS and i:
            parts.append(_ELLIPSIS)
            break
        parts.append(_wrap(arg, precedence))
        length += arg.length + len(separator)
    return parts


def _join(parts: list[_Term | str], precedence: int) -> _Term:
    html_parts = [p.html if isinstance(p, _Term) else escape_html(p) for p in parts]
    length = sum(p.length if isinstance(p, _Term) else len(p) for p in parts)
    return _Term("".join(html_parts), length, precedence)


# --------------------------------------------------------------------- edges and rules
def _op_symbol(op: str) -> str:
    if op.startswith("**") and op != "**":
        return f"x^{{{op[2:]}}}"
    return _OP_SYMBOLS.get(op, op)


def _rule(op: str, operand: int) -> str | None:
    """The rule giving d(result)/d(operand) for `op`, in label syntax, or None if unknown."""
    if op.startswith("**") and op != "**":
        k = op[2:]
        lowered = f"{float(k) - 1:g}"
        if float(k) == 0:
            derivative = "0"
        elif lowered == "0":
            derivative = k
        elif lowered == "1":
            derivative = f"{k}·a"
        else:
            derivative = f"{k}·a^{{{lowered}}}"
        return f"∂(a^{{{k}}})/∂a = {derivative}"
    rules = _RULES.get(op)
    if rules is None:
        return None
    return rules[min(operand, len(rules) - 1)]


def _edge_note(edge: _Edge, titles: dict[int, str]) -> str:
    """The rule of a single operation's edge, else the symbol d(child)/d(parent)."""
    if edge.operand is not None:
        rule = _rule(edge.child._op, edge.operand)
        if rule is not None:
            return html_label(rule)
    return f"∂{titles[id(edge.child)]}/∂{titles[id(edge.parent)]}"


# --------------------------------------------------------------------- paths and captions
def _paths(root: Node, wrt: Node | str, sketch: _Sketch, view: str) -> ChainRule:
    target = find_node(root, wrt)
    if isinstance(root, Tensor):
        raise DrawError(
            "draw: wrt: the chain-rule table multiplies numbers along each path, and a Tensor "
            "edge carries a rule instead; draw without wrt and read "
            f"{_plain_name(target)}.grad after backward()"
        )
    if not any(node is target for node in sketch.nodes):
        raise DrawError(
            f"draw: wrt: {_plain_name(target)} is folded into a labelled node in the "
            f"{view} view; label it (node.named(...)) or use view='ops'"
        )
    return chain_rule(root, target, labelled_only=sketch.labelled_only)


def _path_edges(rule: ChainRule | None) -> set[tuple[int, int]]:
    """(id(child), id(parent)) for every edge on a path of `rule`."""
    if rule is None:
        return set()
    return {(id(f.child), id(f.parent)) for path in rule.paths for f in path.factors}


def _caption(rule: ChainRule, titles: dict[int, str], digits: int) -> str:
    """A table: one row per path (route, factors, product), then the sum and the engine's grad."""
    root, wrt = titles[id(rule.root)], titles[id(rule.wrt)]
    n = len(rule.paths)
    head = f"∂{root}/∂{wrt}: {n} path{'s' if n != 1 else ''} from {root} to {wrt}"
    rows = [
        f'<TR><TD COLSPAN="4" ALIGN="LEFT"><B>{head}</B></TD></TR>',
        "<TR><TD>#</TD><TD>through</TD><TD>factors (local derivatives)</TD><TD>product</TD></TR>",
    ]
    for i, path in enumerate(rule.paths[:_CAPTION_ROWS], 1):
        route = [rule.root] + [f.parent for f in path.factors]
        through = " → ".join(_route_name(node, rule.root, titles) for node in route)
        factors = " · ".join(escape_html(format_number(f.value, digits)) for f in path.factors)
        rows.append(
            f'<TR><TD>{i}</TD><TD ALIGN="LEFT">{through}</TD><TD ALIGN="LEFT">{factors or "1"}'
            f"</TD><TD>{escape_html(format_number(path.product, digits))}</TD></TR>"
        )
    if n > _CAPTION_ROWS:
        rows.append(
            f'<TR><TD COLSPAN="4" ALIGN="LEFT">… and {n - _CAPTION_ROWS} more paths '
            "(all in the sum)</TD></TR>"
        )
    total = escape_html(format_number(rule.total, digits))
    rows.append(f'<TR><TD COLSPAN="3" ALIGN="RIGHT"><B>sum</B></TD><TD><B>{total}</B></TD></TR>')
    grad = rule.wrt.grad
    if math.isclose(rule.total, grad, rel_tol=1e-9, abs_tol=1e-12):
        check = (
            f"{wrt}.grad from backward() is the same: {escape_html(format_number(grad, digits))}"
        )
    else:
        check = (
            f"{wrt}.grad is {escape_html(format_number(grad, digits))}, not the sum: call "
            f"backward() on {root} once (zeroing leaf gradients first) before drawing"
        )
    rows.append(f'<TR><TD COLSPAN="4" ALIGN="RIGHT">{check}</TD></TR>')
    return (
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">{"".join(rows)}</TABLE>'
    )


def _route_name(node: Node, root: Node, titles: dict[int, str]) -> str:
    """A node's name in a caption route; operations named by their symbol get brackets: [×]."""
    if node.label is None and node._parents and node is not root:
        return f"[{titles[id(node)]}]"
    return titles[id(node)]


def _sketch_notes(rule: ChainRule | None, titles: dict[int, str], rules: bool) -> str:
    """The legend's notes for the ops and expressions views: what edges carry, red paths.

    `rules`: the edges carry rules (a `Tensor` graph), not numbers.
    """
    notes = "edge number: local derivative ∂child/∂parent stored by the engine"
    if rules:
        notes = "edge: the rule of the local derivative ∂child/∂parent that backward applies"
    if rule is not None:
        notes += (
            f'<BR ALIGN="LEFT"/><FONT COLOR="{_PATH_COLOR}">red: every path from '
            f"{titles[id(rule.root)]} to {titles[id(rule.wrt)]}</FONT>"
        )
    return notes


def _legend(
    swatches: list[tuple[dict[str, str], str]], notes: str, *, stacked: bool = False
) -> str:
    """Swatches (node style, name) for the node kinds present, then `notes` (HTML): beside
    them, or under them if `stacked` (a narrower legend, for long notes)."""
    cells = "".join(
        f'{_swatch(style)}<TD ALIGN="LEFT">{escape_html(name)}</TD>' for style, name in swatches
    )
    if stacked:
        row = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="5" CELLPADDING="0">'
            f"<TR>{cells}</TR></TABLE>"
        )
        return (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            f'<TR><TD ALIGN="LEFT">{row}</TD></TR>'
            f'<TR><TD ALIGN="LEFT">{notes}<BR ALIGN="LEFT"/></TD></TR></TABLE>'
        )
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="5" CELLPADDING="0"><TR>'
        f'{cells}<TD WIDTH="10"></TD><TD ALIGN="LEFT">{notes}<BR ALIGN="LEFT"/></TD>'
        "</TR></TABLE>"
    )


def _swatch(style: dict[str, str]) -> str:
    """A small fixed-size cell drawn like nodes of `style`: fill, border, corners."""
    cell = '<TD FIXEDSIZE="TRUE" WIDTH="26" HEIGHT="16"'
    if style.get("shape") == "plaintext":  # constants are bare numbers
        return f'{cell}><FONT COLOR="{style["fontcolor"]}">0.5</FONT></TD>'
    flags = style["style"].split(",")
    attrs = ' BORDER="2"' if "bold" in flags else ' BORDER="1"'
    lines = [flag for flag in ("rounded", "dashed") if flag in flags]
    attrs += f' STYLE="{",".join(lines)}"' if lines else ""
    attrs += f' BGCOLOR="{style["fillcolor"]}"' if "fillcolor" in style else ""
    return f'{cell}><TABLE{attrs} CELLBORDER="0"><TR><TD></TD></TR></TABLE></TD>'


# --------------------------------------------------------------------- helpers
def _plain_name(node: Any) -> str:
    label = getattr(node, "label", None)
    return repr(label) if label is not None else f"an unlabelled {node._op or 'leaf'} node"
