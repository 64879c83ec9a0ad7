"""Memory: after backward() and dropping the loss, every intermediate node is freed.

Graphs have no reference cycles and nothing global holds them (not grad mode, not anomaly
mode, not the optimizers), so reference counting alone frees a graph the moment its root
is dropped: these tests run with the cyclic garbage collector switched off and check with
`weakref`. (tests/test_anomaly.py checks the same for a `Value` graph.)
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from chaingrad.autograd.anomaly import detect_anomaly
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate, cross_entropy
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import softmax_cross_entropy
from chaingrad.nn.optim import Adam
from chaingrad.nn.train import fit


@contextmanager
def no_cycle_collector() -> Iterator[None]:
    """Only reference counting frees objects inside (garbage in a cycle would stay)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def interior_refs(root: Tensor, keep: list[Tensor]) -> list[weakref.ref]:
    """Weak references to every node of `root`'s graph except the ones in `keep`."""
    kept = {id(node) for node in keep}
    return [weakref.ref(node) for node in topological_order(root) if id(node) not in kept]


def test_tensor_graph_is_freed_after_backward():
    rng = np.random.default_rng(0)
    with no_cycle_collector():
        w = Tensor(rng.normal(size=(3, 4)), requires_grad=True, label="w")
        b = Tensor(rng.normal(size=4), requires_grad=True, label="b")
        x = rng.normal(size=(5, 3))
        h = (x @ w + b).tanh()  # broadcasting that changes rank
        both = concatenate([h, h * h], axis=1)  # h used twice
        logits = both[[0, 1, 1, 4]].log_softmax() + both[:4].softmax()
        loss = cross_entropy(logits, [0, 1, 2, 3]) + (both**2).mean()
        loss.backward()
        refs = interior_refs(loss, [w, b])
        assert len(refs) > 10
        del h, both, logits, loss
        assert [ref() for ref in refs if ref() is not None] == []
        assert w.grad is not None and b.grad is not None  # the parameters keep their gradients


def test_graph_made_in_anomaly_mode_is_freed_too():
    with no_cycle_collector(), detect_anomaly():
        w = Tensor(np.ones((2, 2)), requires_grad=True)
        loss = ((w @ w).sigmoid() * 3).sum()
        loss.backward()
        refs = interior_refs(loss, [w])
        del loss
        assert [ref() for ref in refs if ref() is not None] == []


def test_a_training_step_frees_everything_but_the_parameters():
    rng = np.random.default_rng(1)
    model = MLP([4, 8, 8, 3], "relu", init="he", seed=0)
    optimizer = Adam(model.parameters(), 0.01)
    x, y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    with no_cycle_collector():
        optimizer.zero_grad()
        loss = softmax_cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        refs = interior_refs(loss, model.parameters())
        assert len(refs) == 7  # the input constant, 3 fused linear nodes, 2 relus, the loss
        del loss
        assert [ref() for ref in refs if ref() is not None] == []


def live_tensors() -> int:
    return sum(type(obj) is Tensor for obj in gc.get_objects())


def test_fit_leaves_no_tensor_behind_but_the_parameters():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    with no_cycle_collector():
        before = live_tensors()
        model = MLP([4, 8, 3], "relu", init="he", seed=0)
        fit(model, softmax_cross_entropy, x, y, epochs=3, batch_size=8,
            optimizer=Adam(model.parameters(), 0.01), progress=False)  # fmt: skip
        assert live_tensors() - before == len(model.parameters())
