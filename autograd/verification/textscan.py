"""A cheap pass over a case file's text before the TOML parser sees it: limits and places.

The TOML parser recurses once per nested array or inline table (500 levels raise
RecursionError), converts integers of any length (4,300 digits raise ValueError) and
takes quadratic time and memory on a key of many dotted parts (20,000 parts: 13 s,
2.4 GB). `scan` reads the text once, token by token, in linear time and without
recursion; it refuses nesting deeper than `MAX_NESTING`, keys longer than
`MAX_KEY_LENGTH` characters or of more than `MAX_KEY_PARTS` dotted parts, and values
outside quotes (numbers, dates) longer than `MAX_LITERAL_LENGTH` characters, with the line
and column. It also records where every key is written (`Place`, by full key path,
inline tables and dotted keys included) for the error messages of the later checks.

It is not a TOML parser: text it cannot read is left to the parser, which reports it.
"""

from __future__ import annotations

import re
import sys
from typing import NoReturn

from .casefile import CaseFileError, Place

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_NESTING = 8
"""Deepest nesting of arrays and inline tables (a 4-D array nests 4 deep)."""
MAX_KEY_LENGTH = 200
"""Longest key, in characters as written (all its dotted parts together)."""
MAX_KEY_PARTS = 6
"""Most dotted parts of one key or table header (``claims.updated.w`` has 3)."""
MAX_LITERAL_LENGTH = 100
"""Longest value written outside quotes (a number, a date), in characters."""


Places = dict[tuple[str, ...], Place]
"""Each key path's `Place`; a table header's too (its first one)."""
Duplicate = tuple[tuple[str, ...], int, Place]
"""A key or table defined twice: its path, the line of its first definition, where the second
is."""

_COMMON = r"""
  (?P<newline>\r?\n)
| (?P<space>[ \t]+)
| (?P<comment>\#[^\n]*)
| (?P<basic>"(?:[^"\\\n]|\\.)*")
| (?P<literal>'[^'\n]*')
"""
_KEY_TOKEN = re.compile(_COMMON + r"| (?P<bare>[A-Za-z0-9_-]+) | (?P<other>.)", re.X)
_VALUE_TOKEN = re.compile(
    r"""(?P<multiline>\"\"\"|''')|""" + _COMMON + r"| (?P<bare>[A-Za-z0-9_+.:-]+) | (?P<other>.)",
    re.X,
)
_MULTILINE_END = {
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
    "'''": re.compile(r"(?:[^']|'(?!''))*'''", re.S),
}


class _Scanner:
    """The state of one pass: where we are, what is open, the key being read."""

    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text
        self.places: Places = {}
        self.line, self.line_start = 1, 0
        self.open: list[tuple[str, tuple[str, ...]]] = []  # "[" or "{", and its key path
        self.table: tuple[str, ...] = ()
        self.reading = "key"  # "key", "header" or "value"
        self.brackets = 0  # of the table header being read: 1 for [table], 2 for [[array]]
        self.defined: dict[tuple[str, ...], int] = {}  # each key and header: its first line
        self.duplicate: Duplicate | None = None
        self.parts: list[str] = []
        self.key_length = 0
        self.key_place: Place | None = None
        self.value_path: tuple[str, ...] = ()
        self.value_place: Place | None = None

    def fail(self, at: int, problem: str, fix: str) -> NoReturn:
        """Raise `CaseFileError` at text offset `at`."""
        raise CaseFileError(self.file, "", problem, fix, self.line, self.column(at))

    def column(self, at: int) -> int:
        """The 1-based column of text offset `at` on the current line."""
        return at - self.line_start + 1

    def run(self) -> None:
        """Scan the whole text."""
        pos, text = 0, self.text
        while pos < len(text):
            token = (_VALUE_TOKEN if self.reading == "value" else _KEY_TOKEN).match(text, pos)
            assert token is not None  # the last alternative matches any character
            kind, end = token.lastgroup, token.end()
            if kind == "newline":
                self.newline(end)
            elif kind in ("space", "comment"):
                pass
            elif self.reading != "value":
                self.key_token(kind, token.group(), pos)
            else:
                self.value_token(kind, token.group(), pos)
                if kind == "multiline":
                    end = self.multiline(token.group(), end)
            pos = end

    def newline(self, end: int) -> None:
        """A line ends at `end`: a value outside brackets ends with it."""
        self.line, self.line_start = self.line + 1, end
        if not self.open and self.reading == "value":
            self.reading = "key"

    def multiline(self, quote: str, start: int) -> int:
        """Skip a multi-line string that opens at `start` (just past its quotes)."""
        closing = _MULTILINE_END[quote].match(self.text, start)
        end = closing.end() if closing else len(self.text)
        body = self.text[start:end]
        lines = body.count("\n")
        if lines:
            self.line += lines
            self.line_start = start + body.rindex("\n") + 1
        return end

    def key_token(self, kind: str | None, text: str, at: int) -> None:
        """A token where a key (or a table header) is read."""
        if kind in ("bare", "basic", "literal"):
            self.key_part(kind, text, at)
        elif text == "=" and self.reading == "key":
            self.end_key()
        elif text == "[" and not self.open and not self.parts and self.brackets < 2:
            self.reading, self.brackets = "header", self.brackets + 1
        elif text == "]" and self.reading == "header":
            if self.parts:  # the second bracket of [[...]] comes with no parts
                self.table = tuple(self.parts)
                if self.brackets == 1:  # [[array of tables]] may repeat
                    self.define(self.table)
                for n in range(1, len(self.table) + 1):  # [a.b] opens a too
                    self.places.setdefault(self.table[:n], self.key_place)  # type: ignore[arg-type]
                self.parts, self.key_length = [], 0
            self.brackets -= 1
            if self.brackets == 0:
                self.reading = "key"
        elif text == "}" and self.open and self.open[-1][0] == "{":
            self.open.pop()  # an empty inline table, or a comma before the brace
            self.reading = "value"

    def key_part(self, kind: str | None, text: str, at: int) -> None:
        """One dotted part of a key, within the limits on its length and number of parts."""
        if not self.parts:
            self.key_place = Place(self.line, self.column(at))
        self.key_length += len(text)
        if self.key_length > MAX_KEY_LENGTH:
            self.fail(
                at,
                f"a key longer than {MAX_KEY_LENGTH} characters",
                "use a shorter name (a note in parentheses can be brief)",
            )
        if len(self.parts) == MAX_KEY_PARTS:
            self.fail(
                at,
                f"a key of more than {MAX_KEY_PARTS} dotted parts",
                "write the table as a [section] and the name as a plain key",
            )
        self.parts.append(_key_part(kind, text))

    def end_key(self) -> None:
        """``=``: the key read so far names the value that follows."""
        base = self.open[-1][1] if self.open else self.table
        path = (*base, *self.parts)
        if self.parts:
            for n in range(len(base) + 1, len(path)):  # the tables a dotted key opens
                self.places.setdefault(path[:n], self.key_place)  # type: ignore[arg-type]
            self.define(path)
        self.value_path, self.value_place = path, self.key_place
        self.parts, self.key_length, self.reading = [], 0, "value"

    def define(self, path: tuple[str, ...]) -> None:
        """Note that the key just read defines `path` (a value or a table)."""
        assert self.key_place is not None
        first = self.defined.setdefault(path, self.line)
        if first != self.line and self.duplicate is None:
            self.duplicate = (path, first, self.key_place)

    def value_token(self, kind: str | None, text: str, at: int) -> None:
        """A token of a value (or of an array or inline table in one)."""
        if self.value_place is not None:  # the first token of a key's value
            text_column = None
            if kind in ("basic", "literal") and "\\" not in text:
                text_column = self.column(at) + 1
            place = Place(self.value_place.line, self.value_place.column, text_column)
            self.places.setdefault(self.value_path, place)
            self.value_place = None
        if text in ("[", "{"):
            if len(self.open) == MAX_NESTING:
                self.fail(
                    at,
                    f"arrays or inline tables nested more than {MAX_NESTING} deep",
                    "an array has at most 4 dimensions; write tables as [sections]",
                )
            self.open.append((text, self.value_path))
            if text == "{":
                self.reading = "key"
        elif text in ("]", "}") and self.open:
            self.open.pop()
        elif text == "," and self.open and self.open[-1][0] == "{":
            self.reading = "key"
        elif kind == "bare" and len(text) > MAX_LITERAL_LENGTH:
            self.fail(
                at,
                f"a value of {len(text)} characters outside quotes (a number or date); the "
                f"limit is {MAX_LITERAL_LENGTH}",
                "write numbers with at most 17 significant digits",
            )


def _key_part(kind: str | None, text: str) -> str:
    """One part of a key as TOML reads it: a bare part as written, a quoted one unquoted."""
    if kind == "literal" or (kind == "basic" and "\\" not in text):
        return text[1:-1]
    if kind == "basic":
        try:
            return tomllib.loads(f"k = {text}")["k"]
        except tomllib.TOMLDecodeError:
            return text[1:-1]  # an invalid escape: the parser will say so
    return text


def scan(file: str, text: str) -> tuple[Places, Duplicate | None]:
    """Check `text` against the limits above; return where each key is written and the first
    key or table defined twice (the TOML parser's error does not say where the first one is).

    Raises `CaseFileError` (file, line and column) for text beyond a limit.
    """
    scanner = _Scanner(file, text)
    scanner.run()
    return scanner.places, scanner.duplicate
