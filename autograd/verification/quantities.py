"""The numbers checking deals in: a float, or a numpy array for a case written with arrays.

`as_number` reads one from a node (or a number); the rest write one as text: as a document
shows it (`shown_number`), to some significant digits (`format_value`, `brief_value`) and
for ``--json`` (`json_number`). Arrays are written as nested brackets; no number is ever
shown as "-0". Error messages quote what a file wrote through `abbreviated` and list names
through `some_of`, so that a 4,000-digit number or 2,000 names take one short line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..chain import format_number
from ..tensor import Tensor
from ..value import Value

Number = float | np.ndarray
"""A claimed or computed quantity: a float, or an array for a case written with arrays."""

MAX_ENTRIES_SHOWN = 20
"""Entries of an array written out in full; a larger array is written as its shape."""
MAX_TEXT_SHOWN = 40
"""Characters of a number or name an error message quotes in full."""
MAX_NAMES_SHOWN = 6
"""Names an error message lists before saying how many more there are."""


def as_number(x: Any) -> Number:
    """A node's or a number's value as a float, or an array when it has dimensions."""
    data = x.data if isinstance(x, (Value, Tensor)) else x
    if isinstance(data, np.ndarray) and data.ndim == 0:
        return float(data)
    return data if isinstance(data, np.ndarray) else float(data)


def format_value(x: Number, digits: int = 5) -> str:
    """`x` to `digits` significant digits; an array as nested brackets."""
    if isinstance(x, np.ndarray):
        return _nested([format_number(float(v), digits) for v in x.ravel()], x.shape)
    return format_number(x, digits)


def brief_value(x: Number, digits: int = 5) -> str:
    """`format_value`, or for an array of more than `MAX_ENTRIES_SHOWN` entries its shape."""
    if np.size(x) > MAX_ENTRIES_SHOWN:
        return f"(a {dimensions_text(np.shape(x))} array)"
    return format_value(x, digits)


def shown_number(number: Number, decimals: Number | None) -> str:
    """A claimed number written with the decimals the document shows (per entry for an array;
    10 significant digits when the decimals are unknown)."""
    if isinstance(number, np.ndarray):
        places = np.broadcast_to(np.asarray(decimals if decimals is not None else -1), number.shape)
        texts = [shown_number(float(v), int(d)) for v, d in zip(number.ravel(), places.ravel())]
        return _nested(texts, number.shape)
    if decimals is None or not 0 <= int(decimals) <= 20:
        return format_value(number, 10)
    return f"{number:.{int(decimals)}f}"


def json_number(x: Number) -> float | list[Any]:
    """A number for ``--json``: a float, or nested lists for an array."""
    return x.tolist() if isinstance(x, np.ndarray) else x


def dimensions_text(shape: tuple[int, ...]) -> str:
    """An array's shape as reports write it: ``2x3``."""
    return "x".join(map(str, shape))


def _nested(texts: list[str], shape: tuple[int, ...]) -> str:
    """Entries in row-major order written as nested brackets: [[1, 2], [3, 4]]."""
    items = texts
    for n in reversed(shape):
        items = ["[" + ", ".join(items[i : i + n]) + "]" for i in range(0, len(items), n)]
    return items[0]


def abbreviated(text: str) -> str:
    """`text` for a message: itself, or when longer than `MAX_TEXT_SHOWN` characters its start
    and its length (``1234567890123456789012345... (4400 characters)``)."""
    if len(text) <= MAX_TEXT_SHOWN:
        return text
    return f"{text[: MAX_TEXT_SHOWN - 15]}... ({len(text)} characters)"


def some_of(names: Iterable[str]) -> str:
    """Names for a message: all of them when few, else the first `MAX_NAMES_SHOWN` and how
    many more (``a, b, c, d, e, f and 994 more``)."""
    names = list(names)
    if len(names) <= MAX_NAMES_SHOWN + 1:
        return ", ".join(names)
    return ", ".join(names[:MAX_NAMES_SHOWN]) + f" and {len(names) - MAX_NAMES_SHOWN} more"
