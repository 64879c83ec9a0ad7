"""More rows of the hostile-input table (see tests/hostile_inputs.py): found by the error-message
audit, for training (nn.train, nn.optim, nn.data)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.nn.data import one_hot, read_idx, spirals, train_test_split, two_moons
from chaingrad.nn.layers import MLP, Linear
from chaingrad.nn.losses import softmax_cross_entropy
from chaingrad.nn.optim import SGD, Adam
from chaingrad.nn.train import accuracy, evaluate, fit
from hostile_inputs import Row, accepted, expect, python

X4, Y4 = np.zeros((4, 2)), np.array([0, 1, 0, 1])
X20, Y20 = two_moons(20)


def _fit(**change: object) -> Callable[[Path], object]:
    """fit of a small MLP on 4 rows, with `change` to its arguments (an `optimizer`
    factory taking the model, `lr`, or any keyword of fit)."""

    def run(_: Path) -> object:
        net = MLP([2, 3, 2], "relu", seed=0)
        args: dict = {"X": X4, "y": Y4, "epochs": 1, "loss_fn": softmax_cross_entropy}
        args.update(change)
        make = args.pop("optimizer", lambda model: SGD(model.parameters(), 0.1))
        return fit(net, args.pop("loss_fn"), args.pop("X"), args.pop("y"),
                   optimizer=make(net), progress=False, **args)  # fmt: skip

    return run


def _params() -> list[Tensor]:
    return MLP([2, 2], seed=0).parameters()


def _float_labels_accuracy(_: Path) -> None:
    expect(accuracy(np.eye(3), [0.0, 1.0, 2.0]) == 1.0, "whole-number floats read as labels")


def _int_one_hot_accuracy(_: Path) -> None:
    expect(accuracy(np.eye(3), np.eye(3, dtype=int)) == 1.0, "int one-hot rows read as rows")


def _logit_threshold(_: Path) -> None:
    logits = np.array([[0.2], [-0.3]])
    expect(accuracy(logits, [1, 0], threshold=0.0) == 1.0, "threshold 0 for logits")
    expect(accuracy(logits, [1, 0]) == 0.5, "0.5 by default (a probability)")


def _real_hyperparameters(_: Path) -> None:
    expect(SGD(_params(), np.float32(0.5)).lr == 0.5, "np.float32 lr")
    expect(SGD(_params(), Fraction(1, 4)).lr == 0.25, "Fraction lr")
    expect(Adam(_params(), lr=np.float64(0.01), eps=np.float32(0.5)).eps == 0.5, "numpy eps")


def _numpy_int_test_size(_: Path) -> None:
    expect(len(train_test_split(X20, Y20, np.int64(5))[1]) == 5, "5 test rows")


def _numpy_noise(_: Path) -> None:
    expect(two_moons(10, noise=np.float32(0.1))[0].shape == (10, 2), "10 points")


def _validation_list(_: Path) -> None:
    history = _fit(validation=[X4, Y4])(_)
    expect("val_loss" in history, "a list [X_val, y_val] is a pair too")


ROWS: list[Row] = [
    # ------------------------------------------------------------------ fit
    python("fit-zero-rows", "fit with X of 0 rows (audit b1)", ValueError,
           ("fit: X has 0 rows", "at least one example"),
           _fit(X=np.zeros((0, 2)), y=np.zeros(0, int))),
    python("fit-ragged-y", "fit(..., y=[[0], [1, 2], [0], [1]]) (audit b2)", TypeError,
           ("fit: y is not a rectangular array", "one label or target row per example"),
           _fit(y=[[0], [1, 2], [0], [1]])),
    python("fit-seed-negative", "fit(..., seed=-1) (audit b4)", ValueError,
           ("fit: seed must be a whole number >= 0", "got -1"), _fit(seed=-1)),
    python("fit-seed-str", "fit(..., seed='a') (audit b4)", ValueError,
           ("fit: seed must be a whole number >= 0", "got 'a'"), _fit(seed="a")),
    python("fit-seed-float", "fit(..., seed=1.5) (audit b4)", ValueError,
           ("fit: seed must be a whole number >= 0", "got 1.5"), _fit(seed=1.5)),
    python("fit-metrics-list", "fit(..., metrics=[accuracy]) (audit b9)", TypeError,
           ("fit: metrics must be a dict of name -> function", "{'accuracy': accuracy}",
            "got list"), _fit(metrics=[accuracy])),
    python("fit-metric-str", "fit(..., metrics={'acc': 'x'}) (audit b9)", TypeError,
           ("fit: metrics must map names to functions", "'acc': str"),
           _fit(metrics={"acc": "x"})),
    python("evaluate-metrics-list", "evaluate(..., metrics=[accuracy]) (audit b9)", TypeError,
           ("evaluate: metrics must be a dict",),
           lambda _: evaluate(MLP([2, 2]), softmax_cross_entropy, X4, Y4, [accuracy])),
    python("fit-loss-one-argument", "fit(..., loss_fn=lambda o: o.sum()) (audit b21)", TypeError,
           ("fit: loss_fn must take two arguments (outputs, targets)", "<lambda>(o)",
            "too many positional arguments"), _fit(loss_fn=lambda o: o.sum())),
    python("fit-foreign-optimizer", "fit with SGD built on another model's parameters (audit c2)",
           ValueError, ("fit: the optimizer updates none of this model's parameters",
                        "SGD(model.parameters(), ...)"),
           _fit(optimizer=lambda _model: SGD(_params(), 0.5))),
    accepted("fit-validation-list", "fit(..., validation=[X_val, y_val]) (audit a27)",
             "a list is a pair too", _validation_list),
    python("fit-validation-three", "fit(..., validation=[X, y, y]) (audit a27)", TypeError,
           ("fit: validation must be a pair (X_val, y_val)", "got list of 3 items"),
           _fit(validation=[X4, Y4, Y4])),
    # ------------------------------------------------------------------ accuracy
    accepted("accuracy-float-labels", "accuracy(np.eye(3), [0., 1., 2.]) (audit c1)",
             "1.0: whole-number floats are class labels", _float_labels_accuracy),
    python("accuracy-fractional-labels", "accuracy(np.eye(3), [0., 1.5, 2.]) (audit c1)",
           ValueError, ("accuracy: the targets are floats that are not whole numbers",
                        "pass integer labels of shape (3,)"),
           lambda _: accuracy(np.eye(3), [0.0, 1.5, 2.0])),
    accepted("accuracy-int-one-hot", "accuracy(outputs (3,3), int one-hot rows) (audit a5)",
             "1.0: 2-D targets are one-hot rows whatever their dtype", _int_one_hot_accuracy),
    python("accuracy-one-hot-width", "accuracy(outputs (3,3), one-hot rows (3,2)) (audit a5)",
           ValueError, ("targets of shape (3,2) do not fit the outputs (3,3)",
                        "class labels of shape (3,)"),
           lambda _: accuracy(np.eye(3), np.eye(3)[:, :2])),
    python("accuracy-label-range", "accuracy(outputs (3,3), labels [0, 1, 3])", ValueError,
           ("accuracy: label 3 is outside [0, 3)", "fix the labels"),
           lambda _: accuracy(np.eye(3), [0, 1, 3])),
    python("accuracy-empty", "accuracy on 0 rows (audit c7)", ValueError,
           ("accuracy: no predictions", "0 rows"),
           lambda _: accuracy(np.zeros((0, 3)), np.zeros(0, int))),
    python("accuracy-3d", "accuracy(outputs of shape (2,2,2), [0, 1]) (audit b10)", ValueError,
           ("accuracy: outputs must have shape (N, K) or (N,)", "got (2,2,2)"),
           lambda _: accuracy(np.zeros((2, 2, 2)), [0, 1])),
    python("accuracy-number", "accuracy(3.0, [1]) (audit b10)", ValueError,
           ("accuracy: outputs must have shape (N, K) or (N,)", "got ()"),
           lambda _: accuracy(3.0, [1])),
    python("accuracy-nan", "accuracy(NaN outputs, [0, 1]) (audit c12)", ValueError,
           ("accuracy: 6 of 6 outputs are not finite", "lower the learning rate"),
           lambda _: accuracy(np.full((2, 3), np.nan), [0, 1])),
    accepted("accuracy-logit-threshold", "accuracy(logits (N,1), labels, threshold=0.0) (c14)",
             "class 1 above the threshold (0.5 by default)", _logit_threshold),
    # ------------------------------------------------------------------ optimizers
    accepted("sgd-real-numbers", "SGD(lr=np.float32(0.5)), SGD(lr=Fraction(1, 4)) (audit a1)",
             "any real number (not a bool)", _real_hyperparameters),
    python("sgd-lr-str", "SGD(params, lr='0.1') (audit a1)", ValueError,
           ("SGD: lr must be a number such as 0.1", "got str '0.1'"),
           lambda _: SGD(_params(), "0.1")),
    python("adam-eps-zero", "Adam(params, eps=0.0) (audit c3)", ValueError,
           ("Adam: eps must be in (0, inf)", "got 0.0"), lambda _: Adam(_params(), eps=0.0)),
    python("sgd-module", "SGD(nn.Linear(2, 3), lr=0.1) (audit b6)", TypeError,
           ("SGD: params must be a list of parameters, got Linear", "model.parameters()"),
           lambda _: SGD(Linear(2, 3), 0.1)),
    python("sgd-none", "SGD(None, lr=0.1) (audit b6)", TypeError,
           ("SGD: params must be a list of parameters, got NoneType",),
           lambda _: SGD(None, 0.1)),
    python("sgd-one-tensor", "SGD(Tensor(np.ones(3), requires_grad=True), lr) (audit c5, a10)",
           TypeError, ("SGD: params must be a list of parameters, got Tensor",
                       "[w] for a single tensor"),
           lambda _: SGD(Tensor(np.ones(3), requires_grad=True), 0.1)),
    python("adam-one-value", "Adam(Value(1.0)) (audit c5)", TypeError,
           ("Adam: params must be a list of parameters, got Value",),
           lambda _: Adam(Value(1.0))),
    python("sgd-no-grad-leaf", "SGD([Tensor([1.0])], lr) (audit c5)", ValueError,
           ("SGD: parameter 0", "does not require grad", "requires_grad=True"),
           lambda _: SGD([Tensor([1.0])], 0.1)),
    python("sgd-empty", "SGD([], lr) (audit a10)", ValueError,
           ("SGD: got no parameters to optimize", "pass model.parameters()"),
           lambda _: SGD([], 0.1)),
    # ------------------------------------------------------------------ data
    python("two-moons-seed", "two_moons(seed=-1) (audit b4)", ValueError,
           ("two_moons: seed must be a whole number >= 0", "got -1"),
           lambda _: two_moons(seed=-1)),
    python("spirals-seed", "spirals(seed='a') (audit b4)", ValueError,
           ("spirals: seed must be a whole number >= 0", "got 'a'"),
           lambda _: spirals(seed="a")),
    python("split-seed", "train_test_split(X, y, 5, seed=1.5) (audit b4)", ValueError,
           ("train_test_split: seed must be a whole number >= 0", "got 1.5"),
           lambda _: train_test_split(X20, Y20, 5, seed=1.5)),
    accepted("split-numpy-int", "train_test_split(X, y, np.int64(5)) (audit a2)",
             "5 test rows", _numpy_int_test_size),
    python("split-fraction", "train_test_split(X (20 rows), y, 0.2) (audit a2)", ValueError,
           ("train_test_split: test_size is a number of rows in [1, 19]",
            "round(0.2 * 20) = 4"), lambda _: train_test_split(X20, Y20, 0.2)),
    python("split-one-hot-stratify", "train_test_split(X, one_hot(y), 5) (audit b8)",
           ValueError, ("stratify needs class labels of shape (20,)", "stratify=False"),
           lambda _: train_test_split(X20, one_hot(Y20), 5)),
    python("split-x-number", "train_test_split(3.0, y, 5) (audit b29)", ValueError,
           ("train_test_split: X must have one row per example", "0-d array"),
           lambda _: train_test_split(3.0, Y20, 5)),
    python("split-y-none", "train_test_split(X, None, 5) (audit b29)", ValueError,
           ("train_test_split: X has 20 rows but y is a 0-d array (None)",),
           lambda _: train_test_split(X20, None, 5)),
    accepted("two-moons-numpy-noise", "two_moons(10, noise=np.float32(0.1)) (audit a3)",
             "10 points", _numpy_noise),
    python("one-hot-classes-float", "one_hot([0, 1], classes=3.0) (audit b15)", ValueError,
           ("one_hot: classes must be a positive whole number", "got 3.0"),
           lambda _: one_hot([0, 1], classes=3.0)),
    python("one-hot-classes-negative", "one_hot([0, 1], classes=-1) (audit a11)", ValueError,
           ("one_hot: classes must be a positive whole number", "got -1"),
           lambda _: one_hot([0, 1], classes=-1)),
    python("one-hot-label-range", "one_hot([0, 5], classes=3) (audit a11)", ValueError,
           ("one_hot: label 5 is outside [0, 3) for classes=3", "raise classes to 6"),
           lambda _: one_hot([0, 5], classes=3)),
    python("read-idx-missing", "read_idx('missing.idx') (audit b14)", FileNotFoundError,
           ("read_idx:", "missing.idx: no such file"),
           lambda folder: read_idx(folder / "missing.idx")),
    python("read-idx-folder", "read_idx(a folder) (audit b14)", IsADirectoryError,
           ("read_idx:", "is a folder, not an IDX file"), lambda folder: read_idx(folder)),
]  # fmt: skip
