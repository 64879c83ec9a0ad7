"""Explaining a wrong claim: which of `diagnose`'s candidates fits it best, and its chain-rule
breakdown.

A candidate fits a wrong number only as the correct value would: within half a unit of its
last shown digit, or by the rules of rounding (`tolerance.Settings.status`), and a wrong
updated parameter through the update the candidate gradient gives. A wrong formula fits a
candidate that it matches at the document's point and at `DIAGNOSIS_POINTS` random points,
or holds once one matrix in it is transposed. When several fit, only the nearest is given
(two stories of one number contradict each other). At most `MAX_DIAGNOSED` wrong claims of
a file are diagnosed. `nearest_fit` and `breakdown` serve `compare` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from ..chain import ChainRuleError, explain
from ..value import Value
from .budget import WALK_COST
from .casefile import CaseFile, Claim
from .diagnose import Candidate, candidates, transpositions
from .expr import ExpressionError
from .point import Point
from .quantities import Number, format_value
from .tolerance import Spread

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
        self._candidates: dict[tuple[int, str, str], list[Candidate]] = {}

    def number(
        self, claim: Claim, computed: Number, unit: Number, spread: Spread | None
    ) -> tuple[str, ...]:
        """The diagnosis of a wrong derivative or updated parameter shown to `unit` (none
        for a value): the nearest candidate that fits as the correct value would, with the
        same `spread` of the document's rounded values."""
        if claim.kind == "value" or not self._budget():
            return ()
        assert claim.number is not None

        def fits(value: Number) -> bool:
            return self.settings.status(claim.number, value, unit, spread) != "wrong"

        if claim.kind == "derivative":
            assert claim.wrt is not None
            found = self.candidates(self.point, claim.node, claim.wrt)
            best = nearest_fit(found, fits, claim.number)
            return () if best is None else (f"the claim {best.text}",)
        # An updated parameter: the update each candidate gradient gives.
        rate = self.case.learning_rate
        assert rate is not None
        start = self.case.parameters[claim.node]
        found = self.candidates(self.point, self.case.loss, claim.node)
        updates = [replace(c, value=start - rate * c.value) for c in found]
        best = nearest_fit(updates, fits, claim.number)
        if best is None:
            return ()
        gradient = format_value((start - claim.number) / rate, 4)
        return (f"the update uses a gradient of {gradient}, which {best.text}",)

    def formula(self, claim: Claim) -> tuple[str, ...]:
        """The diagnosis of a wrong formula: of the candidates it matches at every point
        checked and the transposed matrices it holds with, the nearest."""
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
        # identity, since its text carries the numbers of the document's point); its
        # distance is its worst relative deviation.
        texts: dict[str, str] = {}
        distances: dict[str, list[float]] = {}
        for i, p in enumerate(points):
            try:
                at_point = self.candidates(p, claim.node, claim.wrt)
            except ExpressionError:
                return ()
            for candidate in at_point:
                texts.setdefault(candidate.key, candidate.text)
                if self.settings.resembles(claimed[i], candidate.value):
                    distances.setdefault(candidate.key, []).append(
                        relative_distance(claimed[i], candidate.value)
                    )
        found = [(max(d), texts[key]) for key, d in distances.items() if len(d) == len(points)]
        found += self._transposed_formula(claim, points)
        if not found:
            return ()
        return (f"the formula {min(found, key=lambda f: f[0])[1]}",)

    def candidates(self, point: Point, node: str, wrt: str) -> list[Candidate]:
        """`diagnose.candidates` at `point`, made once per derivative and point."""
        key = (id(point), node, wrt)
        if key not in self._candidates:
            self._candidates[key] = candidates(point, node, wrt)
        return self._candidates[key]

    def _transposed_formula(self, claim: Claim, points: list[Point]) -> list[tuple[float, str]]:
        """The formula holds once one matrix in it is transposed: a matrix name replaced by
        its transpose, or a family of indexed scalars with their indices swapped. Each with
        its worst relative deviation."""
        assert claim.formula is not None and claim.wrt is not None
        found = []
        for story, replace_in in transpositions(claim.formula.names, self.point):
            distance = 0.0
            try:
                for p in points:
                    value = p.evaluate(claim.formula, replace_in(p))
                    truth = p.derivative(claim.node, claim.wrt)
                    if not self.settings.resembles(value, truth):
                        break
                    distance = max(distance, relative_distance(value, truth))
                else:
                    found.append((distance, f"holds with {story}: a transposed matrix"))
            except ExpressionError:
                continue
        return found

    def _budget(self) -> bool:
        """Count one more diagnosed claim; False once past `MAX_DIAGNOSED`."""
        self.diagnosed += 1
        return self.diagnosed <= MAX_DIAGNOSED


def nearest_fit(
    found: Iterable[Candidate], fits: Callable[[Number], bool], claimed: Number
) -> Candidate | None:
    """Of the candidates whose value `fits` the claim, the one nearest to `claimed` (the
    largest difference over the entries of an array); the first of equals; None if none
    fits."""
    best, best_distance = None, math.inf
    for candidate in found:
        if np.shape(candidate.value) != np.shape(claimed) or not fits(candidate.value):
            continue
        distance = float(np.max(np.abs(np.subtract(candidate.value, claimed))))
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def relative_distance(a: Number, b: Number) -> float:
    """The largest relative difference between the entries of `a` and `b` (0 for equal)."""
    size = np.maximum(np.abs(a), np.abs(b))
    difference = np.abs(np.subtract(a, b))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(size > 0, difference / np.where(size > 0, size, 1.0), 0.0)
    return float(np.max(ratio))


def breakdown(point: Point, node: str, wrt: str) -> str:
    """The chain-rule breakdown of d(node)/d(wrt); '' for a Tensor graph (the path-by-path
    breakdown is for scalar graphs). Its walk counts against the point's budget."""
    if not isinstance(point.nodes[node], Value):
        return ""
    point.spend(WALK_COST * point.graph_size(node), "writing the chain rule of wrong claims")
    try:
        return explain(point.nodes[node], point.nodes[wrt])
    except ChainRuleError as error:
        return f"(no breakdown: {error})"
