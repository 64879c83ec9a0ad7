"""Tests for the `chaingrad` command: demo, cases, draw, and its error policy."""

from __future__ import annotations

import errno
import re
import subprocess
import sys
from pathlib import Path

import pytest
from chaingrad.nn.app.cli import main
from chaingrad.nn.documents.catalog import CASES

ROOT = Path(__file__).resolve().parents[1]
CASE_FILES = ROOT / "nn" / "documents"


def test_demo_verifies_and_draws_every_case(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for path in CASE_FILES.glob("*.toml"):
        assert path.name in out
        assert (tmp_path / "verify" / f"{path.stem}.html").is_file()
        assert (tmp_path / "verify" / f"{path.stem}.md").is_file()
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for name in CASES:
        assert name in page
    # Every relative link on the gallery page points at a file that exists.
    links = re.findall(r'(?:href|src)="([^"#:]+)"', page)
    assert links
    missing = [link for link in links if not (tmp_path / link).exists()]
    assert not missing
    assert 'href="verify/seed001_blog.html"' in page
    for name in CASES:  # the interactive page of every case, linked
        assert f'href="explore/{name}.html"' in page
    assert (tmp_path / "documents" / "seed001-blog.txt").read_text().count("0.1408") >= 1
    # the wrong derivatives of the blog are drawn next to its report
    assert list((tmp_path / "verify" / "seed001_blog").glob("*.svg"))
    assert (tmp_path / "train" / "train_xor.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'href="train/train_xor.png"' in page


def test_train_writes_plots_and_weights(tmp_path, capsys):
    assert main(["train", "xor", "--epochs", "50", "--out", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "train_xor.png").is_file() and (tmp_path / "train_xor.npz").is_file()
    assert main(["train", "xor", "--epochs", "0", "--out", str(tmp_path)]) == 2
    assert "positive" in capsys.readouterr().err


def test_cases_lists_built_in_cases_and_case_files(capsys):
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    for name in CASES:
        assert name in out
    assert "seed001_blog.toml" in out


@pytest.mark.parametrize(
    ("argv", "written"),
    [
        (["draw", "seed000-case3"], "seed000-case3-network.svg"),
        (["draw", "seed001-blog", "--wrt", "w7", "--view", "expressions", "--format", "dot"],
         "seed001-blog-expressions-w7.dot"),
        (["draw", str(CASE_FILES / "seed001_blog.toml"), "--wrt", "w1", "--format", "png"],
         "seed001_blog-expressions-w1.png"),
        (["draw", str(CASE_FILES / "seed000_case1.toml"), "--view", "ops"],
         "seed000_case1-ops.svg"),
    ],
)  # fmt: skip
def test_draw_writes_the_requested_file(tmp_path, capsys, argv, written):
    assert main([*argv, "--out", str(tmp_path)]) == 0
    target = tmp_path / written
    assert target.is_file() and target.stat().st_size > 100
    assert str(target) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["draw", "seed999"], "neither a built-in case nor a case file"),
        (["draw", "missing.toml"], "no such case file"),
        (["draw", str(CASE_FILES / "seed001_blog.toml"), "--view", "network"],
         "the network view needs a built-in case"),
        (["draw", str(CASE_FILES / "seed001_blog.toml"), "--wrt", "w99"],
         "defines no node of that name"),
        (["draw", "seed001-blog", "--wrt", "w99"], "w99"),
        (["verify", "missing.toml"], "missing.toml"),
    ],
)  # fmt: skip
def test_user_errors_are_one_line_with_exit_status_2(tmp_path, capsys, argv, message):
    assert main([*argv, "--out", str(tmp_path)] if argv[0] == "draw" else argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith(f"chaingrad {argv[0]}: error: ")


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="neither a built-in case"):
        main(["--debug", "draw", "seed999", "--out", str(tmp_path)])


def test_console_entry_point_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "chaingrad", "cases"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "seed001-blog" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "chaingrad", "frobnicate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "invalid choice" in done.stderr


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere/x"),
         "cannot write /nowhere/x (No such file or directory); choose an --out folder"),
        (PermissionError(errno.EACCES, "Permission denied", "/locked/x.svg"),
         "cannot write /locked/x.svg (Permission denied); choose an --out folder"),
        (FileNotFoundError("load w.npz: no such file"), "error: load w.npz: no such file"),
    ],
)  # fmt: skip
def test_system_errors_are_write_errors_and_ours_keep_their_message(
    tmp_path, capsys, monkeypatch, error, message
):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("chaingrad.nn.app.cli.draw_case", fail)
    assert main(["draw", "seed001-blog", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chaingrad draw: error: ") and message in err
    assert err.count("\n") == 1


def test_demo_names_the_failed_training_run_and_how_to_see_why(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("chaingrad.nn.app.cli.SHIPPED_CASE_FILES", tmp_path / "none")
    monkeypatch.setattr("chaingrad.nn.app.cli._document_reports", lambda: [])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "train").write_text("a file where the training folder goes")
    assert main(["demo", "--out", str(tmp_path / "out")]) == 2
    first, second = capsys.readouterr().err.splitlines()
    assert first.startswith("chaingrad train: error: cannot write into")
    assert second == (
        "chaingrad demo: error: training seed 003's XOR network failed (error above); run "
        f"'chaingrad --debug train xor --out {tmp_path / 'out' / 'train'}' for the traceback"
    )


def test_every_option_says_its_default_in_help():
    import argparse

    from chaingrad.nn.app.cli import build_parser

    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {
        "demo",
        "cases",
        "draw",
        "explore",
        "train",
        "verify",
        "new",
        "bench",
        "help",
    }
    for name, sub in commands.choices.items():
        for action in sub._optionals._group_actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert "default" in (action.help or ""), f"chaingrad {name} {action.option_strings}"
    train_help = commands.choices["train"].format_help()
    assert "(default: ./out)" in train_help and "xor 1000" in train_help


def test_version_prints_the_installed_version(capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"chaingrad {metadata.version('chaingrad')}"


@pytest.mark.parametrize("listing", ["'xor', 'moons', 'digits'", "xor, moons, digits"])
def test_a_misspelt_choice_gets_the_nearest_in_either_pythons_wording(capsys, listing):
    from chaingrad.nn.app.cli import build_parser

    with pytest.raises(SystemExit) as done:  # Python <= 3.11 quotes the choices, later not
        build_parser().error(f"argument task: invalid choice: 'xr' (choose from {listing})")
    assert done.value.code == 2
    assert capsys.readouterr().err.endswith("(did you mean 'xor'?); see 'chaingrad --help'\n")
