"""Tests for nn.documents: seed 000's six cases and seed 001's blog network, recomputed.

The expected numbers are computed here by hand, in plain floats, independently of the
network code; where a document is wrong, the correct value is pinned."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from chaingrad.autograd.verification import verify
from chaingrad.nn.documents import documents
from chaingrad.nn.documents.documents import (
    Check,
    Statement,
    seed000_case,
    seed000_cases,
    seed000_numbers,
    seed001_blog,
)

ROOT = Path(__file__).resolve().parents[1]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ----------------------------------------------------------------------------- seed 000
def test_case1_numbers_by_hand():
    result = seed000_case(1)  # x1 = 0.05, x2 = 0.10, w = (0.35, 0.15, 0.20), t1 = 0.01
    o = sigmoid(0.35 * 1 + 0.15 * 0.05 + 0.20 * 0.10)
    assert result.values["o_1"] == pytest.approx(o, rel=1e-15)
    assert result.loss == pytest.approx(0.5 * (o - 0.01) ** 2, rel=1e-15)
    gradient_w0 = (o - 0.01) * o * (1 - o) * 1.0
    assert result.updated["w_0"] == pytest.approx(0.35 - 0.5 * gradient_w0, rel=1e-15)
    assert all(check.agrees for check in result.checks)
    assert "Case 1" in result.report()


@pytest.fixture(scope="module")
def cases():
    return seed000_cases()


def test_every_seed000_formula_agrees_with_autodiff_and_finite_differences(cases):
    for result in cases:
        assert result.autodiff_verified, result.title
        for check in result.checks:
            assert check.agrees, check.discrepancy()
        assert result.discrepancies() == []
        assert "Discrepancies in the document: none" in result.report()


def test_seed000_checks_cover_what_each_case_writes(cases):
    names = [{check.name for check in result.checks} for result in cases]
    # Case 1: dJ/do_1, do_1/dw_i and the update's dJ/dw_i for i = 0, 1, 2.
    assert names[0] == {"dJ/do_1", *(f"do_1/dw_{i}" for i in range(3))} | {
        f"dJ/dw_{i}" for i in range(3)
    }
    # Case 3 writes do_1/dh_j and dh_j/dw_ij^(1) as well.
    assert {"do_1/dh_1", "do_1/dh_2", "dh_2/dw_{12}^{(1)}"} <= names[2]
    # Cases 4-6: dJ/dw for every weight (3 inputs incl. the bias node, per neuron).
    sizes = [(2, 2, 2), (2, 2, 2, 1), (2, 2, 2, 2)]
    for case_names, shape in zip(names[3:], sizes):
        n_weights = sum(3 * n for n in shape[1:])
        assert len([n for n in case_names if n.startswith("dJ/dw")]) == n_weights


def test_case3_update_index_is_noted_and_case6_formulas_are_derived(cases):
    case3, case6 = cases[2], cases[5]
    assert any("j unbound" in note for note in case3.notes)
    assert {check.source for check in case6.checks} == {"derived"}
    first_layer = [c for c in case6.checks if c.name == "dJ/dw_{11}^{(1)}"]
    assert len(first_layer) == 1
    assert first_layer[0].formula.count(" + ") == 3  # 2 outputs x 2 second-layer nodes
    assert "4 paths" in case6.report()


def test_case4_first_layer_gradient_by_hand():
    numbers = {
        "x_1": 0.3, "x_2": -0.6, "t_1": 0.2, "t_2": 0.9,
        "w_{01}^{(1)}": 0.1, "w_{11}^{(1)}": 0.4, "w_{21}^{(1)}": -0.5,
        "w_{02}^{(1)}": -0.2, "w_{12}^{(1)}": 0.7, "w_{22}^{(1)}": 0.3,
        "w_{01}^{(2)}": 0.05, "w_{11}^{(2)}": -0.8, "w_{21}^{(2)}": 0.6,
        "w_{02}^{(2)}": 0.15, "w_{12}^{(2)}": 0.9, "w_{22}^{(2)}": -0.4,
    }  # fmt: skip
    result = seed000_case(4, numbers=numbers)
    assert "chosen by the caller" in result.title
    h1 = sigmoid(0.1 + 0.4 * 0.3 - 0.5 * -0.6)
    h2 = sigmoid(-0.2 + 0.7 * 0.3 + 0.3 * -0.6)
    o1 = sigmoid(0.05 - 0.8 * h1 + 0.6 * h2)
    o2 = sigmoid(0.15 + 0.9 * h1 - 0.4 * h2)
    d1, d2 = (o1 - 0.2) * o1 * (1 - o1), (o2 - 0.9) * o2 * (1 - o2)
    expected = (d1 * -0.8 + d2 * 0.9) * h1 * (1 - h1) * 0.3  # dJ/dw_{11}^{(1)}
    (check,) = [c for c in result.checks if c.name == "dJ/dw_{11}^{(1)}"]
    assert check.by_autodiff == pytest.approx(expected, rel=1e-12)
    assert check.by_formula == pytest.approx(expected, rel=1e-12)


def test_a_wrong_index_in_a_transcribed_formula_is_caught(monkeypatch):
    # Swap w_{12}^{(2)} and w_{21}^{(2)} in Case 5's dJ/dw_{i1}^{(1)}: a typical index slip.
    wrong = dict(documents._CASE5_LAYER1)
    wrong[1] = [(1, (1, 1), (1, 1)), (2, (2, 1), (2, 1))]
    monkeypatch.setattr(documents, "_CASE5_LAYER1", wrong)
    result = seed000_case(5)
    differs = {c.name for c in result.checks if not c.agrees}
    assert differs == {"dJ/dw_{01}^{(1)}", "dJ/dw_{11}^{(1)}", "dJ/dw_{21}^{(1)}"}
    assert result.autodiff_verified  # the engine is fine; the formula is not
    text = result.report()
    assert "DIFFERS" in text
    assert "Discrepancies in the document: 3" in text


def test_a_dropped_term_is_caught(monkeypatch):
    # Case 4's dJ/dw_{i2}^{(1)} with the path through o_2 left out.
    wrong = dict(documents._CASE4_TERMS)
    wrong[2] = wrong[2][:1]
    monkeypatch.setattr(documents, "_CASE4_TERMS", wrong)
    result = seed000_case(4)
    assert {c.name for c in result.checks if not c.agrees} == {
        f"dJ/dw_{{{i}2}}^{{(1)}}" for i in range(3)
    }


def test_seed000_numbers_come_from_the_case_files_and_are_overridable():
    a = seed000_case(3)
    assert a.values["x_1"] == 0.05 and a.values["w_{21}^{(2)}"] == 0.45
    assert "nn/documents/seed000_case3.toml" in a.title
    for case in range(1, 7):  # the report and `chaingrad verify` see the same network
        numbers = seed000_numbers(case)
        result = verify(ROOT / f"nn/documents/seed000_case{case}.toml")
        values = seed000_case(case).values
        assert all(values[label] == value for label, value in numbers.items())
        assert result.point.value(result.case.loss) == pytest.approx(
            seed000_case(case).loss, rel=1e-12
        )
    partial = seed000_case(3, numbers={"x_1": 0.5})
    assert partial.values["x_1"] == 0.5
    assert partial.values["x_2"] == a.values["x_2"]
    with pytest.raises(KeyError, match="w_9"):
        seed000_case(1, numbers={"w_9": 1.0})
    with pytest.raises(ValueError, match="case must be 1 to 6"):
        seed000_case(7)


def test_one_update_lowers_the_loss(cases):
    for result in cases:
        assert result.loss_after < result.loss


# ----------------------------------------------------------------------------- seed 001
def blog_by_hand() -> dict[str, float]:
    """The blog's network in plain floats, its numbers transcribed from its LaTeX."""
    x1, x2, y = 0.23, 0.55, 0.01
    w = [None, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
         0.8, 0.9]  # fmt: skip
    b = [None, 0.1, -0.4, 0.3, -0.5, 0.5, 0.6, -0.7]
    net3 = w[1] * x1 + w[4] * x2 + b[1]
    net4 = w[2] * x1 + w[5] * x2 + b[2]
    net5 = w[3] * x1 + w[6] * x2 + b[3]
    out3, out4, out5 = max(0, net3), max(0, net4), max(0, net5)
    net6 = w[7] * out3 + w[10] * out4 + w[13] * out5 + b[4]
    net7 = w[8] * out3 + w[11] * out4 + w[14] * out5 + b[5]
    net8 = w[9] * out3 + w[12] * out4 + w[15] * out5 + b[6]
    out6, out7, out8 = max(0, net6), max(0, net7), max(0, net8)
    net9 = w[16] * out6 + w[17] * out7 + w[18] * out8 + b[7]
    out9 = sigmoid(net9)
    delta = (out9 - y) * out9 * (1 - out9)
    step = [float(n > 0) for n in (net6, net7, net8)]
    return {
        "net_n4": net4,
        "out_n6": out6,
        "out_n9": out9,
        "E_total": 0.5 * (y - out9) ** 2,
        "dE/dw17": delta * out7,
        "dE/dw18": delta * out8,
        "dE/dw7": delta * w[16] * step[0] * out3,
        "dE/dw1": sum(
            delta * w_out * s * w_in * float(net3 > 0) * x1
            for w_out, s, w_in in zip((w[16], w[17], w[18]), step, (w[7], w[8], w[9]))
        ),
    }


@pytest.fixture(scope="module")
def blog():
    return seed001_blog()


def test_seed001_forward_pass_matches_the_hand_computation(blog):
    by_hand = blog_by_hand()
    for label in ("net_n4", "out_n6", "out_n9"):
        assert blog.values[label] == pytest.approx(by_hand[label], rel=1e-14)
    assert blog.loss == pytest.approx(by_hand["E_total"], rel=1e-14)
    # Every node value the blog states is reproduced (which confirms the inferred wiring).
    forward = [s for s in blog.statements if s.name.startswith(("net_", "out_", "E_"))]
    assert len(forward) == 15
    assert all(s.agrees for s in forward)


def test_seed001_pins_the_correct_values_where_the_blog_is_wrong(blog):
    by_hand = blog_by_hand()
    stated = {(s.name, s.how): s for s in blog.statements}
    w17 = stated[("dE_total/dw17", "autodiff")]
    assert (w17.stated, w17.agrees) == ("0.0850", False)
    assert w17.computed == pytest.approx(by_hand["dE/dw17"], rel=1e-12)
    assert f"{w17.computed:.4f}" == "0.1408"
    w18 = stated[("dE_total/dw18", "autodiff")]
    assert (w18.stated, w18.agrees) == ("0.1003", False)
    assert f"{w18.computed:.4f}" == "0.1664"
    # The stated new weights do follow from the correct gradients, not from the stated ones.
    assert stated[("w17 new", "the update with the exact gradient")].agrees
    assert not stated[("w17 new", "its own arithmetic")].agrees
    assert stated[("w18 new", "the update with the exact gradient")].agrees
    # w7: 0.7 - 0.01 * 0.03008 = 0.6996992, which the blog writes as 0.699 (not 0.700).
    w7 = stated[("w7 new", "the update with the exact gradient")]
    assert w7.computed == pytest.approx(0.7 - 0.01 * by_hand["dE/dw7"], rel=1e-14)
    assert not w7.agrees


def test_seed001_dw1_chain_drops_two_paths(blog):
    by_hand = blog_by_hand()
    blogs, derived = [c for c in blog.checks if c.name == "dE_total/dw1"]
    assert blogs.source == "document" and not blogs.agrees
    assert blogs.by_autodiff == pytest.approx(by_hand["dE/dw1"], rel=1e-12)
    assert blogs.by_formula == pytest.approx(by_hand["dE/dw1"] * 0.49 / (0.49 + 0.64 + 0.81))
    assert derived.source == "derived" and derived.agrees
    assert "sum of 3 paths" in blog.explanation


def test_seed001_discrepancies_are_exactly_the_blogs_mistakes(blog):
    assert blog.autodiff_verified
    found = {text.split(":")[0] for text in blog.discrepancies()}
    assert found == {
        "dE_total/dw17",
        "w17 new",
        "dE_total/dw18",
        "w18 new",
        "w7 new",
        "dE_total/dw1",
    }
    agreeing = {s.name for s in blog.statements if s.agrees}
    assert {"dE_total/dw16", "dE_total/db7", "dE_total/dw7", "b7 new", "w16 new"} <= agreeing
    report = blog.report()
    assert "Discrepancies in the document: 7" in report
    assert "two terms are dropped" in report
    assert "b2 = -0.4" in report


# ----------------------------------------------------------------------------- result types
def test_statement_rounding_rules():
    assert Statement("a", "", "0.315", 0.31480675).agrees
    assert not Statement("a", "", "0.699", 0.6996992).agrees
    assert Statement("a", "", "1", 1.0).agrees
    assert not Statement("a", "", "0", 1e-6).agrees  # a whole number is an exact claim
    assert Statement("a", "", "-0.701253", -0.7012529).decimals == 6


def test_check_tolerances_and_messages():
    good = Check("dJ/dw", "f", 0.5, 0.5 + 1e-14, 0.5 + 1e-9)
    assert good.agrees and good.autodiff_confirmed and good.discrepancy() is None
    bad = Check("dJ/dw", "f", 0.4, 0.5, 0.5 + 1e-6, note="why")
    assert not bad.agrees
    assert not bad.autodiff_confirmed
    assert bad.discrepancy() == (
        "dJ/dw: the document's formula f gives 0.4, but the derivative is 0.5 "
        "(autodiff; central difference 0.500001): why"
    )
    assert "AUTODIFF NOT CONFIRMED" in "\n".join(bad.lines())


# ----------------------------------------------------------------------------- demos
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("demos/seed000_cases.py", "0 discrepancies in the document"),
        ("demos/seed001_blog.py", "Discrepancies in the document: 7"),
    ],
)
def test_demo_scripts_run_from_the_repo_root(script, expected):
    run = subprocess.run(
        [sys.executable, script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert expected in run.stdout
