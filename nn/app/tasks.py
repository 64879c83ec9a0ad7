"""The ready-made training jobs of ``chaingrad train``: seed 003's XOR table, two moons, digits.

`TASKS` holds each job's data, network, loss, optimizer and default settings;
`run_task` trains one and returns a `TaskRun` (model, history, data split), refusing
settings beyond `MAX_EPOCHS`, `MAX_HIDDEN` and the training rows per batch;
`train_command` is the command itself: it trains, prints the results (`describe_run`),
and writes the plots and the weights. `add_train_arguments` declares its command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from numbers import Integral
from pathlib import Path

import numpy as np
from chaingrad.autograd.tensor import Tensor

from ..checkpoint import save
from ..checks import check_count
from ..data import load_digits, train_test_split, two_moons, xor_table
from ..layers import MLP
from ..losses import half_squared_error, softmax_cross_entropy, sum_squared_error
from ..module import Module
from ..optim import SGD, Adam, Optimizer
from ..train import History, LossFunction, accuracy, fit
from .output import emit


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
    optimizer: Callable[..., Optimizer]
    """The optimizer's class (`SGD`, `Adam`): ``optimizer(parameters, lr)``."""
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


HIDDEN = None
"""Stands for the hidden width in a task's layer sizes (`_mlp`): chosen per run."""


def _mlp(
    sizes: tuple[int | None, ...], hidden: str, output: str = "identity", *, init: str
) -> Callable[[int, int], Module]:
    """A task's ``model(hidden, seed)``: an `MLP` of `sizes`, each `HIDDEN` taking the width."""

    def model(width: int, seed: int) -> Module:
        widths = [width if n is HIDDEN else n for n in sizes]
        return MLP(widths, hidden, output, init=init, seed=seed)

    return model


_DIGITS = Task(
    name="digits",
    summary="seed 003's closing claim on the UCI digits: a 64-H-10 sigmoid net, "
    "Nielsen's quadratic cost and N(0, 1) start, mini-batch SGD",
    data=_digits_data,
    model=_mlp((64, HIDDEN, 10), "sigmoid", "sigmoid", init="normal"),
    loss=_quadratic_cost,
    optimizer=SGD,
    epochs=30,
    lr=3.0,
    batch_size=10,
    hidden=30,
    goal=0.95,
)

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="xor",
            summary="seed 003: a 3-H-1 sigmoid net learns the XOR table (X3 = 1), "
            "summed squared error, full-batch gradient descent",
            data=_xor_data,
            model=_mlp((3, HIDDEN, 1), "sigmoid", "sigmoid", init="normal"),
            loss=_xor_loss,
            optimizer=SGD,
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
            model=_mlp((2, HIDDEN, HIDDEN, 2), "relu", init="he"),
            loss=softmax_cross_entropy,
            optimizer=Adam,
            epochs=100,
            lr=0.01,
            batch_size=32,
            hidden=16,
            goal=0.95,
            inputs_2d=lambda points: points,
        ),
        _DIGITS,
        replace(
            _DIGITS,
            name="digits-relu",
            summary="the UCI digits with a 64-H-10 ReLU net (He start), softmax "
            "cross-entropy, mini-batch SGD",
            model=_mlp((64, HIDDEN, 10), "relu", init="he"),
            loss=softmax_cross_entropy,
            lr=0.1,
        ),
    )
}
"""The tasks `chaingrad train` knows, by name."""


MAX_EPOCHS = 100_000
"""Most epochs `run_task` trains (``chaingrad train --epochs``): XOR's 1,000 take a second."""
MAX_HIDDEN = 1024
"""Widest hidden layer `run_task` builds (``--hidden``): wider ones need gigabytes."""


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
    data (``val_loss``, ``val_accuracy``). A ValueError refuses more than `MAX_EPOCHS`
    epochs, hidden layers wider than `MAX_HIDDEN` and batches larger than the training data.
    """
    if name not in TASKS:
        raise ValueError(f"run_task: unknown task {name!r}; the tasks are {', '.join(TASKS)}")
    task = TASKS[name]
    epochs = task.epochs if epochs is None else epochs
    lr = task.lr if lr is None else lr
    batch_size = task.batch_size if batch_size is None else batch_size
    hidden = task.hidden if hidden is None else hidden
    check_count(hidden, name, "hidden")
    _check_at_most(epochs, MAX_EPOCHS, name, "epochs", "more would train for hours")
    _check_at_most(hidden, MAX_HIDDEN, name, "hidden", "a wider layer needs gigabytes")
    split = task.data()
    rows = len(split.X_train)
    _check_at_most(batch_size, rows, name, "batch_size", f"{name} has {rows} training rows")
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


def _check_at_most(value: object, limit: int, task: str, setting: str, why: str) -> None:
    """Raise a ValueError saying the limit of `setting` and `why`, if `value` is a whole
    number over it (`fit` says what is wrong with anything else: 0, a float, None)."""
    if isinstance(value, Integral) and not isinstance(value, bool) and value > limit:
        raise ValueError(
            f"{task}: {setting} must be at most {limit:,} ({why}), got {value:,}; "
            "choose a smaller value or leave it out for the task's default"
        )


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
    debug: bool = False,
) -> int:
    """``chaingrad train TASK``: train, print the results, write plots and weights to `out_dir`.

    Writes ``train_<task>.png`` (loss and accuracy per epoch), ``train_<task>_boundary.png``
    (for data in the plane) and ``train_<task>.npz`` (the weights, PyTorch names). Returns
    the exit status: 0, or 2 after a one-line message on stderr for a bad setting or an
    unwritable folder; with `debug`, those errors are raised instead (``--debug``).
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
        if debug:
            raise
        print(f"chaingrad train: error: {error}", file=sys.stderr)
        return 2
    emit(describe_run(run))
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
        if debug:
            raise
        print(
            f"chaingrad train: error: cannot write into {out} ({error.strerror or error})",
            file=sys.stderr,
        )
        return 2
    emit("written: " + ", ".join(str(path) for path in written))
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
    """Add ``chaingrad train``'s arguments to `parser` (pass them on to `train_command`).

    Settings left out take the task's own defaults, which the help lists per task.
    """

    def defaults(setting: str) -> str:
        each = ", ".join(f"{name} {getattr(task, setting)}" for name, task in TASKS.items())
        return f"(default: the task's own: {each})"

    parser.add_argument("task", choices=list(TASKS), help="what to train")
    parser.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help=f"passes over the training data, at most {MAX_EPOCHS:,} {defaults('epochs')}",
    )
    parser.add_argument("--lr", type=float, metavar="X", help=f"learning rate {defaults('lr')}")
    parser.add_argument(
        "--batch-size",
        type=int,
        metavar="B",
        help="rows per update, at most the training rows (default: the task's own: "
        + ", ".join(f"{name} {task.batch_size or 'all rows'}" for name, task in TASKS.items())
        + ")",
    )
    parser.add_argument(
        "--hidden",
        type=int,
        metavar="H",
        help=f"width of the hidden layer(s), at most {MAX_HIDDEN:,} {defaults('hidden')}",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="seed of weights and shuffling (default: 0)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        metavar="DIR",
        help="output folder (default: ./out)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (default: a bar on a terminal)"
    )
