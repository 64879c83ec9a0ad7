"""The network view's data model: a layered network as the documents draw it.

A `NetworkLayout` lists a network's units in columns (inputs, bias nodes, neurons) and its
weighted connections, each pointing at the graph nodes that hold the numbers. It is plain
data with no drawing code, so the models that make one (``nn.scalar.ScalarMLP``, the
document catalog) do not load Graphviz; `autograd.drawing.network` renders it
(``view="network"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Node

UNIT_KINDS = ("input", "bias", "hidden", "output")
"""The kinds of `Unit` a network picture draws."""


@dataclass(frozen=True)
class Unit:
    """One circle of a layered network picture: an input, a bias node or a neuron.

    `name` is in label syntax (``h_1^{(2)}`` is drawn h₁⁽²⁾). `node` is the graph
    node holding the unit's value (an input `Value`, a neuron's output), or None
    for a constant such as a bias node or a plain-number input, shown as `value`.
    `net` is a neuron's net input node: its grad, ∂loss/∂net, is the delta drawn
    on the unit (for a neuron without activation, `net` is `node`). `kind` is
    one of `UNIT_KINDS`.
    """

    name: str
    kind: str
    node: Node | None = None
    net: Node | None = None
    value: float = 1.0


@dataclass(frozen=True)
class Connection:
    """A weighted edge: `weight` multiplies unit `source` into the net input of unit `target`.

    Units are named by position, ``(column, row)`` in `NetworkLayout.columns`.
    """

    source: tuple[int, int]
    target: tuple[int, int]
    weight: Node


@dataclass(frozen=True)
class NetworkLayout:
    """A network as the documents draw it: units in columns, weights on the edges.

    `columns` run from the inputs to the outputs, each listing its units top to
    bottom (bias nodes are units of kind ``"bias"``); `connections` are the
    weighted edges; `titles`, if given, name the columns (one per column). The
    nodes it refers to must belong to the graph drawn: make the layout from the
    forward pass that computed the loss (``nn.scalar.ScalarMLP.network_layout`` does).
    """

    columns: tuple[tuple[Unit, ...], ...]
    connections: tuple[Connection, ...]
    titles: tuple[str, ...] = ()
