"""Checking the tables that define a case's network: ``[inputs]``, ``[parameters]``,
``[equations]`` and ``[train]``.

Each name is defined once; an equation uses only names defined above it, and
``depends_on[name]`` collects every name a node is computed from (the derivatives a file
may claim).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..labels import did_you_mean
from .casefile import Equation
from .expr import name_problem
from .fields import FieldChecker, describe_value
from .quantities import abbreviated


def check_leaves(
    fields: FieldChecker, data: Mapping[str, Any], table: str
) -> dict[str, float | np.ndarray]:
    """The numbers (or arrays) of ``[inputs]`` or ``[parameters]``, their names defined."""
    values: dict[str, float | np.ndarray] = {}
    for name, value in fields.table(data, table).items():
        path = (table, name)
        fields.name(path, table, name)
        values[name] = fields.value(path, f"[{table}] {name}", value)
    return values


def check_equations(
    fields: FieldChecker, data: Mapping[str, Any]
) -> tuple[list[Equation], dict[str, frozenset[str]]]:
    """The equations in order, and every defined name's `depends_on` set."""
    table = fields.table(data, "equations")
    if not table:
        fields.fail(
            ("equations",),
            "[equations]",
            "no equations",
            'add at least one, such as E = "0.5*(y - o)**2"',
        )
    depends_on: dict[str, frozenset[str]] = {n: frozenset() for n in fields.defined}
    equations = []
    for name, text in table.items():
        path = ("equations", name)
        where = f"equation {name!r}"
        if not isinstance(text, str):
            fields.fail(
                path,
                where,
                f"must be an expression in quotes, got {describe_value(text)}",
                f'write it as {name} = "..."',
            )
        problem = name_problem(name)
        if problem:
            fields.fail(path, where, problem, "rename it")
        expression = fields.expression(path, where, text)
        for used in expression.names:
            if used == name:
                fields.fail(
                    path,
                    where,
                    f"uses its own name {name!r}",
                    "an equation may only use names defined above it",
                )
            if used not in depends_on:
                later = f"; {used!r} is defined below it" if used in table else ""
                fields.fail(
                    path,
                    where,
                    f"name {used!r} is not defined above{later}",
                    ("" if later else did_you_mean(used, depends_on))
                    + "define it in [inputs], [parameters] or an earlier equation",
                )
        fields.name(path, "equations", name)
        depends_on[name] = frozenset(expression.names).union(
            *(depends_on[u] for u in expression.names)
        )
        equations.append(Equation(name, expression, fields.line(path), fields.place(path)))
    return equations, depends_on


def check_train(
    fields: FieldChecker, train: Mapping[str, Any], equations: list[Equation]
) -> tuple[str, float | None, int | None]:
    """``[train]``: the loss (default: the last equation), the learning rate and batch size."""
    for key in train:
        if key not in ("loss", "learning_rate", "batch_size"):
            fields.fail(
                ("train", key),
                f"[train] {key}",
                "unknown key",
                "the keys are loss, learning_rate and batch_size",
            )
    loss = train.get("loss", equations[-1].name)
    if not isinstance(loss, str) or loss not in {e.name for e in equations}:
        fields.fail(
            ("train", "loss"),
            "[train] loss",
            f"{loss!r} is not an equation",
            "name one of the equations, in quotes",
        )
    rate = None
    if "learning_rate" in train:
        rate = fields.number(
            ("train", "learning_rate"), "[train] learning_rate", train["learning_rate"]
        )
        if rate <= 0:
            fields.fail(
                ("train", "learning_rate"),
                "[train] learning_rate",
                f"must be positive, got {rate:g}",
            )
    batch = train.get("batch_size")
    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 10**9
    ):
        fields.fail(
            ("train", "batch_size"),
            "[train] batch_size",
            f"must be a whole number from 1 to 10**9, got {abbreviated(repr(batch))}",
        )
    return loss, rate, batch
