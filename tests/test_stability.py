"""Numerically stable forms: finite values and correct gradients where naive formulas overflow.

Each test compares with a float64 reference computed stably by hand (``math.fsum``, a
log-sum-exp with the maximum shifted out, e^(-|z|) forms), entry by entry, at logits and
net inputs up to 1e4, at probabilities of exactly 0 and 1, and at log arguments near 0.
Extends tests/test_value.py (sigmoid at ±1e4), tests/test_tensor.py (logits of 1e3) and
tests/test_losses_tensor.py (saturated binary cross-entropy).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import cross_entropy
from chaingrad.autograd.value import Value
from chaingrad.nn.losses import (
    BCE_EPSILON,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    softmax_cross_entropy,
)

NET_INPUTS = [-1e4, -745.0, -700.0, -40.0, -36.0, -20.0, -6.5, -1.0, 0.0, 1e-8, 1.0, 6.5, 20.0,
              36.0, 40.0, 700.0, 745.0, 1e4]  # fmt: skip
"""Net inputs from -1e4 to 1e4: around 0, where 1 - sigmoid loses digits (above about 6),
where it rounds to exactly 1 (37) and where e^-|z| underflows (745)."""


def sigmoid_reference(z: float) -> float:
    """1 / (1 + e^-z) without overflow: e = e^-|z| <= 1."""
    e = math.exp(-abs(z))
    return 1 / (1 + e) if z >= 0 else e / (1 + e)


def sigmoid_slope_reference(z: float) -> float:
    """sigmoid'(z) = e / (1 + e)^2 with e = e^-|z|: exact where s (1 - s) would cancel."""
    e = math.exp(-abs(z))
    return e / (1 + e) ** 2


def assert_close(actual: float, expected: float, rel: float = 1e-12) -> None:
    """Equal to `rel` relative error; subnormal references (below 1e-300) to 1e-310 absolute."""
    assert math.isfinite(actual)
    assert actual == pytest.approx(expected, rel=rel, abs=1e-310)


# ----------------------------------------------------------------------------- sigmoid
@pytest.mark.parametrize("z", NET_INPUTS)
def test_value_sigmoid_and_its_slope_match_the_stable_reference(z):
    x = Value(z)
    with np.errstate(all="raise"):
        s = x.sigmoid()
    s.backward()
    assert_close(s.data, sigmoid_reference(z))
    assert_close(x.grad, sigmoid_slope_reference(z))


def test_tensor_sigmoid_is_finite_and_accurate_to_its_magnitude():
    z = np.array(NET_INPUTS)
    x = Tensor(z, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = x.sigmoid()
        s.backward(np.ones(len(z)))
    assert np.isfinite(s.data).all() and np.isfinite(x.grad).all()
    np.testing.assert_allclose(s.data, [sigmoid_reference(v) for v in z], rtol=1e-12, atol=0)
    # correct to float64 rounding of s: |error| <= a few ulps of 1
    slope = np.array([sigmoid_slope_reference(v) for v in z])
    np.testing.assert_allclose(x.grad, slope, rtol=1e-12, atol=4e-16)


def test_tensor_sigmoid_slope_has_full_relative_precision():
    z = np.array(NET_INPUTS)
    x = Tensor(z, requires_grad=True)
    x.sigmoid().backward(np.ones(len(z)))
    for got, v in zip(x.grad, z):
        assert_close(float(got), sigmoid_slope_reference(v))


# ----------------------------------------------------------------------------- softmax family
def logsumexp_reference(row: list[float]) -> float:
    """log(sum(e^z)) as m + log(fsum(e^(z - m))), m the largest entry."""
    m = max(row)
    return m + math.log(math.fsum(math.exp(v - m) for v in row))


def log_softmax_reference(row: list[float]) -> list[float]:
    """z - logsumexp(z) as (z - m) - log(fsum(e^(z - m))): z - m is exact for nearby entries,
    so no digit is lost to the size of m (subtracting a rounded logsumexp of 1e4 would lose
    about 1e-12)."""
    m = max(row)
    log_total = math.log(math.fsum(math.exp(v - m) for v in row))
    return [(v - m) - log_total for v in row]


LOGITS = [
    [1e4, 0.0, -1e4],
    [1e4, 1e4 - 1.0, 2.0],
    [-1e4, -1e4, -1e4],
    [1e4, 1e4, 1e4 - 30.0],
    [-1e4, 1e4 - 700.0, 1e4 - 745.0],
    [0.5, -0.25, 3.0],
]
"""Rows of logits up to 1e4 in size: far apart, ties, gaps of 1, 30, 700 and 745."""


def logits_tensor(scale: float, dtype: type = np.float64) -> Tensor:
    return Tensor(np.array(LOGITS) * scale, dtype=dtype, requires_grad=True)


WEIGHTS = np.random.default_rng(4).normal(size=(len(LOGITS), 3))
"""Random output weights: the tests backpropagate sum(WEIGHTS * f(z)), a full Jacobian check."""


@pytest.mark.parametrize("scale", [1.0, 1e-3, -1.0])
def test_softmax_and_log_softmax_match_the_stable_reference(scale):
    for name in ("softmax", "log_softmax"):
        z = logits_tensor(scale)
        out = getattr(z, name)()
        (out * WEIGHTS).sum().backward()
        assert np.isfinite(out.data).all() and np.isfinite(z.grad).all()
        for row, got, grad, w in zip(z.data.tolist(), out.data, z.grad, WEIGHTS):
            log_probs = log_softmax_reference(row)
            probs = [math.exp(v) for v in log_probs]
            if name == "softmax":
                expected = probs
                # d(sum w s)/dz_k = s_k (w_k - sum_j w_j s_j)
                dot = math.fsum(wj * pj for wj, pj in zip(w, probs))
                expected_grad = [p * (wk - dot) for p, wk in zip(probs, w)]
            else:
                expected = log_probs
                # d(sum w log s)/dz_k = w_k - s_k sum_j w_j
                expected_grad = [wk - p * math.fsum(w) for p, wk in zip(probs, w)]
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
            # gradients to 1e-15 absolute: an entry far smaller than its row's largest is
            # a difference of two numbers of that size
            np.testing.assert_allclose(grad, expected_grad, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_the_stable_reference(keepdims):
    z = logits_tensor(1.0)
    out = z.logsumexp(axis=1, keepdims=keepdims)
    out.sum().backward()
    expected = [logsumexp_reference(row) for row in LOGITS]
    np.testing.assert_allclose(out.data.reshape(-1), expected, rtol=1e-15)
    for row, grad in zip(LOGITS, z.grad):
        softmax = [math.exp(v) for v in log_softmax_reference(row)]
        np.testing.assert_allclose(grad, softmax, rtol=1e-12, atol=1e-300)


def test_cross_entropy_matches_the_stable_reference():
    labels = [0, 1, 2, 2, 1, 0]
    for reduce in (cross_entropy, softmax_cross_entropy):
        z = logits_tensor(1.0)
        loss = reduce(z, labels)
        loss.backward()
        n = len(LOGITS)
        rows = [-log_softmax_reference(row)[y] for row, y in zip(LOGITS, labels)]
        assert loss.item() == pytest.approx(math.fsum(rows) / n, rel=1e-14)
        for row, y, grad in zip(LOGITS, labels, z.grad):
            log_probs = log_softmax_reference(row)
            expected = [(math.exp(v) - (k == y)) / n for k, v in enumerate(log_probs)]
            np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-18)


def test_float32_logits_of_1e4_stay_finite():
    z = logits_tensor(1.0, np.float32)
    for name in ("softmax", "log_softmax", "logsumexp"):
        z.grad = None
        out = getattr(z, name)(axis=1)
        out.sum().backward()
        assert np.isfinite(out.data).all() and np.isfinite(z.grad).all(), name
        assert out.dtype == np.float32
    loss = cross_entropy(logits_tensor(1.0, np.float32), [0, 1, 2, 2, 1, 0])
    assert math.isfinite(loss.item()) and loss.dtype == np.float32


def test_value_softmax_cross_entropy_of_scores_of_1e4():
    scores = [Value(v) for v in LOGITS[4]]
    loss = softmax_cross_entropy(scores, 2)
    loss.backward()
    log_probs = log_softmax_reference(LOGITS[4])
    assert loss.data == pytest.approx(-log_probs[2], rel=1e-14)
    expected = [math.exp(v) - (k == 2) for k, v in enumerate(log_probs)]
    np.testing.assert_allclose([s.grad for s in scores], expected, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------- binary CE
OUTPUTS = [0.0, 1.0, 0.0, 1.0, 0.25, 1.0 - 1e-13, 1e-13]
TARGETS = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
"""Probabilities of exactly 0 and 1 (right and wrong), an everyday one, and two within the
clipping margin BCE_EPSILON = 1e-12 of 0 and 1."""


def clipped_bce_reference(p: float, t: float) -> tuple[float, float]:
    """The documented term and its slope: p clipped to [eps, 1 - eps], no slope when clipped."""
    q = min(max(p, BCE_EPSILON), 1 - BCE_EPSILON)
    term = -(t * math.log(q) + (1 - t) * math.log1p(-q))
    slope = 0.0 if q != p else -(t / p - (1 - t) / (1 - p))
    return term, slope


def test_binary_cross_entropy_at_outputs_of_exactly_0_and_1():
    k = len(OUTPUTS)
    reference = [clipped_bce_reference(p, t) for p, t in zip(OUTPUTS, TARGETS)]
    expected_loss = math.fsum(term for term, _ in reference) / k
    expected_grad = [slope / k for _, slope in reference]
    p = Tensor([OUTPUTS], requires_grad=True)
    loss = binary_cross_entropy(p, [TARGETS])
    loss.backward()
    values = [Value(v) for v in OUTPUTS]
    scalar = binary_cross_entropy(values, TARGETS)
    scalar.backward()
    for value, grad in ((loss.item(), p.grad[0]), (scalar.data, [v.grad for v in values])):
        assert value == pytest.approx(expected_loss, rel=1e-12)
        assert value <= -math.log(BCE_EPSILON)  # bounded: at most about 27.6 per term
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9, atol=0)


def bce_logits_reference(z: float, t: float) -> tuple[float, float]:
    """log(1 + e^z) - z t as max(z, 0) - z t + log1p(e^-|z|); its slope sigmoid(z) - t."""
    return max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z))), sigmoid_reference(z) - t


@pytest.mark.parametrize("z", [1e4, -1e4, 745.0, -745.0, 40.0, -40.0, 0.0, 3.0])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.25])
def test_binary_cross_entropy_with_logits_up_to_1e4(z, t):
    term, slope = bce_logits_reference(z, t)
    x = Tensor([[z]], requires_grad=True)
    loss = binary_cross_entropy_with_logits(x, [[t]])
    loss.backward()
    v = Value(z)
    scalar = binary_cross_entropy_with_logits([v], [t])
    scalar.backward()
    for value, grad in ((loss.item(), float(x.grad[0, 0])), (scalar.data, v.grad)):
        # a term below 1e-16 (4e-18 at z = -40, t = 0) is 0 to any sum it enters: both forms
        # take log(1 + e^-|z|), not log1p
        assert value == pytest.approx(term, rel=1e-12, abs=1e-16)
        assert grad == pytest.approx(slope, rel=1e-12, abs=1e-16)


# ----------------------------------------------------------------------------- log near 0
@pytest.mark.parametrize("x", [1e-300, 1e-308, 5.6e-309, 1e-12])
def test_log_near_zero_is_finite_with_slope_one_over_x(x):
    v = Value(x)
    y = v.log()
    y.backward()
    t = Tensor([x], requires_grad=True)
    out = t.log()
    out.sum().backward()
    for value, slope in ((y.data, v.grad), (float(out.data[0]), float(t.grad[0]))):
        assert value == pytest.approx(math.log(x), rel=1e-15)
        assert slope == pytest.approx(1 / x, rel=1e-15) and math.isfinite(slope)


def test_value_log_refuses_a_subnormal_whose_slope_overflows():
    with pytest.raises(ValueError, match=r"log: 'x'.*1/x is too large for a float"):
        Value(5e-324, "x").log()
    assert math.isfinite(Value(5e-324).exp().data)  # only log's slope is the problem


def test_tensor_log_refuses_a_subnormal_whose_slope_overflows():
    with pytest.raises(ValueError, match=r"log: .*too large for float64"):
        Tensor([5e-324, 1.0], requires_grad=True).log()


def test_tensor_log_of_a_subnormal_is_refused_only_when_its_slope_is_recorded():
    with pytest.raises(ValueError, match=r"log: .*too large for float32.*1e-30"):
        Tensor(np.array([1e-40, 1.0], np.float32), requires_grad=True).log()
    assert Tensor([5e-324]).log().data[0] == pytest.approx(math.log(5e-324))
    with no_grad():
        assert Tensor([5e-324], requires_grad=True).log().data[0] < -744


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_sigmoid_slope_at_large_inputs_matches_the_even_formula(dtype):
    """σ'(z) = σ'(-z): the slope on the saturated side (from σ²·e^-z) equals the one on the
    other side (from σ(1 - σ), exact there), in both precisions and through the
    overflow-safe path (an input below -709 in the same tensor)."""
    z = np.array([0.5, 6.0, 20.0, 37.0, 80.0], dtype)
    for extra in ([], [-800.0]):
        data = np.concatenate([z, -z, np.array(extra, dtype)]).astype(dtype)
        x = Tensor(data, requires_grad=True)
        x.sigmoid().backward(np.ones(len(data), dtype))
        np.testing.assert_allclose(x.grad[: len(z)], x.grad[len(z) : 2 * len(z)], rtol=1e-6)
        assert (x.grad[: len(z)] > 0).all()
