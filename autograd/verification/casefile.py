"""Case files: a document's equations and the numbers and formulas it claims, in TOML.

The format (a user-facing contract)::

    title = "..."                   # optional; source = "..." also optional
    [inputs]        x1 = 0.23       # constants: data and targets
    [parameters]    w1 = 0.1        # trained leaves
    [equations]     net = "w1*x1"   # in order; only names defined above
    [train]         loss = "E"      # default: the last equation; learning_rate = 0.01
    [claims]        out = 0.343     # a node's value; "dE/dw1" = 0.0025: a derivative
    [claims.updated] w1 = 0.0999    # a parameter after one SGD step
    [formulas]      "dE/dw1" = "(o - y) * o * (1 - o) * x1"
    [verify]        # optional overrides, see `Settings`

This module holds the format's types and limits. `loading.load` reads and checks a file
(or an already-parsed mapping) and returns a `CaseFile`; anything wrong raises
`CaseFileError` naming the file, the line and column or equation, what is wrong and what
to do. A claim's shown digits come from its literal text in the file (`casetext`), because
TOML reads ``0.0850`` as 0.085.

Inputs, parameters and claimed values may be arrays (TOML arrays, nested for a
matrix, at most 4-dimensional); each entry's shown digits are read the same way.
``[train]`` may also give ``batch_size`` (used by the diagnoses: a sum where the
loss takes the mean is off by that factor).

A claim or formula key may end in a note in parentheses, ``"dE/dw1 (delta form)"``,
so that a document's several forms of one derivative can all be checked. A derivative may
be written with ``d`` or ``∂``: ``"∂E/∂w17"`` is the claim ``"dE/dw17"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .budget import MAX_ARRAY_SIZE as MAX_ARRAY_SIZE  # the format's limits, all here
from .expr import Expression, ExpressionError
from .tolerance import Settings

MAX_FILE_BYTES = 200_000
"""Largest case file accepted."""
MAX_NAMES = 2000
"""Most inputs + parameters + equations in one file."""
MAX_CLAIMS = 2000
"""Most claims + formulas in one file."""
MAX_OPERATIONS = 20_000
"""Most expression operations (syntax-tree nodes) in one file, all expressions together."""
MAX_MAGNITUDE = 1e300
"""Largest size of a number in a file, and of any value or derivative computed from one."""
MAX_RANK = 4
"""Most dimensions of an array."""
MAX_EXPONENT = 300
"""Largest power of ten, either way, of a number's last shown digit: ``1.5e-7`` (a last digit
of 1e-8) is fine, ``0e400`` (a last digit of 1e400) is not."""

KINDS = ("value", "derivative", "updated", "formula")
"""The kinds of `Claim`."""
TABLES = (
    "title",
    "source",
    "inputs",
    "parameters",
    "equations",
    "train",
    "claims",
    "formulas",
    "verify",
)
"""The top-level keys of a case file."""


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NOTE = r"(?:\s+\(([^()]*)\))?"
_DERIVATIVE_KEY = re.compile(rf"[d∂]({_NAME})/[d∂]({_NAME}){_NOTE}")
NAME_KEY = re.compile(rf"({_NAME}){_NOTE}")
"""A value or update claim's key: a node's name, optionally with a note."""


def derivative_key(key: str) -> tuple[str, str] | None:
    """(A, B) for a derivative key ``"dA/dB"`` or ``"∂A/∂B"`` (optionally with a note in
    parentheses); None for any other key."""
    match = _DERIVATIVE_KEY.fullmatch(key)
    return (match.group(1), match.group(2)) if match else None


def canonical_key(key: str) -> str:
    """The key with a derivative's ``∂`` written ``d``: two keys naming one claim are equal."""
    match = _DERIVATIVE_KEY.fullmatch(key)
    if not match:
        return key
    node, wrt, note = match.groups()
    return f"d{node}/d{wrt}" + (f" ({note})" if note is not None else "")


@dataclass(frozen=True)
class Place:
    """Where a key is written: its 1-based line and column. ``text_column`` is the column of
    the first character of its value when that is a one-line string without escapes (so that
    a column inside an expression is a column of the file), else None."""

    line: int
    column: int
    text_column: int | None = None


class CaseFileError(ValueError):
    """A case file that cannot be verified, with where and what to do.

    ``file`` is the file (or ``<dict>``), ``line`` and ``column`` where in it when known,
    ``where`` the table, equation or claim, ``problem`` what is wrong and ``fix`` what to do.
    """

    def __init__(
        self,
        file: str,
        where: str,
        problem: str,
        fix: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file, self.where, self.problem, self.fix = file, where, problem, fix
        self.line, self.column = line, column
        place = file
        if line:
            place += f":{line}" + (f":{column}" if column else "")
        text = f"{place}: {where}: {problem}" if where else f"{place}: {problem}"
        if fix:
            text += f"; {fix}"
        super().__init__(text)


def expression_failure(
    file: str, where: str, place: Place | None, error: ExpressionError, prefix: str, fix: str
) -> CaseFileError:
    """The `CaseFileError` for `error` in the expression written at `place`: at the column of
    the file where the expression's failing part is, when the text maps to it."""
    if place is None:
        return CaseFileError(file, where, prefix + str(error), fix)
    if error.column is not None and place.text_column is not None:
        column = place.text_column + error.column - 1
        return CaseFileError(file, where, prefix + error.reason, fix, place.line, column)
    return CaseFileError(file, where, prefix + str(error), fix, place.line, place.column)


@dataclass(frozen=True)
class Equation:
    """``name = expression``: one node of the document's network."""

    name: str
    expression: Expression
    line: int | None
    place: Place | None = None


@dataclass(frozen=True)
class Claim:
    """One thing the document states.

    ``kind`` is "value" (``node``'s value), "derivative" (d node / d wrt),
    "updated" (parameter ``node`` after one SGD step) or "formula" (d node / d wrt
    written as ``formula``). ``number`` is the claimed number and ``decimals`` how
    many decimals the document shows (None for formulas); ``place`` where the key is.
    """

    key: str
    kind: str
    node: str
    wrt: str | None
    number: float | np.ndarray | None
    decimals: int | np.ndarray | None
    formula: Expression | None
    line: int | None
    place: Place | None = None


@dataclass(frozen=True)
class CaseFile:
    """A checked case file. ``depends_on[name]`` is every name that node is computed from."""

    file: str
    title: str
    source: str | None
    inputs: Mapping[str, float | np.ndarray]
    parameters: Mapping[str, float | np.ndarray]
    equations: tuple[Equation, ...]
    loss: str
    learning_rate: float | None
    batch_size: int | None
    claims: tuple[Claim, ...]
    settings: Settings
    depends_on: Mapping[str, frozenset[str]]

    def names(self) -> list[str]:
        """Every defined name: inputs, parameters, then equations in order."""
        return [*self.inputs, *self.parameters, *(e.name for e in self.equations)]
