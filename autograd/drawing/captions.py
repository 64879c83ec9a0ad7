"""What goes under a picture: the chain-rule table of the paths to `wrt`, and the legend.

The caption lists each path from the root to `wrt` with its factors and product, then
their sum and the grad backward() gave; the legend shows a swatch per kind of node
drawn, then the view's notes. `_add_footer` puts them under the picture.
"""

from __future__ import annotations

import math

import graphviz

from ..chain import ChainRule, format_number
from ..graph import Node
from ..labels import escape_html
from .node_text import _title_of

_CAPTION_ROWS = 12  # paths listed in the caption; the sum always covers all of them


def _caption(rule: ChainRule, titles: dict[int, str], digits: int) -> str:
    """A table: one row per path (route, factors, product), then the sum and the engine's grad."""
    root, wrt = titles[id(rule.root)], titles[id(rule.wrt)]
    n = len(rule.paths)
    head = f"∂{root}/∂{wrt}: {n} path{'s' if n != 1 else ''} from {root} to {wrt}"
    rows = [
        f'<TR><TD COLSPAN="4" ALIGN="LEFT"><B>{head}</B></TD></TR>',
        "<TR><TD>#</TD><TD>through</TD><TD>factors (local derivatives)</TD><TD>product</TD></TR>",
    ]
    for i, path in enumerate(rule.paths[:_CAPTION_ROWS], 1):
        route = [rule.root] + [f.parent for f in path.factors]
        through = " → ".join(_route_name(node, rule.root, titles) for node in route)
        factors = " · ".join(escape_html(format_number(f.value, digits)) for f in path.factors)
        rows.append(
            f'<TR><TD>{i}</TD><TD ALIGN="LEFT">{through}</TD><TD ALIGN="LEFT">{factors or "1"}'
            f"</TD><TD>{escape_html(format_number(path.product, digits))}</TD></TR>"
        )
    if n > _CAPTION_ROWS:
        rows.append(
            f'<TR><TD COLSPAN="4" ALIGN="LEFT">… and {n - _CAPTION_ROWS} more paths '
            "(all in the sum)</TD></TR>"
        )
    total = escape_html(format_number(rule.total, digits))
    rows.append(f'<TR><TD COLSPAN="3" ALIGN="RIGHT"><B>sum</B></TD><TD><B>{total}</B></TD></TR>')
    grad = rule.wrt.grad
    if math.isclose(rule.total, grad, rel_tol=1e-9, abs_tol=1e-12):
        check = (
            f"{wrt}.grad from backward() is the same: {escape_html(format_number(grad, digits))}"
        )
    else:
        check = (
            f"{wrt}.grad is {escape_html(format_number(grad, digits))}, not the sum: call "
            f"backward() on {root} once (zeroing leaf gradients first) before drawing"
        )
    rows.append(f'<TR><TD COLSPAN="4" ALIGN="RIGHT">{check}</TD></TR>')
    return (
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">{"".join(rows)}</TABLE>'
    )


def _route_name(node: Node, root: Node, titles: dict[int, str]) -> str:
    """A node's name in a caption route; operations named by their symbol get brackets: [×]."""
    if node.label is None and node._parents and node is not root:
        return f"[{titles[id(node)]}]"
    return titles[id(node)]


def _route_titles(rule: ChainRule) -> dict[int, str]:
    """Names for every node on `rule`'s paths, for its caption."""
    nodes = [rule.root, rule.wrt]
    nodes += [f.parent for path in rule.paths for f in path.factors]
    return {id(node): _title_of(node) for node in nodes}


def _legend(
    swatches: list[tuple[dict[str, str], str]], notes: str, *, stacked: bool = False
) -> str:
    """Swatches (node style, name) for the node kinds present, then `notes` (HTML): beside
    them, or under them if `stacked` (a narrower legend, for long notes)."""
    cells = "".join(
        f'{_swatch(style)}<TD ALIGN="LEFT">{escape_html(name)}</TD>' for style, name in swatches
    )
    if stacked:
        row = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="5" CELLPADDING="0">'
            f"<TR>{cells}</TR></TABLE>"
        )
        return (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            f'<TR><TD ALIGN="LEFT">{row}</TD></TR>'
            f'<TR><TD ALIGN="LEFT">{notes}<BR ALIGN="LEFT"/></TD></TR></TABLE>'
        )
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="5" CELLPADDING="0"><TR>'
        f'{cells}<TD WIDTH="10"></TD><TD ALIGN="LEFT">{notes}<BR ALIGN="LEFT"/></TD>'
        "</TR></TABLE>"
    )


def _swatch(style: dict[str, str]) -> str:
    """A small fixed-size cell drawn like nodes of `style`: fill, border, corners."""
    cell = '<TD FIXEDSIZE="TRUE" WIDTH="26" HEIGHT="16"'
    if style.get("shape") == "plaintext":  # constants are bare numbers
        return f'{cell}><FONT COLOR="{style["fontcolor"]}">0.5</FONT></TD>'
    flags = style["style"].split(",")
    attrs = ' BORDER="2"' if "bold" in flags else ' BORDER="1"'
    lines = [flag for flag in ("rounded", "dashed") if flag in flags]
    attrs += f' STYLE="{",".join(lines)}"' if lines else ""
    attrs += f' BGCOLOR="{style["fillcolor"]}"' if "fillcolor" in style else ""
    return f'{cell}><TABLE{attrs} CELLBORDER="0"><TR><TD></TD></TR></TABLE></TD>'


def _add_footer(graph: graphviz.Digraph, parts: list[str]) -> None:
    """Put `parts` (HTML tables) under the picture, one per row, left-aligned."""
    if parts:
        rows = "".join(f'<TR><TD ALIGN="LEFT">{part}</TD></TR>' for part in parts)
        graph.attr(
            label=f'<<TABLE BORDER="0" CELLSPACING="6">{rows}</TABLE>>',
            labelloc="b",
            labeljust="l",
        )
