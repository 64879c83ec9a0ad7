"""Node labels as the documents typeset them: ``w_{11}^{(2)}`` drawn as w₁₁⁽²⁾.

A label is plain text with TeX-style scripts: ``_`` or ``^`` followed either by
a braced group (``w_{11}^{(2)}``, ``h_0^{(1)}``) or by a short name that ends
the word: digits, optionally led by one or two letters (``x_1``, ``w_ij``,
``net_n3``). Anything else stays as written, so ``E_total`` and ``y_hat`` keep
their underscores. Scripts become Unicode sub/superscript characters when every
character has one, and ``<SUB>``/``<SUP>`` markup otherwise (``y_{pred}``):
both graphviz HTML-like labels and web pages understand that markup.

`nearest_names` ranks known names by how close they are to a misspelt one (``xl`` is
nearest ``x1``, ``w11`` near ``w_{11}^{(1)}``), for the "did you mean" of error messages
everywhere (`did_you_mean`; `nn.checks.unknown_name_hint` lists them too).
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Callable, Iterable

# A script marker and its text: a braced group, or a short name ending the word.
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]+)\}|([0-9]+|[A-Za-z]{1,2}[0-9]*)(?![A-Za-z0-9]))")

_SUBSCRIPTS = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUPERSCRIPTS = dict(
    zip("0123456789+-−=()abcdefghijklmnoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")
)
_SCRIPT_TABLES = {"_": (_SUBSCRIPTS, "SUB"), "^": (_SUPERSCRIPTS, "SUP")}


def html_label(text: str) -> str:
    """`text` as graphviz HTML-like label markup, its scripts rendered.

    ``html_label("w_{11}^{(2)}") == "w₁₁⁽²⁾"``; ``html_label("y_{pred}") ==
    "y<SUB>pred</SUB>"``; every other character is escaped, so any string is safe.
    """
    return _rendered(text, escape_html, lambda marker, tag, script: f"<{tag}>{script}</{tag}>")


def plain_label(text: str) -> str:
    """`text` as plain Unicode, its scripts rendered where Unicode has the characters.

    ``plain_label("∂(a/b)/∂b = −a/b^{2}") == "∂(a/b)/∂b = −a/b²"``; a script without
    Unicode characters keeps its marker, in parentheses: ``y_{pred}`` -> ``y_(pred)``.
    """
    return _rendered(text, str, lambda marker, tag, script: f"{marker}({script})")


def _rendered(
    text: str, escape: Callable[[str], str], fallback: Callable[[str, str, str], str]
) -> str:
    """`text` with each script in Unicode script characters, or `fallback(marker, tag,
    script)` where one is missing; the rest passed through `escape`."""
    out = []
    end = 0
    for match in _SCRIPT.finditer(text):
        out.append(escape(text[end : match.start()]))
        marker, script = match.group(1), match.group(2) or match.group(3)
        table, tag = _SCRIPT_TABLES[marker]
        if all(ch in table for ch in script):
            out.append("".join(table[ch] for ch in script))
        else:
            out.append(fallback(marker, tag, escape(script)))
        end = match.end()
    out.append(escape(text[end:]))
    return "".join(out)


def escape_html(text: str) -> str:
    """`text` with ``& < > " '`` escaped and characters XML forbids shown as escapes (``\\n``)."""
    return html.escape("".join(map(_visible, text)), quote=True)


def _visible(ch: str) -> str:
    # Control characters, lone surrogates and U+FFFE/U+FFFF are not allowed in
    # XML (graphviz parses HTML-like labels as XML) nor always encodable: show
    # them the way Python writes them in a string literal.
    if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
        return ch.encode("unicode_escape").decode("ascii")
    return ch


CLOSE_ENOUGH = 0.6
"""How close (difflib's ratio) the nearest name must be to be offered as "did you mean"."""
_LOOK_ALIKE = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0"})
_NOTATION = str.maketrans("", "", "_{}()^ -")


def nearest_names(name: str, known: Iterable[str]) -> list[tuple[str, float]]:
    """`known` with how close each is to `name` (difflib's ratio, 0 to 1), nearest first.

    Letters that look like digits count as those digits (``xl`` is nearest ``x1``), and
    case and notation marks (``_{}()^``, hyphens) are ignored, so that ``w11`` is near
    ``w_{11}^{(1)}``. Equally close names are ordered by whether they contain `name`, then
    by how long a start they share with it, then as given.
    """
    key = _compared(name)

    def closeness(candidate: str) -> tuple[float, bool, int]:
        other = _compared(candidate)
        ratio = max(
            difflib.SequenceMatcher(None, name, candidate).ratio(),
            difflib.SequenceMatcher(None, key, other).ratio(),
        )
        shared = next(
            (i for i, (a, b) in enumerate(zip(key, other)) if a != b), min(len(key), len(other))
        )
        return ratio, key in other, shared

    scored = [(candidate, closeness(candidate)) for candidate in dict.fromkeys(known)]
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return [(candidate, score[0]) for candidate, score in scored]


def _compared(text: str) -> str:
    """`text` as names are compared: lower case, look-alike letters as digits, no marks."""
    return text.translate(_LOOK_ALIKE).lower().translate(_NOTATION)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``did you mean 'x1'? `` when the nearest of `known` to `name` is close (a ratio of at
    least `CLOSE_ENOUGH`), else ''."""
    ranked = nearest_names(name, known)
    if not ranked or ranked[0][1] < CLOSE_ENOUGH:
        return ""
    return f"did you mean {ranked[0][0]!r}? "
