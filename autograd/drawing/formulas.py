"""Formula typesetting for the expressions view: a folded node's expression, with precedence.

A labelled node that consumes unlabelled operations shows them as one formula in the
names of the drawn nodes (``= w₁·x₁ + w₄·x₂ + b₁``), parenthesised only where operator
precedence needs it, and cut to "…" once long.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from .. import ops
from ..chain import format_number
from ..graph import Node, topological_order
from ..labels import escape_html, html_label

_FORMULA_CHARS = 60  # longer folded sub-expressions are shown as "…"


@dataclass(frozen=True)
class _Term:
    """A piece of a formula: HTML, its visible length, and its operator precedence."""

    html: str
    length: int
    precedence: int  # 1: + −, 2: · /, 3: led by a minus sign, 4: power, 5: atom or call


_ELLIPSIS = _Term("…", 1, 5)


def _formulas(root: Node, names: dict[int, str], digits: int) -> dict[int, str]:
    """For each drawn operation node, its folded expression in the `names` of drawn nodes.

    ``net_n3`` reads ``w₁·x₁ + w₄·x₂ + b₁``. Built operands first (topological
    order), so no recursion; shared sub-expressions are reused and long ones
    cut to "…".
    """
    terms: dict[int, _Term] = {}
    formulas: dict[int, str] = {}
    for node in topological_order(root):
        if node._op == "const":
            terms[id(node)] = _constant_term(node.data, digits)
            continue
        if node._parents:
            pairs = _dot_terms(node) if node._op == ops.DOT.op else None
            if pairs is not None:
                applied = _weighted_sum(pairs, terms, digits)
            else:
                applied = _apply(node._op, [terms[id(p)] for p in node._parents])
            if id(node) not in names:  # folded into the drawn node that uses it
                terms[id(node)] = applied if applied.length <= _FORMULA_CHARS else _ELLIPSIS
                continue
            formulas[id(node)] = f"= {applied.html}"
        terms[id(node)] = _Term(names[id(node)], _visible_length(names[id(node)]), 5)
    return formulas


def _dot_terms(node: Node) -> list[tuple[Node, Node | float | None]] | None:
    """A `dot_values` node's operands read back as (weight, input) pairs, the bias as
    (bias, None); None when they cannot be read.

    `dot_values` keeps its operands as (w_1..w_n, x_1..x_n[, b]) when all are Values, and
    as (w_1, x_1, w_2, ...) otherwise, a plain-number input leaving its weight alone with
    the number as local derivative. A pair is confirmed by the local derivatives (a
    weight's is its input's value, an input's its weight's), and the whole reading by
    recomputing the sum; once the numbers change after the forward pass it is not.
    """
    parents, local = node._parents, node._local
    n, bias = divmod(len(parents), 2)
    pairs: list[tuple[Node, Node | float | None]]
    if all(
        local[i] == parents[n + i].data and local[n + i] == parents[i].data for i in range(n)
    ) and (not bias or local[-1] == 1.0):
        pairs = [(parents[i], parents[n + i]) for i in range(n)]
        if bias:
            pairs.append((parents[-1], None))
    else:
        pairs, k = [], 0
        while k < len(parents):
            if k + 1 < len(parents) and (
                local[k] == parents[k + 1].data and local[k + 1] == parents[k].data
            ):
                pairs.append((parents[k], parents[k + 1]))
                k += 2
            else:  # a weight times a number, or (last, local derivative 1) the bias
                last_bias = k == len(parents) - 1 and local[k] == 1.0
                pairs.append((parents[k], None if last_bias else local[k]))
                k += 1
    total = math.fsum(
        w.data * (1.0 if x is None else x if isinstance(x, float) else x.data) for w, x in pairs
    )
    return pairs if math.isclose(total, node.data, rel_tol=1e-9, abs_tol=1e-12) else None


def _weighted_sum(
    pairs: list[tuple[Node, Node | float | None]], terms: dict[int, _Term], digits: int
) -> _Term:
    """``w₁·x₁ + w₂·x₂ + b`` from `_dot_terms` pairs and the terms of the operands."""
    products = []
    for weight, x in pairs:
        if x is None:
            products.append(terms[id(weight)])
            continue
        factor = _constant_term(x, digits) if isinstance(x, float) else terms[id(x)]
        products.append(_join([_wrap(terms[id(weight)], 2), "·", _wrap_right(factor, 2)], 2))
    return _join(_listed(products, " + ", 1), 1)


def _visible_length(markup: str) -> int:
    """How many characters HTML-like label `markup` shows (w₁₁⁽²⁾: 6, not 12 of w_{11}^{(2)})."""
    return len(html.unescape(re.sub(r"<[^>]*>", "", markup)))


def _constant_term(x: float, digits: int) -> _Term:
    text = format_number(x, digits)
    return _Term(escape_html(text), len(text), 3 if x < 0 else 5)


def _apply(op: str, args: list[_Term]) -> _Term:
    """The term for `op` applied to `args`, with parentheses where precedence needs them:
    the arithmetic operations infix, powers as superscripts, sums as a chain of +, and
    every other operation as a call (``ln(z)``, ``σ(z)``, ``dot(w, x)``)."""
    operation = ops.of_op(op)
    if operation in (ops.ADD, ops.SUB):
        a, b = args
        plus = operation is ops.ADD
        return _join([_wrap(a, 1), " + " if plus else " − ", _wrap_right(b, 1 if plus else 2)], 1)
    if operation in (ops.MUL, ops.DIV):
        a, b = args
        times = operation is ops.MUL
        # A product led by a minus sign reads as negated: a − (−2·b), not a − −2·b.
        precedence = 3 if a.precedence == 3 else 2
        return _join(
            [_wrap(a, 2), "·" if times else " / ", _wrap_right(b, 2 if times else 3)], precedence
        )
    if operation is ops.NEG:
        return _join(["−", _wrap(args[0], 4)], 3)
    if operation is ops.POW:
        base, exponent = args
        return _join([_wrap(base, 5), _Term(f"<SUP>{exponent.html}</SUP>", exponent.length, 5)], 4)
    if operation is ops.POW_NUMBER:
        exponent = html_label(f"^{{{op[2:]}}}")
        return _join([_wrap(args[0], 5), _Term(exponent, len(op) - 2, 5)], 4)
    if operation is ops.SUM:
        return args[0] if len(args) == 1 else _join(_listed(args, " + ", 1), 1)
    # A function of the language is written with its symbol (ln, σ), anything else by its op.
    name = operation.symbol if operation is not None and operation.function else op
    return _join([f"{escape_html(name)}(", *_listed(args, ", ", 0), ")"], 5)


def _wrap(term: _Term, precedence: int) -> _Term:
    if term.precedence >= precedence:
        return term
    return _Term(f"({term.html})", term.length + 2, 5)


def _wrap_right(term: _Term, precedence: int) -> _Term:
    """As `_wrap`, and a negated right operand gets parentheses too: a·(−b), not a·−b."""
    return _wrap(term, 4 if term.precedence == 3 else precedence)


def _listed(args: list[_Term], separator: str, precedence: int) -> list[_Term | str]:
    """`args` joined by `separator`, cut with "…" once the text is long."""
    parts: list[_Term | str] = []
    length = 0
    for i, arg in enumerate(args):
        if i:
            parts.append(separator)
        if length + arg.length > _FORMULA_CHARS and i:
            parts.append(_ELLIPSIS)
            break
        parts.append(_wrap(arg, precedence))
        length += arg.length + len(separator)
    return parts


def _join(parts: list[_Term | str], precedence: int) -> _Term:
    html_parts = [p.html if isinstance(p, _Term) else escape_html(p) for p in parts]
    length = sum(p.length if isinstance(p, _Term) else len(p) for p in parts)
    return _Term("".join(html_parts), length, precedence)
