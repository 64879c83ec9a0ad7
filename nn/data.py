"""Data sets, all shipped or generated here (nothing is downloaded).

- `xor_table`: seed 003's XOR truth table, with its constant third input.
- `two_moons` and `spirals`: 2-D classification sets drawn from a seeded generator.
- `load_digits`: the UCI optical-recognition handwritten digits (1,797 8x8 images), shipped.
- `read_idx`: the reader for MNIST's IDX files (raw or gzipped), for users who have them.
- `one_hot` and `train_test_split`: labels as one-hot rows, and a seeded (stratified) split.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from importlib import resources
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from .checks import check_count
from .layers import Seed, generator

# IDX type codes (the third byte of the magic number) and their big-endian dtypes.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def xor_table() -> tuple[np.ndarray, np.ndarray]:
    """Seed 003's truth table: inputs X (4, 3) and targets Y (4, 1), float64.

    The third input column X3 is the constant 1 the document lists (a bias input)::

        X1 X2 X3 | Y
         0  0  1 | 0
         0  1  1 | 1
         1  0  1 | 1
         1  1  1 | 0
    """
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return x, y


def two_moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points X (n, 2) float64 and labels y (n,) int64 in {0, 1}.

    Class 0 lies on the upper unit half circle, class 1 on the lower one shifted to
    (1, 0.5); the angles are uniform, Gaussian noise of standard deviation `noise` is
    added to both coordinates, and the order is shuffled. Class 0 gets the extra point
    when n is odd. The same `seed` (a whole number, or a numpy Generator) gives the same
    points.
    """
    check_count(n, "two_moons", "n")
    _check_noise(noise, "two_moons")
    rng = generator(seed, "two_moons")
    n_upper = (n + 1) // 2
    angle = rng.uniform(0.0, math.pi, n)
    upper = np.column_stack([np.cos(angle[:n_upper]), np.sin(angle[:n_upper])])
    lower = np.column_stack([1.0 - np.cos(angle[n_upper:]), 0.5 - np.sin(angle[n_upper:])])
    x = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_upper, n - n_upper])
    order = rng.permutation(n)
    return x[order], y[order]


def spirals(
    n: int = 300, classes: int = 3, seed: Seed = 0, noise: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms: points X (n, 2) float64 and labels y (n,) int64.

    Arm k starts at the origin and winds once around it, rotated by 2 pi k / classes:
    a point at radius r in [0, 1) has angle 2 pi (k / classes + r). Radii are uniform,
    Gaussian noise of standard deviation `noise` is added to both coordinates, and the
    order is shuffled. The first n % classes arms get one extra point. The same `seed`
    (a whole number, or a numpy Generator) gives the same points.
    """
    check_count(n, "spirals", "n")
    check_count(classes, "spirals", "classes")
    _check_noise(noise, "spirals")
    rng = generator(seed, "spirals")
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    y = np.repeat(np.arange(classes, dtype=np.int64), counts)
    radius = rng.uniform(0.0, 1.0, n)
    angle = 2.0 * math.pi * (y / classes + radius)
    x = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    x += noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return x[order], y[order]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI optical-recognition handwritten digits: X (1797, 64) float64, y (1797,) int64.

    Each row of X is an 8x8 image, row by row, of integer pixel counts 0..16; y is the
    digit 0-9. The file ``nn/data/digits.csv.gz`` is shipped with the package (the copy
    scikit-learn ships: the test part of the UCI set, 1,797 images by 13 writers).

    Source: Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits.
    UCI Machine Learning Repository. CC BY 4.0. https://doi.org/10.24432/C50P49
    """
    source = resources.files("chaingrad.nn") / "data" / "digits.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float64)
    return table[:, :-1], table[:, -1].astype(np.int64)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (MNIST's format), raw or gzip-compressed, into a numpy array.

    The format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, each dimension
    as a big-endian uint32, then the data, big-endian, in C order. Compression is
    recognized from the file's first bytes, not its name. The array returned has the
    file's shape and type, in native byte order (``train-images-idx3-ubyte.gz`` gives
    uint8 of shape (60000, 28, 28)).
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"read_idx: {path}: no such file; check the path") from None
    except IsADirectoryError:
        raise IsADirectoryError(
            f"read_idx: {path} is a folder, not an IDX file; pass the path of a file in it"
        ) from None
    except PermissionError:
        raise PermissionError(
            f"read_idx: {path}: permission denied; check the file's permissions"
        ) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"read_idx: {path}: broken gzip data ({error})") from None
    if len(data) < 4 or data[0] or data[1]:
        raise ValueError(
            f"read_idx: {path} is not an IDX file: it must start with two zero bytes, "
            f"starts with {data[:4].hex(' ') or 'nothing (empty file)'}"
        )
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_TYPES)
        raise ValueError(f"read_idx: {path}: unknown IDX type code 0x{code:02X} (known: {known})")
    dtype = _IDX_TYPES[code]
    start = 4 + 4 * ndim
    if len(data) < start:
        raise ValueError(f"read_idx: {path}: header cut short ({len(data)} bytes, need {start})")
    shape = struct.unpack(f">{ndim}I", data[4:start])
    expected = math.prod(shape) * dtype.itemsize
    if len(data) - start != expected:
        raise ValueError(
            f"read_idx: {path}: the header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file has {len(data) - start}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=start).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def one_hot(labels: Any, classes: int | None = None) -> np.ndarray:
    """Integer labels (N,) as rows of a float64 identity: (N, classes), 1 at each label.

    `classes` defaults to the largest label + 1.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be a 1-D integer array, got {y.dtype} {y.shape}")
    if classes is not None:
        check_count(classes, "one_hot", "classes")
    if not y.size:
        return np.zeros((0, classes or 0))
    count = int(y.max()) + 1 if classes is None else int(classes)
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise ValueError(f"one_hot: label {low} is negative; class labels count from 0")
    if high >= count:
        raise ValueError(
            f"one_hot: label {high} is outside [0, {count}) for classes={count}; "
            f"raise classes to {high + 1} or fix the labels"
        )
    return np.eye(count)[y]


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: int, *, seed: Seed = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the rows into a training and a held-out test set: (X_train, X_test, y_train, y_test).

    `test_size` rows (a count, not a fraction: ``round(0.2 * len(X))`` for a fifth) go to
    the test set. With `stratify`, y holds class labels (N,) and each class keeps its
    share: class c gets floor(test_size * n_c / n) test rows, and the rows left over go
    to the classes with the largest remainders (the lower class on a tie). Which rows,
    and the order of both sets, come from a Generator seeded by `seed` (a whole number,
    or a numpy Generator).
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0:
        raise ValueError(
            f"train_test_split: X must have one row per example, got a 0-d array ({X.item()!r:.40})"
        )
    n = len(X)
    if y.ndim == 0 or len(y) != n:
        got = f"has {len(y)}" if y.ndim else f"is a 0-d array ({y.item()!r:.40})"
        raise ValueError(
            f"train_test_split: X has {n} rows but y {got}; give one target per row of X"
        )
    if isinstance(test_size, Real) and not isinstance(test_size, Integral):
        hint = (
            f"for a fraction use round({test_size!r} * {n}) = {round(test_size * n)}"
            if 0 < test_size < 1
            else "pass a whole number"
        )
        raise ValueError(
            f"train_test_split: test_size is a number of rows in [1, {n - 1}], "
            f"got {test_size!r}; {hint}"
        )
    if isinstance(test_size, bool) or not isinstance(test_size, Integral) or not 0 < test_size < n:
        raise ValueError(
            f"train_test_split: test_size must be a whole number in [1, {n - 1}], got {test_size!r}"
        )
    if stratify and y.ndim != 1:
        raise ValueError(
            f"train_test_split: stratify needs class labels of shape ({n},), got shape "
            f"{y.shape}; split the labels (e.g. y.argmax(axis=1)) and one_hot them after, "
            "or pass stratify=False"
        )
    rng = generator(seed, "train_test_split")
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


def _check_noise(noise: object, where: str) -> None:
    if (
        isinstance(noise, bool)
        or not isinstance(noise, Real)
        or not math.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")
