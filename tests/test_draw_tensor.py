"""Tests for drawing `Tensor` graphs with `autograd.draw` (ops view)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from chaingrad.autograd.drawing import DrawError, draw
from chaingrad.autograd.tensor import Tensor


def small_tensor_graph():
    """L = sum(relu(x @ W + b) * 0.5): W (2, 3) and b (3,) parameters, x (1, 2) data."""
    x = Tensor([[0.5, -1.0]], label="x")
    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, label="W")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    h = (x @ W + b).relu().named("h")
    loss = (h * 0.5).sum().named("L")
    loss.backward()
    return loss, x, W, b


def node_line(source: str, title: str) -> str:
    return next(line for line in source.splitlines() if f"<B>{title}</B>" in line)


def test_tensor_nodes_show_shape_dtype_and_small_values():
    loss, _, W, _ = small_tensor_graph()
    source = draw(loss).source
    w_line = node_line(source, "W")
    assert "(2,3) float64" in w_line
    assert "[[0, 0.1, 0.2],<BR/> [0.3, 0.4, 0.5]]" in w_line
    assert f"grad [[{W.grad[0, 0]:.4g}" in w_line
    assert "(1,2) float64" in node_line(source, "x") and "grad none" in node_line(source, "x")
    # requires_grad leaves are parameters (filled like parameters), x is an input (dashed)
    assert 'fillcolor="#fde6a4"' in w_line and 'fillcolor="#fde6a4"' in node_line(source, "b")
    assert "dashed" in node_line(source, "x")
    # the constant 0.5 is drawn as its value
    assert re.search(r"label=<0\.5> fontcolor", source)


def test_tensor_edges_carry_the_rule_not_a_number():
    loss, *_ = small_tensor_graph()
    graph = draw(loss, show_rules=True)
    source = graph.source
    assert "∂(A@B)/∂A: G ↦ G@Bᵀ" in source and "∂(A@B)/∂B: G ↦ Aᵀ@G" in source
    assert "∂relu(z)/∂z = 1 if z &gt; 0 else 0" in source
    assert source.count(" -> ") == 8
    assert "edge: the rule of the local derivative" in source and "edge number" not in source
    texts = " ".join(
        t.text or ""
        for t in ET.fromstring(graph.pipe(format="svg")).iter()
        if t.tag.endswith("text")
    )
    assert "∂(a·b)/∂a = b" in texts and "(2,3) float64" in texts


def test_large_tensors_show_their_range():
    W = Tensor(np.linspace(-1.0, 2.0, 12).reshape(3, 4), requires_grad=True, label="W")
    loss = (W * W).sum().named("L")
    loss.backward()
    line = node_line(draw(loss).source, "W")
    assert "12 entries in [-1, 2]" in line and "grad 12 entries in [-2, 4]" in line


def test_tensor_graphs_refuse_what_needs_numbers_on_edges():
    loss, *_ = small_tensor_graph()
    with pytest.raises(DrawError, match=r"expressions view.*rule, not a number.*view='ops'"):
        draw(loss, view="expressions")
    with pytest.raises(DrawError, match=r"wrt: .*read 'W'.grad after backward\(\)"):
        draw(loss, wrt="W")


def test_large_tensor_graphs_are_refused_with_a_hint():
    x = Tensor(np.ones(3), requires_grad=True, label="x")
    y = x
    for _ in range(30):
        y = y.tanh()
    loss = y.sum()
    with pytest.raises(DrawError, match=r"32 nodes, more than max_nodes=20.*smaller piece"):
        draw(loss, max_nodes=20)
