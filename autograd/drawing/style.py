"""The house style of the drawings: fonts, colours, and how each kind of node is drawn.

Node kinds are drawn by shape and border as well as colour, so that they stay apart in
grey. `_new_graph` starts every drawing with the fonts and spacing set.
"""

from __future__ import annotations

import graphviz

_FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"  # a list: SVG viewers pick what they have
_PATH_COLOR = "#c0392b"
_DIM_COLOR = "#a6a6a6"  # edges off the highlighted paths
_DIM_TEXT = "#808080"  # their numbers, still readable
_NOTE_COLOR = "#555555"
_LIT_NODE = {"color": _PATH_COLOR, "penwidth": "2.5"}
_LIT_EDGE = {"color": _PATH_COLOR, "fontcolor": _PATH_COLOR, "penwidth": "2.5"}
_DIM_EDGE = {"color": _DIM_COLOR, "fontcolor": _DIM_TEXT}


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


# The network view's units, by kind (`UNIT_KINDS`). Widths are minimums (inches), so that
# most units of a kind are drawn the same size.
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


def _new_graph(rankdir: str) -> graphviz.Digraph:
    """An empty drawing with the house style: fonts, spacing, direction."""
    return graphviz.Digraph(
        "chaingrad",
        graph_attr={"rankdir": rankdir, "fontname": _FONT, "nodesep": "0.3", "ranksep": "0.45"},
        node_attr={"shape": "box", "fontname": _FONT, "fontsize": "11", "margin": "0.08,0.04"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "arrowsize": "0.7"},
    )
