"""Seed 000's six cases, computed: every derivative the document writes, checked.

    python demos/seed000_cases.py [--seed 0] [--learning-rate 0.5]

The document gives formulas but no numbers, so inputs, weights and targets are drawn from
the seed (rounded to 2 decimals). For each case: the forward pass, each derivative the
document writes out evaluated from its formula next to autodiff and a central difference,
one gradient-descent update, and any discrepancy in the document, stated plainly. Case 6
has no formulas in the document; the correct ones are derived and checked. Exits 1 if
autodiff ever disagrees with the central differences.
"""

from __future__ import annotations

import argparse
import sys

from chaingrad.nn.documents.documents import seed000_cases


def main() -> int:
    """Print every case's report; return 0 when autodiff is confirmed everywhere."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learning-rate", type=float, default=0.5, help="gamma")
    args = parser.parse_args()
    results = seed000_cases(learning_rate=args.learning_rate)
    print(("\n\n" + "=" * 78 + "\n\n").join(result.report() for result in results))
    found = [text for result in results for text in result.discrepancies()]
    checks = sum(len(result.checks) for result in results)
    print(f"\nSummary: {checks} derivatives checked, {len(found)} discrepancies in the document.")
    return 0 if all(result.autodiff_verified for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
