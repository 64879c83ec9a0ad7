"""Training Tensor networks: `fit`, its `History`, and the metrics around it.

``history = fit(model, loss_fn, X, y, epochs=30, optimizer=SGD(...))`` runs mini-batch
training, shuffled with a seed, with a `tqdm` progress bar (shown on a terminal only),
and returns a `History` of the loss and metrics after each epoch. `evaluate` measures a
model on a whole data set; `accuracy` and `predicted_classes` read class predictions.

Weights files and PyTorch round trips are in `nn.checkpoint`, the ready-made
``chaingrad train`` tasks in `nn.app.tasks`, and `one_hot` and `train_test_split` in `nn.data`.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.tensor import Tensor, constant, leaf_array

from .checks import UnknownNameError, check_count
from .layers import Seed, generator
from .module import Module
from .optim import Optimizer

LossFunction = Callable[[Tensor, Any], Tensor]
"""``loss_fn(outputs, targets) -> one-entry Tensor``: e.g. `nn.losses.softmax_cross_entropy`."""
Metric = Callable[[np.ndarray, np.ndarray], float]
"""``metric(outputs, targets) -> float`` on plain arrays: e.g. `accuracy`."""


# ============================================================================ metrics
def predicted_classes(outputs: np.ndarray | Tensor, threshold: float = 0.5) -> np.ndarray:
    """The class each row of `outputs` (N, K) predicts: the column of the largest output.

    A single output (K = 1, or a 1-D array of N outputs) predicts class 1 where it is
    above `threshold` and class 0 elsewhere. The default 0.5 reads the output as a
    probability (a sigmoid output, trained with `binary_cross_entropy`); for a logit
    (a model trained with `binary_cross_entropy_with_logits`) pass ``threshold=0.0``.
    """
    return _classes(_outputs_array(outputs, "predicted_classes"), threshold, "predicted_classes")


def accuracy(outputs: np.ndarray | Tensor, targets: Any, threshold: float = 0.5) -> float:
    """The fraction of rows whose predicted class (`predicted_classes`) is the target's.

    `targets` are class labels (N,): integers, or floats with whole-number values (as
    `softmax_cross_entropy` accepts them); or an array shaped like the outputs: one-hot
    rows (of any dtype), or 0/1 targets for a single output. A single output predicts
    class 1 above `threshold`, 0.5 by default (a probability); for a logit output use
    ``threshold=0.0``, in `fit` as
    ``metrics={"accuracy": functools.partial(accuracy, threshold=0.0)}``.
    """
    array = _outputs_array(outputs, "accuracy")
    predicted = _classes(array, threshold, "accuracy")
    if len(predicted) == 0:
        raise ValueError("accuracy: no predictions (the outputs have 0 rows); give some examples")
    return float(np.mean(predicted == _target_classes(targets, array.shape)))


def _outputs_array(outputs: object, where: str) -> np.ndarray:
    """`outputs` (N, K) or (N,) as a finite real array, or a clear error."""
    array = outputs.data if isinstance(outputs, Tensor) else np.asarray(outputs)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: outputs must be real numbers, got an array of dtype {array.dtype}"
        )
    if array.ndim not in (1, 2) or 0 in array.shape[1:]:
        raise ValueError(
            f"{where}: outputs must have shape (N, K) or (N,), one row per example, "
            f"got {shape_text(array.shape)}"
        )
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(
            f"{where}: {bad} of {array.size} outputs are not finite (NaN or inf), so they "
            "predict no class; the model diverged (lower the learning rate) or its inputs "
            "are not finite"
        )
    return array


def _classes(array: np.ndarray, threshold: object, where: str) -> np.ndarray:
    """The class each row of a checked (N, K) or (N,) array predicts (see predicted_classes)."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not math.isfinite(threshold)
    ):
        raise ValueError(
            f"{where}: threshold must be a finite number such as 0.5, got {threshold!r}"
        )
    if array.ndim == 2 and array.shape[1] > 1:
        return array.argmax(axis=1)
    return (array.reshape(len(array)) > threshold).astype(np.int64)


def _target_classes(targets: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The class of each target row for outputs of `shape` (see accuracy), or a clear error."""
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    n, k = shape[0], shape[1] if len(shape) == 2 else 1
    if t.dtype.kind not in "biuf" or t.ndim not in (1, 2):
        raise ValueError(
            f"accuracy: targets must be class labels of shape ({n},) or rows shaped like the "
            f"outputs {shape_text(shape)}, got {t.dtype} of shape {shape_text(t.shape)}"
        )
    if t.dtype.kind == "f" and not np.isfinite(t).all():
        raise ValueError("accuracy: targets have entries that are not finite (NaN or inf)")
    if t.ndim == 2:
        if t.shape != (n, k):
            raise ValueError(
                f"accuracy: targets of shape {shape_text(t.shape)} do not fit the outputs "
                f"{shape_text(shape)}; give one-hot rows shaped like the outputs or class "
                f"labels of shape ({n},)"
            )
        return _classes(t, 0.5, "accuracy")  # one-hot rows, or 0/1 targets in one column
    if len(t) != n:
        raise ValueError(
            f"accuracy: {n} predictions (from outputs of shape {shape_text(shape)}) but "
            f"targets of shape {shape_text(t.shape)}; give one label per row"
        )
    if k == 1 and t.dtype.kind == "f":
        return (t > 0.5).astype(np.int64)  # 0/1 targets (or probabilities) of a single output
    if t.dtype.kind == "f" and not (t == np.round(t)).all():
        raise ValueError(
            f"accuracy: the targets are floats that are not whole numbers, so they are not "
            f"class labels for outputs of shape {shape_text(shape)}; pass integer labels of "
            f"shape ({n},) or one-hot rows of shape ({n}, {k})"
        )
    labels = t.astype(np.int64)
    classes = max(k, 2)
    if labels.min() < 0 or labels.max() >= classes:
        bad = labels[(labels < 0) | (labels >= classes)][0]
        raise ValueError(
            f"accuracy: label {bad} is outside [0, {classes}) for outputs of shape "
            f"{shape_text(shape)}; fix the labels or the model's number of outputs"
        )
    return labels


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
    _check_functions(loss_fn, metrics, "evaluate")
    return _scores(model, loss_fn, *_data(model, X, y, "evaluate"), metrics)


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
    seed: Seed = 0,
    metrics: Mapping[str, Metric] | None = None,
    validation: Sequence[Any] | None = None,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Train `model` by mini-batch gradient descent; return the `History` of each epoch.

    Rows of `X` are examples; `y` holds their targets (float arrays, e.g. one-hot rows)
    or integer class labels. Each epoch visits the rows in a new order drawn from a
    Generator seeded by `seed` (a whole number, or a numpy Generator; in order with
    ``shuffle=False``), in batches of `batch_size` rows (all rows at once by default;
    the last batch may be smaller). `optimizer` must be built on this model's
    parameters. For each batch: ``optimizer.zero_grad()``,
    ``loss_fn(model(X_batch), y_batch)``, ``backward()``, ``optimizer.step()``. After each
    epoch the loss and `metrics` (e.g. ``{"accuracy": accuracy}``; `accuracy` reads a
    single output as a probability, see its `threshold`) are measured on all of (X, y),
    and on `validation` ``(X_val, y_val)`` when given, as ``val_loss``, ``val_...``. The
    same seed and data give the same history. The progress bar shows on a terminal only
    (never with ``progress=False``). A loss that stops being finite stops training with
    an error.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be a Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.optim optimizer (SGD, Adam), got "
            f"{type(optimizer).__name__}"
        )
    own = {param._id for param in model.parameters()}
    if not any(param._id in own for param in optimizer.params):
        kind = type(optimizer).__name__
        raise ValueError(
            f"fit: the optimizer updates none of this model's parameters, so nothing would "
            f"train; build it with {kind}(model.parameters(), ...)"
        )
    _check_functions(loss_fn, metrics, "fit")
    check_count(epochs, "fit", "epochs")
    if batch_size is not None:
        check_count(batch_size, "fit", "batch_size")
    rng = generator(seed, "fit")
    X, y = _data(model, X, y, "fit")
    n = len(X)
    size = n if batch_size is None else batch_size
    if validation is not None:
        pair = isinstance(validation, Sequence) and not isinstance(validation, str)
        if not pair or len(validation) != 2:
            got = f" of {len(validation)} items" if pair else ""
            raise TypeError(
                f"fit: validation must be a pair (X_val, y_val), got {type(validation).__name__}"
                f"{got}"
            )
        validation = _data(model, *validation, "fit: validation")
    from tqdm import tqdm  # the progress bar's package loads when a model is trained

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
            scores = _scores(model, loss_fn, X, y, metrics)
        _check_finite(scores["loss"], f"at epoch {epoch}, after its last update")
        history.append(scores)
        if validation is not None:
            history.append(_scores(model, loss_fn, *validation, metrics), prefix="val_")
        bar.set_postfix(
            {name.replace("accuracy", "acc"): f"{v[-1]:.4g}" for name, v in history.records.items()}
        )
    history.seconds = time.perf_counter() - started
    return history


def _scores(
    model: Module, loss_fn: LossFunction, X: Tensor, y: Any, metrics: Mapping[str, Metric] | None
) -> dict[str, float]:
    """The loss and `metrics` on checked data (see evaluate)."""
    with no_grad():
        outputs = model(X)
        scores = {"loss": _loss_value(loss_fn(outputs, y), "evaluate")}
    targets = y.data if isinstance(y, Tensor) else y
    for name, metric in (metrics or {}).items():
        scores[name] = float(metric(outputs.data, targets))
    return scores


def _check_functions(loss_fn: object, metrics: object, where: str) -> None:
    """Check `loss_fn` takes (outputs, targets) and `metrics` maps names to functions."""
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn must be callable, got {type(loss_fn).__name__}")
    try:
        signature = inspect.signature(loss_fn)
    except (TypeError, ValueError):  # some builtins have no signature: nothing to check
        signature = None
    if signature is not None:
        try:
            signature.bind(None, None)
        except TypeError as error:  # raised by bind itself: loss_fn is never called here
            name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
            raise TypeError(
                f"{where}: loss_fn must take two arguments (outputs, targets), but "
                f"{name}{signature} cannot ({error})"
            ) from None
    if metrics is None:
        return
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"{where}: metrics must be a dict of name -> function, e.g. "
            f"{{'accuracy': accuracy}}, got {type(metrics).__name__}"
        )
    for name, metric in metrics.items():
        if not isinstance(name, str) or not callable(metric):
            raise TypeError(
                f"{where}: metrics must map names to functions (outputs, targets) -> float, "
                f"got {name!r}: {type(metric).__name__}"
            )


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
    if len(X) == 0:
        raise ValueError(f"{where}: X has 0 rows; give at least one example")
    try:
        raw = y.data if isinstance(y, Tensor) else np.asarray(y)
    except ValueError:  # numpy: "inhomogeneous shape"
        raise TypeError(
            f"{where}: y is not a rectangular array (rows of different lengths); "
            "give one label or target row per example"
        ) from None
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
