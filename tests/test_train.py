"""Tests for nn.train: fit (batches, shuffling, determinism, history, errors), its History,
and the metrics (predicted classes, accuracy)."""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.nn.data import one_hot
from chaingrad.nn.layers import MLP, Linear, Sequential
from chaingrad.nn.losses import half_squared_error, softmax_cross_entropy
from chaingrad.nn.optim import SGD, Adam
from chaingrad.nn.train import History, accuracy, evaluate, fit, predicted_classes


# ----------------------------------------------------------------------------- fit
def blobs(n=60, seed=0):
    """Three Gaussian blobs in the plane, labels 0..2."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centers[y] + 0.5 * rng.normal(size=(n, 2)), y


def train_blobs(seed=0, epochs=5, **kwargs):
    x, y = blobs()
    net = MLP([2, 8, 3], hidden="relu", init="he", seed=3)
    history = fit(
        net,
        softmax_cross_entropy,
        x,
        y,
        epochs=epochs,
        optimizer=Adam(net.parameters(), lr=0.05),
        batch_size=16,
        seed=seed,
        metrics={"accuracy": accuracy},
        progress=False,
        **kwargs,
    )
    return net, history


def test_fit_is_deterministic_for_a_seed():
    net_a, a = train_blobs(seed=1)
    net_b, b = train_blobs(seed=1)
    _, c = train_blobs(seed=2)
    assert a.records == b.records
    assert all(
        np.array_equal(p.data, q.data) for p, q in zip(net_a.parameters(), net_b.parameters())
    )
    assert a.loss != c.loss  # another seed, another order of batches
    assert a.epochs == 5 and a.loss[-1] < a.loss[0]
    assert a.accuracy[-1] > 0.9


def test_full_batch_fit_is_plain_gradient_descent():
    x, y = blobs(12)
    targets = one_hot(y)
    net = MLP([2, 3, 3], hidden="tanh", seed=0)
    manual = MLP([2, 3, 3], hidden="tanh", seed=0)
    fit(net, half_squared_error, x, targets, epochs=4, optimizer=SGD(net.parameters(), lr=0.3),
        shuffle=False, progress=False)  # fmt: skip
    opt = SGD(manual.parameters(), lr=0.3)
    for _ in range(4):
        opt.zero_grad()
        half_squared_error(manual(Tensor(x)), targets).backward()
        opt.step()
    for p, q in zip(net.parameters(), manual.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-14)


def test_fit_visits_every_row_once_per_epoch_in_batches():
    x = np.arange(10.0).reshape(10, 1)
    labels = np.arange(10)
    net = Sequential(Linear(1, 10, seed=0))
    seen: list[np.ndarray] = []

    def loss(outputs, y):
        seen.append(y)
        return softmax_cross_entropy(outputs, y)

    history = fit(net, loss, x, labels, epochs=2, optimizer=SGD(net.parameters(), lr=0.01),
                  batch_size=4, seed=5, progress=False)  # fmt: skip
    # three batches (4, 4, 2) per epoch, then one evaluation on all rows
    assert [len(b) for b in seen] == [4, 4, 2, 10, 4, 4, 2, 10]
    first, second = np.concatenate(seen[0:3]), np.concatenate(seen[4:7])
    assert sorted(first) == sorted(second) == list(range(10))
    assert list(first) != list(second)  # reshuffled each epoch
    assert history.epochs == 2


def test_fit_records_validation_and_metrics():
    xv, yv = blobs(30, seed=9)
    net, history = train_blobs(validation=(xv, yv))
    assert set(history.records) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 5 for v in history.records.values())
    final = evaluate(net, softmax_cross_entropy, xv, yv, {"accuracy": accuracy})
    assert final == {"loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1]}
    assert history.first_epoch("accuracy", 0.0) == 1
    assert history.first_epoch("accuracy", 1.01) is None
    assert repr(history).startswith("History(5 epochs: loss=")
    with pytest.raises(KeyError, match="no record 'f1'; recorded: loss, accuracy"):
        history["f1"]


def test_fit_progress_is_quiet_when_not_a_terminal(capfd):
    train_blobs(epochs=2)
    x, y = blobs()
    net = MLP([2, 3], seed=0)
    fit(net, softmax_cross_entropy, x, y, epochs=2, optimizer=SGD(net.parameters(), lr=0.1),
        progress=True)  # fmt: skip
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_fit_stops_with_a_clear_error_when_the_loss_diverges():
    x = np.array([[1.0e3], [2.0e3]])
    t = np.array([[1.0], [2.0]])
    net = Linear(1, 1, seed=0)
    with (
        pytest.raises(FloatingPointError, match=r"the loss is inf at epoch .*lower the learning"),
        np.errstate(over="ignore"),
    ):
        fit(net, half_squared_error, x, t, epochs=50, optimizer=SGD(net.parameters(), lr=10.0),
            progress=False)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive whole number"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive whole number"),
        ({"y": np.zeros(3, dtype=int)}, ValueError, r"X has 6 rows but y has shape \(3,\)"),
        ({"X": np.full((6, 2), np.nan)}, ValueError, "fit: X: 12 of 12 entries are not finite"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be an nn.optim optimizer"),
        ({"loss_fn": lambda o, t: o}, TypeError, r"one-entry Tensor, got a Tensor of shape \(6,"),
        ({"validation": ([[0.0, 0.0]],)}, TypeError, "validation must be a pair"),
        ({"model": np.tanh}, TypeError, "model must be a Module"),
        ({"X": np.zeros((0, 2)), "y": np.zeros(0, int)}, ValueError, "X has 0 rows"),
        ({"seed": -1}, ValueError, "fit: seed must be a whole number >= 0"),
        ({"metrics": [accuracy]}, TypeError, "metrics must be a dict of name -> function"),
        ({"loss_fn": lambda o: o.sum()}, TypeError, r"must take two arguments \(outputs, targets"),
    ],
)  # fmt: skip
def test_fit_errors_are_clear(change, error, message):
    net = MLP([2, 2], seed=0)
    args = {
        "model": net,
        "loss_fn": softmax_cross_entropy,
        "X": np.zeros((6, 2)),
        "y": np.zeros(6, dtype=int),
        "epochs": 1,
        "optimizer": SGD(net.parameters(), lr=0.1),
        "progress": False,
    }
    args.update(change)
    with pytest.raises(error, match=message):
        fit(args.pop("model"), args.pop("loss_fn"), args.pop("X"), args.pop("y"), **args)


# ----------------------------------------------------------------------------- helpers
def test_predicted_classes_and_accuracy():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.3, 0.2]])
    assert list(predicted_classes(scores)) == [1, 0, 0]
    assert list(predicted_classes(np.array([[0.7], [0.2]]))) == [1, 0]
    assert accuracy(scores, np.array([1, 0, 1])) == pytest.approx(2 / 3)
    assert accuracy(scores, one_hot(np.array([1, 1, 0]))) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.9], [0.4]]), np.array([[1.0], [1.0]])) == 0.5
    with pytest.raises(ValueError, match="3 predictions"):
        accuracy(scores, np.array([1, 0]))


def test_fit_rejects_an_optimizer_of_another_model():
    # Audit c2: the loss stayed put for every epoch, with no error.
    net = MLP([2, 3, 2], seed=0)
    other = MLP([2, 3, 2], seed=0)
    x, y = blobs(6)
    with pytest.raises(ValueError, match=r"updates none of this model's parameters"):
        fit(net, softmax_cross_entropy, x, y, epochs=1,
            optimizer=SGD(other.parameters(), lr=0.5), progress=False)  # fmt: skip


def test_fit_accepts_an_optimizer_of_part_of_the_model():
    net = MLP([2, 3, 3], seed=0)
    frozen = [p.data.copy() for p in net[0].parameters()]
    x, y = blobs(6)
    fit(net, softmax_cross_entropy, x, y, epochs=2,
        optimizer=SGD(net[2].parameters(), lr=0.5), progress=False)  # fmt: skip
    assert all(np.array_equal(p.data, f) for p, f in zip(net[0].parameters(), frozen))


def test_fit_reports_the_same_accuracy_for_float_and_integer_labels():
    # Audit c1: integer-valued float labels were thresholded at 0.5 by accuracy.
    x, y = blobs(30)
    scores = {}
    for labels in (y, y.astype(float)):
        net = MLP([2, 4, 3], hidden="tanh", seed=1)
        history = fit(net, softmax_cross_entropy, x, labels, epochs=3,
                      optimizer=Adam(net.parameters(), lr=0.05), metrics={"accuracy": accuracy},
                      progress=False)  # fmt: skip
        scores[labels.dtype.kind] = history.records
    assert scores["i"] == scores["f"]
    assert accuracy(np.eye(3), [0.0, 1.0, 2.0]) == 1.0


def test_accuracy_reads_targets_by_shape_and_refuses_what_it_cannot_read():
    outputs = np.eye(3)
    assert accuracy(outputs, np.eye(3, dtype=np.int64)) == 1.0  # int one-hot rows
    assert accuracy(Tensor(outputs), Tensor(np.eye(3))) == 1.0
    assert accuracy(np.array([0.9, 0.2]), np.array([1.0, 1.0])) == 0.5  # 0/1 targets, 1-D
    with pytest.raises(ValueError, match="not whole numbers"):
        accuracy(outputs, [0.0, 0.5, 2.0])
    with pytest.raises(ValueError, match=r"targets of shape \(3,2\) do not fit"):
        accuracy(outputs, np.eye(3)[:, :2])
    with pytest.raises(ValueError, match=r"label 3 is outside \[0, 3\)"):
        accuracy(outputs, [0, 1, 3])
    with pytest.raises(ValueError, match=r"label 2 is outside \[0, 2\)"):
        accuracy(np.array([[0.9], [0.1]]), [2, 0])
    with pytest.raises(ValueError, match="targets have entries that are not finite"):
        accuracy(outputs, np.full((3, 3), np.nan))


def test_accuracy_refuses_empty_and_non_finite_outputs():
    # Audit c7 (nan with a warning) and c12 (a NaN row predicted class 0).
    with pytest.raises(ValueError, match=r"no predictions \(the outputs have 0 rows\)"):
        accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="1 of 6 outputs are not finite"):
        accuracy(np.array([[0.0, np.inf, 0.0], [1.0, 0.0, 0.0]]), [1, 0])
    with pytest.raises(ValueError, match=r"predicted_classes: outputs must have shape \(N, K\)"):
        predicted_classes(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="outputs must be real numbers"):
        accuracy("abc", [0])
    assert predicted_classes(np.zeros((0, 3))).shape == (0,)


def test_single_output_threshold():
    # Audit c14: a logit output must be read at 0, a probability at 0.5 (the default).
    logits = np.array([[0.3], [-0.2], [0.1]])
    assert list(predicted_classes(logits)) == [0, 0, 0]
    assert list(predicted_classes(logits, threshold=0.0)) == [1, 0, 1]
    assert accuracy(logits, [1, 0, 1], threshold=0.0) == 1.0
    assert accuracy(np.eye(2), [0, 1], threshold=0.0) == 1.0  # K > 1: argmax, no threshold
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        predicted_classes(logits, threshold=float("nan"))


def test_history_starts_empty():
    history = History()
    assert history.epochs == 0 and repr(history) == "History(0 epochs)"
