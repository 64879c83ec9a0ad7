"""The document cases by name on the command line: ``chaingrad verify seed001_blog`` from any
folder, ``chaingrad draw seed001-blog``, and ``chaingrad cases``, which lists them.

A name is looked up in this order:

1. a file of that name in the current folder (or the path as given), or that name plus
   ``.toml``: a local file comes first, so an author's own ``seed001_blog.toml`` is used;
2. for ``draw``, a built-in case (`documents.catalog.CASES`: a network to draw);
3. a shipped case file (``nn/documents/*.toml``).

Names are spelt either way: hyphens or underscores, with or without ``.toml``
(`documents.casefiles.case_name`): ``seed001-blog`` and ``seed001_blog.toml`` are one case.
An unknown name gets the nearest names (`checks.unknown_name_hint`).
"""

from __future__ import annotations

from pathlib import Path

from chaingrad.autograd.verification import load_case

from ..checks import unknown_name_hint
from ..documents.casefiles import SHIPPED_CASE_FILES, case_name, shipped_case_files
from ..documents.catalog import CASES, Case
from .usage import UsageError

NAMES_NOTE = (
    "A NAME may be written with hyphens or underscores, with or without .toml; a file of "
    "that name in the current folder comes before a shipped one."
)
"""What `chaingrad cases` and the commands' help say about names."""


def case_file(text: str) -> Path:
    """The case file ``chaingrad verify TEXT`` reads: a local file, else a shipped case file.

    A path with a folder in it is returned as given (the reader says what is wrong with
    it); a bare name that is neither raises `UsageError` with the nearest shipped names.
    """
    local = _local_file(text, exists=True)
    if local is not None:
        return local
    if not _is_bare(text):
        return Path(text)
    shipped = shipped_case_files().get(case_name(text))
    if shipped is not None:
        return shipped
    hint = unknown_name_hint(case_name(text), shipped_case_files(), "the shipped case files")
    raise UsageError(
        f"{text or repr(text)}: no such case file here, and no shipped case file of that name; "
        f"{hint}; "
        "run 'chaingrad cases' to list them"
    )


def drawing_target(text: str) -> Case | Path:
    """What ``chaingrad draw TEXT`` draws: a local case file, a built-in case, or a shipped
    case file, in that order. Raises `UsageError` with the nearest names otherwise."""
    local = _local_file(text, exists=False)
    if local is not None:
        return local
    if _is_bare(text):
        name = case_name(text)
        if name in CASES:
            return CASES[name]
        shipped = shipped_case_files().get(name)
        if shipped is not None:
            return shipped
        hint = "; " + unknown_name_hint(name, [*CASES, *shipped_case_files()], "the cases")
    else:
        hint = ""
    if text.endswith(".toml"):
        raise UsageError(f"{text}: no such case file{hint}")
    raise UsageError(
        f"{text!r} is neither a built-in case nor a case file{hint}; "
        "run 'chaingrad cases' to list them"
    )


def cases_listing() -> str:
    """Every document case by name, one line each, as ``chaingrad cases`` prints them: what
    ``chaingrad draw NAME`` draws (a built-in network, or the case file's expressions), the
    case file ``chaingrad verify NAME`` checks, and the title."""
    files = shipped_case_files()
    rows = [("NAME", "draw", "verify (case file)", "title")]
    for name in sorted({*CASES, *files}):
        case = CASES.get(name)
        path = files.get(name)
        title = case.title if case is not None else _case_file_title(path)
        drawing = "network" if case is not None else "expressions"
        rows.append((name, drawing, path.name if path is not None else "-", title))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[3]]) for row in rows]
    return "\n".join(
        [
            *lines,
            "",
            "chaingrad draw NAME draws a case; chaingrad verify NAME checks its case file.",
            f"The shipped case files are in {SHIPPED_CASE_FILES}.",
            NAMES_NOTE,
        ]
    )


def _case_file_title(path: Path | None) -> str:
    """A shipped case file's title (its ``title``, else its name)."""
    return load_case(path).title if path is not None else ""


def _local_file(text: str, exists: bool) -> Path | None:
    """`text` or `text`.toml in the current folder (or at the path given): anything that
    exists when `exists` (the reader reports a folder or a pipe), else a regular file."""
    for candidate in (Path(text), Path(f"{text}.toml")):
        if text and (candidate.exists() if exists else candidate.is_file()):
            return candidate
    return None


def _is_bare(text: str) -> bool:
    """True for a name without a folder: ``seed001_blog``, not ``./seed001_blog``."""
    return Path(text).name == text and text not in (".", "..")
