"""The judging rules of `verify`, each pinned by a small document of its own (issue 14): ok
within half a unit of the last shown digit; rounding only for what the document's own
rounding explains (truncation, rounded intermediate values); integers and one-digit claims;
formulas judged relative to the size of the derivative; the nearest diagnosis only; shown
digits however the TOML is written; ∂ keys; indexing; and the work budget."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from casefiles import write_case
from chaingrad.autograd.value import Value
from chaingrad.autograd.verification import CaseFileError, compare, load_case, verify
from chaingrad.autograd.verification.tolerance import DEFAULT_WORK_LIMIT

SHIPPED = Path(__file__).resolve().parent.parent / "nn" / "documents"


def judged(tmp_path: Path, equations: str, claims: str, inputs: str = "c = 0.0") -> dict:
    """Verify a document of `inputs` and `equations` with `claims` (TOML lines under
    [claims]); each claim's result by key."""
    text = f"[inputs]\n{inputs}\n[equations]\n{equations}\n[claims]\n{claims}\n"
    return {c.claim: c for c in verify(write_case(tmp_path, text)).claims}


def status(tmp_path: Path, exact: float, literal: str) -> str:
    """The status of the claim `literal` for a value whose exact value is `exact`."""
    return judged(tmp_path, 'a = "c"', f"a = {literal}", f"c = {exact!r}")["a"].status


# --------------------------------------------------------------------------- digits
@pytest.mark.parametrize(
    ("exact", "literal", "expected"),
    [
        (-2.0, "-2", "ok"),
        (-2.0, "-3", "wrong"),  # an integer is shown to the units digit
        (2.4, "2", "ok"),
        (2.4, "3", "wrong"),
        (2.6, "2", "rounding"),  # 2.6 truncated at the units digit
        (2.6, "1", "wrong"),
        (0.35, "0.2", "wrong"),  # one digit: 0.35 truncates to 0.3, not 0.2
        (0.35, "0.3", "ok"),  # exactly half a unit away
        (0.36, "0.3", "rounding"),
        (0.36, "0.4", "ok"),
        (0.36, "0.5", "wrong"),
        (1234.0, "1.2e3", "ok"),  # shown to the hundreds
        (1234.0, "1.3e3", "wrong"),
    ],
)
def test_integers_and_one_digit_claims(tmp_path, exact, literal, expected):
    assert status(tmp_path, exact, literal) == expected


@pytest.mark.parametrize(
    ("exact", "literal", "expected"),
    [
        (0.6997, "0.699", "rounding"),  # the blog's w7: truncated, not rounded
        (-0.6997, "-0.699", "rounding"),  # toward zero
        (0.6997, "0.698", "wrong"),
        (0.6997, "0.700", "ok"),
        (0.7, "0.699", "wrong"),  # 0.7 truncates to 0.700 (0.7 is 0.69999... in binary)
        (0.6997, "0.6990", "wrong"),  # four decimals shown: 0.6997 truncates to 0.6997
        (0.5746, "0.5744", "wrong"),  # two units off is no longer "rounding"
    ],
)
def test_truncation_at_the_last_shown_digit(tmp_path, exact, literal, expected):
    assert status(tmp_path, exact, literal) == expected


def test_the_truncation_hint(tmp_path):
    (claim,) = judged(tmp_path, 'a = "c"', "a = 0.699", "c = 0.6997").values()
    assert claim.hint == (
        "the exact value truncated at the last shown decimal (0.001): the document truncated "
        "(exact 0.6997)"
    )


# --------------------------------------------------------------------------- rounded values
SIGMOID = 'z = "c"\ns = "sigmoid(z)"\ny = "5 * s"'
"""σ(0.5) = 0.62246; σ'(0.5) = 0.23500; 5σ = 3.11230."""


def test_a_derivative_written_with_a_rounded_value_the_document_states(tmp_path):
    # The document rounds σ = 0.62 and writes σ' = 0.62 · 0.38 = 0.2356 (exact 0.2350).
    results = judged(tmp_path, SIGMOID, 's = 0.62\n"ds/dz" = 0.2356', "c = 0.5")
    assert results["s"].status == "ok"
    derivative = results["ds/dz"]
    assert derivative.status == "rounding"
    assert derivative.hint.startswith(
        "explained by the document's own rounded values: computed from s = 0.62 as the "
        "document states them"
    )
    # The same number without the rounded value stated is not explained by anything.
    alone = judged(tmp_path, SIGMOID, '"ds/dz" = 0.2356', "c = 0.5")["ds/dz"]
    assert alone.status == "wrong"
    # Rounding σ down moves σ' up only: the other side is not explained.
    below = judged(tmp_path, SIGMOID, 's = 0.62\n"ds/dz" = 0.2344', "c = 0.5")["ds/dz"]
    assert below.status == "wrong"


def test_a_value_computed_from_a_rounded_value(tmp_path):
    # y = 5σ: from σ = 0.62 the document gets 3.10 (exact 3.1123, which truncates to 3.11).
    results = judged(tmp_path, SIGMOID, "s = 0.62\ny = 3.10", "c = 0.5")
    assert results["y"].status == "rounding"
    assert judged(tmp_path, SIGMOID, "y = 3.10", "c = 0.5")["y"].status == "wrong"
    # A wrong intermediate value explains nothing downstream.
    wrong = judged(tmp_path, SIGMOID, "s = 0.60\ny = 3.00", "c = 0.5")
    assert wrong["s"].status == "wrong" and wrong["y"].status == "wrong"


def test_an_update_computed_from_a_rounded_value(tmp_path):
    text = (
        "[inputs]\nx = 0.5\ny = 0.0\n[parameters]\nw = 1.0\n[equations]\n"
        'o = "sigmoid(w*x)"\nE = "0.5*(o - y)**2"\n[train]\nlearning_rate = 1.0\n'
        "[claims]\no = 0.62\n[claims.updated]\nw = 0.9270\n"
    )
    # Exact o = 0.622459, dE/dw = o^2 (1 - o) x = 0.073155: w = 0.926845; from o = 0.62 the
    # gradient is 0.07304 and the update 0.92696, written 0.9270.
    o, update = verify(write_case(tmp_path, text)).claims
    assert o.status == "ok" and update.status == "rounding"
    assert "o = 0.62" in update.hint


def test_a_rounded_value_does_not_carry_a_relu_across_its_kink(tmp_path):
    # net = 0.004 stated as 0.00 is ok, but a slope of 0 from relu'(0) is no rounding of 1.
    equations = 'net = "w * c"\nh = "relu(net)"\nE = "3 * h"'
    claims = 'net = 0.00\n"dE/dw" = 0.000\n"dE/dw (right)" = 0.012'
    text = f"[inputs]\nc = 0.004\n[parameters]\nw = 1.0\n[equations]\n{equations}\n"
    results = verify(write_case(tmp_path, text + f"[claims]\n{claims}\n")).claims
    assert [c.status for c in results] == ["ok", "wrong", "ok"]


# --------------------------------------------------------------------------- formulas
TINY = '[parameters]\nw = 1.5\n[equations]\na = "1e-14 * w**2 + 3"\n'
"""da/dw = 3e-14: a tiny derivative."""


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("2e-14 * w", "ok"), ("0", "wrong"), ("4e-14 * w", "wrong"), ("2.0000001e-14 * w", "wrong")],
)
def test_formulas_are_judged_relative_to_the_size_of_the_derivative(tmp_path, formula, expected):
    text = TINY + f'[formulas]\n"da/dw" = "{formula}"\n'
    (claim,) = verify(write_case(tmp_path, text)).claims
    assert claim.status == expected


def test_two_exact_zeros_agree(tmp_path):
    text = '[parameters]\nw = 1.0\n[equations]\nh = "relu(w - 5)"\n[formulas]\n"dh/dw" = "0"\n'
    (claim,) = verify(write_case(tmp_path, text)).claims
    assert claim.status == "ok" and claim.computed == 0.0


# --------------------------------------------------------------------------- diagnoses
DERIVATIVE = '[inputs]\nc = -0.2841\n[parameters]\nw = 1.0\n[equations]\nE = "c * w"\n'
"""dE/dw = c = -0.2841."""


def test_a_sign_flip_is_not_also_minus_one_half(tmp_path):
    # 0.3 for -0.2841 fits a flipped sign (0.2841 rounds to 0.3), not -1/2 (0.142).
    (claim,) = verify(write_case(tmp_path, DERIVATIVE + '[claims]\n"dE/dw" = 0.3\n')).claims
    assert claim.status == "wrong"
    assert len(claim.diagnoses) == 1 and "sign flipped" in claim.diagnoses[0]


def test_only_the_nearest_of_several_fitting_diagnoses(tmp_path):
    # With a batch of 2, "twice" and "2 times (the batch size)" are one number: one story.
    text = DERIVATIVE + "[train]\nbatch_size = 2\n" + '[claims]\n"dE/dw" = -0.5682\n'
    (claim,) = verify(write_case(tmp_path, text)).claims
    assert claim.diagnoses == (
        "the claim is twice the correct value -0.2841: a factor 2 too many (the 1/2 of a "
        "squared error dropped, or a term counted twice)",
    )


def test_a_candidate_fits_only_as_the_correct_value_would(tmp_path):
    # Twice the truth is -0.5682; -0.5684 is 2 units of the 4th decimal away: no longer a fit.
    (claim,) = verify(write_case(tmp_path, DERIVATIVE + '[claims]\n"dE/dw" = -0.5684\n')).claims
    assert claim.status == "wrong" and claim.diagnoses == ()
    # ... while truncating twice the truth is (-0.56 for -0.5682).
    (claim,) = verify(write_case(tmp_path, DERIVATIVE + '[claims]\n"dE/dw" = -0.56\n')).claims
    assert len(claim.diagnoses) == 1 and "twice the correct value" in claim.diagnoses[0]


def test_compare_gives_the_nearest_diagnosis_too():
    def f(w: Value) -> Value:
        return -0.2841 * w

    (row,) = compare({"w": 0.3}, f, {"w": 1.0}).rows
    assert len(row.diagnoses) == 1 and "sign flipped" in row.diagnoses[0]


def test_compare_reads_partial_derivative_keys():
    def f(x: Value) -> Value:
        return (x * x).named("y")

    (row,) = compare({"∂y/∂x": 4.0}, f, {"x": 2.0}).rows
    assert (row.node, row.wrt, row.status) == ("y", "x", "ok")


# --------------------------------------------------------------------------- how files write it
def test_an_inline_table_keeps_the_digits_it_shows(tmp_path):
    # a = 0.5071: "0.50" (two decimals) is the truncation, "0.5" (one decimal) is ok.
    text = 'claims = { a = 0.50, "a (short)" = 0.5 }\n[inputs]\nc = 0.5071\n[equations]\na = "c"\n'
    results = {c.claim: c.status for c in verify(write_case(tmp_path, text)).claims}
    assert results == {"a": "rounding", "a (short)": "ok"}


def test_partial_derivative_keys_in_claims_and_formulas(tmp_path):
    text = DERIVATIVE + '[claims]\n"∂E/∂w" = -0.2841\n[formulas]\n"∂E/∂w" = "c"\n'
    number, formula = verify(write_case(tmp_path, text)).claims
    assert (number.claim, number.status) == ("∂E/∂w", "ok")
    assert (formula.node, formula.wrt, formula.status) == ("E", "w", "ok")


INDEXED = """\
[inputs]
x = [0.5, -1.0]
[parameters]
W = [[0.1, 0.2], [0.3, 0.4]]
[equations]
z = "W @ x"
a = "W[1, 0] * x[-1] + sum(z)"
"""


def test_arrays_indexed_in_equations_and_formulas(tmp_path):
    text = INDEXED + '[claims]\na = -0.70\n"da/dx" = [0.4, 0.9]\n'
    text += '[formulas]\n"da/dW" = "x + 0 * W"\n'
    value, derivative, formula = verify(write_case(tmp_path, text)).claims
    assert value.status == "ok" and value.computed == pytest.approx(-0.7)
    assert derivative.status == "ok"  # d/dx of (W x) summed, plus W[1, 0] at x[-1]
    assert formula.status == "wrong"  # W[1, 0] also gets x[-1]: [[0.5, -1], [-0.5, -1]]
    right = INDEXED + '[formulas]\n"da/dW" = "[[0.5, -1.0], [-0.5, -1.0]]"\n'
    with pytest.raises(CaseFileError, match="a list is not allowed"):
        verify(write_case(tmp_path, right))


def test_an_index_out_of_range_names_the_file_line_and_column(tmp_path):
    path = write_case(tmp_path, INDEXED.replace("W[1, 0]", "W[2, 0]"))
    with pytest.raises(CaseFileError) as error:
        verify(path)
    assert str(error.value).startswith(
        f"{path}:7:8: equation 'a': cannot be evaluated at the file's values: index 2 is out of "
        "range for axis 0 of W (shape (2, 2))"
    )


# --------------------------------------------------------------------------- the work budget
@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_file_needs_under_a_tenth_of_the_work_budget(path):
    case = load_case(path)
    tight = replace(case, settings=replace(case.settings, work_limit=DEFAULT_WORK_LIMIT // 10))
    verify(tight)  # raises CaseFileError past the limit


def test_a_file_past_its_work_budget_is_refused_with_the_limit_and_how_to_raise_it(tmp_path):
    chain = "\n".join(f'e{i} = "sigmoid(e{i - 1}) * w"' for i in range(1, 60))
    formulas = "\n".join(f'"de{i}/dw" = "e{i}"' for i in range(60))
    text = (
        f'[parameters]\nw = 0.9\n[equations]\ne0 = "w"\n{chain}\n[formulas]\n{formulas}\n'
        "[verify]\nwork_limit = 20000\n"
    )
    path = write_case(tmp_path, text)
    with pytest.raises(CaseFileError) as error:
        verify(path)
    message = str(error.value)
    assert message.startswith(
        f"{path}: checking the file needs more than 20,000 units of work, the limit (it ran out "
        "while "
    )
    assert message.endswith(
        "; raise [verify] work_limit (up to 100,000,000), or check fewer claims, formulas or "
        "random points per file"
    )
    assert verify(write_case(tmp_path, text.replace("20000", "2000000"))).claims


def test_the_work_limit_is_bounded(tmp_path):
    text = TINY + "[verify]\nwork_limit = 1000000000\n"
    with pytest.raises(CaseFileError, match="must be a whole number from 1000 to 1e"):
        verify(write_case(tmp_path, text))


def test_the_truncation_of_a_value_a_hair_under_a_multiple():
    from chaingrad.autograd.verification.tolerance import truncated

    assert truncated(0.7, 0.001) == pytest.approx(0.7)
    assert truncated(-0.69970, 0.001) == pytest.approx(-0.699)
    assert math.isclose(truncated(2.6, 1.0), 2.0)


def test_many_wrong_claims_of_one_derivative_are_explained_once(tmp_path, monkeypatch):
    # 2,000 wrong claims of one derivative on a long chain ran for a minute: each made its own
    # chain-rule breakdown and candidates.
    from chaingrad.autograd.verification import claim_diagnoses

    calls = {"explain": 0, "candidates": 0}
    for module, name in ((claim_diagnoses, "explain"), (claim_diagnoses, "candidates")):
        real = getattr(module, name)

        def counted(*args, real=real, name=name):
            calls[name] += 1
            return real(*args)

        monkeypatch.setattr(module, name, counted)
    chain = "".join(f'e{i} = "sigmoid(e{i - 1}) * w"\n' for i in range(1, 100))
    claims = "".join(f'"de99/dw ({i})" = 9.{i}\n' for i in range(2000))
    text = f'[parameters]\nw = 0.9\n[equations]\ne0 = "w"\n{chain}[claims]\n{claims}'
    result = verify(write_case(tmp_path, text))
    assert result.summary["wrong"] == 2000
    assert calls == {"explain": 1, "candidates": 1}
