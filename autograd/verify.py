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
for a Python function of scalars: hand vs autodiff vs finite differences.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .casefile import (
    MAX_MAGNITUDE,
    CaseFile,
    CaseFileError,
    Claim,
    Equation,
    Settings,
    load,
    shown_decimals,
)
from .chain import ChainRuleError, chain_rule, explain, node_name
from .draw import DotNotFoundError, DrawError, save
from .draw import draw as draw_graph
from .expr import ARRAY_FUNCTIONS, SCALAR_FUNCTIONS, Expression, ExpressionError, evaluate
from .graph import local_derivatives, topological_order, zero_grad
from .tensor import Tensor
from .value import Value

Number = float | np.ndarray
"""A claimed or computed quantity: a float, or an array for a case written with arrays."""

STATUSES = ("ok", "rounding", "wrong")
MAX_DIAGNOSED = 100
"""Wrong claims diagnosed per file; the rest get their status and breakdown only."""
DIAGNOSIS_POINTS = 5
"""Random points (besides the document's) at which a wrong formula's diagnosis must also fit."""

_ACTIVATIONS = ("sigmoid", "tanh", "relu")
_INDEXED = (re.compile(r"(.*_)(\d+)_(\d+)"), re.compile(r"(.*?)(\d)(\d)"))


# ----------------------------------------------------------------------- results
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
            "claimed": _json_number(self.claimed),
            "computed": _json_number(self.computed),
            "status": self.status,
            "abs_error": self.abs_error,
            "rel_error": self.rel_error,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class VerifyResult:
    """Every claim of a case file judged; `exit_code` is what ``chaingrad verify`` returns."""

    title: str
    file: str
    source: str | None
    claims: tuple[ClaimResult, ...]
    case: CaseFile
    point: Point

    @property
    def summary(self) -> dict[str, int]:
        """How many claims are ok, rounding and wrong."""
        return {s: sum(c.status == s for c in self.claims) for s in STATUSES}

    @property
    def wrong(self) -> list[ClaimResult]:
        """The wrong claims, in file order."""
        return [c for c in self.claims if c.status == "wrong"]

    @property
    def exit_code(self) -> int:
        """0 when no claim is wrong, 1 when some claim is wrong."""
        return 1 if self.wrong else 0

    def to_json(self) -> dict[str, Any]:
        """``{"title", "claims": [...], "summary": {"ok", "rounding", "wrong"}}``."""
        return {
            "title": self.title,
            "claims": [c.to_json() for c in self.claims],
            "summary": self.summary,
        }

    def json(self) -> str:
        """`to_json` as indented JSON text."""
        return json.dumps(self.to_json(), indent=2, allow_nan=False)

    def text(self) -> str:
        """A plain-text report: the table of claims, then every claim that is not ok."""
        rows = [("status", "kind", "claim", "document", "computed")]
        rows += [(c.status, c.kind, c.claim, c.shown, _computed_text(c)) for c in self.claims]
        widths = [min(44, max(len(r[i]) for r in rows)) for i in range(4)]
        lines = [self.title, self._origin(), ""]
        for row in rows:
            cells = [_clip(cell, w).ljust(w) for cell, w in zip(row, widths)]
            lines.append("  ".join([*cells, _clip(row[4], 60)]).rstrip())
        lines += ["", self._summary_line()]
        for c in self.claims:
            if c.status != "ok":
                lines += ["", *_details(c)]
        return "\n".join(lines)

    def markdown(self) -> str:
        """A Markdown report: a table of claims, then details of each claim that is not ok."""
        lines = [f"# {_md(self.title)}", "", _md(self._origin()), ""]
        lines += ["| status | kind | claim | document says | computed | hint |", "|---" * 6 + "|"]
        for c in self.claims:
            cells = [
                f"**{c.status}**" if c.status == "wrong" else c.status,
                c.kind,
                f"`{c.claim}`",
                f"`{c.shown}`",
                _computed_text(c),
                c.hint,
            ]
            lines.append("| " + " | ".join(_md(cell) for cell in cells) + " |")
        lines += ["", self._summary_line()]
        for c in self.claims:
            if c.status != "ok":
                head, *rest = _details(c)
                lines += ["", f"## {_md(head)}", "", "```", *rest, "```"]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        """A self-contained HTML report with the same content as `markdown`."""
        esc = html.escape
        rows = "\n".join(
            f'<tr class="{c.status}"><td>{c.status}</td><td>{c.kind}</td>'
            f"<td><code>{esc(c.claim)}</code></td><td><code>{esc(c.shown)}</code></td>"
            f"<td>{esc(_computed_text(c))}</td><td>{esc(c.hint)}</td></tr>"
            for c in self.claims
        )
        details = "\n".join(
            f"<h2>{esc(head)}</h2><pre>{esc(chr(10).join(rest))}</pre>"
            for head, *rest in (_details(c) for c in self.claims if c.status != "ok")
        )
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{esc(self.title)}</title><style>"
            "body{font-family:sans-serif;max-width:80em;margin:2em auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
            "tr.wrong{background:#fdd}tr.rounding{background:#ffd}pre{background:#f6f6f6}"
            f"</style></head><body><h1>{esc(self.title)}</h1><p>{esc(self._origin())}</p>"
            "<table><tr><th>status</th><th>kind</th><th>claim</th><th>document says</th>"
            f"<th>computed</th><th>hint</th></tr>\n{rows}\n</table>"
            f"<p>{esc(self._summary_line())}</p>\n{details}\n</body></html>\n"
        )

    def draw(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write the chain-rule drawing of each wrong derivative, formula or update into
        `directory` as SVG (paths to the claimed node lit; see `autograd.draw`).

        Returns the files written. A claim whose graph is too large to draw is
        skipped; without the Graphviz ``dot`` program the DOT source is written
        instead and `autograd.draw.DotNotFoundError` is raised at the end.
        """
        written: list[Path] = []
        missing_dot: DotNotFoundError | None = None
        used: set[str] = set()
        for c in self.claims:
            if c.status != "wrong" or c.kind == "value":
                continue
            node, wrt = (c.node, c.wrt) if c.wrt else (self.case.loss, c.node)
            name = _file_name(f"{c.kind}_{c.claim}", used)
            self.point.backward(node)  # the drawing shows each node's grad
            try:
                graph = draw_graph(
                    self.point.nodes[node],
                    wrt=self.point.nodes[wrt],
                    view="expressions",
                    parameters=list(self.case.parameters),
                )
                written.append(save(graph, Path(directory) / f"{name}.svg"))
            except DrawError:
                continue
            except DotNotFoundError as error:
                missing_dot = error
                written.append(error.source_path)
        if missing_dot is not None:
            raise missing_dot
        return written

    def _origin(self) -> str:
        return self.file + (f" (source: {self.source})" if self.source else "")

    def _summary_line(self) -> str:
        s = self.summary
        return f"summary: {s['ok']} ok, {s['rounding']} rounding, {s['wrong']} wrong"


# ----------------------------------------------------------------------- the graph at a point
class Point:
    """A case's graph built at one set of input and parameter values.

    ``nodes`` maps every name to its node; `derivative` runs the engine's
    backward pass (once per root) and reads the gradients.
    """

    def __init__(
        self,
        nodes: dict[str, Any],
        parameters: Iterable[str],
        batch_size: int | None = None,
        equations: Sequence[str] = (),
        functions: Mapping[str, Callable[..., Any]] = SCALAR_FUNCTIONS,
    ) -> None:
        self.nodes = nodes
        self.parameters = frozenset(parameters)
        self.batch_size = batch_size
        self.equations = tuple(equations)
        self.functions = functions
        self._gradients: dict[str, dict[str, Number]] = {}
        self._l2_terms: frozenset[str] | None = None

    @classmethod
    def from_case(cls, case: CaseFile, values: Mapping[str, Number]) -> Point:
        """Build `case`'s equations with `values` for its inputs and parameters: `Value`
        nodes, or `Tensor` nodes (scalars as 0-d) when some value is an array.

        Raises `EquationError` if an equation cannot be evaluated at these values.
        """
        arrays = any(isinstance(v, np.ndarray) for v in values.values())
        nodes = {name: _leaf(name, value, arrays) for name, value in values.items()}
        functions = ARRAY_FUNCTIONS if arrays else SCALAR_FUNCTIONS
        for equation in case.equations:
            try:
                result = evaluate(equation.expression, nodes, functions)
                _in_range(_data(result), "its value")
            except ExpressionError as error:
                raise EquationError(equation, error) from None
            nodes[equation.name] = _named(result, equation.name, arrays)
        names = [e.name for e in case.equations]
        return cls(nodes, case.parameters, case.batch_size, names, functions)

    def value(self, node: str) -> Number:
        """The value of a node: a float, or an array for a `Tensor` that is not 0-d."""
        return _data(self.nodes[node])

    def derivative(self, node: str, wrt: str) -> Number:
        """d(node)/d(wrt) by the engine's backward pass (shaped like `wrt`); 0 if `node` does
        not depend on `wrt`."""
        gradient = self.gradients(node).get(wrt)
        return gradient if gradient is not None else _data(self.nodes[wrt]) * 0.0

    def gradients(self, node: str) -> dict[str, Number]:
        """d(node)/d(name) for every name `node` depends on (itself included).

        Raises `ExpressionError` when `node` is an array with more than one entry
        (its derivative would be a Jacobian) or a derivative overflows.
        """
        if node not in self._gradients:
            size = np.size(_data(self.nodes[node]))
            if size != 1:
                raise ExpressionError(
                    f"d{node}/d...: {node} has {size} entries; a derivative claim needs a node "
                    "with one entry (sum it, or claim the derivative of a loss)"
                )
            order = self.backward(node)
            gradients = {n.label: _gradient(n) for n in order if n.label is not None}
            for name, value in gradients.items():
                _in_range(value, f"d{node}/d{name}")
            self._gradients[node] = gradients
        return self._gradients[node]

    def backward(self, node: str) -> list[Any]:
        """Run the engine's backward pass from `node`: every node it depends on then holds
        d(node)/d(itself) in ``grad``. Returns those nodes in topological order."""
        root = self.nodes[node]
        order = topological_order(root)
        zero_grad(n for n in order if not n.parents)  # leaves accumulate; start from 0
        root.backward()
        return order

    def evaluate(self, expression: Expression, instead: Mapping[str, Any] | None = None) -> Number:
        """The value of a formula at this point (with the nodes `instead` maps names to)."""
        nodes = {**self.nodes, **instead} if instead else self.nodes
        return _in_range(_data(evaluate(expression, nodes, self.functions)), "its value")

    def kinks(self) -> tuple[tuple[bool, ...], ...]:
        """Which side of its kink every ReLU is on (the branch a hand formula is written for)."""
        seen: set[int] = set()
        sides = []
        stack = [self.nodes[name] for name in self.equations]
        while stack:  # one walk over every equation's graph, shared parts visited once
            node = stack.pop()
            if node.node_id in seen:
                continue
            seen.add(node.node_id)
            if node.op == "relu":
                on = np.asarray(node.parents[0].data) > 0
                sides.append((node.node_id, tuple(on.ravel().tolist())))
            stack.extend(node.parents)
        return tuple(side for _, side in sorted(sides))

    def l2_terms(self) -> frozenset[str]:
        """The equations that are L2 regularization terms: every parameter in them enters
        squared (``alpha/2 * (w1**2 + w2**2)``), directly or through other such terms."""
        if self._l2_terms is None:
            terms: set[str] = set()
            for name in self.equations:
                if _is_l2_term(self.nodes[name], self.parameters, terms):
                    terms.add(name)
            self._l2_terms = frozenset(terms)
        return self._l2_terms


class EquationError(ExpressionError):
    """An equation that cannot be evaluated at some values (log of a negative number, ...)."""

    def __init__(self, equation: Equation, error: ExpressionError) -> None:
        super().__init__(f"equation {equation.name!r}: {error}")
        self.equation = equation
        self.error = error


def _in_range(x: Number, what: str) -> Number:
    """`x`, or `ExpressionError` when it overflowed (or exceeds the file's limit on numbers)."""
    if not np.all(np.abs(x) <= MAX_MAGNITUDE):  # also catches NaN
        worst = float(np.max(np.abs(x))) if np.size(x) else 0.0
        raise ExpressionError(f"{what} reaches {worst:g}, beyond the limit of {MAX_MAGNITUDE:g}")
    return x


def _leaf(name: str, value: Number, arrays: bool) -> Any:
    """The node for an input or parameter: the one place that picks `Value` or `Tensor`."""
    if arrays:
        return Tensor(value, requires_grad=True, label=name)
    return Value(value, label=name)


def _named(result: Any, name: str, arrays: bool) -> Any:
    """Label an equation's result; a bare number or an already-named node gets its own node."""
    if not isinstance(result, (Value, Tensor)):
        return _leaf(name, result, arrays)
    if result.label is not None:
        result = 1.0 * result
    return result.named(name)


def _data(x: Any) -> Number:
    """A node's or a number's value as a float, or an array when it has dimensions."""
    data = x.data if isinstance(x, (Value, Tensor)) else x
    if isinstance(data, np.ndarray) and data.ndim == 0:
        return float(data)
    return data if isinstance(data, np.ndarray) else float(data)


def _gradient(node: Any) -> Number:
    """A node's gradient after a backward pass (a copy; 0 where the pass did not reach)."""
    grad = node.grad
    if grad is None:
        return _data(node) * 0.0
    return _data(np.array(grad)) if isinstance(grad, np.ndarray) else float(grad)


# ----------------------------------------------------------------------- verify
def verify(case: str | os.PathLike[str] | Mapping[str, Any] | CaseFile) -> VerifyResult:
    """Judge every claim of a case file (a path, a parsed mapping or a `CaseFile`).

    Raises `CaseFileError` when the file is invalid, including when an equation
    or formula cannot be evaluated at the document's point.
    """
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
        moved = {n: _data(_moved(v, scale, rng)) for n, v in values.items()}
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
            _in_range(computed, f"the updated {claim.node}")
        status = _status(claim.number, computed, unit, self.settings)
        shown = _literal(claim.number, decimals)
        diagnoses: tuple[str, ...] = ()
        if status == "ok":
            hint = ""
        elif status == "rounding":
            hint = (
                f"within {self.settings.rounding_units:g} units of the last shown decimal "
                f"({_g(unit)}): the document rounded or truncated (exact {_g(computed, 7)})"
            )
        else:
            diagnoses = self.diagnose_number(claim, computed, unit)
            hint = _shape_note(claim.number, computed) + (
                "; ".join(diagnoses)
                or f"no simple diagnosis fits; the correct value is {_g(computed, 7)}"
                + ("" if claim.kind == "value" else " (see the chain-rule breakdown)")
            )
        breakdown = self.breakdown(claim) if status == "wrong" else ""
        return ClaimResult(
            claim.key,
            claim.kind,
            claim.node,
            claim.wrt,
            claim.number,
            computed,
            status,
            hint,
            diagnoses,
            breakdown,
            claim.line,
            shown,
        )

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
        holds_here = self.agree(claimed, computed)
        failed, skipped = 0, 0
        for other in self.others:
            try:
                value = other.evaluate(claim.formula)
                truth = other.derivative(claim.node, claim.wrt)
            except ExpressionError:
                skipped += 1
                continue
            failed += not self.agree(value, truth)
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
            hint = _shape_note(claimed, computed) + (
                "; ".join(diagnoses)
                or f"no simple diagnosis fits; at the document's point the formula gives "
                f"{_g(claimed, 7)} and the chain rule {_g(computed, 7)}"
            )
        breakdown = self.breakdown(claim) if status == "wrong" else ""
        return ClaimResult(
            claim.key,
            "formula",
            claim.node,
            claim.wrt,
            claimed,
            computed,
            status,
            hint,
            diagnoses,
            breakdown,
            claim.line,
            claim.formula.text,
        )

    def agree(self, a: Number, b: Number) -> bool:
        return _close(a, b, self.settings.formula_rtol)

    def breakdown(self, claim: Claim) -> str:
        node, wrt = (claim.node, claim.wrt) if claim.wrt else (self.case.loss, claim.node)
        if claim.kind == "value" or not isinstance(self.point.nodes[node], Value):
            return ""  # the path-by-path breakdown is for scalar graphs
        try:
            return explain(self.point.nodes[node], self.point.nodes[wrt])
        except ChainRuleError as error:
            return f"(no breakdown: {error})"

    # ------------------------------------------------------------------ diagnoses
    def diagnose_number(self, claim: Claim, computed: float, unit: float) -> tuple[str, ...]:
        if claim.kind == "value" or not self.budget():
            return ()
        assert claim.number is not None
        tolerance = self.settings.rounding_units * unit
        if claim.kind == "derivative":
            assert claim.wrt is not None
            found = _diagnose(self.point, claim.node, claim.wrt, claim.number, tolerance)
            return tuple(f"the claim {d}" for d in found)
        # An updated parameter: diagnose the gradient the update implies.
        rate = self.case.learning_rate
        assert rate is not None
        implied = (self.case.parameters[claim.node] - claim.number) / rate
        found = _diagnose(self.point, self.case.loss, claim.node, implied, tolerance / rate)
        return tuple(f"the update uses a gradient of {_g(implied, 4)}, which {d}" for d in found)

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
                candidates = _candidates(p, claim.node, claim.wrt)
            except ExpressionError:
                return ()
            for candidate in candidates:
                texts.setdefault(candidate.key, candidate.text)
                if self.close(claimed[i], candidate.value):
                    fits[candidate.key] = fits.get(candidate.key, 0) + 1
        found = [texts[key] for key, count in fits.items() if count == len(points)]
        found += self.transposed_formula(claim, points)
        return tuple(f"the formula {d}" for d in found)

    def transposed_formula(self, claim: Claim, points: list[Point]) -> list[str]:
        """The formula holds once one matrix in it is transposed: a matrix name replaced by
        its transpose, or a family of indexed scalars with their indices swapped."""
        assert claim.formula is not None and claim.wrt is not None
        found = []
        for story, replace_in in _transpositions(claim.formula.names, self.point):
            try:
                holds = all(
                    self.close(
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

    def close(self, a: Number, b: Number) -> bool:
        return _close(a, b, max(1e-6, self.settings.formula_rtol))

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
                f"of {_g(implied, 4)}, which agrees with the correct {_g(r.computed, 4)}: the "
                "stated value is not the one the update used"
            )
            hint = f"{r.hint}; {note}" if r.diagnoses else note
            results[i] = replace(r, hint=hint, diagnoses=(*r.diagnoses, note))


def _status(claimed: Number, computed: Number, unit: Number, settings: Settings) -> str:
    """ok / rounding / wrong by units of the last shown decimal (never relative); an array
    gets the status of its worst entry, and the wrong shape is wrong."""
    if np.shape(claimed) != np.shape(computed):
        return "wrong"
    slack = 1e-9 * unit  # binary floating point: 0.0025 is not exactly representable
    if _within(claimed, computed, settings.ok_units * unit + slack):
        return "ok"
    if _within(claimed, computed, settings.rounding_units * unit + slack):
        return "rounding"
    return "wrong"


def _shape_note(claimed: Number, computed: Number) -> str:
    """'' for equal shapes, else a sentence saying both (the start of a hint)."""
    if np.shape(claimed) == np.shape(computed):
        return ""
    return (
        f"the claim has shape {np.shape(claimed)} but the correct value has shape "
        f"{np.shape(computed)}; "
    )


def _within(a: Number, b: Number, tolerance: Number) -> bool:
    """Same shape and every entry within `tolerance` (a number or one per entry)."""
    return np.shape(a) == np.shape(b) and bool(np.all(np.abs(np.subtract(a, b)) <= tolerance))


def _close(a: Number, b: Number, rtol: float) -> bool:
    """Same shape and every entry equal to relative tolerance `rtol` (absolute 1e-12)."""
    if np.shape(a) != np.shape(b):
        return False
    return _within(a, b, rtol * np.maximum(np.abs(a), np.abs(b)) + 1e-12)


def _diagnose(
    point: Point, node: str, wrt: str, claimed: Number, tolerance: Number
) -> tuple[str, ...]:
    """The stories of the candidates within `tolerance` of a claimed d(node)/d(wrt)."""
    return tuple(
        c.text for c in _candidates(point, node, wrt) if _within(claimed, c.value, tolerance)
    )


# ----------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class _Candidate:
    """A value a mistaken hand derivation commonly gives: its identity, its story, its value."""

    key: str
    text: str
    value: Number


def _candidates(point: Point, node: str, wrt: str) -> list[_Candidate]:
    """What a mistaken hand derivation of d(node)/d(wrt) commonly gives, computed at `point`.

    A claim matching a candidate's value is diagnosed with the candidate's text.
    """
    truth = point.derivative(node, wrt)
    root, target = point.nodes[node], point.nodes[wrt]
    scalar = isinstance(root, Value)  # paths and activations: chain_rule walks scalar graphs
    return [
        *_ratios(point, truth),
        *(_single_paths(root, target, node, truth) if scalar else ()),
        *(_missing_activations(root, target, truth) if scalar else ()),
        *_regularization(point, node, wrt, truth),
        *_transposed(point, node, wrt),
        *_transposed_matrix(truth),
    ]


_RATIOS = (
    (2.0, "is twice the correct value {truth}: a factor 2 too many (the 1/2 of a squared "
          "error dropped, or a term counted twice)"),
    (0.5, "is half the correct value {truth}: a factor 2 missing (the 2 from differentiating "
          "a square, or a 1/2 applied twice)"),
    (-1.0, "is the correct value {truth} with its sign flipped: (y - o) where the derivative "
           "needs (o - y)"),
    (-2.0, "is -2 times the correct value {truth}: a flipped sign and a factor 2"),
    (-0.5, "is -1/2 times the correct value {truth}: a flipped sign and a missing factor 2"),
)  # fmt: skip


def _ratios(point: Point, truth: Number) -> list[_Candidate]:
    """The truth times 2, 1/2, -1, -2, -1/2 and the batch size or its inverse."""
    if not np.any(truth):
        return []
    ratios = list(_RATIOS)
    n = point.batch_size
    if n and n > 1:
        ratios += [
            (float(n), f"is {n} times the correct value {{truth}} ({n} = the batch size): a "
                       "sum over the batch where the loss takes the mean"),
            (1.0 / n, f"is 1/{n} of the correct value {{truth}} ({n} = the batch size): a "
                      "mean over the batch where the loss sums"),
        ]  # fmt: skip
    shown = _g(truth, 4)
    return [_Candidate(f"ratio {r!r}", text.format(truth=shown), r * truth) for r, text in ratios]


def _single_paths(root: Value, target: Value, node: str, truth: float) -> list[_Candidate]:
    """Each path's product alone, when the chain rule sums several paths (a dropped path)."""
    try:
        rule = chain_rule(root, target)
    except ChainRuleError:
        return []
    if len(rule.paths) < 2:
        return []
    out = []
    for path in rule.paths:
        route = " ← ".join([node, *(node_name(f.parent) for f in path.factors)])
        out.append(
            _Candidate(
                f"path {route}",
                f"equals the product along one path only ({route} = {_g(path.product, 4)}); "
                f"the chain rule sums {len(rule.paths)} paths (total {_g(truth, 4)}): "
                "a dropped path",
                path.product,
            )
        )
    return out


def _missing_activations(root: Value, target: Value, truth: float) -> list[_Candidate]:
    """The chain rule with one activation's derivative left out (set to 1 on every path)."""
    try:
        rule = chain_rule(root, target, labelled_only=False)
    except ChainRuleError:
        return []
    activations: dict[int, Value] = {}
    for path in rule.paths:
        for f in path.factors:
            if f.child.op in _ACTIVATIONS:
                activations.setdefault(f.child.node_id, f.child)
    out = []
    for rank, (_, act) in enumerate(sorted(activations.items())):
        without = sum(
            math.prod(1.0 if f.child is act else f.value for f in path.factors)
            for path in rule.paths
        )
        name, argument = node_name(act), node_name(act.parents[0])
        local = local_derivatives(act)[0]
        out.append(
            _Candidate(
                f"activation {rank}",  # node ids differ between points; ranks do not
                f"lacks the factor {act.op}'({argument}) = {_g(local, 4)} at {name}: the "
                f"activation's derivative is missing (with it: {_g(truth, 4)})",
                without,
            )
        )
    return out


def _regularization(point: Point, node: str, wrt: str, truth: Number) -> list[_Candidate]:
    """The derivative without an L2 term that `node` contains, or plus one it does not."""
    out = []
    within = point.gradients(node)
    for name in sorted(point.l2_terms()):
        if name in (node, wrt) or np.size(point.value(name)) != 1:
            continue
        through = point.derivative(name, wrt)
        if not np.any(through):
            continue
        if name in within:
            part = float(np.sum(within[name])) * through
            out.append(
                _Candidate(
                    f"without {name}",
                    f"leaves out the regularization term {name} (its part of d{node}/d{wrt} is "
                    f"{_g(part, 4)}; with it: {_g(truth, 4)})",
                    truth - part,
                )
            )
        else:
            out.append(
                _Candidate(
                    f"plus {name}",
                    f"adds the regularization gradient d{name}/d{wrt} = {_g(through, 4)}, but "
                    f"{node} does not contain {name}",
                    truth + through,
                )
            )
    return out


def _is_l2_term(node: Value, parameters: frozenset[str], terms: set[str]) -> bool:
    """True when every parameter in `node`'s own expression enters squared and every other
    equation it uses is in `terms` (walks only this equation's operations)."""
    squared = False
    stack = [node]
    while stack:
        n = stack.pop()
        for p in n.parents:
            if not p.parents:
                if p.label in parameters:
                    if not (n.op == "**2" or (n.op == "*" and n.parents[0] is n.parents[1])):
                        return False
                    squared = True
            elif p.label is not None:  # another equation
                if p.label not in terms:
                    return False
                squared = True
            else:
                stack.append(p)
    return squared


def _transposed(point: Point, node: str, wrt: str) -> list[_Candidate]:
    """d(node)/d(wrt') where wrt' is `wrt` with its two indices swapped (w_01 -> w_10)."""
    _, swapped = _swap_indices(wrt) or ("", "")
    gradients = point.gradients(node)
    if swapped not in gradients or swapped not in point.parameters:
        return []
    return [
        _Candidate(
            f"transposed {swapped}",
            f"equals d{node}/d{swapped} ({_g(gradients[swapped], 4)}): the transposed index "
            f"({swapped} for {wrt})",
            gradients[swapped],
        )
    ]


def _transposed_matrix(truth: Number) -> list[_Candidate]:
    """The transpose of a matrix derivative (a change matrix written the other way round)."""
    if np.ndim(truth) != 2:
        return []
    return [
        _Candidate(
            "transpose",
            f"is the transpose of the correct {truth.shape[0]}x{truth.shape[1]} matrix: "
            "a transposed matrix",
            truth.T,
        )
    ]


def _swap_indices(name: str) -> tuple[str, str] | None:
    """(matrix prefix, `name` with its two trailing indices swapped): w2_01 -> ("w2_", w2_10),
    w_1_2 -> ("w_", w_2_1); None for a name without two different indices."""
    for pattern, separator in zip(_INDEXED, ("_", "")):
        match = pattern.fullmatch(name)
        if match:
            prefix, i, j = match.groups()
            return None if i == j else (prefix, f"{prefix}{j}{separator}{i}")
    return None


def _transpositions(
    names: Sequence[str], point: Point
) -> list[tuple[str, Callable[[Point], dict[str, Any]]]]:
    """Each way to transpose one matrix of a formula: (what is transposed, a function giving
    the nodes to use instead at a point). A matrix is a 2-D array node, or a family of
    scalars named with two indices (w2_01, w2_10, ...)."""
    out: list[tuple[str, Callable[[Point], dict[str, Any]]]] = []
    groups: dict[str, dict[str, str]] = {}
    for name in names:
        if name in point.nodes and np.ndim(point.value(name)) == 2:
            out.append(
                (
                    f"{name} transposed ({name}.T in place of {name})",
                    lambda p, name=name: {name: p.nodes[name].T},
                )
            )
        prefix, swapped = _swap_indices(name) or ("", "")
        if swapped in point.nodes:
            groups.setdefault(prefix, {})[name] = swapped
            groups[prefix][swapped] = name
    for prefix, swap in sorted(groups.items()):
        pairs = ", ".join(f"{a} ↔ {b}" for a, b in sorted(swap.items()) if a < b)
        out.append(
            (
                f"{prefix.rstrip('_')}'s indices transposed ({pairs})",
                lambda p, swap=swap: {a: p.nodes[b] for a, b in swap.items()},
            )
        )
    return out


# ----------------------------------------------------------------------- compare
@dataclass(frozen=True)
class Comparison:
    """Hand-derived derivatives next to autodiff and central finite differences."""

    rows: tuple[ClaimResult, ...]
    finite_differences: Mapping[str, float | None]

    def text(self) -> str:
        """The three-way table, then the breakdown of each hand value that is not ok."""
        head = ("derivative", "hand", "autodiff", "finite diff.", "status")
        table = [head]
        for r in self.rows:
            fd = self.finite_differences[r.claim]
            table.append(
                (r.claim, r.shown, _g(r.computed, 8), "n/a" if fd is None else _g(fd, 8), r.status)
            )
        widths = [max(len(row[i]) for row in table) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
        for r in self.rows:
            if r.status != "ok":
                lines += ["", *_details(r)]
        return "\n".join(lines)

    @property
    def wrong(self) -> list[ClaimResult]:
        """The hand values that are wrong."""
        return [r for r in self.rows if r.status == "wrong"]


def compare(
    hand: Mapping[str, float | str | Decimal],
    function: Callable[..., Value],
    at: Mapping[str, float],
    *,
    eps: float = 1e-6,
    batch_size: int | None = None,
) -> Comparison:
    """Compare derivatives worked out by hand with autodiff and finite differences.

    `function` takes one keyword argument per entry of `at` (each a labelled
    `Value`) and returns the output node. A key of `hand` is an argument name
    (d output / d argument) or ``"dA/dB"`` for a labelled node A of the graph.
    Hand values are judged by the digits they show: give them as strings or
    `Decimal` (``"0.0850"``) to keep trailing zeros. Finite differences are
    central, step ``eps * max(1, |x|)``, for arguments only. The keys of `hand`
    are the parameters for the regularization diagnosis.
    """
    point, output = _function_point(function, at, hand, batch_size)
    settings = Settings()
    rows = []
    differences: dict[str, float | None] = {}
    for key, value in hand.items():
        match = re.fullmatch(r"d([A-Za-z_]\w*)/d([A-Za-z_]\w*)", key)
        node, wrt = (match.group(1), match.group(2)) if match else (output, key)
        for name in (node, wrt):
            if name not in point.nodes:
                raise ValueError(f"compare: no argument or labelled node {name!r} (in {key!r})")
        number, decimals = _hand_number(key, value)
        computed = point.derivative(node, wrt)
        unit = 10.0**-decimals
        status = _status(number, computed, unit, settings)
        diagnoses: tuple[str, ...] = ()
        if status == "wrong":
            found = _diagnose(point, node, wrt, number, settings.rounding_units * unit)
            diagnoses = tuple(f"the hand value {d}" for d in found)
        hint = "; ".join(diagnoses)
        breakdown = ""
        if status == "wrong":
            try:
                breakdown = explain(point.nodes[node], point.nodes[wrt])
            except ChainRuleError as error:
                breakdown = f"(no breakdown: {error})"
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
                _literal(number, decimals),
            )
        )
        differences[key] = _central_difference(function, at, wrt, node, eps) if wrt in at else None
    return Comparison(tuple(rows), differences)


def _function_point(
    function: Callable[..., Value],
    at: Mapping[str, float],
    hand: Mapping[str, Any],
    batch_size: int | None,
) -> tuple[Point, str]:
    leaves = {name: _leaf(name, value, False) for name, value in at.items()}
    output = function(**leaves)
    if not isinstance(output, Value):
        raise TypeError(f"compare: the function must return a Value, got {type(output).__name__}")
    if output.label is None:
        output.named("output")
    nodes: dict[str, Value] = {}
    for n in topological_order(output):
        if n.label is not None:
            nodes.setdefault(n.label, n)
    parameters = [k for k in hand if k in at]
    equations = [label for label, n in nodes.items() if n.parents]
    return Point(nodes, parameters, batch_size, equations), output.label  # type: ignore[return-value]


def _central_difference(
    function: Callable[..., Value], at: Mapping[str, float], wrt: str, node: str, eps: float
) -> float:
    step = eps * max(1.0, abs(at[wrt]))

    def value(x: float) -> float:
        output = function(**{n: _leaf(n, x if n == wrt else v, False) for n, v in at.items()})
        if output.label == node or node == "output":
            return output.data
        for n in topological_order(output):
            if n.label == node:
                return n.data
        raise ValueError(f"compare: no node labelled {node!r}")

    return (value(at[wrt] + step) - value(at[wrt] - step)) / (2 * step)


def _hand_number(key: str, value: float | str | Decimal) -> tuple[float, int]:
    if isinstance(value, bool):
        raise TypeError(f"compare: hand value for {key!r} must be a number, got a bool")
    if isinstance(value, (str, Decimal)):
        try:
            number = float(Decimal(str(value).strip()))
        except Exception:
            raise ValueError(
                f"compare: hand value for {key!r} is not a number: {value!r}"
            ) from None
        return number, shown_decimals(str(value))
    if isinstance(value, (int, float)):
        return float(value), shown_decimals(repr(value))
    raise TypeError(f"compare: hand value for {key!r} must be a number, got {type(value).__name__}")


# ----------------------------------------------------------------------- formatting
def _g(x: Number, digits: int = 5) -> str:
    """`x` to `digits` significant digits; an array as nested brackets."""
    if isinstance(x, np.ndarray):
        return _nested([f"{v:.{digits}g}" for v in x.ravel()], x.shape)
    return f"{x:.{digits}g}"


def _literal(number: Number, decimals: Number | None) -> str:
    """A claimed number shown with the decimals the document shows."""
    if isinstance(number, np.ndarray):
        places = np.broadcast_to(np.asarray(decimals if decimals is not None else -1), number.shape)
        texts = [_literal(float(v), int(d)) for v, d in zip(number.ravel(), places.ravel())]
        return _nested(texts, number.shape)
    if decimals is None or not 0 <= int(decimals) <= 20:
        return _g(number, 10)
    return f"{number:.{int(decimals)}f}"


def _nested(texts: list[str], shape: tuple[int, ...]) -> str:
    """Entries in row-major order written as nested brackets: [[1, 2], [3, 4]]."""
    items = texts
    for n in reversed(shape):
        items = ["[" + ", ".join(items[i : i + n]) + "]" for i in range(0, len(items), n)]
    return items[0]


def _json_number(x: Number) -> float | list[Any]:
    return x.tolist() if isinstance(x, np.ndarray) else x


def _computed_text(c: ClaimResult) -> str:
    if c.kind == "formula":
        return _g(c.computed, 7) + ("" if c.status == "ok" else f" (formula: {_g(c.claimed, 7)})")
    return _g(c.computed, 7)


def _details(c: ClaimResult) -> list[str]:
    where = f" (line {c.line})" if c.line else ""
    if c.kind == "formula":
        head = f"{c.status}: formula {c.claim}{where}"
        lines = [
            head,
            f"  the document writes: {c.shown}",
            f"  at the document's point: formula {_g(c.claimed, 7)}, "
            f"chain rule {_g(c.computed, 7)}",
        ]
    else:
        head = f"{c.status}: {c.kind} {c.claim}{where}"
        lines = [head, f"  the document says {c.shown}; the correct value is {_g(c.computed, 7)}"]
    if c.diagnoses:
        lines += [f"  diagnosis: {d}" for d in c.diagnoses]
    elif c.hint:
        lines.append(f"  {c.hint}")
    if c.breakdown:
        lines += ["  chain rule:", *(f"    {line}" for line in c.breakdown.splitlines())]
    return lines


def _file_name(text: str, used: set[str]) -> str:
    """A file name from a claim key (``dE/dw17`` -> ``dE_dw17``), unique within `used`."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")[:80] or "claim"
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
