"""What `draw` hands a view: the checked request, and the error raised when it cannot be drawn.

`_Request` carries `draw`'s checked arguments to the view's renderer; `DrawError` is raised
by `draw` and by the views for anything that cannot be drawn as asked, and `_plain_name`
names a node in its messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..graph import Node
from .layout import NetworkLayout


class DrawError(ValueError):
    """A drawing that cannot be made as asked (unknown view, too many nodes, bad argument)."""


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
    max_edges: int


def _plain_name(node: Any) -> str:
    """A node as an error message names it: its label quoted, else its operation."""
    label = getattr(node, "label", None)
    return repr(label) if label is not None else f"an unlabelled {node._op or 'leaf'} node"
