"""`Tensor`: a numpy array that records the operations that made it.

A tensor node follows the same protocol as `Value` (see `autograd.graph`), so
one backprop loop, one renderer and one checker serve both. What differs is the
local derivative: for an array it is a Jacobian, too big to store, so each edge
has a `LocalRule` (``_local``, read from the operation): which operation, which
operand and the rule as a formula (``∂(a·b)/∂a = b``), something a drawing can
show. The operation itself (``_rule``, an `autograd.tensor_ops.Op`) is its entry in
the op registry (`autograd.ops`) and the backward function that applies the rule,
written next to its forward; what the rule needs is read from the operands
(``_parents``) and the few extras saved on the node (``_saved``, an axis or an
index). No closure captures the output node,
so a graph has no reference cycles and is freed by reference counting.

Conventions, chosen once:

- ``data`` is float64 unless float32 is asked for (``dtype=np.float32``, or a
  float32 array given as data). Numbers and arrays mixed into an operation take
  the tensor's dtype, so ``x32 * 0.5`` stays float32; two tensors of different
  precision give float64 (numpy's promotion), and each still gets its gradient
  in its own dtype.
- A result records its operands only when grad mode is on (see `no_grad`) and
  some operand has ``requires_grad=True``; otherwise it is a plain leaf.
- Data entering the graph is checked once: a leaf when it is made, a number or
  array when it is used as an operand. It must be real numbers and finite (NaN
  or inf raise, as for `Value`), and must fit the dtype (1e300 into float32, or
  an int beyond 1.8e308, raises OverflowError). Operations check their own
  domains (log of non-positive entries or, when recorded, of entries so small
  that 1/x overflows; division by zero; exp overflow); overflow to inf inside
  ``*``, ``/``, ``@`` or ``**`` (``1 / 1e-320``) is not checked on every
  operation: run the code inside `autograd.detect_anomaly` to find the operation
  that made an inf. Slicing a Tensor
  (``X[i:i + 10]``) checks nothing, so a data set wrapped once costs no checks
  per batch.
- Assigning ``data`` (``t.data = array``, ``t.data -= step``) is an in-place change that
  graphs made before it see: ``backward()`` refuses where a rule would read the changed
  numbers (`autograd.versions`). Writes into the array itself are not tracked.
- ``grad`` is None until a backward pass reaches the node, then an array of the
  node's shape and dtype. A leaf's gradient is its own array (never shared with
  another node), and accumulates across backward calls; gradients of interior
  nodes are recomputed on every call and may share memory with each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import copying
from .arrays import (
    GraphEscapeError,
    leaf_array,
    shape_text,
)
from .grad_mode import _mode
from .graph import backpropagate, new_node_id
from .versions import assign_data, start_backward

if TYPE_CHECKING:
    from .tensor_ops import LocalRule, Op

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence[Any]]


class Tensor:
    """An n-dimensional array node in a computation graph.

    ``Tensor(data, requires_grad=False, dtype=None, label=None)`` copies `data`
    (numbers, nested lists or an array of real numbers, all finite) into a float64
    array, or float32 when `dtype` says so or `data` is a float32 array. Set
    `requires_grad` on the leaves you want gradients for (parameters); ``label``
    names the node in drawings and messages.

    Operations (numbers and arrays accepted on either side, numpy broadcasting):
    ``+ - * / **``, unary ``-``, ``@``, ``exp log tanh sigmoid relu``,
    ``sum mean max logsumexp`` (``axis`` int or tuple, ``keepdims``), ``softmax``,
    ``log_softmax``, ``reshape``, ``transpose``/``T`` and indexing; module
    functions `concatenate`, `stack` and `cross_entropy` in `autograd.tensor_ops`.
    """

    __slots__ = (
        "_data",
        "grad",
        "requires_grad",
        "label",
        "_op",
        "_parents",
        "_rule",
        "_saved",
        "_owns_grad",
        "_id",
        "_mark",
        "_version",
        "_base",
        "__weakref__",
    )
    __array_ufunc__ = None  # numpy defers to us: `ndarray + Tensor` calls Tensor.__radd__

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str | None = None,
    ) -> None:
        """Make a leaf holding a copy of `data`; see the class docstring."""
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Tensor: label must be a string or None, got {type(label).__name__}")
        what = f"Tensor {label!r}" if label else "Tensor"
        self._data = leaf_array(data._data if isinstance(data, Tensor) else data, dtype, what)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op = ""
        self._parents: tuple[Tensor, ...] = ()
        self._rule: Op | None = None
        self._saved: Any = None
        self._owns_grad = False
        self._id = new_node_id()
        self._mark: object = None
        self._version = 0  # see autograd.versions
        self._base: Tensor | None = None

    # ----------------------------------------------------------------- data
    data = property(
        attrgetter("_data"),
        assign_data,
        doc="""The numbers: a float64 or float32 numpy array. Assigning (``t.data = array``, or
        ``t.data -= step``, which assigns too) is an in-place change: graphs that read the old
        numbers refuse backward (`autograd.versions`). Writes into the array are not tracked.""",
    )

    # ----------------------------------------------------------------- graph protocol
    @property
    def _local(self) -> tuple[LocalRule, ...]:
        """One `LocalRule` per edge, from the operation that made the node (none for a leaf)."""
        rule = self._rule
        return () if rule is None else rule.rules_for(len(self._parents))

    def _zero_grad(self) -> None:
        self.grad = None

    _start_backward = start_backward  # reset grad, refuse if read data changed since forward

    def _accumulate_grad(self, grad: np.ndarray) -> None:
        self._add_to_grad(grad, False)

    def _add_to_grad(self, grad: np.ndarray, fresh: bool) -> None:
        """Add `grad` to ``self.grad``; `fresh` means no other node holds that array.

        In-place addition only ever touches an array this node owns, so a gradient
        shared with another node (``a + b`` hands both operands the same array) is
        never changed under it. A leaf copies a shared array before keeping it.
        """
        current = self.grad
        if current is None:
            if not fresh and not self._parents:
                grad = grad.copy()
                fresh = True
            self.grad = grad
            self._owns_grad = fresh
        elif self._owns_grad:
            current += grad
        else:  # a new array (numpy makes a scalar of two 0-d arrays: keep an array)
            total = current + grad
            self.grad = total if type(total) is np.ndarray else np.asarray(total)
            self._owns_grad = True

    def _propagate(self) -> None:
        g = self.grad
        rule = self._rule
        if g is None or rule is None:  # a constant: an op made it, it has no operands
            return
        for parent, pg in zip(self._parents, rule.backward(self, g)):
            if pg is None:
                continue
            target = parent._data
            if type(pg) is np.ndarray and pg.dtype is target.dtype and pg.shape == target.shape:
                # The common case. A new array (not g, not a view of g) is this edge's alone.
                parent._add_to_grad(pg, pg is not g and pg.base is None)
            else:
                parent._add_to_grad(_conform(pg, target, rule), True)

    # ----------------------------------------------------------------- copies and pickle
    __deepcopy__ = copying.deep_copy  # iterative, fresh ids: see autograd.copying
    __copy__ = copying.shallow_copy
    __reduce__ = copying.reduce

    def _copy_state(self) -> tuple:
        return (self._data, self.grad, self.requires_grad, self.label, self._op, self._rule,
                self._saved)  # fmt: skip

    @classmethod
    def _from_copy_state(cls, state: tuple, parents: tuple[Tensor, ...]) -> Tensor:
        data, out_grad, requires_grad, label, op, rule, saved = state
        out = constant(data, op)
        out.grad, out.requires_grad, out.label = out_grad, requires_grad, label
        out._parents, out._rule, out._saved = parents, rule, saved
        return out

    # ----------------------------------------------------------------- public helpers
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions of ``data``."""
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of entries of ``data``."""
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        """``data.dtype``: float64 or float32."""
        return self._data.dtype

    @property
    def op(self) -> str:
        """The operation that made this node: ``""`` for a leaf, ``"const"`` for an operand
        that was a number or an array."""
        return self._op

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The operands this node was computed from, in order (empty unless recorded)."""
        return self._parents

    @property
    def node_id(self) -> int:
        """This node's place in creation order (stable across runs of the same program)."""
        return self._id

    def named(self, label: str) -> Tensor:
        """Set the label and return self: ``h = (x @ W1 + b1).sigmoid().named("a^(1)")``."""
        if not isinstance(label, str):
            raise TypeError(f"Tensor.named: label must be a string, got {type(label).__name__}")
        self.label = label
        return self

    def numpy(self) -> np.ndarray:
        """Return ``data`` itself (not a copy; changing it changes the tensor, untracked: see
        `autograd.versions`)."""
        return self._data

    def item(self) -> float:
        """Return the single entry of a one-entry tensor as a Python float."""
        if self._data.size != 1:
            raise ValueError(
                f"item: the tensor has shape {shape_text(self.shape)} ({self._data.size} "
                "entries); item() needs exactly one (reduce first with .sum() or .mean())"
            )
        return float(self._data.reshape(()))

    def detach(self) -> Tensor:
        """A new leaf sharing ``data``, outside the graph (``requires_grad=False``); it counts
        as changed when this tensor's data changes (see `autograd.versions`)."""
        out = constant(self._data, "")
        out._base = self
        return out

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Backpropagate from this node: fill ``grad`` on every node it depends on.

        `grad` is d(final output)/d(self), of exactly this tensor's shape; it may
        be left out only for a one-entry tensor (a loss), where it is 1. Leaf
        gradients accumulate across calls, as in PyTorch (zero them between
        training steps with `autograd.zero_grad`).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad: no tensor it was computed from "
                "has requires_grad=True, or it was computed under no_grad()"
            )
        if grad is None:
            if self._data.size != 1:
                raise ValueError(
                    f"backward: the tensor has shape {shape_text(self.shape)}; backward() "
                    "without grad needs a one-entry result such as a loss. Reduce it first "
                    "(.sum(), .mean()) or pass grad=, an array of the same shape holding "
                    "d(final output)/d(this tensor)"
                )
            seed = np.array(1, self._data.dtype)  # cheaper than np.ones_like
            if self._data.ndim:
                seed = seed.reshape(self._data.shape)
        else:
            seed = leaf_array(
                grad._data if isinstance(grad, Tensor) else grad, self.dtype, "backward"
            )
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {shape_text(seed.shape)} but the tensor has shape "
                    f"{shape_text(self.shape)}; they must match exactly"
                )
        backpropagate(self, seed)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError(
                "len: the tensor is 0-d (one number, shape ()); use .item() for the number, "
                "or .reshape(1) for a vector"
            )
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        """The rows ``t[0], t[1], ...`` (each a node of the graph); a 0-d tensor has none."""
        if self._data.ndim == 0:  # without this, Python's fallback iteration would give []
            raise TypeError(
                "iter: the tensor is 0-d (one number, shape ()); use .item() for the number, "
                "or .reshape(1) for a vector"
            )
        return (self[i] for i in range(len(self._data)))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy functions given a Tensor: shape queries (np.shape, np.ndim, np.size) answer
        for ``data``; any other function raises, since its result would leave the graph."""
        if func in _SHAPE_QUERIES:
            return func(*(a._data if isinstance(a, Tensor) else a for a in args), **kwargs)
        name = getattr(func, "__name__", "function")
        instead, plain = "the Tensor's own operations", f"np.{name}(t.data)"
        if name in ("concatenate", "stack"):
            instead, plain = f"autograd's {name}([...])", f"np.{name}([t.data, ...])"
        elif callable(getattr(Tensor, name, None)):
            instead = f"t.{name}(...)"
        raise TypeError(
            f"np.{name}: a Tensor is not a numpy array; use {instead} to keep the gradient, "
            f"or {plain} for plain numbers"
        )

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)``: the data (as ``t.data``) of a tensor that does not require grad.

        A tensor that requires grad raises `GraphEscapeError` (a TypeError), as PyTorch
        does: its numbers would leave the graph. ``ndarray + t`` still calls ``t.__radd__``
        (``__array_ufunc__ = None``), and numpy functions still refuse a Tensor.
        """
        if self.requires_grad:
            raise GraphEscapeError(
                f"np.asarray: this tensor (shape {shape_text(self.shape)}"
                f"{f', {self.label!r}' if self.label else ''}) requires grad, so an array of its "
                "numbers would leave the graph; join tensors keeping the gradient with "
                "stack([...]) or concatenate([...]) from autograd, or take t.data (or "
                "t.detach()) for the numbers"
            )
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy and data is self._data else data

    def __bool__(self) -> bool:
        """The truth of a one-entry tensor's number, as numpy's; more or fewer entries raise."""
        if self._data.size != 1:
            raise ValueError(
                f"bool: the truth value of a tensor of shape {shape_text(self.shape)} "
                f"({self._data.size} entries) is ambiguous; use (t.data != 0).any() or .all(), "
                "or t.item() for one entry"
            )
        return bool(self._data.reshape(()))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "Tensor does not support item assignment: an in-place change would invalidate "
            "recorded gradients. Build a new tensor (concatenate, stack, or multiply by a mask)"
        )

    def __repr__(self) -> str:
        body = np.array2string(
            self._data, precision=4, separator=", ", threshold=20, prefix="Tensor("
        )
        extras = []
        if self._data.dtype != np.float64:
            extras.append(f"dtype={self._data.dtype}")
        if self._op:
            extras.append(f"op={self._op!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.label is not None:
            extras.append(f"label={self.label!r}")
        return f"Tensor({', '.join([body, *extras])})"

    # ----------------------------------------------------------------- operations
    def __add__(self, other: ArrayLike) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: ArrayLike) -> Tensor:
        return _ops.power(self, exponent)

    def __rpow__(self, base: ArrayLike) -> Tensor:
        return _ops.power(base, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return _ops.matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    def exp(self) -> Tensor:
        """e ** self, entry by entry."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Natural logarithm, entry by entry; every entry must be positive."""
        return _ops.log(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent, entry by entry."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid 1 / (1 + e ** -x), entry by entry, finite for any input."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """max(0, x) entry by entry; its derivative at 0 is 0 (as in PyTorch)."""
        return _ops.relu(self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (an int, a tuple, or None for all axes)."""
        return _ops.reduce_sum(self, axis, keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (an int, a tuple, or None for all axes)."""
        return _ops.reduce_mean(self, axis, keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis`; tied maxima share the gradient equally (as PyTorch's amax)."""
        return _ops.reduce_max(self, axis, keepdims)

    def logsumexp(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over `axis`, computed with the maximum shifted out (no overflow)."""
        return _ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along `axis`, max-shifted so large logits stay finite."""
        return _ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along `axis`: log-probabilities, finite for any finite logits."""
        return _ops.log_softmax(self, axis)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same entries in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        return _ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: int | Sequence[int] | None) -> Tensor:
        """Permute the axes (reverse them when none are given), as ``ndarray.transpose``:
        ``t.transpose(1, 0)``, ``t.transpose((1, 0))``."""
        if not axes:
            return _ops.transpose(self, None)
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            return _ops.transpose(self, axes[0])  # one tuple of axes, or None
        return _ops.transpose(self, axes)

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-D)."""
        return _ops.transpose(self, None)


# --------------------------------------------------------------------- making nodes
_new_tensor = object.__new__


def record(
    data: np.ndarray,
    op: Op,
    parents: tuple[Tensor, ...],
    saved: Any = None,
    symbol: str | None = None,
) -> Tensor:
    """Make the result node of `op` applied to `parents` (the forward already computed `data`).

    The node records its parents, the op and `saved` only when grad mode is on
    and some parent requires grad; otherwise it is a plain leaf. `symbol`, if
    given, is the node's ``_op`` instead of the one of `op`'s registry entry
    (``"**2"``). This is how every operation in `autograd.tensor_ops` makes its
    result, and how a new operation would.
    """
    if type(data) is not np.ndarray:  # numpy returns scalars for 0-d results
        data = np.asarray(data)
    out = _new_tensor(Tensor)
    out._data = data
    out.grad = None
    out.label = None
    out._owns_grad = False
    out._id = new_node_id()
    out._mark = None
    out._version = 0
    out._base = None
    out.requires_grad = False
    for parent in parents:
        if parent.requires_grad:
            out.requires_grad = _mode.enabled
            break
    # `autograd.tracing` records operations on constants too: a replay recomputes them.
    if out.requires_grad or _mode.tracing:
        out._op = symbol or op.operation.op
        out._parents = parents
        out._rule = op
        out._saved = saved
    else:
        out._op = ""
        out._parents = ()
        out._rule = None
        out._saved = None
    return out


def _conform(grad: Any, target: np.ndarray, rule: Op) -> np.ndarray:
    """A backward result that is a numpy scalar (a 0-d result) or has another float dtype
    (float32 and float64 mixed in one graph), as a new array like `target`; a wrong shape
    is an error in the rule."""
    grad = np.array(grad, dtype=target.dtype)
    if grad.shape != target.shape:
        raise RuntimeError(
            f"backward of {rule.name!r}: the gradient for an operand of shape "
            f"{shape_text(target.shape)} has shape {shape_text(grad.shape)}; the rule "
            "must reduce it to the operand's shape (a missing unbroadcast sum?)"
        )
    return grad


def constant(data: np.ndarray, op: str = "const") -> Tensor:
    """A leaf wrapping `data` (already a valid float array) without copying or checking it."""
    out = _new_tensor(Tensor)
    out._data = data
    out.grad = None
    out.requires_grad = False
    out.label = None
    out._op = op
    out._parents = ()
    out._rule = None
    out._saved = None
    out._owns_grad = False
    out._id = new_node_id()
    out._mark = None
    out._version = 0
    out._base = None
    return out


_SHAPE_QUERIES = (np.shape, np.ndim, np.size)


from . import tensor_ops as _ops  # noqa: E402 (the operations need the class defined above)
