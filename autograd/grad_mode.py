"""Gradient mode: whether tensor operations record the graph, per thread.

Inside ``with no_grad():`` operations on tensors compute their results and
record nothing (no parents, no saved operands), which is what evaluation, weight
updates and finite differences want. The switch is thread-local: one thread
evaluating under `no_grad` does not stop another from training.
"""

from __future__ import annotations

import contextlib
import threading


class _GradMode(threading.local):
    """Per-thread state: the flag and the values it had before each `no_grad` entry, and
    whether `autograd.tracing` is tracing a step (then operations on constants are recorded
    too, so that a replay recomputes them from the constants its guards watch)."""

    def __init__(self) -> None:
        self.enabled = True
        self.saved: list[bool] = []
        self.tracing = False


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Return True when tensor operations in this thread record the graph (the default)."""
    return _mode.enabled


class _Switch(contextlib.ContextDecorator):
    """Set grad mode for this thread inside a ``with`` block (or a decorated function)."""

    _enabled: bool

    def __enter__(self) -> _Switch:
        _mode.saved.append(_mode.enabled)
        _mode.enabled = self._enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        _mode.enabled = _mode.saved.pop()


class no_grad(_Switch):
    """Context manager (and decorator) that stops tensor operations recording the graph.

    ``with no_grad(): y = model(x)`` gives results with ``requires_grad=False``
    and no parents. Nests, and only affects the thread that enters it.
    """

    _enabled = False


class enable_grad(_Switch):
    """Context manager (and decorator) that turns recording back on inside a `no_grad` block."""

    _enabled = True
