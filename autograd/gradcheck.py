"""Check autodiff against central finite differences, and report only what disagrees.

``gradcheck(f, *inputs)`` calls ``f(*inputs)`` (a scalar `Value` or one-entry
`Tensor`), backpropagates, and compares each input entry's gradient with

    (f(x + h) - f(x - h)) / (2h),   h = eps * max(1, |x|),   eps = cbrt(machine epsilon)

in float64 (the step that balances truncation error, O(h²), against rounding
error, O(machine epsilon / h)). An entry fails when
``|autodiff - numeric| > atol + rtol * |numeric| + rounding``, where rounding
(about machine epsilon * |f| / h) is the error the difference quotient cannot
avoid. The result lists the failing entries, not whole Jacobians.

Kinks: where x ± h lands on the other side of a kink (ReLU at 0, a change of
which entry is the maximum), a finite difference measures a mix of two slopes
and disagrees with any one-sided derivative. Such entries are found by asking
the graph, not by guessing from the numbers: for a failing entry, `f` is
evaluated at x + h and x - h again, and if any node whose operation has a kink
(the op registry's ``kink``: relu, max) took a different branch there than at x,
the entry is reported as a kink, not failed.
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .arrays import shape_text
from .grad_mode import enable_grad, no_grad
from .graph import topological_order
from .ops import of_node
from .tables import html_table, text_table
from .tensor import Tensor
from .value import Value

Node = Value | Tensor

_MACHINE_EPS = float(np.finfo(np.float64).eps)
DEFAULT_EPS = _MACHINE_EPS ** (1 / 3)


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``.

    The message is one line (how many entries disagree, and the worst one); ``result``
    is the `GradcheckResult`, whose ``str()`` is the full table.
    """

    def __init__(self, message: str, result: GradcheckResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Entry:
    """One checked entry that failed or sat on a kink.

    ``status`` is ``"fail"`` (autodiff and finite differences disagree),
    ``"kink"`` (x ± h crosses a kink: not a failure) or ``"error"`` (`f`
    raised at x ± h; ``note`` says why).
    """

    input: str
    index: tuple[int, ...] | None
    autodiff: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str
    note: str = ""


@dataclass(frozen=True)
class GradcheckResult:
    """What `gradcheck` found: truthy when every entry passed (kinks excepted).

    ``failures`` holds the failing entries, ``kinks`` the entries skipped at a
    kink, ``notes`` anything else worth knowing (a float32 input checked in
    float64, a backward pass that raised), ``backward_error`` the error the backward
    pass raised (empty if none). ``table()`` lists the failures, ``summary()`` says
    what happened in one line, ``str()`` gives both with the kinks and notes.
    """

    passed: bool
    checked: int
    failures: tuple[Entry, ...]
    kinks: tuple[Entry, ...]
    notes: tuple[str, ...]
    atol: float
    rtol: float
    backward_error: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        """One line: passed, or how many entries disagree and the worst one."""
        if self.passed:
            kinks = f" ({len(self.kinks)} at a kink)" if self.kinks else ""
            return f"gradcheck passed: {_entries(self.checked)} checked{kinks}"
        if not self.failures:
            error = " ".join(self.backward_error.split())
            return f"gradcheck failed: the backward pass raised {error}; nothing compared"
        head = f"gradcheck failed: {_entries(len(self.failures))} of {self.checked} disagree"
        compared = [e for e in self.failures if e.status == "fail"]
        if not compared:  # only entries where f raised at x ± h
            first = self.failures[0]
            return f"{head} ({_place(first)}: f raised at x ± h: {' '.join(first.note.split())})"
        worst = max(compared, key=lambda e: e.abs_error)
        return (
            f"{head} (worst: {_place(worst)}: autodiff {worst.autodiff:.3g}, numeric "
            f"{worst.numeric:.3g})"
        )

    def table(self) -> str:
        """The failing entries, one row each: input, index, autodiff, numeric, errors."""
        return _table(self.failures)

    def __str__(self) -> str:
        if self.passed:
            lines = [f"gradcheck passed: {_entries(self.checked)} checked"]
        elif self.failures:
            lines = [
                f"gradcheck failed: {_entries(len(self.failures))} of {self.checked} disagree "
                f"(atol={self.atol:g}, rtol={self.rtol:g})",
                self.table(),
            ]
        else:
            lines = ["gradcheck failed: the backward pass raised an error; nothing compared"]
        if self.kinks:
            lines.append(f"{_entries(len(self.kinks))} at a kink (x ± h crosses it; not failed):")
            lines.append(_table(self.kinks))
        lines.extend(self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """What a notebook shows: `str()`'s content, the tables as HTML tables."""
        e = html.escape
        parts = [f"<p>{e(self.summary())}</p>"]
        if self.failures:
            parts.append(html_table(_rows(self.failures)))
        if self.kinks:
            parts.append(
                f"<p>{_entries(len(self.kinks))} at a kink (x ± h crosses it; not failed):</p>"
            )
            parts.append(html_table(_rows(self.kinks)))
        parts += [f"<p>{e(note)}</p>" for note in self.notes]
        return "".join(parts)


def gradcheck(
    f: Callable[..., Node],
    *inputs: Node,
    eps: float | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    raise_on_failure: bool = False,
    where: str = "gradcheck",
) -> GradcheckResult:
    """Compare the gradient of ``f(*inputs)`` from backprop with central differences.

    `inputs` are `Value` or `Tensor` nodes; `f` must build its result from the
    nodes it is given (it is called again with perturbed copies, which get
    gradients; the inputs themselves are left untouched) and return a scalar
    node. `eps` is the relative step in (0, 1) (default cbrt(machine epsilon),
    about 6e-6); `atol` and `rtol` are finite and >= 0. float32 tensors are
    checked in float64, with a note: a float32 difference quotient is too coarse
    to judge a gradient. Returns a `GradcheckResult`; with `raise_on_failure`, a
    failure raises `GradcheckError` instead (one line; the table is in its
    ``result``). `where` names the caller in error messages (a function built on
    this one passes its own name).
    """
    step = _step(f, inputs, eps, where)
    atol = _tolerance(atol, "atol", where)
    rtol = _tolerance(rtol, "rtol", where)
    probe = _Probe(f, inputs, where)
    failures, kinks = probe.compare(step, atol, rtol)
    result = GradcheckResult(
        passed=not failures and not probe.backward_error,
        checked=sum(v.size for v in probe.values),
        failures=tuple(failures),
        kinks=tuple(kinks),
        notes=tuple(probe.notes),
        atol=atol,
        rtol=rtol,
        backward_error=probe.backward_error,
    )
    if raise_on_failure and not result.passed:
        raise GradcheckError(
            f"{result.summary()}; the table is in error.result (print(error.result))", result
        )
    return result


def numeric_gradient(
    f: Callable[..., Node],
    *inputs: Node,
    eps: float | None = None,
    where: str = "numeric_gradient",
) -> list[np.ndarray]:
    """The gradient of ``f(*inputs)`` by central differences alone, entry by entry.

    The same differences `gradcheck` takes (step ``eps * max(1, |x|)``, float64 working
    copies, the inputs left untouched): one float64 array per input, shaped like it
    (0-d for a `Value`). An entry where `f` raises at x ± h is NaN; an error at x itself
    is raised. `where` names the caller in error messages (``where="compare"``).
    """
    step = _step(f, inputs, eps, where)
    probe = _Probe(f, inputs, where)
    with no_grad():
        probe.call(probe.leaves())  # a clear error now if f does not return a scalar node
    gradients = []
    for i, value in enumerate(probe.values):
        numeric = np.empty_like(value)
        for k in np.ndindex(value.shape):
            try:
                numeric[k] = probe.difference(i, k, step).numeric
            except Exception:  # e.g. x - h leaves log's domain
                numeric[k] = math.nan
        gradients.append(numeric)
    return gradients


def _step(f: object, inputs: tuple[Node, ...], eps: object, where: str) -> float:
    """The relative step, after checking `where`, `f`, that there are inputs and that `f`
    takes that many arguments."""
    if not isinstance(where, str):
        raise TypeError(f"where must be a string (the caller's name), got {type(where).__name__}")
    if not inputs:
        raise TypeError(f"{where}: give at least one input (a Value or a Tensor)")
    if not callable(f):
        raise TypeError(f"{where}: f must be callable, got {type(f).__name__}")
    _check_arity(f, len(inputs), where)
    if eps is None:
        return DEFAULT_EPS
    step = _real(eps, "eps", "a number in (0, 1)", where)
    if not 0 < step < 1:
        raise ValueError(f"{where}: eps must be a number in (0, 1), got {eps!r}")
    return step


def _tolerance(x: object, name: str, where: str) -> float:
    """`x` (atol or rtol) as a float, or a clear error unless it is finite and >= 0."""
    value = _real(x, name, "a finite number >= 0", where)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{where}: {name} must be a finite number >= 0, got {x!r}")
    return value


def _real(x: object, name: str, wanted: str, where: str) -> float:
    """`x` as a float (inf for a number too large for one), or TypeError if not a number."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {name} must be {wanted}, got {type(x).__name__} {x!r:.40}")
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _check_arity(f: Callable[..., object], n: int, where: str) -> None:
    """Raise TypeError if `f`'s signature cannot take `n` positional arguments (a
    function without an inspectable signature is let through: its own error will say)."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*range(n))
    except TypeError as exc:
        name = getattr(f, "__name__", "f")
        raise TypeError(
            f"{where}: {n} input{'' if n == 1 else 's'} given, but f is {name}{signature} "
            f"({exc}); f must take one argument per input"
        ) from None


class _Difference(NamedTuple):
    """One central difference: the numeric slope, the two points and f at each."""

    numeric: float
    up: float
    down: float
    f_up: float
    f_down: float


class _Probe:
    """The inputs as float64 working arrays, and `f` evaluated on them; errors name `where`."""

    def __init__(self, f: Callable[..., Node], inputs: tuple[Node, ...], where: str) -> None:
        self.f = f
        self.where = where
        self.kinds: list[type] = []
        self.names: list[str] = []
        self.values: list[np.ndarray] = []
        self.notes: list[str] = []
        self.backward_error = ""
        for i, x in enumerate(inputs):
            name = x.label if isinstance(x, (Value, Tensor)) and x.label else f"input {i}"
            if isinstance(x, Value):
                self.values.append(np.array(x.data, dtype=np.float64))
            elif isinstance(x, Tensor):
                if x.dtype != np.float64:
                    self.notes.append(
                        f"note: {name} is {x.dtype}; checked in float64 (a {x.dtype} "
                        "difference quotient is too coarse to judge a gradient)"
                    )
                self.values.append(x.data.astype(np.float64))
            else:
                raise TypeError(
                    f"{where}: input {i} is {type(x).__name__}; inputs must be Value or "
                    "Tensor nodes (wrap arrays as Tensor(x))"
                )
            self.kinds.append(type(x))
            self.names.append(name)

    def leaves(self) -> list[Node]:
        """Fresh leaves holding the current working values."""
        out: list[Node] = []
        for kind, name, value in zip(self.kinds, self.names, self.values):
            if kind is Value:
                out.append(Value(float(value), label=name))
            else:
                out.append(Tensor(value, requires_grad=True, label=name))
        return out

    def call(self, leaves: list[Node]) -> tuple[float, Node]:
        """f(*leaves) and its value as a float, or a clear error if it is not a scalar node."""
        out = self.f(*leaves)
        if isinstance(out, Value):
            return out.data, out
        if isinstance(out, Tensor):
            if out.size != 1:
                raise ValueError(
                    f"{self.where}: f must return a scalar node, got a Tensor of shape "
                    f"{shape_text(out.shape)}; reduce it (.sum(), .mean())"
                )
            return float(out.data.reshape(())), out
        raise TypeError(
            f"{self.where}: f must return a Value or a one-entry Tensor (the node, so it can be "
            f"backpropagated), got {type(out).__name__}"
        )

    def autodiff(self) -> tuple[float, Node, list[np.ndarray]]:
        """f at the inputs, its root node, and the gradient of each input by backprop."""
        with enable_grad():
            leaves = self.leaves()
            f0, root = self.call(leaves)
            try:
                if isinstance(root, Value):
                    root.backward()
                elif root.requires_grad:
                    root.backward(np.ones(root.shape))
            except Exception as exc:  # a broken backward rule is a finding, not a crash
                self.backward_error = f"{type(exc).__name__}: {exc}"
                self.notes.append(f"backward raised {self.backward_error}")
        grads = []
        for leaf, value in zip(leaves, self.values):
            g = leaf.grad
            grads.append(np.zeros_like(value) if g is None else np.asarray(g, dtype=np.float64))
        return f0, root, grads

    def value_at(self, i: int, k: tuple[int, ...], x: float, record: bool) -> tuple[float, Node]:
        """f with entry k of input i set to x (the working value is restored afterwards)."""
        value = self.values[i]
        saved = value[k]
        value[k] = x
        try:
            if record:
                with enable_grad():
                    return self.call(self.leaves())
            with no_grad():
                return self.call(self.leaves())
        finally:
            value[k] = saved

    def difference(self, i: int, k: tuple[int, ...], step: float) -> _Difference:
        """The central difference for entry k of input i, h = step * max(1, |x|); raises what
        `f` raises at x ± h."""
        x = float(self.values[i][k])
        h = step * max(1.0, abs(x))
        up, down = x + h, x - h
        f_up = self.value_at(i, k, up, record=False)[0]
        f_down = self.value_at(i, k, down, record=False)[0]
        return _Difference((f_up - f_down) / (up - down), up, down, f_up, f_down)

    def compare(self, step: float, atol: float, rtol: float) -> tuple[list[Entry], list[Entry]]:
        """Check every entry; return the failing ones and the ones at a kink."""
        f0, root, grads = self.autodiff()
        if self.backward_error:
            return [], []
        failures: list[Entry] = []
        kinks: list[Entry] = []
        base_branches: list[bytes] | None = None
        for i, value in enumerate(self.values):
            for k in np.ndindex(value.shape):
                auto = float(grads[i][k])
                try:
                    numeric, up, down, f_up, f_down = self.difference(i, k, step)
                except Exception as exc:  # e.g. x - h leaves log's domain
                    failures.append(
                        self.entry(i, k, auto, math.nan, "error", f"{type(exc).__name__}: {exc}")
                    )
                    continue
                rounding = 2 * _MACHINE_EPS * max(abs(f_up), abs(f_down), abs(f0)) / (up - down)
                if abs(auto - numeric) <= atol + rtol * abs(numeric) + rounding:
                    continue
                if base_branches is None:
                    base_branches = _branches(root)
                crosses = any(
                    _branches(self.value_at(i, k, x_side, record=True)[1]) != base_branches
                    for x_side in (up, down)
                )
                if crosses:
                    kinks.append(self.entry(i, k, auto, numeric, "kink"))
                else:
                    failures.append(self.entry(i, k, auto, numeric, "fail"))
        return failures, kinks

    def entry(
        self, i: int, k: tuple[int, ...], auto: float, numeric: float, status: str, note: str = ""
    ) -> Entry:
        err = abs(auto - numeric)
        rel = err / abs(numeric) if numeric else (math.inf if err else 0.0)
        return Entry(
            input=self.names[i],
            index=None if self.kinds[i] is Value else k,
            autodiff=auto,
            numeric=numeric,
            abs_error=err,
            rel_error=rel,
            status=status,
            note=note,
        )


def _branches(root: Node) -> list[bytes]:
    """Which side of its kink every node of `root`'s graph with a kink (relu, max) is on."""
    found = []
    for node in topological_order(root):
        operation = of_node(node) if node._parents else None
        if operation is not None and operation.kink is not None:
            found.append(np.asarray(operation.kink(node)).tobytes())
    return found


def _place(e: Entry) -> str:
    """Where an entry is, for a one-line summary: ``input 'A' (0, 1)``, ``input 0``."""
    name = e.input if e.input.startswith("input ") else f"input {e.input!r}"
    return name if e.index is None else f"{name} {e.index}"


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _rows(entries: tuple[Entry, ...] | list[Entry]) -> list[tuple[str, ...]]:
    """Entries as table rows, the header first: input, index, autodiff, numeric, errors."""
    rows = [("input", "index", "autodiff", "numeric", "abs err", "rel err", "")]
    for e in entries:
        rows.append(
            (
                e.input,
                "-" if e.index is None else str(e.index),
                f"{e.autodiff:.6g}",
                f"{e.numeric:.6g}",
                f"{e.abs_error:.2e}",
                f"{e.rel_error:.2e}",
                e.note,
            )
        )
    return rows


def _table(entries: tuple[Entry, ...] | list[Entry]) -> str:
    """Entries as an aligned text table."""
    return text_table(_rows(entries))
