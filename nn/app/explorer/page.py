"""One self-contained HTML page per graph: the drawings, the data, the style and the script.

`write_page(subject, path)` records the backward pass, draws every view the graph has,
sets the page's hooks on each SVG and writes one file with everything inline: no request
leaves the page (its Content-Security-Policy forbids any). The script and the style are
the package files ``explorer.js`` and ``explorer.css``. The same graph gives the same page,
byte for byte.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.drawing import DrawError, NetworkLayout
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.graph import Node, topological_order
from chaingrad.autograd.tensor import Tensor

from .drawn import DrawnView, network_view, sketch_view
from .explanations import Explainer
from .limits import MAX_NODES, ExploreError
from .page_data import ViewData, graph_data
from .steps import record_backward
from .svg import annotate
from .tensor_sketch import tensor_expressions_view
from .text import node_html

VIEWS = ("network", "expressions", "ops")
"""The views a page can have, in the order its switch lists them."""
_VIEW_NAMES = {
    "network": "network: units and weights",
    "expressions": "expressions: labelled nodes",
    "ops": "ops: every operation",
}


@dataclass(frozen=True)
class Subject:
    """What one page explores: `root`, a graph after its forward pass (the page runs the
    backward pass), `parameters` (drawn as parameters), the `layout` of its network view
    (if it has one), `formulas` shown under the names in a `Tensor` graph's expressions
    view (a case file's equations, by name), and a line `about` where its numbers come from.
    """

    title: str
    root: Node
    parameters: tuple[Node, ...] = ()
    layout: NetworkLayout | None = None
    formulas: Mapping[str, str] = field(default_factory=dict)
    about: str = ""

    def views(self) -> tuple[str, ...]:
        """The views this graph has: network (with a layout), expressions and ops."""
        return VIEWS if self.layout is not None else VIEWS[1:]

    def default_view(self) -> str:
        """The network view when there is one, else the expressions view."""
        return self.views()[0]


def write_page(subject: Subject, path: str | os.PathLike[str], view: str | None = None) -> Path:
    """Write the explorer page of `subject` to `path`, opening on `view` (default:
    `Subject.default_view`); return the path.

    Raises `ExploreError` (or the drawings' `DrawError`) when the graph is too large for
    a readable page or the view cannot be drawn; another view that cannot be drawn is
    left out, and the page says why.
    """
    path = Path(path)
    write_atomically(path, page_html(subject, view).encode("utf-8"), where="explore")
    return path


def page_html(subject: Subject, view: str | None = None) -> str:
    """The explorer page of `subject` as HTML text (see `write_page`)."""
    first = view or subject.default_view()
    if first not in subject.views():
        raise ExploreError(
            f"explore: {subject.title}: no {first} view; this graph has: "
            + ", ".join(subject.views())
            + (" (the network view needs a built-in case)" if first == "network" else "")
        )
    root = subject.root
    if isinstance(root, Tensor) and (root.data.size != 1 or not root.requires_grad):
        raise ExploreError(
            f"explore: {subject.title}: the page backpropagates from a loss with one entry "
            f"that requires grad, and {root.label or 'its root'} has shape {shape_text(root.shape)}"
            + ("" if root.requires_grad else " and requires no grad")
            + "; sum it, or explore a one-entry loss"
        )
    size = len(topological_order(root))
    if size > MAX_NODES:
        raise ExploreError(
            f"explore: the graph of {subject.title} has {size} nodes, more than "
            f"max_nodes={MAX_NODES} (the drawings' limit); explore a smaller graph"
        )
    record = record_backward(subject.root)
    views = ViewData(record, Explainer(subject.root))
    drawn: dict[str, tuple[str, dict[str, Any]]] = {}
    missing: dict[str, str] = {}
    for name in subject.views():
        try:
            picture = _draw(subject, name)
            marked = annotate(picture)
            drawn[name] = (marked.svg, views.add(picture, marked))
        except (DrawError, ExploreError) as error:
            if name == first:
                raise
            missing[name] = str(error)
    data = graph_data(record)
    data["tables"] = views.tables()
    data["views"] = {name: part for name, (_, part) in drawn.items()}
    data["first"] = first
    data["root"] = node_html(subject.root)
    return _html(subject, drawn, missing, data, len(record.steps))


def _draw(subject: Subject, view: str) -> DrawnView:
    root, parameters = subject.root, subject.parameters
    if view == "network" and subject.layout is not None:
        return network_view(root, subject.layout, parameters)
    if view == "expressions" and isinstance(root, Tensor):
        return tensor_expressions_view(root, parameters, subject.formulas)
    return sketch_view(root, view, parameters)


def _asset(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def _html(
    subject: Subject,
    drawn: dict[str, tuple[str, dict[str, Any]]],
    missing: dict[str, str],
    data: dict[str, Any],
    steps: int,
) -> str:
    e = html.escape
    tabs = []
    for name in VIEWS:
        if name in drawn:
            tabs.append(
                f'<button type="button" role="tab" id="tab-{name}" data-view="{name}" '
                f'aria-selected="false">{e(_VIEW_NAMES[name])}</button>'
            )
        elif name in missing:
            tabs.append(
                f'<button type="button" role="tab" id="tab-{name}" disabled '
                f'title="{e(missing[name])}">{e(_VIEW_NAMES[name])}</button>'
            )
    notes = "".join(
        f'<p class="note">No {e(name)} view: {e(reason)}</p>' for name, reason in missing.items()
    )
    templates = "".join(
        f'<template id="view-{name}">{svg}</template>' for name, (svg, _) in drawn.items()
    )
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/").replace("<!--", "<\\!--")
    about = f'<p class="about">{e(subject.about)}</p>' if subject.about else ""
    return _PAGE.format(
        title=e(subject.title),
        about=about,
        tabs="".join(tabs),
        notes=notes,
        steps=steps,
        css=_asset("explorer.css"),
        templates=templates,
        data=payload,
        js=_asset("explorer.js"),
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{title}: the chain rule, explored</title>
<style>
{css}</style>
</head>
<body data-ready="0" data-step="{steps}" data-steps="{steps}">
<header>
<h1>{title}</h1>
{about}
<p class="help">Click a node (or a weight) to light every path from the loss to it and list
the chain rule along each; click the background or press Esc to clear. Step through the
engine's backward pass with the buttons or the arrow keys.</p>
<div class="tabs" role="tablist" aria-label="views">{tabs}</div>
{notes}
</header>
<main>
<section class="picture" aria-label="the drawing">
<div class="zoom" role="group" aria-label="zoom">
<button type="button" id="zoom-out" aria-label="zoom out">−</button>
<button type="button" id="zoom-fit">fit</button>
<button type="button" id="zoom-in" aria-label="zoom in">+</button>
</div>
<div id="drawing"></div>
<noscript><p class="note">The drawings and the tables need JavaScript.</p></noscript>
</section>
<aside class="panel">
<section aria-labelledby="stepper-title">
<h2 id="stepper-title">Backward, step by step</h2>
<div class="controls">
<button type="button" id="first" aria-label="back to step 0">« first</button>
<button type="button" id="prev">◀ prev</button>
<button type="button" id="play" aria-pressed="false">▶ play</button>
<button type="button" id="next">next ▶</button>
<button type="button" id="last" aria-label="to the last step">last »</button>
</div>
<p id="step-status" aria-live="polite"></p>
<div id="step-detail"></div>
</section>
<section aria-labelledby="paths-title">
<h2 id="paths-title">The chain rule</h2>
<p id="paths-head">Click a node to see every path from the loss to it.</p>
<div class="scroll when-selected"><table id="paths-table">
<thead><tr><th>#</th><th>path</th><th>factors (local derivatives)</th><th>product</th></tr></thead>
<tbody id="paths"></tbody>
</table></div>
<p class="sum when-selected">sum of the paths: <output id="sum"></output></p>
<p id="grad" class="when-selected"></p>
</section>
<details open>
<summary>Gradients so far</summary>
<div class="scroll"><table id="grads-table">
<thead><tr><th>node</th><th>grad</th><th>contributions</th></tr></thead>
<tbody id="grads"></tbody>
</table></div>
</details>
</aside>
</main>
{templates}
<script type="application/json" id="explorer-data">{data}</script>
<script>
{js}</script>
</body>
</html>
"""
