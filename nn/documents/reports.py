"""A seed document's report: its case file judged by `verify`, and what a reader checks beside it.

`document_report` takes a `VerifyResult` (``verify`` of a case file: every stated number and
every formula judged against autodiff, by verify's rules) and adds what the report prints
beside those verdicts:

- a central difference for every derivative the case file claims or writes as a formula
  (`Point.finite_difference`), and whether `autograd.gradcheck` confirms autodiff there;
- the chain rule for one weight, path by path (`autograd.explain`);
- one gradient-descent step on every parameter with the case file's learning rate, and the
  loss after it;
- the notes kept beside the case files (`casefiles.case_notes`).

`DocumentReport.text` is what ``chaingrad demo`` writes to ``out/documents/<name>.txt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chaingrad.autograd.chain import explain
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.verification import ClaimResult, Point, VerifyResult

from .casefiles import CaseNotes, case_notes

Derivative = tuple[str, str]
"""d(node)/d(wrt) as (node, wrt)."""


@dataclass(frozen=True)
class DocumentReport:
    """A case file's verdicts (`result`) with central differences, a chain rule, one update
    and notes.

    `central_differences` and `confirmed` hold, for each derivative (node, wrt) that a claim
    or formula names, the central difference and gradcheck's verdict on autodiff there.
    `updated` is every parameter after one step of gradient descent and `loss_after` the
    loss then (empty and None when the case file gives no learning rate).
    """

    result: VerifyResult
    notes: CaseNotes
    central_differences: Mapping[Derivative, Any]
    confirmed: Mapping[Derivative, bool]
    explained: str
    explanation: str
    updated: Mapping[str, Any]
    loss_after: float | None

    @property
    def loss(self) -> float:
        """The loss at the case file's point."""
        return self.result.point.value(self.result.case.loss)

    @property
    def values(self) -> dict[str, Any]:
        """Every input, parameter and equation of the case file with its value, in file order."""
        case = self.result.case
        names = [*case.inputs, *case.parameters, *(e.name for e in case.equations)]
        return {name: self.result.point.value(name) for name in names}

    @property
    def formulas(self) -> list[ClaimResult]:
        """The verdicts on the derivative formulas."""
        return [c for c in self.result.claims if c.kind == "formula"]

    @property
    def stated(self) -> list[ClaimResult]:
        """The verdicts on the numbers the document states (values, derivatives, updates)."""
        return [c for c in self.result.claims if c.kind != "formula"]

    @property
    def autodiff_confirmed(self) -> bool:
        """True when gradcheck confirms autodiff for every derivative the report shows."""
        return all(self.confirmed.values())

    def discrepancies(self) -> list[str]:
        """One sentence per claim of the case file that verify does not find ok."""
        return [_discrepancy(c, self.notes.derived) for c in self.result.claims if c.status != "ok"]

    def text(self) -> str:
        """The report: forward pass, stated numbers, formulas, chain rule, update, findings."""
        sections = [_heading(self.result), _forward(self)]
        if self.stated:
            sections.append(_stated(self))
        if self.formulas:
            sections.append(_formulas(self))
        sections.append(
            "The chain rule as the engine applied it (autograd.explain):\n"
            + _indent(self.explanation, "  ")
        )
        if self.loss_after is not None:
            sections.append(_update(self))
        sections.append(_findings(self))
        return "\n\n".join(sections)


def document_report(result: VerifyResult) -> DocumentReport:
    """The report on `result`'s case file, with the notes kept for its stem (if any)."""
    case, point = result.case, result.point
    notes = case_notes(Path(result.file).stem)
    derivatives = list(dict.fromkeys((c.node, c.wrt) for c in result.claims if c.wrt))
    explained = notes.explain or next(iter(case.parameters))
    updated: dict[str, Any] = {}
    loss_after = None
    if case.learning_rate is not None:
        rate = case.learning_rate
        for name, value in case.parameters.items():
            updated[name] = value - rate * point.derivative(case.loss, name)
        loss_after = Point.from_case(case, {**case.inputs, **updated}).value(case.loss)
    return DocumentReport(
        result,
        notes,
        {d: point.finite_difference(*d) for d in derivatives},
        {d: _confirms(result, *d) for d in derivatives},
        explained,
        explain(point.nodes[case.loss], explained),
        updated,
        loss_after,
    )


def _confirms(result: VerifyResult, node: str, wrt: str) -> bool:
    """gradcheck's verdict on autodiff's d(node)/d(wrt): the case rebuilt with `wrt` moved and
    everything upstream of it held, as `Point.finite_difference` moves it."""
    case = result.case
    values = {**case.inputs, **case.parameters}

    def rebuilt(x: Any) -> Any:
        return Point.from_case(case, values, {wrt: x}).nodes[node]

    return bool(gradcheck(rebuilt, result.point.nodes[wrt]))


# ----------------------------------------------------------------------------- text
def _number(x: Any) -> str:
    """A float to 8 significant digits, an array entry by entry."""
    if np.ndim(x) == 0:
        return f"{float(x):.8g}"
    return np.array2string(np.asarray(x), precision=8, separator=", ")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _name(claim: ClaimResult) -> str:
    """The claim's key, with "(updated)" for a parameter after the update (w7 is also a value)."""
    return f"{claim.claim} (updated)" if claim.kind == "updated" else claim.claim


def _mark(claim: ClaimResult) -> str:
    return "WRONG" if claim.status == "wrong" else claim.status


def _heading(result: VerifyResult) -> str:
    source = f"document {result.source}; " if result.source else ""
    return (
        f"{result.title}\n({source}case file {Path(result.file).name}, judged by chaingrad verify)"
    )


def _forward(report: DocumentReport) -> str:
    case = report.result.case
    lines = ["Forward pass:"] + [f"  {k} = {_number(v)}" for k, v in report.values.items()]
    loss = next(e for e in case.equations if e.name == case.loss)
    lines += ["", f"Loss: {case.loss} = {loss.expression.text} = {_number(report.loss)}"]
    return "\n".join(lines)


def _stated(report: DocumentReport) -> str:
    """One line per stated number: stated, computed (and the central difference), verdict."""
    rate = report.result.case.learning_rate
    loss = report.result.case.loss
    width = max(len(c.claim) for c in report.stated) + len(" (updated)")
    lines = ["Numbers the document states (stated | computed), judged by chaingrad verify:"]
    for c in report.stated:
        if c.kind == "value":
            how = f"forward pass {_number(c.computed)}"
        elif c.kind == "derivative":
            central = report.central_differences[(c.node, c.wrt)]
            how = f"autodiff {_number(c.computed)} | central difference {_number(central)}"
        else:
            how = f"{c.node} - {rate:g} d{loss}/d{c.node} = {_number(c.computed)}"
        lines.append(f"  {_name(c):<{width}}  stated {c.shown} | {how}  {_mark(c)}")
    return "\n".join(lines)


def _formulas(report: DocumentReport) -> str:
    """Each formula, then its value next to autodiff and the central difference, and verify's
    verdict with where it was checked."""
    derived = report.notes.derived
    heading = "Derivative formulas"
    if derived:
        heading += " (derived for this report: the document writes none)"
    lines = [heading + " (formula | autodiff | central difference):"]
    for c in report.formulas:
        central = report.central_differences[(c.node, c.wrt)]
        lines += [
            f"  {c.claim} = {c.shown}" + ("  [derived]" if derived else ""),
            f"      formula {_number(c.claimed)} | autodiff {_number(c.computed)} | "
            f"central difference {_number(central)}  {_mark(c)}",
        ]
        if c.status == "ok":
            lines.append(f"      {c.hint}")
    return "\n".join(lines)


def _update(report: DocumentReport) -> str:
    case = report.result.case
    lines = [
        f"One step of gradient descent, w = w - {case.learning_rate:g} d{case.loss}/dw "
        "(the case file's learning rate):"
    ]
    lines += [
        f"  {k}: {_number(case.parameters[k])} -> {_number(v)}" for k, v in report.updated.items()
    ]
    lines.append(
        f"  loss after the step: {_number(report.loss_after)} (before: {_number(report.loss)})"
    )
    return "\n".join(lines)


def _findings(report: DocumentReport) -> str:
    """The discrepancies (with the chain rule of each wrong derivative), notes and the verdict
    on autodiff."""
    found = [c for c in report.result.claims if c.status != "ok"]
    summary = report.result.summary
    counts = ", ".join(f"{summary[s]} {s}" for s in ("wrong", "rounding") if summary[s])
    lines = [f"Discrepancies in the document: {f'{len(found)} ({counts})' if found else 'none'}"]
    for claim in found:
        lines.append(f"  - {_discrepancy(claim, report.notes.derived)}")
        explained = (claim.node, claim.wrt) == (report.result.case.loss, report.explained)
        if claim.breakdown and not explained:  # the explained weight's chain rule is above
            lines.append(_indent(claim.breakdown, "      "))
    if report.notes.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in report.notes.notes]
    failed = [f"d{node}/d{wrt}" for (node, wrt), ok in report.confirmed.items() if not ok]
    n = len(report.confirmed)
    verdict = (
        f"NOT confirmed for {len(failed)} of {n} derivatives: {', '.join(failed)}"
        if failed
        else f"confirmed for all {n} derivatives"
    )
    lines += ["", f"Autodiff against central differences (autograd.gradcheck): {verdict}."]
    return "\n".join(lines)


def _discrepancy(claim: ClaimResult, derived: bool) -> str:
    """A claim verify does not find ok, as a sentence: what it says, what is right, and why."""
    where = f" (case file line {claim.line})" if claim.line else ""
    if claim.kind == "formula":
        whose = "the derived formula" if derived else "the document's formula"
        said = (
            f"{whose} {claim.shown} gives {_number(claim.claimed)} at the document's point, the "
            f"chain rule {_number(claim.computed)}"
        )
    else:
        said = f"the document says {claim.shown}, the correct value is {_number(claim.computed)}"
    return f"{_name(claim)}{where}: {claim.status}: {said}; {claim.hint}"
