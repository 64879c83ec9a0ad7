"""The fused tensor operations `linear` and `squared_error`, and the engine's fast paths.

Each fused op is checked against central finite differences (autograd.gradcheck, float64,
random shapes and cotangents), against the unfused expression it replaces, and against
PyTorch (1e-10) where torch is installed. The fast paths (gradient ownership in backward,
in-place sigmoid, the 0-d seed, slices of data tensors) get their own semantic checks.
"""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.graph import edges, local_derivatives, parents
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import (
    LINEAR,
    SQUARED_ERROR,
    LocalRule,
    cross_entropy,
    linear,
    squared_error,
)
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
rng = np.random.default_rng(7)


def leaf(shape, dtype=np.float64, requires_grad=True, label=None):
    return Tensor(rng.normal(size=shape), requires_grad=requires_grad, dtype=dtype, label=label)


def weighted_sum(out: Tensor, seed: int = 0) -> Tensor:
    """sum(out * C) with a random C, so every entry of the Jacobian counts."""
    return (out * np.random.default_rng(seed).normal(size=out.shape)).sum()


# ---------------------------------------------------------------- linear
@st.composite
def linear_shapes(draw):
    """(input shape, out features, with bias): one example, a batch, or a batch of batches."""
    n_in = draw(st.integers(1, 4))
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    return (*lead, n_in), draw(st.integers(1, 4)), draw(st.booleans())


@SETTINGS
@given(linear_shapes(), st.booleans())
def test_linear_matches_finite_differences(shapes, input_needs_grad):
    x_shape, n_out, with_bias = shapes
    x = leaf(x_shape, requires_grad=input_needs_grad, label="x")
    w = leaf((n_out, x_shape[-1]), label="W")
    inputs = (x, w, leaf((n_out,), label="b")) if with_bias else (x, w)
    assert gradcheck(lambda *t: weighted_sum(linear(*t)), *inputs, raise_on_failure=True)


@SETTINGS
@given(linear_shapes())
def test_linear_is_x_times_w_transposed_plus_b(shapes):
    x_shape, n_out, with_bias = shapes
    x, w, b = leaf(x_shape), leaf((n_out, x_shape[-1])), leaf((n_out,))
    fused = linear(x, w, b) if with_bias else linear(x, w)
    weighted_sum(fused).backward()
    grads = [t.grad.copy() for t in (x, w, b) if t.grad is not None]
    for t in (x, w, b):
        t.grad = None
    unfused = x @ w.T + b if with_bias else x @ w.T
    weighted_sum(unfused).backward()
    np.testing.assert_allclose(fused.data, unfused.data, rtol=1e-14, atol=1e-14)
    for got, t in zip(grads, (x, w, b)):
        np.testing.assert_allclose(got, t.grad, rtol=1e-13, atol=1e-13)


def test_linear_is_one_node_with_a_rule_per_operand():
    x, w, b = leaf((5, 3), requires_grad=False), leaf((2, 3), label="W"), leaf((2,), label="b")
    y = linear(x, w, b)
    assert y.op == "linear" and parents(y) == (x, w, b)
    rules = local_derivatives(y)
    assert all(isinstance(r, LocalRule) for r in rules)
    assert [(r.op, r.operand) for r in rules] == [("linear", 0), ("linear", 1), ("linear", 2)]
    assert [p for p, _ in edges(linear(x, w))] == [x, w]  # no bias: two edges, two rules
    assert len(local_derivatives(linear(x, w))) == 2
    assert LINEAR.rules[1].formula == "∂(x·Wᵀ+b)/∂W: G ↦ Gᵀ·x (summed over the examples)"


def test_linear_data_input_gets_no_gradient_and_reused_weights_accumulate():
    x = leaf((4, 3), requires_grad=False)
    w, b = leaf((3, 3)), leaf((3,))
    h = linear(x, w, b).relu()
    out = linear(h, w, b)  # the same weights twice
    weighted_sum(out).backward()
    assert x.grad is None
    assert gradcheck(lambda w_, b_: weighted_sum(linear(linear(x, w_, b_).relu(), w_, b_)), w, b)


def test_linear_keeps_float32_and_promotes_mixed_precision():
    x, w, b = (leaf(s, np.float32) for s in ((4, 3), (2, 3), (2,)))
    y = linear(x, w, b)
    assert y.dtype == np.float32
    y.sum().backward()
    assert w.grad.dtype == b.grad.dtype == x.grad.dtype == np.float32
    b64 = leaf((2,))
    mixed = linear(x, w, b64)
    assert mixed.dtype == np.float64  # as x @ w.T + b64 would be
    mixed.sum().backward()
    assert w.grad.dtype == np.float32 and b64.grad.dtype == np.float64


def test_linear_accepts_arrays_as_constants():
    w = leaf((2, 3))
    y = linear(np.ones((4, 3)), w, np.zeros(2))
    assert y.shape == (4, 2)
    assert [p.op for p in parents(y)] == ["const", "", "const"]
    assert linear(np.ones(3, np.float32), leaf((2, 3), np.float32)).dtype == np.float32


def test_linear_bias_of_one_example_is_not_shared_with_other_gradients():
    # For a 1-D input the bias gradient is the incoming gradient itself; the leaf must
    # keep its own copy, so accumulating into it changes nothing else.
    x, w, b = leaf((3,)), leaf((2, 3)), leaf((2,))
    y = linear(x, w, b)
    g = np.array([1.0, -2.0])
    y.backward(g)
    y.backward(g)
    np.testing.assert_array_equal(b.grad, 2 * g)
    np.testing.assert_array_equal(g, [1.0, -2.0])
    assert b.grad is not y.grad


@pytest.mark.parametrize(
    "x_shape, w_shape, b_shape, message",
    [
        ((4, 3), (2, 4), None, r"input \(4,3\) and weight \(2,4\)"),
        ((4, 3), (3,), None, r"weight must have shape \(out, in\)"),
        ((), (2, 3), None, r"input \(\) and weight"),
        ((4, 3), (2, 3), (3,), r"bias must have shape \(2,\).*got \(3,\)"),
    ],
)
def test_linear_shape_errors_name_the_shapes(x_shape, w_shape, b_shape, message):
    b = None if b_shape is None else leaf(b_shape)
    with pytest.raises(ValueError, match=message):
        linear(leaf(x_shape), leaf(w_shape), b)


# ---------------------------------------------------------------- squared_error
@st.composite
def squared_error_shapes(draw):
    """Two shapes that broadcast, with ranks that may differ."""
    full = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    b = full[draw(st.integers(0, len(full) - 1)) :]
    b = [1 if draw(st.booleans()) else n for n in b]
    return tuple(full), tuple(b)


@SETTINGS
@given(squared_error_shapes(), st.floats(0.01, 3.0), st.booleans())
def test_squared_error_matches_finite_differences(shapes, scale, target_needs_grad):
    a = leaf(shapes[0], label="a")
    b = leaf(shapes[1], requires_grad=target_needs_grad, label="b")
    inputs = (a, b) if target_needs_grad else (a,)

    def f(*t):
        return squared_error(t[0], t[1] if target_needs_grad else b, scale)

    assert gradcheck(f, *inputs, raise_on_failure=True)


@SETTINGS
@given(squared_error_shapes(), st.floats(0.01, 3.0))
def test_squared_error_is_the_scaled_sum_of_squares(shapes, scale):
    a, b = leaf(shapes[0]), leaf(shapes[1])
    fused = squared_error(a, b, scale)
    fused.backward()
    grads = (a.grad.copy(), b.grad.copy())
    a.grad = b.grad = None
    unfused = ((a - b) ** 2).sum() * scale
    unfused.backward()
    assert fused.shape == ()
    np.testing.assert_allclose(fused.data, unfused.data, rtol=1e-13)
    np.testing.assert_allclose(grads[0], a.grad, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grads[1], b.grad, rtol=1e-13, atol=1e-15)


def test_squared_error_node_float32_and_arrays():
    a = leaf((4, 2), np.float32, label="a")
    loss = squared_error(a, np.ones((4, 2)), 0.125)  # the array takes a's dtype
    assert loss.dtype == np.float32 and loss.op == "squared_error"
    assert [p.op for p in parents(loss)] == ["", "const"]
    assert str(local_derivatives(loss)[0]) == SQUARED_ERROR.rules[0].formula
    loss.backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, 0.25 * (a.data - 1), rtol=1e-6)


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), "2", True, None])
def test_squared_error_refuses_a_bad_scale(scale):
    with pytest.raises(ValueError, match="scale must be a finite number"):
        squared_error(leaf((2,)), leaf((2,)), scale)


def test_squared_error_names_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"squared_error: shapes \(2,3\) and \(2,\)"):
        squared_error(leaf((2, 3)), leaf((2,)))


# ---------------------------------------------------------------- the engine's fast paths
def test_sigmoid_in_one_buffer_is_the_formula_for_every_rank_and_dtype():
    for shape in [(), (3,), (2, 3)]:
        for dtype in (np.float64, np.float32):
            x = leaf(shape, dtype)
            s = x.sigmoid()
            assert s.dtype == dtype and s.shape == shape
            expected = 1 / (1 + np.exp(-x.data))
            np.testing.assert_array_equal(s.data, expected)
            s.backward(np.ones(shape, dtype))
            np.testing.assert_allclose(x.grad, expected * (1 - expected), rtol=1e-6)
    x = leaf((4,))
    assert gradcheck(lambda t: weighted_sum(t.sigmoid()), x, raise_on_failure=True)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_backward_seeds_every_one_entry_shape(shape):
    x = leaf(shape, np.float32)
    y = (x * 3.0).sum(keepdims=True) if shape else x * 3.0
    y.backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == shape
    np.testing.assert_array_equal(x.grad, np.full(shape, 3.0))


def test_repeated_backward_accumulates_into_each_leafs_own_array():
    a, b = leaf((3, 2)), leaf((2,))
    loss = (a + b).sum() * 2.0  # sum's gradient is a new array; add hands it to both
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 2), 4.0))
    np.testing.assert_array_equal(b.grad, np.full(2, 12.0))
    assert not np.shares_memory(a.grad, b.grad)


def test_slices_of_a_data_tensor_are_leaves_and_of_a_parameter_are_nodes():
    data = Tensor(np.arange(12.0).reshape(6, 2))
    batch = data[2:4]
    assert not batch.requires_grad and parents(batch) == ()
    np.testing.assert_array_equal(batch.data, [[4.0, 5.0], [6.0, 7.0]])
    w = leaf((4, 3))
    (w[1:3].sum() + w[0].sum() * 2.0).backward()
    np.testing.assert_array_equal(w.grad, [[2.0] * 3, [1.0] * 3, [1.0] * 3, [0.0] * 3])


# ---------------------------------------------------------------- against PyTorch
@pytest.fixture
def torch():
    return pytest.importorskip(
        "torch",
        reason="PyTorch is not installed, so the fused ops are not compared with it "
        "(pip install torch==2.13.0 to run these)",
    )


@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch(torch, x_shape, with_bias):
    arrays = [rng.normal(size=x_shape), rng.normal(size=(4, 3)), rng.normal(size=4)]
    n = 3 if with_bias else 2
    ours = [Tensor(a, requires_grad=True) for a in arrays[:n]]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays[:n]]
    out = linear(*ours)
    expected = torch.nn.functional.linear(*theirs)
    cotangent = rng.normal(size=out.shape)
    (out * cotangent).sum().backward()
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_squared_error_matches_torch_mse_sum(torch):
    a_arr, b_arr = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    a, b = Tensor(a_arr, requires_grad=True), Tensor(b_arr, requires_grad=True)
    ta, tb = torch.tensor(a_arr, requires_grad=True), torch.tensor(b_arr, requires_grad=True)
    loss = squared_error(a, b, 0.05)
    expected = torch.nn.functional.mse_loss(ta, tb, reduction="sum") * 0.05
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-10)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_cross_entropy_in_float32_matches_torch(torch):
    logits, labels = rng.normal(size=(8, 5)).astype(np.float32), rng.integers(0, 5, 8)
    z = Tensor(logits, requires_grad=True)
    tz = torch.tensor(logits, requires_grad=True)
    loss = cross_entropy(z, labels)
    expected = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    loss.backward()
    expected.backward()
    assert loss.dtype == z.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-6)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-5, atol=1e-7)
