"""Tests for chain-rule paths, contraction to labelled nodes, and `explain`."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from chaingrad.autograd import Value
from chaingrad.autograd.chain import ChainRuleError, chain_rule, contracted_edges, explain
from hypothesis import given, settings
from hypothesis import strategies as st


def blog_network():
    """Seed 001's 2-3-3-1 network with the blog's weights (biases b2, b4, b7 negative)."""
    w = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] * 2
    p = {f"w{i + 1}": Value(v, label=f"w{i + 1}") for i, v in enumerate(w)}
    for k, v in dict(b1=0.1, b2=-0.4, b3=0.3, b4=-0.5, b5=0.5, b6=0.6, b7=-0.7).items():
        p[k] = Value(v, label=k)
    x1, x2, y = Value(0.23, label="x1"), Value(0.55, label="x2"), Value(0.01, label="y")

    def neuron(n, ws, xs, b, act):
        net = sum((p[wi] * xi for wi, xi in zip(ws, xs)), p[b]).named(f"net_n{n}")
        return getattr(net, act)().named(f"out_n{n}")

    o3 = neuron(3, ["w1", "w4"], [x1, x2], "b1", "relu")
    o4 = neuron(4, ["w2", "w5"], [x1, x2], "b2", "relu")
    o5 = neuron(5, ["w3", "w6"], [x1, x2], "b3", "relu")
    h1 = [o3, o4, o5]
    o6 = neuron(6, ["w7", "w10", "w13"], h1, "b4", "relu")
    o7 = neuron(7, ["w8", "w11", "w14"], h1, "b5", "relu")
    o8 = neuron(8, ["w9", "w12", "w15"], h1, "b6", "relu")
    o9 = neuron(9, ["w16", "w17", "w18"], [o6, o7, o8], "b7", "sigmoid")
    E = (0.5 * (y - o9) ** 2).named("E")
    E.backward()
    return E, p


def test_explain_reads_like_the_blog():
    E, _ = blog_network()
    assert explain(E, "w7") == (
        "dE/dw7 = dE/dout_n9 · dout_n9/dnet_n9 · dnet_n9/dout_n6 · dout_n6/dnet_n6 · dnet_n6/dw7\n"
        "       = 0.7935 · 0.1579 · 0.7 · 1 · 0.343 = 0.03008"
    )


def test_paths_sum_to_the_gradient_and_name_every_path():
    E, p = blog_network()
    rule = chain_rule(E, "w1")
    assert len(rule.paths) == 3  # through out_n6, out_n7 and out_n8
    assert rule.total == pytest.approx(p["w1"].grad, rel=1e-12)
    for path in rule.paths:
        assert path.product == pytest.approx(math.prod(f.value for f in path.factors))
        assert path.factors[0].child is E and path.factors[-1].parent is p["w1"]
    text = explain(E, "w1")
    assert text.count("\n") == 6 and "sum of 3 paths = 0.0559" in text


def test_raw_paths_through_every_op_give_the_same_total():
    E, p = blog_network()
    raw = chain_rule(E, p["w4"], labelled_only=False)
    assert raw.total == pytest.approx(p["w4"].grad, rel=1e-12)
    assert all(len(path.factors) > 7 for path in raw.paths)


def test_contraction_sums_parallel_unlabelled_paths():
    a = Value(1.5, label="a")
    y = (a * a + a.exp() * 2).named("y")
    edges = contracted_edges(y, lambda n: n.label is not None)
    [(node, derivative)] = edges[y]
    assert node is a
    assert derivative == pytest.approx(2 * 1.5 + 2 * math.exp(1.5))
    rule = chain_rule(y, a)
    assert len(rule.paths) == 1 and rule.total == pytest.approx(derivative)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_random_graphs_paths_sum_to_grad(seed):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    pool = list(leaves)
    for i in range(12):
        a, b = rng.choice(pool), rng.choice(pool)
        op = rng.choice(["add", "mul", "tanh", "sigmoid", "sub"])
        if op == "add":
            node = a + b
        elif op == "mul":
            node = a * b
        elif op == "sub":
            node = a - b
        else:
            node = getattr(a, op)()
        if rng.random() < 0.4:
            node.named(f"h{i}")
        pool.append(node)
    root = pool[-1]
    root.backward()
    for leaf in leaves:
        for labelled_only in (True, False):
            try:
                rule = chain_rule(root, leaf, labelled_only=labelled_only, max_paths=5000)
            except ChainRuleError:
                continue  # too many paths for this random graph
            assert rule.total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


def test_errors_name_what_is_missing():
    E, _ = blog_network()
    with pytest.raises(ChainRuleError, match=r"no node labelled 'w99'.*labels there: E, b1"):
        explain(E, "w99")
    with pytest.raises(ChainRuleError, match="is not part of the graph"):
        explain(E, Value(1.0, label="stray"))
    a = Value(1.0, label="a")
    b = Value(2.0, label="b")
    twin = Value(3.0, label="a")
    with pytest.raises(ChainRuleError, match="2 nodes are labelled 'a'"):
        explain(a * b + twin, "a")


def test_no_path_and_too_many_paths():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    y = (a * 3).named("y")
    assert explain(y + b, "b").startswith("d[+#")
    assert chain_rule(y, y).total == 1.0
    x = a
    for _ in range(20):
        x = x + x
    with pytest.raises(ChainRuleError, match="1048576 paths"):
        chain_rule(x, a, labelled_only=False)


def test_digits_and_max_paths_are_whole_numbers():
    a = Value(2.0, label="a")
    y = (a * 3.0).named("y")
    assert explain(y, "a", digits=17, max_paths=1) == "dy/da = dy/da\n      = 3 = 3"
    assert explain(y, "a", digits=np.int64(2)).endswith("= 3")  # a numpy integer is a count
    for digits in (0, 18, 2.0, "4", True, None):
        with pytest.raises(ChainRuleError, match=r"explain: digits must be a whole number from"):
            explain(y, "a", digits=digits)
        with pytest.raises(ChainRuleError, match=r"ChainRule.text: digits must be a whole"):
            chain_rule(y, "a").text(digits)
    for max_paths in (0, -1, 1.5, "x", False):
        with pytest.raises(ChainRuleError, match=r"explain: max_paths must be a whole number"):
            explain(y, "a", max_paths=max_paths)
        with pytest.raises(ChainRuleError, match=r"chain_rule: max_paths must be a whole number"):
            chain_rule(y, "a", max_paths=max_paths)


def test_tensor_graphs_are_refused_with_a_hint():
    from chaingrad.autograd.tensor import Tensor

    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    loss = (w * w).sum()
    with pytest.raises(ChainRuleError, match=r"not a scalar.*gradcheck"):
        explain(loss, "w")


def test_a_zero_product_is_never_shown_as_minus_zero():
    # An inactive ReLU times a negative factor: the product is -0.0 in floating point.
    w = Value(0.5, label="w")
    h = (w - 1.0).relu().named("h")
    o = (-2.0 * h).named("o")
    rule = chain_rule(o, "w")
    assert math.copysign(1.0, rule.paths[0].product) == -1.0  # the engine's -0.0
    assert explain(o, "w") == "do/dw = do/dh · dh/dw\n      = -2 · 0 = 0"
