"""Seed 001's blog network, recomputed: every number it states, every formula it writes.

    python demos/seed001_blog.py

The 2-3-3-1 network (ReLU hidden layers, sigmoid output) with the blog's exact inputs,
weights and biases (the negative ones read from its LaTeX). Prints each stated number next
to the recomputed one, each derivative formula next to autodiff and a central difference,
the chain rule for dE_total/dw1 path by path, one update, and the discrepancies found.
Exits 1 if autodiff ever disagrees with the central differences.
"""

from __future__ import annotations

import sys

from chaingrad.nn.documents.documents import seed001_blog


def main() -> int:
    """Print the report; return 0 when autodiff is confirmed everywhere."""
    result = seed001_blog()
    print(result.report())
    return 0 if result.autodiff_verified else 1


if __name__ == "__main__":
    sys.exit(main())
