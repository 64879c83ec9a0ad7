"""How nodes and edges are written: a node's name, the data under it, its label, an edge's number.

A `Value` shows its value and grad; a `Tensor` its shape, dtype and entries (or their
range, when there are many). An edge shows the local derivative the engine stored: a
number for a `Value`, a rule for a `Tensor`.
"""

from __future__ import annotations

import functools

import numpy as np

from ..arrays import shape_text
from ..chain import format_number, node_name
from ..graph import Node
from ..labels import escape_html, html_label
from ..tensor import Tensor
from ..tensor_ops import LocalRule
from ..value import Value
from .request import DrawError
from .style import _NOTE_COLOR

_SHOWN_ENTRIES = 6  # a tensor with more entries shows its range, not its values


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


def _title_of(node: Node) -> str:
    """A node's name as HTML: its label with scripts rendered, else a stand-in (`node_name`)."""
    if node.label is not None:
        return html_label(node.label)
    return escape_html(node_name(node))


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
