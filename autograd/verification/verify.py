"""Check a document's hand-derived numbers and formulas against autodiff, and say why they differ.

`verify(case)` builds the case file's equations as a graph at the document's
point, computes every claimed value, derivative and updated parameter, and
judges each claim by the digits the document shows:

- **ok**: within half a unit of the claim's last shown decimal;
- **rounding**: within two units (the document rounded or truncated on the way);
- **wrong**: anything else.

A formula is evaluated at the document's point and at random points (every
input and parameter perturbed, seeded, on the same side of every ReLU kink as
the document's point, because a hand formula is written for the branch the
document is on); it is ok only if it agrees with autodiff at all of them.

For a wrong derivative (or formula, or updated parameter) the result carries the
chain-rule breakdown (`autograd.chain.explain`) and the diagnoses that fit: the
claim is a constant multiple of the truth (2, 1/2, -1, the batch size), equals a
single path's product (a dropped path), lacks an activation's derivative, lacks
or adds a regularization term, or belongs to the transposed index.

A case whose inputs or parameters include arrays is built with `Tensor` nodes
(its scalars as 0-d tensors): an array claim is judged entry by entry (the worst
entry decides), a claim of the wrong shape is wrong, and a derivative's matrix
transposed, or a formula that holds once a matrix in it is transposed, is
diagnosed. Path-by-path breakdowns, single-path and activation diagnoses and
drawings need scalar graphs (`autograd.chain` walks `Value` graphs).

`compare(hand, function, at)` does the same for derivatives worked out by hand
for a Python function of scalars or of arrays: hand vs autodiff vs finite
differences, an array judged entry by entry and only its disagreeing entries listed.

The diagnoses are computed in `autograd.diagnose`, the reports written by
`autograd.report`.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..chain import ChainRuleError, explain
from ..grad_mode import enable_grad
from ..gradcheck import numeric_gradient
from ..graph import topological_order
from ..tensor import Tensor
from ..value import Value
from .casefile import CaseFile, CaseFileError, Claim
from .casetext import shown_decimals
from .diagnose import candidates, transpositions
from .expr import ARRAY_FUNCTIONS, SCALAR_FUNCTIONS, ExpressionError
from .loading import load
from .point import EquationError, Point, in_range, leaf
from .quantities import Number, as_number, format_value, shown_number
from .results import Comparison, VerifyResult
from .tolerance import Settings, close_entries, shape_note, within
from .verdicts import ClaimResult, Disagreement

MAX_DIAGNOSED = 100
"""Wrong claims diagnosed per file; the rest get their status and breakdown only."""
DIAGNOSIS_POINTS = 5
"""Random points (besides the document's) at which a wrong formula's diagnosis must also fit."""


# ----------------------------------------------------------------------- results
# ----------------------------------------------------------------------- verify
def verify(case: str | os.PathLike[str] | Mapping[str, Any] | CaseFile) -> VerifyResult:
    """Judge every claim of a case file (a path, a parsed mapping or a `CaseFile`).

    Raises `CaseFileError` when the file is invalid, including when an equation
    or formula cannot be evaluated at the document's point, and TypeError for a `case`
    of another type.
    """
    if not isinstance(case, (CaseFile, str, os.PathLike, Mapping)):
        raise TypeError(
            "verify: expected a case-file path (a str or Path), a parsed case (a dict) or a "
            f"CaseFile, got {type(case).__name__}"
        )
    if not isinstance(case, CaseFile):
        case = load(case)
    with np.errstate(all="ignore"):  # overflow is caught and reported by the range checks
        return _verify(case)


def _verify(case: CaseFile) -> VerifyResult:
    values = {**case.inputs, **case.parameters}
    try:
        point = Point.from_case(case, values)
    except EquationError as failure:
        raise CaseFileError(
            case.file,
            f"equation {failure.equation.name!r}",
            f"cannot be evaluated at the file's values: {failure.error}",
            "check the equation and the values",
            failure.equation.line,
        ) from None
    formulas = [c for c in case.claims if c.kind == "formula"]
    others = _random_points(case, values, point) if formulas else []
    judge = _Judge(case, point, others)
    try:
        results = [judge.claim(claim) for claim in case.claims]
    except ExpressionError as error:  # a derivative or update out of range at the file's values
        raise CaseFileError(
            case.file, "", f"cannot be judged: {error}", "use numbers of everyday size"
        ) from None
    judge.cross_check(results)
    return VerifyResult(case.title, case.file, case.source, tuple(results), case, point)


def _random_points(case: CaseFile, values: Mapping[str, float], point: Point) -> list[Point]:
    """Up to ``settings.points`` points around the document's, on the same side of every kink.

    Each input and parameter moves by up to ``perturbation`` times max(|value|, 0.1),
    uniformly; points where an equation fails or a ReLU changes side are redrawn, and
    after every ten redraws in a row the perturbation is halved (six times at most).
    """
    settings = case.settings
    rng = np.random.default_rng(settings.seed)
    kinks = point.kinks()
    scale = settings.perturbation
    points: list[Point] = []
    misses = 0
    for _ in range(50 * settings.points):
        if len(points) == settings.points:
            break
        moved = {n: as_number(_moved(v, scale, rng)) for n, v in values.items()}
        try:
            candidate = Point.from_case(case, moved)
        except ExpressionError:
            candidate = None
        if candidate is not None and candidate.kinks() == kinks:
            points.append(candidate)
            misses = 0
        else:
            misses += 1
            if misses % 10 == 0 and scale > settings.perturbation / 64:
                scale /= 2
    return points


def _moved(value: Number, scale: float, rng: np.random.Generator) -> Number:
    step = rng.uniform(-1.0, 1.0, size=np.shape(value))
    return value + scale * np.maximum(np.abs(value), 0.1) * step


class _Judge:
    """Judges claims of one case at its document point (and random points for formulas)."""

    def __init__(self, case: CaseFile, point: Point, others: list[Point]) -> None:
        self.case = case
        self.settings = case.settings
        self.point = point
        self.others = others
        self.diagnosed = 0

    def claim(self, claim: Claim) -> ClaimResult:
        if claim.kind == "formula":
            return self.formula(claim)
        assert claim.number is not None
        decimals = self.settings.decimals.get(claim.key, claim.decimals)
        unit = np.power(10.0, -np.asarray(decimals if decimals is not None else 0, dtype=float))
        unit = float(unit) if unit.ndim == 0 else unit
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
        status = self.settings.status(claim.number, computed, unit)
        shown = shown_number(claim.number, decimals)
        diagnoses: tuple[str, ...] = ()
        if status == "ok":
            hint = ""
        elif status == "rounding":
            hint = (
                f"within {self.settings.rounding_units:g} units of the last shown decimal "
                f"({format_value(unit)}): the document rounded or truncated "
                f"(exact {format_value(computed, 7)})"
            )
        else:
            diagnoses = self.diagnose_number(claim, computed, unit)
            hint = shape_note(claim.number, computed) + (
                "; ".join(diagnoses)
                or f"no simple diagnosis fits; the correct value is {format_value(computed, 7)}"
                + ("" if claim.kind == "value" else " (see the chain-rule breakdown)")
            )
        return self.result(claim, claim.number, computed, status, hint, diagnoses, shown)

    def formula(self, claim: Claim) -> ClaimResult:
        assert claim.formula is not None and claim.wrt is not None
        try:
            claimed = self.point.evaluate(claim.formula)
        except ExpressionError as error:
            raise CaseFileError(
                self.case.file,
                f"formula {claim.key!r}",
                f"cannot be evaluated at the document's point: {error}",
                "check the formula",
                claim.line,
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
            diagnoses = self.diagnose_formula(claim)
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
        """The verdict on `claim`, with the chain-rule breakdown when it is wrong."""
        breakdown = ""
        if status == "wrong" and claim.kind != "value":
            node, wrt = (claim.node, claim.wrt) if claim.wrt else (self.case.loss, claim.node)
            breakdown = _breakdown(self.point, node, wrt)
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
            breakdown,
            claim.line,
            shown,
        )

    # ------------------------------------------------------------------ diagnoses
    def diagnose_number(self, claim: Claim, computed: float, unit: float) -> tuple[str, ...]:
        if claim.kind == "value" or not self.budget():
            return ()
        assert claim.number is not None
        tolerance = self.settings.rounding_band(unit)
        if claim.kind == "derivative":
            assert claim.wrt is not None
            fits = functools.partial(within, claim.number, tolerance=tolerance)
            found = _diagnose(self.point, claim.node, claim.wrt, fits)
            return tuple(f"the claim {d}" for d in found)
        # An updated parameter: diagnose the gradient the update implies.
        rate = self.case.learning_rate
        assert rate is not None
        implied = (self.case.parameters[claim.node] - claim.number) / rate
        fits = functools.partial(within, implied, tolerance=tolerance / rate)
        found = _diagnose(self.point, self.case.loss, claim.node, fits)
        gradient = format_value(implied, 4)
        return tuple(f"the update uses a gradient of {gradient}, which {d}" for d in found)

    def diagnose_formula(self, claim: Claim) -> tuple[str, ...]:
        if not self.budget():
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
        found += self.transposed_formula(claim, points)
        return tuple(f"the formula {d}" for d in found)

    def transposed_formula(self, claim: Claim, points: list[Point]) -> list[str]:
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

    def budget(self) -> bool:
        self.diagnosed += 1
        return self.diagnosed <= MAX_DIAGNOSED

    def cross_check(self, results: list[ClaimResult]) -> None:
        """Note when a wrong gradient's own update in the document uses the correct value."""
        by_key = {(r.kind, r.node, r.wrt): i for i, r in enumerate(results)}
        for i, r in enumerate(results):
            if r.kind != "derivative" or r.status != "wrong" or r.node != self.case.loss:
                continue
            j = by_key.get(("updated", r.wrt, None))
            if j is None or results[j].status == "wrong":
                continue
            rate = self.case.learning_rate
            assert rate is not None and r.wrt is not None
            implied = (self.case.parameters[r.wrt] - results[j].claimed) / rate
            note = (
                f"the document's own update of {r.wrt} ({results[j].shown}) implies a gradient "
                f"of {format_value(implied, 4)}, which agrees with the correct "
                f"{format_value(r.computed, 4)}: the stated value is not the one the update used"
            )
            hint = f"{r.hint}; {note}" if r.diagnoses else note
            results[i] = replace(r, hint=hint, diagnoses=(*r.diagnoses, note))


def _diagnose(point: Point, node: str, wrt: str, fits: Callable[[Number], bool]) -> list[str]:
    """The stories of the candidates for d(node)/d(wrt) whose value `fits` the claim."""
    return [c.text for c in candidates(point, node, wrt) if fits(c.value)]


def _breakdown(point: Point, node: str, wrt: str) -> str:
    """The chain-rule breakdown of d(node)/d(wrt); '' for a Tensor graph (the path-by-path
    breakdown is for scalar graphs)."""
    if not isinstance(point.nodes[node], Value):
        return ""
    try:
        return explain(point.nodes[node], point.nodes[wrt])
    except ChainRuleError as error:
        return f"(no breakdown: {error})"


# ----------------------------------------------------------------------- compare
HandValue = float | str | Decimal | np.ndarray | Tensor | Sequence[Any]
"""A hand-derived derivative: a number, its text, or an array (nested lists, numpy, Tensor)."""


def compare(
    hand: Mapping[str, HandValue],
    function: Callable[..., Value | Tensor],
    at: Mapping[str, float | np.ndarray | Tensor | Sequence[Any]],
    *,
    eps: float = 1e-6,
    batch_size: int | None = None,
    rtol: float = Settings.formula_rtol,
) -> Comparison:
    """Compare derivatives worked out by hand with autodiff and finite differences.

    `function` takes one keyword argument per entry of `at` and returns the output
    node: with numbers in `at`, each argument is a labelled `Value` and the output a
    `Value`; when some entry of `at` is an array (numpy, a `Tensor` or nested lists),
    every argument is a labelled `Tensor` (numbers as 0-d) and the output must be a
    one-entry `Tensor` (a loss). A key of `hand` is an argument name (d output /
    d argument) or ``"dA/dB"`` for a labelled node A of the graph.

    A number in `hand` is judged by the digits it shows: give it as a string or
    `Decimal` (``"0.0850"``) to keep trailing zeros. A string is the text of a number,
    not a formula; NaN and infinities (``"nan"``, ``float("inf")``) are refused. An
    array in `hand` (shaped like the argument) is judged entry by entry, to relative
    tolerance `rtol`, and the entries that disagree are listed (`Comparison.disagreements`).
    Finite differences are central, step ``eps * max(1, |x|)`` per entry
    (`autograd.gradcheck`'s), for arguments only. A wrong hand value is diagnosed as
    `verify` diagnoses claims (a factor 2, 1/2, -1, the `batch_size`, a transposed
    matrix, ...); the keys of `hand` are the parameters for the regularization diagnosis.
    """
    _check_arguments(hand, function, at, eps)
    arrays = any(_is_array(value) for value in at.values())
    point, output = _function_point(function, at, hand, batch_size, arrays)
    settings = Settings(formula_rtol=rtol)
    rows = []
    differences: dict[str, Number | None] = {}
    disagreements: dict[str, tuple[Disagreement, ...]] = {}
    for key, value in hand.items():
        match = re.fullmatch(r"d([A-Za-z_]\w*)/d([A-Za-z_]\w*)", key)
        node, wrt = (match.group(1), match.group(2)) if match else (output, key)
        for name in (node, wrt):
            if name not in point.nodes:
                raise ValueError(f"compare: no argument or labelled node {name!r} (in {key!r})")
        number, decimals = _hand_number(key, value)
        try:
            computed = point.derivative(node, wrt)
        except ExpressionError as error:
            raise ValueError(f"compare: {error}") from None
        if decimals is None:  # an array: entry by entry, to rtol
            status = "ok" if settings.agrees(number, computed) else "wrong"
            fits = functools.partial(settings.resembles, number)
        else:
            unit = 10.0**-decimals
            status = settings.status(number, computed, unit)
            fits = functools.partial(within, number, tolerance=settings.rounding_band(unit))
        diagnoses: tuple[str, ...] = ()
        breakdown = ""
        if status == "wrong":
            found = _diagnose(point, node, wrt, fits)
            diagnoses = tuple(f"the hand value {d}" for d in found)
            breakdown = _breakdown(point, node, wrt)
        fd = _finite_difference(function, at, arrays, node, wrt, eps) if wrt in at else None
        differences[key] = fd
        if decimals is None:
            disagreements[key] = _disagreements(number, computed, fd, rtol)
        hint = shape_note(number, computed) + "; ".join(diagnoses)
        rows.append(
            ClaimResult(
                key,
                "derivative",
                node,
                wrt,
                number,
                computed,
                status,
                hint,
                diagnoses,
                breakdown,
                None,
                shown_number(number, decimals),
            )
        )
    return Comparison(tuple(rows), differences, disagreements)


def _check_arguments(hand: object, function: object, at: object, eps: object) -> None:
    """Raise TypeError or ValueError for arguments `compare` cannot use."""
    for name, given, example in (("hand", hand, "{'x': 4.0}"), ("at", at, "{'x': 2.0}")):
        what = "derivative worked out by hand" if name == "hand" else "value"
        if not isinstance(given, Mapping):
            raise TypeError(
                f"compare: {name} must be a dict of name -> {what}, such as {example}, "
                f"got {type(given).__name__}"
            )
        for key in given:
            if not isinstance(key, str):
                raise TypeError(
                    f"compare: the keys of {name} must be names (str), got {type(key).__name__} "
                    f"{key!r}"
                )
    if not callable(function):
        raise TypeError(f"compare: function must be callable, got {type(function).__name__}")
    if isinstance(eps, bool) or not isinstance(eps, Real) or not 0 < eps < 1:
        raise ValueError(f"compare: eps must be a number in (0, 1), such as 1e-6, got {eps!r}")


def _is_array(value: object) -> bool:
    return isinstance(value, (np.ndarray, Tensor, list, tuple))


def _argument(name: str, value: Any, arrays: bool) -> Value | Tensor:
    """A fresh labelled leaf for argument `name` of a compared function."""
    if arrays:
        return leaf(name, value.data if isinstance(value, Tensor) else value, True)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"compare: at[{name!r}] must be a number or an array, got {type(value).__name__}"
        )
    return leaf(name, float(value), False)


def _function_point(
    function: Callable[..., Value | Tensor],
    at: Mapping[str, Any],
    hand: Mapping[str, Any],
    batch_size: int | None,
    arrays: bool,
) -> tuple[Point, str]:
    leaves = {name: _argument(name, value, arrays) for name, value in at.items()}
    try:
        inspect.signature(function).bind(**leaves)
    except TypeError as error:  # the function's parameters are not the names in `at`
        raise TypeError(
            f"compare: the function cannot be called with the arguments named in at "
            f"({', '.join(at) or 'none'}): {error}; it must take one argument per entry of "
            "at, by those names"
        ) from None
    except ValueError:  # no signature to read (some built-ins): calling it will tell
        pass
    output = function(**leaves)
    kind = Tensor if arrays else Value
    if not isinstance(output, kind):
        raise TypeError(
            f"compare: the function must return a {kind.__name__} (the output node"
            f"{', as the arguments are Tensors' if arrays else ''}), got {type(output).__name__}"
        )
    if arrays and output.size != 1:
        raise ValueError(
            f"compare: the function must return a one-entry Tensor (a loss), got shape "
            f"{output.shape}; reduce it (.sum(), .mean())"
        )
    if output.label is None:
        output.named("output")
    nodes: dict[str, Any] = {}
    for n in topological_order(output):
        if n.label is not None:
            nodes.setdefault(n.label, n)
    parameters = [k for k in hand if k in at]
    equations = [label for label, n in nodes.items() if n.parents]
    functions = ARRAY_FUNCTIONS if arrays else SCALAR_FUNCTIONS
    point = Point(nodes, parameters, batch_size, equations, functions)
    return point, output.label  # type: ignore[return-value]


def _finite_difference(
    function: Callable[..., Value | Tensor],
    at: Mapping[str, Any],
    arrays: bool,
    node: str,
    wrt: str,
    eps: float,
) -> Number:
    """d(node)/d(wrt) by `autograd.gradcheck`'s central differences, the other arguments
    held at their values (NaN where the function fails at x ± h)."""

    def of(x: Value | Tensor) -> Value | Tensor:
        arguments = {n: x if n == wrt else _argument(n, v, arrays) for n, v in at.items()}
        with enable_grad():  # an inner node is found by walking the graph
            output = function(**arguments)
        if (output.label or "output") == node:
            return output
        for inner in topological_order(output):
            if inner.label == node:
                return inner
        raise ValueError(f"compare: no node labelled {node!r}")

    (gradient,) = numeric_gradient(of, _argument(wrt, at[wrt], arrays), eps=eps, where="compare")
    return as_number(gradient)


def _disagreements(
    hand: np.ndarray, computed: Number, fd: Number | None, rtol: float
) -> tuple[Disagreement, ...]:
    """The entries where an array hand value is not within `rtol` of autodiff (none when
    the shapes differ: the shape is then what is wrong)."""
    if np.shape(hand) != np.shape(computed):
        return ()
    off = ~close_entries(hand, computed, rtol)
    return tuple(
        Disagreement(
            tuple(int(i) for i in index),
            float(np.asarray(hand)[index]),
            float(np.asarray(computed)[index]),
            None if fd is None else float(np.asarray(fd)[index]),
        )
        for index in zip(*np.nonzero(off))
    )


def _hand_number(key: str, value: HandValue) -> tuple[Number, int | None]:
    """A hand value and the decimals it shows; None for an array (judged to a tolerance)."""
    if isinstance(value, bool):
        raise TypeError(f"compare: hand value for {key!r} must be a number, got a bool")
    if _is_array(value):
        try:
            array = np.array(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"compare: hand value for {key!r} is not an array of numbers"
            ) from None
        if not np.all(np.isfinite(array)):
            raise ValueError(f"compare: hand value for {key!r} has entries that are not finite")
        return array, None
    if isinstance(value, (str, Decimal)):
        try:
            number = float(Decimal(str(value).strip()))
        except Exception:
            raise ValueError(
                f"compare: hand value for {key!r} is not a number: {value!r}"
            ) from None
    elif isinstance(value, Integral):
        number = float(Decimal(int(value)))  # inf for an int beyond float's range
    elif isinstance(value, Real):  # float, numpy float32/float64, Fraction
        number = float(value)
    else:
        raise TypeError(
            f"compare: hand value for {key!r} must be a number, got {type(value).__name__}"
        )
    if not math.isfinite(number):
        shown = "an integer too large for a float" if isinstance(value, Integral) else repr(value)
        raise ValueError(
            f"compare: hand value for {key!r} is {shown}, not a finite number; give the "
            "derivative worked out by hand, such as 4.0 or '0.0850'"
        )
    if isinstance(value, (str, Decimal, np.floating)):
        text = str(value)  # for a numpy float, the shortest text that reads back in its dtype
    elif isinstance(value, Integral):
        text = str(int(value))
    else:
        text = repr(float(value))
    return number, shown_decimals(text)
