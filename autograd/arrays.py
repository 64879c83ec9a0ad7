"""What a `Tensor` holds: float64 or float32 arrays of finite numbers that fit the dtype.

The checks every number and array entering a tensor graph passes, and how error messages
write shapes and huge numbers. Plain functions of numpy data, used by `autograd.tensor`
(leaves and operands) and by `nn` (data sets, weights files).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
"""The dtypes a Tensor may hold; float64 first, the default."""

LARGEST = {dt: float(np.finfo(dt).max) for dt in FLOAT_DTYPES}
"""The largest finite number of each dtype."""


def number_error(x: float | int, dtype: np.dtype, op: str) -> Exception:
    """The error for a number operand outside `dtype`'s finite range (NaN, inf or too large)."""
    if isinstance(x, float) and not math.isfinite(x):
        return ValueError(f"{op}: an operand is {x}; only finite numbers are allowed")
    return OverflowError(
        f"{op}: an operand ({float(x) if isinstance(x, float) else int_text(x)}) is too "
        f"large for {dtype} (the largest is {LARGEST[dtype]:.4g}); scale it down"
        + ("" if dtype == FLOAT_DTYPES[0] else " or use float64 tensors")
    )


def int_text(n: int) -> str:
    """An int of any size, short: ``12345``, or ``1.000e+400`` for more than 20 digits."""
    if abs(n) < 10**20:
        return str(n)
    exponent = math.log10(abs(n))  # exact enough for a message, and fine for huge ints
    power = math.floor(exponent)
    return f"{'-' if n < 0 else ''}{10 ** (exponent - power):.3f}e+{power}"


def float_dtype(dtype: Any, what: str) -> np.dtype:
    """`dtype` as np.float64 or np.float32, or an error saying those are the choices."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"{what}: dtype {dtype!r:.40} is not a numpy dtype; use np.float64 or np.float32"
        ) from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{what}: dtype {dtype!r} is not supported; use np.float64 or np.float32")
    return dt


def check_finite(arr: np.ndarray, what: str) -> None:
    """Raise ValueError naming how many entries of `arr` are NaN or inf, and where."""
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{what}: {int(bad.sum())} of {arr.size} entries are not finite (first at index "
            f"{first}: {arr[first]}); only finite numbers are allowed"
        )


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as the error messages write it: ``(3,4)``, ``(3,)``, ``()``."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(map(str, shape)) + ")"
