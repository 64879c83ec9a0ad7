"""Checking a case file's ``[verify]`` table: overrides of how its claims are judged.

Each key of `tolerance.Settings` may be set within bounds; ``[verify.decimals]`` sets the
shown decimals of named numeric claims. ``work_limit`` raises the work budget of the
verification (`budget`), up to `MAX_WORK_LIMIT`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .casefile import Claim, canonical_key
from .fields import FieldChecker, describe_value
from .quantities import abbreviated
from .tolerance import Settings

MAX_WORK_LIMIT = 100_000_000
"""The most units of work a file may allow its own verification (minutes, not hours)."""

_BOUNDS = {
    "ok_units": (0.0, 1000.0),
    "rounding_units": (0.0, 1000.0),
    "points": (0, 200),
    "seed": (0, 2**63 - 1),
    "perturbation": (1e-6, 1.0),
    "formula_rtol": (1e-15, 0.1),
    "work_limit": (1000, MAX_WORK_LIMIT),
}


def check_settings(fields: FieldChecker, data: Mapping[str, Any], claims: list[Claim]) -> Settings:
    """The `Settings` of the file: the defaults with ``[verify]``'s overrides."""
    table = fields.table(data, "verify")
    defaults = Settings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        path = ("verify", key)
        if key == "decimals":
            values[key] = _decimal_overrides(fields, value, claims)
            continue
        if key not in _BOUNDS:
            fields.fail(
                path,
                f"[verify] {key}",
                "unknown key",
                f"the keys are {', '.join([*_BOUNDS, 'decimals'])}",
            )
        low, high = _BOUNDS[key]
        number = fields.number(path, f"[verify] {key}", value)
        whole = isinstance(getattr(defaults, key), int)
        if (whole and not isinstance(value, int)) or not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            fields.fail(path, f"[verify] {key}", f"must be {kind} from {low:g} to {high:g}")
        values[key] = int(value) if whole else number
    settings = Settings(**values)
    if settings.rounding_units is not None and settings.ok_units > settings.rounding_units:
        fields.fail(
            ("verify",),
            "[verify]",
            "ok_units is larger than rounding_units",
            "a claim ok to the digits is also within the rounding band",
        )
    return settings


def _decimal_overrides(fields: FieldChecker, table: Any, claims: list[Claim]) -> dict[str, int]:
    """``[verify.decimals]``: claim key -> shown decimals, for numeric claims of this file."""
    path = ("verify", "decimals")
    if not isinstance(table, Mapping):
        fields.fail(path, "[verify.decimals]", f"must be a table, got {describe_value(table)}")
    numbered = {canonical_key(c.key) for c in claims if c.kind != "formula"}
    for key, value in table.items():
        if canonical_key(key) not in numbered:
            fields.fail(
                (*path, key),
                f"[verify.decimals] {key!r}",
                "is not a numeric claim of this file",
                "use the key exactly as in [claims] or [claims.updated]",
            )
        if isinstance(value, bool) or not isinstance(value, int) or not -20 <= value <= 20:
            fields.fail(
                (*path, key),
                f"[verify.decimals] {key!r}",
                f"must be a whole number from -20 to 20, got {abbreviated(repr(value))}",
            )
    return {canonical_key(key): value for key, value in table.items()}
