"""Tests for nn.train: fit (batches, shuffling, determinism, history, errors), metrics and data
helpers, weights in .npz files (round trip, atomic write, clear errors on bad files),
PyTorch round trips, and the `chaingrad train` tasks and command."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pytest

from autograd.tensor import Tensor
from nn.layers import MLP, Linear, Sequential, Sigmoid, Tanh
from nn.losses import half_squared_error, softmax_cross_entropy
from nn.module import Module
from nn.optim import SGD, Adam
from nn.train import (
    TASKS,
    History,
    accuracy,
    add_train_arguments,
    evaluate,
    fit,
    from_torch,
    load,
    load_state_dict,
    one_hot,
    predicted_classes,
    run_task,
    save,
    state_dict,
    to_torch,
    train_command,
    train_test_split,
)


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: no PyTorch round trip")


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


# ----------------------------------------------------------------------------- fit
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


def test_one_hot():
    assert one_hot(np.array([2, 0])).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.array([1]), classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        one_hot(np.array([2]), classes=2)
    with pytest.raises(ValueError, match="1-D integer array"):
        one_hot(np.array([0.5]))


def test_train_test_split_is_stratified_disjoint_and_seeded():
    y = np.repeat(np.arange(3), [50, 30, 20])
    x = np.arange(100.0)[:, None]
    x_train, x_test, _, y_test = train_test_split(x, y, 25, seed=3)
    assert len(x_test) == 25 and len(x_train) == 75
    assert sorted(np.concatenate([x_train, x_test]).ravel()) == list(range(100))
    assert np.array_equal(y[x_test.ravel().astype(int)], y_test)
    # 25 * (50, 30, 20) / 100 = 12.5, 7.5, 5: the two .5 remainders go to the lower classes
    assert np.bincount(y_test).tolist() == [13, 7, 5]
    again = train_test_split(x, y, 25, seed=3)
    assert np.array_equal(again[1], x_test)
    assert not np.array_equal(train_test_split(x, y, 25, seed=4)[1], x_test)
    plain = train_test_split(x, y, 10, seed=0, stratify=False)
    assert len(plain[1]) == 10
    with pytest.raises(ValueError, match=r"test_size must be a whole number in \[1, 99\]"):
        train_test_split(x, y, 100)


# ----------------------------------------------------------------------------- weights
def trained_net():
    net = MLP([2, 4, 3], hidden="relu", init="he", seed=5)
    for p in net.parameters():  # move every parameter away from its start
        p.data += 0.01 * np.arange(p.size).reshape(p.shape)
    return net


def test_save_load_round_trip(tmp_path):
    net = trained_net()
    path = save(net, tmp_path / "net.npz")
    assert path == tmp_path / "net.npz"
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # no temporary file left
    with np.load(path) as archive:
        assert sorted(archive.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    fresh = MLP([2, 4, 3], hidden="relu", init="he", seed=99)
    params_before = fresh.parameters()
    assert load(fresh, path) is fresh
    assert fresh.parameters() == params_before  # loaded in place: optimizers keep working
    x = np.random.default_rng(0).normal(size=(5, 2))
    assert np.array_equal(fresh(x).data, net(x).data)
    assert state_dict(fresh).keys() == state_dict(net).keys()


def test_save_replaces_atomically_and_makes_folders(tmp_path):
    target = tmp_path / "deep" / "er" / "net.npz"
    save(trained_net(), target)
    save(MLP([2, 4, 3], seed=1), target)  # overwrite
    assert sorted(p.name for p in target.parent.iterdir()) == ["net.npz"]


def test_load_errors_name_the_file_key_and_shapes(tmp_path):
    net = trained_net()
    good = save(net, tmp_path / "good.npz")
    wrong_shape = save(MLP([2, 5, 3], seed=0), tmp_path / "wide.npz")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip archive")
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    missing_key = tmp_path / "missing.npz"
    np.savez(missing_key, **{"0.weight": np.ones((4, 2))})
    nan = tmp_path / "nan.npz"
    np.savez(nan, **{k: np.full_like(v, np.nan) for k, v in state_dict(net).items()})
    before = state_dict(net)
    cases = [
        (tmp_path / "absent.npz", FileNotFoundError, "absent.npz: no such file"),
        (corrupt, ValueError, "corrupt.npz: not a readable .npz weights file"),
        (single, ValueError, "single.npy: not a readable .npz.*not an .npz archive"),
        (missing_key, ValueError, "missing 0.bias, 2.weight, 2.bias"),
        (wrong_shape, ValueError, r"'0.weight' has shape \(5,2\) but the model's 0.weight has "
         r"shape \(4,2\)"),
        (nan, ValueError, "'0.weight': 8 of 8 entries are not finite"),
    ]  # fmt: skip
    for path, error, message in cases:
        with pytest.raises(error, match=message):
            load(net, path)
        after = state_dict(net)
        assert all(np.array_equal(before[k], after[k]) for k in before), "changed on failure"
    with pytest.raises(
        ValueError, match=r"missing 1\.weight, 1\.bias; unexpected 2\.weight, 2\.bias"
    ):
        load(Sequential(Linear(2, 4), Linear(4, 3)), good)


def test_load_state_dict_converts_dtype():
    net = Linear(2, 2, dtype=np.float32)
    load_state_dict(net, {"weight": np.eye(2), "bias": [1, 2]})
    assert net.weight.dtype == np.float32 and net.bias.data.tolist() == [1.0, 2.0]


# ----------------------------------------------------------------------------- PyTorch
def test_to_torch_and_back_give_identical_outputs():
    torch = torch_or_skip()
    net = trained_net()
    state = torch.random.get_rng_state()
    reference = to_torch(net)
    assert torch.equal(torch.random.get_rng_state(), state)  # torch's RNG left alone
    assert isinstance(reference, torch.nn.Sequential)
    assert [type(m).__name__ for m in reference] == ["Linear", "ReLU", "Linear"]
    x = np.random.default_rng(1).normal(size=(7, 2))
    out = net(x).data
    np.testing.assert_allclose(reference(torch.from_numpy(x)).detach().numpy(), out, rtol=1e-13)
    back = from_torch(reference)
    assert isinstance(back, Sequential)
    assert np.array_equal(back(x).data, out)
    assert list(state_dict(back)) == list(reference.state_dict())


def test_from_torch_of_a_torch_model_and_of_a_saved_npz(tmp_path):
    torch = torch_or_skip()
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1, bias=False),
        torch.nn.Sigmoid(),
    )  # fmt: skip
    ours = from_torch(model)
    assert [type(m) for m in ours] == [Linear, Tanh, Linear, Sigmoid]
    assert ours[0].weight.dtype == np.float32 and ours[2].bias is None
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(x).data, model(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
    # A saved .npz is a torch state_dict too.
    path = save(ours, tmp_path / "w.npz")
    with np.load(path) as archive:
        model.load_state_dict({k: torch.from_numpy(archive[k]) for k in archive.files})


def test_torch_conversion_errors():
    torch = torch_or_skip()

    class Doubler(Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(TypeError, match=r"cannot convert 1 \(Doubler\)"):
        to_torch(Sequential(Linear(2, 2), Doubler()))
    with pytest.raises(TypeError, match=r"cannot convert 0 \(Conv1d\)"):
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(TypeError, match=r"has dtype torch\.float16"):
        from_torch(torch.nn.Linear(2, 2).half())


def test_torch_conversion_without_torch_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    with pytest.raises(ImportError, match=r"to_torch needs PyTorch.*pip install torch"):
        to_torch(Linear(2, 2))
    with pytest.raises(ImportError, match="from_torch needs PyTorch"):
        from_torch(object())


# ----------------------------------------------------------------------------- tasks, command
def test_tasks_are_deterministic_and_the_moons_net_learns():
    a = run_task("moons", epochs=15, progress=False)
    b = run_task("moons", epochs=15, progress=False)
    assert a.history.records == b.history.records
    assert a.goal_record == "val_accuracy" and a.final_accuracy >= 0.95
    assert len(a.split.X_train) == 400 and len(a.split.X_test) == 100


def test_run_task_rejects_unknown_tasks_and_settings():
    with pytest.raises(ValueError, match="unknown task 'mnist'; the tasks are xor, moons"):
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


def test_history_starts_empty():
    history = History()
    assert history.epochs == 0 and repr(history) == "History(0 epochs)"
