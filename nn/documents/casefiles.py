"""The shipped case files of the seed documents, the notes beside them, and their names in the
documents' notation.

The case files (``nn/documents/*.toml``, what ``chaingrad verify`` checks) hold every number
and formula of the documents. What is neither, the readings of a document's text that its
report states, lives in ``nn/documents/notes/notes.toml``, one table per case-file stem (in a
folder of its own, so that every ``*.toml`` beside this module is a case file).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

SHIPPED_CASE_FILES = Path(__file__).parent
"""The folder of the seed documents' case files."""
NOTES_FILE = SHIPPED_CASE_FILES / "notes" / "notes.toml"
"""The notes on the case files, one ``[<case-file stem>]`` table each (see `CaseNotes`)."""


def shipped(stem: str) -> Path:
    """The path of the shipped case file called `stem` (``"seed001_blog"``)."""
    return SHIPPED_CASE_FILES / f"{stem}.toml"


def case_name(text: str) -> str:
    """The one spelling of a document case's name: with hyphens and without ``.toml``.

    Built-in cases are named ``seed001-blog`` and shipped case files ``seed001_blog.toml``;
    both, and ``seed001_blog`` or ``seed001-blog.toml``, are the case ``seed001-blog``.
    """
    return text.removesuffix(".toml").replace("_", "-")


def shipped_case_files() -> dict[str, Path]:
    """Every shipped case file by its `case_name` (``seed001-blog``), in name order."""
    return {case_name(p.name): p for p in sorted(SHIPPED_CASE_FILES.glob("*.toml"))}


@dataclass(frozen=True)
class CaseNotes:
    """What a case file's report says beyond its numbers and formulas.

    `explain` is the weight whose chain rule the report spells out (None: the file's first
    parameter); `derived` is True when the file's formulas are derived for the report, the
    document writing none; `notes` are readings of the document's text, one sentence each.
    """

    explain: str | None = None
    derived: bool = False
    notes: tuple[str, ...] = ()


def case_notes(stem: str) -> CaseNotes:
    """The notes on the case file called `stem`; empty notes for a file without any."""
    table = _all_notes().get(stem, {})
    return CaseNotes(
        table.get("explain"), table.get("derived", False), tuple(table.get("notes", ()))
    )


@functools.cache
def _all_notes() -> dict[str, dict]:
    with NOTES_FILE.open("rb") as file:
        return tomllib.load(file)


def document_label(name: str) -> str:
    """A case-file name in the documents' indexed notation: an index after the letters is a
    subscript, a layer before an underscore a superscript.

    ``x1`` -> ``x_1``, ``w01`` -> ``w_{01}``, ``w1_21`` -> ``w_{21}^{(1)}``, ``a0_1`` ->
    ``a_1^{(0)}``, ``h2_1`` -> ``h_1^{(2)}``; any other name (``x_0``, ``alpha``) is kept.
    """
    match = re.fullmatch(r"([A-Za-z]+)(?:([0-9])_)?([0-9]{1,2})", name)
    if match is None:
        return name
    letters, layer, index = match.groups()
    subscript = index if len(index) == 1 else f"{{{index}}}"
    return f"{letters}_{subscript}" + (f"^{{({layer})}}" if layer else "")


def case_file_name(label: str) -> str:
    """A label in the documents' indexed notation as a case-file name: the inverse of
    `document_label`, the layer before an underscore and the indices after the letters.

    ``w_{21}^{(1)}`` -> ``w1_21``, ``h_1^{(2)}`` -> ``h2_1``, ``o_1`` -> ``o1``, ``x_0`` ->
    ``x0``; indices written with commas (``w_{10,2}^{(1)}``) are joined by underscores
    (``w1_10_2``); any other label (``w16``, ``out_n3``) is kept.
    """
    match = re.fullmatch(r"([A-Za-z]+)_(?:\{([0-9,]+)\}|([0-9]))(?:\^\{\(([0-9]+)\)\})?", label)
    if match is None:
        return label
    letters, braced, single, layer = match.groups()
    index = (braced or single).replace(",", "_")
    return f"{letters}{layer}_{index}" if layer else f"{letters}{index}"


def document_numbers(numbers: Mapping[str, float]) -> dict[str, float]:
    """A case file's numbers (its inputs or parameters) by their `document_label`."""
    return {document_label(name): float(value) for name, value in numbers.items()}
