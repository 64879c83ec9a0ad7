"""The ops and expressions views: which nodes and edges they draw, and drawing them.

The ops view draws every operation. The expressions view folds unlabelled intermediates
into the labelled node that consumes them (its formula shows them), and its edges carry
the derivative of one drawn node with respect to the next, the product of the local
derivatives along the folded operations. With `wrt`, every path from the root to it is lit
and captioned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import graphviz

from .. import ops
from ..chain import ChainRule, chain_rule, contracted_edges, find_node
from ..graph import Node, topological_order
from ..labels import html_label
from ..tensor import Tensor
from ..tensor_ops import LocalRule
from .captions import _add_footer, _caption, _legend
from .formulas import _formulas
from .node_text import _constant_title, _edge_text, _names, _node_label
from .request import DrawError, _plain_name, _Request
from .style import (
    _DIM_EDGE,
    _KIND_NAMES,
    _KIND_STYLES,
    _LIT_EDGE,
    _LIT_NODE,
    _NOTE_COLOR,
    _PATH_COLOR,
    _new_graph,
)

# What to try when the ops view has too many nodes or edges (`limit`), for Value (False) and
# Tensor (True) graphs.
_SMALLER_HINT = {
    False: "Try view='expressions' after labelling the nodes you care about "
    "(value.named('h1')), or raise {limit}.",
    True: "Draw a smaller piece (one layer, or the loss of a single small batch: the node "
    "count grows with the operations, not with the array sizes), or raise {limit}.",
}


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


def _draw_sketch(
    view_fn: Callable[[Node, int, int], _Sketch], root: Node, request: _Request
) -> graphviz.Digraph:
    """Render a view that draws graph nodes and edges (``ops``, ``expressions``)."""
    digits = request.digits
    sketch = view_fn(root, request.max_nodes, digits)
    _check_edges(root, sketch, request.max_edges)
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


def _ops_view(root: Node, max_nodes: int, digits: int) -> _Sketch:
    """Every node of the graph; each edge is one operand of one operation."""
    nodes = sorted(topological_order(root), key=_creation_order)
    if len(nodes) > max_nodes:
        raise DrawError(
            f"draw: the graph of {_plain_name(root)} has {len(nodes)} nodes, more than "
            f"max_nodes={max_nodes}. "
            + _SMALLER_HINT[isinstance(root, Tensor)].format(limit="max_nodes")
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


def _check_edges(root: Node, sketch: _Sketch, max_edges: int) -> None:
    """Raise `DrawError` if the view has more edges than `max_edges` (Graphviz's time grows
    with them, and quickly with how many ranks each one crosses)."""
    if len(sketch.edges) <= max_edges:
        return
    if sketch.labelled_only:
        raise DrawError(
            f"draw: the expressions view of {_plain_name(root)} has {len(sketch.edges)} edges "
            f"between its {len(sketch.nodes)} labelled nodes and leaves, more than "
            f"max_edges={max_edges}. Label fewer nodes, draw a smaller part of the graph, or "
            "raise max_edges."
        )
    raise DrawError(
        f"draw: the graph of {_plain_name(root)} has {len(sketch.edges)} edges, more than "
        f"max_edges={max_edges}. "
        + _SMALLER_HINT[isinstance(root, Tensor)].format(limit="max_edges")
    )


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


def _kinds(root: Node, nodes: list[Node], parameter_ids: set[int]) -> dict[int, str]:
    """Each node's kind, a key of `_KIND_STYLES`: how it is drawn and named in the legend."""
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


def _paths(root: Node, wrt: Node | str, sketch: _Sketch, view: str) -> ChainRule:
    """The paths from `root` to `wrt` along the sketch's edges; `wrt` must be drawn."""
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


def _edge_note(edge: _Edge, titles: dict[int, str]) -> str:
    """The rule of a single operation's edge (from the op registry), else the symbol
    d(child)/d(parent)."""
    operation = ops.of_node(edge.child) if edge.operand is not None else None
    if operation is not None:
        return html_label(operation.rule(edge.operand, edge.child._op))
    return f"∂{titles[id(edge.child)]}/∂{titles[id(edge.parent)]}"


def _op_symbol(op: str) -> str:
    """How the ops view names operation `op`: its registered symbol (``**2`` is x^{2})."""
    operation = ops.of_op(op)
    return op if operation is None else operation.symbol_for(op)


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
