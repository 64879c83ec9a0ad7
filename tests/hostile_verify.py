"""More rows of the hostile-input table (see tests/hostile_inputs.py): case files that reach
past the TOML parser's limits, the number formats and the bounds on verifying (issue 17).
Each refusal names the file, the line and the column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chaingrad.autograd.value import Value
from chaingrad.autograd.verification import compare
from hostile_inputs import CASE_FILE, Row, cli, python

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


_VECTOR = ", ".join(["1.5"] * 100)
_BROADCAST = f"""[inputs]
a = [[[[{_VECTOR}]]]]
b = [[[{", ".join(["[1.5]"] * 100)}]]]
[equations]
c = "a * b"
d = "c * c.T"
E = "sum(d)"
"""
"""1 KB that broadcast to 10**8 entries (1.7 GB, then a numpy MemoryError traceback)."""

_CHAIN = (
    '[parameters]\nw = 0.9\n[equations]\ne0 = "w"\n'
    + "".join(f'e{i} = "sigmoid(e{i - 1}) * w"\n' for i in range(1, 300))
    + "[formulas]\n"
    + "".join(f'"de{i}/dw" = "e{i}"\n' for i in range(300))
    + "[verify]\nwork_limit = 100000\n"
)
"""300 chained equations with 300 formulas (1,000 of each ran for minutes), and a budget
small enough for a quick test."""

_TRAP = (
    '[parameters]\nw = 0.5000001\n[equations]\na = "log(w - 0.5)"\ne0 = "a * w"\n'
    + "".join(f'e{i} = "a * w + e{i - 1}"\n' for i in range(1, 900))
    + '[formulas]\n"da/dw" = "1/(w - 0.5)"\n[verify]\npoints = 200\nwork_limit = 200000\n'
)
"""200 random points on an equation most moved points cannot evaluate (log of a negative)."""


def _compare_many_names(_: Path) -> None:
    at = {f"x{i}": 1.0 for i in range(2000)}
    compare({"x0": 1.0}, lambda x0: x0 * Value(2.0), at)


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
    case_row("verify-partial-twice", "one derivative claimed as dE/dw and as ∂E/∂w",
             HEAD + '[claims]\n"da/dw" = 2\n"∂a/∂w" = 2\n',
             ("case.toml:9:1: claim '∂a/∂w': is the same claim as 'da/dw' (line 8)",
              "tell them apart with a note")),
    case_row("verify-index-out-of-range", "an array indexed past its end",
             HEAD.replace("x = 2.0", "x = [2.0, 1.0]") + 'b = "x[2] * w"\n',
             ("case.toml:7:8: equation 'b'", "index 2 is out of range for axis 0 of x (shape (2,))",
              "it runs from -2 to 1")),
    case_row("verify-index-a-number", "a number indexed like an array",
             HEAD + 'b = "w[0]"\n', ("case.toml:7:8: equation 'b'",
                                     "w is a single number and cannot be indexed")),
    case_row("verify-slice", "a slice in an expression", HEAD + 'b = "w[0:1]"\n',
             ("case.toml:7:8: equation 'b': a slice is not allowed",
              "index with whole numbers")),
    case_row("verify-derivative-of-an-array", "a derivative claimed of an array node",
             HEAD.replace("x = 2.0", "x = [2.0, 1.0]") + '[claims]\n"da/dw" = 1\n',
             ("case.toml:8:1: claim 'da/dw': cannot be judged: da/d...: a has 2 entries",
              "claim a quantity with one entry")),
    # ------------------------------------------------------------------ bounded work
    case_row("verify-broadcast-gigabytes", "two 100-entry arrays broadcast to 10**8 entries",
             _BROADCAST,
             ("case.toml:6:6: equation 'd'", "the result would have 100000000 entries",
              "(1, 1, 100, 100) and (100, 100, 1, 1)", "the limit is 10000 entries per array")),
    case_row("verify-chain-of-formulas", "300 chained equations, each with a formula",
             _CHAIN, ("needs more than 100,000 units of work, the limit",
                      "raise [verify] work_limit (up to 100,000,000)")),
    case_row("verify-trap-points", "200 random points where most cannot be evaluated",
             _TRAP, ("needs more than 200,000 units of work", "or random points per file")),
    case_row("verify-work-limit-too-high", "[verify] work_limit = 10**12",
             HEAD + "[verify]\nwork_limit = 1000000000000\n",
             ("case.toml:8:1: [verify] work_limit: must be a whole number from 1000 to 1e+08",)),
    python("verify-compare-0e400", "compare({'w': '0e400'}, f, at) (ok against anything)",
           ValueError, ("compare: hand value for 'w' (0e400) shows its last digit at 10**400",
                        "beyond 10**±300"),
           lambda _: compare({"w": "0e400"}, lambda w: w * Value(2.0), {"w": 1.0})),
    python("verify-compare-2000-names", "compare(hand, f(x0), at with 2,000 names)", TypeError,
           ("arguments named in at (x0, x1, x2, x3, x4, x5 and 1994 more)",),
           _compare_many_names),
    case_row("verify-expression-column", "an equation with a syntax error mid-text",
             HEAD + 'b = "w * (x +"\n',
             ("case.toml:7:10: equation 'b': syntax error", "'(' was never closed")),
]
