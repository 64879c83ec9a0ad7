"""Anomaly detection: find the operation that first made a NaN or an infinity.

Inside ``with detect_anomaly():`` every operation this thread runs checks its
result and its local derivatives, and every backward step checks the gradients
it hands to its operands. The first number that is not finite raises
`AnomalyError`, naming the operation, the node's label, the line of your code
that created the node, and its operands' values or shapes.

Off by default, and free when off: node types register a plain and a checking
constructor (`register_check`); the checking one is swapped in only while some
thread is inside `detect_anomaly`, and it checks only for the threads that are.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """An operation or a backward step produced NaN or infinity inside `detect_anomaly`."""


class _AnomalyMode(threading.local):
    """Per-thread state: nesting depth and where each node was created (by node id)."""

    def __init__(self) -> None:
        self.depth = 0
        self.sites: dict[int, str] = {}


_mode = _AnomalyMode()
_lock = threading.Lock()
_threads_on = 0  # threads inside detect_anomaly: the checking constructors are installed
_hooks: list[tuple[MutableMapping[str, Any], str, Callable[..., Any], Callable[..., Any]]] = []


def register_check(
    namespace: MutableMapping[str, Any], name: str, checking: Callable[..., Any]
) -> None:
    """Let `detect_anomaly` replace ``namespace[name]`` with `checking` while it is on.

    `namespace` is a module's globals, where the operations look the constructor up.
    """
    _hooks.append((namespace, name, namespace[name], checking))


def is_enabled() -> bool:
    """True when this thread is inside `detect_anomaly`."""
    return _mode.depth > 0


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `AnomalyError` at the first NaN or infinity an operation or backward step makes.

    Thread-local and nestable. Slows operations down (each result is checked and
    each node remembers the line that created it), so use it to find a problem,
    not to train.
    """
    global _threads_on
    if _mode.depth == 0:
        with _lock:
            _threads_on += 1
            if _threads_on == 1:
                for namespace, name, _, checking in _hooks:
                    namespace[name] = checking
    _mode.depth += 1
    try:
        yield
    finally:
        _mode.depth -= 1
        if _mode.depth == 0:
            _mode.sites.clear()
            with _lock:
                _threads_on -= 1
                if _threads_on == 0:
                    for namespace, name, plain, _ in _hooks:
                        namespace[name] = plain


def any_thread_enabled() -> bool:
    """True while some thread is inside `detect_anomaly` (backprop then checks each step)."""
    return _threads_on > 0


def remember_site(node: Any) -> None:
    """Record the line of user code (outside this package) that created `node`."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is not None:
        _mode.sites[node._id] = f"{frame.f_code.co_filename}:{frame.f_lineno}"


def describe(node: Any) -> str:
    """A node as the messages name it: label (or op and id), and where it was created."""
    label = getattr(node, "label", None)
    name = repr(label) if label is not None else f"an unlabelled '{node._op or 'leaf'}' node"
    site = _mode.sites.get(node._id)
    return f"{name} (node #{node._id}{', created at ' + site if site else ''})"


def show(x: Any) -> str:
    """A number as itself; an array as its shape with the count of bad entries."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        bad = int(x.size - np.count_nonzero(np.isfinite(x)))
        return f"an array of shape {x.shape} ({bad} of {x.size} entries not finite)"
    return f"{float(x):g}"


def is_finite(x: Any) -> bool:
    """True for a finite float, or an array whose entries are all finite."""
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.isfinite(x).all())


def check_forward(
    out: Any, operands: tuple[Any, ...], locals_: tuple[Any, ...], op: str | None = None
) -> None:
    """Raise `AnomalyError` if the new node `out` or one of its local derivatives is not finite.

    `op` names the operation when ``out._op`` does not (a Tensor result that records
    nothing because no operand requires grad).
    """
    remember_site(out)
    if is_finite(out.data) and all(d is None or is_finite(d) for d in locals_):
        return
    inputs = ", ".join(f"{describe(p)} = {show(p.data)}" for p in operands) or "no operands"
    if not is_finite(out.data):
        what = f"its result is {show(out.data)}"
    else:
        bad = next(d for d in locals_ if d is not None and not is_finite(d))
        what = f"a local derivative is {show(bad)}, so backward would spread it"
    raise AnomalyError(
        f"{op or out._op}: {what}; created at {_mode.sites.get(out._id, '?')}; operands: {inputs}. "
        "Look for overflow (exp of a large number), 0/0, or log of 0 on that line."
    )


def check_backward(node: Any) -> None:
    """Raise `AnomalyError` if backprop through `node` gave an operand a non-finite gradient."""
    for parent in node._parents:
        grad = parent.grad
        if grad is not None and not is_finite(grad):
            raise AnomalyError(
                f"backward of '{node._op}' at {describe(node)} gave its operand "
                f"{describe(parent)} the gradient {show(grad)} (the incoming gradient was "
                f"{show(node.grad)}). Look for a huge local derivative on that line, or a "
                "gradient that overflowed further up."
            )
