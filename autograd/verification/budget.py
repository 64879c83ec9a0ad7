"""The bounds on computing with a case file: the size of any array and the work of one
verification.

No array a case file holds or computes may have more than `MAX_ARRAY_SIZE` entries (the
expression language checks each operation's result shape before computing it).

Checking a file builds its graph at the document's point and at random points, runs
backward passes, evaluates formulas and walks chain-rule paths. Each of these is bounded
on its own, but a file can multiply them (a thousand formulas on a thousand-step chain at
twenty points): `WorkBudget` counts the work as it is done, in units of one operation
evaluated or one node visited (an array operation counts one unit more per
`ENTRIES_PER_UNIT` entries), and raises `WorkLimitError` once the limit is passed, so
that `verify` refuses the file instead of running for minutes.
"""

from __future__ import annotations

MAX_ARRAY_SIZE = 10_000
"""Most entries in one array: given in a case file or computed from one."""
ENTRIES_PER_UNIT = 1024
"""Entries of an array operation that cost one unit of work more than a scalar operation."""


class WorkLimitError(Exception):
    """The work of a verification went past its budget; ``limit`` is the budget."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(f"checking the file needs more than {limit} units of work ({what})")
        self.limit = limit
        self.what = what


class WorkBudget:
    """Counts units of work against a limit; shared by every point of one verification."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, units: int, what: str) -> None:
        """Count `units` of work done for `what`; raise `WorkLimitError` past the limit."""
        self.spent += units
        if self.spent > self.limit:
            raise WorkLimitError(self.limit, what)


def cost(entries: int) -> int:
    """The units of work of one operation on (or visit of) a node with `entries` entries."""
    return 1 + entries // ENTRIES_PER_UNIT
