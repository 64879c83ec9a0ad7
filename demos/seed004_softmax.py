"""Seed 004's gradients for a D-H-K ReLU net with softmax cross-entropy and L2, checked.

    python demos/seed004_softmax.py

The document (James Saxon, "Simple neural network math") folds the biases into the
weights (a constant 1 appended to x and to h, so w1 is (D+1) x H and w2 is (H+1) x K),
uses ReLU hidden units g, identity outputs f, the loss L = L_d/N + L_r with
L_d = sum_i -log softmax(f)_{y_i} and L_r = alpha/2 sum w^2, and writes "the terms for
our program":

    df = p_k - 1(y_i = k)      dw2 = h . df + alpha w2
    dh = df . w2               dw1 = x . dh + alpha w1

`nn.documents.seed004.seed004_softmax` builds the network in exactly that orientation with the
Tensor engine, takes its gradients by autodiff (confirmed by central differences), and
evaluates the document's formulas on a batch in several readings: as written; with the
Heaviside factor Theta(h) its text mentions; with df divided by N (because
L = L_d/N + L_r); and with both. Only the last matches autodiff, for any batch size.
This script prints that for a batch of 8 and for a single example, then where the document
departs (the notes beside its case file, ``nn/documents/notes/notes.toml``).
"""

from __future__ import annotations

import sys
import textwrap

from chaingrad.nn.documents.casefiles import case_notes
from chaingrad.nn.documents.seed004 import seed004_softmax


def main() -> int:
    """Print the comparison for a batch of 8 and for a single example; 0 when autodiff is
    confirmed and the repaired reading matches it for both."""
    results = [seed004_softmax(n) for n in (8, 1)]
    for result in results:
        print(result.text())
    print("\nWhere the document departs (each checked above or by its shapes):")
    for i, note in enumerate(case_notes("seed004_softmax_l2").notes, start=1):
        print(textwrap.fill(note, 86, initial_indent=f"  {i}. ", subsequent_indent="     "))
    return 0 if all(result.repaired_matches for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
