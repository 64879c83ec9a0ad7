"""A case file's text: read safely, parsed as TOML, and each key's line and literal text.

The TOML parser gives values, not where they were written nor how: ``0.0850`` reads as
0.085. `scan_literals` reads the text line by line for each key's line (for error
messages) and raw value text, from which `claimed_decimals` takes the decimals a claim
shows; it is used only when the literal reads back as the parsed value. Reading a case
file is the only place chaingrad loads the TOML reader.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from decimal import Decimal
from typing import Any

import numpy as np

from .casefile import MAX_FILE_BYTES, CaseFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

Literals = dict[tuple[str, ...], tuple[int, str]]
"""Each key path's (line, raw value text); a table header's raw text is ''."""

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PATH = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER_LINE = re.compile(rf"\s*(\[\[?)\s*({_KEY_PATH})\s*\]\]?\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_KEY_PATH})\s*=\s*(.*)")
_NUMBER_TOKEN = re.compile(r"[+-]?[0-9A-Za-z_.+-]+")
_ARRAY_NUMBER = re.compile(
    r"[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|inf|nan"
    r"|[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)"
)


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


def parse_toml(file: str, text: str) -> dict[str, Any]:
    """`text` parsed as TOML. Raises `CaseFileError` for invalid TOML, naming both lines of a
    key defined twice."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        duplicate = _first_duplicate(text)
        if duplicate:
            key, first, second = duplicate
            raise CaseFileError(
                file,
                f"{'.'.join(key)}",
                f"defined twice (lines {first} and {second})",
                "each name may be defined once",
                second,
            ) from None
        raise CaseFileError(
            file, "", f"not valid TOML: {error}", "fix the syntax: run 'chaingrad help casefile'"
        ) from None


def _key_path(text: str) -> tuple[str, ...] | None:
    """Decode a TOML dotted key (``claims."dE/dw1"``) with the TOML parser itself."""
    try:
        parsed: Any = tomllib.loads(f"{text} = 0")
    except tomllib.TOMLDecodeError:
        return None
    path = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        key, parsed = next(iter(parsed.items()))
        path.append(key)
    return tuple(path)


def _key_lines(text: str) -> list[tuple[tuple[str, ...], int, str]]:
    """Every table header and ``key = value`` line: (full key path, line, raw value text).

    Multi-line strings and arrays are skipped over. This reading is used only for
    line numbers and shown digits; the values themselves come from the TOML parser.
    """
    found: list[tuple[tuple[str, ...], int, str]] = []
    table: tuple[str, ...] | None = ()
    closing = ""  # the delimiter ending a multi-line string we are inside
    depth = 0  # open brackets of a multi-line array we are inside
    for number, line in enumerate(text.splitlines(), start=1):
        if closing:
            if closing in line:
                closing = ""
            continue
        if depth > 0:  # a multi-line array: its text goes to the entry that opened it
            depth += _bracket_balance(line)
            path, first, raw = found[-1]
            found[-1] = (path, first, raw + " " + line.split("#", 1)[0])
            continue
        header = _HEADER_LINE.fullmatch(line)
        if header:
            path = _key_path(header.group(2))
            table = path if header.group(1) == "[" else None
            if path is not None and table is not None:
                found.append((path, number, ""))
            continue
        match = _KEY_LINE.fullmatch(line)
        if not match:
            continue
        value = match.group(2)
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                closing = quote
        key = _key_path(match.group(1))
        if value.startswith("["):
            depth = _bracket_balance(value)
            raw = value.split("#", 1)[0]
        else:
            token = _NUMBER_TOKEN.match(value)
            raw = token.group(0) if token else ""
        if key is not None and table is not None:
            found.append(((*table, *key), number, raw))
        elif depth > 0:
            found.append(((), number, ""))  # collects the array's lines; never looked up
    return found


def scan_literals(text: str) -> Literals:
    """Map each key path to (line, raw value text), first occurrence first."""
    literals: Literals = {}
    for path, line, raw in _key_lines(text):
        literals.setdefault(path, (line, raw))
    return literals


def shown_decimals(literal: str) -> int:
    """How many decimals a number's text shows: ``0.0850`` -> 4, ``1`` -> 0, ``2.5e-3`` -> 4.

    Negative for a literal that shows only tens or more (``1e3`` -> -3).
    """
    text = literal.strip().lstrip("+-").replace("_", "").lower()
    if text.startswith(("0x", "0o", "0b")):
        return 0
    mantissa, _, exponent = text.partition("e")
    _, _, fraction = mantissa.partition(".")
    try:
        shift = int(exponent) if exponent else 0
    except ValueError:
        return len(fraction)
    return len(fraction) - max(-10_000, min(10_000, shift))


def claimed_decimals(literal: tuple[int, str] | None, value: Any) -> int | np.ndarray:
    """The decimals a claimed `value` shows: from its `literal` (line, raw text) when that
    reads as the same value (entry by entry for an array), else from the value itself."""
    if isinstance(value, (list, tuple, np.ndarray)):
        flat = np.asarray(value, dtype=object).ravel()
        tokens = _ARRAY_NUMBER.findall(literal[1]) if literal else []
        if len(tokens) != flat.size or any(
            _toml_number(t) != float(v) for t, v in zip(tokens, flat)
        ):
            tokens = [_number_text(v) for v in flat]
        return np.array([shown_decimals(t) for t in tokens]).reshape(np.shape(value))
    if literal is not None and _toml_number(literal[1]) == value:
        return shown_decimals(literal[1])
    return shown_decimals(_number_text(value))


def _number_text(value: Any) -> str:
    """A number's shown text without a literal: a Decimal's own digits, else the shortest repr."""
    if isinstance(value, (Decimal, int)):
        return str(value)
    return repr(float(value))


def _toml_number(raw: str) -> float | None:
    """The number TOML reads from `raw`, or None; a claim's digits are taken from its text
    only when this equals the parsed value, so a misread line can never change them."""
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _first_duplicate(text: str) -> tuple[tuple[str, ...], int, int] | None:
    """The first key defined twice: (key path, its first line, its second line), or None."""
    seen: dict[tuple[str, ...], int] = {}
    for path, line, _ in _key_lines(text):
        if path in seen:
            return path, seen[path], line
        seen[path] = line
    return None


def _bracket_balance(text: str) -> int:
    """Opening minus closing brackets on a line, outside strings and before a comment."""
    balance = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        else:
            balance += (ch == "[") - (ch == "]")
    return balance
