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
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import graphviz

from ..chain import check_digits, is_whole_number
from ..files import write_atomically
from ..graph import Node
from ..tensor import Tensor
from ..value import Value
from .layout import NetworkLayout
from .network import _draw_network
from .node_text import _data_rows
from .request import DrawError, _Request
from .sketch import _draw_sketch, _expressions_view, _ops_view

__all__ = [
    "DEFAULT_MAX_EDGES",
    "DEFAULT_MAX_NODES",
    "DOT_TIMEOUT",
    "SAVE_FORMATS",
    "DotNotFoundError",
    "DotTimeoutError",
    "DrawError",
    "draw",
    "save",
]

DEFAULT_MAX_NODES = 500
DEFAULT_MAX_EDGES = 200
"""The most edges `draw` lays out. Graphviz's time grows with the edges and how many ranks
each one crosses: about 200 edges take dot 0.1 s in a layered network or a network view, 5 s
when every node uses all the earlier ones, and minutes in a long chain where every step also
uses one input (`save`'s timeout stops those). The documents' drawings have at most 107."""
DOT_TIMEOUT = 20.0
"""Seconds `save` lets Graphviz's ``dot`` lay out a drawing; the documents' drawings take at
most 0.13 s."""
SAVE_FORMATS = ("svg", "png", "pdf", "dot")
_RANKDIRS = ("LR", "RL", "TB", "BT")
# Each view's renderer, by name; `draw` checks the request, then hands it over.
_VIEWS: dict[str, Callable[[Node, _Request], graphviz.Digraph]] = {
    "ops": functools.partial(_draw_sketch, _ops_view),
    "expressions": functools.partial(_draw_sketch, _expressions_view),
    "network": _draw_network,
}


class DotNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing; the DOT source was saved to `source_path`."""

    def __init__(self, message: str, source_path: Path) -> None:
        super().__init__(message)
        self.source_path = source_path


class DotTimeoutError(DrawError):
    """Graphviz's ``dot`` took longer than `save`'s timeout: it was stopped, nothing written."""


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
    max_edges: int = DEFAULT_MAX_EDGES,
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
    - `max_nodes`, `max_edges`: refuse (`DrawError`) graphs with more nodes or edges
      than this in the chosen view (a network: units and connections) rather than
      drawing them unreadably, or waiting minutes for Graphviz to lay them out.

    Raises `DrawError` (a ValueError) for bad arguments and oversized graphs, and
    `autograd.chain.ChainRuleError` when `wrt` is not in the graph.
    """
    render = _VIEWS.get(view) if isinstance(view, str) else None
    if render is None:
        raise DrawError(f"draw: unknown view {view!r}; choose one of: {', '.join(_VIEWS)}")
    if rankdir not in _RANKDIRS:
        raise DrawError(f"draw: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    check_digits(digits, "draw", DrawError)
    for name, limit in (("max_nodes", max_nodes), ("max_edges", max_edges)):
        if not is_whole_number(limit) or limit < 1:
            raise DrawError(f"draw: {name} must be a positive whole number, got {limit!r}")
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
        wrt, view, layout, rankdir, parameters, show_rules, legend, digits, max_nodes, max_edges
    )
    return render(root, request)


def save(
    graph: graphviz.Digraph, path: str | os.PathLike[str], *, timeout: float = DOT_TIMEOUT
) -> Path:
    """Write `graph` to `path` in the format its suffix names (.svg .png .pdf .dot); return it.

    The file appears complete or not at all (written under a temporary name,
    then renamed); missing folders are created. If the Graphviz ``dot``
    program is not installed, the DOT source is written next to `path` (same
    name, ``.dot`` suffix) and `DotNotFoundError` says where and how to install it.
    If ``dot`` takes more than `timeout` seconds (`DOT_TIMEOUT`, 20), it is stopped,
    nothing is written and `DotTimeoutError` (a `DrawError`) says what to do.
    A path that cannot be written (a folder, no permission) raises `SaveError`, an OSError.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in SAVE_FORMATS:
        raise DrawError(
            f"save: cannot tell the format from {path.name!r}; end the name with one of: "
            + ", ".join(f".{f}" for f in SAVE_FORMATS)
        )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise DrawError(f"save: timeout must be a positive number of seconds, got {timeout!r}")
    source = graph.source.encode("utf-8")
    if fmt == "dot":
        write_atomically(path, source, where="save")
        return path
    try:
        data = _run_dot(source, graph.engine, fmt, timeout)
    except FileNotFoundError:
        source_path = path.with_suffix(".dot")
        write_atomically(source_path, source, where="save")
        raise DotNotFoundError(
            f"save: cannot write {path}: the Graphviz 'dot' program is not installed or not "
            f"on PATH. Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: "
            f"brew install graphviz; others: https://graphviz.org/download/). The DOT source "
            f"was saved to {source_path}; once Graphviz is installed, render it with: "
            f"dot -T{fmt} {source_path} -o {path}",
            source_path,
        ) from None
    except subprocess.TimeoutExpired:
        raise DotTimeoutError(
            f"save: Graphviz's dot did not lay out {path.name} ({source.count(b' -> ')} edges) "
            f"within timeout={timeout:g} s, so it was stopped and nothing was written. Draw less "
            "(view='expressions' with fewer labelled nodes, a smaller part of the graph, or a "
            "lower max_edges to be refused at once), pass save() a longer timeout, or write the "
            "DOT source (a .dot file; chaingrad draw --format dot) and run dot on it yourself"
        ) from None
    write_atomically(path, data, where="save")
    return path


def _run_dot(source: bytes, engine: str, fmt: str, timeout: float) -> bytes:
    """`source` laid out by Graphviz's `engine` (``dot``) and rendered as `fmt`, as
    ``graph.pipe`` does, but stopped after `timeout` seconds (`subprocess.TimeoutExpired`);
    FileNotFoundError when ``dot`` is not installed."""
    command = ["dot", f"-K{engine}", f"-T{fmt}"]
    done = subprocess.run(command, input=source, capture_output=True, timeout=timeout)
    if done.returncode != 0:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split())
        raise DrawError(f"save: Graphviz's dot failed (exit status {done.returncode}): {reason}")
    return done.stdout
