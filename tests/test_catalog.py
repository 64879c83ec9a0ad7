"""Tests for `nn.documents.catalog`: the built-in document cases."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from chaingrad.autograd.chain import chain_rule, explain, find_node
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.verification import Point
from chaingrad.autograd.verification import load_case as load
from chaingrad.nn.documents.catalog import CASES, SEED_FILES, get_case
from chaingrad.nn.documents.seed000 import seed000_case
from chaingrad.nn.documents.seed001 import seed001_blog

CASE_FILES = Path(__file__).parents[1] / "nn" / "documents"
SEEDS = Path(__file__).parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module", params=list(CASES))
def built(request):
    case = CASES[request.param]
    return case, case.build()


def test_the_catalog_lists_every_document_case():
    assert list(CASES) == [
        *(f"seed000-case{k}" for k in range(1, 7)),
        "seed001-blog",
        "seed002",
        "seed003-xor",
        "seed004-softmax",
    ]
    assert {case.source for case in CASES.values()} == set(SEED_FILES.values())


def test_a_case_is_found_by_either_spelling_and_a_misspelling_gets_the_nearest():
    assert get_case("seed001_blog") is get_case("seed001-blog.toml") is CASES["seed001-blog"]
    with pytest.raises(KeyError) as caught:
        get_case("seed01-blog")
    message = str(caught.value)
    assert message.startswith("no built-in case 'seed01-blog'; did you mean 'seed001-blog'? ")
    assert "the cases, nearest first: seed001-blog, " in message
    with pytest.raises(KeyError, match="no built-in case 'zzz'; the cases, nearest first: "):
        get_case("zzz")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (shared/seeds) are not here")
def test_sources_are_the_seed_documents():
    for case in CASES.values():
        assert (SEEDS / case.source).is_file(), case.source


def test_every_case_builds_with_gradients(built):
    _, b = built
    assert b.loss.grad == 1.0 and math.isfinite(b.loss.data)
    order = topological_order(b.loss)
    in_graph = {id(n) for n in order}
    assert b.parameters == b.model.parameters()
    assert all(id(p) in in_graph and math.isfinite(p.grad) for p in b.parameters)
    assert any(p.grad != 0 for p in b.parameters)
    units = [u for column in b.layout.columns for u in column]
    assert all(id(n) in in_graph for u in units for n in (u.node, u.net) if n is not None)
    assert len(b.layout.connections) == len(b.parameters)  # every weight on an edge


def test_listed_weights_cover_every_layer_and_explain_their_gradient(built):
    case, b = built
    layers = {id(p): k for k, layer in enumerate(b.model.layers) for p in layer.parameters()}
    covered = set()
    for label in case.weights:
        node = find_node(b.loss, label)
        assert id(node) in layers, f"{label} is not a parameter of {case.name}"
        covered.add(layers[id(node)])
        rule = chain_rule(b.loss, node)
        assert rule.total == pytest.approx(node.grad, rel=1e-9, abs=1e-15)
        text = explain(b.loss, label)
        assert text.startswith(f"d{b.loss.label}/d{label} = ")
        assert text.endswith(f"{rule.total:.4g}")
    assert covered == set(range(len(b.model.layers)))


def test_builds_are_fresh_and_repeatable():
    case = get_case("seed000-case3")
    first, second = case.build(), case.build()
    assert first.loss is not second.loss
    assert first.loss.data == second.loss.data
    assert [p.grad for p in first.parameters] == [p.grad for p in second.parameters]


@pytest.mark.parametrize("k", range(1, 7))
def test_seed000_cases_are_the_documents_networks(k):
    b = get_case(f"seed000-case{k}").build()
    assert b.loss.data == pytest.approx(seed000_case(k).loss, rel=1e-15)


def test_seed001_is_the_blogs_network():
    b = get_case("seed001-blog").build()
    assert b.loss.data == pytest.approx(seed001_blog().loss, rel=1e-15)
    assert f"{find_node(b.loss, 'w7').grad:.4g}" == "0.03008"  # the blog's number


def _case_files_for(source: str) -> list:
    """The shipped case files for the seed document `source` written with scalar weights."""
    found = []
    for path in sorted(CASE_FILES.glob("*.toml")):
        case = load(path)
        if case.source == source and all(re.fullmatch(r"w\d_\d\d", p) for p in case.parameters):
            found.append(case)
    return found


@pytest.mark.parametrize("name", ["seed002", "seed004-softmax"])
def test_numbers_match_the_shipped_case_files(name):
    """The catalog and `chaingrad verify` of the shipped case file see the same network."""
    case = get_case(name)
    b = case.build()
    files = _case_files_for(case.source)
    assert files, f"no shipped case file in {CASE_FILES} for {case.source}"
    labels = {p.label: p for p in b.parameters}
    for file in files:
        point = Point.from_case(file, {**file.inputs, **file.parameters})
        assert point.value(file.loss) == pytest.approx(b.loss.data, rel=1e-12), file.file
        for name_in_file in file.parameters:
            layer, i, j = name_in_file[1], name_in_file[3], name_in_file[4]
            param = labels[f"w_{{{i}{j}}}^{{({layer})}}"]
            assert file.parameters[name_in_file] == param.data
            derivative = point.derivative(file.loss, name_in_file)
            assert derivative == pytest.approx(param.grad, rel=1e-9, abs=1e-15)


def test_document_notations():
    def labels(name):
        b = get_case(name).build()
        return [[u.name for u in column] for column in b.layout.columns]

    assert labels("seed002") == [
        ["a_0^{(0)}", "a_1^{(0)}", "1"],
        ["a_0^{(1)}", "a_1^{(1)}", "1"],
        ["a_0^{(2)}", "a_1^{(2)}"],
    ]
    assert labels("seed003-xor") == [
        ["x_1^{(0)}", "x_2^{(0)}", "x_3^{(0)}", "1"],
        [*(f"x_{j}^{{(1)}}" for j in range(1, 5)), "1"],
        ["ŷ_1"],
    ]
    assert labels("seed004-softmax") == [
        ["x_0", "x_1", "1"],
        ["g_0", "g_1", "1"],
        ["f_0", "f_1", "f_2"],
    ]
    b = get_case("seed004-softmax").build()
    assert find_node(b.loss, "h_1").data < 0  # hidden unit 1 off: the Heaviside factor is 0
    assert find_node(b.loss, "w_{01}^{(1)}").grad == pytest.approx(0.1 * 0.3)  # only alpha w
    b = get_case("seed002").build()
    assert sorted(p.label for p in b.parameters if p.label.endswith("^{(1)}"))[2] == "w_{02}^{(1)}"
