"""Tests for nn.weights_file: `nn.load` checks every header of a weights file against the model
before it reads an array, so lying headers and zip bombs are refused before anything is
allocated (issue 17, item 6). The crafted files come from tests/crafted_npz.py; more rows in
the hostile-input table (tests/hostile_inputs.py, "weights files")."""

from __future__ import annotations

import tracemalloc
import zipfile

import numpy as np
import pytest
from chaingrad.nn import weights_file
from chaingrad.nn.checkpoint import load, save, state_dict
from chaingrad.nn.layers import MLP, Linear
from chaingrad.nn.weights_file import WeightsFileError, most_bytes
from crafted_npz import MiB, deflated_zeros, npy, npy_header, stored, zip_bytes


def unchanged(model, before) -> bool:
    after = state_dict(model)
    return all(np.array_equal(before[k], after[k]) for k in before)


def peak_mib_of(call) -> float:
    """The most memory (MiB) Python and numpy held above the start while `call` ran."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / MiB


def test_a_header_claiming_10_to_the_15_entries_is_refused_from_the_header(tmp_path):
    """A 246-byte file whose only member claims 10**15 float64 entries: numpy allocated
    8 PB for it (a raw MemoryError); the shape is now checked against the model first."""
    model = Linear(2, 3, bias=False)
    before = state_dict(model)
    path = tmp_path / "w.npz"
    path.write_bytes(zip_bytes([stored("weight.npy", npy_header((10**15,)))]))
    assert path.stat().st_size < 300
    with pytest.raises(WeightsFileError) as caught:
        load(model, path)
    assert str(caught.value) == (
        f"load {path}: 'weight' has shape (1000000000000000,) but the model's weight has "
        "shape (3,2)"
    )
    assert unchanged(model, before)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    """A 3.7 MiB file whose weight unpacks to 3.7 GiB, behind a header that fits the model
    (and the file fits the model's 4 MiB): the size the zip declares gives it away."""
    model = Linear(512, 512)
    before = state_dict(model)
    bomb = deflated_zeros("weight.npy", npy_header((512, 512)), 3789)
    path = tmp_path / "w.npz"
    path.write_bytes(zip_bytes([bomb, stored("bias.npy", npy(np.zeros(512)))]))
    assert path.stat().st_size < most_bytes({"weight": (512, 512), "bias": (512,)})
    assert bomb.unpacked > 3.6 * 1024 * MiB

    def refused() -> None:
        with pytest.raises(WeightsFileError, match=r"'weight' declares 3\.7 GiB unpacked, but "
                           r"its header describes 2\.0 MiB \(\(512,512\) float64\)"):  # fmt: skip
            load(model, path)

    assert peak_mib_of(refused) < 64  # nothing near the 3.7 GiB (nor the 2 MiB array) held
    assert unchanged(model, before)


def test_a_member_is_never_read_past_the_size_it_declares(tmp_path):
    """A member whose deflated stream goes on for 48 MiB of zeros after the array it
    declares (a 50 KiB file, within what the model may take): the array loads, and the rest
    is never unpacked."""
    model = MLP([2, 3, 1], seed=0)
    saved = state_dict(MLP([2, 3, 1], seed=7))
    members = [stored(f"{name}.npy", npy(array)) for name, array in saved.items()]
    head = npy(saved["0.weight"])
    members[0] = deflated_zeros("0.weight.npy", head, 48, unpacked=len(head))
    path = tmp_path / "w.npz"
    path.write_bytes(zip_bytes(members))
    assert peak_mib_of(lambda: load(model, path)) < 16
    assert unchanged(model, saved)


def test_a_file_larger_than_the_model_can_take_is_refused_unopened(tmp_path, monkeypatch):
    model = MLP([2, 3, 1], seed=0)
    path = tmp_path / "w.npz"
    save(MLP([2, 300, 100], seed=0), path)  # the same names, a 243 KiB file
    monkeypatch.setattr(weights_file.zipfile, "ZipFile", None)  # opening it would fail
    with pytest.raises(WeightsFileError, match=r"the file is 243\.\d KiB, more than weights for "
                       r"this model take \(at most 65\.2 KiB for its 13 numbers\)"):  # fmt: skip
        load(model, path)


@pytest.mark.parametrize(
    "write",
    [
        lambda path, state: np.savez_compressed(path, **state),
        lambda path, state: np.savez(path, **{k: np.asfortranarray(v) for k, v in state.items()}),
        lambda path, state: np.savez(path, **{k: v.astype(">f4") for k, v in state.items()}),
        lambda path, state: np.savez(path, **{k: np.round(v * 10).astype(int) for k, v in
                                              state.items()}),
        lambda path, state: path.write_bytes(zip_bytes([
            stored(f"{k}.npy", npy(v, version=(2, 0))) for k, v in state.items()])),
    ],
    ids=["compressed", "fortran-order", "big-endian-float32", "int", "npy-version-2"],
)  # fmt: skip
def test_files_numpy_writes_load_as_before(tmp_path, write):
    state = {k: v.T.copy().T for k, v in state_dict(MLP([3, 4, 2], seed=1)).items()}
    path = tmp_path / "w.npz"
    write(path, state)
    with np.load(path) as archive:
        expected = {k: archive[k].astype(np.float64) for k in archive.files}
    model = load(MLP([3, 4, 2], seed=2), path)
    assert unchanged(model, expected)


def test_every_saved_model_is_well_within_what_its_file_may_take(tmp_path):
    for sizes, dtype in (([2, 3, 1], np.float64), ([64, 32, 10], np.float32), ([1, 1], None)):
        model = MLP(sizes, dtype=dtype) if dtype is not None else Linear(1, 1, bias=False)
        shapes = {name: p.shape for name, p in model.named_parameters()}
        assert save(model, tmp_path / "w.npz").stat().st_size <= most_bytes(shapes) / 2


def test_a_crafted_archive_with_hundreds_of_names_gets_a_short_message(tmp_path):
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(200):
            archive.writestr(f"x{i}.npy", b"")
    with pytest.raises(WeightsFileError) as caught:
        load(Linear(2, 2), path)
    message = str(caught.value)
    assert "missing weight, bias; unexpected x0, x1," in message
    assert "x9 and 190 more (the model's keys: weight, bias)" in message
    assert len(message) < 300
