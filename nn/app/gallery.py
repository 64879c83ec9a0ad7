"""The gallery: every built-in document case drawn, with the chain rule written out beside it.

``write_gallery("out")`` renders, for each case of `nn.documents.catalog`, its network view (the
documents' figure with activations and deltas) and, for each weight the case explains (at
least one per layer), the network view with that weight's paths lit and the expressions
view with the chain-rule table; it writes the `autograd.explain` text next to each, and
``out/index.html``, one self-contained page showing every picture beside its text::

    out/index.html
    out/seed000-case3/network.svg         network.png   network.dot
    out/seed000-case3/network-w_11_1.svg  chain-w_11_1.svg  chain-w_11_1.txt  ...

Every DOT source is written too, so a machine without Graphviz's ``dot`` still gets the
sources and a page that says how to render them. `draw_case` draws one case and returns the
drawing (``chaingrad draw`` passes a path to save it at). Files appear whole or not at all
(written under a temporary name, then renamed).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import graphviz
from chaingrad.autograd.chain import explain
from chaingrad.autograd.drawing import SAVE_FORMATS, DotNotFoundError, draw, save
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.graph import topological_order
from tqdm import tqdm

from ..checks import UnknownNameError, unknown_name_hint
from ..documents.catalog import CASES, BuiltCase, Case, get_case

IMAGE_FORMATS = ("svg", "png")
"""Formats a web page can show; the page shows the first one of these that was rendered."""
VIEWS = ("network", "expressions", "ops")
"""The views `draw_case` can draw."""


@dataclass
class _Picture:
    """One drawing on the page: its files' path without suffix (relative to the page) and
    the image formats rendered."""

    stem: str
    formats: list[str] = field(default_factory=list)


@dataclass
class _Figure:
    """Pictures shown together, and the text beside them (and its file, if written)."""

    title: str
    text: str
    pictures: list[_Picture]
    text_file: str | None = None


@dataclass
class _Section:
    case: Case
    figures: list[_Figure]
    links: Sequence[tuple[str, str]]


def write_gallery(
    out_dir: str | os.PathLike[str],
    cases: Iterable[Case | str] | None = None,
    formats: Sequence[str] = ("svg", "png"),
    links: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    *,
    progress: bool | None = None,
) -> Path:
    """Draw every case into `out_dir` and write the gallery page; return the page's path.

    - `cases`: cases or their names (default: every built-in case, `nn.documents.catalog.CASES`).
    - `formats`: image formats to render (from ``svg png pdf``); DOT sources are always
      written. The page shows SVG if rendered, else PNG, and links every file.
    - `links`: extra links to list under a case, by case name: ``{"seed002":
      [("verify report", "reports/seed002.html")]}`` (hrefs are used as given).
    - `progress`: show a progress bar (default: only when writing to a terminal).

    If Graphviz's ``dot`` program is missing, no image is rendered, the DOT sources are
    still written and the page says so and how to render them.
    """
    out = Path(out_dir)
    formats = _image_formats(formats)
    chosen = [get_case(c) if isinstance(c, str) else c for c in (cases or CASES.values())]
    links = dict(links or {})
    unknown = sorted(set(links) - {c.name for c in chosen})
    if unknown:
        raise UnknownNameError(
            f"write_gallery: links for cases not drawn: {', '.join(unknown)}; link keys must "
            f"be names of the cases drawn: {', '.join(c.name for c in chosen)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    renderer = _Renderer(formats)
    bar = tqdm(
        chosen, desc="gallery", unit="case", disable=None if progress is None else not progress
    )
    for case in bar:
        built = case.build()
        overview = renderer.render(_network(built), out, f"{case.name}/network")
        text = f"{case.numbers}.\n\n{built.loss.label} = {built.loss.data:.6g}"
        figures = [_Figure("The network", text, [overview])]
        for weight, slug in zip(case.weights, _slugs(case.weights)):
            chain = draw(built.loss, view="expressions", wrt=weight, parameters=built.parameters)
            pictures = [
                renderer.render(_network(built, weight), out, f"{case.name}/network-{slug}"),
                renderer.render(chain, out, f"{case.name}/chain-{slug}"),
            ]
            text = explain(built.loss, weight)
            text_file = f"{case.name}/chain-{slug}.txt"
            write_atomically(out / text_file, (text + "\n").encode("utf-8"))
            figures.append(_Figure(f"The chain rule for {weight}", text, pictures, text_file))
        sections.append(_Section(case, figures, links.get(case.name, ())))
    page = out / "index.html"
    write_atomically(page, _page(sections, renderer.missing_dot).encode("utf-8"))
    return page


def draw_case(
    case: Case | str,
    *,
    view: str = "network",
    wrt: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> graphviz.Digraph:
    """Draw one built-in case and return the drawing (a Graphviz `Digraph`: Jupyter shows
    it); with `path`, also save it there (``chaingrad draw <case>``).

    `case` is a `Case` or its name (``seed001-blog`` or ``seed001_blog``); `view` is
    ``network``, ``expressions`` or ``ops``; `wrt` a label to light the paths to (default:
    none). `path` ends in ``.svg``, ``.png``, ``.pdf`` or ``.dot`` (see `autograd.save`;
    `drawing_name` is the name ``chaingrad draw`` gives it). Raises
    `autograd.drawing.DotNotFoundError` (with the DOT source saved) when ``dot`` is missing,
    and `UnknownNameError` (a KeyError) for an unknown case or `wrt` label, offering the
    nearest names.
    """
    if view not in VIEWS:
        raise ValueError(f"draw_case: unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    case = get_case(case) if isinstance(case, str) else case
    built = case.build()
    if wrt is not None:
        labels = [node.label for node in topological_order(built.loss) if node.label]
        if wrt not in labels:
            hint = unknown_name_hint(wrt, reversed(labels), "its labels")
            raise UnknownNameError(f"draw_case: {case.name} has no node labelled {wrt!r}; {hint}")
    if view == "network":
        graph = _network(built, wrt)
    else:
        graph = draw(built.loss, view=view, wrt=wrt, parameters=built.parameters)
    if path is not None:
        save(graph, path)
    return graph


def drawing_name(case: str, view: str, wrt: str | None = None) -> str:
    """The file name (without suffix) of a case's drawing: ``<case>-<view>[-<wrt>]``, the
    label made file-name safe (``seed000-case3-network-w_11_1``)."""
    return f"{case}-{view}" + (f"-{_slugs([wrt])[0]}" if wrt is not None else "")


def _network(built: BuiltCase, wrt: str | None = None) -> graphviz.Digraph:
    return draw(
        built.loss, view="network", layout=built.layout, wrt=wrt, parameters=built.parameters
    )


class _Renderer:
    """Saves each drawing as DOT and in the image formats, until ``dot`` turns out missing."""

    def __init__(self, formats: Sequence[str]) -> None:
        self.formats = formats
        self.missing_dot = False

    def render(self, graph: graphviz.Digraph, out: Path, stem: str) -> _Picture:
        """Save `graph` as ``out/stem.dot`` and ``out/stem.<format>`` for each format."""
        picture = _Picture(stem)
        save(graph, out / f"{stem}.dot")
        for fmt in self.formats:
            if self.missing_dot:
                break
            try:
                save(graph, out / f"{stem}.{fmt}")
            except DotNotFoundError:
                self.missing_dot = True
            else:
                picture.formats.append(fmt)
        return picture


def _image_formats(formats: Sequence[str]) -> list[str]:
    rendered = [f for f in SAVE_FORMATS if f != "dot"]
    bad = [f for f in formats if f not in rendered]
    if bad or isinstance(formats, str):
        raise ValueError(
            f"write_gallery: formats must be a list from {', '.join(rendered)}, got {formats!r}"
        )
    return list(dict.fromkeys(formats))


def _slugs(labels: Sequence[str]) -> list[str]:
    """File-name-safe, distinct (also ignoring case) names for labels: w_{11}^{(1)} -> w_11_1."""
    slugs: list[str] = []
    for label in labels:
        base = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_") or "node"
        slug, n = base, 1
        while slug.lower() in (s.lower() for s in slugs):
            n += 1
            slug = f"{base}-{n}"
        slugs.append(slug)
    return slugs


# ----------------------------------------------------------------------------- the page
_STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em; color: #222;
       max-width: 110em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 2.5em;
     border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 0 0 0.4em 0; }
nav li { margin: 0.15em 0; }
.meta { color: #555; }
.warning { background: #fdecea; border: 1px solid #c0392b; padding: 0.8em; }
figure { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin: 1.5em 0; }
figure .picture { flex: 3 1 44em; min-width: 20em; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { flex: 1 1 24em; min-width: 18em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em;
      white-space: pre-wrap; }
.files a { margin-right: 0.6em; }
"""


def _page(sections: list[_Section], missing_dot: bool) -> str:
    """The gallery page: an index of the cases, then each case's figures and texts."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>chaingrad: the chain rule in the documents' networks</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>The chain rule in the documents' networks</h1>",
        "<p>Each case is a network from a seed document, drawn by <code>chaingrad</code> from "
        "the graph the engine built: units with their values <i>a</i> and deltas "
        "<i>δ</i> = ∂loss/∂net, weights on the edges. For chosen weights, every path from "
        "the loss to the weight is lit, and the table under the picture multiplies the local "
        "derivatives stored on the edges along each path; their sum is the gradient. The "
        "text beside each picture is <code>autograd.explain</code>.</p>",
    ]
    if missing_dot:
        parts.append(
            '<p class="warning">Graphviz\'s <code>dot</code> program was not found, so no '
            "image was rendered. The DOT sources are linked below; install Graphviz "
            "(Debian/Ubuntu: <code>sudo apt-get install graphviz</code>; macOS: <code>brew "
            "install graphviz</code>) and run again, or render one with <code>dot -Tsvg "
            "network.dot -o network.svg</code>.</p>"
        )
    parts.append("<nav><ul>")
    parts += [f'<li><a href="#{e(s.case.name)}">{e(s.case.title)}</a></li>' for s in sections]
    parts.append("</ul></nav>")
    for section in sections:
        case = section.case
        parts += [
            f'<section id="{e(case.name)}">',
            f"<h2>{e(case.title)}</h2>",
            f'<p class="meta">Case <code>{e(case.name)}</code> · document '
            f"<code>{e(case.source)}</code></p>",
        ]
        if section.links:
            items = "".join(
                f'<li><a href="{e(href)}">{e(text)}</a></li>' for text, href in section.links
            )
            parts.append(f'<ul class="links">{items}</ul>')
        parts += [_figure_html(figure) for figure in section.figures]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _figure_html(figure: _Figure) -> str:
    """A figure: its pictures (each linking its files) beside its heading and text."""
    e = html.escape
    pictures = []
    for picture in figure.pictures:
        shown = next((f for f in IMAGE_FORMATS if f in picture.formats), None)
        if shown is not None:
            src = _href(f"{picture.stem}.{shown}")
            image = f'<a href="{src}"><img src="{src}" alt="{e(figure.title)}"></a>'
        else:
            image = f"<p>(not rendered: see the DOT source {e(picture.stem)}.dot)</p>"
        files = "".join(
            f'<a href="{_href(f"{picture.stem}.{fmt}")}">{fmt.upper()}</a>'
            for fmt in [*picture.formats, "dot"]
        )
        pictures.append(f'{image}<p class="files">{files}</p>')
    text_link = ""
    if figure.text_file is not None:
        text_link = f'<p class="files"><a href="{_href(figure.text_file)}">text</a></p>'
    return (
        f'<figure><div class="picture">{"".join(pictures)}</div><figcaption>'
        f"<h3>{e(figure.title)}</h3><pre>{e(figure.text)}</pre>{text_link}</figcaption></figure>"
    )


def _href(path: str) -> str:
    """A relative link to `path` (URL-quoted, then HTML-escaped)."""
    return html.escape(quote(path))
