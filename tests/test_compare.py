"""Tests for `compare`: hand-derived derivatives against autodiff and central differences, for
functions of scalars (`Value`) and of arrays (`Tensor`), with the diagnoses of `verify`."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.autograd.verification import compare


# --------------------------------------------------------------------------- scalars
def blog_output(w16, w17, b7):
    """Seed 001's output neuron with the blog's hidden outputs."""
    net = (w16 * 0.0197 + w17 * 1.1239 + 0.9 * 1.3281 + b7).named("net_n9")
    out = net.sigmoid().named("out_n9")
    return (0.5 * (0.01 - out) ** 2).named("E")


def test_compare_hand_autodiff_and_finite_differences():
    table = compare(
        {"w17": "0.0850", "w16": "0.0025", "dout_n9/dnet_n9": 0.1579},
        blog_output,
        {"w16": 0.7, "w17": 0.8, "b7": -0.7},
    )
    rows = {r.claim: r for r in table.rows}
    assert rows["w17"].status == "wrong" and rows["w16"].status == "ok"
    assert rows["dout_n9/dnet_n9"].status == "ok"
    assert rows["w17"].shown == "0.0850"
    fd = table.finite_differences["w17"]
    assert fd == pytest.approx(rows["w17"].computed, rel=1e-7)
    assert table.finite_differences["dout_n9/dnet_n9"] is None  # not an argument
    assert table.wrong == [rows["w17"]]
    text = table.text()
    assert "finite diff." in text and "0.0850" in text and "chain rule:" in text


def test_compare_diagnoses_like_verify():
    def f(w, x):
        return (0.5 * (w * x - 1.0) ** 2).named("E")

    truth = (0.3 * 2.0 - 1.0) * 2.0
    table = compare({"w": f"{2 * truth:.6f}"}, f, {"w": 0.3, "x": 2.0})
    assert any("twice the correct value" in d for d in table.rows[0].diagnoses)
    assert table.rows[0].hint.startswith("the hand value ")


def test_compare_errors():
    with pytest.raises(ValueError, match="no argument or labelled node 'q'"):
        compare({"q": 1.0}, blog_output, {"w16": 0.7, "w17": 0.8, "b7": -0.7})
    with pytest.raises(TypeError, match="must return a Value"):
        compare({"w": 1.0}, lambda w: 3.0, {"w": 1.0})
    with pytest.raises(ValueError, match="not a number"):
        compare({"w": "abc"}, lambda w: w * 2, {"w": 1.0})
    unlabelled = compare({"w": 2.0}, lambda w: w * 2, {"w": 1.0})
    assert unlabelled.rows[0].status == "ok" and unlabelled.rows[0].node == "output"


@pytest.mark.parametrize(
    "hand", ["nan", "inf", "-Infinity", " NaN ", float("nan"), float("-inf"), 10**400]
)
def test_a_non_finite_scalar_hand_value_is_refused_not_judged_wrong(hand):
    # A string hand value is the text of a number (its digits are judged), not a formula:
    # 'nan' was read as NaN and the claim reported "wrong", as if the derivation erred.
    with pytest.raises(ValueError, match=r"hand value for 'w' is .*not a finite number"):
        compare({"w": hand}, lambda w: w * 2, {"w": 1.0})


def test_a_large_finite_hand_value_is_still_judged():
    (row,) = compare({"w": "1.000000e300"}, lambda w: w * 2, {"w": 1.0}).rows
    assert row.status == "wrong" and row.claimed == 1e300


def test_compare_checks_its_arguments_before_calling_the_function():
    def square(x):
        return x * x

    with pytest.raises(TypeError, match=r"cannot be called with the arguments named in at \(x\)"):
        compare({"x": 4.0}, lambda x, y: x * y, {"x": 2.0})
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        compare({"x": 4.0}, square, {"x": 2.0, "z": 1.0})
    with pytest.raises(TypeError, match="unsupported operand"):  # the function's own error
        compare({"x": 4.0}, lambda x: x + None, {"x": 2.0})
    with pytest.raises(TypeError, match=r"at must be a dict of name -> value.*got NoneType"):
        compare({"x": 4.0}, square, None)
    with pytest.raises(TypeError, match=r"hand must be a dict.*got list"):
        compare([4.0], square, {"x": 2.0})
    with pytest.raises(TypeError, match=r"keys of at must be names \(str\), got int 1"):
        compare({"x": 4.0}, square, {1: 2.0})
    with pytest.raises(TypeError, match="function must be callable, got str"):
        compare({"x": 4.0}, "x*x", {"x": 2.0})
    for eps in (0, 1, -1e-6, "1e-6", True, float("nan")):
        with pytest.raises(ValueError, match=r"compare: eps must be a number in \(0, 1\)"):
            compare({"x": 4.0}, square, {"x": 2.0}, eps=eps)


def test_compare_keeps_value_labels_of_the_users_graph():
    table = compare({"w": "1.0"}, lambda w: w * Value(1.0, label="one"), {"w": 3.0})
    assert table.rows[0].status == "ok"


def test_compare_reads_the_digits_of_a_numpy_float():
    table = compare({"w": np.float64(2.0)}, lambda w: w * 2, {"w": 1.0})
    assert table.rows[0].status == "ok" and table.rows[0].shown == "2.0"


# --------------------------------------------------------------------------- tensors
N = 4
"""The batch size of the matrix network."""


def matrix_network():
    """A 3-3-2 tanh network on a batch of N rows (W1 square, W2 not), its arguments, and its
    gradients written out by hand in numpy."""
    rng = np.random.default_rng(7)
    at = {
        "X": rng.normal(size=(N, 3)),
        "T": rng.normal(size=(N, 2)),
        "W1": rng.normal(size=(3, 3)),
        "W2": rng.normal(size=(3, 2)),
    }

    def loss(X, T, W1, W2):
        """The mean over the batch of 1/2 ||H W2 - t||^2, H = tanh(X W1)."""
        H = (X @ W1).tanh().named("H")
        return ((((H @ W2) - T) ** 2).sum() * (0.5 / N)).named("L")

    H = np.tanh(at["X"] @ at["W1"])
    delta = (H @ at["W2"] - at["T"]) / N  # dL/dO: the 1/N of the mean
    by_hand = {
        "W2": H.T @ delta,
        "W1": at["X"].T @ ((delta @ at["W2"].T) * (1 - H**2)),
        "dL/dH": delta @ at["W2"].T,
    }
    return loss, at, by_hand


def test_a_right_tensor_gradient_passes_and_matches_finite_differences():
    loss, at, by_hand = matrix_network()
    table = compare(by_hand, loss, at, batch_size=N)
    assert [r.status for r in table.rows] == ["ok", "ok", "ok"]
    assert table.wrong == [] and all(d == () for d in table.disagreements.values())
    for key in ("W1", "W2"):
        np.testing.assert_allclose(
            table.finite_differences[key], by_hand[key], rtol=1e-6, atol=1e-9
        )
    assert table.finite_differences["dL/dH"] is None  # H is not an argument
    text = table.text()
    assert "W1          3x3 array" in text and "ok (9 entries)" in text and "[" not in text


def test_arguments_may_be_tensors_lists_and_numbers():
    loss, at, by_hand = matrix_network()
    mixed = {**at, "X": Tensor(at["X"]), "T": at["T"].tolist()}
    table = compare({"W2": Tensor(by_hand["W2"]), "W1": by_hand["W1"].tolist()}, loss, mixed)
    assert [r.status for r in table.rows] == ["ok", "ok"]

    def scaled(W, c):
        return (c * (W**2).sum()).named("S")

    W = np.array([[1.0, -2.0]])
    table = compare({"W": 0.6 * W, "c": "5.0"}, scaled, {"W": W, "c": 0.3})
    assert [r.status for r in table.rows] == ["ok", "ok"]  # c: a 0-d Tensor, judged by digits
    assert table.rows[1].shown == "5.0" and table.finite_differences["c"] == pytest.approx(5.0)


def test_a_transposed_square_matrix_disagrees_off_the_diagonal_only():
    loss, at, by_hand = matrix_network()
    table = compare({"W1": by_hand["W1"].T}, loss, at, batch_size=N)
    (row,) = table.rows
    assert row.status == "wrong"
    assert row.diagnoses == (
        "the hand value is the transpose of the correct 3x3 matrix: a transposed matrix",
    )
    indices = [d.index for d in table.disagreements["W1"]]
    assert indices == [(i, j) for i in range(3) for j in range(3) if i != j]
    for d in table.disagreements["W1"]:
        assert d.hand == by_hand["W1"][d.index[::-1]]
        assert d.autodiff == pytest.approx(by_hand["W1"][d.index], rel=1e-12)
        assert d.finite_difference == pytest.approx(d.autodiff, rel=1e-6)
    text = table.text()
    assert "wrong (6 of 9 entries disagree)" in text
    assert "W1[0, 1]" in text and "W1[0, 0]" not in text  # only the entries that disagree
    assert "diagnosis: the hand value is the transpose" in text


def test_a_transposed_rectangular_matrix_is_the_wrong_shape():
    loss, at, by_hand = matrix_network()
    (row,) = compare({"W2": by_hand["W2"].T}, loss, at).rows
    assert row.status == "wrong"
    assert row.hint.startswith(
        "the claim has shape (2, 3) but the correct value has shape (3, 2); the hand value is "
        "the transpose of the correct 3x2 matrix"
    )


def test_a_factor_2_is_diagnosed():
    loss, at, by_hand = matrix_network()
    table = compare({"W2": 2 * by_hand["W2"], "W1": by_hand["W1"]}, loss, at, batch_size=N)
    wrong, right = table.rows
    assert right.status == "ok" and wrong.status == "wrong"
    assert len(wrong.diagnoses) == 1 and "is twice the correct value" in wrong.diagnoses[0]
    assert len(table.disagreements["W2"]) == 6


def test_a_missing_1_over_n_is_diagnosed_as_the_batch_size():
    loss, at, by_hand = matrix_network()
    summed = {key: N * value for key, value in by_hand.items()}  # dL/dO without the 1/N
    table = compare(summed, loss, at, batch_size=N)
    for row in table.rows:
        assert row.status == "wrong"
        assert any(
            "is 4 times the correct value" in d
            and "(4 = the batch size): a sum over the batch where the loss takes the mean" in d
            for d in row.diagnoses
        ), row.diagnoses
    without_batch = compare({"W1": summed["W1"]}, loss, at)  # no batch size, no such diagnosis
    assert without_batch.rows[0].diagnoses == ()


def test_the_table_lists_at_most_20_disagreeing_entries():
    def loss(W):
        return (W**2).sum().named("L")

    W = np.arange(1.0, 31.0).reshape(5, 6)
    text = compare({"W": -2 * W}, loss, {"W": W}).text()
    assert "wrong (30 of 30 entries disagree)" in text
    assert text.count("  W[") == 20 and "... 10 more" in text
    assert "sign flipped" in text and "(a 5x6 array)" in text  # no whole matrix in a diagnosis


def test_tensor_errors_are_clear():
    loss, at, by_hand = matrix_network()
    with pytest.raises(ValueError, match=r"one-entry Tensor \(a loss\), got shape \(4, 2\)"):
        compare({"W2": by_hand["W2"]}, lambda X, T, W1, W2: X @ W1 @ W2, at)
    with pytest.raises(TypeError, match=r"must return a Tensor .*as the arguments are Tensors"):
        compare({"W2": by_hand["W2"]}, lambda X, T, W1, W2: Value(1.0), at)
    with pytest.raises(ValueError, match="hand value for 'W2' is not an array of numbers"):
        compare({"W2": [["a", "b"]]}, loss, at)
    with pytest.raises(ValueError, match="hand value for 'W2' has entries that are not finite"):
        compare({"W2": np.full((3, 2), np.nan)}, loss, at)
    with pytest.raises(ValueError, match=r"compare: dH/d\.\.\.: H has 12 entries"):
        compare({"dH/dW1": by_hand["W1"]}, loss, at)
    with pytest.raises(TypeError, match=r"at\['w'\] must be a number or an array, got str"):
        compare({"w": 1.0}, lambda w: w, {"w": "1"})


@pytest.mark.parametrize(
    ("hand", "shown"),
    [(np.float32(4.0), "4.0"), (np.int64(4), "4"), (Fraction(4, 1), "4.0"), (np.float64(4), "4.0")],
)
def test_numpy_and_fraction_hand_values_are_numbers(hand, shown):
    row = compare({"x": hand}, lambda x: x * x, {"x": 2.0}).rows[0]
    assert (row.status, row.claimed, row.shown) == ("ok", 4.0, shown)
