"""Tests for nn.checkpoint: weights in .npz files (round trip, atomic write, clear errors on
bad files), state dicts, and PyTorch round trips."""

from __future__ import annotations

import errno
import os
import sys

import numpy as np
import pytest
from chaingrad.autograd.files import SaveError
from chaingrad.nn.checkpoint import from_torch, load, load_state_dict, save, state_dict, to_torch
from chaingrad.nn.layers import MLP, Linear, Sequential, Sigmoid, Tanh
from chaingrad.nn.module import Module


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: no PyTorch round trip")


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


@pytest.mark.parametrize(
    ("setup", "name", "error", "message"),
    [
        (lambda d: (d / "w.npz").mkdir(), "w.npz", errno.EISDIR, "w.npz: it is a folder"),
        (lambda d: (d / "afile").write_text(""), "afile/w.npz", errno.ENOTDIR,
         "afile is a file, not a folder"),
        (lambda d: (d / "afile").write_text(""), "afile/sub/w.npz", errno.ENOTDIR,
         "afile is a file, not a folder"),
    ],
)  # fmt: skip
def test_save_errors_name_the_path_given_not_the_temporary_file(
    tmp_path, setup, name, error, message
):
    setup(tmp_path)
    target = tmp_path / name
    with pytest.raises(SaveError) as caught:
        save(trained_net(), target)
    text = str(caught.value)
    assert text.startswith(f"save: cannot write {target}") and message in text
    assert ".tmp" not in text and "\n" not in text
    assert caught.value.errno == error and caught.value.filename == str(target)
    assert caught.value.strerror  # the system's reason, for callers that show it alone
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_load_state_dict_needs_a_dict():
    net = Linear(2, 2)
    for state in (None, [("weight", np.eye(2)), ("bias", [1, 2])]):
        with pytest.raises(TypeError, match="state must be a dict of name -> array"):
            load_state_dict(net, state)


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


def test_saved_file_gets_the_usual_permissions(tmp_path):
    """The temporary file is made with mode 0o666 less the umask, like any new file (not
    the 0o600 of tempfile), so a weights file others could read stays readable."""
    mask = os.umask(0o022)
    try:
        path = save(trained_net(), tmp_path / "w.npz")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
