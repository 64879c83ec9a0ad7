"""The compiler of `autograd.tracing`: the arrays, calls and gradients of a program.

A `Compiler` turns a traced graph into a `Program` as the replay rules
(`autograd.replay_rules`) tell it: every node's array is kept as the buffer its forward
call writes, gradients get arrays of their own or share one exactly when ``backward()``
would (`target`, `commit`, `pass_on`, `unbroadcast` mirror ``Tensor._add_to_grad``), and
calls that read only fixed arrays run once, here (constant folding).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .arrays import shape_text
from .tensor import Tensor
from .tensor_ops import summed_axes


class TraceError(ValueError):
    """A step that cannot be traced (an operation with no replay rule, a loss that is not
    one number, mixed float types); the message says which and what to do."""


class Fallback(Exception):
    """Raised by a guard inside a program: this call takes the normal path."""


Calls = list[tuple[Callable[..., Any], tuple[Any, ...]]]


class Program:
    """The compiled step for one argument signature: `calls` to run in order, and what to
    check before and deliver after."""

    def __init__(self) -> None:
        self.calls: Calls = []
        self.lines: list[str] = []  # one per call: the listing
        self.inputs: list[np.ndarray] = []  # the argument arrays
        self.leaves: list[tuple[Tensor, np.ndarray, int]] = []  # (leaf, array, version or -1)
        self.deliveries: list[tuple[Tensor, np.ndarray]] = []  # (parameter, its gradient)
        self.references: list[int] = []  # each gradient array's references, none outside
        self.summed: list[bool] = []  # each gradient: a sum of several contributions
        self.loss: np.ndarray | None = None
        self.graph: Tensor | None = None  # the traced loss node, kept for its arrays
        self.run = as_function(self.calls)  # the calls, run in order


def as_function(calls: Calls) -> Callable[[], None]:
    """`calls` as one function of no arguments: what a replay runs. It runs them in order,
    as they are in the list when it is called; a guard (`refuse_if`) raises `Fallback` and
    stops the calls after it."""

    def run() -> None:
        for fn, args in calls:
            fn(*args)

    return run


def reference_counts(program: Program) -> list[int]:
    """How many references each gradient array of `program` has (the program's own
    included): more than right after compiling means someone outside holds one."""
    return [sys.getrefcount(grad) for _, grad in program.deliveries]


class Compiler:
    """Builds a `Program` from a traced graph: the buffers, the calls, their listing."""

    def __init__(self, loss: Tensor, inputs: list[Tensor]) -> None:
        self.program = Program()
        self.fixed: set[int] = set()  # id() of arrays that never change (kept alive below)
        self.folded: dict[int, list[tuple[Callable[..., Any], tuple[Any, ...]]]] = {}
        self.names: dict[int, str] = {}
        self.grads: dict[int, np.ndarray] = {}  # node id -> its gradient array
        self.owned: dict[int, bool] = {}  # the gradient array is the node's alone
        self.summed: set[int] = set()  # nodes whose gradient adds several contributions
        self.needed: set[int] = set()  # nodes on a path from a parameter to the loss
        self.keep: list[Any] = []  # every array made here, so id()s stay unique
        self.inputs = {t._id for t in inputs}
        self.numbers: dict[int, int] = {}  # node id -> its number in the listing

    # ----------------------------------------------------------------- arrays
    def name(self, thing: Any) -> str:
        """How the listing shows an argument: a name, a constant's value, a function's name."""
        if isinstance(thing, np.ndarray):
            if thing.ndim == 0 and id(thing) in self.fixed:
                return f"{thing.item():g}"
            return self.names.get(id(thing), f"<{shape_text(thing.shape)}>")
        if isinstance(thing, float):
            return f"{thing:g}"
        owner = getattr(thing, "__self__", None)
        if isinstance(owner, np.ufunc):  # np.add.reduce
            return f"{owner.__name__}.{thing.__name__}"
        return getattr(thing, "__name__", repr(thing))

    def register(self, array: np.ndarray, name: str, fixed: bool = False) -> np.ndarray:
        """Keep `array` alive under `name` in the listing; `fixed`: it never changes."""
        self.keep.append(array)
        self.names[id(array)] = name
        if fixed:
            self.fixed.add(id(array))
        return array

    def view(self, base: np.ndarray, view: np.ndarray, suffix: str) -> np.ndarray:
        """A view of `base` made once (``W.T``); fixed when `base` is."""
        return self.register(view, self.name(base) + suffix, id(base) in self.fixed)

    def temp(self, like: np.ndarray, dtype: Any = None) -> np.ndarray:
        """A new scratch array shaped like `like` (of `dtype`, default its dtype)."""
        return self.register(np.empty(like.shape, dtype or like.dtype), f"tmp{len(self.keep)}")

    def node_name(self, node: Tensor) -> str:
        """A node's label, or ``t1``, ``t2``, ... in the order the listing first meets them
        (never the node's id, which depends on what the program made before)."""
        if node.label:
            return node.label
        return f"t{self.numbers.setdefault(node._id, len(self.numbers) + 1)}"

    # ----------------------------------------------------------------- calls
    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Emit ``fn(*args)``; the last argument is the array it writes. Run now instead, and
        mark that array fixed, when every array it reads is fixed."""
        *reads, out = args
        if all(not isinstance(a, np.ndarray) or id(a) in self.fixed for a in reads):
            fn(*args)
            if id(out) not in self.folded:
                self.folded[id(out)] = []
                self.fixed.add(id(out))
            self.folded[id(out)].append((fn, args))
            return
        self.unfold(out)  # a fixed array written at run time is no longer fixed
        self.append(fn, args)

    def unfold(self, array: np.ndarray) -> None:
        """Make a folded array computed at run time after all: its folded calls join the
        program (an array a replay changes in place, or one handed out as a gradient)."""
        calls = self.folded.pop(id(array), None)
        if calls is not None:
            self.fixed.discard(id(array))
            for fn, args in calls:
                self.append(fn, args)

    def append(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Emit ``fn(*args)`` as it is (a guard, or a call that writes several arrays)."""
        self.program.calls.append((fn, args))
        if fn is refuse_if:  # a guard writes nothing: every argument is read
            self.program.lines.append(f"{self.name(fn)}({', '.join(map(self.name, args))})")
            return
        *reads, out = args
        text = f"{self.name(fn)}({', '.join(self.name(a) for a in reads)})"
        self.program.lines.append(f"{self.name(out)} <- {text}")

    # ----------------------------------------------------------------- gradients
    def needs(self, node: Tensor) -> bool:
        """Whether the step needs `node`'s gradient (it is on a path from a parameter)."""
        return node._id in self.needed

    def grad(self, node: Tensor) -> np.ndarray:
        """The array that holds `node`'s gradient (its contributions are all in)."""
        return self.grads[node._id]

    def target(self, parent: Tensor) -> np.ndarray | None:
        """The array one contribution to `parent`'s gradient is to be written into: its
        gradient itself for the first, a scratch array after (then `commit` adds it)."""
        if not self.needs(parent):
            return None
        if parent._id not in self.grads:
            buf = self.register(np.empty_like(parent._data), "d" + self.node_name(parent))
            self.grads[parent._id], self.owned[parent._id] = buf, True
            return buf
        return self.temp(parent._data)

    def commit(self, parent: Tensor, contribution: np.ndarray | None) -> None:
        """Add a contribution written into a `target` array, as ``_add_to_grad`` does."""
        if contribution is None or contribution is self.grads[parent._id]:
            return
        self.accumulate(parent, contribution)

    def accumulate(self, parent: Tensor, contribution: np.ndarray) -> None:
        """Add `contribution` to `parent`'s gradient: in place if the array is its own."""
        self.summed.add(parent._id)
        current = self.grads[parent._id]
        if self.owned[parent._id]:
            self.call(np.add, current, contribution, current)  # current += contribution
        else:  # shared with another node: a new array, as current + contribution
            new = self.register(np.empty_like(current), "d" + self.node_name(parent))
            self.call(np.add, current, contribution, new)
            self.grads[parent._id], self.owned[parent._id] = new, True

    def pass_on(self, parent: Tensor, g: np.ndarray) -> None:
        """`parent` gets `g` itself (``a + b`` with equal shapes), as ``_add_to_grad(g, False)``:
        an operation's node shares it, a leaf copies it, a second contribution adds."""
        if not self.needs(parent):
            return
        if parent._id in self.grads:
            self.accumulate(parent, g)
        elif parent._parents:
            self.grads[parent._id], self.owned[parent._id] = g, False
        else:
            buf = self.target(parent)
            self.call(copy_into, g, buf)

    def unbroadcast(self, parent: Tensor, g: np.ndarray, fresh: bool) -> None:
        """`tensor_ops.unbroadcast(g, parent's shape)` into `parent`'s gradient; `fresh`: `g`
        is a scratch array of this rule's (else it is another node's gradient)."""
        shape = parent._data.shape
        if g.shape == shape:
            if fresh and parent._id not in self.grads:
                self._adopt(parent, g)
            else:
                self.pass_on(parent, g)
            return
        dst = self.target(parent)
        if dst is None:
            return
        front, ones = summed_axes(g.shape, shape)
        if front is not None:
            out = dst
            if ones is not None:
                reduced = g.shape[len(g.shape) - len(shape) :]
                out = self.register(np.empty(reduced, g.dtype), f"tmp{len(self.keep)}")
            self.call(np.add.reduce, g, front, None, out)
            g = out
        if ones is not None:
            self.call(add_reduce_kept, g, ones, dst)
        self.commit(parent, dst)

    def _adopt(self, parent: Tensor, g: np.ndarray) -> None:
        """A scratch array that holds `parent`'s first contribution becomes its gradient."""
        self.grads[parent._id], self.owned[parent._id] = g, True
        self.names[id(g)] = "d" + self.node_name(parent)


def refuse_if(condition: Callable[..., Any], *args: Any) -> None:
    """A guard: when `condition(*args)` holds this call takes the normal path (which gives
    its own result or error)."""
    if condition(*args):
        raise Fallback


def copy_into(source: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = source`` (np.copyto with the output last, as every call here)."""
    np.copyto(out, source)


def add_reduce_kept(x: np.ndarray, axes: tuple[int, ...], out: np.ndarray) -> None:
    """``np.add.reduce(x, axes, keepdims=True)`` into `out`."""
    np.add.reduce(x, axes, None, out, True)
