"""How the explorer writes nodes and numbers: the names and numbers `explain` writes.

Numbers are shown to `DIGITS` significant digits by `autograd.chain.format_number`, as
`explain` shows them, and also kept exactly (`exact`) for scripts that check the page.
A gradient array is summarised: its entries when there are few, else their range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chaingrad.autograd import ops
from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.chain import format_number
from chaingrad.autograd.graph import Node
from chaingrad.autograd.labels import html_label

DIGITS = 4
"""Significant digits shown, as `explain` shows them by default."""
SHOWN_ENTRIES = 6
"""An array with more entries is summarised by its range, as the drawings do."""


def node_html(node: Node) -> str:
    """A node's name as HTML: its label with scripts rendered (w₁₁⁽²⁾); an unlabelled
    operation as its symbol in brackets ([×]), a constant as its value."""
    label = getattr(node, "label", None)
    if label is not None:
        return html_label(label)
    if node._op == "const":
        return html_label(value_text(node.data))
    if not node._op:
        return "[leaf]"
    operation = ops.of_node(node)
    return f"[{html_label(node._op if operation is None else operation.symbol_for(node._op))}]"


def number_text(x: float) -> str:
    """`x` as `explain` writes it."""
    return format_number(x, DIGITS)


def value_text(x: Any) -> str:
    """A float as `number_text`; an array as its entries, or its shape and range when it
    has more than `SHOWN_ENTRIES`; None (no gradient yet) as a dash."""
    if x is None:
        return "—"
    if not isinstance(x, np.ndarray):
        return number_text(float(x))
    if x.size > SHOWN_ENTRIES:
        low, high = number_text(float(x.min())), number_text(float(x.max()))
        return f"{shape_text(x.shape)}: {x.size} entries in [{low}, {high}]"
    if x.ndim == 0:
        return number_text(float(x))
    entries = ", ".join(number_text(float(v)) for v in x.ravel())
    return f"{shape_text(x.shape)}: [{entries}]"


def exact(x: Any) -> Any:
    """`x` for JSON, exactly: a float (JSON keeps its shortest round-trip digits), an array
    as nested lists of floats, None as None."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    return None if x is None else float(x)
