"""What a `Tensor` holds: float64 or float32 arrays of finite numbers that fit the dtype.

The checks every number and array entering a tensor graph passes (`leaf_array`), and how
error messages write shapes and huge numbers. Plain functions of numpy data, used by
`autograd.tensor` (leaves and operands) and by `nn` (data sets, weights files).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
"""The dtypes a Tensor may hold; float64 first, the default."""

LARGEST = {dt: float(np.finfo(dt).max) for dt in FLOAT_DTYPES}
"""The largest finite number of each dtype."""


RESULT_LIMIT = 2**28
"""The most entries an operation's result may have (268,435,456: 2 GiB of float64, 1 GiB of
float32); change it with `set_result_limit`."""


def set_result_limit(entries: int) -> int:
    """Let operations make results of up to `entries` entries (a whole number >= 1); return
    the limit before. The limit refuses a result too large to allocate, with the operation
    and the shapes, before numpy tries (a broadcast of a column and a row, say): raise it
    when you do mean to make arrays that large."""
    global RESULT_LIMIT
    if isinstance(entries, bool) or not isinstance(entries, int) or entries < 1:
        raise ValueError(f"set_result_limit: entries must be a whole number >= 1, got {entries!r}")
    before, RESULT_LIMIT = RESULT_LIMIT, entries
    return before


def too_large(shape: tuple[int, ...], dtype: np.dtype, op: str, operands: str) -> MemoryError:
    """The error for a result of `shape` over `RESULT_LIMIT`, or that numpy could not allocate
    (`operands`: their shapes as the message shows them)."""
    entries = math.prod(shape)
    size = entries * np.dtype(dtype).itemsize
    unit = next(u for u, scale in _UNITS if size >= scale or u == "B")
    amount = size / dict(_UNITS)[unit]
    over = (
        f"more than the limit of {RESULT_LIMIT:,}"
        if entries > RESULT_LIMIT
        else "more memory than there is"
    )
    return MemoryError(
        f"{op}: {operands} give a result of shape {shape_text(shape)}: {entries:,} entries, "
        f"{amount:.3g} {unit} of {np.dtype(dtype)}, {over}; check the shapes (a column and a "
        "row broadcast to a matrix?), or raise the limit with "
        "autograd.set_result_limit(entries)"
    )


_UNITS = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10), ("B", 1))


class GraphEscapeError(TypeError):
    """numpy asked for the numbers of a Tensor that requires grad (``np.asarray(t)``, a list
    of such tensors given as data): as a plain array they would leave the graph, and the
    gradient would stop there without a word."""


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


def leaf_array(data: object, dtype: Any, what: str, copy: bool = True) -> np.ndarray:
    """`data` as a finite float32/float64 array (float64 unless asked), or a clear error.

    `dtype` None keeps a float32 or float64 array's own dtype and makes
    everything else float64.
    """
    try:
        arr = np.asarray(data)
    except GraphEscapeError as exc:
        raise GraphEscapeError(f"{what}: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise TypeError(
            f"{what}: data is not a rectangular array of numbers ({exc}){_nodes_hint(data)}"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"{what}: data must be real numbers, got an array of dtype {arr.dtype} "
            f"(e.g. {arr.flat[0]!r:.40}){_nodes_hint(arr.flat if arr.dtype.kind == 'O' else ())}"
            if arr.size
            else f"{what}: data must be real numbers, got an empty array of dtype {arr.dtype}"
        )
    if dtype is None:
        target = arr.dtype if arr.dtype in FLOAT_DTYPES else FLOAT_DTYPES[0]
    else:
        target = float_dtype(dtype, what)
    if copy or arr.dtype != target:
        with np.errstate(over="ignore"):  # a float64 too large for float32 is reported below
            cast = arr.astype(target)  # copies
    else:
        cast = arr
    if not np.isfinite(cast).all():
        check_finite(arr, what)  # NaN or inf in the data itself
        too_large = ~np.isfinite(cast)
        first = tuple(int(i) for i in np.argwhere(too_large)[0])
        raise OverflowError(
            f"{what}: {int(too_large.sum())} of {arr.size} entries are too large for {target} "
            f"(first at index {first}: {arr[first]:g}; the largest is "
            f"{LARGEST[target]:.4g}); scale the data down or use float64"
        )
    return cast


def _nodes_hint(items: Any) -> str:
    """What to do instead when the data holds graph nodes (a list of Tensors, some 0-d, which
    numpy cannot stack, or of Values), or nothing."""
    for x in items if isinstance(items, (list, tuple, np.flatiter)) else ():
        if not hasattr(x, "_parents"):
            continue
        if not hasattr(x, "requires_grad"):  # a Value
            return (
                "; Values belong to the scalar engine: use Tensor([v.data for v in values]) "
                "for a constant, or build the expression from Values only"
            )
        return (  # a Tensor
            "; to join Tensors into one keeping the graph use stack([...]) or "
            "concatenate([...]) from autograd, or Tensor(t.data) for a constant"
        )
    return ""
