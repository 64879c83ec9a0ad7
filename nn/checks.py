"""Argument checks shared by the networks, the data generators and the training loop.

Each raises an error that names the function, the argument and what to give instead
(a `ValueError` for a wrong value, a `TypeError` for a wrong kind of thing), so the same
mistake reads the same wherever it is made.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from numbers import Integral

import numpy as np

from ..autograd.labels import CLOSE_ENOUGH, nearest_names


class UnknownNameError(KeyError):
    """A name (a case, a parameter label, a record) that is not there; a `KeyError` whose
    message prints as written (a plain KeyError prints its message in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


NAMES_SHOWN = 12
"""How many names a message about an unknown name lists (nearest first) before a count."""


def unknown_name_hint(name: str, known: Iterable[str], what: str = "the names") -> str:
    """The end of a message about an unknown `name`: ``did you mean 'x1'? the names, nearest
    first: x1, x2, ... (and 38 more)``. The nearest `NAMES_SHOWN` names are listed, then a
    count, so the list is never cut where the interesting names are; the question only
    when the nearest name is close (a ratio of at least `CLOSE_ENOUGH`)."""
    ranked = nearest_names(name, known)
    if not ranked:
        return f"there are no {what.removeprefix('the ')}"
    shown = ", ".join(candidate for candidate, _ in ranked[:NAMES_SHOWN])
    listing = f"{what}{', nearest first' if len(ranked) > 1 else ''}: {shown}"
    if len(ranked) > NAMES_SHOWN:
        listing += f" (and {len(ranked) - NAMES_SHOWN} more)"
    nearest, closeness = ranked[0]
    return (f"did you mean {nearest!r}? " if closeness >= CLOSE_ENOUGH else "") + listing


def check_count(n: object, where: str, what: str) -> None:
    """Raise unless `n` is a whole number >= 1 (an int or numpy integer, not a bool)."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive whole number, got {n!r}")


def check_sizes(sizes: Sequence[int], where: str) -> tuple[int, ...]:
    """`sizes` as a tuple, checked to list the inputs and at least one layer, each a count."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Iterable):
        raise TypeError(
            f"{where}: sizes must be a list such as [2, 8, 1] (inputs, then each layer's "
            f"width), got {type(sizes).__name__} {sizes!r}"
        )
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"{where}: sizes must list the inputs and at least one layer, got {list(sizes)}"
        )
    for n in sizes:
        check_count(n, where, "every size")
    return sizes


def check_choice(name: object, known: Collection[str], where: str, what: str) -> str:
    """`name`, checked to be one of the `known` names of a `what` (an activation, an init)."""
    if not isinstance(name, str) or name not in known:
        hint = "" if isinstance(name, str) else f" (one name, a str, not a {type(name).__name__})"
        raise ValueError(f"{where}: unknown {what} {name!r}; use one of {', '.join(known)}{hint}")
    return name


def check_activation(name: object, known: Collection[str], where: str) -> str:
    """`name`, checked to be one of the `known` activation names."""
    return check_choice(name, known, where, "activation")


def check_flag(flag: object, where: str, what: str) -> bool:
    """`flag` as a bool, checked to be True or False (a numpy bool too), not a truthy str."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"{where}: {what} must be True or False, got {flag!r}")
    return bool(flag)
