"""Tensor operations: each one's forward and backward rule, side by side.

An operation is a forward function (compute the result with numpy, then
`autograd.tensor.record` makes the node) and an `Op`: its entry in the op registry
(`autograd.ops`: name, the ``op`` its nodes carry, the rule text of each operand, its
kink) and the backward function that applies the rule. A
backward function ``backward(node, g)`` receives the node and g = d(root)/d(node)
and returns one gradient per operand, d(root)/d(operand) with the operand's
shape, or None for an operand that does not require grad. It reads what it needs
from ``node._parents`` (the operands' data), ``node.data`` (the result) and
``node._saved`` (axes, indices), never from a closure. It returns a new array
per operand, or `g` itself, or a view of `g`: the engine tells these apart to
decide which gradient arrays it may add into in place.

Broadcasting: an operand that numpy broadcast gets the gradient summed back to
its own shape (`unbroadcast`), also when broadcasting added dimensions, as in
``(3,) + (2,3)`` or ``(2,1,4) * (3,1)``.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import anomaly, arrays, ops
from .arrays import (
    FLOAT_DTYPES,
    LARGEST,
    check_finite,
    int_text,
    leaf_array,
    number_error,
    shape_text,
)
from .grad_mode import _mode, is_grad_enabled
from .ops import Operation
from .tensor import Tensor, constant, record
from .value import Value
from .versions import RESULT

Backward = Callable[[Tensor, np.ndarray], tuple["np.ndarray | None", ...]]


class LocalRule:
    """The local derivative on one edge of a tensor graph, as stored in a node's ``_local``.

    ``op`` is the operation's name, ``operand`` the position of the edge's
    operand (None for operations taking any number of operands, where every
    operand follows the same rule), and ``formula`` the rule as text, e.g.
    ``∂(a·b)/∂a = b``; ``str(rule)`` is the formula.
    """

    __slots__ = ("op", "operand", "formula")

    def __init__(self, op: str, operand: int | None, formula: str) -> None:
        self.op = op
        self.operand = operand
        self.formula = formula

    def __str__(self) -> str:
        return self.formula

    def __repr__(self) -> str:
        return f"LocalRule({self.op!r}, operand={self.operand}, {self.formula!r})"


class Op:
    """A tensor operation's implementation: its registry entry and its backward function.

    `operation` is the op's entry in `autograd.ops` (name, the ``op`` its nodes carry,
    rules, kink); `backward` applies the rule. ``rules`` holds the `LocalRule` of each
    operand (one for an operation taking any number of operands, `concatenate`, `stack`).
    `reads` says, operand by operand, whose data the gradient of that operand reads:
    other operands by position and the result as `RESULT` (``mul``: ``((1,), (0,))``);
    ``backward()`` refuses when that data changed in place after the forward pass
    (`autograd.versions`). ``()``: the rule reads only shapes. Left out (None), every
    gradient is taken to read every operand and the result: safe, if stricter than needed.
    """

    __slots__ = ("operation", "name", "backward", "rules", "variadic", "reads", "watch")

    def __init__(
        self,
        operation: Operation,
        backward: Backward,
        reads: tuple[tuple[int, ...], ...] | None = None,
    ) -> None:
        self.operation = operation
        self.name = operation.name
        self.backward = backward
        self.variadic = operation.variadic
        self.reads = reads
        # What any of the rules reads (None: not declared, so all of it).
        self.watch = None if reads is None else tuple(sorted({j for r in reads for j in r}))
        self.rules = tuple(
            LocalRule(operation.name, None if operation.variadic else i, operation.plain_rule(i))
            for i in range(len(operation.rules))
        )

    def rules_for(self, n_operands: int) -> tuple[LocalRule, ...]:
        """The ``_local`` entries of a node with `n_operands` operands (an operation with an
        optional last operand, such as `linear` without a bias, has fewer than its rules)."""
        return self.rules[:n_operands] if not self.variadic else self.rules * n_operands

    def __repr__(self) -> str:
        return f"Op({self.name!r}, op={self.operation.op!r})"

    def __deepcopy__(self, memo: dict) -> Op:
        return self  # an op is shared by every node that applies it, copies included

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled by name: a pickle holds the op's name, and loading looks it up."""
        if _registered(self.name) is not self:
            raise TypeError(
                f"pickle: the tensor op {self.name!r} is not in the op registry, so a pickle "
                "cannot name it; register it (autograd.elementwise, or OPS) or copy the graph "
                "with copy.deepcopy instead"
            )
        return op_named, (self.name,)


def op_named(name: str) -> Op:
    """The tensor op registered as `name` (a built-in, or made by `autograd.elementwise`);
    a ValueError says what to do when there is none (loading a pickle made elsewhere)."""
    found = _registered(name)
    if found is None:
        raise ValueError(
            f"no tensor op named {name!r} is registered here (a pickled graph uses it); "
            "register it first, e.g. with autograd.elementwise.elementwise(...)"
        )
    return found


def _registered(name: str) -> Op | None:
    if name in OPS:
        return OPS[name]
    entry = next((o for o in ops.operations() if o.name == name), None)
    return getattr(entry, "tensor_op", None)


def _record_checked(
    data: np.ndarray,
    op: Op,
    parents: tuple[Tensor, ...],
    saved: Any = None,
    symbol: str | None = None,
) -> Tensor:
    """`record` inside `autograd.anomaly.detect_anomaly`: also check the result is finite."""
    out = _plain_record(data, op, parents, saved, symbol)
    if anomaly.is_enabled():
        anomaly.check_forward(out, parents, (), symbol or op.operation.op)
    return out


_plain_record = record
anomaly.register_check(globals(), "record", _record_checked)


# --------------------------------------------------------------------- shared helpers
def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `g` over the axes numpy broadcast an operand of `shape` along, giving `shape`.

    Axes broadcasting added in front are summed away; axes where the operand
    had size 1 are summed keeping the 1. Returns `g` itself if nothing was
    broadcast, otherwise a new array.
    """
    if g.shape == shape:
        return g
    front, ones = summed_axes(g.shape, shape)
    if front is not None:
        g = _add_reduce(g, front)  # a bias: (N, k) -> (k,)
    if ones is not None:
        g = _add_reduce(g, ones, None, None, True)  # keepdims
    return g


_add_reduce = np.add.reduce
_SUMMED: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[Any, Any]] = {}
_SUMMED_KEPT = 4096  # shape pairs remembered (a training loop has a handful)


def summed_axes(
    g_shape: tuple[int, ...], shape: tuple[int, ...]
) -> tuple[int | tuple[int, ...] | None, tuple[int, ...] | None]:
    """What `unbroadcast` sums, in its two steps: the leading axes broadcasting added, then
    (on the result) the axes where `shape` has size 1; None for a step with nothing to sum.
    `autograd.compiling` replays the same two steps. Remembered per pair of shapes: every
    backward pass through a bias asks again."""
    known = _SUMMED.get((g_shape, shape))
    if known is not None:
        return known
    lead = len(g_shape) - len(shape)
    front = None if not lead else 0 if lead == 1 else tuple(range(lead))
    rest = g_shape[lead:]
    ones = tuple([i for i, n in enumerate(shape) if n == 1 and rest[i] != 1])
    axes = front, ones or None
    if len(_SUMMED) < _SUMMED_KEPT:
        _SUMMED[g_shape, shape] = axes
    return axes


def operand(x: object, dtype: np.dtype, op: str, keep: bool = False) -> Tensor:
    """`x` as a node: a Tensor as it is, a number or array as a constant leaf of `dtype`.

    `keep`: the op's backward will read this operand if the graph is recorded; then an
    array is copied, so that the caller changing it afterwards changes nothing here.
    """
    if isinstance(x, Tensor):
        return x
    if type(x) is float or type(x) is int:
        largest = LARGEST[dtype]
        if not -largest <= x <= largest:  # exact for ints of any size; False for NaN
            raise number_error(x, dtype, op)
        return constant(np.asarray(x, dtype=dtype))
    keep = keep and _mode.enabled
    if type(x) is np.ndarray and x.dtype == dtype:  # a data batch: the common case
        check_finite(x, op)
        return constant(x.copy() if keep else x)
    if isinstance(x, (numbers.Real, np.ndarray, list, tuple)):
        return constant(leaf_array(x, dtype, op, copy=keep))
    if isinstance(x, Value):
        raise TypeError(
            f"{op}: cannot mix a Value (scalar engine) with a Tensor; use Tensor(v.data) for "
            "a constant, or build the whole expression from one kind of node"
        )
    raise TypeError(
        f"{op}: an operand is {type(x).__name__}; expected a Tensor, a number or an array "
        "of numbers"
    )


def _operands(a: object, b: object, op: str, watch: tuple[int, ...] = ()) -> tuple[Tensor, Tensor]:
    """Both operands as nodes; a number or array takes the dtype of the Tensor beside it.

    `watch` is the op's `Op.watch`: an array in a position its backward reads is copied
    when the graph will keep it (the Tensor beside it requires grad), so that changing the
    caller's array later cannot change the gradient.
    """
    if isinstance(a, Tensor):
        return a, operand(b, a._data.dtype, op, 1 in watch and a.requires_grad)
    if isinstance(b, Tensor):
        return operand(a, b._data.dtype, op, 0 in watch and b.requires_grad), b
    return operand(a, FLOAT_DTYPES[0], op), operand(b, FLOAT_DTYPES[0], op)


def _elementwise(ufunc: np.ufunc, op: Op, a: object, b: object) -> Tensor:
    """The node for ufunc(a, b), an entry-by-entry operation with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _operands(a, b, op.name, op.watch)
    x, y = a._data, b._data
    if x.size * y.size > arrays.RESULT_LIMIT:  # could the result be that large?
        _check_broadcast_size(a, b, op.name)
    try:
        out = ufunc(x, y)
    except ValueError:
        raise _broadcast_error(a, b, op.name) from None
    except MemoryError:
        raise _too_large(np.broadcast_shapes(a.shape, b.shape), a, b, op.name) from None
    return record(out, op, (a, b))


def _check_broadcast_size(a: Tensor, b: Tensor, op: str) -> None:
    """Refuse a broadcast result over `arrays.RESULT_LIMIT` entries before numpy allocates it."""
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error(a, b, op) from None
    if math.prod(shape) > arrays.RESULT_LIMIT:
        raise _too_large(shape, a, b, op)


def _too_large(
    shape: tuple[int, ...], a: Tensor, b: Tensor, op: str, operands: str | None = None
) -> MemoryError:
    """The error for an `op` of `a` and `b` whose result of `shape` is too large; `operands`
    says what they are (default: ``shapes (m,n) and (p,q)``)."""
    dtype = np.result_type(a._data.dtype, b._data.dtype)
    operands = operands or f"shapes {shape_text(a.shape)} and {shape_text(b.shape)}"
    return MemoryError(f"{arrays.too_large(shape, dtype, op, operands)}{_labels(a, b)}")


def _broadcast_error(a: Tensor, b: Tensor, op: str) -> ValueError:
    return ValueError(
        f"{op}: shapes {shape_text(a.shape)} and {shape_text(b.shape)} do not broadcast "
        f"(trailing dimensions must be equal or 1){_labels(a, b)}"
    )


def _labels(*nodes: Tensor) -> str:
    """`` (operands 'x', 'W')`` when some operand is labelled, else empty."""
    if all(n.label is None for n in nodes):
        return ""
    names = ", ".join(repr(n.label) if n.label else "unlabelled" for n in nodes)
    return f" (operand{'s' if len(nodes) > 1 else ''} {names})"


def _where_entries(mask: np.ndarray, data: np.ndarray) -> str:
    """How many entries `mask` selects, and the first one with its value."""
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{int(mask.sum())} of {mask.size} entries (first at index {first}: {data[first]:g})"


def _axes(axis: int | Sequence[int] | None, ndim: int, op: str) -> tuple[int, ...]:
    """`axis` as sorted non-negative axes (None: all axes), checked against `ndim`."""
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if isinstance(axis, (int, np.integer)) else axis
    try:
        axes = tuple(operator_index(i) for i in items)
    except TypeError:
        raise TypeError(
            f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}"
        ) from None
    normal = tuple(sorted(i + ndim if i < 0 else i for i in axes))
    if any(not 0 <= i < ndim for i in normal):
        raise ValueError(f"{op}: axis {axis!r} is out of range for a {ndim}-d tensor")
    if len(set(normal)) != len(normal):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return normal


def _keepdims(keepdims: object, op: str) -> bool:
    """`keepdims` that is not True or False: a numpy bool as a bool, anything else an error."""
    if not isinstance(keepdims, np.bool_):
        raise TypeError(f"{op}: keepdims must be True or False, got {keepdims!r:.40}")
    return bool(keepdims)


def operator_index(i: object) -> int:
    """`i` as an int if it is an integer (not a bool or float), else TypeError."""
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError
    return int(i)


def _kept(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `axes` kept as 1 (keepdims)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `axes` removed."""
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _nonempty(a: Tensor, axes: tuple[int, ...], op: str) -> None:
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(
            f"{op}: cannot reduce over an empty axis (shape {shape_text(a.shape)}, axes "
            f"{axes}); the data is empty (an empty batch or slice?)"
        )


# --------------------------------------------------------------------- + - * /
def add(a: object, b: object) -> Tensor:
    """a + b with numpy broadcasting."""
    return _elementwise(np.add, ADD, a, b)


def _add_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    return (
        unbroadcast(g, a._data.shape) if a.requires_grad else None,
        unbroadcast(g, b._data.shape) if b.requires_grad else None,
    )


ADD = Op(ops.ADD, _add_backward, reads=())


def sub(a: object, b: object) -> Tensor:
    """a - b with numpy broadcasting."""
    return _elementwise(np.subtract, SUB, a, b)


def _sub_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    return (
        unbroadcast(g, a._data.shape) if a.requires_grad else None,
        unbroadcast(-g, b._data.shape) if b.requires_grad else None,
    )


SUB = Op(ops.SUB, _sub_backward, reads=())


def mul(a: object, b: object) -> Tensor:
    """a * b entry by entry, with numpy broadcasting."""
    return _elementwise(np.multiply, MUL, a, b)


def _mul_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    return (
        unbroadcast(g * b._data, a._data.shape) if a.requires_grad else None,
        unbroadcast(g * a._data, b._data.shape) if b.requires_grad else None,
    )


MUL = Op(ops.MUL, _mul_backward, reads=((1,), (0,)))


def div(a: object, b: object) -> Tensor:
    """a / b entry by entry, with numpy broadcasting; no entry of b may be 0."""
    a, b = _operands(a, b, "div", DIV.watch)
    zero = b._data == 0
    if zero.any():
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise _broadcast_error(a, b, "div") from None
        raise ZeroDivisionError(
            f"div: the denominator (shape {shape_text(b.shape)}) is 0 in "
            f"{_where_entries(zero, b._data)}{_labels(a, b)}; add a small epsilon to the "
            "denominator or mask those entries"
        )
    return _elementwise(np.divide, DIV, a, b)


def _div_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    g_over_b = g / b._data
    return (
        unbroadcast(g_over_b, a._data.shape) if a.requires_grad else None,
        unbroadcast(-g_over_b * node._data, b._data.shape) if b.requires_grad else None,
    )


DIV = Op(ops.DIV, _div_backward, reads=((1,), (1, RESULT)))


def neg(a: Tensor) -> Tensor:
    """-a."""
    return record(-a._data, NEG, (a,))


def _neg_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (-g,)


NEG = Op(ops.NEG, _neg_backward, reads=())


# --------------------------------------------------------------------- powers
def power(a: object, b: object) -> Tensor:
    """a ** b entry by entry. A number exponent is part of the operation (``**2``);
    a tensor or array exponent is an operand and gets the gradient a**b·ln(a)."""
    if isinstance(a, Tensor) and isinstance(b, numbers.Real):
        return _power_number(a, b)
    a, b = _operands(a, b, "pow", POW.watch)
    _check_broadcast_size(a, b, "pow")  # the checks below make arrays of the result's shape
    try:
        x, n = np.broadcast_arrays(a._data, b._data)
    except ValueError:
        raise _broadcast_error(a, b, "pow") from None
    if b.requires_grad and (x <= 0).any():
        raise ValueError(
            f"pow: the base is <= 0 in {_where_entries(x <= 0, x)}; a tensor exponent needs a "
            "positive base, because d(a**b)/db = a**b * log(a). For a fixed exponent use a "
            "number: x ** 2"
        )
    _check_power_domain(x, n, a.requires_grad)
    return _elementwise(np.power, POW, a, b)


def _check_power_domain(x: np.ndarray, n: np.ndarray, needs_grad: bool) -> None:
    """Reject entries where a**n is complex or infinite, or its derivative is infinite."""
    complex_result = (x < 0) & (n != np.round(n))
    if complex_result.any():
        raise ValueError(
            f"pow: the base is negative and the exponent is not a whole number in "
            f"{_where_entries(complex_result, x)}; the result would be complex. Use a "
            "whole-number exponent or a positive base"
        )
    infinite = (x == 0) & (n < 0)
    if infinite.any():
        raise ZeroDivisionError(
            f"pow: 0 raised to a negative exponent in {_where_entries(infinite, x)}; shift "
            "the base away from 0 (e.g. x + 1e-12)"
        )
    steep = (x == 0) & (n > 0) & (n < 1)
    if needs_grad and steep.any():
        raise ValueError(
            f"pow: the derivative of x**n for 0 < n < 1 is infinite at x = 0, in "
            f"{_where_entries(steep, x)}; shift the base away from 0 (e.g. x + 1e-12)"
        )


def _pow_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    x, n = a._data, b._data
    ga = gb = None
    if a.requires_grad:
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 where n == 0 (masked)
            local = np.where(n == 0, 0.0, n * x ** (n - 1)).astype(x.dtype, copy=False)
        ga = unbroadcast(g * local, x.shape)
    if b.requires_grad:
        gb = unbroadcast(g * node._data * np.log(x), n.shape)
    return ga, gb


POW = Op(ops.POW, _pow_backward, reads=((0, 1), (0, RESULT)))


def _power_number(a: Tensor, exponent: numbers.Real) -> Tensor:
    try:
        n = float(exponent)
    except OverflowError:
        raise OverflowError(
            f"pow: the exponent ({int_text(int(exponent))}) is too large for a float (the "
            "limit is about 1.8e308)"
        ) from None
    if not math.isfinite(n):
        raise ValueError(f"pow: the exponent is {n}; only finite numbers are allowed")
    x = a._data
    if not n.is_integer() or n < 1:  # x**2 and friends need no domain check
        _check_power_domain(x, np.asarray(n), a.requires_grad)
    return record(x**n, POW_NUMBER, (a,), n, _power_symbol(n))


@functools.lru_cache(maxsize=64)
def _power_symbol(n: float) -> str:
    """The node's op for ``x ** n``: ``"**2"``, ``"**0.5"``."""
    return f"**{n:g}"


def _pow_number_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    n = node._saved
    x = node._parents[0]._data
    if n == 0:
        return (np.zeros_like(x),)
    if n == 2:  # squared errors: 2 x g, skipping x ** 1
        grad = x * g
        grad *= 2
        return (grad,)
    return (g * (n * x ** (n - 1)),)


POW_NUMBER = Op(ops.POW_NUMBER, _pow_number_backward, reads=((0,),))


# --------------------------------------------------------------------- matrix product
def matmul(a: object, b: object) -> Tensor:
    """a @ b with numpy semantics: 1-D, 2-D, and batched (leading dimensions broadcast)."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _operands(a, b, "matmul", MATMUL.watch)
    x, y = a._data, b._data
    k = x.shape[-1] if x.ndim else 1  # entries(x) * entries(y) / k**2 bounds the result's
    if x.size * y.size > arrays.RESULT_LIMIT * k * k:
        shape = _matmul_shape(x.shape, y.shape)
        if shape is not None and math.prod(shape) > arrays.RESULT_LIMIT:
            raise _too_large(shape, a, b, "matmul")
    try:
        out = np.matmul(x, y)
    except ValueError:
        raise ValueError(_matmul_error(a.shape, b.shape) + _labels(a, b)) from None
    except MemoryError:
        raise _too_large(_matmul_shape(x.shape, y.shape), a, b, "matmul") from None
    return record(out, MATMUL, (a, b))


def _matmul_shape(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of a @ b, or None when the shapes do not fit (matmul says how)."""
    if not sa or not sb:
        return None
    a2, b2 = (1, *sa) if len(sa) == 1 else sa, (*sb, 1) if len(sb) == 1 else sb
    if a2[-1] != b2[-2]:
        return None
    try:
        batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    except ValueError:
        return None
    return (*batch, *((a2[-2],) if len(sa) > 1 else ()), *((b2[-1],) if len(sb) > 1 else ()))


def _matmul_error(sa: tuple[int, ...], sb: tuple[int, ...]) -> str:
    shapes = f"shapes {shape_text(sa)} and {shape_text(sb)}"
    if not sa or not sb:
        return f"matmul: {shapes}: a 0-d operand cannot be matrix-multiplied; use * for scalars"
    k_a, k_b = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        return f"matmul: {shapes} do not align ({k_a} != {k_b})"
    return (
        f"matmul: {shapes}: the batch dimensions {shape_text(sa[:-2])} and "
        f"{shape_text(sb[:-2])} do not broadcast"
    )


def _matmul_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    x, y = a._data, b._data
    if x.ndim == 2 and y.ndim == 2:
        return (g @ y.T if a.requires_grad else None, x.T @ g if b.requires_grad else None)
    # Promote 1-D operands to matrices as numpy does ((n,) -> (1,n) on the left,
    # (n,1) on the right), put the removed unit axes back into g, and undo at the end.
    x2 = x[None, :] if x.ndim == 1 else x
    y2 = y[:, None] if y.ndim == 1 else y
    batch = np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
    g2 = g.reshape((*batch, x2.shape[-2], y2.shape[-1]))
    ga = gb = None
    if a.requires_grad:
        ga = unbroadcast(g2 @ np.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape)
    if b.requires_grad:
        gb = unbroadcast(np.swapaxes(x2, -1, -2) @ g2, y2.shape).reshape(y.shape)
    return ga, gb


MATMUL = Op(ops.MATMUL, _matmul_backward, reads=((1,), (0,)))


def linear(x: object, weight: object, bias: object = None) -> Tensor:
    """x @ weight.T + bias as one node: a fully connected layer in PyTorch's layout.

    `weight` has shape (out, in), `bias` shape (out,) or is None, and `x` shape
    (..., in) with one example per row. The same numbers as ``x @ weight.T + bias``
    with one node instead of three and no intermediate array: the bias is added
    into the product in place. Arrays are accepted for any operand, as constants.
    """
    if type(x) is not Tensor or type(weight) is not Tensor or type(bias) not in _TENSOR_OR_NONE:
        x, weight, bias = _linear_operands(x, weight, bias)
    xd, wd = x._data, weight._data
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ValueError(
            f"linear: the weight must have shape (out, in) and the input (..., in); got "
            f"input {shape_text(xd.shape)} and weight {shape_text(wd.shape)}"
            f"{_labels(x, weight)}"
        )
    if xd.size * wd.shape[0] > arrays.RESULT_LIMIT * wd.shape[1]:  # entries: rows * out
        result = (*xd.shape[:-1], wd.shape[0])
        if math.prod(result) > arrays.RESULT_LIMIT:
            operands = f"input {shape_text(xd.shape)} and weight {shape_text(wd.shape)}"
            raise _too_large(result, x, weight, "linear", operands)
    out = np.matmul(xd, wd.T)
    if bias is None:
        return record(out, LINEAR, (x, weight))
    bd = bias._data
    if bd.shape != (wd.shape[0],):
        raise ValueError(
            f"linear: the bias must have shape ({wd.shape[0]},), one entry per output, "
            f"got {shape_text(bd.shape)}{_labels(bias)}"
        )
    if bd.dtype is out.dtype:
        out += bd  # out is new: nothing else sees it change
    else:  # float32 and float64 mixed: promote as x @ weight.T + bias would
        out = out + bd
    return record(out, LINEAR, (x, weight, bias))


_TENSOR_OR_NONE = (Tensor, type(None))


def _linear_operands(x: object, weight: object, bias: object) -> tuple[Tensor, Tensor, Any]:
    """The operands of `linear` as nodes; arrays take the dtype of the first Tensor, and an
    array x (weight) is copied when the weight's (x's) gradient, which reads it, is needed."""
    first = next((t for t in (x, weight, bias) if isinstance(t, Tensor)), None)
    dtype = first._data.dtype if first is not None else FLOAT_DTYPES[0]
    return (
        operand(x, dtype, "linear", getattr(weight, "requires_grad", False)),
        operand(weight, dtype, "linear", getattr(x, "requires_grad", False)),
        None if bias is None else operand(bias, dtype, "linear"),
    )


def _linear_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    parents = node._parents
    x, w = parents[0], parents[1]
    xd = x._data
    gx = g @ w._data if x.requires_grad else None
    gw = gb = None
    if g.ndim != 2:  # one example (1-D), or several leading dimensions: rows of a matrix
        g2 = g.reshape(-1, g.shape[-1])
        xd = xd.reshape(-1, xd.shape[-1])
    else:
        g2 = g
    if w.requires_grad:
        gw = g2.T @ xd
    if len(parents) == 2:
        return gx, gw
    if parents[2].requires_grad:
        gb = np.add.reduce(g2, axis=0)
    return gx, gw, gb


LINEAR = Op(ops.LINEAR, _linear_backward, reads=((1,), (0,), ()))


# --------------------------------------------------------------------- entry-wise functions
_EXP_LIMIT = {dt: math.log(np.finfo(dt).max) for dt in FLOAT_DTYPES}


def exp(a: Tensor) -> Tensor:
    """e ** a entry by entry; an entry above log(max float) (709.78 in float64) raises."""
    x = a._data
    if exp_overflows(x):
        limit = _EXP_LIMIT[x.dtype]
        raise OverflowError(
            f"exp: {_where_entries(x > limit, x)} of shape {shape_text(x.shape)} overflow "
            f"{x.dtype} (the limit is about {limit:.2f}); for log-probabilities use "
            "logsumexp, log_softmax or cross_entropy"
        )
    return record(np.exp(x), EXP, (a,))


def exp_overflows(x: np.ndarray) -> bool:
    """Whether e ** x overflows `x`'s float type for some entry (then `exp` refuses; a
    traced step checks the same, `autograd.replay_rules`)."""
    return bool(x.size) and bool(np.maximum.reduce(x, None) > _EXP_LIMIT[x.dtype])


def sigmoid_overflows(x: np.ndarray) -> bool:
    """Whether e ** -x, the factor `sigmoid` saves, overflows for some entry (then it takes
    its other path; a traced step checks the same)."""
    return bool(x.size) and bool(np.minimum.reduce(x, None) < -_EXP_LIMIT[x.dtype])


def _exp_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g * node._data,)


EXP = Op(ops.EXP, _exp_backward, reads=((RESULT,),))


def log(a: Tensor) -> Tensor:
    """Natural logarithm entry by entry; every entry must be positive, and when `a`
    requires grad, large enough that the derivative 1/a is finite (about 5.6e-309 in
    float64, 2.9e-39 in float32)."""
    x = a._data
    if x.size:
        smallest = x.min()
        if smallest <= 0:
            raise ValueError(
                f"log: the input (shape {shape_text(x.shape)}) is <= 0 in "
                f"{_where_entries(x <= 0, x)}; log needs positive inputs. For "
                f"log-probabilities use log_softmax or cross_entropy{_labels(a)}"
            )
        if smallest < _SMALLEST_RECIPROCAL[x.dtype] and a.requires_grad and is_grad_enabled():
            tiny = x < _SMALLEST_RECIPROCAL[x.dtype]
            raise ValueError(
                f"log: the input (shape {shape_text(x.shape)}) is so close to 0 in "
                f"{_where_entries(tiny, x)} that the derivative 1/x is too large for "
                f"{x.dtype}; shift it away from 0 (for example x + "
                f"{'1e-300' if x.dtype == FLOAT_DTYPES[0] else '1e-30'}){_labels(a)}"
            )
    return record(np.log(x), LOG, (a,))


# Below this, 1/x overflows: the reciprocal of the largest float, rounded up to a float
# whose reciprocal is finite.
_SMALLEST_RECIPROCAL = {
    dt: np.nextafter(dt.type(1) / np.finfo(dt).max, dt.type(1)) for dt in FLOAT_DTYPES
}


def _log_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g / node._parents[0]._data,)


LOG = Op(ops.LOG, _log_backward, reads=((0,),))


def tanh(a: Tensor) -> Tensor:
    """Hyperbolic tangent entry by entry."""
    return record(np.tanh(a._data), TANH, (a,))


def _tanh_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    t = node._data
    return (g * (1 - t * t),)


TANH = Op(ops.TANH, _tanh_backward, reads=((RESULT,),))


def sigmoid(a: Tensor) -> Tensor:
    """Logistic sigmoid 1 / (1 + e ** -a) entry by entry, finite and accurate for any input.

    The derivative σ(1 - σ) is evaluated as σ²·e ** -a, which keeps full relative precision
    where σ rounds to 1 (1 - σ would be 0 for a > 37); e ** -a is saved from the forward.
    """
    x = a._data
    if sigmoid_overflows(x):
        e = np.exp(-np.abs(x))  # e ** -x would overflow: use e ** -|x| <= 1
        return record(np.where(x >= 0, 1, e) / (1 + e), SIGMOID, (a,))
    if x.ndim:
        e = np.negative(x)
        np.exp(e, out=e)
        out = e + 1
        np.reciprocal(out, out=out)
    else:  # numpy gives scalars, not arrays, for 0-d results
        e = np.exp(-x)
        out = 1 / (1 + e)
    return record(out, SIGMOID, (a,), e)


def _sigmoid_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    s = node._data
    e = node._saved  # e ** -a, so σ·e = 1 - σ (seed 000's σ(1 - σ)) without cancellation
    if e is None:  # some a < -709, where e ** -a overflows: use e ** -|a| (σ' is even)
        e = np.exp(-np.abs(node._parents[0]._data))
        local = e / ((1 + e) * (1 + e))
    else:
        local = s * e
        local *= s
    local *= g
    return (local,)


SIGMOID = Op(ops.SIGMOID, _sigmoid_backward, reads=((0, RESULT),))


def relu(a: Tensor) -> Tensor:
    """max(0, a) entry by entry; the derivative at 0 is 0 (as in PyTorch)."""
    return record(np.maximum(a._data, 0), RELU, (a,))


def _relu_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g * ops.RELU.kink(node),)  # 1 on the side of the kink where the input is > 0


RELU = Op(ops.RELU, _relu_backward, reads=((0,),))


# --------------------------------------------------------------------- reductions
def reduce_sum(
    a: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> Tensor:
    """Sum of a over `axis` (int, tuple, or None for all)."""
    x = a._data
    axes = _axes(axis, x.ndim, "sum")
    if keepdims is not False and keepdims is not True:
        keepdims = _keepdims(keepdims, "sum")
    return record(np.add.reduce(x, axes, keepdims=keepdims), SUM, (a,), _kept(x.shape, axes))


def _spread(g: np.ndarray, kept: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """A new array of `shape` holding `g` (reduced to `kept`) copied along the reduced axes."""
    out = np.empty(shape, g.dtype)
    np.copyto(out, g if g.ndim == 0 else g.reshape(kept))  # cheaper than np.broadcast_to
    return out


def _sum_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (_spread(g, node._saved, node._parents[0]._data.shape),)


SUM = Op(ops.SUM, _sum_backward, reads=())


def reduce_mean(
    a: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> Tensor:
    """Mean of a over `axis` (int, tuple, or None for all)."""
    axes = _axes(axis, a.ndim, "mean")
    if keepdims is not False and keepdims is not True:
        keepdims = _keepdims(keepdims, "mean")
    _nonempty(a, axes, "mean")
    count = math.prod(a.shape[i] for i in axes)
    out = a._data.mean(axis=axes, keepdims=keepdims)
    return record(out, MEAN, (a,), (_kept(a.shape, axes), count))


def _mean_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    kept, count = node._saved
    return (_spread(g / count, kept, node._parents[0]._data.shape),)


MEAN = Op(ops.MEAN, _mean_backward, reads=())


def reduce_max(
    a: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> Tensor:
    """Maximum of a over `axis`; tied maxima share the gradient equally (as torch.amax)."""
    axes = _axes(axis, a.ndim, "max")
    if keepdims is not False and keepdims is not True:
        keepdims = _keepdims(keepdims, "max")
    _nonempty(a, axes, "max")
    kept = a._data.max(axis=axes, keepdims=True)
    out = kept if keepdims else kept.reshape(_reduced(a.shape, axes))
    return record(out, MAX, (a,), (axes, kept.shape))


def _max_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    axes, kept = node._saved
    winners = ops.MAX.kink(node)  # the entries that attain the maximum
    share = g.reshape(kept) / winners.sum(axis=axes, keepdims=True)
    return (winners * share,)


MAX = Op(ops.MAX, _max_backward, reads=((0, RESULT),))


def logsumexp(a: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over `axis`, as m + log(sum(exp(a - m))) with m the maximum."""
    axes = _axes(axis, a.ndim, "logsumexp")
    if keepdims is not False and keepdims is not True:
        keepdims = _keepdims(keepdims, "logsumexp")
    _nonempty(a, axes, "logsumexp")
    x = a._data
    m = x.max(axis=axes, keepdims=True)
    kept = m + np.log(np.exp(x - m).sum(axis=axes, keepdims=True))
    out = kept if keepdims else kept.reshape(_reduced(a.shape, axes))
    return record(out, LOGSUMEXP, (a,), kept.shape)


def _logsumexp_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    kept = node._saved
    return (g.reshape(kept) * np.exp(node._parents[0]._data - node._data.reshape(kept)),)


LOGSUMEXP = Op(ops.LOGSUMEXP, _logsumexp_backward, reads=((0, RESULT),))


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    """exp(a) / sum(exp(a)) along `axis`, with the maximum shifted out first."""
    (ax,) = _axes(_single_axis(axis, "softmax"), a.ndim, "softmax")
    _nonempty(a, (ax,), "softmax")
    e = np.exp(a._data - a._data.max(axis=ax, keepdims=True))
    e /= e.sum(axis=ax, keepdims=True)
    return record(e, SOFTMAX, (a,), ax)


def _softmax_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    s = node._data
    gs = g * s
    return (gs - s * gs.sum(axis=node._saved, keepdims=True),)


SOFTMAX = Op(ops.SOFTMAX, _softmax_backward, reads=((RESULT,),))


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    """a - logsumexp(a) along `axis`: log-probabilities, finite for any finite logits."""
    (ax,) = _axes(_single_axis(axis, "log_softmax"), a.ndim, "log_softmax")
    _nonempty(a, (ax,), "log_softmax")
    shifted = a._data - a._data.max(axis=ax, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=ax, keepdims=True))
    return record(shifted, LOG_SOFTMAX, (a,), ax)


def _log_softmax_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g - np.exp(node._data) * g.sum(axis=node._saved, keepdims=True),)


LOG_SOFTMAX = Op(ops.LOG_SOFTMAX, _log_softmax_backward, reads=((RESULT,),))


def _single_axis(axis: object, op: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}")
    return int(axis)


def cross_entropy(logits: Tensor | np.ndarray, labels: Sequence[int] | np.ndarray) -> Tensor:
    """Mean over the batch of -log softmax(logits)[i, labels[i]], fused and stable.

    `logits` has shape (N, C); `labels` holds N integers in [0, C). The gradient
    with respect to the logits is (softmax(logits) - onehot(labels)) / N (seed
    004's ``p_k - 1(y_i = k)``, averaged).
    """
    z = operand(logits, FLOAT_DTYPES[0], "cross_entropy")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(
            f"cross_entropy: logits must have shape (N, C) with N, C >= 1, got "
            f"{shape_text(z.shape)}"
        )
    y = _labels_array(labels, z.shape)
    shifted = z._data - np.maximum.reduce(z._data, axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = np.add.reduce(probs, axis=1, keepdims=True)
    # log softmax at the labels only: shifted - log(total), picked before subtracting
    picked = shifted[np.arange(len(y)), y] - np.log(total[:, 0])
    probs /= total
    return record(-picked.mean(), CROSS_ENTROPY, (z,), (probs, y))


def squared_error(a: object, b: object, scale: float = 1.0) -> Tensor:
    """scale · Σ (a - b)² over every entry, as one node: the quadratic cost in one step.

    With ``scale = 1 / (2 N)`` for a batch of N rows this is Nielsen's quadratic cost
    C = 1/(2n) Σ_x ||y(x) - a||² (and seed 000's J = ½ Σ (t - o)² for one example);
    the gradient with respect to `a` is 2 · scale · (a - b). The same number as
    ``((a - b) ** 2).sum() * scale`` with one node instead of four. `a` and `b`
    broadcast as for ``-``.
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise ValueError(f"squared_error: scale must be a finite number, got {scale!r}")
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _operands(a, b, "squared_error")
    if a._data.size * b._data.size > arrays.RESULT_LIMIT:
        _check_broadcast_size(a, b, "squared_error")
    try:
        diff = a._data - b._data
    except ValueError:
        raise _broadcast_error(a, b, "squared_error") from None
    scale = float(scale)
    return record(scale * np.vdot(diff, diff), SQUARED_ERROR, (a, b), (diff, scale))


def _squared_error_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
    a, b = node._parents
    diff, scale = node._saved
    grad = diff * (2.0 * scale * g)  # 2 · scale · (a - b), times d(root)/d(loss)
    return (
        unbroadcast(grad, a._data.shape) if a.requires_grad else None,
        unbroadcast(-grad, b._data.shape) if b.requires_grad else None,
    )


SQUARED_ERROR = Op(ops.SQUARED_ERROR, _squared_error_backward, reads=())


def _labels_array(labels: object, shape: tuple[int, ...]) -> np.ndarray:
    """`labels` as N class indices in [0, C), or a clear error."""
    raw = labels._data if isinstance(labels, Tensor) else labels
    try:
        y = np.array(raw)  # a copy: the backward pass reads it
    except (ValueError, TypeError) as exc:
        raise TypeError(f"cross_entropy: labels must be integer class indices ({exc})") from None
    n, c = shape
    if y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all():
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integer class indices, got dtype {y.dtype}")
    if y.shape != (n,):
        one_hot = "; these look like one-hot rows: pass class indices, y.argmax(axis=1)"
        raise ValueError(
            f"cross_entropy: labels have shape {shape_text(y.shape)} but the logits "
            f"{shape_text(shape)} need one label per row, shape ({n},)"
            + (one_hot if y.shape == shape else "")
        )
    bad = (y < 0) | (y >= c)
    if bad.any():
        first = int(np.argmax(bad))
        count = int(bad.sum())
        label = int(y[first])
        fix = (
            "class indices count from 0"
            if label < 0
            else f"fix the labels, or give the last layer {int(y.max()) + 1} outputs"
        )
        raise ValueError(
            f"cross_entropy: labels must be in [0, {c}) for the {c} columns of the logits, but "
            f"label {label} at position {first} is outside ({count} bad "
            f"label{'s' if count > 1 else ''}); {fix}"
        )
    return y


def _cross_entropy_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    probs, y = node._saved
    grad = probs.copy()
    grad[np.arange(len(y)), y] -= 1
    grad *= g / len(y)
    return (grad,)


CROSS_ENTROPY = Op(ops.CROSS_ENTROPY, _cross_entropy_backward, reads=())


# --------------------------------------------------------------------- shapes
def reshape(a: Tensor, shape: int | Sequence[int]) -> Tensor:
    """The entries of a in a new shape (one entry may be -1: inferred)."""
    try:
        out = a._data.reshape(shape)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {shape_text(a.shape)} ({a.size} "
            f"entries) into {shape!r}: {exc}"
        ) from None
    result = record(out, RESHAPE, (a,))
    result._base = a  # its data may be a view of a's: it changes when a does
    return result


def _reshape_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g.reshape(node._parents[0]._data.shape),)


RESHAPE = Op(ops.RESHAPE, _reshape_backward, reads=())


def transpose(a: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """a with its axes permuted (reversed when `axes` is None)."""
    if axes is None:
        perm = tuple(range(a.ndim))[::-1]
    else:
        try:
            perm = tuple(operator_index(i) for i in axes)
        except TypeError:
            raise TypeError(f"transpose: axes must be ints, got {axes!r}") from None
        perm = tuple(i + a.ndim if i < 0 else i for i in perm)
        if sorted(perm) != list(range(a.ndim)):
            every = ", ".join(map(str, reversed(range(a.ndim))))
            raise ValueError(
                f"transpose: axes {tuple(axes)} are not a permutation of the {a.ndim} axes of "
                f"a tensor of shape {shape_text(a.shape)}; give every axis once, e.g. "
                f"t.transpose({every}), or none to reverse them"
            )
    result = record(a._data.transpose(perm), TRANSPOSE, (a,), perm)
    result._base = a  # a view of a's data
    return result


def _transpose_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    return (g.transpose(np.argsort(node._saved)),)


TRANSPOSE = Op(ops.TRANSPOSE, _transpose_backward, reads=())


def getitem(a: Tensor, index: Any) -> Tensor:
    """a[index]: basic slices and integer (or boolean) arrays, with numpy semantics."""
    if type(index) is slice or type(index) is int:  # a batch or a row: the common cases
        basic = True
    else:
        index, basic = _index(index)
    try:
        out = a._data[index]
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor of shape {shape_text(a.shape)})") from None
    result = record(out, GETITEM, (a,), (index, basic))
    if basic:
        result._base = a  # a view of a's data (an integer-array index copies)
    return result


def _index(index: Any) -> tuple[Any, bool]:
    """The index with lists made arrays (a copy the caller cannot change), and whether it
    is basic (ints, slices, None, Ellipsis only: no entry can be picked twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    fixed = []
    basic = True
    for part in parts:
        if isinstance(part, Tensor):
            raise TypeError(
                "getitem: a Tensor cannot be an index; index with integers, slices or an "
                "integer array (e.g. t[idx.data.astype(int)])"
            )
        if isinstance(part, (list, np.ndarray)):
            part = np.array(part)
            basic = False
        elif not (
            part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer))
        ) or isinstance(part, bool):
            basic = False
        fixed.append(part)
    return (tuple(fixed) if isinstance(index, tuple) else fixed[0]), basic


def _getitem_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray]:
    index, basic = node._saved
    grad = np.zeros_like(node._parents[0]._data)
    if basic:
        grad[index] = g
    else:
        np.add.at(grad, index, g)  # an entry picked k times gets k contributions
    return (grad,)


GETITEM = Op(ops.GETITEM, _getitem_backward, reads=())


def concatenate(tensors: Iterable[object], axis: int = 0) -> Tensor:
    """Join tensors (or arrays) along an existing `axis`, as np.concatenate."""
    nodes = _joined(tensors, "concatenate")
    axis = _single_axis(axis, "concatenate")
    try:
        out = np.concatenate([t._data for t in nodes], axis=axis)
    except (ValueError, TypeError) as exc:
        shapes = ", ".join(shape_text(t.shape) for t in nodes)
        raise ValueError(
            f"concatenate: cannot join shapes {shapes} along axis {axis!r}: {exc}"
        ) from None
    ax = axis + out.ndim if axis < 0 else axis
    cuts = np.cumsum([t.shape[ax] for t in nodes])[:-1]
    return record(out, CONCATENATE, nodes, (ax, cuts))


def _concatenate_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray, ...]:
    ax, cuts = node._saved
    return tuple(np.split(g, cuts, axis=ax))


CONCATENATE = Op(ops.CONCATENATE, _concatenate_backward, reads=())


def stack(tensors: Iterable[object], axis: int = 0) -> Tensor:
    """Stack same-shape tensors (or arrays) along a new `axis`, as np.stack."""
    nodes = _joined(tensors, "stack")
    axis = _single_axis(axis, "stack")
    try:
        out = np.stack([t._data for t in nodes], axis=axis)
    except (ValueError, TypeError) as exc:
        shapes = ", ".join(shape_text(t.shape) for t in nodes)
        raise ValueError(
            f"stack: cannot stack shapes {shapes} along axis {axis!r}: {exc}"
        ) from None
    return record(out, STACK, nodes, axis + out.ndim if axis < 0 else axis)


def _stack_backward(node: Tensor, g: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.moveaxis(g, node._saved, 0))


STACK = Op(ops.STACK, _stack_backward, reads=())


def _joined(tensors: Iterable[object], op: str) -> tuple[Tensor, ...]:
    """The operands of concatenate/stack as nodes, with the first tensor's dtype."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Iterable):
        raise TypeError(f"{op}: expected a list of tensors, got {type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    dtype = next((t._data.dtype for t in tensors if isinstance(t, Tensor)), FLOAT_DTYPES[0])
    return tuple(operand(t, dtype, op) for t in tensors)


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        ADD,
        SUB,
        MUL,
        DIV,
        NEG,
        POW,
        POW_NUMBER,
        MATMUL,
        LINEAR,
        EXP,
        LOG,
        TANH,
        SIGMOID,
        RELU,
        SUM,
        MEAN,
        MAX,
        LOGSUMEXP,
        SOFTMAX,
        LOG_SOFTMAX,
        CROSS_ENTROPY,
        SQUARED_ERROR,
        RESHAPE,
        TRANSPOSE,
        GETITEM,
        CONCATENATE,
        STACK,
    )
}
"""Every built-in tensor operation by name."""

__all__ = [
    "OPS",
    "LocalRule",
    "Op",
    "add",
    "concatenate",
    "cross_entropy",
    "div",
    "exp",
    "getitem",
    "linear",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "mul",
    "neg",
    "power",
    "reduce_max",
    "reduce_mean",
    "reduce_sum",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "squared_error",
    "stack",
    "sub",
    "tanh",
    "transpose",
    "unbroadcast",
]
