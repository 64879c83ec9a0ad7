"""The bounds on drawings (issue 17, item 5): edges are limited as nodes are, Graphviz's dot
runs with a time limit, and ``verify --draw`` skips, with a note, the claims it cannot draw.

A slow ``dot`` is a stand-in script on PATH that sleeps, so no test waits for a real layout;
the real chain of the issue (100 equations, 199 edges) takes dot minutes.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from chaingrad.autograd import drawing
from chaingrad.autograd.drawing import (
    DEFAULT_MAX_EDGES,
    DOT_TIMEOUT,
    Connection,
    DotTimeoutError,
    DrawError,
    NetworkLayout,
    Unit,
    draw,
    save,
)
from chaingrad.autograd.drawing import render as render_module
from chaingrad.autograd.value import Value, sum_values
from chaingrad.autograd.verification import verify
from chaingrad.nn.app import cli
from chaingrad.nn.app.cli import main
from chaingrad.nn.documents.casefiles import SHIPPED_CASE_FILES
from chaingrad.nn.documents.catalog import CASES

posix_only = pytest.mark.skipif(os.name != "posix", reason="the stand-in dot is a shell script")


def dense(n: int) -> Value:
    """d1 = x*x and each d_k the sum of every earlier one and x: n(n+1)/2 labelled edges."""
    x = Value(0.5, "x")
    ds = [(x * x).named("d1")]
    for k in range(2, n + 1):
        ds.append(sum_values([*ds, x]).named(f"d{k}"))
    ds[-1].backward()
    return ds[-1]


def chain_case(n: int) -> str:
    """The case file of the issue: e1 = x*x, then each e_k = e_(k-1)*x + e_(k-1)."""
    lines = ["[inputs]", "x = 0.5", "[equations]", 'e1 = "x*x"']
    lines += [f'e{k} = "e{k - 1}*x + e{k - 1}"' for k in range(2, n + 1)]
    return "\n".join(lines) + "\n"


def many_paths_case() -> str:
    """a_k = a_(k-1) b_(k-1), b_k = a_(k-1) + b_(k-1): dE/dx has 2**9 = 512 paths, and the
    document's number for it (1.0) is wrong; so is its dE/da9."""
    lines = ["[inputs]", "x = 0.5", "[equations]", 'a1 = "x*x"', 'b1 = "x + 1"']
    for k in range(2, 10):
        lines += [f'a{k} = "a{k - 1}*b{k - 1}"', f'b{k} = "a{k - 1} + b{k - 1}"']
    lines += ['E = "a9 + b9"', "[claims]", '"dE/dx" = 1.0', '"dE/da9" = 2.0']
    return "\n".join(lines) + "\n"


@pytest.fixture
def slow_dot(tmp_path, monkeypatch) -> Path:
    """A ``dot`` on PATH that records its process id in ``calls`` and sleeps ten minutes."""
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f'#!/bin/sh\necho $$ >> "{folder}/calls"\nexec sleep 600\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder / "calls"


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# --------------------------------------------------------------------- max_edges
def test_edges_are_refused_beyond_max_edges_in_every_view():
    loss = dense(40)  # the issue's 40-node graph: 820 edges
    with pytest.raises(DrawError) as caught:
        draw(loss, view="expressions")
    assert str(caught.value) == (
        "draw: the expressions view of 'd40' has 820 edges between its 41 labelled nodes and "
        "leaves, more than max_edges=200. Label fewer nodes, draw a smaller part of the graph, "
        "or raise max_edges."
    )
    with pytest.raises(DrawError, match=r"the graph of 'd40' has 821 edges, more than "
                       r"max_edges=200\. Try view='expressions'.*raise max_edges\.$"):  # fmt: skip
        draw(loss)
    assert draw(loss, view="expressions", max_edges=820).source.count(" -> ") == 820
    x, w = Value(0.5, "x"), Value(2.0, "w")
    out = (w * x).sigmoid().named("o")
    columns = ((Unit("x", "input", x),), (Unit("o", "output", out, out.parents[0]),))
    wide = NetworkLayout(columns, (Connection((0, 0), (1, 0), w),) * 201)
    with pytest.raises(DrawError, match=r"the network has 201 connections, more than "
                       r"max_edges=200; draw a smaller network or raise max_edges"):  # fmt: skip
        draw(out, view="network", layout=wide)
    assert draw(out, view="network", layout=wide, max_edges=201).source.count("w = 2") == 201


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "200", None])
def test_max_edges_must_be_a_positive_whole_number(bad):
    with pytest.raises(DrawError, match="draw: max_edges must be a positive whole number, got "):
        draw(Value(1.0, "a"), max_edges=bad)


def test_every_drawing_of_the_documents_is_well_within_the_limits(tmp_path, capsys):
    """Every built-in case in every view and every shipped case file in each view that
    applies, as ``chaingrad draw`` makes them: at most 107 edges, under 60% of the limit."""
    targets = [(name, view) for name in CASES for view in ("network", "expressions", "ops")]
    targets += [(str(path), view) for path in sorted(SHIPPED_CASE_FILES.glob("*.toml"))
                for view in ("expressions", "ops")]  # fmt: skip
    edges = {}
    for target, view in targets:
        folder = tmp_path / f"{len(edges)}"
        if main(["draw", target, "--view", view, "--format", "dot", "--out", str(folder)]) != 0:
            assert "a Tensor edge's local derivative is a rule" in capsys.readouterr().err
            continue  # the expressions view of an array case file
        (written,) = folder.iterdir()
        edges[written.name] = written.read_text(encoding="utf-8").count(" -> ")
    assert len(edges) > 3 * len(CASES)
    assert max(edges.values()) <= 0.6 * DEFAULT_MAX_EDGES, max(edges.items(), key=lambda e: e[1])


# --------------------------------------------------------------------- dot's time limit
def test_save_gives_dot_its_timeout(tmp_path, monkeypatch):
    given = []
    run = render_module.subprocess.run

    def spy(*args, **kwargs):
        given.append(kwargs["timeout"])
        return run(*args, **kwargs)

    monkeypatch.setattr(render_module.subprocess, "run", spy)
    graph = draw(dense(3))
    save(graph, tmp_path / "a.svg")
    save(graph, tmp_path / "b.png", timeout=2.5)
    save(graph, tmp_path / "c.dot")  # no dot run for DOT source
    assert given == [DOT_TIMEOUT, 2.5]


@posix_only
def test_a_slow_dot_is_stopped_and_nothing_is_written(tmp_path, slow_dot):
    graph = draw(dense(3))
    target = tmp_path / "out" / "g.svg"
    with pytest.raises(DotTimeoutError) as caught:
        save(graph, target, timeout=0.5)
    assert isinstance(caught.value, DrawError)
    assert str(caught.value) == (
        "save: Graphviz's dot did not lay out g.svg (7 edges) within timeout=0.5 s, so it was "
        "stopped and nothing was written. Draw less (view='expressions' with fewer labelled "
        "nodes, a smaller part of the graph, or a lower max_edges to be refused at once), pass "
        "save() a longer timeout, or write the DOT source (a .dot file; chaingrad draw "
        "--format dot) and run dot on it yourself"
    )
    assert not (tmp_path / "out").exists()
    (pid,) = map(int, slow_dot.read_text().split())
    assert gone(pid)  # stopped, not left sleeping


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "20", True, None])
def test_timeout_must_be_a_positive_number(tmp_path, bad):
    with pytest.raises(DrawError, match="save: timeout must be a positive number of seconds"):
        save(draw(dense(2)), tmp_path / "g.svg", timeout=bad)


@posix_only
def test_dot_failing_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "dot").write_text("#!/bin/sh\necho 'Error: <stdin>: syntax error in line 1' >&2\n"
                                "echo 'near here' >&2\nexit 1\n")  # fmt: skip
    (folder / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    with pytest.raises(DrawError) as caught:
        save(draw(dense(2)), tmp_path / "g.png")
    assert str(caught.value) == (
        "save: Graphviz's dot failed (exit status 1): Error: <stdin>: syntax error in line 1 "
        "near here"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


@posix_only
def test_draw_command_stops_dot_on_the_issues_chain_and_says_what_to_do(
    tmp_path, capsys, monkeypatch, slow_dot
):
    case = tmp_path / "chain.toml"
    case.write_text(chain_case(100), encoding="utf-8")
    assert len(case.read_bytes()) < 2100  # the issue's 1.8 KB file, give or take the title
    monkeypatch.setattr(cli, "save", functools.partial(save, timeout=0.5))
    out = tmp_path / "out"
    assert main(["draw", str(case), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("chaingrad draw: error: save: Graphviz's dot did not lay out "
                          "chain-expressions.svg (199 edges) within timeout=0.5 s")  # fmt: skip
    assert "chaingrad draw --format dot" in err
    assert not out.exists() or list(out.iterdir()) == []
    assert main(["draw", str(case), "--format", "dot", "--out", str(out)]) == 0
    assert (out / "chain-expressions.dot").read_text(encoding="utf-8").count(" -> ") == 199


# --------------------------------------------------------------------- verify --draw
def test_verify_draw_skips_a_claim_with_too_many_paths_and_keeps_the_verdict(tmp_path, capsys):
    """It stopped with exit 2 (a ChainRuleError) after printing the verdict."""
    case = tmp_path / "paths.toml"
    case.write_text(many_paths_case(), encoding="utf-8")
    assert main(["verify", str(case), "--draw", str(tmp_path / "drawn")]) == 1
    out, err = capsys.readouterr()
    assert "summary: 0 ok, 0 rounding, 2 wrong" in out
    assert "drawings written: 1 in" in out
    assert err == (
        "chaingrad verify: note: dE/dx: not drawn: dE/dx has 512 paths (more than "
        "max_paths=256); label fewer intermediate nodes, pick a node nearer the root, or raise "
        "max_paths\n"
    )
    assert [p.name for p in (tmp_path / "drawn").iterdir()] == ["derivative_dE_da9.svg"]


@posix_only
def test_verify_draw_tries_dot_once_when_it_runs_out_of_time(tmp_path, monkeypatch, slow_dot):
    """Every wrong claim of a case file is drawn from the same graph: after one timeout the
    others are skipped untried, so the wait is one timeout, not one per claim."""
    case = tmp_path / "case.toml"
    case.write_text(
        '[inputs]\nx = 0.5\n[equations]\ny = "x*x"\nE = "y*y"\n'
        '[claims]\n"dE/dx" = 9.0\n"dE/dy" = 9.0\n"dy/dx" = 9.0\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(drawing, "save", functools.partial(save, timeout=0.5))
    notes: list[str] = []
    assert verify(case).draw(tmp_path / "drawn", on_skip=notes.append) == []
    assert len(slow_dot.read_text().split()) == 1
    assert [note.split(": not drawn: ")[0] for note in notes] == ["dE/dx", "dE/dy", "dy/dx"]
    assert "did not lay out derivative_dE_dx.svg" in notes[0]
    assert notes[1:] == [f"{c}: not drawn: an earlier drawing ran out of time"
                         for c in ("dE/dy", "dy/dx")]  # fmt: skip
    assert not (tmp_path / "drawn").exists()
