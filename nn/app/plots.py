"""Plots of training as PNG, SVG or PDF files: loss and metrics per epoch, and decision
boundaries in 2-D.

Figures are drawn with matplotlib's Agg renderer on a `Figure` of their own, never
through ``pyplot``: nothing is shown, no global backend is switched, and it works on a
machine without a display. Files are written atomically (`autograd.files.write_atomically`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.tensor import Tensor
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..module import Module
from ..train import History, predicted_classes


def plot_history(
    history: History, path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Write `history` as an image (.png, .svg or .pdf, by the suffix of `path`): the
    loss per epoch (log scale) on the left and, when recorded, the other metrics
    (accuracy, ...) on the right; validation (held-out) records dashed."""
    if history.epochs == 0:
        raise ValueError("plot_history: the history is empty (train for at least one epoch)")
    names = [name.removeprefix("val_") for name in history.records]
    metrics = [name for name in dict.fromkeys(names) if name != "loss"]
    figure = Figure(figsize=(10 if metrics else 5.5, 4), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2 if metrics else 1, squeeze=False)[0]
    epochs = np.arange(1, history.epochs + 1)
    for ax, group in zip(axes, [["loss"], metrics]):
        for name in group:
            for prefix, style, label in (("", "-", "training"), ("val_", "--", "held out")):
                if prefix + name in history:
                    values = history[prefix + name]
                    ax.plot(epochs, values, style, label=f"{name} ({label})")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    loss_values = [v for key in ("loss", "val_loss") if key in history for v in history[key]]
    if min(loss_values) > 0:
        axes[0].set_yscale("log")
    axes[0].set_ylabel("loss")
    if metrics:
        axes[1].set_ylabel(", ".join(metrics))
    if title:
        figure.suptitle(title)
    return _save_figure(figure, path, "plot_history")


def plot_decision_boundary(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str],
    *,
    features: Callable[[np.ndarray], np.ndarray] | None = None,
    resolution: int = 200,
    title: str | None = None,
) -> Path:
    """Write an image (.png, .svg or .pdf) of the plane coloured by the class `model`
    predicts, with the points.

    `X` holds points (N, 2) and `y` their classes (integer labels, or 0/1 targets of
    shape (N, 1)). The model is evaluated on a `resolution` x `resolution` grid covering
    the points with a 10% margin; `features` turns grid points (M, 2) into the model's
    inputs when those are not the two coordinates (seed 003's XOR net also takes the
    constant X3 = 1). Classes are read from the outputs by
    `nn.train.predicted_classes`.
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary: X must hold points in the plane, shape (N, 2), got "
            f"{shape_text(X.shape)}"
        )
    labels = labels if labels.dtype.kind in "iu" else predicted_classes(labels)
    if labels.shape != (len(X),):
        raise ValueError(
            f"plot_decision_boundary: {len(X)} points but labels of shape {shape_text(np.shape(y))}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be >= 2, got {resolution!r}")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-9)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    inputs = features(points) if features is not None else points
    dtype = model.parameters()[0].dtype if model.parameters() else np.float64
    with no_grad():
        outputs = model(Tensor(inputs, dtype=dtype)).data
    regions = predicted_classes(outputs).reshape(grid_x.shape)
    classes = int(max(regions.max(), labels.max())) + 1
    figure = Figure(figsize=(5.5, 5), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    levels = np.arange(classes + 1) - 0.5
    ax.contourf(grid_x, grid_y, regions, levels=levels, cmap="tab10", vmin=0, vmax=9, alpha=0.3)
    ax.scatter(
        X[:, 0], X[:, 1], c=labels, cmap="tab10", vmin=0, vmax=9, s=18, edgecolors="black",
        linewidths=0.4,
    )  # fmt: skip
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return _save_figure(figure, path, "plot_decision_boundary")


FIGURE_FORMATS = ("png", "svg", "pdf")


def _save_figure(figure: Figure, path: str | os.PathLike[str], where: str) -> Path:
    """Write `figure` to `path` (atomically) in the format its suffix names."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise ValueError(
            f"{where}: cannot tell the image format from {Path(path).name!r}; end the name "
            f"with .png, .svg or .pdf"
        )
    return write_atomically(
        path, lambda file: figure.savefig(file, format=fmt, dpi=100), where=where
    )
