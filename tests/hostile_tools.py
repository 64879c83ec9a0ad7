"""More rows of the hostile-input table (see tests/hostile_inputs.py): found by the error-message
audit, for tools."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from chaingrad.autograd.chain import ChainRuleError, chain_rule, explain
from chaingrad.autograd.drawing import (
    Connection,
    DotTimeoutError,
    DrawError,
    NetworkLayout,
    Unit,
    draw,
    save,
)
from chaingrad.autograd.files import SaveError
from chaingrad.autograd.value import Value, sum_values
from chaingrad.autograd.verification import CaseFileError, compare, verify
from chaingrad.autograd.verification import load_case as load
from chaingrad.autograd.verification.casefile import MAX_ARRAY_SIZE, MAX_NAMES
from hostile_inputs import CASE_FILE, Row, cli, expect, python


def _y() -> Value:
    """y = tanh(a * b) with labelled leaves a, b, after backward()."""
    y = (Value(2.0, "a") * Value(3.0, "b")).tanh().named("y")
    y.backward()
    return y


def _square(x: Value) -> Value:
    return x * x


def _network(titles: tuple[str, ...] = (), target: tuple[int, int] = (1, 0)) -> None:
    """Draw o = sigmoid(w * x) in the network view from a hand-made layout."""
    x, w = Value(0.5, "x"), Value(2.0, "w")
    out = (w * x).sigmoid().named("o")
    out.backward()
    columns = ((Unit("x", "input", x),), (Unit("o", "output", out, out.parents[0]),))
    draw(
        out, view="network", layout=NetworkLayout(columns, (Connection((0, 0), target, w),), titles)
    )


def _dense(n: int) -> Value:
    """d1 = x*x and each d_k the sum of every earlier one and x: n(n+1)/2 labelled edges."""
    x = Value(0.5, "x")
    ds = [(x * x).named("d1")]
    for k in range(2, n + 1):
        ds.append(sum_values([*ds, x]).named(f"d{k}"))
    return ds[-1]


def _wide_network(connections: int) -> None:
    """Draw o = sigmoid(w * x) in the network view with `connections` copies of its edge."""
    x, w = Value(0.5, "x"), Value(2.0, "w")
    out = (w * x).sigmoid().named("o")
    columns = ((Unit("x", "input", x),), (Unit("o", "output", out, out.parents[0]),))
    layout = NetworkLayout(columns, (Connection((0, 0), (1, 0), w),) * connections)
    draw(out, view="network", layout=layout)


def _save_with_dot(script: str, timeout: float = 20.0) -> Callable[[Path], None]:
    """Save a drawing as SVG with a stand-in ``dot`` (a shell script) first on PATH."""

    def run(folder: Path) -> None:
        (folder / "bin").mkdir()
        (folder / "bin" / "dot").write_text(f"#!/bin/sh\n{script}\n")
        (folder / "bin" / "dot").chmod(0o755)
        path = os.environ["PATH"]
        os.environ["PATH"] = f"{folder / 'bin'}{os.pathsep}{path}"
        try:
            save(draw(_y()), folder / "g.svg", timeout=timeout)
        finally:
            os.environ["PATH"] = path
            expect(not (folder / "g.svg").exists(), "nothing written")

    return run


def _save_onto_folder(folder: Path) -> None:
    (folder / "g.svg").mkdir()
    try:
        save(draw(_y()), folder / "g.svg")
    finally:
        expect(sorted(p.name for p in folder.iterdir()) == ["g.svg"], "no temporary file left")


def _save_into_locked_folder(folder: Path) -> None:
    locked = folder / "locked"
    locked.mkdir(mode=0o500)
    try:
        save(draw(_y()), locked / "g.svg")
    finally:
        locked.chmod(0o700)


def _case_text(inputs: str) -> Callable[[Path], None]:
    """Write ``case.toml`` with the given [inputs] lines and one equation."""

    def setup(folder: Path) -> None:
        text = f'[inputs]\n{inputs}\n[equations]\nE = "x0"\n'
        (folder / "case.toml").write_text(text, encoding="utf-8")

    return setup


_MANY_NAMES = "\n".join(f"x{i} = 1.0" for i in range(MAX_NAMES + 1))
_BIG_ARRAY = "x0 = [" + ", ".join(["1.0"] * (MAX_ARRAY_SIZE + 1)) + "]"


# fmt: off
ROWS: list[Row] = [
    # ------------------------------------------------------------------ compare
    python("tools-compare-hand-nan-text", "compare({'x': 'nan'}, f, at) (was judged 'wrong')",
           ValueError, ("compare: hand value for 'x' is 'nan'", "not a finite number",
                        "such as 4.0"),
           lambda _: compare({"x": "nan"}, _square, {"x": 2.0})),
    python("tools-compare-hand-inf", "compare({'x': float('inf')}, f, at)", ValueError,
           ("hand value for 'x' is inf", "not a finite number"),
           lambda _: compare({"x": float("inf")}, _square, {"x": 2.0})),
    python("tools-compare-hand-huge-int", "compare({'x': 10**400}, f, at)", ValueError,
           ("hand value for 'x' is an integer too large for a float",),
           lambda _: compare({"x": 10**400}, _square, {"x": 2.0})),
    python("tools-compare-eps-zero", "compare(..., eps=0) (named numeric_gradient)", ValueError,
           ("compare: eps must be a number in (0, 1)", "got 0"),
           lambda _: compare({"x": 4.0}, _square, {"x": 2.0}, eps=0)),
    python("tools-compare-eps-str", "compare(..., eps='abc')", ValueError,
           ("compare: eps must be a number in (0, 1)", "got 'abc'"),
           lambda _: compare({"x": 4.0}, _square, {"x": 2.0}, eps="abc")),
    python("tools-compare-arity", "compare(hand, lambda x, y: x * y, {'x': 2.0})", TypeError,
           ("compare: the function cannot be called with the arguments named in at (x)",
            "missing a required argument: 'y'", "one argument per entry of at"),
           lambda _: compare({"x": 4.0}, lambda x, y: x * y, {"x": 2.0})),
    python("tools-compare-extra-name", "compare(hand, f(x), {'x': 2.0, 'z': 1.0})", TypeError,
           ("arguments named in at (x, z)", "unexpected keyword argument 'z'"),
           lambda _: compare({"x": 4.0}, _square, {"x": 2.0, "z": 1.0})),
    python("tools-compare-at-none", "compare(hand, f, at=None)", TypeError,
           ("compare: at must be a dict of name -> value", "got NoneType"),
           lambda _: compare({"x": 4.0}, _square, None)),
    python("tools-compare-hand-none", "compare(None, f, at)", TypeError,
           ("compare: hand must be a dict of name -> derivative", "got NoneType"),
           lambda _: compare(None, _square, {"x": 2.0})),
    python("tools-compare-not-callable", "compare(hand, 3, at)", TypeError,
           ("compare: function must be callable, got int",),
           lambda _: compare({"x": 4.0}, 3, {"x": 2.0})),
    # ------------------------------------------------------------------ verify, load_case
    python("tools-verify-int", "verify(123)", TypeError,
           ("verify: expected a case-file path", "got int"), lambda _: verify(123)),
    python("tools-verify-none", "verify(None)", TypeError,
           ("verify: expected a case-file path", "got NoneType"), lambda _: verify(None)),
    python("tools-load-case-int", "autograd.load_case(3)", TypeError,
           ("load_case: expected a case-file path", "got int"), lambda _: load(3)),
    cli("tools-case-too-many-names", f"a case file with {MAX_NAMES + 1} inputs",
        ["verify", "{tmp}/case.toml"],
        (f"the limit is {MAX_NAMES}", "split the document into several case files"),
        setup=_case_text(_MANY_NAMES), where=CASE_FILE),
    cli("tools-case-array-too-big", f"an input array of {MAX_ARRAY_SIZE + 1} entries",
        ["verify", "{tmp}/case.toml"],
        (f"more than {MAX_ARRAY_SIZE} entries in one array", "a smaller example"),
        setup=_case_text(_BIG_ARRAY), where=CASE_FILE),
    python("tools-case-dict-too-many-names", f"verify(a dict with {MAX_NAMES + 1} inputs)",
           CaseFileError, ("<dict>", "split the document"),
           lambda _: verify({"inputs": {f"x{i}": 1.0 for i in range(MAX_NAMES + 1)},
                             "equations": {"E": "x0"}}), where=CASE_FILE),
    # ------------------------------------------------------------------ explain, chain_rule
    python("tools-explain-digits-str", "explain(y, 'a', digits='x')", ChainRuleError,
           ("explain: digits must be a whole number from 1 to 17", "got 'x'"),
           lambda _: explain(_y(), "a", digits="x")),
    python("tools-explain-digits-zero", "explain(y, 'a', digits=0) (printed '7e-05')",
           ChainRuleError, ("explain: digits must be a whole number from 1 to 17", "got 0"),
           lambda _: explain(_y(), "a", digits=0)),
    python("tools-chain-max-paths-str", "chain_rule(y, 'a', max_paths='x')", ChainRuleError,
           ("chain_rule: max_paths must be a whole number >= 1", "got 'x'"),
           lambda _: chain_rule(_y(), "a", max_paths="x")),
    python("tools-explain-max-paths-bool", "explain(y, 'a', max_paths=True)", ChainRuleError,
           ("explain: max_paths must be a whole number >= 1", "got True"),
           lambda _: explain(_y(), "a", max_paths=True)),
    # ------------------------------------------------------------------ draw
    python("tools-draw-digits-bool", "draw(y, digits=True) (a bool passed the int check)",
           DrawError, ("draw: digits must be a whole number from 1 to 17", "got True"),
           lambda _: draw(_y(), digits=True)),
    python("tools-draw-parameters-str", "draw(y, parameters='ab') (read as ['a', 'b'])",
           DrawError, ("draw: parameters must be a list of nodes or labels", "a single str",
                       "parameters=['ab']"),
           lambda _: draw(_y(), parameters="ab")),
    python("tools-draw-parameters-node", "draw(y, parameters=a_node)", DrawError,
           ("draw: parameters must be a list", "a single Value", "parameters=[node]"),
           lambda _: draw(_y(), parameters=Value(1.0, "a"))),
    python("tools-draw-parameters-int-entry", "draw(y, parameters=[3]) (was ignored)", DrawError,
           ("draw: parameters: expected nodes or their labels (str), got int 3",),
           lambda _: draw(_y(), parameters=[3])),
    python("tools-draw-view-list", "draw(y, view=['ops'])", DrawError,
           ("draw: unknown view ['ops']", "choose one of: ops, expressions, network"),
           lambda _: draw(_y(), view=["ops"])),
    python("tools-draw-layout-titles", "a network layout with 1 title for 2 columns", DrawError,
           ("layout has 1 titles for 2 columns", "give one title per column, or none"),
           lambda _: _network(titles=("inputs",))),
    python("tools-draw-layout-dangling", "a layout connection to (5, 0), a unit that is not there",
           DrawError, ("no unit at (5, 0)", "(column, row) indices into layout.columns",
                       "2 columns"),
           lambda _: _network(target=(5, 0))),
    python("tools-draw-max-edges", "draw(d25, view='expressions'), each node using all earlier "
           "ones: 325 edges, 26 nodes (dot took minutes)", DrawError,
           ("the expressions view of 'd25' has 325 edges", "more than max_edges=200",
            "Label fewer nodes", "raise max_edges"),
           lambda _: draw(_dense(25), view="expressions")),
    python("tools-draw-max-edges-ops", "draw(d25): 325 edges in the ops view", DrawError,
           ("the graph of 'd25' has", "more than max_edges=200", "Try view='expressions'",
            "raise max_edges"), lambda _: draw(_dense(25))),
    python("tools-draw-max-edges-network", "a network layout of 201 connections", DrawError,
           ("the network has 201 connections, more than max_edges=200",
            "draw a smaller network or raise max_edges"), lambda _: _wide_network(201)),
    python("tools-draw-max-edges-float", "draw(y, max_edges=2.5)", DrawError,
           ("draw: max_edges must be a positive whole number, got 2.5",),
           lambda _: draw(_y(), max_edges=2.5)),
    # ------------------------------------------------------------------ save
    python("tools-save-timeout-str", "save(graph, 'g.svg', timeout='20')", DrawError,
           ("save: timeout must be a positive number of seconds, got '20'",),
           lambda folder: save(draw(_y()), folder / "g.svg", timeout="20")),
    python("tools-save-dot-timeout", "save(graph, 'g.svg', timeout=0.5) with a dot that hangs",
           DotTimeoutError, ("did not lay out g.svg", "within timeout=0.5 s",
                             "nothing was written", "pass save() a longer timeout",
                             "run dot on it yourself"),
           _save_with_dot("exec sleep 600", timeout=0.5)),
    python("tools-save-dot-fails", "save(graph, 'g.svg') with a dot that fails", DrawError,
           ("save: Graphviz's dot failed (exit status 3): Error: out of memory",),
           _save_with_dot("echo 'Error: out of memory' >&2; exit 3")),
    python("tools-save-onto-folder", "save(graph, 'g.svg') where g.svg is a folder (named the "
           "temporary file)", SaveError,
           ("save: cannot write", "g.svg: it is a folder", "pass the path of a file"),
           _save_onto_folder),
    python("tools-save-under-file", "save(graph, 'afile/g.svg') where afile is a file",
           SaveError, ("save: cannot write", "afile/g.svg:", "afile is a file, not a folder",
                       "choose another folder"),
           lambda folder: save(draw(_y()), folder / "afile" / "g.svg"),
           setup=lambda folder: (folder / "afile").write_text("")),
    python("tools-save-locked-folder", "save(graph, 'locked/g.svg') without write permission",
           SaveError, ("save: cannot write", "locked/g.svg: Permission denied"),
           _save_into_locked_folder, skip_as_root=True),
    python("tools-save-is-oserror", "save onto a folder, caught as OSError", OSError,
           ("g.svg: it is a folder",), _save_onto_folder),
]
# fmt: on
