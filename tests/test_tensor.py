"""Tests for the tensor engine: every op against central finite differences (hypothesis, random
shapes up to rank 3 and broadcasts that change rank), graph semantics, dtypes, grad mode, errors,
and the no-cycles / no-recursion guarantees."""

from __future__ import annotations

import gc
import math
import threading
import weakref

import numpy as np
import pytest
from chaingrad.autograd import tensor as tensor_module
from chaingrad.autograd.anomaly import AnomalyError, detect_anomaly
from chaingrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from chaingrad.autograd.graph import edges, local_derivatives, parents, topological_order, zero_grad
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import (
    OPS,
    LocalRule,
    concatenate,
    cross_entropy,
    stack,
    unbroadcast,
)
from chaingrad.autograd.value import Value
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


# ---------------------------------------------------------------- the reference: finite differences
def numeric_grads(fn, arrays: list[np.ndarray], cotangent: np.ndarray) -> list[np.ndarray]:
    """Central differences of sum(fn(*arrays) * cotangent) with respect to each array, float64."""

    def scalar(values):
        with no_grad():
            return float((np.asarray(fn(*[Tensor(v) for v in values]).data) * cotangent).sum())

    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for k in np.ndindex(a.shape):
            h = 1e-6 * max(1.0, abs(a[k]))
            up = [v.copy() for v in arrays]
            down = [v.copy() for v in arrays]
            up[i][k] += h
            down[i][k] -= h
            g[k] = (scalar(up) - scalar(down)) / (up[i][k] - down[i][k])
        grads.append(g)
    return grads


def assert_grads_match(fn, *arrays: np.ndarray, seed: int = 0, rtol=1e-5, atol=1e-7):
    """Backprop through fn (with a random cotangent, so every Jacobian entry counts) and compare
    each input's gradient with finite differences."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    assert isinstance(out, Tensor)
    cotangent = np.random.default_rng(seed).normal(size=out.shape)
    (out * cotangent).sum().backward()
    expected = numeric_grads(fn, arrays, cotangent)
    scale = 1e-9 * max(1.0, float(np.abs(out.data).max()) * float(np.abs(cotangent).sum()))
    for leaf, want in zip(leaves, expected):
        assert leaf.grad is not None
        assert leaf.grad.shape == leaf.shape
        np.testing.assert_allclose(leaf.grad, want, rtol=rtol, atol=atol + scale)


# ---------------------------------------------------------------- strategies
dims = st.integers(1, 4)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)
nonempty_shapes = st.lists(dims, min_size=1, max_size=3).map(tuple)


@st.composite
def broadcast_pairs(draw):
    """Two shapes that broadcast together: suffixes of one full shape, some dimensions set to 1,
    so ranks differ as often as not: (3,) with (2,3), (2,1,4) with (3,1), () with anything."""
    full = draw(st.lists(dims, min_size=0, max_size=3))

    def partner():
        k = draw(st.integers(0, len(full)))
        return tuple(1 if draw(st.booleans()) else n for n in full[len(full) - k :])

    return partner(), partner()


def arrays(draw, shape, low=-2.0, high=2.0, away_from=None):
    seed = draw(st.integers(0, 2**32 - 1))
    a = np.random.default_rng(seed).uniform(low, high, size=shape)
    if away_from is not None:  # push entries at least 0.1 away from a kink or a pole
        close = np.abs(a - away_from) < 0.1
        a[close] += np.where(a[close] >= away_from, 0.1, -0.1)
    return a


@st.composite
def axis_choices(draw, ndim):
    """None, an int (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


# ---------------------------------------------------------------- elementwise binary ops
BINARY = {
    "add": (lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, 0.0),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_binary_ops_with_broadcasting_match_finite_differences(name, data):
    fn, avoid_in_b = BINARY[name]
    sa, sb = data.draw(broadcast_pairs())
    a = arrays(data.draw, sa)
    b = arrays(data.draw, sb, away_from=avoid_in_b)
    assert_grads_match(fn, a, b)


@SETTINGS
@given(data=st.data())
def test_power_with_tensor_exponent_matches_finite_differences(data):
    sa, sb = data.draw(broadcast_pairs())
    a = arrays(data.draw, sa, 0.3, 2.0)
    b = arrays(data.draw, sb, -2.0, 2.0)
    assert_grads_match(lambda x, y: x**y, a, b)


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_numbers_and_arrays_on_either_side(name, data):
    fn, avoid = BINARY[name]
    shape = data.draw(shapes)
    a = arrays(data.draw, shape, away_from=avoid)
    number = data.draw(st.floats(0.5, 2.0))
    other = arrays(data.draw, shape[1:], away_from=avoid)  # a plain array of lower rank
    assert_grads_match(lambda t: fn(t, number), a)
    assert_grads_match(lambda t: fn(number, t), a)
    assert_grads_match(lambda t: fn(t, other), a)
    assert_grads_match(lambda t: fn(other, t), a)


# ---------------------------------------------------------------- unary ops
UNARY = {
    "neg": (lambda t: -t, -2.0, 2.0, None),
    "exp": (lambda t: t.exp(), -2.0, 2.0, None),
    "log": (lambda t: t.log(), 0.2, 3.0, None),
    "tanh": (lambda t: t.tanh(), -3.0, 3.0, None),
    "sigmoid": (lambda t: t.sigmoid(), -6.0, 6.0, None),
    "relu": (lambda t: t.relu(), -2.0, 2.0, 0.0),
    "square": (lambda t: t**2, -2.0, 2.0, None),
    "cube": (lambda t: t**3, -2.0, 2.0, None),
    "sqrt": (lambda t: t**0.5, 0.2, 3.0, None),
    "reciprocal": (lambda t: t**-1, -2.0, 2.0, 0.0),
    "pow_zero": (lambda t: t**0, -2.0, 2.0, None),
    "rpow": (lambda t: 2.0**t, -2.0, 2.0, None),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data())
def test_unary_ops_match_finite_differences(name, data):
    fn, low, high, avoid = UNARY[name]
    a = arrays(data.draw, data.draw(shapes), low, high, away_from=avoid)
    assert_grads_match(fn, a)


def test_relu_derivative_at_zero_is_zero():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_sigmoid_is_finite_and_exact_for_huge_inputs():
    x = Tensor([-1e4, -40.0, 0.0, 40.0, 1e4], requires_grad=True)
    s = x.sigmoid()
    assert np.isfinite(s.data).all()
    np.testing.assert_allclose(s.data[1:4], [1 / (1 + np.exp(40)), 0.5, 1 / (1 + np.exp(-40))])
    s.sum().backward()
    assert np.isfinite(x.grad).all()
    assert x.grad[2] == 0.25


# ---------------------------------------------------------------- matmul
@st.composite
def matmul_shapes(draw):
    """Operand shapes numpy's matmul accepts: 1-D, 2-D and batched with broadcast batch dims."""
    m, k, n = draw(dims), draw(dims), draw(dims)
    batch_a, batch_b = draw(broadcast_pairs())
    batch_a, batch_b = batch_a[-1:], batch_b[-1:]  # at most rank 3 in all
    left = draw(st.sampled_from(["vector", "matrix"]))
    right = draw(st.sampled_from(["vector", "matrix"]))
    sa = (k,) if left == "vector" else (*batch_a, m, k)
    sb = (k,) if right == "vector" else (*batch_b, k, n)
    return sa, sb


@SETTINGS
@given(data=st.data())
def test_matmul_matches_finite_differences(data):
    sa, sb = data.draw(matmul_shapes())
    a, b = arrays(data.draw, sa), arrays(data.draw, sb)
    out = Tensor(a) @ Tensor(b)
    np.testing.assert_allclose(out.data, a @ b)
    assert_grads_match(lambda x, y: x @ y, a, b)


@pytest.mark.parametrize(
    ("sa", "sb"),
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)),
     ((2, 1, 3, 4), (5, 4, 2)), ((2, 3), (2, 3, 1))],
)  # fmt: skip
def test_matmul_numpy_semantics(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    assert (Tensor(a) @ Tensor(b)).shape == (a @ b).shape
    assert_grads_match(lambda x, y: x @ y, a, b)


def test_ndarray_on_the_left_of_a_tensor():
    w = Tensor(np.eye(2) * 3.0, requires_grad=True)
    x = np.array([[1.0, 2.0]])
    out = x @ w + np.ones(2)
    assert isinstance(out, Tensor)
    assert out.data.tolist() == [[4.0, 7.0]]
    out.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


# ---------------------------------------------------------------- reductions
REDUCTIONS = {
    "sum": lambda t, axis, keep: t.sum(axis, keep),
    "mean": lambda t, axis, keep: t.mean(axis, keep),
    "max": lambda t, axis, keep: t.max(axis, keep),
    "logsumexp": lambda t, axis, keep: t.logsumexp(axis, keep),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@SETTINGS
@given(data=st.data())
def test_reductions_match_numpy_and_finite_differences(name, data):
    shape = data.draw(shapes)
    axis = data.draw(axis_choices(len(shape)))
    keep = data.draw(st.booleans())
    # Distinct, well-separated entries: no ties within a finite-difference step.
    a = np.random.default_rng(data.draw(st.integers(0, 1000))).permutation(math.prod(shape)) * 0.3
    a = a.reshape(shape) - 1.0
    fn = REDUCTIONS[name]
    expected = {
        "sum": np.sum,
        "mean": np.mean,
        "max": np.max,
        "logsumexp": lambda x, axis, keepdims: np.log(np.exp(x).sum(axis=axis, keepdims=keepdims)),
    }[name](a, axis=axis, keepdims=keep)
    np.testing.assert_allclose(fn(Tensor(a), axis, keep).data, expected, rtol=1e-12)
    assert_grads_match(lambda t: fn(t, axis, keep), a)


def test_max_splits_the_gradient_evenly_between_ties():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = Tensor([5.0, 5.0, 1.0, 5.0], requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [1 / 3, 1 / 3, 0, 1 / 3])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(data=st.data())
def test_softmax_and_log_softmax_match_finite_differences(name, data):
    shape = data.draw(nonempty_shapes)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = arrays(data.draw, shape, -3.0, 3.0)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    probs = e / e.sum(axis=axis, keepdims=True)
    fn = (lambda t: t.softmax(axis)) if name == "softmax" else (lambda t: t.log_softmax(axis))
    np.testing.assert_allclose(
        fn(Tensor(a)).data, probs if name == "softmax" else np.log(probs), rtol=1e-12, atol=1e-14
    )
    assert_grads_match(fn, a)


def test_huge_logits_give_finite_values_and_gradients():
    logits = np.array([[1e3, 0.0, -1e3], [1e3, 1e3 - 1.0, 2.0]])
    for fn in (
        lambda t: t.softmax(),
        lambda t: t.log_softmax(),
        lambda t: t.logsumexp(axis=1),
        lambda t: cross_entropy(t, [0, 1]),
    ):
        z = Tensor(logits, requires_grad=True)
        out = fn(z)
        assert np.isfinite(out.data).all()
        (out * np.ones(out.shape)).sum().backward()
        assert np.isfinite(z.grad).all()
    assert cross_entropy(Tensor(logits), [0, 1]).item() == pytest.approx(
        (1 + np.log1p(np.exp(-1))) / 2
    )


@SETTINGS
@given(data=st.data())
def test_cross_entropy_matches_its_definition_and_finite_differences(data):
    n, c = data.draw(dims), data.draw(st.integers(1, 5))
    logits = arrays(data.draw, (n, c), -3.0, 3.0)
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    loss = cross_entropy(Tensor(logits), labels)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(-log_probs[np.arange(n), labels].mean(), rel=1e-12)
    assert_grads_match(lambda t: cross_entropy(t, labels), logits)
    z = Tensor(logits, requires_grad=True)
    cross_entropy(z, labels).backward()  # seed 004: dL/df_k = p_k - 1(y = k), here averaged
    np.testing.assert_allclose(z.grad, (np.exp(log_probs) - np.eye(c)[labels]) / n, atol=1e-15)


# ---------------------------------------------------------------- shapes and indexing
@SETTINGS
@given(data=st.data())
def test_reshape_and_transpose_match_finite_differences(data):
    shape = data.draw(shapes)
    a = arrays(data.draw, shape)
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    new_shape = (-1,) if shape else ()
    assert_grads_match(lambda t: t.reshape(new_shape) * 2, a)
    assert_grads_match(lambda t: t.transpose(*perm), a)
    assert_grads_match(lambda t: t.T, a)
    np.testing.assert_array_equal(Tensor(a).transpose(perm).data, a.transpose(perm))


def test_reshape_accepts_numpy_spellings():
    t = Tensor(np.arange(6.0))
    assert t.reshape(2, 3).shape == (2, 3)
    assert t.reshape((3, 2)).shape == (3, 2)
    assert t.reshape([-1, 1]).shape == (6, 1)
    assert t.reshape(2, 3).transpose().shape == (3, 2)
    assert t.reshape(1, 2, 3).transpose(2, 0, 1).shape == (3, 1, 2)
    assert t.reshape(2, 3).transpose(None).shape == (3, 2)  # as ndarray.transpose(None)


def test_transpose_of_one_axis_is_not_read_as_no_axes():
    # transpose(0) used to mean "reverse all axes", as if no axes were given.
    t = Tensor(np.ones((2, 3)))
    for axes in [(0,), (1,), ((),)]:
        with pytest.raises(ValueError) as caught:
            t.transpose(*axes)
        assert "are not a permutation of the 2 axes of a tensor of shape (2,3)" in str(caught.value)
        assert "t.transpose(1, 0)" in str(caught.value)
    assert Tensor([1.0, 2.0]).transpose(0).shape == (2,)  # the one axis of a vector
    assert Tensor(3.0).transpose(()).shape == ()  # no axes of a 0-d tensor


@SETTINGS
@given(data=st.data())
def test_basic_slicing_matches_finite_differences(data):
    shape = data.draw(nonempty_shapes)
    a = arrays(data.draw, shape)
    index = tuple(
        slice(data.draw(st.integers(0, n - 1)), None, data.draw(st.integers(1, 2))) for n in shape
    )
    assert_grads_match(lambda t: t[index], a)
    assert_grads_match(lambda t: t[0], a)
    assert_grads_match(lambda t: t[..., -1], a)


@SETTINGS
@given(data=st.data())
def test_integer_array_indexing_with_repeats_matches_finite_differences(data):
    shape = data.draw(nonempty_shapes)
    a = arrays(data.draw, shape)
    picks = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    assert_grads_match(lambda t: t[picks], a)
    assert_grads_match(lambda t: t[np.array(picks)] * 3, a)


def test_repeated_indices_accumulate():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 2, 0, 0]]
    assert y.data.tolist() == [10.0, 30.0, 10.0, 10.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_boolean_mask_and_mixed_indexing():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 4))
    assert_grads_match(lambda t: t[a > 0], a)
    assert_grads_match(lambda t: t[[0, 2], 1:3], a)
    assert_grads_match(lambda t: t[:, [1, 1, 3]], a)
    assert_grads_match(lambda t: t[None, 1], a)


@SETTINGS
@given(data=st.data())
def test_concatenate_and_stack_match_finite_differences(data):
    shape = data.draw(nonempty_shapes)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = arrays(data.draw, shape)
    longer = list(shape)
    longer[axis] += 1
    b = arrays(data.draw, tuple(longer))
    c = arrays(data.draw, shape)
    assert_grads_match(lambda x, y: concatenate([x, y, x], axis=axis), a, b)
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_grads_match(lambda x, z: stack([x, z, x], axis=new_axis), a, c)
    np.testing.assert_array_equal(
        stack([Tensor(a), c], axis=new_axis).data, np.stack([a, c], axis=new_axis)
    )


# ---------------------------------------------------------------- broadcasting that changes rank
@pytest.mark.parametrize(
    ("sa", "sb", "fn"),
    [((3,), (2, 3), lambda a, b: a + b), ((2, 1, 4), (3, 1), lambda a, b: a * b),
     ((), (2, 3, 4), lambda a, b: a / b), ((2, 3), (), lambda a, b: a - b),
     ((4, 1), (1, 3), lambda a, b: a * b)],
)  # fmt: skip
def test_gradients_are_reduced_to_each_operands_shape(sa, sb, fn):
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 2, size=sa), rng.uniform(0.5, 2, size=sb)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    fn(ta, tb).sum().backward()
    assert ta.grad.shape == sa
    assert tb.grad.shape == sb
    assert_grads_match(fn, a, b)


def test_rank_changing_broadcast_by_hand():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    assert b.grad.tolist() == [[1.0, 2.0, 3.0]] * 2
    c = Tensor(np.ones((2, 1, 4)), requires_grad=True)
    d = Tensor(np.ones((3, 1)), requires_grad=True)
    (c * d).sum().backward()
    assert c.grad.shape == (2, 1, 4)
    assert (c.grad == 3.0).all()
    assert d.grad.tolist() == [[8.0], [8.0], [8.0]]


def test_unbroadcast_sums_leading_and_unit_axes():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (2, 3, 4)) is g
    assert unbroadcast(g, (4,)).tolist() == [6.0] * 4
    assert unbroadcast(g, (3, 1)).tolist() == [[8.0]] * 3
    assert unbroadcast(g, ()).item() == 24.0


# ---------------------------------------------------------------- graph semantics
def test_reused_nodes_accumulate():
    a = Tensor([1.5, -2.0], requires_grad=True)
    (a * a).sum().backward()
    assert a.grad.tolist() == [3.0, -4.0]
    a2 = Tensor([1.5, -2.0], requires_grad=True)
    b = a2 + a2
    c = b * b
    c.sum().backward()  # c = 4 a², dc/da = 8a
    assert a2.grad.tolist() == [12.0, -16.0]
    assert b.grad.tolist() == [6.0, -8.0]


def test_shared_gradients_are_never_changed_under_another_node():
    # y = a + b hands the same array to both operands; z adds into y's operands again.
    rng = np.random.default_rng(4)
    a0, b0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def fn(a, b):
        y = a + b
        z = y + a
        return z * y + y

    assert_grads_match(fn, a0, b0)
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    y = a + b
    y.sum().backward()
    assert a.grad is not b.grad
    a.grad += 100.0  # a user (or an optimizer) editing one leaf's gradient in place
    assert (b.grad == 1.0).all()
    assert (y.grad == 1.0).all()


def test_leaf_gradients_accumulate_across_backward_calls_and_zero_grad_resets():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
    assert w.grad.tolist() == [6.0, 12.0]
    zero_grad([w])
    assert w.grad is None
    h = w * 3
    h.sum().backward()
    h.sum().backward()  # interior gradients are recomputed, not accumulated
    assert h.grad.tolist() == [1.0, 1.0]
    assert w.grad.tolist() == [6.0, 6.0]


def test_results_record_parents_only_when_an_operand_requires_grad():
    a = Tensor([1.0, 2.0])
    b = Tensor([3.0, 4.0], requires_grad=True)
    plain = a * 2 + 1
    assert not plain.requires_grad
    assert parents(plain) == () and plain.op == ""
    mixed = a * b
    assert mixed.requires_grad
    assert parents(mixed) == (a, b)
    mixed.sum().backward()
    assert a.grad is None
    assert b.grad.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        plain.sum().backward()


def test_no_grad_records_nothing_and_nests():
    w = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        y = (w * 2).exp()
        with no_grad():
            pass
        assert not is_grad_enabled()
        with enable_grad():
            z = w * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and parents(y) == ()
    assert z.requires_grad

    @no_grad()
    def evaluate(t):
        return t * 3

    assert not evaluate(w).requires_grad


def test_no_grad_is_thread_local():
    w = Tensor([1.0], requires_grad=True)
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with no_grad():
            entered.set()
            release.wait(5)
            seen["evaluator"] = (w * 2).requires_grad

    thread = threading.Thread(target=evaluator)
    thread.start()
    entered.wait(5)
    seen["trainer"] = (w * 2).requires_grad  # another thread sits in no_grad right now
    release.set()
    thread.join()
    assert seen == {"evaluator": False, "trainer": True}


def test_edges_carry_local_rules_one_per_operand():
    a = Tensor([1.0, 2.0], requires_grad=True, label="a")
    b = Tensor([3.0, 4.0], requires_grad=True, label="b")
    y = a * b
    rules = local_derivatives(y)
    assert len(rules) == len(parents(y)) == 2
    assert all(isinstance(r, LocalRule) for r in rules)
    assert [(r.op, r.operand) for r in rules] == [("mul", 0), ("mul", 1)]
    assert str(rules[0]) == "∂(a·b)/∂a = b"
    assert [p for p, _ in edges(y)] == [a, b]
    s = y - 2  # a number operand is a constant leaf, so operand order stays visible
    assert parents(s)[1].op == "const"
    assert parents(s)[1].data.item() == 2.0
    assert (a**2).op == "**2"
    cat = concatenate([a, b, a])
    assert len(local_derivatives(cat)) == 3
    assert {r.op for r in local_derivatives(cat)} == {"concatenate"}


def test_every_registered_op_has_a_rule_per_operand():
    for name, op in OPS.items():
        assert op.name == name
        assert callable(op.backward)
        assert op.rules and all(r.formula for r in op.rules)
        assert all(r.operand == (None if op.variadic else i) for i, r in enumerate(op.rules))


def test_labels_and_node_ids():
    x = Tensor([1.0], label="x")
    y = (x * 2).named("y")
    assert y.label == "y" and x.label == "x"
    assert y.node_id > x.node_id
    assert "label='y'" in repr(y)
    with pytest.raises(TypeError, match="label"):
        Tensor([1.0], label=3)
    with pytest.raises(TypeError, match="label"):
        y.named(None)


def test_array_helpers():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert t.shape == (2, 2) and t.ndim == 2 and t.size == 4 and len(t) == 2
    assert t.dtype == np.float64
    assert t.numpy() is t.data
    assert Tensor(5.0).item() == 5.0
    assert Tensor([[7.0]]).item() == 7.0
    d = (t * 2).detach()
    assert not d.requires_grad and parents(d) == ()
    with pytest.raises(ValueError, match=r"item: the tensor has shape \(2,2\)"):
        t.item()
    with pytest.raises(TypeError, match="item assignment"):
        t[0] = 1.0
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_data_is_copied_on_construction():
    raw = np.array([1.0, 2.0])
    t = Tensor(raw)
    raw[0] = 99.0
    assert t.data[0] == 1.0


# ---------------------------------------------------------------- dtypes
def test_float32_is_kept_through_every_op_and_gradient():
    rng = np.random.default_rng(5)
    x = Tensor(rng.uniform(0.5, 1.5, size=(3, 4)), dtype=np.float32, requires_grad=True)
    w = Tensor(rng.normal(size=(4, 2)).astype(np.float32), requires_grad=True)
    assert x.dtype == np.float32 and w.dtype == np.float32
    h = (x @ w + 0.5).sigmoid() * 2.0 - 1 / (x.sum(axis=1, keepdims=True) + 1)
    parts = [
        h.tanh(), h.relu(), h.exp(), (h**2 + 1).log(), h.softmax(), h.log_softmax(),
        h.max(axis=0, keepdims=True), h.mean(0), h.logsumexp(1), h.T, h[[0, 0]], -h,
        h.reshape(-1), concatenate([h, h]), stack([h, h]), 2.0**h, h / 3, 3 - h,
    ]  # fmt: skip
    assert all(p.dtype == np.float32 for p in parts)
    loss = sum((p.sum() for p in parts), start=cross_entropy(h, [0, 1, 1]))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_mixed_precision_promotes_and_each_leaf_keeps_its_dtype():
    a = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert a.grad.tolist() == [3.0, 4.0]


def test_dtype_choices():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.float64
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype="float64").dtype == np.float64
    assert Tensor([True, False]).data.tolist() == [1.0, 0.0]
    with pytest.raises(TypeError, match=r"dtype .*int64.* is not supported"):
        Tensor([1.0], dtype=np.int64)
    with pytest.raises(TypeError, match=r"dtype .*float16.* is not supported"):
        Tensor([1.0], dtype=np.float16)


@pytest.mark.parametrize("dtype", ["banana", "float6", 5, [np.float64]])
def test_a_dtype_numpy_cannot_read_is_refused_not_taken_as_float64(dtype):
    # np.dtype(None) is float64, so a failed parse must not fall through as None.
    with pytest.raises(TypeError, match=r"dtype .* is not a numpy dtype; use np.float64"):
        Tensor([1.0], dtype=dtype)
    assert Tensor([1.0], dtype=None).dtype == np.float64  # None still means the default


# ---------------------------------------------------------------- backward errors
def test_backward_of_a_non_scalar_needs_grad():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match=r"backward: the tensor has shape \(2,3\).*grad="):
        y.backward()
    y.backward(np.full((2, 3), 0.5))
    assert (x.grad == 1.0).all()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the tensor has shape \(2,3\)"):
        y.backward(np.ones(3))
    with pytest.raises(ValueError, match="not finite"):
        y.backward(np.full((2, 3), np.nan))


def test_a_backward_rule_that_returns_the_wrong_shape_is_named():
    from chaingrad.autograd.ops import Operation
    from chaingrad.autograd.tensor import record
    from chaingrad.autograd.tensor_ops import Op

    def forgets_to_unbroadcast(node, g):
        return g, g

    bad_add = Op(Operation("bad_add", ("1", "1"), op="+", tensor=True), forgets_to_unbroadcast)
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    y = record(a.data + b.data, bad_add, (a, b))
    with pytest.raises(RuntimeError, match=r"backward of 'bad_add'.*shape \(3,\).*\(2,3\)"):
        y.sum().backward()


# ---------------------------------------------------------------- bad input: clear errors
def test_matmul_error_names_the_op_and_shapes():
    with pytest.raises(
        ValueError, match=r"^matmul: shapes \(3,4\) and \(5,2\) do not align \(4 != 5\)$"
    ):
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4,\) do not align"):
        Tensor(np.ones(3)) @ np.ones(4)
    with pytest.raises(ValueError, match=r"batch dimensions \(2,\) and \(3,\) do not broadcast"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    with pytest.raises(ValueError, match="0-d operand"):
        Tensor(2.0) @ Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"\(operands 'x', 'W'\)"):
        Tensor(np.ones((1, 2)), label="x") @ Tensor(np.ones((3, 1)), label="W")


def test_broadcast_errors_name_the_op_and_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones(4))
    for expr, op in ((lambda: a + b, "add"), (lambda: a * b, "mul"), (lambda: a - b, "sub"),
                     (lambda: a / b, "div"), (lambda: a ** b, "pow")):  # fmt: skip
        with pytest.raises(ValueError, match=rf"^{op}: shapes \(2,3\) and \(4,\) do not broadcast"):
            expr()


def test_domain_errors_say_how_many_and_where():
    with pytest.raises(
        ValueError, match=r"log: .*<= 0 in 2 of 4 entries \(first at index \(0, 1\): 0\)"
    ):
        Tensor([[1.0, 0.0], [-3.0, 2.0]]).log()
    with pytest.raises(
        ZeroDivisionError, match=r"div: .* 0 in 1 of 3 entries \(first at index \(2,\)"
    ):
        Tensor([1.0, 2.0, 3.0]) / np.array([1.0, 2.0, 0.0])
    with pytest.raises(OverflowError, match=r"exp: 1 of 2 entries .*overflow float64"):
        Tensor([1.0, 800.0]).exp()
    with pytest.raises(OverflowError, match="overflow float32"):
        Tensor([100.0], dtype=np.float32).exp()
    with pytest.raises(ValueError, match="complex"):
        Tensor([-1.0, 4.0]) ** 0.5
    with pytest.raises(ZeroDivisionError, match="negative exponent"):
        Tensor([0.0, 4.0]) ** -1
    with pytest.raises(ValueError, match=r"derivative .* infinite"):
        Tensor([0.0, 4.0], requires_grad=True) ** 0.5
    with pytest.raises(ValueError, match="positive base"):
        Tensor([-1.0, 2.0]) ** Tensor([2.0, 2.0], requires_grad=True)


def test_bad_data_is_refused_clearly():
    with pytest.raises(
        ValueError, match=r"1 of 3 entries are not finite \(first at index \(1,\): nan\)"
    ):
        Tensor([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match=r"Tensor 'w': 1 of 1 entries are not finite"):
        Tensor(np.inf, label="w")
    with pytest.raises(TypeError, match="real numbers, got an array of dtype <U"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="not a rectangular array"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="complex"):
        Tensor([1 + 2j])
    with pytest.raises(TypeError, match="dtype object"):
        Tensor([Value(1.0)])
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="cannot mix a Value"):
        t + Value(1.0)
    with pytest.raises(TypeError, match="an operand is str"):
        t * "3"
    with pytest.raises(ValueError, match="an operand is nan"):
        t + float("nan")
    with pytest.raises(ValueError, match="not finite"):
        t + np.array([1.0, np.inf])


def test_shape_op_errors_are_clear():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"reshape: cannot reshape a tensor of shape \(2,3\) \(6 entries\)"
    ):
        t.reshape(4, 2)
    with pytest.raises(ValueError, match="not a permutation"):
        t.transpose(0, 0)
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*\(tensor of shape \(2,3\)\)"):
        t[5]
    with pytest.raises(TypeError, match="cannot be an index"):
        t[Tensor([0.0])]
    with pytest.raises(ValueError, match="sum: axis 2 is out of range for a 2-d tensor"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="repeats an axis"):
        t.max(axis=(0, -2))
    with pytest.raises(TypeError, match="axis must be"):
        t.mean(axis=1.5)
    with pytest.raises(ValueError, match="empty axis"):
        Tensor(np.ones((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="needs at least one tensor"):
        concatenate([])
    with pytest.raises(
        ValueError, match=r"concatenate: cannot join shapes \(2,3\), \(3,2\) along axis 0"
    ):
        concatenate([t, Tensor(np.ones((3, 2)))])
    with pytest.raises(ValueError, match=r"stack: cannot stack shapes \(2,3\), \(3,2\)"):
        stack([t, Tensor(np.ones((3, 2)))])
    with pytest.raises(TypeError, match="expected a list of tensors"):
        stack(t)


def test_division_overflow_is_unchecked_as_documented_and_anomaly_mode_finds_it():
    with np.errstate(over="ignore"):
        assert np.isinf((Tensor([1.0]) / 1e-320).data).all()  # float arithmetic, as `*`
        with detect_anomaly(), pytest.raises(AnomalyError, match=r"^/: its result is"):
            Tensor([1.0, 2.0]) / Tensor([1e-320, 1.0], requires_grad=True)
        with detect_anomaly(), pytest.raises(AnomalyError, match=r"^/: its result is"):
            Tensor([1.0]) / 1e-320  # also when nothing records a graph
    assert "``*``, ``/``, ``@`` or ``**``" in tensor_module.__doc__


def test_numpy_functions_given_a_tensor_say_what_to_use():
    t = Tensor(np.ones((2, 3)))
    assert (np.shape(t), np.ndim(t), np.size(t)) == ((2, 3), 2, 6)  # shape queries work
    with pytest.raises(TypeError) as caught:
        np.sum(t)
    assert str(caught.value) == (
        "np.sum: a Tensor is not a numpy array; use t.sum(...) to keep the gradient, or "
        "np.sum(t.data) for plain numbers"
    )
    with pytest.raises(TypeError, match=r"^np.stack: .*autograd's stack\(\[...\]\)"):
        np.stack([t, t])


def test_cross_entropy_errors_are_clear():
    z = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\).*label 3 at position 1"):
        cross_entropy(z, [0, 3])
    with pytest.raises(ValueError, match=r"labels have shape \(3,\).*\(2,3\).*shape \(2,\)"):
        cross_entropy(z, [0, 1, 2])
    with pytest.raises(TypeError, match="integer class indices"):
        cross_entropy(z, [0.5, 1.0])
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\)"):
        cross_entropy(Tensor(np.zeros(3)), [0])
    assert cross_entropy(z, np.array([0.0, 2.0])).item() == pytest.approx(np.log(3))


# ---------------------------------------------------------------- memory and depth
def test_no_reference_cycles_graph_freed_by_refcount_alone():
    gc.collect()
    gc.disable()
    try:
        rng = np.random.default_rng(6)
        w = Tensor(rng.normal(size=(3, 3)), requires_grad=True, label="w")
        x = Tensor(rng.normal(size=(4, 3)), label="x")
        y = x
        for _ in range(30):
            y = ((y @ w).tanh() + y.sigmoid() * 0.5)[:, [0, 1, 2]].softmax() - y.mean(0)
        loss = cross_entropy(y, [0, 1, 2, 0]) + y.max()
        loss.backward()
        order = topological_order(loss)
        assert len(order) > 300
        alive = [weakref.ref(node) for node in order]
        del y, loss, order
        w_grad = w.grad
        del w, x
        # With the cycle collector off, only reference counting can have freed them.
        survivors = [ref() for ref in alive if ref() is not None]
        assert not survivors, f"{len(survivors)} nodes survived: a reference cycle"
        assert np.abs(w_grad).sum() > 0
    finally:
        gc.enable()


def test_deep_chain_needs_no_recursion():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]
