"""Seed 002 (002_aed2f5c963051abc.txt): a 2-2-2 sigmoid network in matrix form, its formulas
taken literally in the document's own notation and checked against autodiff.

The document's notation: w_jk^(l) is the weight from node k of layer l-1 into node j of layer l
(k = 2 is the bias, whose input is 1); A^(l) = (a_0^(l) a_1^(l) 1) is a row; W^(l) is 3x2 with
W^(l)[k, j] = w_jk^(l), so a^(l+1) = sigma(A^(l) W^(l+1)); C = 1/2 sum_j (a_j^(2) - T_j)^2; its
"transposed change matrices" dC/dW^(l) are 2x3 with entry [j, k] = dC/dw_jk^(l), i.e. the
transpose of W^(l)'s layout. Compact formulas the document states:

    delta^(2) = D^(2) c,    dC/dW^(2) = delta^(2) A^(1),
    delta^(1) = D^(1) w^(2) delta^(2),    dC/dW^(1) = delta^(1) A^(0) = D^(1) w^(2) delta^(2) A^(0)

with w_2 = [[w_00^(2), w_01^(2)], [w_10^(2), w_11^(2)]], D^(l) = diag(a^(l)(1 - a^(l))),
c = a^(2) - T, and, at that point, A^(0) = (a_0^(0) a_1^(0)).

Findings pinned below: delta^(2), dC/dW^(2) = delta^(2) A^(1) and the sums defining delta^(1)
are right; the compact delta^(1) needs w_2 transposed (the document's own expansion of
D^(1) w^(2) silently writes D^(1) w_2^T); A^(0) must include the bias 1; the expanded
dC/dw_11^(1) has two wrong indices in its first term; and the update W = W - gamma dC/dW
subtracts a 2x3 matrix from a 3x2 one (the change matrix must be transposed back).
"""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate

rng = np.random.default_rng(2)
a0 = rng.uniform(0.1, 1.0, size=2)  # a_k^(0)
T = np.array([0.9, 0.2])  # targets T_0, T_1
W1_doc = rng.uniform(-1.0, 1.0, size=(3, 2))  # W^(1)[k, j] = w_jk^(1)
W2_doc = rng.uniform(-1.0, 1.0, size=(3, 2))  # W^(2)[k, j] = w_jk^(2)


def w(layer: int, j: int, k: int) -> float:
    """w_jk^(layer) in the document's notation."""
    return float((W1_doc if layer == 1 else W2_doc)[k, j])


def sigma(z):
    return 1 / (1 + np.exp(-z))


# The forward pass entry by entry, equations (1)-(4) of the document.
a1 = np.array([sigma(w(1, j, 0) * a0[0] + w(1, j, 1) * a0[1] + w(1, j, 2)) for j in (0, 1)])
a2 = np.array([sigma(w(2, j, 0) * a1[0] + w(2, j, 1) * a1[1] + w(2, j, 2)) for j in (0, 1)])


def autodiff():
    """The network in the document's matrix form, a^(l+1) = sigma(A^(l) W^(l+1)), differentiated
    by the engine. Returns the cost, dC/dW^(1), dC/dW^(2) (in W's own 3x2 layout) and
    dC/dz^(l), the true deltas."""
    A0 = Tensor([[a0[0], a0[1], 1.0]], label="A^(0)")
    W1 = Tensor(W1_doc, requires_grad=True, label="W^(1)")
    W2 = Tensor(W2_doc, requires_grad=True, label="W^(2)")
    z1 = (A0 @ W1).named("z^(1)")
    A1 = concatenate([z1.sigmoid(), np.ones((1, 1))], axis=1).named("A^(1)")
    z2 = (A1 @ W2).named("z^(2)")
    C = (0.5 * ((z2.sigmoid() - T) ** 2).sum()).named("C")
    C.backward()
    return C, W1.grad, W2.grad, z1.grad.ravel(), z2.grad.ravel()


C, dC_dW1, dC_dW2, delta1_true, delta2_true = autodiff()

# The document's matrices, built literally.
c = (a2 - T).reshape(2, 1)
w_2 = np.array([[w(2, 0, 0), w(2, 0, 1)], [w(2, 1, 0), w(2, 1, 1)]])
D1 = np.diag(a1 * (1 - a1))
D2 = np.diag(a2 * (1 - a2))
A0_doc = np.array([[a0[0], a0[1]]])  # as the document defines it under dC/dW^(1)
A0_with_bias = np.array([[a0[0], a0[1], 1.0]])  # as in the forward pass
A1_doc = np.array([[a1[0], a1[1], 1.0]])
delta2 = D2 @ c


def test_the_numbers_are_generic():
    # A symmetric w_2 would hide a missing transpose.
    assert abs(w_2[0, 1] - w_2[1, 0]) > 0.1
    assert C.data == pytest.approx(0.5 * np.sum((a2 - T) ** 2), rel=1e-15)


def test_autodiff_agrees_with_finite_differences():
    def cost(W1, W2):
        A0 = Tensor([[a0[0], a0[1], 1.0]])
        A1 = concatenate([(A0 @ W1).sigmoid(), np.ones((1, 1))], axis=1)
        return 0.5 * (((A1 @ W2).sigmoid() - T) ** 2).sum()

    assert gradcheck(cost, Tensor(W1_doc), Tensor(W2_doc), raise_on_failure=True)


def test_forward_matrix_form_gives_a_row_not_the_printed_column():
    # a^(1) is printed as a column but sigma(A^(0) W^(1)) is a 1x2 row; the values agree.
    row = sigma(A0_with_bias @ W1_doc)
    assert row.shape == (1, 2)
    np.testing.assert_allclose(row.ravel(), a1, rtol=1e-15)


def test_delta2_and_layer2_change_matrix_hold():
    np.testing.assert_allclose(delta2.ravel(), delta2_true, rtol=1e-12)
    change = delta2 @ A1_doc  # 2x3: entry [j, k] = dC/dw_jk^(2), the transposed change matrix
    np.testing.assert_allclose(change, dC_dW2.T, rtol=1e-12)


def test_layer2_update_as_written_subtracts_mismatched_shapes():
    # "W^(2) = W^(2) - gamma dC/dW^(2)": W^(2) is 3x2, the change matrix 2x3.
    change = delta2 @ A1_doc
    assert W2_doc.shape == (3, 2) and change.shape == (2, 3)
    gamma = 0.5
    updated = W2_doc - gamma * change.T  # the transpose back into W's layout is needed
    np.testing.assert_allclose(updated, W2_doc - gamma * dC_dW2, rtol=1e-15)


def test_delta1_defined_by_sums_holds():
    # delta_j^(1) = a_j^(1)(1 - a_j^(1)) sum_i delta_i^(2) w_ij^(2)
    delta1 = [a1[j] * (1 - a1[j]) * sum(delta2[i, 0] * w(2, i, j) for i in (0, 1)) for j in (0, 1)]
    np.testing.assert_allclose(delta1, delta1_true, rtol=1e-12)


def test_compact_delta1_needs_w2_transposed():
    literal = D1 @ w_2 @ delta2  # D^(1) w^(2) delta^(2) with w_2 as the document defines it
    corrected = D1 @ w_2.T @ delta2
    np.testing.assert_allclose(corrected.ravel(), delta1_true, rtol=1e-12)
    assert not np.allclose(literal.ravel(), delta1_true, rtol=1e-3)
    # W^(2) without its bias row is exactly w_2^T, so "w^(2)" read as that block would be right.
    np.testing.assert_array_equal(W2_doc[:2, :], w_2.T)


def test_documents_expansion_of_D1_w2_is_actually_D1_w2_transposed():
    # The matrix the document writes for D^(1) w^(2):
    # [[w_00 a_0(1-a_0), w_10 a_0(1-a_0)], [w_01 a_1(1-a_1), w_11 a_1(1-a_1)]]
    written = np.array(
        [
            [w(2, 0, 0) * a1[0] * (1 - a1[0]), w(2, 1, 0) * a1[0] * (1 - a1[0])],
            [w(2, 0, 1) * a1[1] * (1 - a1[1]), w(2, 1, 1) * a1[1] * (1 - a1[1])],
        ]
    )
    np.testing.assert_allclose(written, D1 @ w_2.T, rtol=1e-15)
    assert not np.allclose(written, D1 @ w_2)


def test_layer1_change_matrix_needs_the_bias_in_A0_and_w2_transposed():
    delta1_literal = D1 @ w_2 @ delta2
    literal = delta1_literal @ A0_doc  # D^(1) w^(2) delta^(2) A^(0), exactly as written
    assert literal.shape == (2, 2)  # the change matrix has 3 columns: the bias column is lost
    assert not np.allclose(literal, dC_dW1.T[:, :2], rtol=1e-3)  # and its values are wrong too
    correct = (D1 @ w_2.T @ delta2) @ A0_with_bias
    np.testing.assert_allclose(correct, dC_dW1.T, rtol=1e-12)
    # In W^(1)'s own layout: dC/dW^(1) = A^(0)T delta^(1)T.
    np.testing.assert_allclose(A0_with_bias.T @ (D1 @ w_2.T @ delta2).T, dC_dW1, rtol=1e-12)


def expanded_layer1_entries():
    """The six expanded dC/dw_jk^(1) entries, transcribed exactly as the document prints them."""
    A, T0, T1 = a2, T[0], T[1]
    h, x = a1, a0
    return {
        (0, 0): (A[0] - T0) * A[0] * (1 - A[0]) * w(2, 0, 0) * h[0] * (1 - h[0]) * x[0]
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 0) * h[0] * (1 - h[0]) * x[0],
        (0, 1): (A[0] - T0) * A[0] * (1 - A[0]) * w(2, 0, 0) * h[0] * (1 - h[0]) * x[1]
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 0) * h[0] * (1 - h[0]) * x[1],
        (0, 2): (A[0] - T0) * A[0] * (1 - A[0]) * w(2, 0, 0) * h[0] * (1 - h[0]) * 1
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 0) * h[0] * (1 - h[0]) * 1,
        (1, 0): (A[0] - T0) * A[0] * (1 - A[0]) * w(2, 0, 1) * h[1] * (1 - h[1]) * x[0]
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 1) * h[1] * (1 - h[1]) * x[0],
        # As printed: a_1^(2)(1 - a_1^(2)) and a_0^(1)(1 - a_1^(1)) in the first term.
        (1, 1): (A[0] - T0) * A[1] * (1 - A[1]) * w(2, 0, 1) * h[0] * (1 - h[1]) * x[1]
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 1) * h[1] * (1 - h[1]) * x[1],
        (1, 2): (A[0] - T0) * A[0] * (1 - A[0]) * w(2, 0, 1) * h[1] * (1 - h[1]) * 1
        + (A[1] - T1) * A[1] * (1 - A[1]) * w(2, 1, 1) * h[1] * (1 - h[1]) * 1,
    }


def test_expanded_entries_all_hold_except_dC_dw11():
    wrong = []
    for (j, k), value in expanded_layer1_entries().items():
        if not np.isclose(value, dC_dW1[k, j], rtol=1e-12, atol=0):
            wrong.append((j, k))
    assert wrong == [(1, 1)]


def test_dC_dw11_corrected():
    A, h, x = a2, a1, a0
    corrected = (A[0] - T[0]) * A[0] * (1 - A[0]) * w(2, 0, 1) * h[1] * (1 - h[1]) * x[1] + (
        A[1] - T[1]
    ) * A[1] * (1 - A[1]) * w(2, 1, 1) * h[1] * (1 - h[1]) * x[1]
    assert corrected == pytest.approx(dC_dW1[1, 1], rel=1e-12)
    assert corrected == pytest.approx(delta1_true[1] * a0[1], rel=1e-12)
