"""A case file's text: read safely, scanned for limits and places, parsed as TOML, and the
digits each number shows.

The TOML parser gives values, not where they were written: `textscan` records each key's
line and column (and refuses text the parser would choke on) before the parser runs. The
parser reads every float as a `decimal.Decimal` of its literal text, so ``0.0850`` keeps
the four decimals it shows however the file writes it (a plain key, a dotted key, an
inline table, an array). Reading a case file is the only place chaingrad loads the TOML
reader.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from .casefile import MAX_FILE_BYTES, CaseFileError
from .textscan import Places, scan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def read_text(file: str) -> str:
    """The text of case file `file`: a regular file of at most `MAX_FILE_BYTES` bytes of UTF-8
    (no byte-order mark). Raises `CaseFileError` otherwise."""
    try:
        # Non-blocking open: a named pipe with no writer would otherwise wait forever.
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise CaseFileError(
                    file,
                    "",
                    "cannot read the file (a folder, a pipe or a device, not a regular file)",
                    "pass the path of a .toml file",
                )
            with open(fd, "rb", closefd=False) as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as error:
        raise CaseFileError(
            file, "", f"cannot read the file ({error.strerror or error})", "check the path"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise CaseFileError(
            file,
            "",
            f"the file is larger than {MAX_FILE_BYTES} bytes",
            "split the document into several case files",
        )
    if raw.startswith(codecs.BOM_UTF8):
        raise CaseFileError(
            file, "", "the file starts with a byte-order mark", "save it as UTF-8 without BOM", 1
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CaseFileError(
            file, "", "the file is not UTF-8 text", "save it as UTF-8", line
        ) from None


def parse_toml(file: str, text: str) -> tuple[dict[str, Any], Places]:
    """`text` parsed as TOML (floats as `Decimal`), and where each key is written.

    Raises `CaseFileError` for text beyond `textscan`'s limits and for invalid TOML, with
    the line and column (both lines of a key defined twice).
    """
    places, duplicate = scan(file, text)
    try:
        return tomllib.loads(text, parse_float=Decimal), places
    except tomllib.TOMLDecodeError as error:
        if duplicate:
            key, first, second = duplicate
            raise CaseFileError(
                file,
                ".".join(key),
                f"defined twice (lines {first} and {second.line})",
                "each name may be defined once",
                second.line,
                second.column,
            ) from None
        message = str(error)
        where = _WHERE.search(message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (None, None)
        raise CaseFileError(
            file,
            "",
            f"not valid TOML: {_WHERE.sub('', message)}",
            "fix the syntax: run 'chaingrad help casefile'",
            line,
            column,
        ) from None


def shown_decimals(literal: str) -> int:
    """How many decimals a number's text shows: ``0.0850`` -> 4, ``1`` -> 0, ``2.5e-3`` -> 4.

    Negative for a literal that shows only tens or more (``1e3`` -> -3); 0 for a hexadecimal,
    octal or binary integer and for text that is not a number.
    """
    text = literal.strip().replace("_", "")
    if text.lstrip("+-").lower().startswith(("0x", "0o", "0b")):
        return 0
    try:
        return number_decimals(Decimal(text))
    except InvalidOperation:
        return 0


def number_decimals(value: Any) -> int:
    """The decimals a parsed number shows: a `Decimal`'s own digits (its exponent), 0 for an
    integer, the shortest repr's for a float; 0 for an infinity or NaN (refused elsewhere)."""
    if isinstance(value, (int, np.integer)):
        return 0
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def claimed_decimals(value: Any) -> int | np.ndarray:
    """The decimals a claimed number shows, or one per entry for an array (nested lists)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        flat = np.asarray(value, dtype=object)
        return np.vectorize(number_decimals, otypes=[int])(flat).reshape(flat.shape)
    return number_decimals(value)
