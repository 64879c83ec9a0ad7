"""Explaining a wrong claim: which of `diagnose`'s candidates fit it, and its chain-rule
breakdown.

A wrong derivative fits a candidate within its rounding band; a wrong updated parameter
is diagnosed through the gradient its update implies; a wrong formula must match a
candidate at the document's point and at `DIAGNOSIS_POINTS` random points, or hold once
one matrix in it is transposed. At most `MAX_DIAGNOSED` wrong claims of a file are
diagnosed. `diagnoses_that_fit` and `breakdown` serve `compare` too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..chain import ChainRuleError, explain
from ..value import Value
from .casefile import CaseFile, Claim
from .diagnose import candidates, transpositions
from .expr import ExpressionError
from .point import Point
from .quantities import Number, format_value
from .tolerance import within

MAX_DIAGNOSED = 100
"""Wrong claims diagnosed per file; the rest get their status and breakdown only."""
DIAGNOSIS_POINTS = 5
"""Random points (besides the document's) at which a wrong formula's diagnosis must also fit."""


class ClaimDiagnoser:
    """Diagnoses the wrong claims of one case, at its document point (and random points for
    formulas), up to `MAX_DIAGNOSED` of them."""

    def __init__(self, case: CaseFile, point: Point, others: list[Point]) -> None:
        self.case = case
        self.settings = case.settings
        self.point = point
        self.others = others
        self.diagnosed = 0

    def number(self, claim: Claim, computed: Number, unit: Number) -> tuple[str, ...]:
        """The diagnoses of a wrong derivative or updated parameter shown to `unit` (none
        for a value)."""
        if claim.kind == "value" or not self._budget():
            return ()
        assert claim.number is not None
        tolerance = self.settings.rounding_band(unit)
        if claim.kind == "derivative":
            assert claim.wrt is not None
            fits = functools.partial(within, claim.number, tolerance=tolerance)
            found = diagnoses_that_fit(self.point, claim.node, claim.wrt, fits)
            return tuple(f"the claim {d}" for d in found)
        # An updated parameter: diagnose the gradient the update implies.
        rate = self.case.learning_rate
        assert rate is not None
        implied = (self.case.parameters[claim.node] - claim.number) / rate
        fits = functools.partial(within, implied, tolerance=tolerance / rate)
        found = diagnoses_that_fit(self.point, self.case.loss, claim.node, fits)
        gradient = format_value(implied, 4)
        return tuple(f"the update uses a gradient of {gradient}, which {d}" for d in found)

    def formula(self, claim: Claim) -> tuple[str, ...]:
        """The diagnoses of a wrong formula: candidates it matches at every point checked,
        and transposed matrices it holds with."""
        if not self._budget():
            return ()
        assert claim.formula is not None and claim.wrt is not None
        points = [self.point, *self.others[:DIAGNOSIS_POINTS]]
        claimed = []
        for p in points:
            try:
                claimed.append(p.evaluate(claim.formula))
            except ExpressionError:
                return ()
        # A candidate fits when it matches the formula at every point (keyed by its
        # identity, since its text carries the numbers of the document's point).
        texts: dict[str, str] = {}
        fits: dict[str, int] = {}
        for i, p in enumerate(points):
            try:
                at_point = candidates(p, claim.node, claim.wrt)
            except ExpressionError:
                return ()
            for candidate in at_point:
                texts.setdefault(candidate.key, candidate.text)
                if self.settings.resembles(claimed[i], candidate.value):
                    fits[candidate.key] = fits.get(candidate.key, 0) + 1
        found = [texts[key] for key, count in fits.items() if count == len(points)]
        found += self._transposed_formula(claim, points)
        return tuple(f"the formula {d}" for d in found)

    def _transposed_formula(self, claim: Claim, points: list[Point]) -> list[str]:
        """The formula holds once one matrix in it is transposed: a matrix name replaced by
        its transpose, or a family of indexed scalars with their indices swapped."""
        assert claim.formula is not None and claim.wrt is not None
        found = []
        for story, replace_in in transpositions(claim.formula.names, self.point):
            try:
                holds = all(
                    self.settings.resembles(
                        p.evaluate(claim.formula, replace_in(p)),
                        p.derivative(claim.node, claim.wrt),
                    )
                    for p in points
                )
            except ExpressionError:
                continue
            if holds:
                found.append(f"holds with {story}: a transposed matrix")
        return found

    def _budget(self) -> bool:
        """Count one more diagnosed claim; False once past `MAX_DIAGNOSED`."""
        self.diagnosed += 1
        return self.diagnosed <= MAX_DIAGNOSED


def diagnoses_that_fit(
    point: Point, node: str, wrt: str, fits: Callable[[Number], bool]
) -> list[str]:
    """The stories of the candidates for d(node)/d(wrt) whose value `fits` the claim."""
    return [c.text for c in candidates(point, node, wrt) if fits(c.value)]


def breakdown(point: Point, node: str, wrt: str) -> str:
    """The chain-rule breakdown of d(node)/d(wrt); '' for a Tensor graph (the path-by-path
    breakdown is for scalar graphs)."""
    if not isinstance(point.nodes[node], Value):
        return ""
    try:
        return explain(point.nodes[node], point.nodes[wrt])
    except ChainRuleError as error:
        return f"(no breakdown: {error})"
