"""Graphviz's SVG made into the page's drawing: every node and edge says what it is.

Graphviz writes each drawn node as ``<g class="node">`` titled by its DOT name and each
edge as ``<g class="edge">`` titled ``tail->head``. `annotate` sets, on the SVG itself,
``data-node`` (the node's label) on every node, ``data-from``/``data-to`` (the labels at
both ends) and ``data-edge`` (its place) on every edge, ``data-weight`` on a network edge
that carries a weight, and ``data-grad`` on the text line that shows a gradient; nodes a
click selects become keyboard-focusable buttons. Doing this here rather than in the
browser keeps the page's script small and puts the hooks in the HTML file, where scripts
and tests can read them without running it. The SVG's own ids and size are dropped (the
page has several drawings, and scales them); its comments, with Graphviz's version, are
dropped too, so the same graph gives the same page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from chaingrad.autograd.labels import plain_label

from .drawn import DrawnView
from .limits import ExploreError

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)


@dataclass(frozen=True)
class Annotated:
    """A view's SVG with its hooks set, and its edges (tail, head DOT names) in the order
    of their ``data-edge`` numbers."""

    svg: str
    edges: tuple[tuple[str, str], ...]


def annotate(view: DrawnView) -> Annotated:
    """Set the page's hooks on `view`'s SVG; raises `ExploreError` if the SVG's nodes are
    not the ones `view` expects."""
    root = ET.fromstring(view.svg)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("class", "graph")
    root.set("role", "group")
    root.set("aria-label", f"the {view.name} view of the graph")
    seen: set[str] = set()
    edges: list[tuple[str, str]] = []
    for group in root.iter(f"{{{SVG}}}g"):
        kind = group.get("class")
        group.attrib.pop("id", None)
        title = group.find(f"{{{SVG}}}title")
        if kind == "node" and title is not None:
            seen.add(title.text or "")
            _mark_node(group, title, view)
        elif kind == "edge" and title is not None:
            tail, _, head = (title.text or "").partition("->")
            _mark_edge(group, title, view, tail, head, len(edges))
            edges.append((tail, head))
        elif title is not None:  # the graph's and the layer boxes' own DOT names
            group.remove(title)
    if seen != set(view.shapes):
        raise ExploreError(
            f"explore: the {view.name} drawing's nodes ({len(seen)}) are not the ones the "
            f"explorer expects ({len(view.shapes)}): autograd.drawing names its nodes in a "
            "new way, and nn/app/explorer/drawn.py must follow it"
        )
    return Annotated(ET.tostring(root, encoding="unicode"), tuple(edges))


def _mark_node(group: ET.Element, title: ET.Element, view: DrawnView) -> None:
    shape = view.shapes[title.text or ""]
    group.set("data-node", shape.name)
    group.set("data-key", shape.key)
    title.text = plain_label(shape.name)
    if shape.selects is not None:
        _make_button(group, f"{plain_label(shape.name)}: show its paths")
    texts = group.findall(f"{{{SVG}}}text")
    rows = [i for i, text in enumerate(texts) if (text.text or "").startswith(view.grad_row)]
    if rows and shape.shows is not None:
        texts[rows[0]].set("data-grad", "")
        for more in texts[rows[0] + 1 :]:  # a tensor's gradient spans several lines
            more.set("data-grad-more", "")


def _mark_edge(
    group: ET.Element, title: ET.Element, view: DrawnView, tail: str, head: str, number: int
) -> None:
    if (tail, head) not in view.edges:
        raise ExploreError(
            f"explore: the {view.name} drawing has an edge {tail}->{head} that the graph does "
            "not: autograd.drawing names its nodes in a new way, and "
            "nn/app/explorer/drawn.py must follow it"
        )
    group.set("data-edge", str(number))
    group.set("data-from", view.shapes[tail].name)
    group.set("data-to", view.shapes[head].name)
    ends = f"{plain_label(view.shapes[tail].name)} → {plain_label(view.shapes[head].name)}"
    weight = view.weights.get((tail, head))
    if weight is not None:
        label = weight.label if weight.label is not None else f"weight {number}"
        group.set("data-weight", label)
        _make_button(group, f"the weight {plain_label(label)} ({ends}): show its paths")
        title.text = plain_label(label)
    else:
        title.text = ends


def _make_button(group: ET.Element, label: str) -> None:
    group.set("class", f"{group.get('class')} selectable")
    group.set("tabindex", "0")
    group.set("role", "button")
    group.set("aria-label", label)
