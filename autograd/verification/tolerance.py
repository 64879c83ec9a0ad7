"""How close is close enough: the one tolerance policy of `verify` and `compare`.

A number is judged by the digits it shows, never by relative error alone:

- **ok**: within ``ok_units`` (half a unit) of its last shown digit;
- **rounding**: what the document's own rounding explains, and nothing else: the exact
  value truncated toward zero at the last shown digit (``0.699`` for 0.69970), or a value
  within the spread that the rounded intermediate values the document states give (see
  `rounding`), or, when a file sets ``rounding_units``, within that many units;
- **wrong**: anything else, and any claim of the wrong shape. An integer is a number
  shown to the units digit (``-3`` for -2 is wrong).

Each band gets a slack of `SLACK` units, because binary floating point cannot hold most
decimals exactly. A formula, or an array given without shown digits, agrees with autodiff
to the relative tolerance ``formula_rtol`` entry by entry, relative to the size of that
entry at that point (only an exact 0 agrees with 0). A diagnosis's candidate fits a number
by the same rules (ok or rounding), and a formula or array to max(`DIAGNOSIS_RTOL`,
``formula_rtol``). An array is judged entry by entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .quantities import Number

STATUSES = ("ok", "rounding", "wrong")
"""The verdicts on a claim, best first."""
SLACK = 1e-9
"""Units of the last shown decimal added to each band: 0.0025 is not exactly representable."""
DIAGNOSIS_RTOL = 1e-6
"""The loosest relative tolerance at which a diagnosis's candidate matches a formula or array."""
DEFAULT_WORK_LIMIT = 2_000_000
"""Units of work (`budget`) one verification may do unless its file's ``[verify]`` says more."""

Spread = tuple[Number, Number]
"""How far below and above the exact value the document's rounded intermediate values can
move a claim: (low <= 0, high >= 0), a number or one per entry."""


@dataclass(frozen=True)
class Settings:
    """How claims are judged; each can be overridden in the file's ``[verify]`` table.

    A claim is ok within ``ok_units`` units of its last shown decimal; when
    ``rounding_units`` is set, within that many units is rounding. A formula is checked
    at the document's point and at ``points`` random points drawn with ``seed``, each input
    and parameter moved by up to ``perturbation`` times its size (at least 0.1), and holds
    where it agrees with autodiff to ``formula_rtol``. ``decimals`` sets the shown decimals
    of named claims, overriding their literal text. ``work_limit`` bounds the work of the
    whole verification (`budget.WorkBudget`).
    """

    ok_units: float = 0.5
    rounding_units: float | None = None
    points: int = 20
    seed: int = 0
    perturbation: float = 0.25
    formula_rtol: float = 1e-8
    decimals: Mapping[str, int] = field(default_factory=dict)
    work_limit: int = DEFAULT_WORK_LIMIT

    def status(
        self, claimed: Number, computed: Number, unit: Number, spread: Spread | None = None
    ) -> str:
        """ok / rounding / wrong for a number shown to `unit` (`last_unit`, one per entry for
        an array), the document's `spread` (`rounding.Spreads`) when known: an array gets the
        status of its worst entry, the wrong shape is wrong."""
        if np.shape(claimed) != np.shape(computed):
            return "wrong"
        ok, rounding = self.explained(claimed, computed, unit, spread)
        if np.all(ok):
            return "ok"
        return "rounding" if np.all(ok | rounding) else "wrong"

    def explained(
        self, claimed: Number, computed: Number, unit: Number, spread: Spread | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per entry (of one shape): (ok, rounding), where rounding is the union of
        `rounding_reasons`."""
        reasons = self.rounding_reasons(claimed, computed, unit, spread)
        ok = np.abs(np.subtract(claimed, computed)) <= (self.ok_units + SLACK) * unit
        return ok, np.logical_or.reduce(list(reasons.values()))

    def rounding_reasons(
        self, claimed: Number, computed: Number, unit: Number, spread: Spread | None = None
    ) -> dict[str, np.ndarray]:
        """Per entry, each rule of rounding that explains it: "truncated", "rounded values"
        (within `spread` and half a unit) and "band" (``rounding_units``)."""
        error = np.subtract(claimed, computed)
        slack = SLACK * unit
        reasons = {"truncated": np.abs(np.subtract(claimed, truncated(computed, unit))) <= slack}
        if spread is not None:
            half = self.ok_units * unit + slack
            low, high = spread
            reasons["rounded values"] = (error >= np.subtract(low, half)) & (error <= high + half)
        if self.rounding_units is not None:
            reasons["band"] = np.abs(error) <= self.rounding_units * unit + slack
        return reasons

    def agrees(self, a: Number, b: Number) -> bool:
        """A formula's value (or an array) agrees with autodiff: to ``formula_rtol``."""
        return close(a, b, self.formula_rtol)

    def resembles(self, a: Number, b: Number) -> bool:
        """A diagnosis's candidate matches a formula's value (or an array): to
        max(`DIAGNOSIS_RTOL`, ``formula_rtol``)."""
        return close(a, b, max(DIAGNOSIS_RTOL, self.formula_rtol))


def last_unit(decimals: int | np.ndarray) -> Number:
    """The unit of the last shown decimal, 10**-decimals: a float, or one per entry."""
    unit = np.power(10.0, -np.asarray(decimals, dtype=float))
    return float(unit) if unit.ndim == 0 else unit


def truncated(x: Number, unit: Number) -> Number:
    """`x` truncated toward zero at `unit` (0.69970 at 0.001 is 0.699); a value a hair under
    a multiple of `unit` (0.7 held as 0.69999...) is that multiple."""
    return np.sign(x) * np.floor(np.abs(x) / unit + SLACK) * unit


def close(a: Number, b: Number, rtol: float) -> bool:
    """Same shape and every entry equal to relative tolerance `rtol` (see `close_entries`)."""
    return np.shape(a) == np.shape(b) and bool(np.all(close_entries(a, b, rtol)))


def close_entries(a: Number, b: Number, rtol: float) -> np.ndarray:
    """Per entry of `a` and `b` (of one shape): equal to relative tolerance `rtol` of the
    larger of the two, so a tiny derivative is judged against its own size (3e-14 is not 0,
    nor twice itself) and only an exact 0 agrees with 0."""
    return np.abs(np.subtract(a, b)) <= rtol * np.maximum(np.abs(a), np.abs(b))


def shape_note(claimed: Number, computed: Number) -> str:
    """'' for equal shapes, else a sentence saying both (the start of a wrong claim's hint)."""
    if np.shape(claimed) == np.shape(computed):
        return ""
    return (
        f"the claim has shape {np.shape(claimed)} but the correct value has shape "
        f"{np.shape(computed)}; "
    )
