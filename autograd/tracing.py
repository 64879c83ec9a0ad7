"""Trace a training step once, then replay it as a flat list of numpy calls (opt-in).

``step = trace(loss_of)`` wraps a function that builds a loss from its array arguments.
The first call runs it the normal way (graph, ``backward()``) and then *compiles* the
graph it recorded: every node keeps its array as a buffer, every gradient gets one, and
each operation's forward and backward become numpy calls that write into those buffers
(`autograd.replay_rules`). Later calls with arguments of the same shapes and dtypes copy
the arguments into their buffers and run the calls one after the other: no nodes, no
topological sort, no Python per node. That is what a tracing JIT does (``torch.jit.trace``,
``jax.jit``), in about 300 lines.

What a trace sees, and what it does not (the teaching point): it records *one run* of the
function. Its arguments are the inputs; everything else the function reads (numbers,
arrays, Tensors it closes over, Python ``if`` and loops) is fixed at the values of the
traced run. The guards below catch what can be checked cheaply: argument shapes and
dtypes (another signature traces again, up to `MAX_SIGNATURES`), parameters replaced
(``p.data = new_array``; in-place updates such as ``p.data -= lr * p.grad`` are what
training does, and are seen), Tensors the function read changed since (their version),
anomaly mode or ``no_grad`` on, and the data a check of the normal path would refuse
(a sigmoid input below -709, an ``exp`` that overflows, NaN or inf arguments): those
calls run the normal path, which gives its usual result or error. ``check=True`` runs
both paths on every call and raises if the loss or any gradient differs in a single bit:
the way to make sure a step is traceable.

Gradients are those of the normal path, bit for bit: each replay rule performs the same
numpy operations in the same order as its op's backward (a test holds every rule to it).
Parameter gradients accumulate as ``backward()`` makes them, into ``p.grad``; the array a
replay leaves there is reused by the next replay unless you keep a reference to it (then
a new one is made), so a gradient kept across steps is never overwritten. A parameter
the step uses more than once, whose gradient was not zeroed, takes the normal path:
``backward()`` adds each contribution to the old gradient in turn, ``(old + g1) + g2``,
which a replay's ``old + (g1 + g2)`` need not equal in the last bit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from math import isfinite
from sys import getrefcount
from typing import Any

import numpy as np

from . import anomaly
from .compiling import Fallback, Program, TraceError
from .grad_mode import _mode, is_grad_enabled
from .graph import walk_lock
from .replay_rules import compile_program
from .tensor import Tensor, constant

vdot, copyto = np.vdot, np.copyto  # a replay's calls per argument, bound once

MAX_SIGNATURES = 8
"""How many argument signatures (shapes and dtypes) a traced step keeps a program for."""


class TracedStep:
    """A function from arrays to a one-number loss Tensor, traced and replayed; see the
    module docstring. Call it as the function: it returns the loss (a leaf holding its
    value) and fills ``.grad`` of every parameter, as ``loss.backward()`` would."""

    def __init__(self, fn: Callable[..., Tensor], check: bool = False) -> None:
        if not callable(fn):
            raise TypeError(f"trace: expected a function returning a loss, got {type(fn).__name__}")
        self.fn = fn
        self.check = bool(check)
        self.programs: dict[tuple, Program] = {}
        self.replays = 0  # calls that ran a program
        self.normal = 0  # calls that ran the normal path (the traces included)
        try:
            self._names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            self._names = []

    def __call__(self, *args: Any) -> Tensor:
        with walk_lock:  # one step at a time across threads: a program's arrays are shared
            return self._call(args)

    def _call(self, args: tuple[Any, ...]) -> Tensor:
        arrays = list(args)
        for k, a in enumerate(arrays):
            if type(a) is not np.ndarray:
                arrays[k] = self._argument(a, k)
        key = tuple([(a.shape, a.dtype) for a in arrays])
        program = self.programs.get(key)
        if program is None:
            return self._trace(arrays, key)
        if self.check:
            return self._checked(program, arrays)
        try:
            return self._replay(program, arrays)
        except _Retrace:  # a leaf replaced or changed, a gradient kept: a new program
            del self.programs[key]
            return self._trace(arrays, key)
        except Fallback:
            return self._normal(arrays)

    def listing(self) -> str:
        """The numpy calls of the most recently compiled program, one per line."""
        if not self.programs:
            return "(not traced yet: call the step once)"
        program = list(self.programs.values())[-1]
        return "\n".join(program.lines)

    # ----------------------------------------------------------------- the paths
    def _argument(self, arg: Any, k: int) -> np.ndarray:
        """Argument `k` (not an ndarray: those pass as they are) as an array, or refused."""
        if isinstance(arg, Tensor):
            if arg.requires_grad:
                raise TraceError(
                    f"trace: argument {self._name(k)} requires grad; the arguments of a traced "
                    "step are its data. Parameters are read from the function's closure"
                )
            return arg._data
        if not isinstance(arg, (np.ndarray, list, tuple, float, int)) or isinstance(arg, bool):
            raise TraceError(
                f"trace: argument {self._name(k)} is a {type(arg).__name__}; a traced step takes "
                "arrays (or Tensors without grad). Pass other settings through the closure"
            )
        return arg if type(arg) is np.ndarray else np.asarray(arg)

    def _name(self, k: int) -> str:
        return repr(self._names[k]) if k < len(self._names) else str(k)

    def _tensors(self, arrays: Sequence[np.ndarray], requires_grad: bool) -> list[Tensor]:
        # Unlabelled, as ``loss_of(Tensor(x), Tensor(y))`` makes them: the same errors, word
        # for word (a NaN argument, a shape that does not fit). `_trace` names them after.
        return [Tensor(a, requires_grad) for a in arrays]

    def _loss(self, tensors: list[Tensor]) -> Tensor:
        loss = self.fn(*tensors)
        if not isinstance(loss, Tensor) or loss._data.size != 1:
            what = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
            raise TraceError(
                f"trace: the function must return a one-number loss Tensor, got {what}"
            )
        return loss

    def _normal(self, arrays: Sequence[np.ndarray]) -> Tensor:
        """The step without a program: build the graph, backward, as untraced code does."""
        self.normal += 1
        loss = self._loss(self._tensors(arrays, False))
        loss.backward()
        return constant(loss._data.copy(), "")

    def _trace(self, arrays: Sequence[np.ndarray], key: tuple) -> Tensor:
        if not is_grad_enabled() or anomaly.is_enabled():
            return self._normal(arrays)
        inputs = self._tensors(arrays, True)  # so every node computed from them is recorded
        _mode.tracing = True  # and every node computed from constants (see `record`)
        try:
            loss = self._loss(inputs)
        finally:
            _mode.tracing = False
        for t, name in zip(inputs, self._names):
            t.label = name  # for the listing
        program = compile_program(loss, inputs)  # refuses before any gradient changes
        self.normal += 1
        loss.backward()
        for t in inputs:
            t.grad = None  # computed only so the graph records; not part of the step
        if len(self.programs) >= MAX_SIGNATURES:
            self.programs.pop(next(iter(self.programs)))
        self.programs[key] = program
        return constant(loss._data.copy(), "")

    def _replay(self, program: Program, arrays: Sequence[np.ndarray]) -> Tensor:
        if not _mode.enabled or anomaly.is_enabled():
            raise Fallback
        for leaf, data, version in program.leaves:  # parameters change in place: no version
            if leaf._data is not data or (version >= 0 and leaf._version != version):
                raise _Retrace  # replaced, or a constant changed since the trace
        for buffer, array in zip(program.inputs, arrays):
            # The sum of squares is finite only if every entry is (or it overflows): else
            # the normal path says which entry is not finite, or computes the step.
            if not isfinite(vdot(array, array)):
                raise Fallback
            copyto(buffer, array)
        held = []
        for (param, grad), alone, summed in zip(
            program.deliveries, program.references, program.summed
        ):
            old = param.grad
            # References to `grad` beyond the program's own (here: this loop's variable and
            # getrefcount's argument, as in `reference_counts`): someone kept the gradient
            # this step would overwrite.
            if getrefcount(grad) - (old is grad) > alone:
                raise _Retrace
            if summed and old is not None:  # backward() adds each part to old in turn
                raise Fallback
            held.append(grad.copy() if old is grad else old)  # not zeroed: it accumulates
        program.run()
        for (param, grad), old in zip(program.deliveries, held):
            if old is None:
                param.grad, param._owns_grad = grad, False
            else:
                param.grad, param._owns_grad = old + grad, True
        self.replays += 1
        return constant(program.loss.copy(), "")

    def _checked(self, program: Program, arrays: Sequence[np.ndarray]) -> Tensor:
        """Run the normal path, then the replay from the same starting gradients, and
        compare every bit."""
        params = [param for param, _ in program.deliveries]
        before = [None if p.grad is None else p.grad.copy() for p in params]
        expected = self._normal(arrays)
        after = [p.grad for p in params]
        for p, g in zip(params, before):
            p.grad = g
        try:
            got = self._replay(program, arrays)
        except Fallback:
            for p, g in zip(params, after):
                p.grad = g
            return expected
        for p, want in zip(params, after):
            if want is None or p.grad is None or not _same_bits(p.grad, want):
                raise TraceError(
                    f"trace(check=True): the replayed gradient of {p.label or 'a parameter'} "
                    "differs from backward()'s: the step reads something the trace fixed "
                    "(a closure value, a Python branch); pass it as an argument"
                )
        if not _same_bits(got._data, expected._data):
            raise TraceError(
                f"trace(check=True): the replayed loss {got.item()!r} differs from the normal "
                f"path's {expected.item()!r}: the step reads something the trace fixed"
            )
        return got


class _Retrace(Fallback):
    """What the program was compiled from changed (a leaf's array, a constant, a gradient
    array someone kept): this call traces again."""


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def trace(fn: Callable[..., Tensor], check: bool = False) -> TracedStep:
    """Trace `fn` (arrays -> one-number loss Tensor) and replay it as flat numpy calls.

    ``step = trace(loss_of); loss = step(x, y)`` does what ``loss = loss_of(Tensor(x),
    Tensor(y)); loss.backward()`` does, with the same gradients bit for bit, and returns
    the loss as a leaf. See `autograd.tracing` for what a trace fixes and what its guards
    check; ``check=True`` compares both paths on every call. ``step.listing()`` prints
    the program.
    """
    return TracedStep(fn, check)


__all__ = ["MAX_SIGNATURES", "Program", "TraceError", "TracedStep", "trace"]
