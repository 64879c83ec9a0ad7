"""``chaingrad new``: starter case files that verify and draw as written, named by the
networks' own naming schemes, with examples of each claim that hold when uncommented."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

import pytest
from chaingrad.autograd.verification import verify
from chaingrad.nn.app.cli import main
from chaingrad.nn.app.starter import HIDDEN, LOSSES, MAX_LAYERS, MAX_WIDTH, OUTPUTS
from chaingrad.nn.documents.casefiles import case_file_name
from chaingrad.nn.scalar import ScalarMLP

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

SIZES = ("2-2-2", "3-1", "2-3-2-3", "1-2-2")
COMBINATIONS = [
    (hidden, output, loss)
    for hidden, output, loss in itertools.product(HIDDEN, OUTPUTS, LOSSES)
    if not (output == "identity" and loss == "cross_entropy")
]


def new(tmp_path: Path, name: str, *options: str) -> Path:
    """Run ``chaingrad new OPTIONS --out tmp/NAME`` and return the file written."""
    path = tmp_path / name
    assert main(["new", *options, "--out", str(path)]) == 0
    return path


def uncommented(text: str) -> str:
    """The file with every commented-out claim example made a claim."""
    return re.sub(r'^# ("?[A-Za-z_0-9]+(?:/d[A-Za-z_0-9]+)?"? = )', r"\1", text, flags=re.M)


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
def test_every_starter_file_verifies_and_draws_as_written(tmp_path, capsys, hidden, output, loss):
    i = COMBINATIONS.index((hidden, output, loss))
    sizes, names = SIZES[i % len(SIZES)], ("numbered", "indexed")[i % 2]
    if output == "softmax" and sizes.endswith("-1"):
        sizes += "-2"  # softmax needs two outputs
    options = ["--sizes", sizes, "--hidden", hidden, "--output", output, "--loss", loss]
    path = new(tmp_path, "case.toml", *options, "--names", names)
    assert main(["verify", str(path)]) == 0
    assert "summary: 0 ok, 0 rounding, 0 wrong" in capsys.readouterr().out
    assert main(["draw", str(path), "--format", "dot", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "case-expressions.dot").read_text().startswith("digraph")
    # every example claim, uncommented, holds: one of each kind
    filled = tmp_path / "filled.toml"
    filled.write_text(uncommented(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = verify(filled)
    assert [c.kind for c in result.claims] == [
        "value",
        "derivative",
        "updated",
        "formula",
        "formula",
    ]
    assert result.summary["ok"] == 5, result.text()


def test_softmax_outputs_with_cross_entropy(tmp_path):
    path = new(tmp_path, "s.toml", "--sizes", "2-2-3", "--hidden", "relu", "--output", "softmax",
               "--loss", "cross_entropy")  # fmt: skip
    text = path.read_text(encoding="utf-8")
    assert 'out_n5 = "exp(net_n5) / (exp(net_n5) + exp(net_n6) + exp(net_n7))"' in text
    assert 'E = "-(t1*log(out_n5) + t2*log(out_n6) + t3*log(out_n7))"' in text
    assert re.findall(r"^t\d = (\d)", text, re.M) == ["1", "0", "0"]  # one-hot targets
    # the softmax-cross-entropy gradient is o - t at the net inputs (targets summing to 1)
    case = tomllib.loads(text) | {"formulas": {"dE/dnet_n5": "out_n5 - t1"}}
    case["verify"] = {"points": 0}  # random points move the targets off one-hot
    assert verify(case).summary == {"ok": 1, "rounding": 0, "wrong": 0}


@pytest.mark.parametrize("names", ["numbered", "indexed"])
def test_the_names_are_the_naming_schemes_own(tmp_path, names):
    path = new(tmp_path, f"{names}.toml", "--sizes", "2-3-2-1", "--names", names)
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    net = ScalarMLP([2, 3, 2, 1], names=names)
    assert list(case["parameters"]) == [case_file_name(p.label) for p in net.parameters()]
    if names == "indexed":  # seed 000's notation: bias nodes, h<layer>_<j>, o1, J
        assert case["inputs"]["x0"] == case["inputs"]["h1_0"] == 1
        assert {"h1_1", "h2_2", "o1", "J"} <= set(case["equations"])
        assert case["equations"]["h1_1"].startswith("sigmoid(w1_01*x0 + w1_11*x1")
    else:  # seed 001's: w1..., b1..., net_n3, out_n3, E
        assert case["equations"]["net_n3"] == "w1*x1 + w4*x2 + b1"
        assert case["equations"]["out_n3"] == "sigmoid(net_n3)"


def test_numbers_to_replace_are_marked_and_the_file_says_what_to_do(tmp_path, capsys):
    assert main(["new", "--sizes", "2-2-1"]) == 0
    text = capsys.readouterr().out
    assert "chaingrad verify THIS_FILE" in text and "chaingrad help casefile" in text
    tables = tomllib.loads(text)
    numbers = [line for line in text.splitlines() if re.match(r"^[a-z]\w* = [-0-9.]+", line)]
    assert len(numbers) == len(tables["inputs"]) + len(tables["parameters"]) + 1  # + the rate
    assert all(line.endswith(("# placeholder", "the target")) for line in numbers)
    path = new(tmp_path, "a.toml", "--sizes", "2-2-1")
    assert path.read_text(encoding="utf-8") == text  # the same file, printed or written


def test_the_largest_network_verifies_and_draws(tmp_path):
    widest = "-".join([str(MAX_WIDTH)] * (MAX_LAYERS + 1))
    path = new(tmp_path, "big.toml", "--sizes", widest, "--hidden", "relu", "--output", "softmax",
               "--loss", "cross_entropy")  # fmt: skip
    assert verify(path).exit_code == 0
    # Its expressions view (hundreds of edges) is over the drawings' default bound: the
    # refusal names the bound, and the command line raises it.
    assert main(["draw", str(path), "--out", str(tmp_path)]) == 2
    limits = ["--max-edges", "1000", "--max-nodes", "1000"]
    assert main(["draw", str(path), "--out", str(tmp_path), *limits]) == 0


def test_draw_bounds_on_the_command_line_are_bounded(tmp_path, capsys):
    path = new(tmp_path, "small.toml", "--sizes", "2-2-1")
    for bad in ("0", "5001", "many"):
        with pytest.raises(SystemExit):
            main(["draw", str(path), "--max-edges", bad])
        assert "--max-edges" in capsys.readouterr().err
    assert main(["draw", str(path), "--out", str(tmp_path), "--max-edges", "3"]) == 2
    assert "more than max_edges=3" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--sizes", "2-2-2-2-2-2"], f"1 to {MAX_LAYERS} layers of 1 to {MAX_WIDTH} units"),
        (["--sizes", "2-10"], f"1 to {MAX_LAYERS} layers of 1 to {MAX_WIDTH} units"),
        (["--sizes", "2-0"], "1 to 4 layers"),
        (["--sizes", "3"], "1 to 4 layers"),
        (["--sizes", "two-one"], "joined by hyphens (2-2-1"),
        (["--sizes", "2-1", "--output", "softmax"], "--output softmax needs at least 2 outputs"),
        (["--sizes", "2-2", "--output", "identity", "--loss", "cross_entropy"],
         "needs outputs that are probabilities: use --output softmax"),
    ],
)  # fmt: skip
def test_impossible_networks_are_refused_in_one_line(tmp_path, capsys, options, message):
    assert main(["new", *options, "--out", str(tmp_path / "x.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chaingrad new: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_overwritten(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text("# an author's work\n", encoding="utf-8")
    assert main(["new", "--sizes", "2-1", "--out", str(path)]) == 2
    assert "the file exists; choose another name" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "# an author's work\n"
