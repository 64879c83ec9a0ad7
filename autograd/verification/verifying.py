"""Check a document's hand-derived numbers and formulas against autodiff, and say why they differ.

`verify(case)` builds the case file's equations as a graph at the document's
point, computes every claimed value, derivative and updated parameter, and
judges each claim by the digits the document shows:

- **ok**: within half a unit of the claim's last shown decimal;
- **rounding**: what the document's own rounding explains: the exact value truncated at
  the last shown decimal, or a value within the spread the rounded intermediate values the
  document states give (`rounding`);
- **wrong**: anything else.

A formula is evaluated at the document's point and at random points (every
input and parameter perturbed, seeded, on the same side of every ReLU kink as
the document's point, because a hand formula is written for the branch the
document is on); it is ok only if it agrees with autodiff at all of them, each
time relative to the size of the derivative there.

For a wrong derivative (or formula, or updated parameter) the result carries the
chain-rule breakdown (`autograd.chain.explain`) and the nearest diagnosis that fits: the
claim is a constant multiple of the truth (2, 1/2, -1, the batch size), equals a
single path's product (a dropped path), lacks an activation's derivative, lacks
or adds a regularization term, or belongs to the transposed index.

A case whose inputs or parameters include arrays is built with `Tensor` nodes
(its scalars as 0-d tensors): an array claim is judged entry by entry (the worst
entry decides), a claim of the wrong shape is wrong, and a derivative's matrix
transposed, or a formula that holds once a matrix in it is transposed, is
diagnosed. Path-by-path breakdowns, single-path and activation diagnoses and
drawings need scalar graphs (`autograd.chain` walks `Value` graphs).

All the work of one verification counts against a `budget.WorkBudget` of
``settings.work_limit`` units: a file that needs more is refused (`CaseFileError`) rather
than checked for minutes.

This module loads the case, builds its `Point`s (the document's, and the random points
drawn here) and hands the claims to `judging`; the tolerances are in `tolerance`, the
diagnoses in `diagnose` and `claim_diagnoses`, the reports in `report`. `compare`, the
same checks for a Python function, is in `comparing`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .budget import WorkBudget, WorkLimitError
from .casefile import CaseFile, CaseFileError, expression_failure
from .expr import ExpressionError
from .judging import ClaimJudge, cross_check
from .loading import load
from .point import EquationError, Point
from .quantities import Number, as_number
from .results import VerifyResult
from .settings_table import MAX_WORK_LIMIT


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
    budget = WorkBudget(case.settings.work_limit)
    try:
        with np.errstate(all="ignore"):  # overflow is caught and reported by the range checks
            return _verify(case, budget)
    except WorkLimitError as error:
        raise CaseFileError(
            case.file,
            "",
            str(error),
            f"raise [verify] work_limit (up to {MAX_WORK_LIMIT:,}), or check fewer claims, "
            "formulas or random points per file",
        ) from None


def _verify(case: CaseFile, budget: WorkBudget) -> VerifyResult:
    """Judge a loaded case: its document point, random points for its formulas, then every
    claim, turning what cannot be computed into `CaseFileError`."""
    values = {**case.inputs, **case.parameters}
    try:
        point = Point.from_case(case, values, budget=budget)
    except EquationError as failure:
        raise expression_failure(
            case.file,
            f"equation {failure.equation.name!r}",
            failure.equation.place,
            failure.error,
            "cannot be evaluated at the file's values: ",
            "check the equation and the values",
        ) from None
    formulas = [c for c in case.claims if c.kind == "formula"]
    others = _random_points(case, values, point) if formulas else []
    judge = ClaimJudge(case, point, others)
    results = judge.all()
    cross_check(case, results)
    return VerifyResult(case.title, case.file, case.source, tuple(results), case, point)


DRAWS_PER_POINT = 50
"""Random points are drawn at most this many times ``points`` in all."""
MISSES_BEFORE_HALVING = 10
"""After this many failed draws in a row the move is halved ..."""
SMALLEST_MOVE = 64
"""... down to 1/SMALLEST_MOVE of ``perturbation`` (six halvings)."""


def _random_points(case: CaseFile, values: Mapping[str, float], point: Point) -> list[Point]:
    """Up to ``settings.points`` points around the document's, on the same side of every kink.

    Each input and parameter moves by up to ``perturbation`` times max(|value|, 0.1),
    uniformly; points where an equation fails or a ReLU changes side are redrawn, and
    after every `MISSES_BEFORE_HALVING` redraws in a row the perturbation is halved (down to
    1/`SMALLEST_MOVE` of it), at most `DRAWS_PER_POINT` times ``points`` draws in all.
    """
    settings = case.settings
    rng = np.random.default_rng(settings.seed)
    kinks = point.kinks()
    scale = settings.perturbation
    smallest = settings.perturbation / SMALLEST_MOVE
    points: list[Point] = []
    misses = 0
    for _ in range(DRAWS_PER_POINT * settings.points):
        if len(points) == settings.points:
            break
        moved = {n: as_number(_moved(v, scale, rng)) for n, v in values.items()}
        try:
            candidate = Point.from_case(case, moved, budget=point.budget)
        except ExpressionError:
            candidate = None
        if candidate is not None and candidate.kinks() == kinks:
            points.append(candidate)
            misses = 0
        else:
            misses += 1
            if misses % MISSES_BEFORE_HALVING == 0 and scale > smallest:
                scale /= 2
    return points


def _moved(value: Number, scale: float, rng: np.random.Generator) -> Number:
    """`value` moved by up to `scale` times max(|value|, 0.1), uniformly, per entry."""
    step = rng.uniform(-1.0, 1.0, size=np.shape(value))
    return value + scale * np.maximum(np.abs(value), 0.1) * step
