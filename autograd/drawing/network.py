"""The network view: a `NetworkLayout` drawn as the documents' figures draw a network.

Units stand in layer columns (inputs, bias nodes, neurons, in the layout's order), each
neuron showing its value a and its delta δ = ∂loss/∂net; weights sit on the edges, and
the loss, when it is not a unit itself, gets a node of its own. The data model is in
`layout`, free of Graphviz.
"""

from __future__ import annotations

import itertools
import math

import graphviz

from ..chain import ChainRule, chain_rule, find_node, format_number
from ..graph import Node, topological_order
from ..labels import escape_html, html_label
from ..value import Value
from .captions import _add_footer, _caption, _legend, _route_titles
from .layout import UNIT_KINDS, Connection, NetworkLayout, Unit
from .node_text import _title_of
from .request import DrawError, _plain_name, _Request
from .style import (
    _CLUSTER_STYLE,
    _DIM_EDGE,
    _KIND_NAMES,
    _KIND_STYLES,
    _LIT_EDGE,
    _LIT_NODE,
    _NOTE_COLOR,
    _PATH_COLOR,
    _UNIT_NAMES,
    _UNIT_STYLES,
    _new_graph,
)


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
    _check_layout(root, layout, request.max_nodes, request.max_edges)
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


def _check_layout(root: Node, layout: NetworkLayout, max_nodes: int, max_edges: int) -> None:
    """Raise `DrawError` unless `layout` is well formed, made of `root`'s graph and within
    the limits (units, connections)."""
    if not isinstance(layout, NetworkLayout):
        raise DrawError(f"draw: layout must be a NetworkLayout, got {type(layout).__name__}")
    units = [unit for column in layout.columns for unit in column]
    if len(units) > max_nodes:
        raise DrawError(
            f"draw: the network has {len(units)} units, more than max_nodes={max_nodes}; "
            "draw a smaller network or raise max_nodes"
        )
    if len(layout.connections) > max_edges:
        raise DrawError(
            f"draw: the network has {len(layout.connections)} connections, more than "
            f"max_edges={max_edges}; draw a smaller network or raise max_edges"
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
