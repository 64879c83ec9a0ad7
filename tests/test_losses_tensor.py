"""Tests for the Tensor side of nn.losses: every loss against central finite differences
(autograd.gradcheck), against the scalar (Value) version row by row, and against PyTorch;
reductions, edge cases (saturated probabilities, extreme logits) and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value, sum_values
from chaingrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    l2_penalty,
    mean_squared_error,
    softmax_cross_entropy,
    sum_squared_error,
)
from chaingrad.nn.optim import SGD
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=15, deadline=None)

# name -> (loss, make outputs from a uniform(0, 1) array, make targets)
ELEMENTWISE = {
    "half_squared_error": (half_squared_error, lambda u: 4 * u - 2, lambda u: 2 * u - 1),
    "sum_squared_error": (sum_squared_error, lambda u: 4 * u - 2, lambda u: 2 * u - 1),
    "mean_squared_error": (mean_squared_error, lambda u: 4 * u - 2, lambda u: 2 * u - 1),
    "binary_cross_entropy": (binary_cross_entropy, lambda u: 0.05 + 0.9 * u, lambda u: u),
    "binary_cross_entropy_with_logits": (
        binary_cross_entropy_with_logits,
        lambda u: 10 * u - 5,
        lambda u: u,
    ),
}


def batch(name, shape, seed):
    _, make_outputs, make_targets = ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    return make_outputs(rng.uniform(size=shape)), make_targets(rng.uniform(size=shape))


def shapes():
    return st.one_of(st.tuples(st.integers(1, 4), st.integers(1, 4)), st.tuples(st.integers(1, 4)))


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: no PyTorch reference")


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@SETTINGS
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_elementwise_losses_pass_gradcheck(name, reduction, shape, seed):
    loss = ELEMENTWISE[name][0]
    o, t = batch(name, shape, seed)
    result = gradcheck(lambda x: loss(x, t, reduction=reduction), Tensor(o, label="o"))
    assert result, str(result)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@SETTINGS
@given(n=st.integers(1, 5), classes=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_passes_gradcheck(reduction, n, classes, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=(n, classes))
    y = rng.integers(0, classes, n)
    result = gradcheck(
        lambda x: softmax_cross_entropy(x, y, reduction=reduction), Tensor(z, label="z")
    )
    assert result, str(result)


# ----------------------------------------------------------------------------- Value vs Tensor
def scalar_rows(loss, o, t):
    """Each row's loss by the scalar (Value) version, and the gradient of their sum."""
    rows = np.atleast_2d(o)
    targets = np.atleast_2d(t)
    values = [[Value(float(v)) for v in row] for row in rows]
    losses = [loss(vs, [float(x) for x in ts]) for vs, ts in zip(values, targets)]
    sum_values(losses).backward()
    grads = np.array([[v.grad for v in vs] for vs in values]).reshape(np.shape(o))
    return np.array([x.data for x in losses]), grads


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@SETTINGS
@given(shape=shapes(), seed=st.integers(0, 2**32 - 1))
def test_tensor_losses_are_the_scalar_losses_row_by_row(name, shape, seed):
    loss = ELEMENTWISE[name][0]
    o, t = batch(name, shape, seed)
    rows, row_grads = scalar_rows(loss, o, t)
    n = len(rows)
    for reduction, scale in (("mean", 1 / n), ("sum", 1.0)):
        x = Tensor(o, requires_grad=True)
        total = loss(x, t, reduction=reduction)
        total.backward()
        assert total.item() == pytest.approx(rows.sum() * scale, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(x.grad, row_grads * scale, rtol=1e-10, atol=1e-14)


def test_softmax_cross_entropy_tensor_matches_its_scalar_form():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=4, size=(3, 4))
    y = np.array([0, 3, 1])
    x = Tensor(z, requires_grad=True)
    total = softmax_cross_entropy(x, y, reduction="sum")
    total.backward()
    rows = []
    for row, label in zip(z, y):
        scores = [Value(float(v)) for v in row]
        loss = softmax_cross_entropy(scores, int(label))
        loss.backward()
        p = np.exp(row - row.max()) / np.exp(row - row.max()).sum()
        expected = p - np.eye(4)[label]  # seed 004: p_k - 1(y_i = k)
        np.testing.assert_allclose([s.grad for s in scores], expected, rtol=1e-12, atol=1e-15)
        rows.append(loss.data)
    assert total.item() == pytest.approx(sum(rows), rel=1e-12)
    one = softmax_cross_entropy(Tensor(z[1]), 3)  # a 1-D tensor is one example
    assert one.item() == pytest.approx(rows[1], rel=1e-12)


def test_scalar_softmax_cross_entropy_is_stable_for_large_scores():
    loss = softmax_cross_entropy([Value(1000.0), Value(0.0), Value(-1000.0)], 1)
    assert loss.data == pytest.approx(1000.0)


# ----------------------------------------------------------------------------- PyTorch
def test_tensor_losses_match_pytorch():
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    n, k = 5, 3
    probs = rng.uniform(0.05, 0.95, (n, k))
    values = rng.normal(size=(n, k))
    targets = rng.uniform(size=(n, k))
    labels = rng.integers(0, k, n)
    cases = [
        ("half mean", lambda x: half_squared_error(x, targets), values,
         lambda x, t: 0.5 * F.mse_loss(x, t, reduction="sum") / n),
        ("half sum", lambda x: half_squared_error(x, targets, reduction="sum"), values,
         lambda x, t: 0.5 * F.mse_loss(x, t, reduction="sum")),
        ("sum sq mean", lambda x: sum_squared_error(x, targets), values,
         lambda x, t: F.mse_loss(x, t, reduction="sum") / n),
        ("mse mean", lambda x: mean_squared_error(x, targets), values, F.mse_loss),
        ("mse sum", lambda x: mean_squared_error(x, targets, reduction="sum"), values,
         lambda x, t: F.mse_loss(x, t, reduction="sum") / k),
        ("bce mean", lambda x: binary_cross_entropy(x, targets), probs, F.binary_cross_entropy),
        ("bce sum", lambda x: binary_cross_entropy(x, targets, reduction="sum"), probs,
         lambda x, t: F.binary_cross_entropy(x, t, reduction="sum") / k),
        ("bce logits", lambda x: binary_cross_entropy_with_logits(x, targets), values * 5,
         F.binary_cross_entropy_with_logits),
        ("softmax ce mean", lambda x: softmax_cross_entropy(x, labels), values * 3,
         lambda x, t: F.cross_entropy(x, torch.tensor(labels))),
        ("softmax ce sum", lambda x: softmax_cross_entropy(x, labels, reduction="sum"),
         values * 3, lambda x, t: F.cross_entropy(x, torch.tensor(labels), reduction="sum")),
    ]  # fmt: skip
    for label, ours, inputs, theirs in cases:
        x = Tensor(inputs, requires_grad=True)
        loss = ours(x)
        loss.backward()
        xt = torch.tensor(inputs, requires_grad=True)
        reference = theirs(xt, torch.tensor(targets))
        reference.backward()
        assert loss.item() == pytest.approx(reference.item(), rel=1e-12), label
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-15, err_msg=label)


# ----------------------------------------------------------------------------- edge cases
def test_binary_cross_entropy_clips_saturated_outputs_without_gradient():
    z = Tensor([[40.0, -40.0], [0.0, 1.0]], requires_grad=True)
    p = z.sigmoid()
    assert p.data[0, 0] == 1.0  # saturated in float64
    loss = binary_cross_entropy(p, [[0.0, 1.0], [1.0, 0.0]])
    loss.backward()
    assert math.isfinite(loss.item())
    assert z.grad[0, 0] == 0.0  # clipped: no gradient, like a clamp
    assert z.grad[1, 0] != 0.0
    expected = (-math.log(1e-12) * 2 + math.log(2) - math.log(1 - 1 / (1 + math.e**-1))) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-4)


def test_binary_cross_entropy_with_logits_is_stable_at_extremes_and_zero():
    z = Tensor([[800.0, -800.0, 0.0]], requires_grad=True)
    loss = binary_cross_entropy_with_logits(z, [[0.0, 1.0, 0.25]])
    loss.backward()
    assert loss.item() == pytest.approx((800 + 800 + math.log(2)) / 3)
    np.testing.assert_allclose(z.grad, [[1 / 3, -1 / 3, (0.5 - 0.25) / 3]], rtol=1e-12)


@pytest.mark.parametrize("loss", [binary_cross_entropy, binary_cross_entropy_with_logits])
def test_binary_cross_entropy_targets_must_be_probabilities(loss):
    outputs = Tensor([[0.3, 0.6], [0.5, 0.9]])
    # soft targets and the edges 0 and 1 are probabilities
    assert math.isfinite(loss(outputs, [[0.0, 1.0], [0.25, 0.75]]).item())
    # outside [0, 1] the loss means nothing: with logits, t = 2 used to give a negative loss
    for bad in (2.0, -1.0, 1.0 + 1e-9):
        targets = np.array([[0.0, 1.0], [1.0, bad]])
        with pytest.raises(
            ValueError,
            match=rf"{loss.__name__}: target \(1, 1\) is .*"
            r"not in \[0, 1\] \(1 of 4 targets are outside\)",
        ):
            loss(outputs, targets)
        with pytest.raises(ValueError, match="not in"):
            loss(outputs, Tensor(targets))  # a Tensor of targets is checked the same way


def test_float32_outputs_give_float32_losses():
    x = Tensor(np.ones((2, 3)), dtype=np.float32, requires_grad=True)
    loss = half_squared_error(x, np.zeros((2, 3)))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert loss.item() == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: half_squared_error(Tensor(np.ones((4, 1))), np.ones(4)), ValueError,
         r"outputs have shape \(4,1\) but the targets \(4,\); they must match \(reshape"),
        (lambda: mean_squared_error(Tensor(np.ones((2, 2))), np.ones((2, 3))), ValueError,
         "must match"),
        (lambda: sum_squared_error(Tensor(np.ones((2, 2))), [[1, 2], [3, math.nan]]), ValueError,
         "sum_squared_error: targets: 1 of 4 entries are not finite"),
        (lambda: half_squared_error(Tensor(np.ones((2, 2, 2))), np.ones((2, 2, 2))), ValueError,
         r"shape \(N, K\)"),
        (lambda: half_squared_error(Tensor(np.ones((2, 2))), np.ones((2, 2)), reduction="avg"),
         ValueError, "reduction must be 'mean' or 'sum'"),
        (lambda: half_squared_error([Value(1.0)], [1.0], reduction="none"), ValueError,
         "reduction must be"),
        (lambda: binary_cross_entropy(Tensor([[0.5, 1.5]]), [[1.0, 1.0]]), ValueError,
         r"output \(0, 1\) is 1.5, not a probability"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), ValueError,
         r"labels must be in \[0, 3\)"),
        (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], 2), ValueError,
         "label 2 is not a class of the 2 scores"),
        (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], [1]), TypeError,
         "one integer label"),
        (lambda: binary_cross_entropy(Tensor([[0.5]]), [[1.0]], epsilon="x"), ValueError,
         r"epsilon must be a number in \(0, 0.5\), got 'x'"),
        (lambda: mean_squared_error(np.ones((2, 3)), np.ones((2, 3))), TypeError,
         r"outputs is a numpy array; wrap it as Tensor\(outputs\)"),
    ],
)  # fmt: skip
def test_tensor_loss_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------- l2_penalty
def test_l2_penalty_value_and_gradient_for_tensors_and_values():
    rng = np.random.default_rng(2)
    w1, w2 = rng.normal(size=(3, 2)), rng.normal(size=4)
    a, b = Tensor(w1, requires_grad=True), Tensor(w2, requires_grad=True)
    penalty = l2_penalty([a, b], alpha=0.3)
    penalty.backward()
    assert penalty.item() == pytest.approx(0.15 * ((w1**2).sum() + (w2**2).sum()), rel=1e-14)
    np.testing.assert_allclose(a.grad, 0.3 * w1, rtol=1e-14)  # alpha w
    np.testing.assert_allclose(b.grad, 0.3 * w2, rtol=1e-14)
    values = [Value(1.5), Value(-2.0)]
    scalar = l2_penalty(values, alpha=0.5)
    scalar.backward()
    assert scalar.data == pytest.approx(0.25 * (2.25 + 4.0))
    assert [v.grad for v in values] == pytest.approx([0.75, -1.0])
    result = gradcheck(lambda x, y: l2_penalty([x, y], 0.3), Tensor(w1), Tensor(w2))
    assert result, str(result)


def test_l2_penalty_step_equals_sgd_weight_decay():
    rng = np.random.default_rng(4)
    start, x, t = rng.normal(size=(2, 3)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    penalized = Tensor(start, requires_grad=True)
    decayed = Tensor(start, requires_grad=True)
    plain, with_decay = SGD([penalized], lr=0.1), SGD([decayed], lr=0.1, weight_decay=0.2)
    for _ in range(3):
        for opt, w, extra in ((plain, penalized, True), (with_decay, decayed, False)):
            opt.zero_grad()
            loss = half_squared_error(x @ w.T, t)
            (loss + l2_penalty([w], 0.2) if extra else loss).backward()
            opt.step()
    np.testing.assert_allclose(penalized.data, decayed.data, rtol=1e-13)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: l2_penalty([], 0.1), ValueError, "no parameters"),
        (lambda: l2_penalty(Tensor([1.0]), 0.1), TypeError, "not one node"),
        (lambda: l2_penalty([Tensor([1.0])], -0.1), ValueError, "alpha must be"),
        (lambda: l2_penalty([Tensor([1.0])], math.inf), ValueError, "alpha must be"),
        (lambda: l2_penalty([Tensor([1.0]), Value(1.0)], 0.1), TypeError, "all Tensors or all"),
        (lambda: l2_penalty(None, 0.1), TypeError, "params must be a list of parameters"),
    ],
)
def test_l2_penalty_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
