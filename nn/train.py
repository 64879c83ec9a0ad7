"""Training Tensor networks: `fit`, its `History`, and the metrics around it.

``history = fit(model, loss_fn, X, y, epochs=30, optimizer=SGD(...))`` runs mini-batch
training, shuffled with a seed, with a `tqdm` progress bar (shown on a terminal only),
and returns a `History` of the loss and metrics after each epoch. `evaluate` measures a
model on a whole data set; `accuracy` and `predicted_classes` read class predictions.

Weights files and PyTorch round trips are in `nn.checkpoint`, the ready-made
``chaingrad train`` tasks in `nn.tasks`, and `one_hot` and `train_test_split` in `nn.data`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from tqdm import tqdm

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor, constant, leaf_array, shape_text

from .checks import UnknownNameError, check_count
from .module import Module
from .optim import Optimizer

LossFunction = Callable[[Tensor, Any], Tensor]
"""``loss_fn(outputs, targets) -> one-entry Tensor``: e.g. `nn.losses.softmax_cross_entropy`."""
Metric = Callable[[np.ndarray, np.ndarray], float]
"""``metric(outputs, targets) -> float`` on plain arrays: e.g. `accuracy`."""


# ============================================================================ metrics
def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """The class each row of `outputs` (N, K) predicts: the largest output when K > 1;
    when K = 1 (or for a 1-D array), the output read as a probability: class 1 above 0.5."""
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(len(outputs)) > 0.5).astype(np.int64)


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """The fraction of rows whose predicted class (`predicted_classes`) is the target's.

    `targets` are integer class labels (N,), or arrays shaped like the outputs: one-hot
    rows, or 0/1 targets for a single output.
    """
    targets = np.asarray(targets)
    truth = targets if targets.dtype.kind in "iu" else predicted_classes(targets)
    predicted = predicted_classes(outputs)
    if truth.shape != predicted.shape:
        raise ValueError(
            f"accuracy: {len(predicted)} predictions (from outputs of shape "
            f"{shape_text(np.shape(outputs))}) but targets of shape {shape_text(targets.shape)}"
        )
    return float(np.mean(predicted == truth))


# ============================================================================ history
class History:
    """What `fit` measured after each epoch, by name: ``history["loss"]``, ``history["accuracy"]``,
    and ``history["val_loss"]``, ``history["val_accuracy"]`` with validation data.

    Each entry is a list with one number per epoch (the loss is over the whole training
    set after the epoch's updates, not a running average). ``seconds`` is the training time.
    """

    def __init__(self) -> None:
        self.records: dict[str, list[float]] = {}
        self.seconds = 0.0

    def append(self, scores: Mapping[str, float], prefix: str = "") -> None:
        """Add one epoch's `scores`, each name given `prefix` (``"val_"``)."""
        for name, value in scores.items():
            self.records.setdefault(prefix + name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.records:
            known = ", ".join(self.records) or "nothing yet"
            raise UnknownNameError(f"History: no record {name!r}; recorded: {known}")
        return self.records[name]

    def __contains__(self, name: object) -> bool:
        return name in self.records

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.records.get("loss", ()))

    @property
    def loss(self) -> list[float]:
        """The training loss after each epoch."""
        return self["loss"]

    @property
    def accuracy(self) -> list[float]:
        """The training accuracy after each epoch (when `fit` measured it)."""
        return self["accuracy"]

    def first_epoch(self, name: str, at_least: float) -> int | None:
        """The first epoch (counted from 1) where record `name` reached `at_least`, or None."""
        for epoch, value in enumerate(self[name], start=1):
            if value >= at_least:
                return epoch
        return None

    def __repr__(self) -> str:
        last = ", ".join(f"{name}={values[-1]:.4g}" for name, values in self.records.items())
        return f"History({self.epochs} epochs{': ' if last else ''}{last})"


# ============================================================================ training
def evaluate(
    model: Module,
    loss_fn: LossFunction,
    X: np.ndarray | Tensor,
    y: Any,
    metrics: Mapping[str, Metric] | None = None,
) -> dict[str, float]:
    """The loss and `metrics` of `model` on the whole of (X, y), computed under `no_grad`."""
    X, y = _data(model, X, y, "evaluate")
    with no_grad():
        outputs = model(X)
        scores = {"loss": _loss_value(loss_fn(outputs, y), "evaluate")}
    targets = y.data if isinstance(y, Tensor) else y
    for name, metric in (metrics or {}).items():
        scores[name] = float(metric(outputs.data, targets))
    return scores


def fit(
    model: Module,
    loss_fn: LossFunction,
    X: np.ndarray | Tensor,
    y: Any,
    *,
    epochs: int,
    optimizer: Optimizer,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    metrics: Mapping[str, Metric] | None = None,
    validation: tuple[Any, Any] | None = None,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Train `model` by mini-batch gradient descent; return the `History` of each epoch.

    Rows of `X` are examples; `y` holds their targets (float arrays, e.g. one-hot rows)
    or integer class labels. Each epoch visits the rows in a new order drawn from a
    Generator seeded by `seed` (in order with ``shuffle=False``), in batches of
    `batch_size` rows (all rows at once by default; the last batch may be smaller).
    For each batch: ``optimizer.zero_grad()``, ``loss_fn(model(X_batch), y_batch)``,
    ``backward()``, ``optimizer.step()``. After each epoch the loss and `metrics` (e.g.
    ``{"accuracy": accuracy}``) are measured on all of (X, y), and on `validation`
    ``(X_val, y_val)`` when given, as ``val_loss``, ``val_...``. The same seed and data
    give the same history. The progress bar shows on a terminal only (never with
    ``progress=False``). A loss that stops being finite stops training with an error.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be a Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.optim optimizer (SGD, Adam), got "
            f"{type(optimizer).__name__}"
        )
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable, got {type(loss_fn).__name__}")
    check_count(epochs, "fit", "epochs")
    X, y = _data(model, X, y, "fit")
    n = len(X)
    if batch_size is not None:
        check_count(batch_size, "fit", "batch_size")
    size = n if batch_size is None else batch_size
    if validation is not None:
        if not isinstance(validation, tuple) or len(validation) != 2:
            raise TypeError("fit: validation must be a pair (X_val, y_val)")
        validation = _data(model, *validation, "fit: validation")
    rng = np.random.default_rng(seed)
    history = History()
    started = time.perf_counter()
    bar = tqdm(
        range(1, epochs + 1),
        desc=description,
        unit="epoch",
        disable=None if progress else True,  # None: shown only when stderr is a terminal
        leave=False,
    )
    for epoch in bar:
        if shuffle:
            order = rng.permutation(n)
            X_epoch, y_epoch = X[order], y[order]  # one copy per epoch; batches are slices
        else:
            X_epoch, y_epoch = X, y
        # numpy's overflow warnings would only precede the clear error below
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for batch, start in enumerate(range(0, n, size), start=1):
                optimizer.zero_grad()
                loss = loss_fn(model(X_epoch[start : start + size]), y_epoch[start : start + size])
                _check_finite(_loss_value(loss, "fit"), f"at epoch {epoch}, batch {batch}")
                loss.backward()
                optimizer.step()
            scores = evaluate(model, loss_fn, X, y, metrics)
        _check_finite(scores["loss"], f"at epoch {epoch}, after its last update")
        history.append(scores)
        if validation is not None:
            history.append(evaluate(model, loss_fn, *validation, metrics), prefix="val_")
        bar.set_postfix(
            {name.replace("accuracy", "acc"): f"{v[-1]:.4g}" for name, v in history.records.items()}
        )
    history.seconds = time.perf_counter() - started
    return history


def _check_finite(loss: float, when: str) -> None:
    """Stop `fit` with a clear error when the loss is no longer a finite number."""
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"fit: the loss is {loss} {when}: training diverged; lower the learning rate"
        )


def _data(model: Module, X: Any, y: Any, where: str) -> tuple[Tensor, Any]:
    """X as a Tensor of the model's dtype (checked once; batches are unchecked slices),
    and y as a Tensor too, or as an integer array when it holds class labels."""
    params = model.parameters()
    dtype = params[0].dtype if params else np.float64
    if not isinstance(X, Tensor) or X.dtype != dtype:
        X = constant(leaf_array(X.data if isinstance(X, Tensor) else X, dtype, f"{where}: X"))
    if X.ndim == 0:
        raise ValueError(f"{where}: X must have one row per example, got a 0-d array")
    raw = y.data if isinstance(y, Tensor) else np.asarray(y)
    if raw.dtype.kind in "iu":
        y = raw
    elif not isinstance(y, Tensor) or y.dtype != dtype:
        y = constant(leaf_array(raw, dtype, f"{where}: y"))
    if raw.ndim == 0 or len(raw) != len(X):
        raise ValueError(
            f"{where}: X has {len(X)} rows but y has shape {shape_text(raw.shape)}; "
            "give one target (or target row) per example"
        )
    return X, y


def _loss_value(loss: object, where: str) -> float:
    if not isinstance(loss, Tensor) or loss.size != 1:
        if isinstance(loss, Tensor):
            what = f"a Tensor of shape {shape_text(loss.shape)}"
        else:
            what = type(loss).__name__
        raise TypeError(f"{where}: loss_fn must return a one-entry Tensor, got {what}")
    return loss.item()
