"""Loading a case file: read its text, parse the TOML, check every table, build a `CaseFile`.

`load` is the one entry point (exported as ``load_case``); the format is described in
`casefile`, the reading in `casetext` and each table's checks in `network_tables`,
`claim_tables` and `settings_table`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..labels import did_you_mean
from .casefile import MAX_NAMES, TABLES, CaseFile
from .casetext import parse_toml, read_text
from .claim_tables import check_claims
from .fields import FieldChecker
from .network_tables import check_equations, check_leaves, check_train
from .quantities import abbreviated
from .settings_table import check_settings


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> CaseFile:
    """Read and check a case file (a path) or an already-parsed case (a mapping).

    For a mapping, claimed numbers may be `decimal.Decimal` to keep their shown
    digits (``Decimal("0.0850")``); floats show the digits of their shortest repr.
    Raises `CaseFileError` for anything invalid, TypeError for a `source` of another type.
    """
    if isinstance(source, Mapping):
        return _check(FieldChecker("<dict>", {}), source)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"load_case: expected a case-file path (a str or Path) or a parsed case (a dict), "
            f"got {type(source).__name__}"
        )
    file = os.fspath(source)
    data, places = parse_toml(file, read_text(file))
    return _check(FieldChecker(file, places), data)


def _check(fields: FieldChecker, data: Mapping[str, Any]) -> CaseFile:
    """Check a parsed case table by table, in the order a reader meets them."""
    for key in data:
        if key not in TABLES:
            fields.fail(
                (key,),
                f"[{abbreviated(str(key))}]",
                "unknown table or key",
                did_you_mean(key, TABLES) + f"the tables are {', '.join(TABLES)}",
            )
    title = fields.text(data, "title", default=Path(fields.file).stem)
    source = fields.text(data, "source", default=None)
    inputs = check_leaves(fields, data, "inputs")
    parameters = check_leaves(fields, data, "parameters")
    equations, depends_on = check_equations(fields, data)
    if len(fields.defined) > MAX_NAMES:
        fields.fail(
            (),
            "",
            f"{len(fields.defined)} names; the limit is {MAX_NAMES}",
            "split the document into several case files",
        )
    train = fields.table(data, "train")
    loss, learning_rate, batch_size = check_train(fields, train, equations)
    claims = check_claims(fields, data, depends_on, learning_rate)
    settings = check_settings(fields, data, claims)
    return CaseFile(
        fields.file,
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
