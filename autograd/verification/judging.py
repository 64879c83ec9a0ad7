"""Judging a case's claims: each claim's number or formula against autodiff, with a hint.

A value, derivative or updated parameter is judged by the digits it shows and, when that is
not enough, by what the document's own rounded values explain (`tolerance.Settings.status`,
`rounding.Spreads`); a formula must agree with autodiff at the document's point and at
every random point. A wrong claim gets its diagnoses (`claim_diagnoses`) and, for
a derivative, formula or update, the chain-rule breakdown. `cross_check` then notes a
wrong gradient whose own update in the document used the correct value.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .casefile import CaseFile, CaseFileError, Claim, canonical_key, expression_failure
from .claim_diagnoses import ClaimDiagnoser, breakdown
from .expr import ExpressionError
from .point import Point, in_range
from .quantities import Number, format_value, shown_number
from .rounding import Spreads
from .tolerance import Spread, last_unit, shape_note
from .verdicts import ClaimResult


class ClaimJudge:
    """Judges the claims of one case at its document point (and random points for
    formulas)."""

    def __init__(self, case: CaseFile, point: Point, others: list[Point]) -> None:
        self.case = case
        self.settings = case.settings
        self.point = point
        self.others = others
        self.diagnoser = ClaimDiagnoser(case, point, others)
        self.spreads = Spreads(case, point)
        self._breakdowns: dict[tuple[str, str], str] = {}

    def all(self) -> list[ClaimResult]:
        """The verdict on every claim, in file order. Value claims are judged first, in
        equation order, so that each stated value is known before the claims computed from
        it are judged (`rounding.Spreads`)."""
        order = {name: i for i, name in enumerate(self.case.names())}
        values = sorted(
            (i for i, c in enumerate(self.case.claims) if c.kind == "value"),
            key=lambda i: order[self.case.claims[i].node],
        )
        done = {i: self.judged(self.case.claims[i]) for i in values}
        return [done[i] if i in done else self.judged(c) for i, c in enumerate(self.case.claims)]

    def judged(self, claim: Claim) -> ClaimResult:
        """`claim`'s verdict; `CaseFileError` at its line and column when it cannot be judged
        (a derivative of an array, a value out of range at the file's values)."""
        try:
            return self.claim(claim)
        except ExpressionError as error:
            place = claim.place
            raise CaseFileError(
                self.case.file,
                f"{'updated claim' if claim.kind == 'updated' else 'claim'} {claim.key!r}",
                f"cannot be judged: {error}",
                "claim a quantity with one entry, computed from numbers of everyday size",
                place.line if place else claim.line,
                place.column if place else None,
            ) from None

    def claim(self, claim: Claim) -> ClaimResult:
        """The verdict on `claim`. Raises `ExpressionError` when a derivative or update is
        out of range, `CaseFileError` when a formula cannot be evaluated."""
        if claim.kind == "formula":
            return self.formula(claim)
        assert claim.number is not None
        decimals = self.settings.decimals.get(canonical_key(claim.key), claim.decimals)
        unit = last_unit(decimals if decimals is not None else 0)
        if claim.kind == "value":
            computed = self.point.value(claim.node)
        elif claim.kind == "derivative":
            computed = self.point.derivative(claim.node, claim.wrt)  # type: ignore[arg-type]
        else:
            rate = self.case.learning_rate
            assert rate is not None
            computed = self.case.parameters[claim.node] - rate * self.point.derivative(
                self.case.loss, claim.node
            )
            in_range(computed, f"the updated {claim.node}")
        spread, stated = None, []
        status = self.settings.status(claim.number, computed, unit)
        if status == "wrong" and np.shape(claim.number) == np.shape(computed):
            spread, stated = self.spreads.of(claim, computed)
            status = self.settings.status(claim.number, computed, unit, spread)
        self.spreads.state(claim, computed, status)
        shown = shown_number(claim.number, decimals)
        diagnoses: tuple[str, ...] = ()
        if status == "ok":
            hint = ""
        elif status == "rounding":
            hint = self.rounding_hint(claim.number, computed, unit, spread, stated)
        else:
            diagnoses = self.diagnoser.number(claim, computed, unit, spread)
            hint = shape_note(claim.number, computed) + (
                "; ".join(diagnoses)
                or f"no simple diagnosis fits; the correct value is {format_value(computed, 7)}"
                + ("" if claim.kind == "value" else " (see the chain-rule breakdown)")
            )
        return self.result(claim, claim.number, computed, status, hint, diagnoses, shown)

    def rounding_hint(
        self,
        claimed: Number,
        computed: Number,
        unit: Number,
        spread: Spread | None,
        stated: list[str],
    ) -> str:
        """Which rule of rounding explains a claim (every entry of an array that is not ok)."""
        ok, _ = self.settings.explained(claimed, computed, unit, spread)
        reasons = self.settings.rounding_reasons(claimed, computed, unit, spread)
        exact = f"exact {format_value(computed, 7)}"
        if np.all(ok | reasons["truncated"]):
            return (
                f"the exact value truncated at the last shown decimal ({format_value(unit)}): "
                f"the document truncated ({exact})"
            )
        if spread is not None and np.all(ok | reasons["rounded values"]):
            values = ", ".join(f"{n} = {self.spreads.shown[n]}" for n in stated[:3])
            more = f" and {len(stated) - 3} more" if len(stated) > 3 else ""
            moves = (
                f"by {format_value(spread[0], 3)} to +{format_value(spread[1], 3)}"
                if np.ndim(computed) == 0
                else "entry by entry"
            )
            return (
                f"explained by the document's own rounded values: computed from {values}{more} "
                f"as the document states them, it moves {moves}, and half a unit of its last "
                f"digit ({exact})"
            )
        if np.all(ok | reasons.get("band", False)):
            return (
                f"within {self.settings.rounding_units:g} units of the last shown decimal "
                f"({format_value(unit)}), the band [verify] rounding_units sets ({exact})"
            )
        return f"each entry that is not ok is truncated or explained by rounded values ({exact})"

    def formula(self, claim: Claim) -> ClaimResult:
        """The verdict on a formula: ok when it agrees with autodiff at every point."""
        assert claim.formula is not None and claim.wrt is not None
        try:
            claimed = self.point.evaluate(claim.formula)
        except ExpressionError as error:
            raise expression_failure(
                self.case.file,
                f"formula {claim.key!r}",
                claim.place,
                error,
                "cannot be evaluated at the document's point: ",
                "check the formula",
            ) from None
        computed = self.point.derivative(claim.node, claim.wrt)
        holds_here = self.settings.agrees(claimed, computed)
        failed, skipped = 0, 0
        for other in self.others:
            try:
                value = other.evaluate(claim.formula)
                truth = other.derivative(claim.node, claim.wrt)
            except ExpressionError:
                skipped += 1
                continue
            failed += not self.settings.agrees(value, truth)
        checked = len(self.others) - skipped
        where = f"the document's point and {checked} random points"
        diagnoses: tuple[str, ...] = ()
        if holds_here and not failed:
            status, hint = "ok", f"holds at {where}"
            if checked < self.settings.points:
                hint += (
                    f" (asked for {self.settings.points}; the others fell across a ReLU kink "
                    "or outside the equations' domain)"
                )
        elif holds_here:
            status = "wrong"
            hint = (
                f"holds at the document's point only: fails at {failed} of {checked} random "
                "points (it is not the derivative, it agrees with it here by coincidence)"
            )
        else:
            status = "wrong"
            diagnoses = self.diagnoser.formula(claim)
            hint = shape_note(claimed, computed) + (
                "; ".join(diagnoses)
                or f"no simple diagnosis fits; at the document's point the formula gives "
                f"{format_value(claimed, 7)} and the chain rule {format_value(computed, 7)}"
            )
        shown = claim.formula.text
        return self.result(claim, claimed, computed, status, hint, diagnoses, shown)

    def result(
        self,
        claim: Claim,
        claimed: Number,
        computed: Number,
        status: str,
        hint: str,
        diagnoses: tuple[str, ...],
        shown: str,
    ) -> ClaimResult:
        """The verdict on `claim`, with the chain-rule breakdown when it is wrong (made once
        per derivative, however many claims state it)."""
        chain = ""
        if status == "wrong" and claim.kind != "value":
            node, wrt = (claim.node, claim.wrt) if claim.wrt else (self.case.loss, claim.node)
            if (node, wrt) not in self._breakdowns:
                self._breakdowns[node, wrt] = breakdown(self.point, node, wrt)
            chain = self._breakdowns[node, wrt]
        return ClaimResult(
            claim.key,
            claim.kind,
            claim.node,
            claim.wrt,
            claimed,
            computed,
            status,
            hint,
            diagnoses,
            chain,
            claim.line,
            shown,
        )


def cross_check(case: CaseFile, results: list[ClaimResult]) -> None:
    """Note, in place, when a wrong gradient's own update in the document uses the correct
    value."""
    by_key = {(r.kind, r.node, r.wrt): i for i, r in enumerate(results)}
    for i, r in enumerate(results):
        if r.kind != "derivative" or r.status != "wrong" or r.node != case.loss:
            continue
        j = by_key.get(("updated", r.wrt, None))
        if j is None or results[j].status == "wrong":
            continue
        rate = case.learning_rate
        assert rate is not None and r.wrt is not None
        implied = (case.parameters[r.wrt] - results[j].claimed) / rate
        note = (
            f"the document's own update of {r.wrt} ({results[j].shown}) implies a gradient "
            f"of {format_value(implied, 4)}, which agrees with the correct "
            f"{format_value(r.computed, 4)}: the stated value is not the one the update used"
        )
        hint = f"{r.hint}; {note}" if r.diagnoses else note
        results[i] = replace(r, hint=hint, diagnoses=(*r.diagnoses, note))
