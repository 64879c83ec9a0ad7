"""Seed 004's batch analysis: its matrix formulas for dw1 and dw2, read several ways, against
autodiff.

The document (James Saxon, "Simple neural network math") gives the gradients of a D-H-K ReLU
network with softmax cross-entropy and L2 regularization as matrix formulas for a numpy
program. Its network is built here with the Tensor engine in the document's own orientation,
its gradients are taken by autodiff and confirmed by central differences
(`autograd.gradcheck`), and its formulas are evaluated in each `Reading` on a seeded batch.
Where the document departs from the gradients is in the notes beside its case file
(``case_notes("seed004_softmax_l2")``); the case file itself checks one example element-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate

from ..losses import l2_penalty, softmax_cross_entropy


@dataclass(frozen=True)
class Seed004Batch:
    """A batch in seed 004's orientation: rows of x with the constant 1 appended."""

    x: np.ndarray  # (N, D+1), last column 1
    y: np.ndarray  # (N,) class labels
    w1: np.ndarray  # (D+1, H), last row: the hidden biases
    w2: np.ndarray  # (H+1, K), last row: the output biases
    alpha: float


def seed004_batch(
    n: int = 8, d: int = 3, h: int = 4, k: int = 3, alpha: float = 0.1, seed: int = 4
) -> Seed004Batch:
    """Random inputs, labels and weights (seeded) for a D-H-K network on n examples."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=(n, d)), np.ones(n)])
    y = rng.integers(0, k, n)
    return Seed004Batch(x, y, rng.normal(size=(d + 1, h)), rng.normal(size=(h + 1, k)), alpha)


def seed004_loss(batch: Seed004Batch, w1: Tensor, w2: Tensor) -> Tensor:
    """L = L_d/N + L_r, built from the document's pieces (bias as a constant-1 column)."""
    hidden = (batch.x @ w1).relu()  # g(h), the ReLU of the hidden products
    ones = np.ones((len(batch.x), 1))
    scores = concatenate([hidden, ones], axis=1) @ w2  # f, identity outputs
    return softmax_cross_entropy(scores, batch.y) + l2_penalty([w1, w2], batch.alpha)


@dataclass(frozen=True)
class Reading:
    """One way of reading seed 004's formulas: whether df is divided by N, and which
    Heaviside mask (if any) multiplies dh."""

    name: str
    divide_by_n: bool
    mask: str  # "none", "theta" (on where h > 0), "text" (off where h > 0, as the text says)


SEED004_REPAIRED = Reading("df / N and Theta(h)", True, "theta")
"""The reading that matches autodiff: the formulas with both repairs."""
SEED004_READINGS = (
    Reading("as written (no Theta, df not divided by N)", False, "none"),
    Reading("with Theta(h), df not divided by N", False, "theta"),
    Reading("df / N, no Theta", True, "none"),
    SEED004_REPAIRED,
    Reading("df / N, derivative off where h > 0 (the text's words)", True, "text"),
)
SEED004_MATCH = 1e-12
"""A reading matches autodiff when no entry differs by more than this."""


def seed004_formulas(batch: Seed004Batch, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
    """dw1 and dw2 from the document's section 3, summed over the batch, in one reading.

    The document's terms: df = p_k - 1(y_i = k), dw2 = h . df + alpha w2,
    dh = df . w2, dw1 = x . dh + alpha w1. The shapes force two repairs to the formulas
    as printed, made here in every reading: with row vectors, "h . df" is the outer
    product h^T df and "df . w2" is df w2^T (df is 1 x K and w2 is (H+1) x K); and dh
    has an entry for the constant-1 hidden unit, which has no weights into it, so that
    entry is dropped before "x . dh".
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


class ReadingError(NamedTuple):
    """How far one reading of the formulas is from autodiff: max |error| over dw1 and dw2."""

    reading: Reading
    dw1: float
    dw2: float

    @property
    def matches(self) -> bool:
        """True when both errors are below `SEED004_MATCH`."""
        return max(self.dw1, self.dw2) < SEED004_MATCH


@dataclass(frozen=True)
class Seed004Result:
    """Seed 004 on one batch: the loss, whether central differences confirm autodiff, and
    how far each reading of the document's formulas is from autodiff."""

    batch: Seed004Batch
    loss: float
    confirmed: bool
    readings: tuple[ReadingError, ...]

    @property
    def repaired_matches(self) -> bool:
        """True when autodiff is confirmed and the repaired reading matches it."""
        repaired = next(r for r in self.readings if r.reading is SEED004_REPAIRED)
        return self.confirmed and repaired.matches

    def text(self) -> str:
        """The batch's sizes and loss, then one line per reading with its errors."""
        x, w1, w2 = self.batch.x, self.batch.w1, self.batch.w2
        off = int((x @ w1 <= 0).sum())
        lines = [
            f"N = {len(x)}, D = {x.shape[1] - 1}, H = {w1.shape[1]}, K = {w2.shape[1]}, "
            f"alpha = {self.batch.alpha}: L = {self.loss:.6f}; {off} of {x.shape[0] * w1.shape[1]} "
            "hidden products are <= 0; autodiff "
            f"{'confirmed' if self.confirmed else 'NOT CONFIRMED'} by central differences",
            f"  {'reading of the document':56} {'max |error| dw1':>16} {'max |error| dw2':>16}",
        ]
        for row in self.readings:
            verdict = "matches" if row.matches else "wrong"
            lines.append(f"  {row.reading.name:56} {row.dw1:16.3e} {row.dw2:16.3e}  {verdict}")
        return "\n".join(lines)


def seed004_softmax(
    n: int = 8, *, d: int = 3, h: int = 4, k: int = 3, alpha: float = 0.1, seed: int = 4
) -> Seed004Result:
    """Seed 004's D-H-K ReLU net with softmax cross-entropy and L2, on a seeded batch.

    The document (James Saxon, "Simple neural network math") folds the biases into the
    weights (a constant 1 appended to x and to h, so w1 is (D+1) x H and w2 is (H+1) x K),
    uses ReLU hidden units g, identity outputs f, and the loss L = L_d/N + L_r with
    L_d = sum_i -log softmax(f)_{y_i} and L_r = alpha/2 sum w^2. The network is built in
    exactly that orientation (`seed004_loss`), its gradients are taken by autodiff and
    confirmed by central differences (`autograd.gradcheck`), and the document's formulas
    (`seed004_formulas`) are evaluated in each of `SEED004_READINGS`.
    """
    batch = seed004_batch(n, d, h, k, alpha, seed)
    w1 = Tensor(batch.w1, requires_grad=True, label="w1")
    w2 = Tensor(batch.w2, requires_grad=True, label="w2")
    total = seed004_loss(batch, w1, w2)
    total.backward()
    confirmed = bool(
        gradcheck(
            lambda a, b: seed004_loss(batch, a, b),
            Tensor(batch.w1, label="w1"),
            Tensor(batch.w2, label="w2"),
        )
    )
    readings = []
    for reading in SEED004_READINGS:
        dw1, dw2 = seed004_formulas(batch, reading)
        readings.append(
            ReadingError(
                reading, float(np.abs(dw1 - w1.grad).max()), float(np.abs(dw2 - w2.grad).max())
            )
        )
    return Seed004Result(batch, total.item(), confirmed, tuple(readings))
