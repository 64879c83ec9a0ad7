"""Seed 001's blog network, recomputed: every number it states, every formula it writes.

    python demos/seed001_blog.py

The 2-3-3-1 network (ReLU hidden layers, sigmoid output) with the blog's exact inputs,
weights and biases (the negative ones read from its LaTeX), from
``nn/documents/seed001_blog.toml``. Prints each stated number next to the recomputed one, each
derivative formula next to autodiff and a central difference, with chaingrad verify's
verdicts; the chain rule for dE/dw1 path by path, one update, the discrepancies found and the
notes. Exits 1 if autodiff ever disagrees with the central differences.
"""

from __future__ import annotations

import sys

from chaingrad.nn.documents.seed001 import seed001_blog


def main() -> int:
    """Print the report; return 0 when autodiff is confirmed everywhere."""
    report = seed001_blog()
    print(report.text())
    return 0 if report.autodiff_confirmed else 1


if __name__ == "__main__":
    sys.exit(main())
