"""Data changed between a forward pass and its backward(): refused, or right; never mixed.

The refusals themselves are rows of the hostile-input table (tests/hostile_engine.py, "data
changed in place"); here: every op's declaration of the data its backward rule reads is
complete (an undeclared read would let a change through silently), changes through views,
`detach`, Adam and weights files are seen, and a training loop in the usual order never
trips the check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from chaingrad.autograd.ops import Operation
from chaingrad.autograd.tensor import Tensor, record
from chaingrad.autograd.tensor_ops import (
    OPS,
    Op,
    concatenate,
    cross_entropy,
    linear,
    squared_error,
    stack,
)
from chaingrad.autograd.versions import RESULT
from chaingrad.nn.checkpoint import load, save
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import binary_cross_entropy, softmax_cross_entropy
from chaingrad.nn.optim import SGD, Adam

rng = np.random.default_rng(0)


def positive(*shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


def normal(*shape: int) -> np.ndarray:
    return rng.normal(size=shape)


# op name: (function of the operands, the operands' data)
CASES: dict[str, tuple[Callable[..., Tensor], tuple[np.ndarray, ...]]] = {
    "add": (lambda a, b: a + b, (normal(2, 3), normal(3))),
    "sub": (lambda a, b: a - b, (normal(2, 3), normal(2, 3))),
    "mul": (lambda a, b: a * b, (normal(2, 3), normal(2, 1))),
    "div": (lambda a, b: a / b, (normal(2, 3), positive(2, 3))),
    "neg": (lambda a: -a, (normal(2, 3),)),
    "pow": (lambda a, b: a**b, (positive(2, 3), normal(2, 3))),
    "pow_number": (lambda a: a**3, (normal(2, 3),)),
    "matmul": (lambda a, b: a @ b, (normal(2, 3), normal(3, 4))),
    "linear": (linear, (normal(2, 3), normal(4, 3), normal(4))),
    "exp": (lambda a: a.exp(), (normal(2, 3),)),
    "log": (lambda a: a.log(), (positive(2, 3),)),
    "tanh": (lambda a: a.tanh(), (normal(2, 3),)),
    "sigmoid": (lambda a: a.sigmoid(), (normal(2, 3),)),
    "relu": (lambda a: a.relu(), (normal(2, 3),)),
    "sum": (lambda a: a.sum(axis=1), (normal(2, 3),)),
    "mean": (lambda a: a.mean(axis=0), (normal(2, 3),)),
    "max": (lambda a: a.max(axis=1), (normal(2, 3),)),
    "logsumexp": (lambda a: a.logsumexp(axis=1), (normal(2, 3),)),
    "softmax": (lambda a: a.softmax(), (normal(2, 3),)),
    "log_softmax": (lambda a: a.log_softmax(), (normal(2, 3),)),
    "cross_entropy": (lambda a: cross_entropy(a, [0, 2]), (normal(2, 3),)),
    "squared_error": (lambda a, b: squared_error(a, b, 0.5), (normal(2, 3), normal(2, 3))),
    "reshape": (lambda a: a.reshape(3, 2), (normal(2, 3),)),
    "transpose": (lambda a: a.T, (normal(2, 3),)),
    "getitem": (lambda a: a[[1, 0, 1]], (normal(2, 3),)),
    "concatenate": (lambda a, b: concatenate([a, b], axis=1), (normal(2, 3), normal(2, 1))),
    "stack": (lambda a, b: stack([a, b]), (normal(2, 3), normal(2, 3))),
}


def test_every_op_has_a_case():
    assert set(CASES) == set(OPS)


def gradients(out: Tensor, leaves: list[Tensor], seed: np.ndarray) -> list[np.ndarray]:
    for leaf in leaves:
        leaf.grad = None
    out.backward(seed)
    return [leaf.grad.copy() for leaf in leaves]


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_op_reads_no_data_but_what_it_declares(name):
    """Change each operand's data (and the result's) behind the engine's back, by writing
    into the array: the gradient of every operand whose rule does not declare that read
    must not move. A read missing from `Op.reads` would fail here."""
    function, data = CASES[name]
    reads = OPS[name].reads
    leaves = [Tensor(d, requires_grad=True) for d in data]
    out = function(*leaves)
    seed = normal(*out.shape)
    before = gradients(out, leaves, seed)
    for changed in [*range(len(leaves)), RESULT]:
        target = out if changed == RESULT else leaves[changed]
        kept = target.data.copy()
        target.data[...] = kept * 1.5 + 0.25  # untracked on purpose: nothing refuses
        with np.errstate(all="ignore"):  # max: a changed result has no winner (0/0)
            after = gradients(out, leaves, seed)
        target.data[...] = kept
        for i, (old, new) in enumerate(zip(before, after)):
            if changed not in (reads[i] if i < len(reads) else ()):
                assert np.array_equal(old, new), (name, "operand", i, "reads", changed)


def test_a_change_through_a_view_marks_what_it_views():
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    x = Tensor(np.ones((4, 2)), requires_grad=True)
    loss = (x @ W).sum()  # x's gradient reads W
    row = W[0:1]  # a view of W's array
    row.data -= 1.0  # in place through the view: W changed too
    with pytest.raises(RuntimeError, match=r"'W' .* was changed in place"):
        loss.backward()


def test_a_detached_tensor_changes_with_its_original():
    W = Tensor(np.ones(3), requires_grad=True, label="W")
    x = Tensor(np.ones(3), requires_grad=True, label="x")
    loss = (x * W.detach()).sum()
    W.data -= 1.0
    with pytest.raises(RuntimeError, match="a view of 'W'"):
        loss.backward()


def test_adam_steps_and_weights_files_count_as_changes(tmp_path):
    model = MLP([3, 4, 2], "relu", init="he", seed=0)
    x, y = normal(5, 3), [0, 1, 1, 0, 1]
    loss = softmax_cross_entropy(model(x), y)
    loss.backward()
    Adam(model.parameters(), 0.01).step()
    with pytest.raises(RuntimeError, match="optimizer step, load_state_dict"):
        loss.backward()
    save(model, tmp_path / "w.npz")
    loss = softmax_cross_entropy(model(x), y)
    load(model, tmp_path / "w.npz")
    with pytest.raises(RuntimeError, match="was changed in place"):
        loss.backward()
    softmax_cross_entropy(model(x), y).backward()  # a new forward pass is fine


def test_a_training_loop_in_the_usual_order_never_trips_the_check():
    model = MLP([3, 8, 2], "sigmoid", init="normal", seed=1)
    optimizer = SGD(model.parameters(), lr=0.5)
    x, y = normal(16, 3), rng.integers(0, 2, 16)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = softmax_cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_a_refused_backward_names_the_operand_whose_gradient_needed_the_data():
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    c = Tensor([3.0, 4.0], label="c")
    y = (w * c).sum()
    c.data = c.data * 2  # a constant, but w's gradient reads it
    with pytest.raises(RuntimeError, match=r"'c' \(#\d+, shape \(2,\)\) was changed.*of 'w'"):
        y.backward()


def test_assigning_data_keeps_the_array_given():
    t = Tensor([1.0, 2.0])
    new = np.array([3.0, 4.0], dtype=np.float32)
    t.data = new
    assert t.data is new and t.dtype == np.float32


def test_a_loss_keeps_its_own_copy_of_array_targets():
    p = Tensor([0.2, 0.7, 0.9], requires_grad=True)
    targets = np.array([0.0, 1.0, 1.0])
    binary_cross_entropy(p, targets).backward()
    expected = p.grad.copy()
    p.grad = None
    loss = binary_cross_entropy(p, targets)
    targets[:] = 0.5  # the caller reuses its array before backward()
    loss.backward()
    assert np.array_equal(p.grad, expected)


def test_an_op_that_does_not_say_what_it_reads_is_taken_to_read_everything():
    square = Op(Operation("square_undeclared", ("2a",), tensor=True),
                lambda node, g: (2 * g * node._parents[0].data,))  # fmt: skip
    w = Tensor([1.0, 2.0], requires_grad=True, label="w")
    y = record(w.data**2, square, (w,)).sum()
    w.data = w.data + 1
    with pytest.raises(RuntimeError, match="the square_undeclared rule needs the old numbers"):
        y.backward()
