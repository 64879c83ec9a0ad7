"""Tests for `autograd.draw` (graphviz pictures of the chain rule) and `autograd.labels`.

Golden files: tests/golden/*.dot hold the exact DOT text of a few drawings; a test
fails on any byte of difference. After an intended change to the drawings, look
at the new pictures, then regenerate the files with

    CHAINGRAD_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_draw.py -q

(the golden tests are then reported as skipped, naming each file written) and
review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import errno
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from chaingrad.autograd import Value, ops
from chaingrad.autograd.chain import ChainRuleError, chain_rule
from chaingrad.autograd.drawing import DotNotFoundError, DrawError, draw, save
from chaingrad.autograd.files import SaveError
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.labels import escape_html, html_label
from chaingrad.autograd.value import dot_values, sum_values
from test_chain import blog_network  # seed 001's network, shared with the chain tests

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("CHAINGRAD_REGEN_GOLDEN") == "1"


def check_golden(name: str, source: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(source.encode("utf-8"))
        pytest.skip(f"regenerated {path}")
    assert path.exists(), f"{path} is missing; regenerate with CHAINGRAD_REGEN_GOLDEN=1"
    assert source == path.read_bytes().decode("utf-8")


def small_graph():
    """One tanh neuron and a squared error: L = (tanh(w_1·x_1 + b) - 0.5)²."""
    x = Value(0.5, label="x_1")
    w = Value(-1.5, label="w_1")
    b = Value(0.25, label="b")
    n = (w * x + b).named("n")
    o = n.tanh().named("o")
    loss = ((o - 0.5) ** 2).named("L")
    loss.backward()
    return loss, [w, b]


def blog_parameters(p):
    return [v for k, v in p.items() if k[0] in "wb"]


def svg_texts(graph) -> list[str]:
    """The text elements of the graph rendered by `dot` as SVG (fails if dot rejects it)."""
    root = ET.fromstring(graph.pipe(format="svg"))
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def node_lines(source: str) -> dict[str, str]:
    """DOT node statements by node name (n1, n2, ...), in order."""
    found = (re.match(r"\t(n\d+) \[", line) for line in source.splitlines())
    return {m.group(1): m.string for m in found if m}


def lit_edges(source: str) -> int:
    return sum(1 for line in source.splitlines() if "->" in line and "penwidth=2.5" in line)


# --------------------------------------------------------------------- golden files
def test_golden_small_ops_view():
    loss, _ = small_graph()
    check_golden("small_ops.dot", draw(loss).source)


def test_golden_small_ops_view_with_rules_and_wrt():
    loss, params = small_graph()
    graph = draw(loss, parameters=params, show_rules=True, wrt="w_1")
    check_golden("small_ops_rules_wrt.dot", graph.source)


def test_golden_small_expressions_view():
    loss, params = small_graph()
    graph = draw(loss, view="expressions", parameters=params, show_rules=True)
    check_golden("small_expressions.dot", graph.source)


def test_golden_blog_network_paths_to_w1():
    E, p = blog_network()
    graph = draw(E, view="expressions", parameters=blog_parameters(p), wrt="w1")
    check_golden("blog_expressions_w1.dot", graph.source)


def test_golden_files_are_valid_dot():
    loss, params = small_graph()
    texts = svg_texts(draw(loss, view="expressions", parameters=params, wrt="b"))
    assert "∂L/∂b: 1 path from L to b" in texts


# --------------------------------------------------------------------- determinism
def test_same_program_gives_byte_identical_dot_whatever_ran_before():
    E, _ = blog_network()
    first = draw(E, wrt="w7").source
    [Value(float(i)) for i in range(1000)]  # shift the process-wide node ids
    second = draw(blog_network()[0], wrt="w7").source
    assert first == second
    # DOT names are positions in the drawing (creation order), whatever the ids
    assert list(node_lines(first)) == [f"n{i}" for i in range(1, len(topological_order(E)) + 1)]


# --------------------------------------------------------------------- content
def test_edges_carry_the_engine_local_derivatives():
    a = Value(3.0, label="a")
    y = (a * a).named("y")
    y.backward()
    ops = draw(y).source
    assert ops.count("n1 -> n2") == 2  # one edge per operand, both d(a·a)/da = a = 3
    assert ops.count("label=<3>") == 2
    expressions = draw(y, view="expressions").source
    assert expressions.count("n1 -> n2") == 1
    assert "label=<6>" in expressions  # the folded edge: dy/da = 2a


def test_expressions_view_writes_each_neuron_as_the_documents_do():
    E, p = blog_network()
    source = draw(E, view="expressions", parameters=blog_parameters(p)).source
    assert "= b1 + w1·x1 + w4·x2" in source
    assert "= relu(netₙ₃)" in source
    assert "= 0.5·(y − outₙ₉)²" in source
    assert "netₙ₉" in source and "[+#" not in source
    # into net_n3..5: 2 weights, 2 inputs, a bias; net_n6..8: 3 + 3 + 1; net_n9: 7;
    # one edge into each out_n from its net, and y and out_n9 into E
    assert source.count(" -> ") == 3 * 5 + 3 * 7 + 7 + 7 + 2


def test_formulas_keep_operator_precedence_and_cut_long_sums():
    a, b, c = (Value(v, label=k) for k, v in (("a", 2.0), ("b", 3.0), ("c", 5.0)))
    y = (a - (b - c)).named("y")
    z = ((a * b) ** 2 / (b + c)).named("z")
    u = (-(a + b) * c.exp()).named("u")
    v = (a * -b - -0.5 * c).named("v")
    many = sum_values([Value(1.0, label=f"x{i}") for i in range(40)]).named("s")
    source = draw(y + z + u + v + many, view="expressions").source
    assert "= a − (b − c)" in source
    assert "= (a·b)² / (b + c)" in source
    assert "= −(a + b)·exp(c)" in source
    assert "= a·(−b) − (-0.5·c)" in source
    assert "= x0 + x1 + " in source and "x39" not in source.split("= x0")[1].split("<")[0]
    assert "…" in source


def test_kinds_are_drawn_differently_and_the_legend_names_them():
    loss, params = small_graph()
    source = draw(loss, parameters=params).source
    fills = {
        line.split()[0]: line.split("fillcolor=")[1].split()[0].strip('"]')
        for line in source.splitlines()
        if "fillcolor=" in line
    }
    assert fills["n2"] == fills["n3"] != fills["n1"]  # w_1 and b parameters, x_1 an input
    nodes = node_lines(source)
    assert [n for n, line in nodes.items() if "peripheries=2" in line] == ["n9"]  # the loss
    for name in ("loss (root)", "parameter", "input", "intermediate", "constant"):
        assert f">{name}<" in source
    assert "edge number" not in draw(loss, legend=False).source


def test_labels_use_sub_and_superscripts():
    w = Value(0.4, label="w_{11}^{(2)}")
    h = Value(0.6, label="h_1^{(1)}")
    y = (w * h).named("y_{pred}")
    texts = " ".join(svg_texts(draw(y, view="expressions", show_rules=True)))
    assert "w₁₁⁽²⁾" in texts and "h₁⁽¹⁾" in texts
    assert "pred" in texts and "y_{pred}" not in texts  # <SUB> markup, rendered by dot


# --------------------------------------------------------------------- wrt and the caption
@pytest.mark.parametrize("view", ["ops", "expressions"])
def test_caption_sum_is_the_gradient_for_every_weight(view):
    E, p = blog_network()
    for name, leaf in p.items():
        rule = chain_rule(E, name, labelled_only=view == "expressions")
        source = draw(E, view=view, wrt=name).source
        assert rule.total == pytest.approx(leaf.grad, rel=1e-12, abs=1e-15)
        assert f"<B>sum</B></TD><TD><B>{leaf.grad:.4g}</B>" in source
        assert f"{name}.grad from backward() is the same: {leaf.grad:.4g}" in source


def test_highlight_covers_exactly_the_edges_on_the_paths():
    E, _ = blog_network()
    w1 = draw(E, view="expressions", wrt="w1").source
    # E-out9, out9-net9, net9-out6/7/8, out6/7/8-net6/7/8, net6/7/8-out3, out3-net3, net3-w1
    assert lit_edges(w1) == 13
    assert "<TD>3</TD>" in w1 and "<TD>4</TD>" not in w1  # one caption row per path
    assert "0.7935 · 0.1579 · 0.7 · 1 · 0.7 · 1 · 0.23" in w1
    w7 = draw(E, view="expressions", wrt="w7").source
    assert lit_edges(w7) == 5
    assert "E → outₙ₉ → netₙ₉ → outₙ₆ → netₙ₆ → w7" in w7
    # every operation on the way: E, x², −, out9, net9 and its two inner +, ·w16, out6,
    # net6 and its two inner +, ·w7
    ops = draw(E, wrt="w7").source
    assert lit_edges(ops) == 13
    # the route names every node, one arrow per factor; unlabelled ops by [symbol]
    assert "E → [x²] → [−] → outₙ₉ → netₙ₉ → [+] → [+] → [×] → outₙ₆ → netₙ₆" in ops


def test_caption_warns_when_grad_does_not_match():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = (a * b).named("y")
    source = draw(y, wrt="a").source  # no backward(): a.grad is 0
    assert "a.grad is 0, not the sum" in source


def test_caption_lists_at_most_twelve_paths():
    x = Value(0.5, label="x")
    a, b = x.tanh().named("a0"), x.sigmoid().named("b0")
    for i in range(1, 5):  # each layer doubles the paths: 2 ** 5 into y
        a, b = (a + b).named(f"a{i}"), (a * b).named(f"b{i}")
    y = (a + b).named("y")
    y.backward()
    source = draw(y, view="expressions", wrt="x").source
    assert "∂y/∂x: 32 paths from y to x" in source
    assert "<TD>12</TD>" in source and "<TD>13</TD>" not in source
    assert "… and 20 more paths (all in the sum)" in source
    assert f"<B>{x.grad:.4g}</B>" in source and "is the same" in source


def test_wrt_errors():
    E, _ = blog_network()
    with pytest.raises(ChainRuleError, match="no node labelled 'w99'"):
        draw(E, wrt="w99")
    hidden = next(n for n in topological_order(E) if n.label is None and n._op == "*")
    with pytest.raises(DrawError, match=r"folded into a labelled node.*view='ops'"):
        draw(E, view="expressions", wrt=hidden)
    assert lit_edges(draw(E, wrt=hidden).source) > 0


# --------------------------------------------------------------------- rules
def test_every_operation_has_a_rule():
    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    terms = [a + b, a - b, a * b, a / b, a**b, -a, a.exp(), a.log(), a.tanh(), a.sigmoid()]
    terms += [a.relu(), a**2, a**-1, a**0.5, sum_values([a, b]), 2 - a, 2 / a]
    terms.append(dot_values([a], [b], bias=b))
    root = sum_values(terms)
    for node in topological_order(root):
        if node._parents:
            assert ops.of_node(node) is not None, node._op

    def rule(op, operand):
        return ops.of_op(op).rule(operand, op)

    assert html_label(rule("**2", 0)) == "∂(a²)/∂a = 2·a"
    assert html_label(rule("**-1", 0)) == "∂(a⁻¹)/∂a = -1·a⁻²"
    assert html_label(rule("**1", 0)) == "∂(a¹)/∂a = 1"
    assert html_label(rule("**0.5", 0)) == "∂(a<SUP>0.5</SUP>)/∂a = 0.5·a<SUP>-0.5</SUP>"
    assert rule("-", 1) == "∂(a−b)/∂b = −1"
    assert rule("sigmoid", 0) == "∂σ(z)/∂z = σ(1−σ)"
    source = draw(a.relu().named("r"), show_rules=True).source
    assert "∂relu(z)/∂z = 1 if z &gt; 0 else 0" in source


# --------------------------------------------------------------------- escaping
HOSTILE = [
    'say "hi"',
    "<b>bold</b>",
    "a & b",
    "back\\slash\\",
    "{braces}",
    "x_{",
    "}",
    "tab\tnew\nline",
    "nul\x00",
    "it's",
    "]]>",
]


def test_hostile_labels_are_escaped_and_rendered_literally():
    leaves = [Value(float(i), label=text) for i, text in enumerate(HOSTILE)]
    root = sum_values(leaves).named('<loss & "co">')
    root.backward()
    for view in ("ops", "expressions"):
        graph = draw(root, view=view, wrt="<b>bold</b>", parameters=["a & b"], show_rules=True)
        assert "<b>bold</b>" not in graph.source
        texts = " ".join(svg_texts(graph))  # dot accepts the source
        for text in [*HOSTILE[:7], "tab\\tnew\\nline", "nul\\x00", "it's", "]]>"]:
            assert text in texts, text
        assert '<loss & "co">' in texts


def test_escape_html():
    assert escape_html("<a href='x'>&</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;"
    assert escape_html("\x07\ud800\ufffe") == "\\x07\\ud800\\ufffe"


# --------------------------------------------------------------------- label rendering
@pytest.mark.parametrize(
    ("label", "html"),
    [
        ("w_{11}^{(2)}", "w₁₁⁽²⁾"),
        ("x_1", "x₁"),
        ("h_0^{(1)}", "h₀⁽¹⁾"),
        ("w_{ij}^{(1)}", "wᵢⱼ⁽¹⁾"),
        ("net_n3", "netₙ₃"),
        ("x^2", "x²"),
        ("e^{-x}", "e⁻ˣ"),
        ("y_{pred}", "y<SUB>pred</SUB>"),
        ("W^T", "W<SUP>T</SUP>"),
        ("a^{0.5}", "a<SUP>0.5</SUP>"),
        ("E_total", "E_total"),
        ("y_hat", "y_hat"),
        ("x_12a", "x_12a"),
        ("x_{", "x_{"),
        ("x_{}", "x_{}"),
        ("a_{<b>}", "a<SUB>&lt;b&gt;</SUB>"),
        ("w7", "w7"),
    ],
)
def test_html_label(label, html):
    assert html_label(label) == html


# --------------------------------------------------------------------- views and limits
def test_unknown_view_lists_the_valid_ones():
    loss, _ = small_graph()
    with pytest.raises(DrawError, match="unknown view 'graph'; choose one of: ops, expressions, n"):
        draw(loss, view="graph")


def test_bad_arguments():
    loss, _ = small_graph()
    with pytest.raises(DrawError, match="rankdir"):
        draw(loss, rankdir="XY")
    with pytest.raises(DrawError, match="digits"):
        draw(loss, digits=0)
    with pytest.raises(DrawError, match="max_nodes"):
        draw(loss, max_nodes=0)
    for digits in (True, 2.5, "4"):  # a bool is an int to Python, but no count of digits
        with pytest.raises(DrawError, match="draw: digits must be a whole number from 1 to 17"):
            draw(loss, digits=digits)
    with pytest.raises(DrawError, match="draw: max_nodes must be a positive whole number"):
        draw(loss, max_nodes=True)
    with pytest.raises(DrawError, match=r"unknown view \['ops'\]; choose one of: ops"):
        draw(loss, view=["ops"])
    with pytest.raises(
        DrawError, match=r"a single str; for one parameter write parameters=\['w'\]"
    ):
        draw(loss, parameters="w")  # not read letter by letter
    with pytest.raises(DrawError, match=r"a single Value; .*parameters=\[node\]"):
        draw(loss, parameters=Value(1.0, label="w"))
    with pytest.raises(DrawError, match=r"parameters: expected nodes or their labels \(str\), got"):
        draw(loss, parameters=[3])
    with pytest.raises(DrawError, match="cannot draw a float"):
        draw(1.5)
    with pytest.raises(DrawError, match="no node labelled 'nope'"):
        draw(loss, parameters=["nope"])
    with pytest.raises(DrawError, match="'n' is computed by '\\+'"):
        draw(loss, parameters=["n"])
    stranger = Value(1.0, label="w_1")  # not in this graph: ignored
    assert draw(loss, parameters=[stranger]).source == draw(loss).source
    assert "rankdir=TB" in draw(loss, rankdir="TB", digits=2).source


def test_large_graphs_are_refused_with_a_hint():
    x = Value(0.1, label="x")
    y = x
    for i in range(600):
        y = y.tanh()
        if i % 100 == 0:
            y.named(f"t{i}")
    with pytest.raises(DrawError, match=r"601 nodes, more than max_nodes=500.*view='expressions'"):
        draw(y)
    with pytest.raises(DrawError, match=r"600 edges, more than max_edges=200.*raise max_edges"):
        draw(y, max_nodes=601)
    assert draw(y, max_nodes=601, max_edges=600).source.count(" -> ") == 600
    assert draw(y, view="expressions").source.count(" -> ") == 7
    with pytest.raises(DrawError, match=r"8 labelled nodes and leaves.*label fewer"):
        draw(y, view="expressions", max_nodes=7)


# --------------------------------------------------------------------- saving
def test_save_writes_every_format(tmp_path):
    loss, params = small_graph()
    graph = draw(loss, parameters=params, wrt="w_1")
    assert save(graph, tmp_path / "g.dot").read_text(encoding="utf-8") == graph.source
    assert b"<svg" in save(graph, tmp_path / "g.svg").read_bytes()
    assert save(graph, tmp_path / "deeper" / "g.PNG").read_bytes().startswith(b"\x89PNG")
    assert save(graph, str(tmp_path / "g.pdf")).read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "g.PNG",
        "g.dot",
        "g.pdf",
        "g.svg",
    ]
    with pytest.raises(DrawError, match=r"end the name with one of: \.svg, \.png, \.pdf, \.dot"):
        save(graph, tmp_path / "g.jpg")


def test_missing_dot_binary_names_the_fix_and_keeps_the_source(tmp_path, monkeypatch):
    loss, _ = small_graph()
    graph = draw(loss)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = tmp_path / "out" / "loss.png"
    with pytest.raises(DotNotFoundError) as caught:
        save(graph, target)
    message = str(caught.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    source_path = tmp_path / "out" / "loss.dot"
    assert caught.value.source_path == source_path and str(source_path) in message
    assert source_path.read_text(encoding="utf-8") == graph.source
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["loss.dot"]


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    loss, _ = small_graph()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save(draw(loss), tmp_path / "g.svg")
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_cannot_be_written_is_named_not_the_temporary_file(tmp_path):
    graph = draw(small_graph()[0])
    (tmp_path / "g.svg").mkdir()
    (tmp_path / "afile").write_text("")
    for target, reason, error_number in (
        (tmp_path / "g.svg", "it is a folder; pass the path of a file to write", errno.EISDIR),
        (
            tmp_path / "afile" / "g.dot",
            f"{tmp_path / 'afile'} is a file, not a folder; choose another folder",
            errno.ENOTDIR,
        ),
    ):
        with pytest.raises(SaveError) as caught:
            save(graph, target)
        assert str(caught.value) == f"save: cannot write {target}: {reason}"
        assert isinstance(caught.value, OSError) and caught.value.errno == error_number
        assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "g.svg"]


def test_negative_zero_and_digits():
    a = Value(-0.0, label="a")
    y = (a * 2.0).named("y")
    y.backward()
    source = draw(y, digits=2).source
    assert "value -0" not in source and "value 0<" in source
    assert "grad 2<" in draw(y).source
