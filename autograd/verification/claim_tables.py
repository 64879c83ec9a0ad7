"""Checking what a case file claims: ``[claims]``, ``[claims.updated]`` and ``[formulas]``.

A claim's key names a node (its value) or a derivative ``"dA/dB"`` (or ``"∂A/∂B"``), where
A must be computed from B; ``[claims.updated]`` names parameters (after one SGD step, so it
needs a learning rate) and ``[formulas]`` derivatives written as expressions. Any key may
end in a note in parentheses, ``"dE/dw1 (delta form)"``; two keys that differ only in
``d`` and ``∂`` are one claim, defined twice. A numeric claim keeps the decimals its
literal text shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..labels import did_you_mean
from .casefile import MAX_CLAIMS, NAME_KEY, Claim, canonical_key, derivative_key
from .casetext import claimed_decimals
from .fields import FieldChecker, KeyPath, describe_value

DependsOn = Mapping[str, frozenset[str]]
"""Every defined name -> the names it is computed from."""


def check_claims(
    fields: FieldChecker,
    data: Mapping[str, Any],
    depends_on: DependsOn,
    learning_rate: float | None,
) -> list[Claim]:
    """Every claim of the file in order: values and derivatives, updated parameters, then
    formulas; at most `MAX_CLAIMS`, each once."""
    claims_table = fields.table(data, "claims")
    claims = _numbers(fields, claims_table, depends_on)
    claims += _updated(fields, claims_table, depends_on, learning_rate)
    claims += _formulas(fields, data, depends_on)
    if len(claims) > MAX_CLAIMS:
        fields.fail(
            ("claims",),
            "[claims]",
            f"{len(claims)} claims; the limit is {MAX_CLAIMS}",
            "split the document into several case files",
        )
    _each_once(fields, claims)
    return claims


def _numbers(
    fields: FieldChecker, claims_table: Mapping[str, Any], depends_on: DependsOn
) -> list[Claim]:
    """``[claims]``: a node's value, or ``"dA/dB"``: a derivative."""
    claims = []
    for key, value in claims_table.items():
        if key == "updated" and isinstance(value, Mapping):
            continue
        path = ("claims", key)
        where = f"claim {key!r}"
        if derivative_key(key):
            node, wrt = _derivative(fields, path, where, key, depends_on)
            kind = "derivative"
        else:
            node, wrt, kind = _node_key(fields, path, where, key, depends_on), None, "value"
        number = fields.value(path, where, value)
        claims.append(_claim(fields, path, kind, node, wrt, number, value))
    return claims


def _updated(
    fields: FieldChecker,
    claims_table: Mapping[str, Any],
    depends_on: DependsOn,
    learning_rate: float | None,
) -> list[Claim]:
    """``[claims.updated]``: parameters after one SGD step (which needs a learning rate)."""
    updated = claims_table.get("updated", {})
    updated = updated if isinstance(updated, Mapping) else {}
    if updated and learning_rate is None:
        fields.fail(
            ("claims", "updated"),
            "[claims.updated]",
            "updated parameters need a learning rate",
            "add learning_rate under [train]",
        )
    claims = []
    for key, value in updated.items():
        path = ("claims", "updated", key)
        where = f"updated claim {key!r}"
        node = _node_key(fields, path, where, key, depends_on)
        if fields.defined.get(node) != "parameters":
            fields.fail(
                path,
                where,
                f"{node!r} is not a parameter",
                "only [parameters] are updated by a training step",
            )
        number = fields.value(path, where, value)
        claims.append(_claim(fields, path, "updated", node, None, number, value))
    return claims


def _claim(
    fields: FieldChecker,
    path: KeyPath,
    kind: str,
    node: str,
    wrt: str | None,
    number: Any,
    value: Any,
) -> Claim:
    """A numeric claim at `path`, with the decimals its literal `value` shows."""
    decimals = claimed_decimals(value)
    key = path[-1]
    return Claim(
        key, kind, node, wrt, number, decimals, None, fields.line(path), fields.place(path)
    )


def _formulas(fields: FieldChecker, data: Mapping[str, Any], depends_on: DependsOn) -> list[Claim]:
    """``[formulas]``: derivatives written as expressions of the file's names."""
    claims = []
    for key, text in fields.table(data, "formulas").items():
        path = ("formulas", key)
        where = f"formula {key!r}"
        if not derivative_key(key):
            fields.fail(
                path,
                where,
                "a formula's key must name a derivative",
                'write it as "dA/dB" or "∂A/∂B" (optionally "dA/dB (note)")',
            )
        node, wrt = _derivative(fields, path, where, key, depends_on)
        if not isinstance(text, str):
            fields.fail(
                path,
                where,
                f"must be an expression in quotes, got {describe_value(text)}",
                f'write it as "{key}" = "..."',
            )
        expression = fields.expression(path, where, text)
        for used in expression.names:
            if used not in fields.defined:
                fields.fail(
                    path,
                    where,
                    f"name {used!r} is not defined",
                    did_you_mean(used, fields.defined)
                    + "a formula may use any input, parameter or equation",
                )
        claims.append(
            Claim(
                key,
                "formula",
                node,
                wrt,
                None,
                None,
                expression,
                fields.line(path),
                fields.place(path),
            )
        )
    return claims


def _each_once(fields: FieldChecker, claims: list[Claim]) -> None:
    """Refuse a claim written twice: keys that differ only in ``d`` and ``∂``."""
    tables = {"formula": ("formulas",), "updated": ("claims", "updated")}
    seen: dict[tuple[tuple[str, ...], str], Claim] = {}
    for claim in claims:
        table = tables.get(claim.kind, ("claims",))
        first = seen.setdefault((table, canonical_key(claim.key)), claim)
        if first is not claim:
            where = {"updated": "updated claim", "formula": "formula"}.get(claim.kind, "claim")
            fields.fail(
                (*table, claim.key),
                f"{where} {claim.key!r}",
                f"is the same claim as {first.key!r} (line {first.line})",
                'keep one of them, or tell them apart with a note: "dE/dw (second form)"',
            )


def _node_key(
    fields: FieldChecker, path: KeyPath, where: str, key: str, depends_on: DependsOn
) -> str:
    """The node a value or update claim names (its key without a note)."""
    match = NAME_KEY.fullmatch(key)
    if not match:
        fields.fail(
            path,
            where,
            "is neither a node name nor a derivative",
            'write a name such as out_n3, or "dA/dB" for a derivative',
        )
    node = match.group(1)
    if node not in depends_on:
        fields.fail(
            path,
            where,
            f"{node!r} is not defined",
            did_you_mean(node, depends_on) + "claim only nodes the file defines",
        )
    return node


def _derivative(
    fields: FieldChecker, path: KeyPath, where: str, key: str, depends_on: DependsOn
) -> tuple[str, str]:
    """(A, B) of a derivative key ``dA/dB``: both defined, and A computed from B."""
    node, wrt = derivative_key(key)  # type: ignore[misc]
    for name in (node, wrt):
        if name not in depends_on:
            fields.fail(
                path,
                where,
                f"{name!r} is not defined",
                did_you_mean(name, depends_on)
                + "a derivative dA/dB needs A and B defined in the file",
            )
    if wrt not in depends_on[node]:
        problem = (
            f"d{node}/d{node} is 1 by definition"
            if node == wrt
            else f"{node!r} does not depend on {wrt!r}"
        )
        fields.fail(
            path,
            where,
            problem,
            f"claim derivatives of {node} only with respect to nodes it is computed from",
        )
    return node, wrt
