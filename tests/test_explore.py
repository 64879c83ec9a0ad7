"""Tests for the chain-rule explorer without a browser: the recorded backward pass, the
numbers on every page against the engine (`chain_rule`, `explain`, `backward()`), the hooks
on its drawings, and the command (`chaingrad explore`). tests/test_explore_browser.py
drives the pages in Chromium."""

from __future__ import annotations

import math

import numpy as np
import pytest
from casefiles import write_case
from chaingrad.autograd import Value, explain
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.verification import Point, load_case
from chaingrad.nn.app.cli import main
from chaingrad.nn.app.explore import write_case_pages
from chaingrad.nn.app.explorer import ExploreError, page_html
from chaingrad.nn.app.explorer.steps import RecordingError, record_backward
from chaingrad.nn.documents.catalog import CASES
from explorer_pages import (
    CASE_FILES,
    drawings,
    expected_table,
    explain_lines,
    groups,
    page_json,
    subjects,
    text_of,
)

SUBJECTS = subjects()
TENSOR_FILES = ["seed002_matrix_form.toml", "seed003_matrix_form.toml"]
VALUE_GRAPHS = [name for name in SUBJECTS if name not in TENSOR_FILES]


def backward_grads(root) -> list:
    """Every gradient of one plain backward() from zeroed leaves, in topological order."""
    order = topological_order(root)
    for node in order:
        node._zero_grad()
    root.backward()
    return [
        None if n.grad is None else np.array(n.grad) if isinstance(n, Tensor) else n.grad
        for n in order
    ]


# ----------------------------------------------------------------------------- recording
@pytest.mark.parametrize("name", list(SUBJECTS))
def test_the_recorded_pass_ends_where_backward_does(name):
    expected = backward_grads(SUBJECTS[name]().root)
    record = record_backward(SUBJECTS[name]().root)
    assert len(record.final) == len(expected)
    for mine, real in zip(record.final, expected):
        if isinstance(real, np.ndarray) or real is None:
            assert (mine is None and real is None) or np.array_equal(mine, real)
        else:
            assert mine == real  # exactly: the same floats, not close ones
    # the steps are backprop's: every operation once, in reverse topological order
    made = [i for i, node in enumerate(record.order) if node._op]
    assert [step.node for step in record.steps] == made[::-1]
    # and replaying what each step wrote gives the final gradients
    grads = {len(record.order) - 1: record.seed}
    for step in record.steps:
        grads.update(step.grads)
    for i, grad in grads.items():
        assert np.array_equal(grad, record.final[i])


def test_a_replay_that_differs_from_backward_is_refused(monkeypatch):
    x = Value(0.5, label="x")
    y = ((x * x).tanh() + x).named("y")
    calls = 0
    propagate = Value._propagate

    def drifting(node):  # right in the real backward(), off by a little in the replay
        nonlocal calls
        calls += 1
        propagate(node)
        if calls > 3 and node._parents:
            node._parents[0].grad += 1e-12

    monkeypatch.setattr(Value, "_propagate", drifting)
    with pytest.raises(RecordingError, match="backward\\(\\) gives"):
        record_backward(y)


def test_leaf_gradients_are_those_of_one_pass():
    x = Value(2.0, label="x")
    y = (x * x).named("y")
    y.backward()
    y.backward()  # leaves accumulate: x.grad is 8 now
    record = record_backward(y)
    assert x.grad == 4.0 and record.final[0] == 4.0


# ----------------------------------------------------------------------------- the numbers
@pytest.fixture(scope="module")
def pages():
    """Each subject's page and the subject it was made from (after its backward pass)."""
    made = {}
    for name, make in SUBJECTS.items():
        subject = make()
        made[name] = (subject, page_html(subject))
    return made


@pytest.mark.parametrize("name", VALUE_GRAPHS)
def test_every_table_is_chain_rule_and_every_grad_backward(pages, name):
    subject, page = pages[name]
    data = page_json(page)
    fresh = backward_grads(SUBJECTS[name]().root)
    for view, part in data["views"].items():
        for key, selection in part["selections"].items():
            table = data["tables"][selection["table"]]
            expected = expected_table(subject, table["target"], view != "ops")
            got = {k: table[k] for k in expected}
            assert got == expected, (view, key)
            assert table["exactGrad"] == fresh[table["target"]]  # a separate backward()
            assert math.isclose(table["exactTotal"], table["exactGrad"], abs_tol=1e-15)


def test_the_tables_print_what_explain_prints(pages):
    subject, page = pages["seed001-blog"]
    data = page_json(page)
    order = topological_order(subject.root)
    for label in ("w7", "w1", "x2", "out_n3"):
        key = next(
            k
            for k, s in data["views"]["expressions"]["selections"].items()
            if data["nodes"][data["tables"][s["table"]]["target"]]["label"] == label
        )
        table = data["tables"][data["views"]["expressions"]["selections"][key]["table"]]
        shown = [(" · ".join(row["factors"]), row["product"]) for row in table["rows"]]
        assert shown == explain_lines(explain(subject.root, label))
        assert order[table["target"]].label == label


@pytest.mark.parametrize("name", TENSOR_FILES)
def test_tensor_pages_list_rules(pages, name):
    subject, page = pages[name]
    data = page_json(page)
    assert data["tensor"] and set(data["views"]) == {"expressions", "ops"}
    order = topological_order(subject.root)
    fresh = backward_grads(SUBJECTS[name]().root)
    w1 = next(i for i, n in enumerate(order) if n.label == "W1")
    for part in data["views"].values():
        tables = [data["tables"][s["table"]] for s in part["selections"].values()]
        table = next(t for t in tables if t["target"] == w1)
        assert len(table["rows"]) == 1 and table["rows"][0]["route"][0] == len(order) - 1
        assert all("∂" in factor for factor in table["rows"][0]["factors"])
        assert np.array_equal(table["exactGrad"], fresh[w1]) and table["note"] is None
        assert table["grad"].startswith(f"{tuple(order[w1].shape)}".replace(" ", ""))


def test_each_step_lists_what_the_engine_adds(pages):
    subject, page = pages["seed000-case3"]
    data = page_json(page)
    order = topological_order(subject.root)
    for step in data["steps"]:
        node = order[step["node"]]
        assert step["grad"] == text_of(node.grad)
        edges = list(zip(node._parents, node._local))
        assert len(step["edges"]) == len(edges)
        for (parent, factor, added), (real, local) in zip(step["edges"], edges):
            assert order[parent] is real
            assert (factor, added) == (text_of(local), text_of(local * node.grad))
    assert sum(data["consumers"]) == sum(len(order[s["node"]]._parents) for s in data["steps"])


# ----------------------------------------------------------------------------- the hooks
@pytest.mark.parametrize("name", ["seed001-blog", "seed004-softmax", "seed002_matrix_form.toml"])
def test_every_drawn_node_and_edge_carries_its_hooks(pages, name):
    subject, page = pages[name]
    data = page_json(page)
    for view, svg in drawings(page).items():
        nodes = groups(svg, "node")
        edges = groups(svg, "edge")
        names = {g.get("data-node") for g in nodes}
        assert nodes and all(g.get("data-node") and g.get("data-key") for g in nodes)
        assert all(g.get("data-from") in names and g.get("data-to") in names for g in edges)
        assert [int(g.get("data-edge")) for g in edges] == list(range(len(edges)))
        assert not [g for g in svg.iter() if g.get("id")]  # several drawings: no ids
        selectable = {g.get("data-key") for g in nodes if "selectable" in g.get("class")}
        keys = set(data["views"][view]["selections"])
        assert selectable == {k for k in keys if not k.startswith("edge")}
        weights = {f"edge{g.get('data-edge')}" for g in edges if g.get("data-weight")}
        assert weights == {k for k in keys if k.startswith("edge")}
        assert all(
            g.get("tabindex") == "0" and g.get("aria-label")
            for g in nodes
            if "selectable" in g.get("class")
        )
    labels = {n.label for n in topological_order(subject.root) if n.label is not None}
    expressions = {g.get("data-node") for g in groups(drawings(page)["expressions"], "node")}
    assert expressions == labels  # the expressions view draws every labelled node, by label


def test_network_edges_light_like_the_drawing(pages):
    """A click on w1 lights the units and connections `draw(..., wrt="w1")` lights."""
    from chaingrad.autograd.drawing import draw

    subject, page = pages["seed001-blog"]
    data = page_json(page)
    part = data["views"]["network"]
    svg = drawings(page)["network"]
    edge_ends = {
        int(g.get("data-edge")): (g.get("data-from"), g.get("data-to")) for g in groups(svg, "edge")
    }
    key = next(
        k
        for k, s in part["selections"].items()
        if data["nodes"][data["tables"][s["table"]]["target"]]["label"] == "w1"
    )
    lit = {edge_ends[n] for n in part["selections"][key]["edges"]}
    source = draw(subject.root, view="network", layout=subject.layout, wrt="w1").source
    names = {
        f"u{c}_{r}": unit.name
        for c, col in enumerate(subject.layout.columns)
        for r, unit in enumerate(col)
    }
    names["loss"] = subject.root.label
    drawn = set()
    for line in source.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[1] == "->" and "penwidth=2.5" in line:
            drawn.add((names[parts[0]], names[parts[2]]))
    assert lit == drawn


def test_a_drawing_that_names_its_nodes_otherwise_is_refused():
    """If the drawings ever numbered their nodes differently, no page is mislabelled."""
    import dataclasses
    import re

    from chaingrad.nn.app.explorer.drawn import sketch_view
    from chaingrad.nn.app.explorer.svg import annotate

    subject = SUBJECTS["seed000-case1"]()
    view = sketch_view(subject.root, "ops", subject.parameters)
    n = len(view.shapes)
    reversed_names = re.sub(
        r"\bn(\d+)\b", lambda m: f"n{n + 1 - int(m.group(1))}", view.svg
    )  # the same nodes, numbered from the loss
    annotate(view)  # as drawn: fine
    with pytest.raises(ExploreError, match="names its nodes in a new way"):
        annotate(dataclasses.replace(view, svg=reversed_names))


# ----------------------------------------------------------------------------- the page
def test_the_page_is_self_contained_and_deterministic(pages):
    _, page = pages["seed001-blog"]
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and " src=" not in page and "<link" not in page
    assert "default-src 'none'" in page  # the browser itself refuses any request
    Value(1.0) * Value(2.0)  # other graphs made in between change nothing
    again = page_html(SUBJECTS["seed001-blog"]())
    assert again == page
    assert "Generated by graphviz" not in page


# ----------------------------------------------------------------------------- the command
@pytest.mark.parametrize(
    "target", ["seed000-case3", "seed004-softmax", *(p.name for p in CASE_FILES[:2])]
)
def test_explore_writes_one_page(tmp_path, capsys, target):
    path = next((p for p in CASE_FILES if p.name == target), None)
    assert main(["explore", str(path or target), "--out", str(tmp_path)]) == 0
    written = tmp_path / f"{(path.stem if path else target)}.html"
    assert f"written: {written}" in capsys.readouterr().out
    data = page_json(written.read_text(encoding="utf-8"))
    assert data["first"] == ("expressions" if path else "network")


def test_view_sets_the_first_view(tmp_path):
    assert main(["explore", "seed000-case1", "--view", "ops", "--out", str(tmp_path)]) == 0
    assert page_json((tmp_path / "seed000-case1.html").read_text())["first"] == "ops"


def test_a_users_case_file(tmp_path):
    path = write_case(
        tmp_path,
        """
        title = "mine"
        [inputs]
        x = 0.5
        [parameters]
        w = 2.0
        b = -1.0
        [equations]
        h = "tanh(w*x + b)"
        y = "h*h + w*h"
    """,
    )
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 0
    data = page_json((tmp_path / f"{path.stem}.html").read_text())
    case = load_case(path)
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    root = point.nodes["y"]
    root.backward()
    for view, paths in (("expressions", 1), ("ops", 3)):  # h*h + w*h folded, or three edges
        h = next(
            s
            for s in data["views"][view]["selections"].values()
            if data["nodes"][data["tables"][s["table"]]["target"]]["label"] == "h"
        )
        table = data["tables"][h["table"]]
        assert len(table["rows"]) == paths and table["exactGrad"] == point.nodes["h"].grad
        assert math.isclose(sum(r["exactProduct"] for r in table["rows"]), table["exactGrad"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explore", "seed999"], "neither a built-in case nor a case file"),
        (["explore", "missing.toml"], "no such case file"),
        (["explore", str(CASE_FILES[0]), "--view", "network"], "no network view"),
    ],
)
def test_mistakes_are_one_line_with_status_2(tmp_path, capsys, argv, message):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_misspelt_view_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["explore", "seed000-case1", "--view", "graph"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'graph'" in err and len(err.strip().splitlines()) == 1


def test_an_invalid_case_file_is_one_line(tmp_path, capsys):
    path = write_case(tmp_path, '[equations]\ny = "x +"\n')
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_loss_with_several_entries_is_one_line(tmp_path, capsys):
    path = write_case(tmp_path, "[inputs]\nx = [1.0, 2.0]\n[parameters]\nw = [0.5, 0.25]\n"
                      '[equations]\ny = "w * x"\n')  # fmt: skip
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "y has shape (2,); sum it" in err and len(err.strip().splitlines()) == 1


def test_a_node_with_more_paths_than_explain_lists_gets_its_sum(tmp_path):
    # each equation uses the one before twice: 2**9 = 512 paths down to h0 in the ops view
    equations = "\n".join(f'h{i} = "h{i - 1} * w + h{i - 1}"' for i in range(1, 10))
    path = write_case(
        tmp_path, f"[inputs]\nh0 = 0.5\n[parameters]\nw = 0.9\n[equations]\n{equations}\n"
    )
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 0
    data = page_json((tmp_path / f"{path.stem}.html").read_text())
    for view, listed in (("expressions", True), ("ops", False)):
        h0 = next(
            data["tables"][s["table"]]
            for s in data["views"][view]["selections"].values()
            if data["nodes"][data["tables"][s["table"]]["target"]]["label"] == "h0"
        )
        assert bool(h0["rows"]) == listed
        assert (h0["note"] is None) == listed
    assert "512 paths" in h0["note"] or "more than 256 paths" in h0["note"]
    assert h0["total"] == "—" and h0["grad"] == text_of(h0["exactGrad"])


def test_a_graph_too_large_for_a_page_is_refused_with_the_limit(tmp_path, capsys):
    equations = "\n".join(f'h{i} = "tanh(h{i - 1} * w + 0.1)"' for i in range(1, 130))
    path = write_case(
        tmp_path, f"[inputs]\nh0 = 0.5\n[parameters]\nw = 0.9\n[equations]\n{equations}\n"
    )
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "more than max_nodes=500" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.html"))


def test_a_view_too_large_is_left_out_and_the_page_says_why(monkeypatch):
    from chaingrad.nn.app.explorer import explanations

    # the blog's tables list 511 factors in the expressions view, 782 in the ops view
    monkeypatch.setattr(explanations, "MAX_FACTORS", 600)
    page = page_html(SUBJECTS["seed001-blog"]())
    assert set(page_json(page)["views"]) == {"network", "expressions"}
    assert "No ops view: explore: the ops view&#x27;s path tables would list 782 factors" in page
    assert 'id="tab-ops" disabled' in page
    with pytest.raises(ExploreError, match="more than 600"):
        page_html(SUBJECTS["seed001-blog"](), view="ops")


def test_the_gallery_links_a_page_per_case(tmp_path):
    links = write_case_pages(tmp_path, [CASES["seed000-case1"], CASES["seed002"]])
    assert links == {
        "seed000-case1": "explore/seed000-case1.html",
        "seed002": "explore/seed002.html",
    }
    for href in links.values():
        assert page_json((tmp_path / href).read_text())["first"] == "network"
