"""copy.deepcopy, copy.copy and pickle of graph nodes: iterative, fresh ids, same gradients.

Before, a 5,000-node chain raised RecursionError in both, and a deep copy kept the node ids
of its original, so `explain` merged paths through the copy and the original and disagreed
with backward().
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from chaingrad.autograd.chain import chain_rule
from chaingrad.autograd.elementwise import elementwise
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.ops import unregister
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate, cross_entropy
from chaingrad.autograd.value import Value, dot_values, sum_values
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import half_squared_error

N = 5_000


def value_chain() -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for k in range(N):
        y = (y * 1.0001).tanh() if k % 2 else y + 0.001
    return x, y


def leaf(root, label: str):
    (found,) = [n for n in topological_order(root) if getattr(n, "label", None) == label]
    return found


def ids_are_fresh_and_in_creation_order(original, twin) -> None:
    nodes = topological_order(twin)
    ids = [n.node_id for n in nodes]
    assert len(set(ids)) == len(ids)
    assert min(ids) > max(n.node_id for n in topological_order(original))
    assert all(p.node_id < n.node_id for n in nodes for p in n.parents)


@pytest.mark.parametrize("how", ["deepcopy", "copy", "pickle"])
def test_a_long_value_chain_copies_without_recursion_and_backprops_the_same(how):
    x, y = value_chain()
    twin = {
        "deepcopy": copy.deepcopy,
        "copy": copy.copy,
        "pickle": lambda node: pickle.loads(pickle.dumps(node)),
    }[how](y)
    ids_are_fresh_and_in_creation_order(y, twin)
    y.backward()
    twin.backward()
    assert twin.data == y.data
    assert leaf(twin, "x").grad == x.grad and leaf(twin, "x") is not x


def test_a_long_tensor_chain_pickles_with_its_parameters_and_backprops_the_same():
    W = Tensor(np.random.default_rng(0).normal(size=(3, 3)) / 3, requires_grad=True, label="W")
    h = Tensor(np.ones((2, 3)))
    for _ in range(N // 2):
        h = (h @ W).tanh() + 0.1
    loss, W2 = pickle.loads(pickle.dumps((h.sum(), W)))  # one pickle: W2 is the loss's leaf
    assert W2 is leaf(loss, "W") and W2 is not W
    loss.backward()
    h.sum().backward()
    assert np.array_equal(W2.grad, W.grad)


def test_explain_agrees_with_backward_after_copying_a_subgraph():
    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    h = (w * x).named("h")
    loss = (h * copy.deepcopy(h).tanh()).named("L")  # the copy's w is another node
    loss.backward()
    assert chain_rule(loss, w).total == w.grad  # was 3.0004 against 2.99996
    ids = [n.node_id for n in topological_order(loss)]
    assert len(set(ids)) == len(ids)


def test_deepcopy_of_a_loss_with_its_parameters_shares_them():
    model = MLP([3, 4, 2], "sigmoid", init="normal", seed=0)
    x, y = np.ones((5, 3)), np.zeros((5, 2))
    loss = half_squared_error(model(x), y)
    loss2, params2 = copy.deepcopy((loss, model.parameters()))
    loss2.backward()
    loss.backward()
    graph = {id(n) for n in topological_order(loss2)}
    for p, p2 in zip(model.parameters(), params2):
        assert id(p2) in graph and np.array_equal(p2.grad, p.grad)


def test_a_pickled_model_trains_like_the_original():
    model = MLP([3, 4, 2], "relu", init="he", seed=0)
    twin = pickle.loads(pickle.dumps(model))
    x, y = np.ones((5, 3)), np.zeros((5, 2))
    for net in (model, twin):
        half_squared_error(net(x), y).backward()
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.data, q.data) and np.array_equal(p.grad, q.grad)


def test_every_kind_of_node_survives_a_pickle():
    a = Value(0.3, label="a")
    b = Value(1.7, label="b")
    v = sum_values([a * b, a / b, a**b, (-a).exp(), b.log(), dot_values([a, b], [2.0, b])])
    v2, a2 = pickle.loads(pickle.dumps((v, a)))
    v.backward()
    v2.backward()
    assert a2.grad == a.grad and v2.data == v.data

    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True, label="x")
    z = concatenate([x.softmax(), x.relu()[::2], x.max(axis=0, keepdims=True)], axis=0)
    loss = cross_entropy(z.sigmoid() @ Tensor(rng.normal(size=(3, 2))), [0, 1, 1, 0, 1, 0, 1])
    loss2, x2 = pickle.loads(pickle.dumps((loss, x)))
    loss.backward()
    loss2.backward()
    assert np.array_equal(x2.grad, x.grad)


def test_an_elementwise_op_pickles_by_its_registered_name():
    twice = elementwise("twice_pickled", lambda x: 2 * x, lambda x, y: 2 + 0 * x, rule="2")
    try:
        x = Tensor([1.0, 2.0], requires_grad=True, label="x")
        y2, x2 = pickle.loads(pickle.dumps((twice(x).sum(), x)))
        y2.backward()
        assert x2.grad.tolist() == [2.0, 2.0]
    finally:
        unregister(twice)


def test_a_copy_keeps_when_data_changed_relative_to_its_nodes():
    W = Tensor([1.0, 2.0], requires_grad=True, label="W")
    W.data -= 0.5  # before the graph: not a change it ever saw
    fresh = (W * W).sum()
    copy.deepcopy(fresh).backward()
    pickle.loads(pickle.dumps(fresh)).backward()
    stale = (W * W).sum()
    W.data -= 0.5  # after: its backward is refused, and so is every copy's
    for twin in (copy.deepcopy(stale), pickle.loads(pickle.dumps(stale))):
        with pytest.raises(RuntimeError, match=r"'W' .* was changed in place"):
            twin.backward()
