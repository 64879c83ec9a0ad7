"""Tests for `nn.app.gallery`: the gallery page and `draw_case`."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import graphviz
import pytest
from chaingrad.autograd.chain import explain
from chaingrad.autograd.drawing import DotNotFoundError
from chaingrad.nn.app.gallery import draw_case, drawing_name, write_gallery
from chaingrad.nn.documents.catalog import get_case

SMALL = ["seed000-case1", "seed000-case3"]


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def page_links(page: str) -> set[str]:
    return {html.unescape(m) for m in re.findall(r'(?:src|href)="([^"#]+)"', page)}


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    links = {"seed000-case3": [("verify <report> & more", "reports/case 3.html")]}
    page = write_gallery(out, SMALL, formats=("svg", "png"), links=links, progress=False)
    return out, page, page.read_text(encoding="utf-8")


def test_the_page_shows_every_picture_and_text(gallery):
    out, page, text = gallery
    assert page == out / "index.html"
    files = files_under(out)
    images = [f for f in files if f.endswith((".svg", ".png"))]
    # case 1: network + (network, chain) for w_1; case 3: network + 2 x 2 for two layers
    assert len(images) == 2 * (3 + 5)
    links = page_links(text)
    assert set(files) - {"index.html"} <= links  # every file written is linked from the page
    for image in images:
        data = (out / image).read_bytes()
        assert data.startswith(b"\x89PNG") if image.endswith(".png") else b"<svg" in data
    assert 'src="seed000-case3/chain-w_11_1.svg"' in text  # SVG shown, PNG linked
    for case in map(get_case, SMALL):
        assert f"<h2>{html.escape(case.title)}</h2>" in text
        built = case.build()
        for weight in case.weights:
            explained = html.escape(explain(built.loss, weight))
            assert f"<pre>{explained}</pre>" in text
    assert not [f for f in files if f.endswith((".tmp", ".partial"))]


def test_text_files_hold_the_explanations(gallery):
    out, _, _ = gallery
    text = (out / "seed000-case3" / "chain-w_11_1.txt").read_text(encoding="utf-8")
    assert text.startswith("dJ/dw_{11}^{(1)} = dJ/do_1 · do_1/dh_1 · dh_1/dw_{11}^{(1)}\n")


def test_extra_links_are_listed_and_escaped(gallery):
    _, _, text = gallery
    assert '<a href="reports/case 3.html">verify &lt;report&gt; &amp; more</a>' in text
    assert "<report>" not in text
    assert "<script" not in text  # a static page: no JavaScript
    assert "http" not in text.replace('lang="en"', "")  # no fetches from the network


def test_titles_are_escaped(tmp_path):
    base = get_case("seed000-case1")
    hostile = dataclasses.replace(base, name="hostile", title='<b>"Case" & <i>friends</i></b>')
    page = write_gallery(tmp_path, [hostile], formats=("png",), progress=False)
    text = page.read_text(encoding="utf-8")
    assert "<b>" not in text and "&lt;b&gt;&quot;Case&quot; &amp; &lt;i&gt;" in text
    assert (tmp_path / "hostile" / "network.png").is_file()


def test_without_dot_the_sources_are_written_and_the_page_says_so(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    page = write_gallery(out, ["seed000-case1"], progress=False)
    files = files_under(out)
    assert files == [
        "index.html",
        "seed000-case1/chain-w_1.dot",
        "seed000-case1/chain-w_1.txt",
        "seed000-case1/network-w_1.dot",
        "seed000-case1/network.dot",
    ]
    text = page.read_text(encoding="utf-8")
    assert "<code>dot</code> program was not found" in text
    assert "apt-get install graphviz" in text and "<img" not in text
    assert set(files) - {"index.html"} <= page_links(text)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="formats must be a list from svg, png, pdf"):
        write_gallery(tmp_path, SMALL, formats=("jpg",))
    with pytest.raises(ValueError, match="formats must be a list"):
        write_gallery(tmp_path, SMALL, formats="svg")
    with pytest.raises(KeyError, match="links for cases not drawn: seed002; link keys must be"):
        write_gallery(tmp_path, SMALL, links={"seed002": [("r", "r.html")]})
    with pytest.raises(KeyError, match="no built-in case 'nope'"):
        write_gallery(tmp_path, ["nope"])
    assert list(tmp_path.iterdir()) == []


def test_draw_case_returns_the_drawing_and_writes_only_when_given_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    graph = draw_case("seed001_blog", wrt="w7")
    assert isinstance(graph, graphviz.Digraph) and "w7" in graph.source
    assert "<svg" in graph._repr_image_svg_xml()  # what Jupyter shows
    assert list(tmp_path.iterdir()) == []
    path = tmp_path / f"{drawing_name('seed001-blog', 'network', 'w7')}.svg"
    assert path.name == "seed001-blog-network-w7.svg"
    assert draw_case("seed001-blog", wrt="w7", path=path).source == graph.source
    assert b"<svg" in path.read_bytes()
    path = tmp_path / f"{drawing_name('seed002', 'expressions')}.dot"
    draw_case("seed002", view="expressions", path=path)
    assert path.name == "seed002-expressions.dot"
    assert path.read_text(encoding="utf-8").startswith("digraph chaingrad {")
    path = tmp_path / f"{drawing_name('seed000-case3', 'network', 'w_{11}^{(1)}')}.dot"
    draw_case(get_case("seed000-case3"), wrt="w_{11}^{(1)}", path=path)
    assert path.name == "seed000-case3-network-w_11_1.dot" and "penwidth=2.5" in path.read_text()
    with pytest.raises(ValueError, match="unknown view 'graph'"):
        draw_case("seed002", view="graph")
    with pytest.raises(ValueError, match=r"cannot tell the format from 'g\.jpg'"):
        draw_case("seed002", path=tmp_path / "g.jpg")


def test_draw_case_offers_the_nearest_label_for_an_unknown_wrt():
    with pytest.raises(KeyError) as caught:
        draw_case("seed001-blog", wrt="xl")
    message = str(caught.value)
    assert message.startswith("draw_case: seed001-blog has no node labelled 'xl'; ")
    assert "did you mean 'x1'? its labels, nearest first: x1, " in message


def test_draw_case_without_dot_keeps_the_source(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(DotNotFoundError) as caught:
        draw_case("seed000-case1", path=tmp_path / "out" / "seed000-case1-network.png")
    assert caught.value.source_path == tmp_path / "out" / "seed000-case1-network.dot"
    assert caught.value.source_path.is_file()
