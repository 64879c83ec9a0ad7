"""How close is close enough: the one tolerance policy of `verify` and `compare`.

A number is judged by the digits it shows, never by relative error:

- **ok**: within ``ok_units`` (half a unit) of its last shown decimal;
- **rounding**: within ``rounding_units`` (two units): rounded or truncated on the way;
- **wrong**: anything else, and any claim of the wrong shape.

Each band gets a slack of `SLACK` units, because binary floating point cannot hold most
decimals exactly. A formula, or an array given without shown digits, agrees with autodiff
to the relative tolerance ``formula_rtol`` (absolute `ABSOLUTE_FLOOR` near 0). A diagnosis's
candidate matches a number within the rounding band, and a formula or array to
max(`DIAGNOSIS_RTOL`, ``formula_rtol``). An array is judged entry by entry.
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
ABSOLUTE_FLOOR = 1e-12
"""The absolute tolerance under the relative one, for values at or near 0."""
DIAGNOSIS_RTOL = 1e-6
"""The loosest relative tolerance at which a diagnosis's candidate matches a formula or array."""


@dataclass(frozen=True)
class Settings:
    """How claims are judged; each can be overridden in the file's ``[verify]`` table.

    A claim is ok within ``ok_units`` units of its last shown decimal and
    rounding within ``rounding_units``. A formula is checked at the document's
    point and at ``points`` random points drawn with ``seed``, each input and
    parameter moved by up to ``perturbation`` times its size (at least 0.1), and
    holds where it agrees with autodiff to ``formula_rtol``. ``decimals`` sets
    the shown decimals of named claims, overriding their literal text.
    """

    ok_units: float = 0.5
    rounding_units: float = 2.0
    points: int = 20
    seed: int = 0
    perturbation: float = 0.25
    formula_rtol: float = 1e-8
    decimals: Mapping[str, int] = field(default_factory=dict)

    def status(self, claimed: Number, computed: Number, unit: Number) -> str:
        """ok / rounding / wrong for a number shown to `unit` (`last_unit`, one per entry for
        an array): an array gets the status of its worst entry, the wrong shape is wrong."""
        if np.shape(claimed) != np.shape(computed):
            return "wrong"
        slack = SLACK * unit
        if within(claimed, computed, self.ok_units * unit + slack):
            return "ok"
        if within(claimed, computed, self.rounding_units * unit + slack):
            return "rounding"
        return "wrong"

    def rounding_band(self, unit: Number) -> Number:
        """How far from the truth a number shown to `unit` may be and still be rounding; a
        diagnosis's candidate fits a wrong number within this band."""
        return self.rounding_units * unit

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


def within(a: Number, b: Number, tolerance: Number) -> bool:
    """Same shape and every entry within `tolerance` (a number or one per entry)."""
    return np.shape(a) == np.shape(b) and bool(np.all(np.abs(np.subtract(a, b)) <= tolerance))


def close(a: Number, b: Number, rtol: float) -> bool:
    """Same shape and every entry equal to relative tolerance `rtol` (see `close_entries`)."""
    return np.shape(a) == np.shape(b) and bool(np.all(close_entries(a, b, rtol)))


def close_entries(a: Number, b: Number, rtol: float) -> np.ndarray:
    """Per entry of `a` and `b` (of one shape): equal to relative tolerance `rtol`, or within
    `ABSOLUTE_FLOOR`."""
    return np.abs(np.subtract(a, b)) <= rtol * np.maximum(np.abs(a), np.abs(b)) + ABSOLUTE_FLOOR


def shape_note(claimed: Number, computed: Number) -> str:
    """'' for equal shapes, else a sentence saying both (the start of a wrong claim's hint)."""
    if np.shape(claimed) == np.shape(computed):
        return ""
    return (
        f"the claim has shape {np.shape(claimed)} but the correct value has shape "
        f"{np.shape(computed)}; "
    )
