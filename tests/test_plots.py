"""Tests for nn.app.plots: PNG (SVG, PDF) files are written (valid header, non-empty,
atomically) for training curves and decision boundaries, and bad input gets a clear error."""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.nn.app.plots import plot_decision_boundary, plot_history
from chaingrad.nn.layers import MLP
from chaingrad.nn.train import History

PNG = b"\x89PNG\r\n\x1a\n"


def history(validation=True, metrics=True):
    h = History()
    for epoch in range(1, 6):
        scores = {"loss": 1 / epoch}
        if metrics:
            scores["accuracy"] = 1 - 0.5 / epoch
        h.append(scores)
        if validation:
            h.append({k: v * 1.1 for k, v in scores.items()}, prefix="val_")
    return h


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 1000
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize(("validation", "metrics"), [(True, True), (False, True), (False, False)])
def test_plot_history_writes_a_png(tmp_path, validation, metrics):
    path = plot_history(history(validation, metrics), tmp_path / "curves.png", title="t")
    assert path == tmp_path / "curves.png"
    assert_png(path)


def test_plot_history_of_a_loss_that_reaches_zero(tmp_path):
    h = History()
    for loss in (1.0, 0.0):
        h.append({"loss": loss})
    assert_png(plot_history(h, tmp_path / "zero.png"))  # linear scale: no log of 0


@pytest.mark.parametrize(("suffix", "start"), [(".svg", b"<?xml"), (".PDF", b"%PDF")])
def test_plot_format_follows_the_suffix(tmp_path, suffix, start):
    assert plot_history(history(), tmp_path / f"curves{suffix}").read_bytes().startswith(start)


def test_plot_refuses_a_suffix_it_cannot_write(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"plot_history: cannot tell the image format from "
        r"'curves.txt'; end the name with .png, .svg or .pdf",
    ):
        plot_history(history(), tmp_path / "curves.txt")
    assert list(tmp_path.iterdir()) == []


def test_plot_history_rejects_an_empty_history(tmp_path):
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history(History(), tmp_path / "empty.png")


def test_plot_decision_boundary_writes_a_png(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 2))
    y = (x[:, 0] > 0).astype(int)
    net = MLP([2, 5, 2], hidden="relu", seed=0)
    assert_png(plot_decision_boundary(net, x, y, tmp_path / "b.png", resolution=40, title="b"))


def test_plot_decision_boundary_with_features_and_probability_targets(tmp_path):
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])  # 0/1 targets of a single sigmoid output
    net = MLP([3, 4, 1], output="sigmoid", seed=0)
    path = plot_decision_boundary(
        net, x, y, tmp_path / "xor.png", features=lambda p: np.column_stack([p, np.ones(len(p))])
    )
    assert_png(path)


@pytest.mark.parametrize(
    ("x", "y", "resolution", "message"),
    [
        (np.zeros((4, 3)), np.zeros(4, dtype=int), 10, r"shape \(N, 2\), got \(4,3\)"),
        (np.zeros((4, 2)), np.zeros(3, dtype=int), 10, r"4 points but labels of shape \(3,\)"),
        (np.zeros((4, 2)), np.zeros(4, dtype=int), 1, "resolution must be >= 2"),
    ],
)
def test_plot_decision_boundary_errors(tmp_path, x, y, resolution, message):
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(MLP([2, 2]), x, y, tmp_path / "b.png", resolution=resolution)
