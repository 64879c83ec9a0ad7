"""Tests for `verify` (statuses by shown digits, formulas at random points, diagnoses, reports,
JSON, exit codes), the `chaingrad verify` command and the shipped case files."""

from __future__ import annotations

import json
import math
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from casefiles import ONE_NEURON, write_case
from chaingrad.autograd.chain import chain_rule, explain
from chaingrad.autograd.verification import CaseFileError, verify
from chaingrad.nn.app.cli import main

CASES = Path(__file__).resolve().parent.parent / "nn" / "documents"
JSON_KEYS = ["claim", "kind", "claimed", "computed", "status", "abs_error", "rel_error", "hint"]

NEURON = (
    ONE_NEURON.replace('title = "tiny"', 'title = "one sigmoid neuron"')
    + "[train]\nlearning_rate = 0.5\n"
)


def run(tmp_path: Path, text: str):
    return verify(write_case(tmp_path, text))


def by_claim(result) -> dict:
    return {c.claim: c for c in result.claims}


def neuron_gradient() -> tuple[float, float, float]:
    """(o, dE/dw, dE/db) of the NEURON case, by hand in plain floats."""
    o = 1 / (1 + math.exp(-(0.8 * 0.5 - 0.1)))
    delta = (o - 0.01) * o * (1 - o)
    return o, delta * 0.5, delta


# --------------------------------------------------------------------------- statuses
def test_statuses_follow_the_shown_digits(tmp_path):
    o, dw, _ = neuron_gradient()
    ok_at_half_unit = round(o, 4) + 0.00004999  # within half a unit of the 4th decimal
    text = NEURON + (
        "[claims]\n"
        f'"o (ok)" = {round(o, 4):.4f}\n'
        f'"o (edge)" = {ok_at_half_unit:.8f}\n'
        f'"o (two units)" = {round(o, 4) + 0.0002:.4f}\n'
        f'"o (coarse)" = {round(o, 2):.2f}\n'
        f'"dE/dw" = {dw:.6f}\n'
    )
    results = by_claim(run(tmp_path, text))
    assert results["o (ok)"].status == "ok"
    assert results["o (edge)"].status == "wrong"  # 8 decimals shown: judged at the 8th
    assert results["o (two units)"].status == "wrong"  # no rounding of the document's explains it
    assert results["o (coarse)"].status == "ok"
    assert results["dE/dw"].status == "ok"
    assert results["dE/dw"].computed == pytest.approx(dw, rel=1e-12)


def test_trailing_zeros_count_and_verify_decimals_override_them(tmp_path):
    # o = 0.5744...: "0.57" is ok to 2 decimals, "0.5700" is wrong to 4.
    text = NEURON + '[claims]\n"o" = 0.5700\n"o (short)" = 0.57\n'
    results = by_claim(run(tmp_path, text))
    assert results["o"].status == "wrong" and results["o (short)"].status == "ok"
    text += '[verify.decimals]\n"o" = 2\n'
    assert by_claim(run(tmp_path, text))["o"].status == "ok"


def test_the_bands_can_be_widened(tmp_path):
    text = NEURON + '[claims]\n"o" = 0.5746\n'  # o = 0.574443: 1.6 units off
    assert run(tmp_path, text).claims[0].status == "wrong"
    band = run(tmp_path, text + "[verify]\nrounding_units = 2\n").claims[0]
    assert band.status == "rounding" and "the band [verify] rounding_units sets" in band.hint
    widened = run(tmp_path, text + "[verify]\nok_units = 2\nrounding_units = 5\n")
    assert widened.claims[0].status == "ok"


def test_updated_parameters_use_the_learning_rate(tmp_path):
    _, dw, db = neuron_gradient()
    text = NEURON + f"[claims.updated]\nw = {0.8 - 0.5 * dw:.6f}\nb = {-0.1 - 0.5 * db:.4f}\n"
    results = run(tmp_path, text).claims
    assert [c.status for c in results] == ["ok", "ok"]
    assert results[0].computed == pytest.approx(0.8 - 0.5 * dw, rel=1e-12)


# --------------------------------------------------------------------------- formulas
def test_a_right_formula_holds_at_every_point(tmp_path):
    text = NEURON + '[formulas]\n"dE/dw" = "(o - y) * o * (1 - o) * x"\n'
    (claim,) = run(tmp_path, text).claims
    assert claim.status == "ok" and claim.kind == "formula"
    assert claim.hint == "holds at the document's point and 20 random points"


def test_a_formula_true_at_the_document_point_only_is_reported_as_such(tmp_path):
    # d(w**2)/dw = 2w equals w + 1 at w = 1 only.
    text = """
[parameters]
w = 1.0
[equations]
a = "w**2"
[formulas]
"da/dw" = "w + 1"
"""
    (claim,) = run(tmp_path, text).claims
    assert claim.status == "wrong"
    assert claim.claimed == claim.computed == 2.0
    assert "holds at the document's point only: fails at 20 of 20 random points" in claim.hint


def test_random_points_stay_on_the_documents_side_of_every_relu_kink(tmp_path):
    # The hand formula writes relu'(net) = 1, true on the document's side of the kink.
    text = """
[inputs]
x = 0.3
[parameters]
w = 0.2
[equations]
net = "w*x - 0.05"
h = "relu(net)"
[formulas]
"dh/dw" = "1 * x"
"""
    (claim,) = run(tmp_path, text).claims
    assert claim.status == "ok"


def test_at_a_kink_no_random_point_qualifies_and_that_is_said(tmp_path):
    # |w*x - 0.05| at its kink: relu'(0) = 0 on both sides at the document's point, and
    # every moved point turns one of the two ReLUs on.
    text = """
[inputs]
x = 0.5
[parameters]
w = 0.1
[equations]
h = "relu(w*x - 0.05) + relu(0.05 - w*x)"
[formulas]
"dh/dw" = "0"
"""
    (claim,) = run(tmp_path, text).claims
    assert claim.status == "ok"
    assert "0 random points" in claim.hint and "asked for 20" in claim.hint


def test_formula_settings_points_and_seed(tmp_path):
    text = NEURON + '[formulas]\n"dE/dw" = "(o - y) * o * (1 - o) * x"\n[verify]\npoints = 3\n'
    assert "and 3 random points" in run(tmp_path, text).claims[0].hint


# --------------------------------------------------------------------------- diagnoses
TWO_PATHS = """
[inputs]
x = 0.5
y = 0.2
[parameters]
w = 0.7
v1 = 0.3
v2 = -0.6
[equations]
h = "sigmoid(w*x)"
o1 = "v1*h"
o2 = "v2*h"
E = "0.5*(o1 + o2 - y)**2 + 0.5*(o1 - y)**2"
[train]
learning_rate = 0.1
batch_size = 4
"""


def derivative(tmp_path: Path, text: str, claim: str) -> float:
    """The engine's value of a derivative claim, read from a verify run with a dummy claim."""
    result = run(tmp_path, text + f'[claims]\n"{claim}" = 0\n')
    return result.claims[0].computed


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (2.0, "twice the correct value"),
        (0.5, "half the correct value"),
        (-1.0, "sign flipped"),
        (4.0, "(4 = the batch size): a sum over the batch"),
        (0.25, "1/4 of the correct value"),
    ],
)
def test_constant_ratio_diagnoses(tmp_path, factor, words):
    truth = derivative(tmp_path, TWO_PATHS, "dE/dw")
    (claim,) = run(tmp_path, TWO_PATHS + f'[claims]\n"dE/dw" = {factor * truth:.8f}\n').claims
    assert claim.status == "wrong"
    assert any(words in d for d in claim.diagnoses), claim.diagnoses
    assert claim.hint.startswith("the claim ")


def test_a_dropped_path_and_the_breakdown(tmp_path):
    point = run(tmp_path, TWO_PATHS).point
    rule = chain_rule(point.nodes["E"], point.nodes["h"])
    assert len(rule.paths) == 2  # through o1 (both terms of E) and through o2
    single = rule.paths[1].product
    (claim,) = run(tmp_path, TWO_PATHS + f'[claims]\n"dE/dh" = {single:.8f}\n').claims
    assert claim.status == "wrong"
    assert any("one path only" in d and "sums 2 paths" in d for d in claim.diagnoses)
    assert claim.breakdown == explain(point.nodes["E"], point.nodes["h"])


def test_a_missing_sigmoid_derivative(tmp_path):
    truth = derivative(tmp_path, TWO_PATHS, "dE/dw")
    h = 1 / (1 + math.exp(-0.35))
    claimed = truth / (h * (1 - h))
    (claim,) = run(tmp_path, TWO_PATHS + f'[claims]\n"dE/dw" = {claimed:.8f}\n').claims
    assert any("lacks the factor sigmoid'" in d for d in claim.diagnoses), claim.diagnoses


REGULARIZED = """
[inputs]
x = 0.5
y = 1.0
alpha = 0.1
[parameters]
w = 0.8
u = -0.4
[equations]
f = "u * relu(w*x)"
L_i = "(f - y)**2"
L_r = "alpha/2 * (w**2 + u**2)"
L = "L_i + L_r"
"""


def test_missing_and_extra_regularization(tmp_path):
    data_only = derivative(tmp_path, REGULARIZED, "dL_i/dw")
    total = derivative(tmp_path, REGULARIZED, "dL/dw")
    assert total == pytest.approx(data_only + 0.1 * 0.8)
    text = REGULARIZED + f'[claims]\n"dL/dw" = {data_only:.8f}\n"dL_i/dw" = {total:.8f}\n'
    missing, extra = run(tmp_path, text).claims
    assert any("leaves out the regularization term L_r" in d for d in missing.diagnoses)
    assert any("adds the regularization gradient dL_r/dw" in d for d in extra.diagnoses)


def test_the_regularization_diagnosis_needs_squared_parameters(tmp_path):
    text = REGULARIZED.replace("w**2 + u**2", "w + u")
    data_only = derivative(tmp_path, text, "dL_i/dw")
    (claim,) = run(tmp_path, text + f'[claims]\n"dL/dw" = {data_only:.8f}\n').claims
    assert not any("regularization" in d for d in claim.diagnoses)


MATRIX = """
[inputs]
x_0 = 0.3
x_1 = -0.7
[parameters]
W_00 = 0.1
W_01 = 0.4
W_10 = -0.2
W_11 = 0.9
[equations]
z_0 = "W_00*x_0 + W_01*x_1"
z_1 = "W_10*x_0 + W_11*x_1"
L = "0.5*(tanh(z_0)**2 + z_1**2)"
"""


def test_transposed_index_for_a_number_and_for_a_formula(tmp_path):
    other = derivative(tmp_path, MATRIX, "dL/dW_10")
    text = MATRIX + (
        f'[claims]\n"dL/dW_01" = {other:.8f}\n'
        '[formulas]\n"dz_1/dx_0 (transposed)" = "W_01"\n"dz_1/dx_0" = "W_10"\n'
    )
    number, formula, right = run(tmp_path, text).claims
    assert any("transposed index (W_10 for W_01)" in d for d in number.diagnoses)
    assert formula.diagnoses == (
        "the formula holds with W's indices transposed (W_01 ↔ W_10): a transposed matrix",
    )
    assert right.status == "ok"


def test_a_wrong_update_is_diagnosed_through_the_gradient_it_implies(tmp_path):
    truth = derivative(tmp_path, TWO_PATHS, "dE/dw")
    flipped = 0.7 + 0.1 * truth  # a step up the gradient
    (claim,) = run(tmp_path, TWO_PATHS + f"[claims.updated]\nw = {flipped:.8f}\n").claims
    assert claim.status == "wrong"
    assert claim.hint.startswith("the update uses a gradient of")
    assert "sign flipped" in claim.hint
    assert claim.breakdown.startswith("dE/dw = ")


def test_a_wrong_gradient_whose_update_is_right_says_so(tmp_path):
    truth = derivative(tmp_path, TWO_PATHS, "dE/dw")
    text = TWO_PATHS + f'[claims]\n"dE/dw" = 0.5\n[claims.updated]\nw = {0.7 - 0.1 * truth:.6f}\n'
    gradient, update = run(tmp_path, text).claims
    assert update.status == "ok" and gradient.status == "wrong"
    assert "the document's own update of w" in gradient.hint
    assert "not the one the update used" in gradient.hint


def test_no_diagnosis_fits(tmp_path):
    (claim,) = run(tmp_path, NEURON + '[claims]\n"dE/dw" = 0.9123\n').claims
    assert claim.diagnoses == ()
    assert claim.hint.startswith("no simple diagnosis fits; the correct value is")


def test_wrong_values_get_no_breakdown(tmp_path):
    (claim,) = run(tmp_path, NEURON + "[claims]\no = 0.9\n").claims
    assert claim.status == "wrong" and claim.breakdown == ""


# --------------------------------------------------------------------------- arrays
LAYER = """
[inputs]
x = [[0.5], [1.0]]
t = [[0.2], [0.7]]
[parameters]
W = [[0.1, 0.4],
     [-0.3, -0.8]]
[equations]
z = "W @ x"
h = "relu(z)"
o = "sigmoid(h)"
L = "sum(0.5 * (o - t)**2)"
"""


def array_gradient():
    """dL/dW and dL/dz of LAYER in numpy, written out."""
    x, t = np.array([[0.5], [1.0]]), np.array([[0.2], [0.7]])
    z = np.array([[0.1, 0.4], [-0.3, -0.8]]) @ x
    o = 1 / (1 + np.exp(-np.maximum(z, 0)))
    dz = (o - t) * o * (1 - o) * (z > 0)
    return dz @ x.T, dz


def test_array_claims_use_the_tensor_engine_and_the_digits_of_each_entry(tmp_path):
    dw, dz = array_gradient()
    text = LAYER + (
        "[claims]\n"
        "z = [[0.45], [-0.95]]\n"
        f'"dL/dW" = [[{dw[0, 0]:.4f}, {dw[0, 1]:.4f}], [{dw[1, 0]:.4f}, {dw[1, 1]:.4f}]]\n'
        f'"dL/dz" = [[{math.trunc(dz[0, 0] * 1000) / 1000:.3f}], [{dz[1, 0]:.3f}]]\n'
        '"dL/dW (transposed)" = ' + str(np.round(dw.T, 6).tolist()) + "\n"
    )
    value, matrix, rounded, transposed = run(tmp_path, text).claims
    assert value.status == "ok" and np.allclose(value.computed, [[0.45], [-0.95]])
    assert matrix.status == "ok" and np.allclose(matrix.computed, dw, rtol=1e-12)
    assert rounded.status == "rounding"  # one entry truncated
    assert transposed.status == "wrong"
    assert any("transpose of the correct 2x2 matrix" in d for d in transposed.diagnoses)
    assert transposed.breakdown == ""  # path-by-path breakdowns are for scalar graphs
    data = transposed.to_json()
    assert list(data) == JSON_KEYS and isinstance(data["claimed"], list)
    assert data["abs_error"] == pytest.approx(np.max(np.abs(dw.T - dw)))


def test_array_formulas_shapes_and_a_transposed_matrix(tmp_path):
    text = (
        LAYER
        + """
[formulas]
"dL/dz" = "(o - t) * o * (1 - o) * (z > 0)"
"dL/dW" = "((o - t) * o * (1 - o) * (h / z)) @ x.T"
"dL/dW (shape)" = "(o - t) * o * (1 - o) * (h / z)"
"dL/dx" = "W @ ((o - t) * o * (1 - o) * (h / z))"
"""
    )
    with pytest.raises(CaseFileError, match="comparison"):
        run(tmp_path, text)  # no comparisons in the language
    text = text.replace('"dL/dz" = "(o - t) * o * (1 - o) * (z > 0)"\n', "")
    right, shape, transposed = run(tmp_path, text).claims
    assert right.status == "ok"
    assert shape.status == "wrong"
    assert shape.hint.startswith("the claim has shape (2, 1) but the correct value has shape")
    assert transposed.diagnoses == (
        "the formula holds with W transposed (W.T in place of W): a transposed matrix",
    )


def test_a_derivative_of_an_array_node_is_refused(tmp_path):
    with pytest.raises(CaseFileError, match="z has 2 entries; a derivative claim needs"):
        run(tmp_path, LAYER + '[claims]\n"dz/dW" = 1\n')


def test_random_points_keep_each_relu_entry_on_its_side(tmp_path):
    # relu' is 1 for z_0 > 0 and 0 for z_1 < 0: the formula writes that mask as h/z.
    text = LAYER + (
        '[formulas]\n"dL/dh" = "(o - t) * o * (1 - o)"\n'
        '"dL/dz" = "(o - t) * o * (1 - o) * (h / z)"\n'
    )
    assert [c.status for c in run(tmp_path, text).claims] == ["ok", "ok"]


# --------------------------------------------------------------------------- the seeds
def test_seed001_blog_findings():
    result = verify(CASES / "seed001_blog.toml")
    claims = {(c.kind, c.claim): c for c in result.claims}
    w17 = claims["derivative", "dE/dw17"]
    assert w17.status == "wrong" and w17.claimed == 0.085
    assert w17.computed == pytest.approx(0.7934819 * 0.1578987 * 1.1239, rel=1e-5)
    assert "0.7935 · 0.1579 · 1.124 = 0.1408" in w17.breakdown
    assert "the document's own update of w17 (0.798592)" in w17.hint
    w7 = claims["updated", "w7"]
    assert w7.status == "rounding" and w7.computed == pytest.approx(0.6996992, abs=1e-7)
    assert claims["value", "out_n4"].status == "ok" and claims["value", "out_n4"].computed == 0
    assert claims["value", "E"].status == "ok"
    dropped = claims["formula", "dE/dw1"]
    assert dropped.status == "wrong" and "sums 3 paths" in dropped.hint
    assert {c.claim for c in result.wrong} == {"dE/dw17", "dE/dw18", "dE/dw1"}
    assert result.exit_code == 1


def test_seed002_matrix_form_finds_the_transposed_w2():
    result = verify(CASES / "seed002_matrix_form.toml")
    wrong = {c.claim: c for c in result.wrong}
    assert set(wrong) == {"dC/dz1 (D1 w2 delta2)", "dC/dW1 (D1 w2 delta2 A0)"}
    for claim in wrong.values():
        assert "W2 transposed" in claim.hint


def test_seed003_matrix_formulas_hold_for_the_sum_they_differentiate():
    result = verify(CASES / "seed003_matrix_form.toml")
    status = {c.claim: c.status for c in result.claims}
    assert status == {"dL/dW2": "ok", "dL/dW1": "ok"}
    assert result.exit_code == 0


@pytest.mark.parametrize("path", sorted(CASES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_case_file_verifies(path):
    result = verify(path)
    assert result.claims
    assert sum(result.summary.values()) == len(result.claims)


# --------------------------------------------------------------------------- output
def test_json_has_exactly_the_documented_keys_and_is_deterministic(tmp_path):
    text = NEURON + '[claims]\no = 0.5744\n"dE/dw" = 0.1000\n[formulas]\n"dE/db" = "o - y"\n'
    first = json.loads(run(tmp_path, text).json())
    assert list(first) == ["title", "claims", "summary"]
    assert first["title"] == "one sigmoid neuron"
    assert [list(c) for c in first["claims"]] == [JSON_KEYS] * 3
    assert [c["kind"] for c in first["claims"]] == ["value", "derivative", "formula"]
    assert first["summary"] == {"ok": 1, "rounding": 0, "wrong": 2}
    assert first == json.loads(run(tmp_path, text).json())


def test_rel_error_is_null_when_the_correct_value_is_zero(tmp_path):
    text = NEURON.replace("x = 0.5", "x = 0") + '[claims]\n"dE/dw" = 0.1\n'
    (claim,) = run(tmp_path, text).to_json()["claims"]
    assert claim["computed"] == 0 and claim["rel_error"] is None


def test_reports(tmp_path):
    text = NEURON + '[claims]\n"dE/dw" = 0.1000\n"o (a|b <c>)" = 0.5744\n'
    result = run(tmp_path, text)
    md, page, plain = result.markdown(), result.html(), result.text()
    assert md.startswith("# one sigmoid neuron") and "| **wrong** | derivative |" in md
    assert "o (a\\|b <c>)" in md
    assert "<c>" not in page and "&lt;c&gt;" in page and page.startswith("<!DOCTYPE html>")
    assert "summary: 1 ok, 0 rounding, 1 wrong" in plain and "chain rule:" in plain


def test_reports_escape_the_files_own_text(tmp_path):
    title = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) *bold*"
    text = NEURON.replace('title = "one sigmoid neuron"', f"title = {title!r}").replace(
        'source = "somewhere.txt"', "source = '<script>alert(2)</script>'"
    )
    text += '[claims]\n"o (`x` | <b>hi</b>)" = 0.9\n'
    result = run(tmp_path, text)
    md, page = result.markdown(), result.html()
    for report in (md, page):
        assert "<img" not in report and "<script>" not in report
    assert "<b>" not in page and md.count("<b>") == 1  # in the claim's code span only
    assert md.startswith(
        "# &lt;img src=x onerror=alert(1)&gt; \\[click\\](javascript:alert(1)) \\*bold\\*\n"
    )
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in md
    assert "| `` o (`x` \\| <b>hi</b>) `` |" in md  # a code span: shown as written, not run
    assert "<h1>&lt;img src=x onerror=alert(1)&gt;" in page


def test_verify_takes_a_mapping_and_its_errors_are_case_file_errors():
    case = {
        "parameters": {"w": 2.0},
        "equations": {"a": "w**2"},
        "claims": {"da/dw": Decimal("4.0")},
    }
    assert verify(case).claims[0].status == "ok"
    with pytest.raises(CaseFileError, match="cannot be evaluated at the file's values"):
        verify({"parameters": {"w": -2.0}, "equations": {"a": "log(w)"}})
    with pytest.raises(CaseFileError, match="formula 'da/dw': cannot be evaluated"):
        verify(
            {"parameters": {"w": 2.0}, "equations": {"a": "w"}, "formulas": {"da/dw": "log(-w)"}}
        )


# --------------------------------------------------------------------------- the command
def test_cli_exit_codes_json_and_reports(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text(NEURON + '[formulas]\n"dE/db" = "(o - y) * o * (1 - o)"\n')
    bad = tmp_path / "bad.toml"
    bad.write_text(NEURON + '[claims]\n"dE/dw" = 0.5000\n')
    invalid = tmp_path / "invalid.toml"
    invalid.write_text(NEURON + '[claims]\n"dE/dq" = 0.5\n')

    assert main(["verify", str(good)]) == 0
    assert "summary: 1 ok, 0 rounding, 0 wrong" in capsys.readouterr().out
    assert main(["verify", str(bad), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["wrong"] == 1
    assert main(["verify", str(invalid)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith(f"chaingrad verify: error: {invalid}:19:1: claim 'dE/dq'")

    md, page = tmp_path / "r" / "out.md", tmp_path / "out.html"
    assert main(["verify", str(bad), "--report", str(md)]) == 1
    assert md.read_text().startswith("# one sigmoid neuron")
    assert capsys.readouterr().out.endswith(f"report written: {md}\n")
    assert main(["verify", str(bad), "--json", "--report", str(page)]) == 1
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert json.loads(capsys.readouterr().out)["summary"]["wrong"] == 1
    assert main(["verify", str(bad), "--report", str(tmp_path / "out.pdf")]) == 2
    assert "must end in .md or .html" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_cli_draw_writes_one_drawing_per_wrong_derivative(tmp_path, capsys):
    if shutil.which("dot") is None:
        pytest.skip("the Graphviz 'dot' program is not installed; drawings cannot be rendered")
    case = tmp_path / "case.toml"
    case.write_text(NEURON + '[claims]\n"dE/dw" = 0.5000\no = 0.9\n[formulas]\n"dE/db" = "o - y"\n')
    assert main(["verify", str(case), "--draw", str(tmp_path / "drawings")]) == 1
    names = sorted(p.name for p in (tmp_path / "drawings").iterdir())
    assert names == ["derivative_dE_dw.svg", "formula_dE_db.svg"]  # a wrong value: no drawing
    svg = (tmp_path / "drawings" / "derivative_dE_dw.svg").read_text()
    assert "<svg" in svg and "w.grad is" not in svg  # grads are those of this derivative
    assert "drawings written: 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("node", "wrt"),
    [("J", "w1_11"), ("J", "o1"), ("o1", "h1"), ("h1", "w1_21"), ("J", "x1"), ("o1", "w2_01")],
)
def test_a_point_confirms_its_derivatives_by_central_differences(node, wrt):
    from chaingrad.autograd.verification import Point, load_case

    case = load_case(CASES / "seed000_case3.toml")
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    exact = point.derivative(node, wrt)
    assert point.finite_difference(node, wrt) == pytest.approx(exact, rel=1e-7, abs=1e-10)


def test_central_differences_of_an_array_case_match_autodiff():
    from chaingrad.autograd.verification import Point, load_case

    case = load_case(CASES / "seed004_softmax_l2.toml")
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    for wrt in case.parameters:
        exact = point.derivative(case.loss, wrt)
        assert np.allclose(point.finite_difference(case.loss, wrt), exact, rtol=1e-6, atol=1e-9)
