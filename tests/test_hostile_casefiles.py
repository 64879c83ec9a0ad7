"""Hostile case files: crafted attacks and generated junk. Nothing executes, nothing hangs,
and every failure is exit status 2 with a one-line message naming the file."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from casefiles import write_case
from chaingrad.autograd.verification import CaseFileError, verify
from chaingrad.nn.app.cli import main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

HEAD = """\
[inputs]
x = 2.0
[parameters]
w = 0.5
[equations]
a = "w*x"
"""


def exit_status(path: Path, capsys) -> tuple[int, str]:
    """Run `chaingrad verify PATH --json` and return (exit status, stderr)."""
    status = main(["verify", str(path), "--json"])
    captured = capsys.readouterr()
    if status == 2:
        assert captured.out == ""
        assert captured.err.startswith(f"chaingrad verify: error: {path}")
        assert captured.err.count("\n") == 1, captured.err
        assert "Traceback" not in captured.err
    else:
        json.loads(captured.out)  # a result, in the documented form
    return status, captured.err


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON string escapes are TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


SENTINEL = "chaingrad_hostile_sentinel"

ATTACKS = [
    f"__import__('os').system('touch {SENTINEL}')",
    f"(lambda: __import__('os').system('touch {SENTINEL}'))()",
    "().__class__.__base__.__subclasses__()",
    "x.__class__",
    "w.data",
    "getattr(x, 'T')",
    "eval('1')",
    "exec('1')",
    f"open('{SENTINEL}', 'w')",
    "print(x)",
    "9**9**9",
    "10**10**10",
    "x**9**9",
    "x ** (10**10)",
    "x ** 1e300",
    "exp(exp(exp(x)))",
    "x*1e300*1e300",
    "(" * 1000 + "x" + ")" * 1000,
    "(" * 101 + "x" + ")" * 101,
    "-" * 3000 + "x",
    "x" + "+x" * 1500,
    "x" * 5000,
    "1" * 5000,
    "0x" + "f" * 400,
    "1e999",
    "'a' * 10**9",
    "f'{x}'",
    "b'x'",
    "x if x else w",
    "{x: w}",
    "{x}",
    "[x]",
    "(x, w)",
    "x[0]",
    "x[::-1]",
    "(y := x)",
    "*x",
    "await x",
    "(yield x)",
    "[c for c in x]",
    "ｘ + w",
    "𝐱 + w",
    "x\u2028+ w",
    "x; w",
    "x # comment",
    "\\\nx",
    "...",
    "None",
    "True + x",
    "x < w",
    "not x",
    "x // w",
    "x @ w",
    "x.T",
    "sum(x)",
    "log(-x)",
    "x / (w - w)",
    "sqrt(w - w)",
    "max()",
    "exp(x, w)",
    "sigmoid",
    "q",
]


PLACES = {
    "equation": ("b = {}\n", "equation 'b'"),
    "formula": ('[formulas]\n"da/dw" = {}\n', "formula 'da/dw'"),
}
"""Where an attack is written in the file (a template for its TOML string), and how the
error message names that place."""


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("attack", ATTACKS, ids=range(len(ATTACKS)))
def test_crafted_expressions_fail_cleanly_and_run_nothing(
    tmp_path, capsys, monkeypatch, attack, place
):
    monkeypatch.chdir(tmp_path)
    template, named = PLACES[place]
    path = write_case(tmp_path, HEAD + template.format(toml_string(attack)), "attack.toml")
    status, err = exit_status(path, capsys)
    assert status == 2
    assert named in err
    assert not (tmp_path / SENTINEL).exists()


FILES = {
    "unicode name": "[inputs]\n\"ｘ\" = 1\n[equations]\na = '1'\n",
    "name with a space": '[inputs]\n"x y" = 1\n[equations]\na = "1"\n',
    "dunder function name": "[inputs]\nexp = 1\n[equations]\na = 'exp'\n",
    "keyword name": "[inputs]\nimport = 1\n[equations]\na = 'import'\n",
    "empty name": '[inputs]\n"" = 1\n[equations]\na = "1"\n',
    "control character in a key": '[inputs]\n"x\\u0000" = 1\n[equations]\na = "1"\n',
    "duplicate in one table": "[inputs]\nx = 1\nx = 2\n[equations]\na = 'x'\n",
    "duplicate across tables": HEAD.replace("w = 0.5", "x = 0.5"),
    "equation named like an input": HEAD + 'x = "w"\n',
    "cycle": HEAD + 'b = "c"\nc = "b"\n',
    "forward reference": HEAD + 'b = "c + 1"\nc = "x"\n',
    "self reference": HEAD + 'b = "b + 1"\n',
    "undefined name": HEAD + 'b = "nothing"\n',
    "string value": HEAD.replace("x = 2.0", 'x = "2.0"'),
    "boolean value": HEAD.replace("x = 2.0", "x = true"),
    "date value": HEAD.replace("x = 2.0", "x = 1979-05-27"),
    "nan": HEAD.replace("x = 2.0", "x = nan"),
    "inf": HEAD.replace("x = 2.0", "x = inf"),
    "huge number": HEAD.replace("x = 2.0", "x = 1e308"),
    "array": HEAD.replace("x = 2.0", "x = [1, [2, 3]]"),
    "nested table": HEAD.replace("x = 2.0", "x = { y = { z = 1 } }"),
    "array of tables": HEAD + "[[claims]]\na = 1\n",
    "claim of nothing": HEAD + "[claims]\nq = 1\n",
    "derivative of an independent node": HEAD + '[claims]\n"dx/dw" = 1\n',
    "derivative wrt nothing": HEAD + '[claims]\n"da/dq" = 1\n',
    "claim value a string": HEAD + '[claims]\na = "1.0"\n',
    "claim value a ragged array": HEAD + "[claims]\na = [[1.0], 2]\n",
    "derivative of an array": HEAD.replace("x = 2.0", "x = [2.0, 1.0]") + '[claims]\n"da/dw" = 1\n',
    "huge array": HEAD.replace("x = 2.0", "x = [" + "1," * 10_001 + "1]"),
    "claims not a table": HEAD.replace("[inputs]", 'claims = "all"\n[inputs]'),
    "updated without learning rate": HEAD + "[claims.updated]\nw = 0.4\n",
    "updated an input": HEAD + "[claims.updated]\nx = 0.4\n[train]\nlearning_rate = 1\n",
    "formula not a derivative": HEAD + '[formulas]\na = "1"\n',
    "formula is a number": HEAD + '[formulas]\n"da/dw" = 2\n',
    "unknown table": HEAD + "[exec]\ncode = 'rm -rf /'\n",
    "points too many": HEAD + "[verify]\npoints = 1000000000\n",
    "negative perturbation": HEAD + "[verify]\nperturbation = -1\n",
    "loss not an equation": HEAD + '[train]\nloss = "x"\n',
    "loss not a string": HEAD + "[train]\nloss = 3\n",
    "learning rate string": HEAD + '[train]\nlearning_rate = "0.1"\n',
    "overflowing gradient": HEAD.replace('a = "w*x"', 'a = "w*x*1e200*1e200"'),
    "overflowing update": HEAD + "[claims.updated]\nw = 0\n[train]\nlearning_rate = 1e300\n",
    "no equations": "[inputs]\nx = 1\n",
    "empty file": "",
    "only a comment": "# nothing here\n",
    "TOML syntax": "[inputs\nx = 1\n",
    "unterminated string": HEAD + 'b = "x + \n',
    "too many claims": HEAD + "[claims]\n" + "".join(f'"a ({i})" = 1\n' for i in range(2001)),
}


@pytest.mark.parametrize("content", FILES.values(), ids=FILES.keys())
def test_crafted_files_fail_cleanly(tmp_path, capsys, content):
    status, _ = exit_status(write_case(tmp_path, content), capsys)
    assert status == 2


def test_binary_huge_and_missing_files(tmp_path, capsys):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    assert exit_status(binary, capsys)[0] == 2
    huge = tmp_path / "huge.toml"
    huge.write_text(HEAD + "# " + "x" * 300_000 + "\n")
    assert exit_status(huge, capsys)[0] == 2
    assert exit_status(tmp_path / "missing.toml", capsys)[0] == 2
    assert exit_status(tmp_path, capsys)[0] == 2  # a directory


# --------------------------------------------------------------------------- generated
TOKENS = [
    "x", "w", "a", "q", "1", "0", "2.5", "1e308", "9", "+", "-", "*", "/", "**", "@", "(", ")",
    ",", ".", ".T", "sigmoid(", "relu(", "exp(", "log(", "sqrt(", "abs(", "max(", "min(",
    "sum(", "lambda", ":", "[", "]", "'", '"', "__import__", "os", "=", "<", "if", "else", " ",
    "ｘ", "\\", "#", "{", "}", ";", "!",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_generated_expressions_never_escape(tmp_path, expression):
    path = tmp_path / "gen.toml"
    path.write_text(HEAD + f"b = {toml_string(expression)}\n", encoding="utf-8")
    try:
        result = verify(path)
    except CaseFileError as error:
        assert "\n" not in str(error) and str(path) in str(error)
        return
    assert result.exit_code in (0, 1)


KEYS = st.text(string.ascii_letters + string.digits + "_/ ().-", min_size=1, max_size=12)
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.text(max_size=20),
    st.lists(st.floats(-10, 10), max_size=3),
)
TABLE = st.dictionaries(KEYS, VALUES, max_size=5)
TABLE_NAMES = st.sampled_from(
    ["inputs", "parameters", "equations", "claims", "claims.updated", "formulas", "train",
     "verify", "other"]
)  # fmt: skip


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


@SETTINGS
@given(st.dictionaries(TABLE_NAMES, TABLE, max_size=6))
def test_generated_files_are_judged_or_refused_with_exit_2(tmp_path, tables):
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    path = tmp_path / "gen.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        result = verify(path)
    except CaseFileError as error:
        assert "\n" not in str(error) and str(path) in str(error)
        return
    json.dumps(result.to_json(), allow_nan=False)


@SETTINGS
@given(st.binary(max_size=200))
def test_generated_bytes(tmp_path, content):
    path = tmp_path / "gen.toml"
    path.write_bytes(content)
    try:
        verify(path)
    except CaseFileError as error:
        assert str(path) in str(error)
