"""Tables of results as text and as HTML: the one shape `gradcheck`'s, `compare`'s and
`verify`'s results print in, in a terminal (``str()``) and in a notebook (``_repr_html_``).

A table is a list of rows of strings, the first row its header. The HTML escapes every
cell, so a label or a claim key with ``<`` or ``&`` shows as written.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

Row = Sequence[str]


def text_table(rows: Sequence[Row]) -> str:
    """`rows` as aligned columns two spaces apart, the first row the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    )


def html_table(rows: Sequence[Row], row_classes: Sequence[str] | None = None) -> str:
    """`rows` as an HTML ``<table>``, the first row the header, every cell escaped;
    `row_classes` gives each body row a class (``"wrong"``) for styling."""
    e = html.escape
    head = "".join(f"<th>{e(cell)}</th>" for cell in rows[0])
    body = []
    for i, row in enumerate(rows[1:]):
        css = f' class="{e(row_classes[i])}"' if row_classes else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"
