"""Losses: a network's outputs against the targets, for `Value` lists and `Tensor` batches.

**Scalar** (`Value`): the outputs of one example are a sequence of Values (an `MLP`'s
list); targets are numbers or Values, one per output. Each loss returns one `Value`;
label it for explanations (``half_squared_error(o, t).named("J")``) and average over a
batch with ``sum_values(losses) / len(losses)``.

**Tensor**: the outputs are a `Tensor` of shape (N, K), one row per example (a 1-D
tensor of shape (K,) is one example); targets are an array or Tensor of the same shape
(class labels for `softmax_cross_entropy`). Each row's loss is exactly the scalar
function's, and ``reduction`` combines the rows: ``"mean"`` (the default, PyTorch's: the
gradient does not grow with the batch size) or ``"sum"``. For one example, including a
list of Values, both give the same number.

- `half_squared_error`: J = 1/2 sum_k (o_k - t_k)^2, seeds 000-002; dJ/do_k = o_k - t_k.
  With ``"mean"`` over a batch this is Nielsen's quadratic cost C = 1/(2n) sum_x ||y - a||^2.
- `sum_squared_error`: L = sum_k (o_k - t_k)^2, seed 003 (which calls it "mean squared
  error" but writes a sum); dL/do_k = 2 (o_k - t_k). With ``"sum"`` over a batch: seed
  003's loss summed over its four examples.
- `mean_squared_error`: L = 1/K sum_k (o_k - t_k)^2, PyTorch's ``mse_loss`` (with
  ``"mean"`` over a batch, the mean over all N K entries, as PyTorch's; with ``"sum"``, the
  sum of the rows' means, which is PyTorch's ``reduction="sum"`` divided by K).
- `binary_cross_entropy`: L = -1/K sum_k [t_k log o_k + (1 - t_k) log(1 - o_k)] for
  probabilities o_k.
- `binary_cross_entropy_with_logits`: the same with o_k = sigmoid(z_k), computed from the
  logits z_k, stable for any z.
- `softmax_cross_entropy`: L_i = -log(e^{z_y} / sum_j e^{z_j}) for the scores z of an
  example of class y (seed 004's L_i); dL_i/dz_k = p_k - 1(y = k) with p = softmax(z).
  With ``"sum"`` over a batch: seed 004's data loss L_d; with ``"mean"``: its L_d / N.
- `l2_penalty`: alpha/2 * sum w^2 over the parameters given (seed 004's L_r).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

import numpy as np
from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.tensor import Tensor, constant, leaf_array
from chaingrad.autograd.tensor_ops import cross_entropy, squared_error, stack
from chaingrad.autograd.value import Operand, Value, sum_values

BCE_EPSILON = 1e-12
"""`binary_cross_entropy` clips probabilities to [BCE_EPSILON, 1 - BCE_EPSILON]."""

REDUCTIONS = ("mean", "sum")
"""How a Tensor loss combines the examples of a batch."""

Outputs = Sequence[Value] | Tensor
Targets = Sequence[Operand] | Tensor | np.ndarray


def half_squared_error(outputs: Outputs, targets: Targets, *, reduction: str = "mean") -> Any:
    """J = 1/2 ||o - t||^2, seed 000's cost: its gradient is o - t."""
    if isinstance(outputs, Tensor):
        return _tensor_squares(outputs, targets, reduction, "half_squared_error", 0.5)
    _check_reduction(reduction, "half_squared_error")
    return 0.5 * _sum_of_squares(outputs, targets, "half_squared_error")


def sum_squared_error(outputs: Outputs, targets: Targets, *, reduction: str = "mean") -> Any:
    """L = ||o - t||^2 without the 1/2 (seed 003): its gradient is 2 (o - t)."""
    if isinstance(outputs, Tensor):
        return _tensor_squares(outputs, targets, reduction, "sum_squared_error", 1.0)
    _check_reduction(reduction, "sum_squared_error")
    return _sum_of_squares(outputs, targets, "sum_squared_error")


def mean_squared_error(outputs: Outputs, targets: Targets, *, reduction: str = "mean") -> Any:
    """L = ||o - t||^2 / K over the K outputs (PyTorch's ``mse_loss``)."""
    if isinstance(outputs, Tensor):
        return _tensor_squares(
            outputs, targets, reduction, "mean_squared_error", 1.0, per_output=True
        )
    _check_reduction(reduction, "mean_squared_error")
    return _sum_of_squares(outputs, targets, "mean_squared_error") / len(outputs)


def binary_cross_entropy(
    outputs: Outputs,
    targets: Targets,
    *,
    epsilon: float = BCE_EPSILON,
    reduction: str = "mean",
) -> Any:
    """L = -1/K sum_k [t_k log o_k + (1 - t_k) log(1 - o_k)] for probabilities o_k in [0, 1].

    A sigmoid saturates to exactly 0 or 1 in floating point (sigmoid(40) == 1.0), where a
    logarithm is infinite. Each o_k is therefore clipped to [epsilon, 1 - epsilon] first:
    a clipped output gives a finite loss (at most -log(epsilon), about 27.6) and, like a
    clamp, passes no gradient back. To keep the gradient in that regime, feed the net
    inputs to `binary_cross_entropy_with_logits` instead. Outputs outside [0, 1] are an
    error (they are not probabilities: the network probably lacks its output sigmoid), and
    so are targets outside [0, 1] (they are probabilities or 0/1 labels).
    """
    name = "binary_cross_entropy"
    if isinstance(epsilon, bool) or not isinstance(epsilon, Real) or not 0 < epsilon < 0.5:
        raise ValueError(f"{name}: epsilon must be a number in (0, 0.5), got {epsilon!r}")
    if isinstance(outputs, Tensor):
        scale = _batch_scale(outputs, reduction, name, per_output=True)
        t = _probability_targets(outputs, targets, name)
        p = outputs.data
        outside = (p < 0) | (p > 1)
        if outside.any():
            first = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValueError(
                f"{name}: output {first} is {p[first]:g}, not a probability in [0, 1] "
                f"({int(outside.sum())} such outputs); use a sigmoid output, or "
                "binary_cross_entropy_with_logits on the net input"
            )
        kept = (p >= epsilon) & (p <= 1.0 - epsilon)
        clipped = outputs
        if not kept.all():  # a clipped entry becomes a constant bound: no gradient
            bounds = np.where(p < epsilon, epsilon, 1.0 - epsilon) * ~kept
            clipped = outputs * kept.astype(p.dtype) + bounds.astype(p.dtype)
        terms = t * clipped.log() + (1 - t) * (1 - clipped).log()
        return terms.sum() * -scale
    _check_reduction(reduction, name)
    pairs = _probability_pairs(outputs, targets, name)
    terms = []
    for k, (o, t) in enumerate(pairs, start=1):
        if not 0.0 <= o.data <= 1.0:
            raise ValueError(
                f"{name}: output {k} is {o.data:g}, not a probability in [0, 1]; "
                "use a sigmoid output, or binary_cross_entropy_with_logits on the net input"
            )
        p = _clip(o, epsilon)
        terms.append(t * p.log() + (1 - t) * (1 - p).log())
    return -sum_values(terms) / len(terms)


def binary_cross_entropy_with_logits(
    logits: Outputs, targets: Targets, *, reduction: str = "mean"
) -> Any:
    """Binary cross-entropy of sigmoid(z_k) against t_k, computed from the logits z_k.

    Both forms compute L_k = log(1 + e^z) - z t, never overflowing and with the gradient
    sigmoid(z) - t for any z. A Value uses L_k = max(z, 0) - z t + log(1 + e^-|z|), the
    branch chosen by the sign of z, each branch the exact, smooth formula on its side
    (so z = 0 gets the gradient 1/2 - t); a Tensor takes log(1 + e^z) as the
    log-sum-exp of (0, z), which is smooth everywhere. Targets must lie in [0, 1]
    (outside it the loss can be negative and means nothing).
    """
    name = "binary_cross_entropy_with_logits"
    if isinstance(logits, Tensor):
        scale = _batch_scale(logits, reduction, name, per_output=True)
        t = _probability_targets(logits, targets, name)
        softplus = stack([np.zeros_like(logits.data), logits]).logsumexp(axis=0)
        return (softplus - logits * t).sum() * scale
    _check_reduction(reduction, name)
    terms = []
    for z, t in _probability_pairs(logits, targets, name):
        if z.data >= 0:
            terms.append(z - z * t + (1 + (-z).exp()).log())
        else:
            terms.append(-z * t + (1 + z.exp()).log())
    return sum_values(terms) / len(terms)


def softmax_cross_entropy(
    logits: Outputs,
    labels: int | Sequence[int] | np.ndarray,
    *,
    reduction: str = "mean",
) -> Any:
    """L_i = -log softmax(z)_y: the scores z of an example of class y (seed 004's L_i).

    dL_i/dz_k = p_k - 1(y = k), with p = softmax(z). A Tensor of scores (N, C) takes N
    integer labels in [0, C) and uses autograd's fused, stable `cross_entropy` (a 1-D
    tensor (C,) is one example, with one label); a list of C Values takes one label and
    is computed as log(sum_j e^(z_j - m)) + m - z_y, with m the largest score (a constant
    shift that keeps every exponent <= 0).
    """
    name = "softmax_cross_entropy"
    if isinstance(logits, Tensor):
        _check_reduction(reduction, name)
        if logits.ndim == 1:
            logits = logits.reshape(1, -1)
            labels = np.reshape(np.asarray(labels), (-1,))
        loss = cross_entropy(logits, labels)  # the mean over the batch
        return loss if reduction == "mean" else loss * logits.shape[0]
    _check_reduction(reduction, name)
    scores = _values(logits, name)
    if isinstance(labels, bool) or not isinstance(labels, (int, np.integer)):
        raise TypeError(
            f"{name}: a list of Value scores is one example and takes one integer label, "
            f"got {labels!r}"
        )
    if not 0 <= labels < len(scores):
        raise ValueError(
            f"{name}: label {labels} is not a class of the {len(scores)} scores "
            f"(labels are 0 to {len(scores) - 1})"
        )
    m = max(z.data for z in scores)
    return sum_values((z - m).exp() for z in scores).log() + m - scores[labels]


def l2_penalty(params: Iterable[Any], alpha: float) -> Any:
    """alpha/2 * sum w^2 over every entry of `params` (seed 004's L_r); its gradient is alpha w.

    Pass ``model.parameters()`` to penalize every weight and bias, as seed 004 does with
    its biases folded into the weights, or only the weight matrices, as Nielsen does. His
    "L2 regularization" term is lambda/(2n) sum w^2 with n the size of the training set,
    which is this penalty with alpha = lambda / n. Adding it to the loss and taking plain
    gradient steps is the same as `nn.optim.SGD` with ``weight_decay=alpha`` (whose
    update adds alpha w to the gradient). Parameters are all Tensors (the result is a
    one-entry Tensor) or all Values (the result is a Value).
    """
    if isinstance(params, (Tensor, Value)):
        raise TypeError("l2_penalty: pass a list of parameters ([W1, W2]), not one node")
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"l2_penalty: params must be a list of parameters, got {type(params).__name__}; "
            "pass model.parameters()"
        )
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: no parameters given")
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 <= alpha < math.inf:
        raise ValueError(f"l2_penalty: alpha must be a finite number >= 0, got {alpha!r}")
    if all(isinstance(w, Tensor) for w in params):
        total = (params[0] ** 2).sum()
        for w in params[1:]:
            total = total + (w**2).sum()
        return total * (alpha / 2)
    if all(isinstance(w, Value) for w in params):
        return (alpha / 2) * sum_values(w * w for w in params)
    kinds = sorted({type(w).__name__ for w in params})
    raise TypeError(
        f"l2_penalty: parameters must be all Tensors or all Values, got {', '.join(kinds)}; "
        "pass model.parameters()"
    )


# ----------------------------------------------------------------------------- Tensor helpers
def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _batch_scale(outputs: Tensor, reduction: str, name: str, *, per_output: bool) -> float:
    """1 / (the number the summed loss terms are divided by): N examples for a mean over
    the batch, times K outputs for a loss that is itself a mean over the outputs."""
    _check_reduction(reduction, name)
    if outputs.ndim not in (1, 2) or outputs.size == 0:
        raise ValueError(
            f"{name}: outputs must have shape (N, K) (N examples of K outputs) or (K,), "
            f"got {shape_text(outputs.shape)}"
        )
    examples = outputs.shape[0] if outputs.ndim == 2 and reduction == "mean" else 1
    return 1.0 / (examples * (outputs.shape[-1] if per_output else 1))


def _tensor_targets(outputs: Tensor, targets: Any, name: str) -> Tensor:
    """The targets as a Tensor of the outputs' shape and dtype (checked once), or an error."""
    if isinstance(targets, Tensor):
        t = targets
    else:
        t = constant(leaf_array(targets, outputs.dtype, f"{name}: targets"))  # the graph's own
    if t.shape != outputs.shape:
        hint = " (reshape them, e.g. y.reshape(-1, 1))" if t.size == outputs.size else ""
        raise ValueError(
            f"{name}: the outputs have shape {shape_text(outputs.shape)} but the targets "
            f"{shape_text(t.shape)}; they must match{hint}"
        )
    return t


def _probability_targets(outputs: Tensor, targets: Any, name: str) -> Tensor:
    """`_tensor_targets`, checked to lie in [0, 1] (probabilities or 0/1 labels)."""
    t = _tensor_targets(outputs, targets, name)
    values = t.data
    if values.min() < 0 or values.max() > 1:
        outside = (values < 0) | (values > 1)
        first = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{name}: target {first} is {values[first]:g}, not in [0, 1] ({int(outside.sum())} "
            f"of {values.size} targets are outside); targets are probabilities or 0/1 labels"
        )
    return t


def _tensor_squares(
    outputs: Tensor,
    targets: Any,
    reduction: str,
    name: str,
    factor: float,
    *,
    per_output: bool = False,
) -> Tensor:
    scale = factor * _batch_scale(outputs, reduction, name, per_output=per_output)
    return squared_error(outputs, _tensor_targets(outputs, targets, name), scale)


# ----------------------------------------------------------------------------- Value helpers
def _sum_of_squares(outputs: Sequence[Value], targets: Sequence[Operand], name: str) -> Value:
    return sum_values((o - t) ** 2 for o, t in _pairs(outputs, targets, name))


def _clip(p: Value, epsilon: float) -> Value:
    """`p` itself inside [epsilon, 1 - epsilon]; otherwise the bound, as a constant."""
    if p.data < epsilon:
        return Value(epsilon, "clipped")
    if p.data > 1.0 - epsilon:
        return Value(1.0 - epsilon, "clipped")
    return p


def _values(outputs: Sequence[Value], name: str) -> list[Value]:
    """The outputs of one example as a list, after checking they are Values."""
    if isinstance(outputs, np.ndarray):
        raise TypeError(
            f"{name}: outputs is a numpy array; wrap it as Tensor(outputs), or pass a list "
            "of Values for one example"
        )
    if isinstance(outputs, Value):
        raise TypeError(f"{name}: pass lists, one entry per output ([o1], [t1]), not one Value")
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Iterable):
        raise TypeError(
            f"{name}: outputs must be a Tensor or a list of Values, one per output ([o1]), "
            f"got {type(outputs).__name__} {outputs!r}"
        )
    outputs = list(outputs)
    if not outputs:
        raise ValueError(f"{name}: no outputs")
    for k, o in enumerate(outputs, start=1):
        if not isinstance(o, Value):
            raise TypeError(
                f"{name}: output {k} is a {type(o).__name__}, not a Value; "
                "pass the network's outputs"
            )
    return outputs


def _pairs(
    outputs: Sequence[Value], targets: Sequence[Operand], name: str
) -> list[tuple[Value, Operand]]:
    """Outputs and targets paired up, after checking they are what a scalar loss takes."""
    if isinstance(targets, Value):
        raise TypeError(f"{name}: pass lists, one entry per output ([o1], [t1]), not one Value")
    outputs = _values(outputs, name)
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Iterable):
        raise TypeError(
            f"{name}: targets must be a list, one per output ([t1]), "
            f"got {type(targets).__name__} {targets!r}"
        )
    targets = list(targets)
    if len(outputs) != len(targets):
        raise ValueError(
            f"{name}: {len(outputs)} outputs but {len(targets)} targets; they must pair up"
        )
    for k, t in enumerate(targets, start=1):
        if not isinstance(t, Value) and not (isinstance(t, Real) and math.isfinite(t)):
            raise TypeError(f"{name}: target {k} must be a finite number or a Value, got {t!r}")
    return list(zip(outputs, targets))


def _probability_pairs(
    outputs: Sequence[Value], targets: Sequence[Operand], name: str
) -> list[tuple[Value, Operand]]:
    """`_pairs`, with every target checked to lie in [0, 1] (a probability or a 0/1 label)."""
    pairs = _pairs(outputs, targets, name)
    for k, (_, t) in enumerate(pairs, start=1):
        number = t.data if isinstance(t, Value) else t
        if not 0 <= number <= 1:
            raise ValueError(
                f"{name}: target {k} is {number:g}, not in [0, 1]; targets are probabilities "
                "or 0/1 labels"
            )
    return pairs
