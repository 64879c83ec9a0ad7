"""Tests for nn.documents: seed 000's six cases and seed 001's blog, reported from their case files.

The expected numbers are computed here by hand, in plain floats, independently of the
network code; where a document is wrong, the correct value is pinned."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from chaingrad.autograd.verification import verify
from chaingrad.nn.documents.casefiles import CaseNotes, case_notes, document_label, shipped
from chaingrad.nn.documents.reports import document_report
from chaingrad.nn.documents.seed000 import (
    seed000_case,
    seed000_case_numbers,
    seed000_cases,
    seed000_network,
    seed000_numbers,
)
from chaingrad.nn.documents.seed001 import seed001_blog, seed001_network

ROOT = Path(__file__).resolve().parents[1]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def claims(report, kind: str) -> dict:
    return {c.claim: c for c in report.result.claims if c.kind == kind}


# ----------------------------------------------------------------------------- seed 000
def test_case1_numbers_by_hand():
    report = seed000_case(1)  # x1 = 0.05, x2 = 0.10, w = (0.35, 0.15, 0.20), t1 = 0.01
    o = sigmoid(0.35 * 1 + 0.15 * 0.05 + 0.20 * 0.10)
    assert report.values["o1"] == pytest.approx(o, rel=1e-15)
    assert report.loss == pytest.approx(0.5 * (o - 0.01) ** 2, rel=1e-15)
    gradient_w0 = (o - 0.01) * o * (1 - o) * 1.0
    assert report.updated["w0"] == pytest.approx(0.35 - 0.5 * gradient_w0, rel=1e-15)
    assert claims(report, "formula")["dJ/dw0"].claimed == pytest.approx(gradient_w0, rel=1e-15)
    assert all(c.status == "ok" for c in report.formulas)
    assert "Case 1" in report.text()


@pytest.fixture(scope="module")
def cases():
    return seed000_cases()


def test_every_seed000_formula_agrees_with_autodiff_and_central_differences(cases):
    assert seed000_case_numbers() == [1, 2, 3, 4, 5, 6]
    assert sum(len(report.formulas) for report in cases) == 87
    for report in cases:
        assert report.autodiff_confirmed, report.result.title
        assert [c.claim for c in report.result.claims if c.status != "ok"] == []
        assert report.discrepancies() == []
        for (node, wrt), central in report.central_differences.items():
            exact = report.result.point.derivative(node, wrt)
            assert central == pytest.approx(exact, rel=1e-6, abs=1e-10)
        text = report.text()
        assert "Discrepancies in the document: none" in text
        assert f"confirmed for all {len(report.confirmed)} derivatives" in text


def test_seed000_formulas_cover_what_each_case_writes(cases):
    names = [{c.claim for c in report.formulas} for report in cases]
    # Case 1: dJ/do1, do1/dw_i and the update's dJ/dw_i for i = 0, 1, 2.
    assert names[0] == {
        "dJ/do1",
        *(f"do1/dw{i}" for i in range(3)),
        *(f"dJ/dw{i}" for i in range(3)),
    }
    # Case 3 writes do1/dh_j and dh_j/dw_ij^(1) as well.
    assert {"do1/dh1", "do1/dh2", "dh2/dw1_12"} <= names[2]
    # Cases 4-6: dJ/dw for every weight (3 inputs incl. the bias node, per neuron).
    sizes = [(2, 2, 2), (2, 2, 2, 1), (2, 2, 2, 2)]
    for case_names, shape in zip(names[3:], sizes):
        n_weights = sum(3 * n for n in shape[1:])
        assert len([n for n in case_names if n.startswith("dJ/dw")]) == n_weights


def test_case3_update_index_is_noted_and_case6_formulas_are_derived(cases):
    case3, case6 = cases[2], cases[5]
    assert any("j unbound" in note for note in case3.notes.notes)
    assert case6.notes.derived and not case3.notes.derived
    (first_layer,) = [c for c in case6.formulas if c.claim == "dJ/dw1_11"]
    assert first_layer.shown.count(" + ") == 3  # 2 outputs x 2 second-layer nodes
    text = case6.text()
    assert "4 paths" in text and "[derived]" in text
    assert "sum of 4 paths" in case6.explanation  # the chain rule agrees: 4 paths
    assert "[derived]" not in case3.text()


def test_case4_first_layer_gradient_by_hand(cases):
    # The numbers of seed000_case4.toml: x = (0.05, 0.10), t = (0.01, 0.99).
    h1 = sigmoid(0.35 + 0.15 * 0.05 + 0.2 * 0.10)
    h2 = sigmoid(0.35 + 0.25 * 0.05 + 0.3 * 0.10)
    o1 = sigmoid(0.6 + 0.4 * h1 + 0.45 * h2)
    o2 = sigmoid(0.6 + 0.5 * h1 + 0.55 * h2)
    d1, d2 = (o1 - 0.01) * o1 * (1 - o1), (o2 - 0.99) * o2 * (1 - o2)
    expected = (d1 * 0.4 + d2 * 0.5) * h1 * (1 - h1) * 0.05  # dJ/dw_{11}^{(1)}
    formula = claims(cases[3], "formula")["dJ/dw1_11"]
    assert formula.computed == pytest.approx(expected, rel=1e-12)
    assert formula.claimed == pytest.approx(expected, rel=1e-12)


def _edited_case(tmp_path: Path, case: int, edit) -> Path:
    """A copy of seed 000's case file with its formula lines edited (same stem: same notes)."""
    lines = shipped(f"seed000_case{case}").read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"seed000_case{case}.toml"
    path.write_text("\n".join(edit(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_a_wrong_index_in_a_formula_is_caught(tmp_path):
    # Case 5's dJ/dw_{i1}^{(1)} with w_{12}^{(2)} written w_{21}^{(2)}: a typical index slip.
    def swap(line: str) -> str:
        return line.replace("w2_12", "w2_21") if re.match(r'"dJ/dw1_[0-2]1"', line) else line

    report = document_report(verify(_edited_case(tmp_path, 5, swap)))
    differs = {c.claim for c in report.result.claims if c.status != "ok"}
    assert differs == {"dJ/dw1_01", "dJ/dw1_11", "dJ/dw1_21"}
    assert report.autodiff_confirmed  # the engine is fine; the formula is not
    text = report.text()
    assert "WRONG" in text
    assert "Discrepancies in the document: 3 (3 wrong)" in text
    assert any("the document's formula" in d for d in report.discrepancies())


def test_a_dropped_term_is_caught(tmp_path):
    # Case 4's dJ/dw_{i2}^{(1)} with the path through o_2 left out.
    def drop(line: str) -> str:
        if re.match(r'"dJ/dw1_[0-2]2"', line):
            return line.split(" + ")[0] + '"'
        return line

    report = document_report(verify(_edited_case(tmp_path, 4, drop)))
    wrong = {c.claim: c for c in report.result.claims if c.status != "ok"}
    assert set(wrong) == {"dJ/dw1_02", "dJ/dw1_12", "dJ/dw1_22"}
    assert all("a dropped path" in c.hint for c in wrong.values())


def test_seed000_numbers_come_from_the_case_files():
    numbers = seed000_numbers(3)
    assert numbers["x_1"] == 0.05 and numbers["w_{21}^{(2)}"] == 0.45 and numbers["x_0"] == 1
    for case in seed000_case_numbers():  # the network and `chaingrad verify` see the same point
        net, inputs, targets = seed000_network(case)
        result = verify(shipped(f"seed000_case{case}"))
        assert {p.label: p.data for p in net.parameters()} == {
            document_label(name): value for name, value in result.case.parameters.items()
        }
        assert set(inputs) == {"x_1", "x_2"} and len(targets) == len(net.layers[-1].neurons)
    with pytest.raises(ValueError, match=r"case must be one of \[1, 2, 3, 4, 5, 6\], got 7"):
        seed000_case(7)


def test_one_update_lowers_the_loss(cases):
    for report in cases:
        assert report.loss_after < report.loss
        assert set(report.updated) == set(report.result.case.parameters)


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
        "E": 0.5 * (y - out9) ** 2,
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
    assert blog.loss == pytest.approx(by_hand["E"], rel=1e-14)
    # Every node value the blog states is reproduced (which confirms the inferred wiring).
    forward = claims(blog, "value")
    assert len(forward) == 15
    assert all(c.status == "ok" for c in forward.values())


def test_seed001_pins_the_correct_values_where_the_blog_is_wrong(blog):
    by_hand = blog_by_hand()
    derivatives, updated = claims(blog, "derivative"), claims(blog, "updated")
    w17 = derivatives["dE/dw17"]
    assert (w17.shown, w17.status) == ("0.0850", "wrong")
    assert w17.computed == pytest.approx(by_hand["dE/dw17"], rel=1e-12)
    assert f"{w17.computed:.4f}" == "0.1408"
    w18 = derivatives["dE/dw18"]
    assert (w18.shown, w18.status) == ("0.1003", "wrong")
    assert f"{w18.computed:.4f}" == "0.1664"
    # The stated new weights do follow from the correct gradients, not from the stated ones.
    assert updated["w17"].status == updated["w18"].status == "ok"
    assert "not the one the update used" in w17.hint and "not the one the update used" in w18.hint
    # w7: 0.7 - 0.01 * 0.03008 = 0.6996992, which the blog writes as 0.699 (not 0.700).
    w7 = updated["w7"]
    assert w7.computed == pytest.approx(0.7 - 0.01 * by_hand["dE/dw7"], rel=1e-14)
    assert w7.status == "rounding"
    assert blog.updated["w7"] == pytest.approx(w7.computed, rel=1e-15)


def test_seed001_dw1_chain_drops_two_paths(blog):
    by_hand = blog_by_hand()
    chain = claims(blog, "formula")["dE/dw1"]
    assert chain.status == "wrong"
    assert chain.computed == pytest.approx(by_hand["dE/dw1"], rel=1e-12)
    assert chain.claimed == pytest.approx(by_hand["dE/dw1"] * 0.49 / (0.49 + 0.64 + 0.81))
    assert "a dropped path" in chain.hint
    assert blog.explained == "w1" and "sum of 3 paths" in blog.explanation


def test_seed001_discrepancies_are_exactly_the_blogs_mistakes(blog):
    assert blog.autodiff_confirmed
    found = {(c.kind, c.claim) for c in blog.result.claims if c.status != "ok"}
    assert found == {
        ("derivative", "dE/dw17"),
        ("derivative", "dE/dw18"),
        ("updated", "w7"),
        ("formula", "dE/dw1"),
    }
    assert len(blog.discrepancies()) == 4
    ok = {c.claim for c in blog.result.claims if c.status == "ok"}
    assert {"dE/dw16", "dE/db7", "dE/dw7", "b7", "w16"} <= ok
    text = blog.text()
    assert "Discrepancies in the document: 4 (3 wrong, 1 rounding)" in text
    assert "b2 = -0.4" in text and "update the weight w10" in text
    assert text.count("central difference") >= len(blog.central_differences)


def test_seed001_network_is_the_case_files():
    net, inputs, target = seed001_network()
    result = verify(shipped("seed001_blog"))
    assert {p.label: p.data for p in net.parameters()} == dict(result.case.parameters)
    assert (inputs, target) == ({"x1": 0.23, "x2": 0.55}, {"y": 0.01})


# ----------------------------------------------------------------------------- reports, notes
def test_a_case_file_without_notes_gets_a_plain_report(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(shipped("seed000_case1").read_text(encoding="utf-8"), encoding="utf-8")
    report = document_report(verify(path))
    assert report.notes == CaseNotes()
    assert report.explained == "w0"  # the first parameter
    assert "Notes:" not in report.text()


def test_a_derivative_that_central_differences_do_not_confirm_is_named():
    report = seed000_case(1)
    confirmed = {**report.confirmed, ("J", "w1"): False}
    text = dataclasses.replace(report, confirmed=confirmed).text()
    assert f"NOT confirmed for 1 of {len(confirmed)} derivatives: dJ/dw1." in text


def test_notes_and_labels():
    assert case_notes("no_such_case_file") == CaseNotes()
    assert case_notes("seed001_blog").explain == "w1"
    assert len(case_notes("seed004_softmax_l2").notes) == 6
    labels = {"x1": "x_1", "w0": "w_0", "w01": "w_{01}", "w1_21": "w_{21}^{(1)}",
              "a0_1": "a_1^{(0)}", "h2_1": "h_1^{(2)}", "x_0": "x_0", "alpha": "alpha"}  # fmt: skip
    assert {name: document_label(name) for name in labels} == labels


# ----------------------------------------------------------------------------- demos
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("demos/seed000_cases.py", "87 formulas checked, 0 discrepancies in the document"),
        ("demos/seed001_blog.py", "Discrepancies in the document: 4 (3 wrong, 1 rounding)"),
    ],
)
def test_demo_scripts_run_from_the_repo_root(script, expected):
    run = subprocess.run(
        [sys.executable, script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert expected in run.stdout
