"""Tests for nn.data: the XOR table, the seeded generators, the shipped digits, the IDX
reader on small files written here (raw and gzipped), one-hot rows and the seeded split."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from chaingrad.nn.data import (
    load_digits,
    one_hot,
    read_idx,
    spirals,
    train_test_split,
    two_moons,
    xor_table,
)


def test_xor_table_is_seed_003s():
    x, y = xor_table()
    assert x.shape == (4, 3) and y.shape == (4, 1)
    assert x.dtype == y.dtype == np.float64
    assert (x[:, 2] == 1).all()  # the constant third input X3
    assert (y[:, 0] == np.logical_xor(x[:, 0], x[:, 1])).all()


@pytest.mark.parametrize("make", [two_moons, spirals])
def test_generators_are_deterministic_by_seed(make):
    a, b, c = make(101, seed=5), make(101, seed=5), make(101, seed=6)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    x, y = a
    assert x.shape == (101, 2) and x.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64


def test_two_moons_without_noise_lies_on_the_two_half_circles():
    x, y = two_moons(201, noise=0.0, seed=1)
    assert np.bincount(y).tolist() == [101, 100]
    upper, lower = x[y == 0], x[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= 0).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5).all()
    assert not np.array_equal(y[:101], np.zeros(101))  # shuffled, not sorted by class


def test_two_moons_noise_has_the_requested_spread():
    clean, _ = two_moons(4000, noise=0.0, seed=3)
    noisy, _ = two_moons(4000, noise=0.2, seed=3)
    # Same seed, same angles and order: the difference is the noise alone.
    assert np.std(noisy - clean) == pytest.approx(0.2, rel=0.05)


def test_spirals_arms_wind_once_from_the_origin():
    x, y = spirals(302, classes=3, noise=0.0, seed=2)
    assert np.bincount(y).tolist() == [101, 101, 100]
    radius = np.hypot(x[:, 0], x[:, 1])
    assert (radius < 1).all()
    angle = np.arctan2(x[:, 1], x[:, 0])
    expected = 2 * np.pi * (y / 3 + radius)
    assert np.allclose(np.cos(angle - expected), 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_moons(0), "n must be a positive whole number"),
        (lambda: two_moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: spirals(10, classes=0), "classes must be a positive whole number"),
        (lambda: spirals(10, noise=float("nan")), "noise"),
        (lambda: two_moons(10, noise="0.1"), "two_moons: noise must be a finite number >= 0"),
        (lambda: two_moons(seed=-1), "two_moons: seed must be a whole number >= 0.* got -1"),
        (lambda: spirals(seed=1.5), "spirals: seed must be a whole number >= 0.* got 1.5"),
    ],
)
def test_generator_arguments_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_generators_take_numpy_numbers_and_generators():
    x, _ = two_moons(10, noise=np.float32(0.1), seed=np.int64(4))
    assert np.array_equal(x, two_moons(10, noise=float(np.float32(0.1)), seed=4)[0])
    shared = np.random.default_rng(7)
    assert np.array_equal(
        spirals(12, seed=shared)[1], spirals(12, seed=np.random.default_rng(7))[1]
    )


def test_load_digits_is_the_uci_set():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert x.min() == 0 and x.max() == 16
    assert (x == np.round(x)).all()
    # Per-class counts of the UCI optical-recognition test set.
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


# ----------------------------------------------------------------------------- IDX
def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """An IDX file written by hand: magic, big-endian sizes, big-endian data."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


IDX_CASES = [
    (np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4), 0x08),  # like MNIST images
    (np.array([7, 2, 1, 0, 4], dtype=np.uint8), 0x08),  # like MNIST labels
    (np.array([[-128, 5], [127, -1]], dtype=np.int8), 0x09),
    (np.array([-30000, 12345], dtype=np.int16), 0x0B),
    (np.array([[1, -2, 70000]], dtype=np.int32), 0x0C),
    (np.array([1.5, -2.25], dtype=np.float32), 0x0D),
    (np.array([[np.pi], [-1e300]], dtype=np.float64), 0x0E),
]


@pytest.mark.parametrize(("array", "code"), IDX_CASES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_raw_and_gzipped(tmp_path, array, code, compress):
    data = idx_bytes(array, code)
    path = tmp_path / ("file.idx.gz" if compress else "file.idx")
    path.write_bytes(gzip.compress(data) if compress else data)
    result = read_idx(path)
    assert result.shape == array.shape
    assert result.dtype == array.dtype  # native byte order
    assert np.array_equal(result, array)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    path = tmp_path / "labels-idx1-ubyte"  # no .gz, yet compressed
    path.write_bytes(gzip.compress(idx_bytes(array, 0x08)))
    assert np.array_equal(read_idx(str(path)), array)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an IDX file"),
        (b"\x01\x00\x08\x01", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown IDX type code 0x07"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x02", "header cut short"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02", r"shape \(3,\) of uint8"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "the file has 2"),
        (b"\x1f\x8bnot gzip at all", "broken gzip data"),
    ],
)
def test_read_idx_errors_are_clear(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_read_idx_names_a_missing_file_or_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"read_idx: .*nope.idx: no such file"):
        read_idx(tmp_path / "nope.idx")
    with pytest.raises(IsADirectoryError, match=r"read_idx: .* is a folder, not an IDX file"):
        read_idx(tmp_path)


# ----------------------------------------------------------------------------- labels, split
def test_one_hot():
    assert one_hot(np.array([2, 0])).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.array([1]), classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match=r"label 2 is outside \[0, 2\) for classes=2; raise"):
        one_hot(np.array([2]), classes=2)
    with pytest.raises(ValueError, match="1-D integer array"):
        one_hot(np.array([0.5]))
    with pytest.raises(ValueError, match="label -1 is negative"):
        one_hot(np.array([0, -1]))
    with pytest.raises(ValueError, match=r"classes must be a positive whole number, got 3\.0"):
        one_hot(np.array([0, 1]), classes=3.0)
    with pytest.raises(ValueError, match="classes must be a positive whole number, got -1"):
        one_hot(np.array([0, 1]), classes=-1)
    assert one_hot(np.array([1]), classes=np.int64(2)).tolist() == [[0, 1]]
    assert one_hot(np.zeros(0, dtype=int), classes=3).shape == (0, 3)


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
    assert len(train_test_split(x, y, np.int64(25), seed=3)[1]) == 25


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x, y: train_test_split(x, y, 0.2), r"a number of rows .* round\(0.2 \* 100\) = 20"),
        (lambda x, y: train_test_split(x, y, 5.0), "a number of rows .* pass a whole number"),
        (lambda x, y: train_test_split(x, np.eye(3)[y], 5), r"stratify needs class labels of"),
        (lambda x, y: train_test_split(3.0, y, 5), "X must have one row per example"),
        (lambda x, y: train_test_split(x, None, 5), "y is a 0-d array"),
        (lambda x, y: train_test_split(x, y[:5], 5), "X has 100 rows but y has 5"),
        (lambda x, y: train_test_split(x, y, 5, seed=-1), "seed must be a whole number >= 0"),
    ],
    ids=["fraction", "float", "one-hot", "x-number", "y-none", "y-short", "seed"],
)
def test_train_test_split_errors_are_clear(call, message):
    y = np.repeat(np.arange(3), [50, 30, 20])
    with pytest.raises(ValueError, match=message):
        call(np.arange(100.0)[:, None], y)


def test_train_test_split_of_one_hot_rows_without_stratify():
    # Audit b8: stratify on one-hot rows picked rows by flat index (an IndexError, or wrong rows).
    y = np.eye(2)[np.arange(20) % 2]
    _, x_test, _, y_test = train_test_split(np.arange(20.0)[:, None], y, 5, stratify=False)
    assert np.array_equal(y_test, y[x_test.ravel().astype(int)])
