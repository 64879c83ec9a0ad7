"""Reports of `verify` and `compare` results: the text, Markdown and HTML reports.

Every report has the same content: the table of claims (status, kind, claim, what the
document says, what is computed, the hint), a summary line, then the details of each
claim that is not ok (diagnoses and the chain-rule breakdown). The reports are written
from the rows (`verdicts.ClaimResult`), so that the results in `results` can offer them
as methods; numbers are written by `quantities`. A case file's own text (its title and
source, claim keys, formulas) is escaped in both: it shows as written and never runs as
HTML or turns into a link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..tables import html_table, text_table
from .quantities import MAX_ENTRIES_SHOWN, Number, dimensions_text, format_value
from .verdicts import ClaimResult, Disagreement, status_counts


# ----------------------------------------------------------------------- claims
def computed_text(c: ClaimResult) -> str:
    """The computed column: the correct value (and a wrong formula's own value)."""
    if c.kind == "formula":
        return format_value(c.computed, 7) + (
            "" if c.status == "ok" else f" (formula: {format_value(c.claimed, 7)})"
        )
    return format_value(c.computed, 7)


def claim_details(c: ClaimResult, values: bool = True) -> list[str]:
    """A claim that is not ok, as lines: a heading, what is claimed and correct (unless not
    `values`), the diagnoses (or the hint) and the chain-rule breakdown."""
    where = f" (line {c.line})" if c.line else ""
    if not values:
        lines = [f"{c.status}: {c.kind} {c.claim}{where}"]
    elif c.kind == "formula":
        head = f"{c.status}: formula {c.claim}{where}"
        lines = [
            head,
            f"  the document writes: {c.shown}",
            f"  at the document's point: formula {format_value(c.claimed, 7)}, "
            f"chain rule {format_value(c.computed, 7)}",
        ]
    else:
        head = f"{c.status}: {c.kind} {c.claim}{where}"
        lines = [
            head,
            f"  the document says {c.shown}; the correct value is {format_value(c.computed, 7)}",
        ]
    if c.diagnoses:
        lines += [f"  diagnosis: {d}" for d in c.diagnoses]
    elif c.hint:
        lines.append(f"  {c.hint}")
    if c.breakdown:
        lines += ["  chain rule:", *(f"    {line}" for line in c.breakdown.splitlines())]
    return lines


# ----------------------------------------------------------------------- compare
def comparison_text(
    rows: Sequence[ClaimResult],
    finite_differences: Mapping[str, Number | None],
    disagreements: Mapping[str, Sequence[Disagreement]],
) -> str:
    """The three-way table: hand, autodiff, finite differences and the status of each hand
    value. An array derivative takes one row (shapes, and how many entries disagree), then
    one row per disagreeing entry (at most `MAX_ENTRIES_SHOWN`). The details of each hand
    value that is not ok follow."""
    lines = [text_table(_comparison_rows(rows, finite_differences, disagreements))]
    for r in rows:
        if r.status != "ok":
            lines += ["", *claim_details(r, values=_is_scalar(r))]
    return "\n".join(lines)


def comparison_html(
    rows: Sequence[ClaimResult],
    finite_differences: Mapping[str, Number | None],
    disagreements: Mapping[str, Sequence[Disagreement]],
) -> str:
    """`comparison_text` as an HTML fragment (what a notebook shows): the table, then the
    details of each hand value that is not ok."""
    table = html_table(_comparison_rows(rows, finite_differences, disagreements))
    return table + _details_html(r for r in rows if r.status != "ok")


def _comparison_rows(
    rows: Sequence[ClaimResult],
    finite_differences: Mapping[str, Number | None],
    disagreements: Mapping[str, Sequence[Disagreement]],
) -> list[tuple[str, ...]]:
    """The rows of the three-way table, the header first."""
    table = [("derivative", "hand", "autodiff", "finite diff.", "status")]
    for r in rows:
        fd = finite_differences[r.claim]
        if _is_scalar(r):
            fd_text = "n/a" if fd is None else format_value(fd, 8)
            table.append((r.claim, r.shown, format_value(r.computed, 8), fd_text, r.status))
            continue
        entries = disagreements.get(r.claim, ())
        if np.shape(r.claimed) != np.shape(r.computed):
            status = f"{r.status} (shape)"
        elif entries:
            status = f"{r.status} ({len(entries)} of {np.size(r.computed)} entries disagree)"
        else:
            status = f"{r.status} ({np.size(r.computed)} entries)"
        shapes = [_array_text(x) for x in (r.claimed, r.computed)]
        table.append((r.claim, *shapes, "n/a" if fd is None else _array_text(fd), status))
        for e in entries[:MAX_ENTRIES_SHOWN]:
            fd_text = "n/a" if e.finite_difference is None else format_value(e.finite_difference, 8)
            index = ", ".join(map(str, e.index))
            table.append(
                (f"  {r.claim}[{index}]", format_value(e.hand, 8), format_value(e.autodiff, 8),
                 fd_text, "")
            )  # fmt: skip
        if len(entries) > MAX_ENTRIES_SHOWN:
            table.append((f"  ... {len(entries) - MAX_ENTRIES_SHOWN} more", "", "", "", ""))
    return table


def _is_scalar(r: ClaimResult) -> bool:
    return np.ndim(r.claimed) == 0 and np.ndim(r.computed) == 0


def _array_text(x: Number) -> str:
    return f"{dimensions_text(np.shape(x))} array" if np.ndim(x) else format_value(x, 8)


# ----------------------------------------------------------------------- verify reports
def text_report(title: str, file: str, source: str | None, claims: Sequence[ClaimResult]) -> str:
    """A plain-text report: the table of claims, then every claim that is not ok."""
    rows = [("status", "kind", "claim", "document", "computed")]
    rows += [(c.status, c.kind, c.claim, c.shown, computed_text(c)) for c in claims]
    widths = [min(44, max(len(r[i]) for r in rows)) for i in range(4)]
    lines = [title, _origin(file, source), ""]
    for row in rows:
        cells = [_clip(cell, w).ljust(w) for cell, w in zip(row, widths)]
        lines.append("  ".join([*cells, _clip(row[4], 60)]).rstrip())
    lines += ["", _summary_line(claims)]
    for c in claims:
        if c.status != "ok":
            lines += ["", *claim_details(c)]
    return "\n".join(lines)


def markdown_report(
    title: str, file: str, source: str | None, claims: Sequence[ClaimResult]
) -> str:
    """A Markdown report: a table of claims, then details of each claim that is not ok."""
    lines = [f"# {_md(title)}", "", _md(_origin(file, source)), ""]
    lines += ["| status | kind | claim | document says | computed | hint |", "|---" * 6 + "|"]
    for c in claims:
        cells = [
            f"**{c.status}**" if c.status == "wrong" else c.status,
            c.kind,
            _code(c.claim),
            _code(c.shown),
            _md(computed_text(c)),
            _md(c.hint),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", _summary_line(claims)]
    for c in claims:
        if c.status != "ok":
            head, *rest = claim_details(c)
            fence = "`" * max(3, _longest_backtick_run("\n".join(rest)) + 1)
            lines += ["", f"## {_md(head)}", "", fence, *rest, fence]
    return "\n".join(lines) + "\n"


def html_report(title: str, file: str, source: str | None, claims: Sequence[ClaimResult]) -> str:
    """A self-contained HTML report with the same content as `markdown_report`."""
    esc = html.escape
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>"
        "body{font-family:sans-serif;max-width:80em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "tr.wrong{background:#fdd}tr.rounding{background:#ffd}pre{background:#f6f6f6}"
        f"</style></head><body><h1>{esc(title)}</h1>\n"
        f"{html_fragment(file, source, claims)}\n</body></html>\n"
    )


def html_fragment(file: str, source: str | None, claims: Sequence[ClaimResult]) -> str:
    """The body of `html_report` without its page: where the claims come from, the table of
    claims, the summary and the details of each claim that is not ok (what a notebook
    shows for a `VerifyResult`)."""
    esc = html.escape
    rows = [("status", "kind", "claim", "document says", "computed", "hint")]
    rows += [(c.status, c.kind, c.claim, c.shown, computed_text(c), c.hint) for c in claims]
    table = html_table(rows, [c.status for c in claims])
    return (
        f"<p>{esc(_origin(file, source))}</p>\n{table}\n"
        f"<p>{esc(_summary_line(claims))}</p>\n"
        + _details_html(c for c in claims if c.status != "ok")
    )


def _details_html(claims: Iterable[ClaimResult]) -> str:
    """Each claim's `claim_details` as a heading and a preformatted block."""
    esc = html.escape
    return "\n".join(
        f"<h2>{esc(head)}</h2><pre>{esc(chr(10).join(rest))}</pre>"
        for head, *rest in (claim_details(c) for c in claims)
    )


def _origin(file: str, source: str | None) -> str:
    return file + (f" (source: {source})" if source else "")


def _summary_line(claims: Sequence[ClaimResult]) -> str:
    s = status_counts(claims)
    return f"summary: {s['ok']} ok, {s['rounding']} rounding, {s['wrong']} wrong"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def _md(text: str) -> str:
    """`text` as plain text in Markdown (a heading, a table cell): HTML characters as
    entities, the characters of emphasis, links, code and tables backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")


def _code(text: str) -> str:
    """`text` as a code span in a Markdown table cell: fenced by more backticks than it holds
    in a row, its pipes escaped (as GFM tables need even inside code)."""
    fence = "`" * (_longest_backtick_run(text) + 1)
    return f"{fence} {text.replace('|', chr(92) + '|')} {fence}".replace("\n", " ")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)
