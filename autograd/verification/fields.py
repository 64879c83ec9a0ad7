"""Checking a parsed case file one field at a time, and saying where a problem is.

`FieldChecker` holds what every table's check shares: the file's name and where each key
is written (for the line and column of an error), the names defined so far and the
operations counted so far. Each check returns the field's value or raises `CaseFileError`
at the field's line and column (or its table's header). The tables themselves are checked
in `network_tables`, `claim_tables` and `settings_table`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

import numpy as np

from .casefile import (
    MAX_ARRAY_SIZE,
    MAX_EXPONENT,
    MAX_MAGNITUDE,
    MAX_OPERATIONS,
    MAX_RANK,
    CaseFileError,
    Place,
    expression_failure,
)
from .casetext import number_decimals
from .expr import Expression, ExpressionError, name_problem, parse
from .quantities import abbreviated

KeyPath = tuple[str, ...]
"""A field's key path in the parsed file: ("claims", "dE/dw1")."""


class FieldChecker:
    """Checks the fields of one parsed case file and raises on the first problem."""

    def __init__(self, file: str, places: Mapping[KeyPath, Place]) -> None:
        self.file = file
        self.places = places
        self.defined: dict[str, str] = {}  # name -> the table that defines it
        self.operations = 0

    def fail(self, path: KeyPath, where: str, problem: str, fix: str = "") -> NoReturn:
        """Raise `CaseFileError` at `path`'s line and column (or its enclosing table's)."""
        place = None
        for n in range(len(path), 0, -1):  # fall back to the enclosing table's header
            place = self.places.get(path[:n])
            if place is not None:
                break
        line, column = (place.line, place.column) if place else (None, None)
        raise CaseFileError(self.file, where, problem, fix, line, column)

    def line(self, path: KeyPath) -> int | None:
        """The line `path` is written on, when known."""
        place = self.places.get(path)
        return place.line if place else None

    def place(self, path: KeyPath) -> Place | None:
        """Where `path` is written, when known."""
        return self.places.get(path)

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        """The table `key` of `data` ({} when absent)."""
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.fail(
                (key,),
                f"[{key}]",
                f"must be a table, got {describe_value(value)}",
                f"write it as a [{key}] section",
            )
        return value

    def text(self, data: Mapping[str, Any], key: str, default: str | None) -> str | None:
        """The string `key` of `data`, or `default` when absent."""
        value = data.get(key, default)
        if value is not None and not isinstance(value, str):
            self.fail(
                (key,), key, f"must be a string, got {describe_value(value)}", "put it in quotes"
            )
        return value

    def name(self, path: KeyPath, table: str, name: str) -> None:
        """Define `name` in `table`: a valid name, not defined before."""
        problem = name_problem(name)
        if problem:
            self.fail(path, f"[{table}] {name!r}", problem, "rename it")
        if name in self.defined:
            self.fail(
                path,
                f"[{table}] {name!r}",
                f"the name is already defined in [{self.defined[name]}]",
                "each name may be defined once",
            )
        self.defined[name] = table

    def value(self, path: KeyPath, where: str, value: Any) -> float | np.ndarray:
        """A number, or an array (a TOML array of numbers, nested for a matrix)."""
        if isinstance(value, (list, tuple, np.ndarray)):
            return self.array(path, where, value)
        return self.number(path, where, value)

    def array(self, path: KeyPath, where: str, value: Any) -> np.ndarray:
        """A rectangular, non-empty array of numbers of at most `MAX_RANK` dimensions and
        `MAX_ARRAY_SIZE` entries."""
        rows: list[Any] = [value]
        shape: list[int] = []
        while isinstance(rows[0], (list, tuple, np.ndarray)):
            lengths = {len(r) if isinstance(r, (list, tuple, np.ndarray)) else -1 for r in rows}
            if len(lengths) != 1 or -1 in lengths or 0 in lengths or len(shape) == MAX_RANK:
                self.fail(
                    path,
                    where,
                    "an array must be rectangular, non-empty and at most "
                    f"{MAX_RANK}-dimensional (every row the same length)",
                    "write a vector as [1, 2] and a matrix as [[1, 2], [3, 4]]",
                )
            shape.append(lengths.pop())
            rows = [x for r in rows for x in r]
            if len(rows) > MAX_ARRAY_SIZE:
                self.fail(
                    path,
                    where,
                    f"more than {MAX_ARRAY_SIZE} entries in one array",
                    "check it on a smaller example (a few rows) or split the document",
                )
        numbers = [self.number(path, where, x) for x in rows]
        return np.array(numbers, dtype=np.float64).reshape(shape)

    def number(self, path: KeyPath, where: str, value: Any) -> float:
        """A finite number no larger than `MAX_MAGNITUDE` (not a bool), whose last shown digit
        is within 10**±`MAX_EXPONENT`."""
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.fail(
                path,
                where,
                f"must be a number, got {describe_value(value)}",
                "write a number such as 0.25 (no quotes)",
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not abs(number) <= MAX_MAGNITUDE:  # also catches NaN
            self.fail(
                path,
                where,
                f"must be a finite number no larger than {MAX_MAGNITUDE:g}, got "
                f"{abbreviated(str(value))}",
                "write a number of everyday size",
            )
        if not abs(number_decimals(value)) <= MAX_EXPONENT:
            self.fail(
                path,
                where,
                f"{abbreviated(str(value))} shows its last digit at 10**{-number_decimals(value)}"
                f", beyond 10**±{MAX_EXPONENT}",
                "write the number with an exponent of everyday size (such as 1.5e-7)",
            )
        return number

    def expression(self, path: KeyPath, where: str, text: Any) -> Expression:
        """An expression of the language, counted towards the file's `MAX_OPERATIONS`."""
        try:
            expression = parse(text)
        except ExpressionError as error:
            fix = "run 'chaingrad help expressions'"
            raise expression_failure(self.file, where, self.place(path), error, "", fix) from None
        self.operations += expression.size
        if self.operations > MAX_OPERATIONS:
            self.fail(
                path,
                where,
                f"the file has more than {MAX_OPERATIONS} operations in all",
                "split the document into several case files",
            )
        return expression


def describe_value(value: Any) -> str:
    """What a misplaced value is, for an error message: ``the string 'abc'``, ``a table``."""
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"{type(value).__name__} {abbreviated(repr(value))}"
