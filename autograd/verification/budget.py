"""The bounds on computing with a case file: the size of any array and the work of one
verification.

No array a case file holds or computes may have more than `MAX_ARRAY_SIZE` entries (the
expression language checks each operation's result shape before computing it).

Checking a file builds its graph at the document's point and at random points, runs
backward passes, evaluates formulas and walks chain-rule paths. Each of these is bounded
on its own, but a file can multiply them (a thousand formulas on a thousand-step chain at
twenty points): `WorkBudget` counts the work as it is done and raises `WorkLimitError`
once the limit is passed, so that `verify` refuses the file instead of running for minutes.

A unit of work is one node visited by a backward pass (about 3 µs on a 2020s laptop); the
other kinds of work are weighted by what they cost in time: `EVALUATE_COST` units per
operation evaluated, `WALK_COST` per node of a chain-rule walk, and an array operation one
more unit per `ENTRIES_PER_UNIT` entries it touches (`cost`).
"""

from __future__ import annotations

MAX_ARRAY_SIZE = 10_000
"""Most entries in one array: given in a case file or computed from one."""
ENTRIES_PER_UNIT = 1024
"""Entries of an array operation that cost one unit of work more than a scalar operation."""
EVALUATE_COST = 4
"""Units of work per operation evaluated (about 12 µs: the expression walk, the op's checks)."""
WALK_COST = 10
"""Units of work per node of a chain-rule walk (enumerating paths, contracting unlabelled
steps: 20-40 µs a node)."""


class WorkLimitError(Exception):
    """The work of a verification went past its budget; ``limit`` is the budget."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(
            f"checking the file needs more than {limit:,} units of work, the limit (it ran out "
            f"while {what})"
        )
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
    """The units of work of one visit of (or operation on) a node that touches `entries`
    entries: 1 for a number."""
    return 1 + entries // ENTRIES_PER_UNIT
