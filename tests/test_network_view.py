"""Tests for the network view of `autograd.draw` and `nn.scalar.ScalarMLP.network_layout`.

Golden files (tests/golden/network_*.dot) hold the exact DOT of seed 000's Case 3; after an
intended change, look at the pictures, then regenerate with

    CHAINGRAD_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_network_view.py -q
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from chaingrad.autograd.chain import chain_rule
from chaingrad.autograd.drawing import Connection, DrawError, NetworkLayout, Unit, draw
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value, dot_values
from chaingrad.nn.documents.seed001 import seed001_network
from chaingrad.nn.losses import half_squared_error
from chaingrad.nn.scalar import ScalarMLP

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("CHAINGRAD_REGEN_GOLDEN") == "1"
SVG = "{http://www.w3.org/2000/svg}"

# Seed 000, Case 3, with the numbers of nn/documents/seed000_case3.toml.
CASE3 = {
    "w_{01}^{(1)}": 0.35, "w_{11}^{(1)}": 0.15, "w_{21}^{(1)}": 0.20,
    "w_{02}^{(1)}": 0.35, "w_{12}^{(1)}": 0.25, "w_{22}^{(1)}": 0.30,
    "w_{01}^{(2)}": 0.60, "w_{11}^{(2)}": 0.40, "w_{21}^{(2)}": 0.45,
}  # fmt: skip


def check_golden(name: str, source: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_bytes(source.encode("utf-8"))
        pytest.skip(f"regenerated {path}")
    assert path.exists(), f"{path} is missing; regenerate with CHAINGRAD_REGEN_GOLDEN=1"
    assert source == path.read_bytes().decode("utf-8")


def network(sizes, numbers=None, names="indexed", hidden="sigmoid", output="sigmoid", seed=0):
    """A forward and backward pass: (loss, net, inputs, outputs)."""
    net = ScalarMLP(sizes, hidden=hidden, output=output, names=names, seed=seed)
    if numbers:
        net.set_parameters(numbers)
    x = [Value(0.05 * i, f"x_{i}") for i in range(1, sizes[0] + 1)]
    outputs = net(x)
    targets = [Value(0.01 + 0.98 * (k % 2), f"t_{k}") for k in range(1, sizes[-1] + 1)]
    loss = half_squared_error(outputs, targets).named("J")
    loss.backward()
    return loss, net, x, outputs


def blog():
    net, inputs, target = seed001_network()
    x = [Value(v, k) for k, v in inputs.items()]
    outputs = net(x)
    y = [Value(v, k) for k, v in target.items()]
    loss = half_squared_error(outputs, y).named("E_total")
    loss.backward()
    return loss, net, net.network_layout(x, outputs, bias_node="last")


def names_by_column(layout: NetworkLayout) -> list[list[str]]:
    return [[unit.name for unit in column] for column in layout.columns]


def lit_edges(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if "->" in line and "penwidth=2.5" in line]


def unit_centres(graph) -> dict[str, tuple[float, float]]:
    """Each unit's centre in the SVG that dot draws (y grows downwards)."""
    root = ET.fromstring(graph.pipe(format="svg"))
    centres = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        ellipse = group.find(f"{SVG}ellipse")
        if title is not None and ellipse is not None and re.fullmatch(r"u\d+_\d+", title.text):
            centres[title.text] = (float(ellipse.get("cx")), float(ellipse.get("cy")))
    return centres


# --------------------------------------------------------------------- golden files
def test_golden_seed000_case3_network():
    loss, net, x, outputs = network((2, 2, 1), CASE3)
    graph = draw(loss, view="network", layout=net.network_layout(x, outputs))
    check_golden("network_case3.dot", graph.source)


def test_golden_seed000_case3_network_paths_and_rules():
    loss, net, x, outputs = network((2, 2, 1), CASE3)
    layout = net.network_layout(x, outputs)
    graph = draw(loss, view="network", layout=layout, wrt="w_{11}^{(1)}", show_rules=True)
    check_golden("network_case3_w11_rules.dot", graph.source)


# --------------------------------------------------------------------- layouts
def test_layout_columns_follow_seed000_notation():
    _, net, x, outputs = network((2, 2, 1), CASE3)
    layout = net.network_layout(x, outputs)
    assert names_by_column(layout) == [["x_0", "x_1", "x_2"], ["h_0", "h_1", "h_2"], ["o_1"]]
    assert [[u.kind for u in column] for column in layout.columns] == [
        ["bias", "input", "input"],
        ["bias", "hidden", "hidden"],
        ["output"],
    ]
    assert layout.titles == ("inputs", "hidden layer", "outputs")
    edges = {(c.weight.label, c.source, c.target) for c in layout.connections}
    assert edges == {
        ("w_{01}^{(1)}", (0, 0), (1, 1)),
        ("w_{11}^{(1)}", (0, 1), (1, 1)),
        ("w_{21}^{(1)}", (0, 2), (1, 1)),
        ("w_{02}^{(1)}", (0, 0), (1, 2)),
        ("w_{12}^{(1)}", (0, 1), (1, 2)),
        ("w_{22}^{(1)}", (0, 2), (1, 2)),
        ("w_{01}^{(2)}", (1, 0), (2, 0)),
        ("w_{11}^{(2)}", (1, 1), (2, 0)),
        ("w_{21}^{(2)}", (1, 2), (2, 0)),
    }
    # the units hold the forward pass's own nodes: outputs and their net inputs
    o = layout.columns[2][0]
    assert o.node is outputs[0] and o.net is outputs[0].parents[0] and o.net.op == "dot"
    assert layout.columns[0][1].node is x[0] and layout.columns[0][0].node is None


def test_layout_names_bias_nodes_per_hidden_layer_and_can_put_them_last():
    _, net, x, outputs = network((2, 2, 2, 1), seed=5)
    first = net.network_layout(x, outputs)
    assert [column[0].name for column in first.columns] == ["x_0", "h_0^{(1)}", "h_0^{(2)}", "o_1"]
    assert first.titles == ("inputs", "hidden layer 1", "hidden layer 2", "outputs")
    last = net.network_layout(x, outputs, bias_node="last")
    assert names_by_column(last)[1] == ["h_1^{(1)}", "h_2^{(1)}", "h_0^{(1)}"]
    bias_edges = [c for c in last.connections if c.weight.label.startswith("w_{0")]
    assert {c.source for c in bias_edges} == {(0, 2), (1, 2), (2, 2)}
    with pytest.raises(ValueError, match="bias_node must be 'first' or 'last'"):
        net.network_layout(x, outputs, bias_node="middle")


def test_layout_of_the_blog_network_and_plain_number_inputs():
    _, _, layout = blog()
    assert names_by_column(layout) == [
        ["x1", "x2", "1"],
        ["out_n3", "out_n4", "out_n5", "1"],
        ["out_n6", "out_n7", "out_n8", "1"],
        ["out_n9"],
    ]
    into_n6 = sorted(c.weight.label for c in layout.connections if c.target == (2, 0))
    assert into_n6 == ["b4", "w10", "w13", "w7"]
    net = ScalarMLP([2, 1], names="indexed", bias=False)
    outputs = net([0.5, 0.25])  # data as plain numbers: units without nodes
    layout = net.network_layout([0.5, 0.25], outputs)
    assert [(u.name, u.node, u.value) for u in layout.columns[0]] == [
        ("x_1", None, 0.5),
        ("x_2", None, 0.25),
    ]
    assert len(layout.connections) == 2


def test_layout_refuses_outputs_of_another_forward_pass():
    _, net, x, outputs = network((2, 2, 1), CASE3)
    other = ScalarMLP((2, 2, 1), names="indexed", seed=9)
    with pytest.raises(ValueError, match="output 1 of layer 2 was not computed by this network"):
        other.network_layout(x, outputs)
    with pytest.raises(ValueError, match="layer 1 did not read the inputs given"):
        net.network_layout([Value(0.05, "x_1"), Value(0.1, "x_2")], outputs)
    with pytest.raises(ValueError, match="got 2 inputs and 2 outputs"):
        net.network_layout(x, [outputs[0], outputs[0]])


# --------------------------------------------------------------------- drawing
def test_rows_keep_the_layout_order_top_to_bottom():
    for rankdir, axis in (("LR", 1), ("TB", 0)):
        loss, _, layout = blog()
        centres = unit_centres(draw(loss, view="network", layout=layout, rankdir=rankdir))
        for c, column in enumerate(layout.columns):
            across = [centres[f"u{c}_{r}"][axis] for r in range(len(column))]
            assert across == sorted(across), (rankdir, c, across)
        along = [centres[f"u{c}_0"][1 - axis] for c in range(len(layout.columns))]
        assert along == sorted(along)  # columns from the inputs to the outputs


def test_units_show_activations_and_deltas():
    loss, net, x, outputs = network((2, 2, 2), seed=3)
    layout = net.network_layout(x, outputs)
    source = draw(loss, view="network", layout=layout).source
    for column in layout.columns[1:]:
        for unit in column:
            if unit.kind != "bias":
                assert f"a {unit.node.data:.4g}<" in source
                assert f"δ {unit.net.grad:.4g}<" in source
    for k, o in enumerate(outputs, 1):
        assert f"∂J/∂o{'₁₂'[k - 1]} = {o.grad:.4g}" in source
    for link in layout.connections:
        assert f"{link.weight.data:.4g}" in source
    assert "the deltas are read from the gradients" not in source


def test_caption_sum_is_the_gradient_for_every_parameter():
    loss, net, layout = blog()
    for param in net.parameters():
        source = draw(loss, view="network", layout=layout, wrt=param.label).source
        rule = chain_rule(loss, param)
        assert rule.total == pytest.approx(param.grad, rel=1e-12, abs=1e-15)
        assert f"<B>sum</B></TD><TD><B>{param.grad:.4g}</B>" in source
        assert f"{param.label}.grad from backward() is the same: {param.grad:.4g}" in source


def test_wrt_lights_every_path_and_nothing_else():
    loss, net, x, outputs = network((2, 2, 2), seed=3)
    layout = net.network_layout(x, outputs)
    lit = lit_edges(draw(loss, view="network", layout=layout, wrt="w_{11}^{(1)}").source)
    # two paths J -> o_k -> h_1 -> w_{11}^{(1)}: the weight's own edge x_1 -> h_1, h_1 -> o_1,
    # h_1 -> o_2, and both outputs into J
    assert sorted(line.split(" [")[0] for line in lit) == [
        "u0_1 -> u1_1",
        "u1_1 -> u2_0",
        "u1_1 -> u2_1",
        "u2_0 -> loss",
        "u2_1 -> loss",
    ]
    lit = lit_edges(draw(loss, view="network", layout=layout, wrt="w_{02}^{(2)}").source)
    assert sorted(line.split(" [")[0] for line in lit) == ["u1_0 -> u2_1", "u2_1 -> loss"]
    # the blog's w1: three paths, through n6, n7 and n8
    loss, _, layout = blog()
    source = draw(loss, view="network", layout=layout, wrt="w1").source
    assert len(lit_edges(source)) == 1 + 3 + 3 + 1
    assert "3 paths from E_total to w1" in source


def test_a_regularized_weight_has_a_path_outside_the_network():
    loss, net, x, outputs = network((2, 2, 1), CASE3)
    w = net.parameter("w_{11}^{(1)}")
    total = (loss + 0.05 * w**2).named("L")
    net.zero_grad()  # leaf gradients accumulate: J's backward ran already
    total.backward()
    layout = net.network_layout(x, outputs)
    source = draw(total, view="network", layout=layout, wrt=w).source
    assert "2 paths from L to w₁₁⁽¹⁾" in source
    assert f"<B>{w.grad:.4g}</B>" in source and "is the same" in source


def test_show_rules_adds_the_local_derivative_of_each_weight():
    loss, net, x, outputs = network((2, 2, 1), CASE3)
    layout = net.network_layout(x, outputs)
    plain = draw(loss, view="network", layout=layout).source
    assert "∂net/∂" not in plain
    source = draw(loss, view="network", layout=layout, show_rules=True).source
    assert "∂net/∂w₁₁⁽¹⁾ = 0.05<" in source  # the input x_1 it multiplies
    assert "∂net/∂w₀₁⁽¹⁾ = 1<" in source  # the bias node x_0 = 1
    h1 = layout.columns[1][1].node
    assert f"∂net/∂w₁₁⁽²⁾ = {h1.data:.4g}<" in source


def test_drawing_before_backward_says_so():
    net = ScalarMLP((2, 1), names="indexed")
    x = [Value(0.1, "x_1"), Value(0.2, "x_2")]
    outputs = net(x)
    loss = half_squared_error(outputs, [0.5]).named("J")
    source = draw(loss, view="network", layout=net.network_layout(x, outputs)).source
    assert "call backward() on J before drawing" in source


def test_network_view_errors():
    loss, net, x, outputs = network((2, 2, 1), CASE3)
    layout = net.network_layout(x, outputs)
    with pytest.raises(DrawError, match=r"view='network' needs layout=.*network_layout"):
        draw(loss, view="network")
    with pytest.raises(DrawError, match="layout= is only used by view='network'"):
        draw(loss, view="expressions", layout=layout)
    with pytest.raises(DrawError, match="layout must be a NetworkLayout"):
        draw(loss, view="network", layout=[layout])
    with pytest.raises(DrawError, match="7 units, more than max_nodes=6"):
        draw(loss, view="network", layout=layout, max_nodes=6)
    other, *_ = network((2, 2, 1), CASE3)  # a second forward pass: other nodes
    with pytest.raises(DrawError, match="unit 'x_1' is not part of the graph of 'J'"):
        draw(other, view="network", layout=layout)
    stray = Unit("h", "hidden", Value(1.0, "h"))
    bad_kind = NetworkLayout(((Unit("x", "sensor"),),), ())
    with pytest.raises(DrawError, match="unit 'x' has kind 'sensor'"):
        draw(loss, view="network", layout=bad_kind)
    with pytest.raises(DrawError, match="unit 'h' is not part of the graph"):
        draw(loss, view="network", layout=NetworkLayout(((stray,),), ()))
    dangling = NetworkLayout(layout.columns, (Connection((0, 0), (5, 0), x[0]),))
    with pytest.raises(DrawError, match=r"no unit at \(5, 0\)"):
        draw(loss, view="network", layout=dangling)
    with pytest.raises(DrawError, match="2 titles for 3 columns"):
        draw(loss, view="network", layout=NetworkLayout(layout.columns, (), ("a", "b")))
    t = (Tensor(np.ones(2), requires_grad=True) * 2).sum()
    with pytest.raises(DrawError, match="draws scalar"):
        draw(t, view="network", layout=layout)


def test_a_hand_made_layout_and_hostile_names():
    a = Value(0.5, label='<x & "y">')
    w = Value(2.0, label="w")
    out = (w * a).sigmoid().named("o")
    out.backward()
    layout = NetworkLayout(
        ((Unit('<x & "y">', "input", a),), (Unit("o", "output", out, out.parents[0]),)),
        (Connection((0, 0), (1, 0), w),),
        ("<in>", "out"),
    )
    graph = draw(out, view="network", layout=layout, wrt="w")
    assert '<x & "y">' not in graph.source and "&lt;in&gt;" in graph.source
    assert "loss" not in graph.source.split('label=<<TABLE BORDER="0" CELLSPACING')[0]
    texts = [t.text or "" for t in ET.fromstring(graph.pipe(format="svg")).iter(f"{SVG}text")]
    assert '<x & "y">' in texts and "<in>" in texts


# --------------------------------------------------------------------- neurons as sums
def test_expressions_view_writes_each_neuron_as_a_weighted_sum():
    loss, *_ = network((2, 2, 1), CASE3)
    source = draw(loss, view="expressions").source
    assert "= σ(w₀₁⁽¹⁾·x₁ + w₁₁⁽¹⁾·x₂ + w₀₁⁽¹⁾)" not in source  # (a wrong pairing)
    assert "= σ(w₁₁⁽¹⁾·x₁ + w₂₁⁽¹⁾·x₂ + w₀₁⁽¹⁾)" in source
    assert "= σ(w₁₁⁽²⁾·h₁ + w₂₁⁽²⁾·h₂ + w₀₁⁽²⁾)" in source
    assert "= 0.5·(o₁ − t₁)²" in source  # a one-term sum needs no brackets
    # plain-number inputs (dot_values keeps (w, x) pairs and lone weights)
    w1, w2, b, v = Value(0.5, "w1"), Value(0.25, "w2"), Value(0.1, "b"), Value(2.0, "v")
    y = dot_values([w1, w2], [v, 3.0], b).named("y")
    assert "= w1·v + w2·3 + b<" in draw(y, view="expressions").source
    w1.data = 7.0  # the numbers changed after the forward pass: no reading is confirmed
    assert "= dot(w1, v, w2, b)<" in draw(y, view="expressions").source
