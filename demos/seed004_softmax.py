"""Seed 004's gradients for a D-H-K ReLU net with softmax cross-entropy and L2, checked.

    python demos/seed004_softmax.py

The document (James Saxon, "Simple neural network math") folds the biases into the
weights (a constant 1 appended to x and to h, so w1 is (D+1) x H and w2 is (H+1) x K),
uses ReLU hidden units g, identity outputs f, the loss L = L_d/N + L_r with
L_d = sum_i -log softmax(f)_{y_i} and L_r = alpha/2 sum w^2, and writes "the terms for
our program":

    df = p_k - 1(y_i = k)      dw2 = h . df + alpha w2
    dh = df . w2               dw1 = x . dh + alpha w1

Here the network is built in exactly that orientation with the Tensor engine, its
gradients are taken by autodiff (and confirmed by central differences), and the
document's formulas are evaluated on a small batch in four readings: as written; with
the Heaviside factor Theta(h) its text mentions; with df divided by N (because
L = L_d/N + L_r); and with both. Only the last matches autodiff, for any batch size.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from autograd.gradcheck import gradcheck
from autograd.tensor import Tensor
from autograd.tensor_ops import concatenate
from nn.losses import l2_penalty, softmax_cross_entropy


@dataclass(frozen=True)
class Batch:
    """A batch in the document's orientation: rows of x with the constant 1 appended."""

    x: np.ndarray  # (N, D+1), last column 1
    y: np.ndarray  # (N,) class labels
    w1: np.ndarray  # (D+1, H), last row: the hidden biases
    w2: np.ndarray  # (H+1, K), last row: the output biases
    alpha: float


def make_batch(
    n: int = 8, d: int = 3, h: int = 4, k: int = 3, alpha: float = 0.1, seed: int = 4
) -> Batch:
    """Random inputs, labels and weights (seeded) for a D-H-K network on n examples."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=(n, d)), np.ones(n)])
    y = rng.integers(0, k, n)
    return Batch(x, y, rng.normal(size=(d + 1, h)), rng.normal(size=(h + 1, k)), alpha)


def loss(batch: Batch, w1: Tensor, w2: Tensor) -> Tensor:
    """L = L_d/N + L_r, built from the document's pieces (bias as a constant-1 column)."""
    hidden = (batch.x @ w1).relu()  # g(h), the ReLU of the hidden products
    ones = np.ones((len(batch.x), 1))
    scores = concatenate([hidden, ones], axis=1) @ w2  # f, identity outputs
    return softmax_cross_entropy(scores, batch.y) + l2_penalty([w1, w2], batch.alpha)


def autodiff(batch: Batch) -> tuple[float, np.ndarray, np.ndarray]:
    """The loss and its gradients dL/dw1, dL/dw2 by backpropagation."""
    w1 = Tensor(batch.w1, requires_grad=True, label="w1")
    w2 = Tensor(batch.w2, requires_grad=True, label="w2")
    total = loss(batch, w1, w2)
    total.backward()
    return total.item(), w1.grad, w2.grad


def confirmed_by_finite_differences(batch: Batch) -> bool:
    """Whether central differences agree with autodiff for every entry of w1 and w2."""
    w1 = Tensor(batch.w1, label="w1")
    w2 = Tensor(batch.w2, label="w2")
    return bool(gradcheck(lambda a, b: loss(batch, a, b), w1, w2))


@dataclass(frozen=True)
class Reading:
    """One way of reading the document's formulas: whether df is divided by N, and which
    Heaviside mask (if any) multiplies dh."""

    name: str
    divide_by_n: bool
    mask: str  # "none", "theta" (on where h > 0), "text" (off where h > 0, as the text says)


REPAIRED = Reading("df / N and Theta(h)", True, "theta")
"""The reading that matches autodiff: the formulas with both repairs."""
READINGS = (
    Reading("as written (no Theta, df not divided by N)", False, "none"),
    Reading("with Theta(h), df not divided by N", False, "theta"),
    Reading("df / N, no Theta", True, "none"),
    REPAIRED,
    Reading("df / N, derivative off where h > 0 (the text's words)", True, "text"),
)
MATCH = 1e-12
"""A reading matches autodiff when no entry differs by more than this."""


def document_gradients(batch: Batch, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
    """dw1 and dw2 from the document's section 3, summed over the batch, in one reading.

    The shapes force two repairs to the formulas as printed, made here in every reading:
    with row vectors, "h . df" is the outer product h^T df and "df . w2" is df w2^T
    (df is 1 x K and w2 is (H+1) x K); and dh has an entry for the constant-1 hidden
    unit, which has no weights into it, so that entry is dropped before "x . dh".
    """
    n = len(batch.x)
    products = batch.x @ batch.w1  # the hidden products h (pre-activation)
    hidden = np.column_stack([np.maximum(products, 0), np.ones(n)])
    p = np.exp(hidden @ batch.w2 - (hidden @ batch.w2).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    df = p - np.eye(batch.w2.shape[1])[batch.y]  # p_k - 1(y_i = k)
    if reading.divide_by_n:
        df /= n
    dw2 = hidden.T @ df + batch.alpha * batch.w2
    dh = (df @ batch.w2.T)[:, :-1]  # drop the constant unit's entry
    if reading.mask == "theta":
        dh = dh * (products > 0)
    elif reading.mask == "text":
        dh = dh * (products <= 0)
    dw1 = batch.x.T @ dh + batch.alpha * batch.w1
    return dw1, dw2


def compare(batch: Batch) -> list[tuple[Reading, float, float]]:
    """For each reading: the largest |document - autodiff| over dw1 and over dw2."""
    _, g1, g2 = autodiff(batch)
    rows = []
    for reading in READINGS:
        dw1, dw2 = document_gradients(batch, reading)
        rows.append((reading, float(np.abs(dw1 - g1).max()), float(np.abs(dw2 - g2).max())))
    return rows


def main() -> int:
    """Print the comparison for a batch of 8 and for a single example; 0 when autodiff is
    confirmed and the repaired reading matches it."""
    ok = True
    for n in (8, 1):
        batch = make_batch(n=n)
        value, _, _ = autodiff(batch)
        confirmed = confirmed_by_finite_differences(batch)
        off = int((batch.x @ batch.w1 <= 0).sum())
        print(
            f"N = {n}, D = 3, H = 4, K = 3, alpha = {batch.alpha}: L = {value:.6f}; "
            f"{off} of {batch.x.shape[0] * batch.w1.shape[1]} hidden products are <= 0; "
            f"autodiff {'confirmed' if confirmed else 'NOT CONFIRMED'} by central differences"
        )
        print(f"  {'reading of the document':56} {'max |error| dw1':>16} {'max |error| dw2':>16}")
        for reading, e1, e2 in compare(batch):
            verdict = "matches" if max(e1, e2) < MATCH else "wrong"
            print(f"  {reading.name:56} {e1:16.3e} {e2:16.3e}  {verdict}")
            if reading is REPAIRED:
                ok = ok and confirmed and max(e1, e2) < MATCH
    print(
        "\nWhere the document departs (each checked above or by its shapes):\n"
        "  1. dh = df . w2 omits the Heaviside factor: dh = (df w2^T) * Theta(h). Section 2\n"
        "     names Theta(h) but section 3 drops it; without it dw1 is wrong wherever a\n"
        "     hidden product is <= 0.\n"
        '  2. Section 2 says the ReLU derivative "turns off the derivative when h is\n'
        '     positive"; it turns it off where h is negative (Theta(h) = 0 for h < 0).\n'
        "  3. With L = L_d/N + L_r, df must be divided by N for a batch: the formulas are\n"
        "     per example (right as they stand only for N = 1).\n"
        "  4. dw2 is labelled dL_i/dw2, but L_i holds no regularization: h df + alpha w2 is\n"
        "     d(L_i + L_r)/dw2, i.e. dL/dw2 for one example.\n"
        "  5. Shapes: with w2 (H+1) x K, h . df is the outer product h^T df and df . w2 is\n"
        "     df w2^T; dh's entry for the constant-1 unit must be dropped before x . dh.\n"
        "     Section 1 indexes w_kj^(2) (row = output), the transpose of that (H+1) x K w2,\n"
        "     and its sums run to H and D, leaving out the constant units it folds in.\n"
        "  6. Typos: df is written p_k - 1(y_i - k) for 1(y_i = k), and the derivation's\n"
        "     log(e^{f_j}) should be log(e^{f_{y_i}})."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
