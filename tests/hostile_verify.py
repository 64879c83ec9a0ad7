"""More rows of the hostile-input table (see tests/hostile_inputs.py): case files that reach
past the TOML parser's limits, the number formats and the bounds on verifying (issue 17).
Each refusal names the file, the line and the column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hostile_inputs import CASE_FILE, Row, cli

HEAD = '[inputs]\nx = 2.0\n[parameters]\nw = 0.5\n[equations]\na = "w*x"\n'
"""A small valid case file: a = w x (lines 1-6)."""


def _case(text: str) -> Callable[[Path], None]:
    """Write `text` as ``case.toml`` in the row's folder."""

    def setup(folder: Path) -> None:
        (folder / "case.toml").write_text(text, encoding="utf-8")

    return setup


def case_row(id: str, tried: str, text: str, fragments: tuple[str, ...]) -> Row:
    """``chaingrad verify case.toml`` on `text`: exit 2 with `fragments` on one line."""
    return cli(id, tried, ["verify", "{tmp}/case.toml"], fragments, setup=_case(text),
               where=CASE_FILE)  # fmt: skip


# fmt: off
ROWS: list[Row] = [
    # ------------------------------------------------------------------ before the TOML parser
    case_row("verify-nested-arrays", "an array nested 500 deep (RecursionError in tomllib)",
             "x = " + "[" * 500 + "1" + "]" * 500 + "\n",
             ("case.toml:1:13: arrays or inline tables nested more than 8 deep",
              "an array has at most 4 dimensions")),
    case_row("verify-nested-inline-tables", "inline tables nested 500 deep (RecursionError)",
             "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n",
             ("case.toml:1:45: arrays or inline tables nested more than 8 deep",
              "write tables as [sections]")),
    case_row("verify-4400-digit-integer", "an input of 4,400 digits (ValueError in tomllib)",
             "[inputs]\nx = " + "9" * 4400 + "\n[equations]\na = 'x'\n",
             ("case.toml:2:5: a value of 4400 characters outside quotes", "the limit is 100")),
    case_row("verify-20000-part-key", "a key of 20,000 dotted parts (13 s, 2.4 GB in tomllib)",
             "a" + ".a" * 20000 + " = 1\n",
             ("case.toml:1:13: a key of more than 6 dotted parts",
              "write the table as a [section]")),
    case_row("verify-quoted-dotted-key", "20,000 quoted parts with spaces around the dots",
             '"a"' + ' . "a"' * 20000 + " = 1\n",
             ("case.toml:1:37: a key of more than 6 dotted parts",)),
    case_row("verify-long-header", "a table header of 30,000 parts", "[" + "a." * 30000 + "a]\n",
             ("case.toml:1:14: a key of more than 6 dotted parts",)),
    case_row("verify-long-key", "a claim key of 5,000 characters",
             HEAD + '[claims]\n"' + "d" * 5000 + '" = 1\n',
             ("case.toml:8:1: a key longer than 200 characters", "a shorter name")),
    # ------------------------------------------------------------------ numbers
    case_row("verify-exponent-400", "a claim 0e400 (its unit was inf: ok against anything)",
             HEAD + "[claims]\na = 0e400\n",
             ("case.toml:8:1: claim 'a': 0E+400 shows its last digit at 10**400",
              "beyond 10**±300", "an exponent of everyday size")),
    case_row("verify-exponent-minus-400", "an input 1e-400 (read as 0)",
             HEAD.replace("x = 2.0", "x = 1e-400"),
             ("case.toml:2:1: [inputs] x: 1E-400 shows its last digit at 10**-400",)),
    case_row("verify-inline-table-error", "a string claim inside an inline table",
             'claims = { a = "1.0" }\n' + HEAD,
             ("case.toml:1:12: claim 'a': must be a number, got the string '1.0'",)),
    case_row("verify-expression-column", "an equation with a syntax error mid-text",
             HEAD + 'b = "w * (x +"\n',
             ("case.toml:7:10: equation 'b': syntax error", "'(' was never closed")),
]
