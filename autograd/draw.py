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
edge carries the derivative of one labelled node with respect to the next.

Output is deterministic: DOT node names come from each node's position in
creation order within the drawing, not from process-wide ids, so the same
program always gives byte-identical DOT.
"""

from __future__ import annotations

import functools
import math
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from .chain import ChainRule, chain_rule, contracted_edges, find_node
from .graph import Node, topological_order
from .labels import escape_html, html_label
from .value import Value

DEFAULT_MAX_NODES = 500
SAVE_FORMATS = ("svg", "png", "pdf", "dot")
_RANKDIRS = ("LR", "RL", "TB", "BT")
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
    derivative: float
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
    - `view`: ``"ops"`` (every operation) or ``"expressions"`` (unlabelled
      intermediates folded into the labelled node that uses them).
    - `rankdir`: graphviz layout direction, ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``.
    - `parameters`: nodes or labels drawn as parameters; other leaves are drawn
      as inputs (nodes not in this graph are ignored, unknown labels are errors).
    - `show_rules`: add the rule under each edge's number (``∂(a·b)/∂a = b``);
      an edge that folds several operations gets its symbol (``∂E/∂out``) instead.
    - `legend`: add a legend under the picture; `digits`: significant digits shown.
    - `max_nodes`: refuse (`DrawError`) graphs with more nodes than this in the
      chosen view rather than drawing them unreadably.

    Raises `DrawError` (a ValueError) for bad arguments and oversized graphs, and
    `autograd.chain.ChainRuleError` when `wrt` is not in the graph.
    """
    view_fn = _VIEWS.get(view)
    if view_fn is None:
        raise DrawError(f"draw: unknown view {view!r}; choose one of: {', '.join(_VIEWS)}")
    if rankdir not in _RANKDIRS:
        raise DrawError(f"draw: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if not isinstance(digits, int) or not 1 <= digits <= 17:
        raise DrawError(f"draw: digits must be a whole number from 1 to 17, got {digits!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise DrawError(f"draw: max_nodes must be a positive whole number, got {max_nodes!r}")
    _data_rows(root, digits)  # unsupported node types fail here, before any walk
    sketch = view_fn(root, max_nodes, digits)
    names = {id(node): f"n{i}" for i, node in enumerate(sketch.nodes, 1)}
    titles, notes = _titles(root, sketch, digits)
    kinds = _kinds(root, sketch.nodes, _parameter_ids(root, parameters))
    rule = None if wrt is None else _paths(root, wrt, sketch, view)
    on_path = _path_edges(rule)

    graph = graphviz.Digraph(
        "chaingrad",
        graph_attr={"rankdir": rankdir, "fontname": _FONT, "nodesep": "0.3", "ranksep": "0.45"},
        node_attr={"shape": "box", "fontname": _FONT, "fontsize": "11", "margin": "0.08,0.04"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "arrowsize": "0.7"},
    )
    lit_nodes = {node_id for edge in on_path for node_id in edge}
    if rule is not None:
        lit_nodes.add(id(rule.wrt))  # even when it is the root (a path with no edges)
    for node in sketch.nodes:
        attrs = dict(_KIND_STYLES[kinds[id(node)]])
        if id(node) in lit_nodes:
            attrs.update(color=_PATH_COLOR, penwidth="2.5")
        label = _node_label(node, titles[id(node)], notes.get(id(node)), digits)
        graph.node(names[id(node)], label=f"<{label}>", **attrs)
    for edge in sketch.edges:
        text = escape_html(_number(edge.derivative, digits))
        if show_rules:
            note = _edge_note(edge, titles)
            text += f'<BR/><FONT POINT-SIZE="9" COLOR="{_NOTE_COLOR}">{note}</FONT>'
        attrs = {}
        if rule is not None and (id(edge.child), id(edge.parent)) in on_path:
            attrs = {"color": _PATH_COLOR, "fontcolor": _PATH_COLOR, "penwidth": "2.5"}
        elif rule is not None:
            attrs = {"color": _DIM_COLOR, "fontcolor": _DIM_TEXT}
        graph.edge(names[id(edge.parent)], names[id(edge.child)], label=f"<{text}>", **attrs)

    footer = []
    if rule is not None:
        footer.append(_caption(rule, titles, digits))
    if legend:
        present = [kind for kind in _KIND_STYLES if kind in kinds.values()]
        footer.append(_legend(present, rule, titles))
    if footer:
        rows = "".join(f'<TR><TD ALIGN="LEFT">{part}</TD></TR>' for part in footer)
        graph.attr(
            label=f'<<TABLE BORDER="0" CELLSPACING="6">{rows}</TABLE>>',
            labelloc="b",
            labeljust="l",
        )
    return graph


def save(graph: graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write `graph` to `path` in the format its suffix names (.svg .png .pdf .dot); return it.

    The file appears complete or not at all (written under a temporary name,
    then renamed); missing folders are created. If the Graphviz ``dot``
    program is not installed, the DOT source is written next to `path` (same
    name, ``.dot`` suffix) and `DotNotFoundError` says where and how to install it.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in SAVE_FORMATS:
        raise DrawError(
            f"save: cannot tell the format from {path.name!r}; end the name with one of: "
            + ", ".join(f".{f}" for f in SAVE_FORMATS)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        _write_atomically(path, graph.source.encode("utf-8"))
        return path
    try:
        data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        source_path = path.with_suffix(".dot")
        _write_atomically(source_path, graph.source.encode("utf-8"))
        raise DotNotFoundError(
            f"save: cannot write {path}: the Graphviz 'dot' program is not installed or not "
            f"on PATH. Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: "
            f"brew install graphviz; others: https://graphviz.org/download/). The DOT source "
            f"was saved to {source_path}; once Graphviz is installed, render it with: "
            f"dot -T{fmt} {source_path} -o {path}",
            source_path,
        ) from None
    _write_atomically(path, data)
    return path


# --------------------------------------------------------------------- views
def _ops_view(root: Node, max_nodes: int, digits: int) -> _Sketch:
    """Every node of the graph; each edge is one operand of one operation."""
    nodes = sorted(topological_order(root), key=_creation_order)
    if len(nodes) > max_nodes:
        raise DrawError(
            f"draw: the graph of {_plain_name(root)} has {len(nodes)} nodes, more than "
            f"max_nodes={max_nodes}. Try view='expressions' after labelling the nodes you "
            "care about (value.named('h1')), or raise max_nodes."
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


_VIEWS: dict[str, Callable[[Node, int, int], _Sketch]] = {
    "ops": _ops_view,
    "expressions": _expressions_view,
}


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
        f"value {escape_html(_number(node.data, digits))}",
        f'<FONT COLOR="{_NOTE_COLOR}">grad {escape_html(_number(node.grad, digits))}</FONT>',
    ]


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
            titles[id(node)] = escape_html(_number(node.data, digits))
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
    """The ids of the leaves of `root`'s graph named by `parameters` (nodes or labels)."""
    if parameters is None:
        return set()
    order = topological_order(root)
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
            applied = _apply(node._op, [terms[id(p)] for p in node._parents])
            if id(node) not in names:  # folded into the drawn node that uses it
                terms[id(node)] = applied if applied.length <= _FORMULA_CHARS else _ELLIPSIS
                continue
            formulas[id(node)] = f"= {applied.html}"
        shown = node.label if node.label is not None else names[id(node)]
        terms[id(node)] = _Term(names[id(node)], len(shown), 5)
    return formulas


def _constant_term(x: float, digits: int) -> _Term:
    text = _number(x, digits)
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
        return _join(_listed(args, " + ", 1), 1)
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
        factors = " · ".join(escape_html(_number(f.value, digits)) for f in path.factors)
        rows.append(
            f'<TR><TD>{i}</TD><TD ALIGN="LEFT">{through}</TD><TD ALIGN="LEFT">{factors or "1"}'
            f"</TD><TD>{escape_html(_number(path.product, digits))}</TD></TR>"
        )
    if n > _CAPTION_ROWS:
        rows.append(
            f'<TR><TD COLSPAN="4" ALIGN="LEFT">… and {n - _CAPTION_ROWS} more paths '
            "(all in the sum)</TD></TR>"
        )
    total = escape_html(_number(rule.total, digits))
    rows.append(f'<TR><TD COLSPAN="3" ALIGN="RIGHT"><B>sum</B></TD><TD><B>{total}</B></TD></TR>')
    grad = rule.wrt.grad
    if math.isclose(rule.total, grad, rel_tol=1e-9, abs_tol=1e-12):
        check = f"{wrt}.grad from backward() is the same: {escape_html(_number(grad, digits))}"
    else:
        check = (
            f"{wrt}.grad is {escape_html(_number(grad, digits))}, not the sum: call "
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


def _legend(kinds: list[str], rule: ChainRule | None, titles: dict[int, str]) -> str:
    """Swatches for the node kinds present, then what edge numbers and red paths mean."""
    cells = "".join(
        f'{_swatch(kind)}<TD ALIGN="LEFT">{escape_html(_KIND_NAMES[kind])}</TD>' for kind in kinds
    )
    notes = "edge number: local derivative ∂child/∂parent stored by the engine"
    if rule is not None:
        notes += (
            f'<BR ALIGN="LEFT"/><FONT COLOR="{_PATH_COLOR}">red: every path from '
            f"{titles[id(rule.root)]} to {titles[id(rule.wrt)]}</FONT>"
        )
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="5" CELLPADDING="0"><TR>'
        f'{cells}<TD WIDTH="10"></TD><TD ALIGN="LEFT">{notes}<BR ALIGN="LEFT"/></TD>'
        "</TR></TABLE>"
    )


def _swatch(kind: str) -> str:
    """A small fixed-size cell drawn like the nodes of `kind`: fill, border, corners."""
    style = _KIND_STYLES[kind]
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
def _number(x: float, digits: int) -> str:
    """`x` to `digits` significant digits, never "-0"."""
    return f"{x if x else 0.0:.{digits}g}"


def _plain_name(node: Any) -> str:
    label = getattr(node, "label", None)
    return repr(label) if label is not None else f"an unlabelled {node._op or 'leaf'} node"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file next to `path`, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide permissions, as for any new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
