"""Tests for nn.app.tasks: the `chaingrad train` tasks, `run_task`, and the command's logic and
arguments."""

from __future__ import annotations

import argparse

import pytest
from chaingrad.nn.app.tasks import TASKS, add_train_arguments, run_task, train_command
from chaingrad.nn.checkpoint import load


def test_tasks_are_deterministic_and_the_moons_net_learns():
    a = run_task("moons", epochs=15, progress=False)
    b = run_task("moons", epochs=15, progress=False)
    assert a.history.records == b.history.records
    assert a.goal_record == "val_accuracy" and a.final_accuracy >= 0.95
    assert len(a.split.X_train) == 400 and len(a.split.X_test) == 100


def test_run_task_rejects_unknown_tasks_and_settings():
    with pytest.raises(ValueError, match="run_task: unknown task 'mnist'; the tasks are xor"):
        run_task("mnist")
    with pytest.raises(ValueError, match="hidden must be a positive whole number"):
        run_task("xor", hidden=0)


def test_train_command_writes_plots_and_weights(tmp_path, capsys):
    assert train_command("xor", epochs=20, out_dir=tmp_path, progress=False) == 0
    out = capsys.readouterr().out
    assert "xor: seed 003" in out and "epochs 20" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["train_xor.npz", "train_xor.png", "train_xor_boundary.png"]
    for name in names[1:]:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    net = TASKS["xor"].model(4, 0)
    load(net, tmp_path / "train_xor.npz")


def test_train_command_reports_bad_settings_on_stderr(tmp_path, capsys):
    assert train_command("xor", epochs=0, out_dir=tmp_path, progress=False) == 2
    assert capsys.readouterr().err.startswith("chaingrad train: error: fit: epochs must be")
    assert train_command("mnist", out_dir=tmp_path) == 2
    assert "unknown task 'mnist'" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert train_command("xor", epochs=1, out_dir=blocked, progress=False) == 2
    assert "cannot write into" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png"))


def test_add_train_arguments_parses_the_command_line():
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    line = "digits --epochs 5 --lr 0.5 --batch-size 20 --hidden 16 --seed 2 --out x --no-progress"
    args = parser.parse_args(line.split())
    assert (args.task, args.epochs, args.lr, args.batch_size, args.hidden, args.seed) == (
        "digits", 5, 0.5, 20, 16, 2,
    )  # fmt: skip
    assert str(args.out) == "x" and args.no_progress
    defaults = parser.parse_args(["moons"])
    assert defaults.epochs is None and defaults.seed == 0 and not defaults.no_progress
    with pytest.raises(SystemExit):
        parser.parse_args(["mnist"])
