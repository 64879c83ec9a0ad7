"""The verdict on one claim or hand value, and on one disagreeing entry of an array.

`ClaimResult` is a row of every report (`verify`'s and `compare`'s); `Disagreement` an
entry of an array hand value that `compare` lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .quantities import Number, json_number
from .tolerance import STATUSES


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim.

    ``claimed`` is the document's number (for a formula: its value at the
    document's point) and ``computed`` the engine's. ``diagnoses`` lists the
    explanations that fit a wrong claim; ``breakdown`` is the chain-rule
    breakdown of the correct derivative ('' for value claims).
    """

    claim: str
    kind: str
    node: str
    wrt: str | None
    claimed: Number
    computed: Number
    status: str
    hint: str
    diagnoses: tuple[str, ...]
    breakdown: str
    line: int | None
    shown: str

    @property
    def abs_error(self) -> float | None:
        """max |claimed - computed| (over the entries of an array); None if the shapes differ."""
        if np.shape(self.claimed) != np.shape(self.computed):
            return None
        return float(np.max(np.abs(np.subtract(self.claimed, self.computed))))

    @property
    def rel_error(self) -> float | None:
        """`abs_error` / max |computed|, or None when that is 0 (or undefined, or overflows)."""
        error, size = self.abs_error, float(np.max(np.abs(self.computed)))
        ratio = error / size if error is not None and size else math.inf
        return ratio if math.isfinite(ratio) else None

    def to_json(self) -> dict[str, Any]:
        """The claim as in ``chaingrad verify --json`` (exactly these keys)."""
        return {
            "claim": self.claim,
            "kind": self.kind,
            "claimed": json_number(self.claimed),
            "computed": json_number(self.computed),
            "status": self.status,
            "abs_error": self.abs_error,
            "rel_error": self.rel_error,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Disagreement:
    """One entry of an array derivative where the hand value and autodiff disagree."""

    index: tuple[int, ...]
    hand: float
    autodiff: float
    finite_difference: float | None


def status_counts(results: Sequence[ClaimResult]) -> dict[str, int]:
    """How many of `results` are ok, rounding and wrong."""
    return {s: sum(r.status == s for r in results) for s in STATUSES}
