"""The results of `verify` (a whole case file judged) and of `compare` (hand-derived
derivatives next to autodiff and finite differences), with their reports and drawings.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import drawing  # its Graphviz renderer loads when a drawing is first made
from ..chain import ChainRuleError
from .casefile import CaseFile
from .point import Point
from .quantities import Number
from .report import (
    comparison_html,
    comparison_text,
    html_fragment,
    html_report,
    markdown_report,
    text_report,
)
from .verdicts import ClaimResult, Disagreement, status_counts


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
        return status_counts(self.claims)

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
        return text_report(self.title, self.file, self.source, self.claims)

    def markdown(self) -> str:
        """A Markdown report: a table of claims, then details of each claim that is not ok."""
        return markdown_report(self.title, self.file, self.source, self.claims)

    def html(self) -> str:
        """A self-contained HTML report with the same content as `markdown`."""
        return html_report(self.title, self.file, self.source, self.claims)

    def __str__(self) -> str:
        """The report ``chaingrad verify`` prints (`text`)."""
        return self.text()

    def _repr_html_(self) -> str:
        """What a notebook shows: the report as HTML (the body of `html`)."""
        return f"<h3>{html.escape(self.title)}</h3>" + html_fragment(
            self.file, self.source, self.claims
        )

    def draw(
        self, directory: str | os.PathLike[str], *, on_skip: Callable[[str], None] | None = None
    ) -> list[Path]:
        """Write the chain-rule drawing of each wrong derivative, formula or update into
        `directory` as SVG (paths to the claimed node lit; see `autograd.draw`).

        Returns the files written. A claim that cannot be drawn (a graph over `draw`'s
        limits, more chain-rule paths than `chain_rule`'s, Graphviz slower than `save`'s
        timeout) is skipped, and `on_skip` is called with a line saying which and why;
        after a timeout the remaining claims are skipped untried (same graph, same wait).
        Without the Graphviz ``dot`` program the DOT source is written instead and
        `autograd.drawing.DotNotFoundError` is raised at the end.
        """
        written: list[Path] = []
        missing_dot: drawing.DotNotFoundError | None = None
        used: set[str] = set()
        timed_out = False
        for c in self.claims:
            if c.status != "wrong" or c.kind == "value":
                continue
            node, wrt = (c.node, c.wrt) if c.wrt else (self.case.loss, c.node)
            name = _file_name(f"{c.kind}_{c.claim}", used)
            if timed_out:
                if on_skip is not None:
                    on_skip(f"{c.claim}: not drawn: an earlier drawing ran out of time")
                continue
            self.point.backward(node)  # the drawing shows each node's grad
            try:
                graph = drawing.draw(
                    self.point.nodes[node],
                    wrt=self.point.nodes[wrt],
                    view="expressions",
                    parameters=list(self.case.parameters),
                )
                written.append(drawing.save(graph, Path(directory) / f"{name}.svg"))
            except (drawing.DrawError, ChainRuleError) as error:
                timed_out = isinstance(error, drawing.DotTimeoutError)
                if on_skip is not None:
                    on_skip(f"{c.claim}: not drawn: {error}")
                continue
            except drawing.DotNotFoundError as error:
                missing_dot = error
                written.append(error.source_path)
        if missing_dot is not None:
            raise missing_dot
        return written


@dataclass(frozen=True)
class Comparison:
    """Hand-derived derivatives next to autodiff and central finite differences.

    ``rows`` holds one `ClaimResult` per hand value. ``finite_differences`` maps each key
    to its central difference (an array for an array argument), or None for a derivative
    with respect to an inner node. ``disagreements`` maps the key of each hand value given
    as an array to the entries that disagree with autodiff (none when the shape is wrong).
    """

    rows: tuple[ClaimResult, ...]
    finite_differences: Mapping[str, Number | None]
    disagreements: Mapping[str, tuple[Disagreement, ...]]

    def text(self) -> str:
        """The three-way table (array derivatives as one row, then only their disagreeing
        entries), then the details of each hand value that is not ok."""
        return comparison_text(self.rows, self.finite_differences, self.disagreements)

    def __str__(self) -> str:
        """The three-way table and details (`text`)."""
        return self.text()

    def _repr_html_(self) -> str:
        """What a notebook shows: `text` as an HTML table and details."""
        return comparison_html(self.rows, self.finite_differences, self.disagreements)

    @property
    def wrong(self) -> list[ClaimResult]:
        """The hand values that are wrong."""
        return [r for r in self.rows if r.status == "wrong"]


def _file_name(text: str, used: set[str]) -> str:
    """A file name from a claim key (``dE/dw17`` -> ``dE_dw17``), unique within `used`."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")[:80] or "claim"
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name
