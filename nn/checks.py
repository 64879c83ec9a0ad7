"""Argument checks shared by the networks, the data generators and the training loop.

Each raises a `ValueError` that names the function, the argument and what to give
instead, so the same mistake reads the same wherever it is made.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from numbers import Integral


class UnknownNameError(KeyError):
    """A name (a case, a parameter label, a record) that is not there; a `KeyError` whose
    message prints as written (a plain KeyError prints its message in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_count(n: object, where: str, what: str) -> None:
    """Raise unless `n` is a whole number >= 1 (an int or numpy integer, not a bool)."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive whole number, got {n!r}")


def check_sizes(sizes: Sequence[int], where: str) -> tuple[int, ...]:
    """`sizes` as a tuple, checked to list the inputs and at least one layer, each a count."""
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"{where}: sizes must list the inputs and at least one layer, got {list(sizes)}"
        )
    for n in sizes:
        check_count(n, where, "every size")
    return sizes


def check_activation(name: str, known: Collection[str], where: str) -> str:
    """`name`, checked to be one of the `known` activation names."""
    if name not in known:
        raise ValueError(f"{where}: unknown activation {name!r}; use one of {', '.join(known)}")
    return name
