"""Hand-derived derivatives of a Python function next to autodiff and finite differences.

`compare(hand, function, at)` calls `function` at `at` (labelled `Value` arguments, or
`Tensor` arguments when some value is an array) and judges each hand value as `verify`
judges a claim: a number by the digits it shows, an array entry by entry to a relative
tolerance (its disagreeing entries listed), a wrong one diagnosed (the nearest candidate
that fits). Central differences
come from `autograd.gradcheck.numeric_gradient`, for arguments only.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..grad_mode import enable_grad
from ..gradcheck import numeric_gradient
from ..graph import topological_order
from ..tensor import Tensor
from ..value import Value
from .casefile import MAX_EXPONENT, derivative_key
from .casetext import shown_decimals
from .claim_diagnoses import breakdown, nearest_fit
from .diagnose import candidates
from .expr import ExpressionError, function_table
from .point import Point, leaf
from .quantities import Number, abbreviated, as_number, shown_number, some_of
from .results import Comparison
from .tolerance import Settings, close_entries, last_unit, shape_note
from .verdicts import ClaimResult, Disagreement

HandValue = float | str | Decimal | np.ndarray | Tensor | Sequence[Any]
"""A hand-derived derivative: a number, its text, or an array (nested lists, numpy, Tensor)."""


def compare(
    hand: Mapping[str, HandValue],
    function: Callable[..., Value | Tensor],
    at: Mapping[str, float | np.ndarray | Tensor | Sequence[Any]],
    *,
    eps: float = 1e-6,
    batch_size: int | None = None,
    rtol: float = Settings.formula_rtol,
) -> Comparison:
    """Compare derivatives worked out by hand with autodiff and finite differences.

    `function` takes one keyword argument per entry of `at` and returns the output
    node: with numbers in `at`, each argument is a labelled `Value` and the output a
    `Value`; when some entry of `at` is an array (numpy, a `Tensor` or nested lists),
    every argument is a labelled `Tensor` (numbers as 0-d) and the output must be a
    one-entry `Tensor` (a loss). A key of `hand` is an argument name (d output /
    d argument) or ``"dA/dB"`` (or ``"∂A/∂B"``) for a labelled node A of the graph.

    A number in `hand` is judged by the digits it shows: give it as a string or
    `Decimal` (``"0.0850"``) to keep trailing zeros. A string is the text of a number,
    not a formula; NaN and infinities (``"nan"``, ``float("inf")``) are refused. An
    array in `hand` (shaped like the argument) is judged entry by entry, to relative
    tolerance `rtol`, and the entries that disagree are listed (`Comparison.disagreements`).
    Finite differences are central, step ``eps * max(1, |x|)`` per entry
    (`autograd.gradcheck`'s), for arguments only. A wrong hand value is diagnosed as
    `verify` diagnoses claims (a factor 2, 1/2, -1, the `batch_size`, a transposed
    matrix, ...); the keys of `hand` are the parameters for the regularization diagnosis.
    """
    _check_arguments(hand, function, at, eps)
    arrays = any(_is_array(value) for value in at.values())
    point, output = _function_point(function, at, hand, batch_size, arrays)
    settings = Settings(formula_rtol=rtol)
    rows = []
    differences: dict[str, Number | None] = {}
    disagreements: dict[str, tuple[Disagreement, ...]] = {}
    for key, value in hand.items():
        node, wrt = derivative_key(key) or (output, key)
        for name in (node, wrt):
            if name not in point.nodes:
                raise ValueError(f"compare: no argument or labelled node {name!r} (in {key!r})")
        number, decimals = _hand_number(key, value)
        try:
            computed = point.derivative(node, wrt)
        except ExpressionError as error:
            raise ValueError(f"compare: {error}") from None
        if decimals is None:  # an array: entry by entry, to rtol
            status = "ok" if settings.agrees(number, computed) else "wrong"
            fits = functools.partial(settings.resembles, number)
        else:
            unit = last_unit(decimals)
            status = settings.status(number, computed, unit)
            fits = functools.partial(_fits_digits, settings, number, unit)
        diagnoses: tuple[str, ...] = ()
        chain = ""
        if status == "wrong":
            best = nearest_fit(candidates(point, node, wrt), fits, number)
            diagnoses = () if best is None else (f"the hand value {best.text}",)
            chain = breakdown(point, node, wrt)
        fd = _finite_difference(function, at, arrays, node, wrt, eps) if wrt in at else None
        differences[key] = fd
        if decimals is None:
            disagreements[key] = _disagreements(number, computed, fd, rtol)
        hint = shape_note(number, computed) + "; ".join(diagnoses)
        rows.append(
            ClaimResult(
                key,
                "derivative",
                node,
                wrt,
                number,
                computed,
                status,
                hint,
                diagnoses,
                chain,
                None,
                shown_number(number, decimals),
            )
        )
    return Comparison(tuple(rows), differences, disagreements)


def _fits_digits(settings: Settings, number: Number, unit: Number, value: Number) -> bool:
    """A candidate `value` fits a hand `number` shown to `unit` as the correct value would."""
    return settings.status(number, value, unit) != "wrong"


def _check_arguments(hand: object, function: object, at: object, eps: object) -> None:
    """Raise TypeError or ValueError for arguments `compare` cannot use."""
    for name, given, example in (("hand", hand, "{'x': 4.0}"), ("at", at, "{'x': 2.0}")):
        what = "derivative worked out by hand" if name == "hand" else "value"
        if not isinstance(given, Mapping):
            raise TypeError(
                f"compare: {name} must be a dict of name -> {what}, such as {example}, "
                f"got {type(given).__name__}"
            )
        for key in given:
            if not isinstance(key, str):
                raise TypeError(
                    f"compare: the keys of {name} must be names (str), got {type(key).__name__} "
                    f"{key!r}"
                )
    if not callable(function):
        raise TypeError(f"compare: function must be callable, got {type(function).__name__}")
    if isinstance(eps, bool) or not isinstance(eps, Real) or not 0 < eps < 1:
        raise ValueError(f"compare: eps must be a number in (0, 1), such as 1e-6, got {eps!r}")


def _is_array(value: object) -> bool:
    """An argument or hand value given as an array (numpy, a Tensor or nested lists)."""
    return isinstance(value, (np.ndarray, Tensor, list, tuple))


def _argument(name: str, value: Any, arrays: bool) -> Value | Tensor:
    """A fresh labelled leaf for argument `name` of a compared function."""
    if arrays:
        return leaf(name, value.data if isinstance(value, Tensor) else value, True)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"compare: at[{name!r}] must be a number or an array, got {type(value).__name__}"
        )
    return leaf(name, float(value), False)


def _function_point(
    function: Callable[..., Value | Tensor],
    at: Mapping[str, Any],
    hand: Mapping[str, Any],
    batch_size: int | None,
    arrays: bool,
) -> tuple[Point, str]:
    """Call `function` on fresh labelled leaves for `at`: the `Point` of its labelled nodes
    (the keys of `hand` that are arguments as its parameters) and the output's label."""
    leaves = {name: _argument(name, value, arrays) for name, value in at.items()}
    try:
        inspect.signature(function).bind(**leaves)
    except TypeError as error:  # the function's parameters are not the names in `at`
        raise TypeError(
            f"compare: the function cannot be called with the arguments named in at "
            f"({some_of(at) or 'none'}): {error}; it must take one argument per entry of "
            "at, by those names"
        ) from None
    except ValueError:  # no signature to read (some built-ins): calling it will tell
        pass
    output = function(**leaves)
    kind = Tensor if arrays else Value
    if not isinstance(output, kind):
        raise TypeError(
            f"compare: the function must return a {kind.__name__} (the output node"
            f"{', as the arguments are Tensors' if arrays else ''}), got {type(output).__name__}"
        )
    if arrays and output.size != 1:
        raise ValueError(
            f"compare: the function must return a one-entry Tensor (a loss), got shape "
            f"{output.shape}; reduce it (.sum(), .mean())"
        )
    if output.label is None:
        output.named("output")
    nodes: dict[str, Any] = {}
    for n in topological_order(output):
        if n.label is not None:
            nodes.setdefault(n.label, n)
    parameters = [k for k in hand if k in at]
    equations = [label for label, n in nodes.items() if n.parents]
    functions = function_table(arrays)
    point = Point(nodes, parameters, batch_size, equations, functions)
    return point, output.label  # type: ignore[return-value]


def _finite_difference(
    function: Callable[..., Value | Tensor],
    at: Mapping[str, Any],
    arrays: bool,
    node: str,
    wrt: str,
    eps: float,
) -> Number:
    """d(node)/d(wrt) by `autograd.gradcheck`'s central differences, the other arguments
    held at their values (NaN where the function fails at x ± h)."""

    def of(x: Value | Tensor) -> Value | Tensor:
        arguments = {n: x if n == wrt else _argument(n, v, arrays) for n, v in at.items()}
        with enable_grad():  # an inner node is found by walking the graph
            output = function(**arguments)
        if (output.label or "output") == node:
            return output
        for inner in topological_order(output):
            if inner.label == node:
                return inner
        raise ValueError(f"compare: no node labelled {node!r}")

    (gradient,) = numeric_gradient(of, _argument(wrt, at[wrt], arrays), eps=eps, where="compare")
    return as_number(gradient)


def _disagreements(
    hand: np.ndarray, computed: Number, fd: Number | None, rtol: float
) -> tuple[Disagreement, ...]:
    """The entries where an array hand value is not within `rtol` of autodiff (none when
    the shapes differ: the shape is then what is wrong)."""
    if np.shape(hand) != np.shape(computed):
        return ()
    off = ~close_entries(hand, computed, rtol)
    return tuple(
        Disagreement(
            tuple(int(i) for i in index),
            float(np.asarray(hand)[index]),
            float(np.asarray(computed)[index]),
            None if fd is None else float(np.asarray(fd)[index]),
        )
        for index in zip(*np.nonzero(off))
    )


def _hand_number(key: str, value: HandValue) -> tuple[Number, int | None]:
    """A hand value and the decimals it shows; None for an array (judged to a tolerance)."""
    if isinstance(value, bool):
        raise TypeError(f"compare: hand value for {key!r} must be a number, got a bool")
    if _is_array(value):
        try:
            array = np.array(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"compare: hand value for {key!r} is not an array of numbers"
            ) from None
        if not np.all(np.isfinite(array)):
            raise ValueError(f"compare: hand value for {key!r} has entries that are not finite")
        return array, None
    if isinstance(value, (str, Decimal)):
        try:
            number = float(Decimal(str(value).strip()))
        except Exception:
            raise ValueError(
                f"compare: hand value for {key!r} is not a number: {value!r}"
            ) from None
    elif isinstance(value, Integral):
        number = float(Decimal(int(value)))  # inf for an int beyond float's range
    elif isinstance(value, Real):  # float, numpy float32/float64, Fraction
        number = float(value)
    else:
        raise TypeError(
            f"compare: hand value for {key!r} must be a number, got {type(value).__name__}"
        )
    if not math.isfinite(number):
        shown = "an integer too large for a float" if isinstance(value, Integral) else repr(value)
        raise ValueError(
            f"compare: hand value for {key!r} is {shown}, not a finite number; give the "
            "derivative worked out by hand, such as 4.0 or '0.0850'"
        )
    if isinstance(value, (str, Decimal, np.floating)):
        text = str(value)  # for a numpy float, the shortest text that reads back in its dtype
    elif isinstance(value, Integral):
        text = str(int(value))
    else:
        text = repr(float(value))
    decimals = shown_decimals(text)
    if not abs(decimals) <= MAX_EXPONENT:  # 0e400 would be shown to a unit of inf
        raise ValueError(
            f"compare: hand value for {key!r} ({abbreviated(text)}) shows its last digit at "
            f"10**{-decimals}, beyond 10**±{MAX_EXPONENT}; write it with an exponent of everyday "
            "size"
        )
    return number, decimals
