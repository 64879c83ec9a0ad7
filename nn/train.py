"""Training Tensor networks: `fit`, weights in and out, and the ready-made `chaingrad train` tasks.

- **Training**: ``history = fit(model, loss_fn, X, y, epochs=30, optimizer=SGD(...))``
  runs mini-batch training, shuffled with a seed, with a `tqdm` progress bar (shown on a
  terminal only), and returns a `History` of the loss and metrics after each epoch.
  `evaluate`, `accuracy`, `one_hot` and `train_test_split` are the pieces around it.
- **Weights**: `state_dict`, `load_state_dict`, `save` and `load` keep a model's weights
  under PyTorch's ``state_dict`` names (``0.weight``, ``0.bias``, ...) in an ``.npz`` file;
  `to_torch` and `from_torch` carry a model to PyTorch and back.
- **Tasks**: `run_task` trains one of `TASKS` (seed 003's XOR table, two moons, the
  shipped digits) and `train_command` is ``chaingrad train``: it trains, prints the
  results, and writes the plots and the weights.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from tqdm import tqdm

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor, constant, leaf_array, shape_text

from .data import load_digits, two_moons, xor_table
from .layers import MLP, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from .losses import half_squared_error, softmax_cross_entropy, sum_squared_error
from .module import Module
from .optim import SGD, Adam, Optimizer

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
            raise KeyError(f"History: no record {name!r}; recorded: {known}")
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
    _check_count(epochs, "fit", "epochs")
    X, y = _data(model, X, y, "fit")
    n = len(X)
    if batch_size is not None:
        _check_count(batch_size, "fit", "batch_size")
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
        for batch, start in enumerate(range(0, n, size), start=1):
            optimizer.zero_grad()
            loss = loss_fn(model(X_epoch[start : start + size]), y_epoch[start : start + size])
            value = _loss_value(loss, "fit")
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"fit: the loss is {value} at epoch {epoch}, batch {batch}: training "
                    "diverged; lower the learning rate"
                )
            loss.backward()
            optimizer.step()
        scores = evaluate(model, loss_fn, X, y, metrics)
        history.append(scores)
        if validation is not None:
            history.append(evaluate(model, loss_fn, *validation, metrics), prefix="val_")
        bar.set_postfix(
            {name.replace("accuracy", "acc"): f"{v[-1]:.4g}" for name, v in history.records.items()}
        )
    history.seconds = time.perf_counter() - started
    return history


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


def one_hot(labels: Any, classes: int | None = None) -> np.ndarray:
    """Integer labels (N,) as rows of a float64 identity: (N, classes), 1 at each label.

    `classes` defaults to the largest label + 1.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be a 1-D integer array, got {y.dtype} {y.shape}")
    count = int(y.max()) + 1 if classes is None and y.size else (classes or 0)
    if y.size and (y.min() < 0 or y.max() >= count):
        raise ValueError(f"one_hot: labels must be in [0, {count}), got {y.min()}..{y.max()}")
    return np.eye(count)[y]


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: int, *, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the rows into a training and a held-out test set: (X_train, X_test, y_train, y_test).

    `test_size` rows go to the test set. With `stratify` (y holds class labels), each
    class keeps its share: class c gets floor(test_size * n_c / n) test rows, and the
    rows left over go to the classes with the largest remainders (the lower class on a
    tie). Which rows, and the order of both sets, come from a Generator seeded by `seed`.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} rows but y has {len(y)}")
    if isinstance(test_size, bool) or not isinstance(test_size, int) or not 0 < test_size < n:
        raise ValueError(
            f"train_test_split: test_size must be a whole number in [1, {n - 1}], got {test_size!r}"
        )
    rng = np.random.default_rng(seed)
    if stratify:
        classes, counts = np.unique(y, return_counts=True)
        exact = counts * test_size / n
        take = np.floor(exact).astype(int)
        extra = np.argsort(-(exact - take), kind="stable")[: test_size - take.sum()]
        take[extra] += 1
        test = np.concatenate(
            [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
        )
    else:
        test = rng.permutation(n)[:test_size]
    in_test = np.zeros(n, dtype=bool)
    in_test[test] = True
    train = rng.permutation(np.flatnonzero(~in_test))
    test = rng.permutation(np.flatnonzero(in_test))
    return X[train], X[test], y[train], y[test]


# ============================================================================ weights
def state_dict(model: Module) -> dict[str, np.ndarray]:
    """Every parameter's array (a copy) under its PyTorch-style name (``0.weight``, ...)."""
    return {name: param.data.copy() for name, param in model.named_parameters()}


def load_state_dict(
    model: Module, state: Mapping[str, Any], *, where: str = "load_state_dict"
) -> None:
    """Set every parameter from `state` (name -> array), in place, after checking everything.

    The names must be exactly the model's, each array of the parameter's shape, real
    and finite; it is converted to the parameter's dtype. Nothing changes unless every
    entry passes, and a failure names the key and the shapes.
    """
    params = dict(model.named_parameters())
    missing = [name for name in params if name not in state]
    unexpected = [name for name in state if name not in params]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(map(str, unexpected))}")
        raise ValueError(
            f"{where}: the weights do not fit this model: {'; '.join(parts)} "
            f"(the model's keys: {', '.join(params)})"
        )
    arrays = {}
    for name, param in params.items():
        array = leaf_array(state[name], param.dtype, f"{where}: {name!r}", copy=False)
        if array.shape != param.shape:
            raise ValueError(
                f"{where}: {name!r} has shape {shape_text(array.shape)} but the model's "
                f"{name} has shape {shape_text(param.shape)}"
            )
        arrays[name] = array
    for name, param in params.items():
        param.data[...] = arrays[name]


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(file)`` on a temporary file beside `path`, then rename it to `path`.

    A reader never sees a half-written file, and a failed write leaves any old file in
    place. Missing parent folders are made. Returns the path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial", delete=False
    ) as handle:
        partial = Path(handle.name)
        try:
            write(handle)
            handle.close()
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return target


def save(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write the model's `state_dict` to `path` as an ``.npz`` file (written atomically).

    The keys are PyTorch's names, so ``{k: torch.from_numpy(v) for k, v in
    np.load(path).items()}`` is a ``state_dict`` for the equivalent torch model.
    """
    state = state_dict(model)
    if not state:
        raise ValueError(f"save: {type(model).__name__} has no parameters to save")
    return atomic_write(path, lambda file: np.savez(file, **state))


def load(model: Module, path: str | os.PathLike[str]) -> Module:
    """Set the model's parameters from an ``.npz`` file written by `save`; return the model.

    Errors name the file, and the key and shapes that do not fit (see `load_state_dict`).
    """
    where = f"load {os.fspath(path)}"
    if not Path(path).is_file():
        raise FileNotFoundError(f"{where}: no such file")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive of named weights")
        with archive:
            state = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{where}: not a readable .npz weights file ({error})") from None
    load_state_dict(model, state, where=where)
    return model


# ============================================================================ PyTorch
_TORCH_ACTIVATIONS: dict[type[Module], str] = {
    Sigmoid: "Sigmoid",
    ReLU: "ReLU",
    Tanh: "Tanh",
    Identity: "Identity",
}


def _torch(where: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{where} needs PyTorch, which is not installed (pip install torch)"
        ) from None
    return torch


def to_torch(model: Module) -> Any:
    """The same network as a ``torch.nn`` module with the same weights (copied).

    Supports `Linear`, the activations, and a `Sequential` (or `MLP`) of those, which
    become ``torch.nn.Linear``, ``Sigmoid``, ``ReLU``, ``Tanh``, ``Identity`` and
    ``Sequential`` with the same ``state_dict`` names and dtype. Building the torch
    layers leaves torch's global random state as it was.
    """
    torch = _torch("to_torch")
    with torch.random.fork_rng(devices=[]):
        if isinstance(model, Sequential):
            result = torch.nn.Sequential(
                *(_torch_layer(torch, child, name) for name, child in model.named_children())
            )
        else:
            result = _torch_layer(torch, model, "model")
    result.load_state_dict({name: torch.from_numpy(a) for name, a in state_dict(model).items()})
    return result


def _torch_layer(torch: Any, module: Module, name: str) -> Any:
    if isinstance(module, Linear):
        dtype = torch.float32 if module.weight.dtype == np.float32 else torch.float64
        return torch.nn.Linear(
            module.in_features, module.out_features, module.bias is not None, dtype=dtype
        )
    if type(module) in _TORCH_ACTIVATIONS:
        return getattr(torch.nn, _TORCH_ACTIVATIONS[type(module)])()
    raise TypeError(
        f"to_torch: cannot convert {name} ({type(module).__name__}); supported are Linear, "
        f"{', '.join(cls.__name__ for cls in _TORCH_ACTIVATIONS)} and a Sequential of them"
    )


def from_torch(module: Any) -> Module:
    """A chaingrad network equal to a ``torch.nn`` one, with its weights (copied).

    Supports ``torch.nn.Linear``, ``Sigmoid``, ``ReLU``, ``Tanh``, ``Identity`` and a
    ``Sequential`` of those, in float64 or float32; a Sequential becomes a `Sequential`
    with the same parameter names.
    """
    torch = _torch("from_torch")
    if isinstance(module, torch.nn.Sequential):
        model: Module = Sequential(
            *(_layer_from_torch(torch, child, name) for name, child in module.named_children())
        )
    else:
        model = _layer_from_torch(torch, module, "module")
    state = {name: t.detach().cpu().numpy() for name, t in module.state_dict().items()}
    load_state_dict(model, state, where="from_torch")
    return model


def _layer_from_torch(torch: Any, layer: Any, name: str) -> Module:
    if isinstance(layer, torch.nn.Linear):
        if layer.weight.dtype not in (torch.float64, torch.float32):
            raise TypeError(
                f"from_torch: {name} has dtype {layer.weight.dtype}; convert it to float64 "
                "or float32 first (module.double())"
            )
        dtype = np.float32 if layer.weight.dtype == torch.float32 else np.float64
        return Linear(layer.in_features, layer.out_features, layer.bias is not None, dtype=dtype)
    for ours, theirs in _TORCH_ACTIVATIONS.items():
        if type(layer) is getattr(torch.nn, theirs):
            return ours()
    raise TypeError(
        f"from_torch: cannot convert {name} ({type(layer).__name__}); supported are "
        f"Linear, {', '.join(_TORCH_ACTIVATIONS.values())} and a Sequential of them"
    )


# ============================================================================ tasks
@dataclass(frozen=True)
class Split:
    """A task's data: training rows and held-out test rows (None when there are none)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


@dataclass(frozen=True)
class Task:
    """A ready-made training job: data, network, loss, optimizer and defaults."""

    name: str
    summary: str
    data: Callable[[], Split]
    model: Callable[[int, int], Module]
    """``model(hidden, seed)``."""
    loss: LossFunction
    optimizer: Callable[[list[Any], float], Optimizer]
    epochs: int
    lr: float
    batch_size: int | None
    hidden: int
    goal: float
    """The accuracy (on the test rows, or the training rows if none are held out) the task
    is expected to reach with its defaults."""
    inputs_2d: Callable[[np.ndarray], np.ndarray] | None = None
    """For data drawn in the plane: the network's inputs for points (M, 2)."""


def _xor_data() -> Split:
    return Split(*xor_table())  # the truth table is all there is: nothing is held out


def _moons_data() -> Split:
    x, y = two_moons(500, noise=0.2, seed=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, 100, seed=0)
    return Split(x_train, y_train, x_test, y_test)


DIGITS_TEST_SIZE = 400
"""Held-out digits: 400 of 1,797 rows, stratified by digit, seed 0 (1,397 left to train on)."""


def _digits_data() -> Split:
    """The digits with pixels scaled from 0..16 to [0, 1], split as `DIGITS_TEST_SIZE` says."""
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x / 16.0, y, DIGITS_TEST_SIZE, seed=0)
    return Split(x_train, y_train, x_test, y_test)


def _quadratic_cost(outputs: Tensor, labels: np.ndarray) -> Tensor:
    """Nielsen's quadratic cost 1/(2n) sum ||y - a||^2 against one-hot rows of the labels."""
    return half_squared_error(outputs, np.eye(outputs.shape[-1])[labels])


def _xor_loss(outputs: Tensor, targets: Tensor) -> Tensor:
    """Seed 003's loss: the squared error summed over outputs and all four examples."""
    return sum_squared_error(outputs, targets, reduction="sum")


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="xor",
            summary="seed 003: a 3-H-1 sigmoid net learns the XOR table (X3 = 1), "
            "summed squared error, full-batch gradient descent",
            data=_xor_data,
            model=lambda hidden, seed: MLP(
                [3, hidden, 1], "sigmoid", "sigmoid", init="normal", seed=seed
            ),
            loss=_xor_loss,
            optimizer=lambda params, lr: SGD(params, lr=lr),
            epochs=1000,
            lr=1.0,
            batch_size=None,
            hidden=4,
            goal=1.0,
            inputs_2d=lambda points: np.column_stack([points, np.ones(len(points))]),
        ),
        Task(
            name="moons",
            summary="two moons (500 points, noise 0.2; 100 held out): a 2-H-H-2 ReLU net, "
            "softmax cross-entropy, Adam",
            data=_moons_data,
            model=lambda hidden, seed: MLP([2, hidden, hidden, 2], "relu", init="he", seed=seed),
            loss=softmax_cross_entropy,
            optimizer=lambda params, lr: Adam(params, lr=lr),
            epochs=100,
            lr=0.01,
            batch_size=32,
            hidden=16,
            goal=0.95,
            inputs_2d=lambda points: points,
        ),
        Task(
            name="digits",
            summary="seed 003's closing claim on the UCI digits: a 64-H-10 sigmoid net, "
            "Nielsen's quadratic cost and N(0, 1) start, mini-batch SGD",
            data=_digits_data,
            model=lambda hidden, seed: MLP(
                [64, hidden, 10], "sigmoid", "sigmoid", init="normal", seed=seed
            ),
            loss=_quadratic_cost,
            optimizer=lambda params, lr: SGD(params, lr=lr),
            epochs=30,
            lr=3.0,
            batch_size=10,
            hidden=30,
            goal=0.95,
        ),
        Task(
            name="digits-relu",
            summary="the UCI digits with a 64-H-10 ReLU net (He start), softmax "
            "cross-entropy, mini-batch SGD",
            data=_digits_data,
            model=lambda hidden, seed: MLP([64, hidden, 10], "relu", init="he", seed=seed),
            loss=softmax_cross_entropy,
            optimizer=lambda params, lr: SGD(params, lr=lr),
            epochs=30,
            lr=0.1,
            batch_size=10,
            hidden=30,
            goal=0.95,
        ),
    )
}
"""The tasks `chaingrad train` knows, by name."""


@dataclass
class TaskRun:
    """What `run_task` produced: the trained model, its history, and the settings used."""

    task: Task
    model: Module
    history: History
    split: Split
    epochs: int
    lr: float
    batch_size: int | None
    hidden: int
    seed: int

    @property
    def goal_record(self) -> str:
        """The history record the goal is judged on: ``val_accuracy`` (the test rows), or
        ``accuracy`` when no rows are held out."""
        return "val_accuracy" if "val_accuracy" in self.history else "accuracy"

    @property
    def final_accuracy(self) -> float:
        """The accuracy the goal is judged on, after the last epoch."""
        return self.history[self.goal_record][-1]


def run_task(
    name: str,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    hidden: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> TaskRun:
    """Train task `name` of `TASKS`; settings left None take the task's defaults.

    `seed` starts the weights and the shuffling (the data and its split are fixed).
    Held-out rows, if the task has them, are measured after every epoch as validation
    data (``val_loss``, ``val_accuracy``).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; the tasks are {', '.join(TASKS)}")
    task = TASKS[name]
    epochs = task.epochs if epochs is None else epochs
    lr = task.lr if lr is None else lr
    batch_size = task.batch_size if batch_size is None else batch_size
    hidden = task.hidden if hidden is None else hidden
    _check_count(hidden, name, "hidden")
    split = task.data()
    model = task.model(hidden, seed)
    history = fit(
        model,
        task.loss,
        split.X_train,
        split.y_train,
        epochs=epochs,
        optimizer=task.optimizer(model.parameters(), lr),
        batch_size=batch_size,
        seed=seed,
        metrics={"accuracy": accuracy},
        validation=None if split.X_test is None else (split.X_test, split.y_test),
        progress=progress,
        description=name,
    )
    return TaskRun(task, model, history, split, epochs, lr, batch_size, hidden, seed)


def train_command(
    task: str,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    hidden: int | None = None,
    seed: int = 0,
    out_dir: str | os.PathLike[str] = "out",
    progress: bool = True,
) -> int:
    """``chaingrad train TASK``: train, print the results, write plots and weights to `out_dir`.

    Writes ``train_<task>.png`` (loss and accuracy per epoch), ``train_<task>_boundary.png``
    (for data in the plane) and ``train_<task>.npz`` (the weights, PyTorch names). Returns
    the exit status: 0, or 2 after a one-line message on stderr for a bad setting or an
    unwritable folder.
    """
    from .plots import plot_decision_boundary, plot_history  # matplotlib only when plotting

    try:
        run = run_task(
            task,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            hidden=hidden,
            seed=seed,
            progress=progress,
        )
    except (ValueError, FloatingPointError) as error:
        print(f"chaingrad train: error: {error}", file=sys.stderr)
        return 2
    print(describe_run(run))
    out = Path(out_dir)
    try:
        written = [
            plot_history(run.history, out / f"train_{task}.png", title=f"chaingrad train {task}")
        ]
        if run.task.inputs_2d is not None:
            split = run.split
            written.append(
                plot_decision_boundary(
                    run.model,
                    split.X_train[:, :2],
                    split.y_train,
                    out / f"train_{task}_boundary.png",
                    features=run.task.inputs_2d,
                    title=f"{task}: decision boundary (training points)",
                )
            )
        written.append(save(run.model, out / f"train_{task}.npz"))
    except OSError as error:
        print(
            f"chaingrad train: error: cannot write into {out} ({error.strerror or error})",
            file=sys.stderr,
        )
        return 2
    print("written: " + ", ".join(str(path) for path in written))
    return 0


def describe_run(run: TaskRun) -> str:
    """The settings and results of a run, as `train_command` prints them."""
    history = run.history
    split = run.split
    held_out = "none held out" if split.X_test is None else f"{len(split.X_test)} test rows"
    results = f"  final loss {history.loss[-1]:.6g}, training accuracy {history.accuracy[-1]:.2%}"
    if "val_accuracy" in history:
        results += f", test accuracy {history['val_accuracy'][-1]:.2%}"
    which = "test" if run.goal_record == "val_accuracy" else "training"
    reached = history.first_epoch(run.goal_record, run.task.goal)
    batch = "all rows" if run.batch_size is None else str(run.batch_size)
    return "\n".join(
        [
            f"{run.task.name}: {run.task.summary}",
            f"  hidden {run.hidden}, epochs {run.epochs}, lr {run.lr:g}, batch {batch}, "
            f"seed {run.seed}; {len(split.X_train)} training rows, {held_out}",
            results,
            f"  {which} accuracy >= {run.task.goal:.0%} "
            + (f"first at epoch {reached}" if reached else "not reached")
            + f"; {history.seconds:.1f} s",
        ]
    )


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``chaingrad train``'s arguments to `parser` (pass them on to `train_command`)."""
    parser.add_argument("task", choices=list(TASKS), help="what to train")
    parser.add_argument("--epochs", type=int, help="passes over the training data")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--batch-size", type=int, help="rows per update")
    parser.add_argument("--hidden", type=int, help="width of the hidden layer(s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and shuffling")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check_count(n: object, where: str, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive whole number, got {n!r}")
