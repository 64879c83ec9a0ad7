"""What a document's own rounding explains: how far its rounded intermediate values move a
claim computed from them.

A document states intermediate values rounded (``σ = 0.62`` for 0.6225) and computes on
with them (``σ' = 0.62 · 0.38 = 0.2356``, where the exact value is 0.2350): the claim is
off by more than half a unit of its last digit, yet only because of the document's own
rounding. For each claim, every value claim the document makes about a node the claimed
quantity is computed from (an equation, judged ok or rounding) is a stated value; moving
that node by the document's own deviation (stated minus exact), with every path through it
kept (`point.shifted`), moves the claim by some amount. A document may have used any of its
stated values, or not, so the spread of the claim is the sum of the downward moves and the
sum of the upward moves: (low, high) around the exact value, entry by entry. `tolerance`
judges a claim within that spread (and half a unit of its own last digit) as rounding.

The graph is rebuilt once per stated value that some claim needs (`Spreads.point`), and only
for claims that are neither ok nor truncated; the work counts against the verification's
budget.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .casefile import CaseFile, Claim
from .expr import ExpressionError
from .point import Point
from .quantities import Number, shown_number
from .tolerance import Spread


class Spreads:
    """The spreads of one case's claims, from the values it states (`state` them first, in
    equation order: a stated value is used only once it is judged ok or rounding)."""

    def __init__(self, case: CaseFile, point: Point) -> None:
        self.case = case
        self.point = point
        self.values = {**case.inputs, **case.parameters}
        self.equations = {e.name for e in case.equations}
        self.deviations: dict[str, Number] = {}  # node -> the document's (stated - exact)
        self.shown: dict[str, str] = {}  # node -> its stated value as the document shows it
        self._points: dict[str, Point | None] = {}
        self._document_kinks: tuple[tuple[bool, ...], ...] | None = None

    def state(self, claim: Claim, computed: Number, status: str) -> None:
        """Note a judged value claim: an equation stated ok or rounding is a stated value
        (the one of its claims furthest from the exact value, if it has several)."""
        if claim.kind != "value" or claim.node not in self.equations or status == "wrong":
            return
        deviation = np.subtract(claim.number, computed)
        before = self.deviations.get(claim.node)
        if before is None or np.max(np.abs(deviation)) > np.max(np.abs(before)):
            self.deviations[claim.node] = deviation if np.ndim(deviation) else float(deviation)
            self.shown[claim.node] = shown_number(claim.number, claim.decimals)

    def of(self, claim: Claim, computed: Number) -> tuple[Spread, list[str]]:
        """The spread of a numeric claim whose exact value is `computed`, and the stated
        values that move it (largest move first)."""
        quantity, root = self._quantity(claim)
        moves: list[tuple[float, str, Number]] = []
        for name in self.deviations:
            if not self._upstream(name, root, claim):
                continue
            self.point.spend(1, "spreading the document's rounded values")
            moved = self.point_for(name)
            if moved is None:
                continue
            try:
                change = np.subtract(quantity(moved), computed)
            except ExpressionError:
                continue
            if np.shape(change) == np.shape(computed) and np.any(change):
                moves.append((float(np.max(np.abs(change))), name, change))
        moves.sort(key=lambda m: -m[0])
        low = sum((np.minimum(change, 0.0) for _, _, change in moves), np.zeros_like(computed))
        high = sum((np.maximum(change, 0.0) for _, _, change in moves), np.zeros_like(computed))
        if np.ndim(computed) == 0:
            low, high = float(low), float(high)
        return (low, high), [name for _, name, _ in moves]

    def point_for(self, name: str) -> Point | None:
        """The case's graph with stated node `name` moved by the document's deviation; None
        where the equations cannot be evaluated there, or where the move takes a ReLU across
        its kink (a document's derivation stays on its branch: rounding does not explain
        a slope of 0 for 1)."""
        if name not in self._points:
            try:
                moved: Point | None = Point.from_case(
                    self.case,
                    self.values,
                    budget=self.point.budget,
                    shifts={name: self.deviations[name]},
                )
            except ExpressionError:
                moved = None
            if moved is not None and moved.kinks() != self._kinks():
                moved = None
            self._points[name] = moved
        return self._points[name]

    def _kinks(self) -> tuple[tuple[bool, ...], ...]:
        """The document's point's side of every kink (walked once)."""
        if self._document_kinks is None:
            self._document_kinks = self.point.kinks()
        return self._document_kinks

    def _quantity(self, claim: Claim) -> tuple[Callable[[Point], Number], str]:
        """What the claim states, as a function of a point, and the node it is computed at."""
        if claim.kind == "value":
            return (lambda p: p.value(claim.node)), claim.node
        if claim.kind == "derivative":
            wrt = claim.wrt
            assert wrt is not None
            return (lambda p: p.derivative(claim.node, wrt)), claim.node
        rate, loss = self.case.learning_rate, self.case.loss
        assert rate is not None
        start = self.case.parameters[claim.node]
        return (lambda p: start - rate * p.derivative(loss, claim.node)), loss

    def _upstream(self, name: str, root: str, claim: Claim) -> bool:
        """Whether stated node `name` is one the claim is computed from: upstream of its node
        (for a value), or also the node itself (for a derivative, whose slopes may be
        written with the node's own value, as σ' = σ(1 − σ))."""
        if name == root:
            return claim.kind != "value"
        return name in self.case.depends_on[root]
