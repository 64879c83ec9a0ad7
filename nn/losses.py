"""Losses of one example: a network's outputs against the targets.

Outputs are a sequence of `Value` s (an `MLP`'s list); targets are numbers or `Value` s,
one per output. Each loss returns one `Value`; label it for explanations
(``half_squared_error(o, t).named("J")``) and average over a batch with
``sum_values(losses) / len(losses)``.

- `half_squared_error`: J = 1/2 sum_k (o_k - t_k)^2, seeds 000-002; dJ/do_k = o_k - t_k.
- `sum_squared_error`: L = sum_k (o_k - t_k)^2, seed 003 (which calls it "mean squared
  error" but writes a sum); dL/do_k = 2 (o_k - t_k).
- `mean_squared_error`: L = 1/n sum_k (o_k - t_k)^2, PyTorch's ``mse_loss``.
- `binary_cross_entropy`: L = -1/n sum_k [t_k log o_k + (1 - t_k) log(1 - o_k)] for
  probabilities o_k.
- `binary_cross_entropy_with_logits`: the same with o_k = sigmoid(z_k), computed from the
  logits z_k, stable for any z.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

from autograd.value import Operand, Value, sum_values

BCE_EPSILON = 1e-12
"""`binary_cross_entropy` clips probabilities to [BCE_EPSILON, 1 - BCE_EPSILON]."""


def half_squared_error(outputs: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """J = 1/2 ||o - t||^2, seed 000's cost: its gradient is o - t."""
    return 0.5 * _sum_of_squares(outputs, targets, "half_squared_error")


def sum_squared_error(outputs: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """L = ||o - t||^2 without the 1/2 (seed 003): its gradient is 2 (o - t)."""
    return _sum_of_squares(outputs, targets, "sum_squared_error")


def mean_squared_error(outputs: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """L = ||o - t||^2 / n over the n outputs (PyTorch's ``mse_loss``)."""
    return _sum_of_squares(outputs, targets, "mean_squared_error") / len(outputs)


def binary_cross_entropy(
    outputs: Sequence[Value], targets: Sequence[Operand], *, epsilon: float = BCE_EPSILON
) -> Value:
    """L = -1/n sum_k [t_k log o_k + (1 - t_k) log(1 - o_k)] for probabilities o_k in [0, 1].

    A sigmoid saturates to exactly 0 or 1 in floating point (sigmoid(40) == 1.0), where a
    logarithm is infinite. Each o_k is therefore clipped to [epsilon, 1 - epsilon] first:
    a clipped output gives a finite loss (at most -log(epsilon), about 27.6) and, like a
    clamp, passes no gradient back. To keep the gradient in that regime, feed the net
    inputs to `binary_cross_entropy_with_logits` instead. Outputs outside [0, 1] are an
    error (they are not probabilities: the network probably lacks its output sigmoid).
    """
    if not 0 < epsilon < 0.5:
        raise ValueError(f"binary_cross_entropy: epsilon must be in (0, 0.5), got {epsilon!r}")
    pairs = _pairs(outputs, targets, "binary_cross_entropy")
    terms = []
    for k, (o, t) in enumerate(pairs, start=1):
        if not 0.0 <= o.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: output {k} is {o.data:g}, not a probability in [0, 1]; "
                "use a sigmoid output, or binary_cross_entropy_with_logits on the net input"
            )
        p = _clip(o, epsilon)
        terms.append(t * p.log() + (1 - t) * (1 - p).log())
    return -sum_values(terms) / len(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """Binary cross-entropy of sigmoid(z_k) against t_k, computed from the logits z_k.

    Uses L_k = max(z, 0) - z t + log(1 + e^-|z|), which never overflows and keeps the
    gradient sigmoid(z) - t for any z; the branch is chosen by the sign of z, each branch
    being the exact, smooth formula on its side (so z = 0 gets the gradient 1/2 - t).
    """
    terms = []
    for z, t in _pairs(logits, targets, "binary_cross_entropy_with_logits"):
        if z.data >= 0:
            terms.append(z - z * t + (1 + (-z).exp()).log())
        else:
            terms.append(-z * t + (1 + z.exp()).log())
    return sum_values(terms) / len(terms)


def _sum_of_squares(outputs: Sequence[Value], targets: Sequence[Operand], name: str) -> Value:
    return sum_values((o - t) ** 2 for o, t in _pairs(outputs, targets, name))


def _clip(p: Value, epsilon: float) -> Value:
    """`p` itself inside [epsilon, 1 - epsilon]; otherwise the bound, as a constant."""
    if p.data < epsilon:
        return Value(epsilon, "clipped")
    if p.data > 1.0 - epsilon:
        return Value(1.0 - epsilon, "clipped")
    return p


def _pairs(
    outputs: Sequence[Value], targets: Sequence[Operand], name: str
) -> list[tuple[Value, Operand]]:
    """Outputs and targets paired up, after checking they are what a scalar loss takes."""
    if isinstance(outputs, Value) or isinstance(targets, Value):
        raise TypeError(f"{name}: pass lists, one entry per output ([o1], [t1]), not one Value")
    outputs, targets = list(outputs), list(targets)
    if not outputs:
        raise ValueError(f"{name}: no outputs")
    if len(outputs) != len(targets):
        raise ValueError(
            f"{name}: {len(outputs)} outputs but {len(targets)} targets; they must pair up"
        )
    for k, o in enumerate(outputs, start=1):
        if not isinstance(o, Value):
            raise TypeError(
                f"{name}: output {k} is a {type(o).__name__}, not a Value; "
                "pass the network's outputs"
            )
    for k, t in enumerate(targets, start=1):
        if not isinstance(t, Value) and not (isinstance(t, Real) and math.isfinite(t)):
            raise TypeError(f"{name}: target {k} must be a finite number or a Value, got {t!r}")
    return list(zip(outputs, targets))
