"""Tests for reading and checking case files: the format, shown digits, line numbers, and a
clear `CaseFileError` for every kind of invalid file."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from casefiles import ONE_NEURON, write_case
from chaingrad.autograd.verification import CaseFileError, Settings
from chaingrad.autograd.verification import load_case as load
from chaingrad.autograd.verification.casefile import MAX_FILE_BYTES, MAX_OPERATIONS
from chaingrad.autograd.verification.casetext import shown_decimals
from chaingrad.autograd.verification.textscan import scan
from hypothesis import given, settings
from hypothesis import strategies as st

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib


def error_of(tmp_path: Path, text: str) -> CaseFileError:
    with pytest.raises(CaseFileError) as info:
        load(write_case(tmp_path, text))
    return info.value


# --------------------------------------------------------------------------- reading
def test_a_complete_file(tmp_path):
    case = load(
        write_case(
            tmp_path,
            ONE_NEURON
            + """
[train]
learning_rate = 0.5

[claims]
net = 0.30
"dE/dw" = 0.0850   # shown to four decimals
"dE/dw (again)" = 0.085

[claims.updated]
w = 0.79

[formulas]
"dE/dw" = "(o - y) * o * (1 - o) * x"

[verify]
points = 5
decimals = { "net" = 3 }
""",
        )
    )
    assert case.title == "tiny" and case.source == "somewhere.txt"
    assert case.inputs == {"x": 0.5, "y": 0.01} and case.parameters == {"w": 0.8, "b": -0.1}
    assert [e.name for e in case.equations] == ["net", "o", "E"]
    assert case.loss == "E" and case.learning_rate == 0.5 and case.batch_size is None
    kinds = [(c.key, c.kind, c.node, c.wrt, c.decimals) for c in case.claims]
    assert kinds == [
        ("net", "value", "net", None, 2),
        ("dE/dw", "derivative", "E", "w", 4),
        ("dE/dw (again)", "derivative", "E", "w", 3),
        ("w", "updated", "w", None, 2),
        ("dE/dw", "formula", "E", "w", None),
    ]
    assert case.claims[1].number == 0.085  # TOML's value; the digits came from the text
    assert [c.line for c in case.claims] == [21, 22, 23, 26, 29]
    assert case.equations[1].line == 14
    assert case.settings == Settings(points=5, decimals={"net": 3})
    assert case.depends_on["E"] >= {"o", "net", "w", "x", "b", "y"}
    assert case.names() == ["x", "y", "w", "b", "net", "o", "E"]


@pytest.mark.parametrize(
    ("literal", "decimals"),
    [
        ("0.0850", 4),
        ("0.085", 3),
        ("1", 0),
        ("-0.079", 3),
        ("+1.50", 2),
        ("2.5e-3", 4),
        ("2.50E-3", 5),
        ("1e3", -3),
        ("1.5e+2", -1),
        ("1_000.25", 2),
        ("0x1F", 0),
        ("0.699975", 6),
    ],
)
def test_shown_decimals(literal, decimals):
    assert shown_decimals(literal) == decimals


def test_digits_come_from_the_text_wherever_the_key_is_written(tmp_path):
    text = ONE_NEURON.replace('title = "tiny"', 'title = "tiny"\nclaims.net = 0.300')
    text += '\n[claims.updated]\n"w" = 0.790\n[train]\nlearning_rate = 1\n'
    case = load(write_case(tmp_path, text))
    assert [(c.key, c.decimals, c.line) for c in case.claims] == [("net", 3, 2), ("w", 3, 19)]


def test_an_inline_table_keeps_its_digits_and_its_place(tmp_path):
    text = ONE_NEURON.replace('title = "tiny"', 'title = "tiny"\nclaims = { net = 0.300 }')
    (claim,) = load(write_case(tmp_path, text)).claims
    assert claim.decimals == 3 and (claim.line, claim.place.column) == (2, 12)


def test_arrays_and_the_digits_of_each_entry(tmp_path):
    text = ONE_NEURON.replace("w = 0.8", "w = [[0.8, 0.1],\n     [0.2, 0.3]]  # a matrix").replace(
        'net = "w*x + b"', 'net = "sum(w * x) + b"'
    )
    text += """
[claims]
net = 1.05
"dE/dw" = [[0.010, -0.0200],   # first row
           [1.5e-2, 0]]
"""
    case = load(write_case(tmp_path, text))
    assert case.parameters["w"].shape == (2, 2)
    assert case.parameters["w"].tolist() == [[0.8, 0.1], [0.2, 0.3]]
    value, derivative = case.claims
    assert derivative.number.tolist() == [[0.01, -0.02], [0.015, 0.0]]
    assert derivative.decimals.tolist() == [[3, 4], [3, 0]]
    assert derivative.line == 20 and value.decimals == 2


def test_array_limits(tmp_path):
    text = ONE_NEURON.replace("x = 0.5", "x = [" + ", ".join(["1"] * 10_001) + "]")
    assert "more than 10000 entries" in str(error_of(tmp_path, text))


def test_a_mapping_with_decimal_keeps_its_digits():
    case = load(
        {
            "inputs": {"x": 1},
            "parameters": {"w": Decimal("2.0")},
            "equations": {"a": "w*x"},
            "claims": {"da/dw": Decimal("1.000"), "a": 2.0},
        }
    )
    assert [(c.key, c.decimals) for c in case.claims] == [("da/dw", 3), ("a", 1)]
    assert case.file == "<dict>" and case.title == "<dict>"


def test_the_loss_defaults_to_the_last_equation_and_can_be_named(tmp_path):
    assert load(write_case(tmp_path, ONE_NEURON)).loss == "E"
    text = ONE_NEURON + 'extra = "E * 2"\n[train]\nloss = "E"\nbatch_size = 4\n'
    case = load(write_case(tmp_path, text))
    assert case.loss == "E" and case.batch_size == 4


def test_a_name_can_repeat_in_claims_and_formulas_with_a_note(tmp_path):
    text = ONE_NEURON + '[formulas]\n"dE/dw" = "1"\n"dE/dw (second form)" = "2"\n'
    case = load(write_case(tmp_path, text))
    assert [c.key for c in case.claims] == ["dE/dw", "dE/dw (second form)"]


# --------------------------------------------------------------------------- invalid
@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("[inputs]", "[input]"), 4, "unknown table"),
        (("x = 0.5", 'x = "0.5"'), 5, "must be a number, got the string"),
        (("x = 0.5", "x = true"), 5, "must be a number, got bool"),
        (("x = 0.5", "x = nan"), 5, "finite"),
        (("x = 0.5", "x = -inf"), 5, "finite"),
        (("x = 0.5", "x = [[0.5], [0.1, 0.2]]"), 5, "must be rectangular"),
        (("x = 0.5", "x = []"), 5, "non-empty"),
        (("x = 0.5", "x = [[[[[1]]]]]"), 5, "at most 4-dimensional"),
        (("x = 0.5", 'x = ["1", 2]'), 5, "must be a number, got the string"),
        (("x = 0.5", "x = [1, nan]"), 5, "finite"),
        (("x = 0.5", "x = {a = 1}"), 5, "must be a number, got a table"),
        (("w = 0.8", "x = 0.8"), 9, "already defined in [inputs]"),
        (("w = 0.8", "w = 0.8\nw = 0.9"), 10, "defined twice (lines 9 and 10)"),
        (('net = "w*x + b"', 'net = "w*x + b + o"'), 13, "'o' is defined below it"),
        (('net = "w*x + b"', 'net = "w*x + net"'), 13, "uses its own name"),
        (('net = "w*x + b"', 'net = "w*x + q"'), 13, "name 'q' is not defined above"),
        (('net = "w*x + b"', "net = 3"), 13, "must be an expression in quotes"),
        (('net = "w*x + b"', 'net = "w*x +"'), 13, "syntax error"),
        (('net = "w*x + b"', 'net = "w.real"'), 13, "attribute .real"),
        (('o = "sigmoid(net)"', 'exp = "sigmoid(net)"'), 14, "is a function"),
        (('o = "sigmoid(net)"', 'lambda = "sigmoid(net)"'), 14, "keyword"),
        (('o = "sigmoid(net)"', '"o-1" = "sigmoid(net)"'), 14, "is not a name"),
        (("[equations]", "[other]"), 12, "unknown table"),
        (('title = "tiny"', "title = 3"), 1, "title: must be a string"),
        (("[inputs]\nx = 0.5\ny = 0.01", "inputs = 3"), 4, "[inputs]: must be a table"),
        (("[inputs]\nx = 0.5", "inputs = 3\n[inputs]\nx = 0.5"), 5, "inputs: defined twice"),
    ],
)
def test_invalid_files_say_where_and_what(tmp_path, change, line, words):
    error = error_of(tmp_path, ONE_NEURON.replace(*change))
    assert words in str(error)
    assert error.line == line and error.column is not None
    assert str(error).startswith(f"{tmp_path / 'case.toml'}:{line}:{error.column}: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('[claims]\n"dE/dq" = 1', "'q' is not defined"),
        ('[claims]\n"dq/dw" = 1', "'q' is not defined"),
        ('[claims]\n"dnet/dy" = 1', "'net' does not depend on 'y'"),
        ('[claims]\n"dE/dE" = 1', "is 1 by definition"),
        ('[claims]\n"dx/dw" = 1', "'x' does not depend on 'w'"),
        ("[claims]\nq = 1", "'q' is not defined"),
        ('[claims]\n"d E/dw" = 1', "neither a node name nor a derivative"),
        ('[claims]\nE = "0.3"', "must be a number"),
        ("[claims.updated]\nw = 0.7", "need a learning rate"),
        ("[claims.updated]\nx = 0.7\n[train]\nlearning_rate = 1", "'x' is not a parameter"),
        ("[claims.updated]\nnet = 0.7\n[train]\nlearning_rate = 1", "is not a parameter"),
        ('[formulas]\nE = "1"', "must name a derivative"),
        ('[formulas]\n"dE/dw" = 1', "must be an expression in quotes"),
        ('[formulas]\n"dE/dw" = "q * 2"', "name 'q' is not defined"),
        ('[formulas]\n"dE/dy" = "o - y"\n"dnet/do" = "1"', "'net' does not depend on 'o'"),
        ("[train]\nlearning_rate = 0", "must be positive"),
        ("[train]\nlearning_rate = -1", "must be positive"),
        ('[train]\nlearning_rate = "fast"', "must be a number"),
        ("[train]\nbatch_size = 0", "whole number from 1"),
        ("[train]\nbatch_size = 2.5", "whole number from 1"),
        ('[train]\nloss = "w"', "'w' is not an equation"),
        ("[train]\nepochs = 3", "unknown key"),
        ("[verify]\npoints = 1000000000", "from 0 to 200"),
        ("[verify]\npoints = 2.5", "whole number"),
        ("[verify]\nok_units = 3\nrounding_units = 2", "larger than rounding_units"),
        ("[verify]\ncolor = 1", "unknown key"),
        ("[verify.decimals]\nq = 2", "not a numeric claim"),
        ('[claims]\nE = 0.3\n[verify.decimals]\nE = "3"', "whole number"),
    ],
)
def test_invalid_claims_train_and_verify(tmp_path, extra, words):
    error = error_of(tmp_path, ONE_NEURON + extra + "\n")
    assert words in str(error), str(error)
    assert error.line is not None and error.line > 14


@pytest.mark.parametrize(
    ("change", "extra", "words"),
    [
        (
            ('net = "w*x + b"', 'net = "wl*x + b"'),
            "",
            "not defined above; did you mean 'w'? define",
        ),
        (("",) * 2, "[claims]\nnett = 0.3", "'nett' is not defined; did you mean 'net'? claim"),
        (("",) * 2, '[claims]\n"dE/dwl" = 1', "'wl' is not defined; did you mean 'w'? a deriv"),
        (("",) * 2, '[formulas]\n"dE/dw" = "o - yl"', "did you mean 'y'? a formula may use"),
        (("[equations]", "[equation]"), "", "unknown table or key; did you mean 'equations'?"),
        (("",) * 2, "[claims]\nzzz = 1", "'zzz' is not defined; claim only nodes"),  # none near
    ],
)
def test_a_misspelt_name_gets_the_nearest_defined_one(tmp_path, change, extra, words):
    error = error_of(tmp_path, ONE_NEURON.replace(*change) + extra)
    assert words in str(error) and error.line is not None


def test_no_equations(tmp_path):
    assert "no equations" in str(error_of(tmp_path, "[inputs]\nx = 1\n"))


def test_not_toml_not_utf8_too_large_missing(tmp_path):
    assert "not valid TOML" in str(error_of(tmp_path, "x = = 1"))
    path = tmp_path / "binary.toml"
    path.write_bytes(b"title = 1\n\xff\xfe")
    with pytest.raises(CaseFileError, match="not UTF-8"):
        load(path)
    path.write_text("# " + "x" * MAX_FILE_BYTES)
    with pytest.raises(CaseFileError, match="larger than"):
        load(path)
    with pytest.raises(CaseFileError, match="cannot read"):
        load(tmp_path / "missing.toml")
    with pytest.raises(CaseFileError, match="cannot read"):
        load(tmp_path)


def balanced_sum(terms: list[str]) -> str:
    """A sum written as a balanced tree, so that it is long but shallow."""
    while len(terms) > 1:
        terms = [f"({a} + {b})" for a, b in zip(terms[::2], terms[1::2])]
    return terms[0]


def test_too_many_operations(tmp_path):
    term = balanced_sum(["x*w"] * 128)  # about 500 operations, 9 levels deep
    lines = "\n".join(f'e{i} = "{term}"' for i in range(MAX_OPERATIONS // 500 + 2))
    error = error_of(tmp_path, ONE_NEURON + lines + "\n")
    assert "operations in all" in str(error)


def test_the_scanner_skips_multiline_strings_and_arrays(tmp_path):
    text = (
        'title = """\n[claims]\nnet = 9.99999\n"""\n'
        + ONE_NEURON.split("\n", 1)[1]
        + "[claims]\nnet = 0.30\n"
    )
    (claim,) = load(write_case(tmp_path, text)).claims
    assert claim.decimals == 2 and claim.line == 20


# --------------------------------------------------------------------------- digits, keys
def test_digits_are_read_however_the_toml_is_written(tmp_path):
    inline = 'title = "tiny"\nclaims = { net = 0.300, "dE/dw" = 2.50e-2, "dE/db" = [0.10] }'
    text = ONE_NEURON.replace('title = "tiny"', inline).replace("b = -0.1", "b = [-0.1]")
    case = load(write_case(tmp_path, text))
    shown = [(c.key, c.line, c.place.column, np.asarray(c.decimals).tolist()) for c in case.claims]
    assert shown == [("net", 2, 12, 3), ("dE/dw", 2, 25, 4), ("dE/db", 2, 44, [2])]
    dotted = 'title = "tiny"\nclaims.net = 0.300\nclaims.updated."w" = 0.7900'
    text = ONE_NEURON.replace('title = "tiny"', dotted) + "[train]\nlearning_rate = 1\n"
    case = load(write_case(tmp_path, text))
    assert [(c.key, c.line, c.decimals) for c in case.claims] == [("net", 2, 3), ("w", 3, 4)]


def test_the_partial_derivative_sign_is_the_letter_d(tmp_path):
    text = ONE_NEURON + '[claims]\n"∂E/∂w" = 0.05\n[formulas]\n"∂E/∂b (chain)" = "o - y"\n'
    number, formula = load(write_case(tmp_path, text)).claims
    assert (number.key, number.kind, number.node, number.wrt) == ("∂E/∂w", "derivative", "E", "w")
    assert (formula.node, formula.wrt, formula.line) == ("E", "b", 19)
    twice = ONE_NEURON + '[claims]\n"dE/dw" = 0.05\n"∂E/∂w" = 0.05\n'
    error = error_of(tmp_path, twice)
    assert (error.line, error.column) == (18, 1)
    assert "claim '∂E/∂w': is the same claim as 'dE/dw' (line 17)" in str(error)
    mixed = ONE_NEURON + '[claims]\n"dE/∂w" = 0.05\n[verify.decimals]\n"∂E/dw" = 3\n'
    (claim,) = load(write_case(tmp_path, mixed)).claims
    assert claim.wrt == "w" and load(write_case(tmp_path, mixed)).settings.decimals == {"dE/dw": 3}


def test_a_number_shows_its_last_digit_within_ten_to_the_300(tmp_path):
    assert "10**400" in str(error_of(tmp_path, ONE_NEURON + "[claims]\no = 0e400\n"))
    assert "10**-301" in str(error_of(tmp_path, ONE_NEURON.replace("x = 0.5", "x = 1e-301")))
    (claim,) = load(write_case(tmp_path, ONE_NEURON + "[claims]\no = 1.5e-7\n")).claims
    assert claim.decimals == 8


def test_long_numbers_are_abbreviated_in_messages():
    huge = 10**4000
    with pytest.raises(CaseFileError) as info:
        load({"inputs": {"x": huge}, "equations": {"a": "x"}})
    message = str(info.value)
    assert len(message) < 300 and "(4001 characters)" in message
    with pytest.raises(CaseFileError, match=r"got 1000000.*\(4001 characters\)"):
        load({"inputs": {"x": 1}, "equations": {"a": "x"}, "train": {"batch_size": huge}})


# --------------------------------------------------------------------------- the text scan
_KEYS = st.sampled_from(["a", "b_1", "x-y", '"q r"', '"d.e"', "'lit'", '"∂E/∂w"', '"\\u0041"'])
_NUMBERS = st.sampled_from(["0.0850", "-1.50e-3", "2", "+7", "1_000.5", "0x1F", "3E2", "0.1"])
_STRINGS = st.sampled_from(['"s"', "'t # not a comment'", '"""m\n[x]\ny = 1\n"""', "'''l\n'''"])


@st.composite
def _values(draw, depth: int = 0):
    """A TOML value: a number, a string, an array or an inline table (nested a little)."""
    kinds = ["number", "string"] + (["array", "inline"] if depth < 3 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "number":
        return draw(_NUMBERS)
    if kind == "string":
        return draw(_STRINGS)
    if kind == "array":
        items = draw(st.lists(_NUMBERS, min_size=1, max_size=3))
        return "[" + draw(st.sampled_from([", ", ",\n  # note\n  "])).join(items) + "]"
    pairs = draw(st.dictionaries(_KEYS, _values(depth + 1), min_size=1, max_size=2))
    return "{ " + ", ".join(f"{k} = {v}" for k, v in pairs.items()) + " }"


@settings(max_examples=int(os.environ.get("CHAINGRAD_FUZZ_EXAMPLES", "150")), deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["inputs", "claims", "t.u"]),
        st.dictionaries(
            st.lists(_KEYS, min_size=1, max_size=2).map(" . ".join), _values(), max_size=4
        ),
        max_size=3,
    )
)
def test_the_text_scan_places_every_key_the_toml_parser_reads(tables):
    """Whatever the TOML writes (dotted and quoted keys, inline tables, arrays across lines,
    multi-line strings holding lines that look like tables), every key the parser reads has
    a place, and no valid file within the limits is refused."""
    text = "".join(
        f"[{name}]\n" + "".join(f"{key} = {value}  # c\n" for key, value in table.items())
        for name, table in tables.items()
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # a key written twice through two spellings: not this test's subject
    places, duplicate = scan("f.toml", text)
    stack = [((), data)]
    while stack:
        prefix, table = stack.pop()
        for key, value in table.items():
            assert (*prefix, key) in places, ((*prefix, key), text)
            if isinstance(value, dict):
                stack.append(((*prefix, key), value))
    assert duplicate is None
