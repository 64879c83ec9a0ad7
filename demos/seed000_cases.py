"""Seed 000's six cases, computed: every derivative formula the document writes, checked.

    python demos/seed000_cases.py

The document gives formulas but no numbers; its case files (``nn/documents/seed000_case*.toml``)
choose the numbers and hold its 87 formulas. For each case: the forward pass, each formula
evaluated next to autodiff and a central difference with chaingrad verify's verdict, the
chain rule for one weight, one gradient-descent update with the case file's learning rate,
any discrepancy in the document, and the notes. Case 6 has no formulas in the document; the
case file's are derived. Exits 1 if autodiff ever disagrees with the central differences.
"""

from __future__ import annotations

import sys

from chaingrad.nn.documents.seed000 import seed000_cases


def main() -> int:
    """Print every case's report; return 0 when autodiff is confirmed everywhere."""
    reports = seed000_cases()
    print(("\n\n" + "=" * 78 + "\n\n").join(report.text() for report in reports))
    found = [text for report in reports for text in report.discrepancies()]
    formulas = sum(len(report.formulas) for report in reports)
    print(f"\nSummary: {formulas} formulas checked, {len(found)} discrepancies in the document.")
    return 0 if all(report.autodiff_confirmed for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
