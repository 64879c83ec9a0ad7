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

`load` reads and checks a file (or an already-parsed mapping) and returns a
`CaseFile`; anything wrong raises `CaseFileError` naming the file, the line or
equation, what is wrong and what to do. A claim's shown digits come from its
literal text in the file, because TOML reads ``0.0850`` as 0.085.

Inputs, parameters and claimed values may be arrays (TOML arrays, nested for a
matrix, at most 4-dimensional); each entry's shown digits are read the same way.
``[train]`` may also give ``batch_size`` (used by the diagnoses: a sum where the
loss takes the mean is off by that factor).

A claim or formula key may end in a note in parentheses, ``"dE/dw1 (delta form)"``,
so that a document's several forms of one derivative can all be checked.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .expr import Expression, ExpressionError, name_problem, parse
from .tolerance import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

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
MAX_ARRAY_SIZE = 10_000
"""Most entries in one array."""
MAX_RANK = 4
"""Most dimensions of an array."""

KINDS = ("value", "derivative", "updated", "formula")
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

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NOTE = r"(?:\s+\(([^()]*)\))?"
_DERIVATIVE_KEY = re.compile(rf"d({_NAME})/d({_NAME}){_NOTE}")
_NAME_KEY = re.compile(rf"({_NAME}){_NOTE}")


class CaseFileError(ValueError):
    """A case file that cannot be verified, with where and what to do.

    ``file`` is the file (or ``<dict>``), ``line`` the line when known, ``where``
    the table, equation or claim, ``problem`` what is wrong and ``fix`` what to do.
    """

    def __init__(
        self, file: str, where: str, problem: str, fix: str = "", line: int | None = None
    ) -> None:
        self.file, self.where, self.problem, self.fix, self.line = file, where, problem, fix, line
        place = f"{file}:{line}" if line else file
        text = f"{place}: {where}: {problem}" if where else f"{place}: {problem}"
        if fix:
            text += f"; {fix}"
        super().__init__(text)


@dataclass(frozen=True)
class Equation:
    """``name = expression``: one node of the document's network."""

    name: str
    expression: Expression
    line: int | None


@dataclass(frozen=True)
class Claim:
    """One thing the document states.

    ``kind`` is "value" (``node``'s value), "derivative" (d node / d wrt),
    "updated" (parameter ``node`` after one SGD step) or "formula" (d node / d wrt
    written as ``formula``). ``number`` is the claimed number and ``decimals`` how
    many decimals the document shows (None for formulas).
    """

    key: str
    kind: str
    node: str
    wrt: str | None
    number: float | np.ndarray | None
    decimals: int | np.ndarray | None
    formula: Expression | None
    line: int | None


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


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> CaseFile:
    """Read and check a case file (a path) or an already-parsed case (a mapping).

    For a mapping, claimed numbers may be `decimal.Decimal` to keep their shown
    digits (``Decimal("0.0850")``); floats show the digits of their shortest repr.
    Raises `CaseFileError` for anything invalid, TypeError for a `source` of another type.
    """
    if isinstance(source, Mapping):
        return _Checker("<dict>", {}).case(source)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"load_case: expected a case-file path (a str or Path) or a parsed case (a dict), "
            f"got {type(source).__name__}"
        )
    file = os.fspath(source)
    text = _read(file)
    literals = _scan_literals(text)
    try:
        data = tomllib.loads(text)
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
            file, "", f"not valid TOML: {error}", "fix the syntax (see the case-file format)"
        ) from None
    return _Checker(file, literals).case(data)


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


# ----------------------------------------------------------------------- checking
class _Checker:
    """Checks one parsed case, table by table, and raises on the first problem."""

    def __init__(self, file: str, literals: Mapping[tuple[str, ...], tuple[int, str]]) -> None:
        self.file = file
        self.literals = literals
        self.defined: dict[str, str] = {}  # name -> the table that defines it
        self.operations = 0

    def fail(self, path: tuple[str, ...], where: str, problem: str, fix: str = "") -> NoReturn:
        line = self.literals.get(path, (None, ""))[0]
        for n in range(len(path) - 1, 0, -1):  # fall back to the enclosing table's header
            if line is not None:
                break
            line = self.literals.get(path[:n], (None, ""))[0]
        raise CaseFileError(self.file, where, problem, fix, line)

    def case(self, data: Mapping[str, Any]) -> CaseFile:
        for key in data:
            if key not in TABLES:
                self.fail(
                    (key,),
                    f"[{key}]",
                    "unknown table or key",
                    f"the tables are {', '.join(TABLES)} (check the spelling)",
                )
        title = self.text(data, "title", default=Path(self.file).stem)
        source = self.text(data, "source", default=None)
        inputs = self.leaves(data, "inputs")
        parameters = self.leaves(data, "parameters")
        equations, depends_on = self.equations(data)
        if len(self.defined) > MAX_NAMES:
            self.fail(
                (),
                "",
                f"{len(self.defined)} names; the limit is {MAX_NAMES}",
                "split the document into several case files",
            )
        train = self.table(data, "train")
        loss, learning_rate, batch_size = self.train(train, equations)
        claims = self.claims(data, depends_on, learning_rate)
        settings = self.settings(data, claims)
        return CaseFile(
            self.file,
            title,
            source,
            inputs,
            parameters,
            tuple(equations),
            loss,
            learning_rate,
            batch_size,
            tuple(claims),
            settings,
            depends_on,
        )

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.fail(
                (key,),
                f"[{key}]",
                f"must be a table, got {_kind(value)}",
                f"write it as a [{key}] section",
            )
        return value

    def text(self, data: Mapping[str, Any], key: str, default: str | None) -> str | None:
        value = data.get(key, default)
        if value is not None and not isinstance(value, str):
            self.fail((key,), key, f"must be a string, got {_kind(value)}", "put it in quotes")
        return value

    def name(self, path: tuple[str, ...], table: str, name: str) -> None:
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

    def leaves(self, data: Mapping[str, Any], table: str) -> dict[str, float | np.ndarray]:
        values: dict[str, float | np.ndarray] = {}
        for name, value in self.table(data, table).items():
            path = (table, name)
            self.name(path, table, name)
            values[name] = self.value(path, f"[{table}] {name}", value)
        return values

    def value(self, path: tuple[str, ...], where: str, value: Any) -> float | np.ndarray:
        """A number, or an array (a TOML array of numbers, nested for a matrix)."""
        if isinstance(value, (list, tuple, np.ndarray)):
            return self.array(path, where, value)
        return self.number(path, where, value)

    def array(self, path: tuple[str, ...], where: str, value: Any) -> np.ndarray:
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

    def number(self, path: tuple[str, ...], where: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.fail(
                path,
                where,
                f"must be a number, got {_kind(value)}",
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
                f"must be a finite number no larger than {MAX_MAGNITUDE:g}, got {value}",
                "write a number of everyday size",
            )
        return number

    def expression(self, path: tuple[str, ...], where: str, text: Any) -> Expression:
        try:
            expression = parse(text)
        except ExpressionError as error:
            self.fail(path, where, str(error), "see the expression language in the docs")
        self.operations += expression.size
        if self.operations > MAX_OPERATIONS:
            self.fail(
                path,
                where,
                f"the file has more than {MAX_OPERATIONS} operations in all",
                "split the document into several case files",
            )
        return expression

    def equations(
        self, data: Mapping[str, Any]
    ) -> tuple[list[Equation], dict[str, frozenset[str]]]:
        table = self.table(data, "equations")
        if not table:
            self.fail(
                ("equations",),
                "[equations]",
                "no equations",
                'add at least one, such as E = "0.5*(y - o)**2"',
            )
        depends_on: dict[str, frozenset[str]] = {n: frozenset() for n in self.defined}
        equations = []
        for name, text in table.items():
            path = ("equations", name)
            where = f"equation {name!r}"
            if not isinstance(text, str):
                self.fail(
                    path,
                    where,
                    f"must be an expression in quotes, got {_kind(text)}",
                    f'write it as {name} = "..."',
                )
            problem = name_problem(name)
            if problem:
                self.fail(path, where, problem, "rename it")
            expression = self.expression(path, where, text)
            for used in expression.names:
                if used == name:
                    self.fail(
                        path,
                        where,
                        f"uses its own name {name!r}",
                        "an equation may only use names defined above it",
                    )
                if used not in depends_on:
                    later = f"; {used!r} is defined below it" if used in table else ""
                    self.fail(
                        path,
                        where,
                        f"name {used!r} is not defined above{later}",
                        "define it in [inputs], [parameters] or an earlier equation",
                    )
            self.name(path, "equations", name)
            depends_on[name] = frozenset(expression.names).union(
                *(depends_on[u] for u in expression.names)
            )
            equations.append(Equation(name, expression, self.literals.get(path, (None,))[0]))
        return equations, depends_on

    def train(
        self, train: Mapping[str, Any], equations: list[Equation]
    ) -> tuple[str, float | None, int | None]:
        for key in train:
            if key not in ("loss", "learning_rate", "batch_size"):
                self.fail(
                    ("train", key),
                    f"[train] {key}",
                    "unknown key",
                    "the keys are loss, learning_rate and batch_size",
                )
        loss = train.get("loss", equations[-1].name)
        if not isinstance(loss, str) or loss not in {e.name for e in equations}:
            self.fail(
                ("train", "loss"),
                "[train] loss",
                f"{loss!r} is not an equation",
                "name one of the equations, in quotes",
            )
        rate = None
        if "learning_rate" in train:
            rate = self.number(
                ("train", "learning_rate"), "[train] learning_rate", train["learning_rate"]
            )
            if rate <= 0:
                self.fail(
                    ("train", "learning_rate"),
                    "[train] learning_rate",
                    f"must be positive, got {rate:g}",
                )
        batch = train.get("batch_size")
        if batch is not None and (
            isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 10**9
        ):
            self.fail(
                ("train", "batch_size"),
                "[train] batch_size",
                f"must be a whole number from 1 to 10**9, got {batch!r}",
            )
        return loss, rate, batch

    def claims(
        self,
        data: Mapping[str, Any],
        depends_on: Mapping[str, frozenset[str]],
        learning_rate: float | None,
    ) -> list[Claim]:
        claims_table = self.table(data, "claims")
        claims: list[Claim] = []
        for key, value in claims_table.items():
            if key == "updated" and isinstance(value, Mapping):
                continue
            path = ("claims", key)
            where = f"claim {key!r}"
            derivative = _DERIVATIVE_KEY.fullmatch(key)
            if derivative:
                node, wrt = self.derivative(path, where, derivative, depends_on)
                kind = "derivative"
            else:
                node, wrt, kind = self.node_key(path, where, key, depends_on), None, "value"
            number = self.value(path, where, value)
            claims.append(
                Claim(
                    key, kind, node, wrt, number, self.decimals(path, value), None, self.line(path)
                )
            )
        updated = claims_table.get("updated", {})
        updated = updated if isinstance(updated, Mapping) else {}
        if updated and learning_rate is None:
            self.fail(
                ("claims", "updated"),
                "[claims.updated]",
                "updated parameters need a learning rate",
                "add learning_rate under [train]",
            )
        for key, value in updated.items():
            path = ("claims", "updated", key)
            where = f"updated claim {key!r}"
            node = self.node_key(path, where, key, depends_on)
            if self.defined.get(node) != "parameters":
                self.fail(
                    path,
                    where,
                    f"{node!r} is not a parameter",
                    "only [parameters] are updated by a training step",
                )
            number = self.value(path, where, value)
            claims.append(
                Claim(
                    key,
                    "updated",
                    node,
                    None,
                    number,
                    self.decimals(path, value),
                    None,
                    self.line(path),
                )
            )
        for key, text in self.table(data, "formulas").items():
            path = ("formulas", key)
            where = f"formula {key!r}"
            derivative = _DERIVATIVE_KEY.fullmatch(key)
            if not derivative:
                self.fail(
                    path,
                    where,
                    "a formula's key must name a derivative",
                    'write it as "dA/dB" (optionally "dA/dB (note)")',
                )
            node, wrt = self.derivative(path, where, derivative, depends_on)
            if not isinstance(text, str):
                self.fail(
                    path,
                    where,
                    f"must be an expression in quotes, got {_kind(text)}",
                    f'write it as "{key}" = "..."',
                )
            expression = self.expression(path, where, text)
            for used in expression.names:
                if used not in self.defined:
                    self.fail(
                        path,
                        where,
                        f"name {used!r} is not defined",
                        "a formula may use any input, parameter or equation",
                    )
            claims.append(Claim(key, "formula", node, wrt, None, None, expression, self.line(path)))
        if len(claims) > MAX_CLAIMS:
            self.fail(
                ("claims",),
                "[claims]",
                f"{len(claims)} claims; the limit is {MAX_CLAIMS}",
                "split the document into several case files",
            )
        return claims

    def node_key(
        self, path: tuple[str, ...], where: str, key: str, depends_on: Mapping[str, Any]
    ) -> str:
        match = _NAME_KEY.fullmatch(key)
        if not match:
            self.fail(
                path,
                where,
                "is neither a node name nor a derivative",
                'write a name such as out_n3, or "dA/dB" for a derivative',
            )
        node = match.group(1)
        if node not in depends_on:
            self.fail(path, where, f"{node!r} is not defined", "claim only nodes the file defines")
        return node

    def derivative(
        self,
        path: tuple[str, ...],
        where: str,
        match: re.Match[str],
        depends_on: Mapping[str, frozenset[str]],
    ) -> tuple[str, str]:
        node, wrt = match.group(1), match.group(2)
        for name in (node, wrt):
            if name not in depends_on:
                self.fail(
                    path,
                    where,
                    f"{name!r} is not defined",
                    "a derivative dA/dB needs A and B defined in the file",
                )
        if wrt not in depends_on[node]:
            problem = (
                f"d{node}/d{node} is 1 by definition"
                if node == wrt
                else f"{node!r} does not depend on {wrt!r}"
            )
            self.fail(
                path,
                where,
                problem,
                f"claim derivatives of {node} only with respect to nodes it is computed from",
            )
        return node, wrt

    def decimals(self, path: tuple[str, ...], value: Any) -> int | np.ndarray:
        """The decimals the claim shows: from its text in the file when that reads as the
        same value (entry by entry for an array), else from the value itself."""
        literal = self.literals.get(path)
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

    def line(self, path: tuple[str, ...]) -> int | None:
        literal = self.literals.get(path)
        return literal[0] if literal else None

    def settings(self, data: Mapping[str, Any], claims: list[Claim]) -> Settings:
        table = self.table(data, "verify")
        defaults = Settings()
        bounds = {
            "ok_units": (0.0, 1000.0),
            "rounding_units": (0.0, 1000.0),
            "points": (0, 200),
            "seed": (0, 2**63 - 1),
            "perturbation": (1e-6, 1.0),
            "formula_rtol": (1e-15, 0.1),
        }
        values: dict[str, Any] = {}
        for key, value in table.items():
            path = ("verify", key)
            if key == "decimals":
                values[key] = self.decimal_overrides(value, claims)
                continue
            if key not in bounds:
                self.fail(
                    path,
                    f"[verify] {key}",
                    "unknown key",
                    f"the keys are {', '.join([*bounds, 'decimals'])}",
                )
            low, high = bounds[key]
            number = self.number(path, f"[verify] {key}", value)
            whole = isinstance(getattr(defaults, key), int)
            if (whole and not isinstance(value, int)) or not low <= number <= high:
                kind = "a whole number" if whole else "a number"
                self.fail(path, f"[verify] {key}", f"must be {kind} from {low:g} to {high:g}")
            values[key] = int(value) if whole else number
        settings = Settings(**values)
        if settings.ok_units > settings.rounding_units:
            self.fail(
                ("verify",),
                "[verify]",
                "ok_units is larger than rounding_units",
                "a claim ok to the digits is also within the rounding band",
            )
        return settings

    def decimal_overrides(self, table: Any, claims: list[Claim]) -> dict[str, int]:
        path = ("verify", "decimals")
        if not isinstance(table, Mapping):
            self.fail(path, "[verify.decimals]", f"must be a table, got {_kind(table)}")
        numbered = {c.key for c in claims if c.kind != "formula"}
        for key, value in table.items():
            if key not in numbered:
                self.fail(
                    (*path, key),
                    f"[verify.decimals] {key!r}",
                    "is not a numeric claim of this file",
                    "use the key exactly as in [claims] or [claims.updated]",
                )
            if isinstance(value, bool) or not isinstance(value, int) or not -20 <= value <= 20:
                self.fail(
                    (*path, key),
                    f"[verify.decimals] {key!r}",
                    f"must be a whole number from -20 to 20, got {value!r}",
                )
        return dict(table)


# ----------------------------------------------------------------------- raw text
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PATH = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER_LINE = re.compile(rf"\s*(\[\[?)\s*({_KEY_PATH})\s*\]\]?\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_KEY_PATH})\s*=\s*(.*)")
_NUMBER_TOKEN = re.compile(r"[+-]?[0-9A-Za-z_.+-]+")
_ARRAY_NUMBER = re.compile(
    r"[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|inf|nan"
    r"|[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)"
)


def _read(file: str) -> str:
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


def _scan_literals(text: str) -> dict[tuple[str, ...], tuple[int, str]]:
    """Map each key path to (line, raw value text), first occurrence first."""
    literals: dict[tuple[str, ...], tuple[int, str]] = {}
    for path, line, raw in _key_lines(text):
        literals.setdefault(path, (line, raw))
    return literals


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
    seen: dict[tuple[str, ...], int] = {}
    for path, line, _ in _key_lines(text):
        if path in seen:
            return path, seen[path], line
        seen[path] = line
    return None


def _bracket_balance(text: str) -> int:
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


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"{type(value).__name__} {value!r:.40}"
