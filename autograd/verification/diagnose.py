"""What a mistaken hand derivation of a derivative commonly gives, computed at a point.

`verify` and `compare` explain a wrong claimed d(node)/d(wrt) by matching it against
these candidates, each a value and the story of the mistake that gives it:

- a constant multiple of the truth: 2 or 1/2 (the 1/2 of a squared error, the 2 of a
  square), -1 (``y - o`` for ``o - y``), -2, -1/2, the batch size or its inverse (a sum
  where the loss takes the mean, or the reverse);
- one path's product alone where the chain rule sums several (a dropped path);
- the chain rule with one activation's derivative left out;
- the derivative without an L2 regularization term the node contains, or with one it
  does not contain (`Point.l2_terms`);
- the derivative for the transposed index (``w_01`` for ``w_10``), or the transpose of a
  matrix derivative.

`transpositions` lists the ways to transpose one matrix of a formula, for a formula
that holds once a matrix in it is transposed. Paths and activations need scalar graphs
(`autograd.chain` walks `Value` graphs); the rest work for `Tensor` graphs too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from ..chain import ChainRuleError, chain_rule, node_name
from ..graph import local_derivatives
from ..value import Value
from .budget import WALK_COST
from .point import Point
from .quantities import Number, brief_value

_INDEXED = (re.compile(r"(.*_)(\d+)_(\d+)"), re.compile(r"(.*?)(\d)(\d)"))


@dataclass(frozen=True)
class Candidate:
    """A value a mistaken hand derivation commonly gives: its identity, its story, its value."""

    key: str
    text: str
    value: Number


def candidates(point: Point, node: str, wrt: str) -> list[Candidate]:
    """What a mistaken hand derivation of d(node)/d(wrt) commonly gives, computed at `point`.

    A claim matching a candidate's value is diagnosed with the candidate's text.
    """
    truth = point.derivative(node, wrt)
    root, target = point.nodes[node], point.nodes[wrt]
    scalar = isinstance(root, Value)  # paths and activations: chain_rule walks scalar graphs
    return [
        *_ratios(point, truth),
        *(_single_paths(point, node, target, truth) if scalar else ()),
        *(_missing_activations(point, node, target, truth) if scalar else ()),
        *_regularization(point, node, wrt, truth),
        *_transposed(point, node, wrt),
        *_transposed_matrix(truth),
    ]


def _paths(point: Point, node: str, target: Value, labelled_only: bool) -> list[Any]:
    """The chain rule's paths from `target` to `node` ([] when there are too many), their
    walk and their factors counted against the point's budget."""
    point.spend(WALK_COST * point.graph_size(node), "diagnosing wrong claims")
    try:
        rule = chain_rule(point.nodes[node], target, labelled_only=labelled_only)
    except ChainRuleError:
        return []
    point.spend(sum(len(path.factors) for path in rule.paths), "diagnosing wrong claims")
    return list(rule.paths)


RATIOS = (
    (2.0, "is twice the correct value {truth}: a factor 2 too many (the 1/2 of a squared "
          "error dropped, or a term counted twice)"),
    (0.5, "is half the correct value {truth}: a factor 2 missing (the 2 from differentiating "
          "a square, or a 1/2 applied twice)"),
    (-1.0, "is the correct value {truth} with its sign flipped: (y - o) where the derivative "
           "needs (o - y)"),
    (-2.0, "is -2 times the correct value {truth}: a flipped sign and a factor 2"),
    (-0.5, "is -1/2 times the correct value {truth}: a flipped sign and a missing factor 2"),
)  # fmt: skip


def _ratios(point: Point, truth: Number) -> list[Candidate]:
    """The truth times 2, 1/2, -1, -2, -1/2 and the batch size or its inverse."""
    if not np.any(truth):
        return []
    ratios = list(RATIOS)
    n = point.batch_size
    if n and n > 1:
        ratios += [
            (float(n), f"is {n} times the correct value {{truth}} ({n} = the batch size): a "
                       "sum over the batch where the loss takes the mean"),
            (1.0 / n, f"is 1/{n} of the correct value {{truth}} ({n} = the batch size): a "
                      "mean over the batch where the loss sums"),
        ]  # fmt: skip
    shown = brief_value(truth, 4)
    return [Candidate(f"ratio {r!r}", text.format(truth=shown), r * truth) for r, text in ratios]


def _single_paths(point: Point, node: str, target: Value, truth: float) -> list[Candidate]:
    """Each path's product alone, when the chain rule sums several paths (a dropped path)."""
    paths = _paths(point, node, target, labelled_only=True)
    if len(paths) < 2:
        return []
    out = []
    for path in paths:
        route = " ← ".join([node, *(node_name(f.parent) for f in path.factors)])
        out.append(
            Candidate(
                f"path {route}",
                f"equals the product along one path only ({route} = "
                f"{brief_value(path.product, 4)}); the chain rule sums {len(paths)} paths "
                f"(total {brief_value(truth, 4)}): a dropped path",
                path.product,
            )
        )
    return out


def _missing_activations(point: Point, node: str, target: Value, truth: float) -> list[Candidate]:
    """The chain rule with one activation's derivative left out (set to 1 on every path).

    Each path's product without one factor comes from the products of the factors before
    and after it, so the whole is linear in the paths' lengths."""
    activations: dict[int, Value] = {}
    change: dict[int, float] = {}  # activation -> the sum changes by this without its factor
    for path in _paths(point, node, target, labelled_only=False):
        values = [f.value for f in path.factors]
        after = [1.0] * (len(values) + 1)
        for i in range(len(values) - 1, -1, -1):
            after[i] = after[i + 1] * values[i]
        before = 1.0
        for i, f in enumerate(path.factors):
            made_by = ops.of_node(f.child)
            if made_by is not None and made_by.activation:  # a derivative easy to leave out
                activations.setdefault(f.child.node_id, f.child)
                key = f.child.node_id
                change[key] = change.get(key, 0.0) + before * after[i + 1] - after[0]
            before *= values[i]
    out = []
    for rank, (key, act) in enumerate(sorted(activations.items())):
        name, argument = node_name(act), node_name(act.parents[0])
        local = local_derivatives(act)[0]
        out.append(
            Candidate(
                f"activation {rank}",  # node ids differ between points; ranks do not
                f"lacks the factor {act.op}'({argument}) = {brief_value(local, 4)} at {name}: the "
                f"activation's derivative is missing (with it: {brief_value(truth, 4)})",
                truth + change[key],
            )
        )
    return out


def _regularization(point: Point, node: str, wrt: str, truth: Number) -> list[Candidate]:
    """The derivative without an L2 term that `node` contains, or plus one it does not."""
    out = []
    within = point.gradients(node)
    for name in sorted(point.l2_terms()):
        if name in (node, wrt) or np.size(point.value(name)) != 1:
            continue
        through = point.derivative(name, wrt)
        if not np.any(through):
            continue
        if name in within:
            part = float(np.sum(within[name])) * through
            out.append(
                Candidate(
                    f"without {name}",
                    f"leaves out the regularization term {name} (its part of d{node}/d{wrt} is "
                    f"{brief_value(part, 4)}; with it: {brief_value(truth, 4)})",
                    truth - part,
                )
            )
        else:
            out.append(
                Candidate(
                    f"plus {name}",
                    f"adds the regularization gradient d{name}/d{wrt} = "
                    f"{brief_value(through, 4)}, but {node} does not contain {name}",
                    truth + through,
                )
            )
    return out


def _transposed(point: Point, node: str, wrt: str) -> list[Candidate]:
    """d(node)/d(wrt') where wrt' is `wrt` with its two indices swapped (w_01 -> w_10)."""
    _, swapped = _swap_indices(wrt) or ("", "")
    gradients = point.gradients(node)
    if swapped not in gradients or swapped not in point.parameters:
        return []
    return [
        Candidate(
            f"transposed {swapped}",
            f"equals d{node}/d{swapped} ({brief_value(gradients[swapped], 4)}): the transposed "
            f"index ({swapped} for {wrt})",
            gradients[swapped],
        )
    ]


def _transposed_matrix(truth: Number) -> list[Candidate]:
    """The transpose of a matrix derivative (a change matrix written the other way round)."""
    if np.ndim(truth) != 2:
        return []
    return [
        Candidate(
            "transpose",
            f"is the transpose of the correct {truth.shape[0]}x{truth.shape[1]} matrix: "
            "a transposed matrix",
            truth.T,
        )
    ]


def _swap_indices(name: str) -> tuple[str, str] | None:
    """(matrix prefix, `name` with its two trailing indices swapped): w2_01 -> ("w2_", w2_10),
    w_1_2 -> ("w_", w_2_1); None for a name without two different indices."""
    for pattern, separator in zip(_INDEXED, ("_", "")):
        match = pattern.fullmatch(name)
        if match:
            prefix, i, j = match.groups()
            return None if i == j else (prefix, f"{prefix}{j}{separator}{i}")
    return None


def transpositions(
    names: Sequence[str], point: Point
) -> list[tuple[str, Callable[[Point], dict[str, Any]]]]:
    """Each way to transpose one matrix of a formula: (what is transposed, a function giving
    the nodes to use instead at a point). A matrix is a 2-D array node, or a family of
    scalars named with two indices (w2_01, w2_10, ...)."""
    out: list[tuple[str, Callable[[Point], dict[str, Any]]]] = []
    groups: dict[str, dict[str, str]] = {}
    for name in names:
        if name in point.nodes and np.ndim(point.value(name)) == 2:
            out.append(
                (
                    f"{name} transposed ({name}.T in place of {name})",
                    lambda p, name=name: {name: p.nodes[name].T},
                )
            )
        prefix, swapped = _swap_indices(name) or ("", "")
        if swapped in point.nodes:
            groups.setdefault(prefix, {})[name] = swapped
            groups[prefix][swapped] = name
    for prefix, swap in sorted(groups.items()):
        pairs = ", ".join(f"{a} ↔ {b}" for a, b in sorted(swap.items()) if a < b)
        out.append(
            (
                f"{prefix.rstrip('_')}'s indices transposed ({pairs})",
                lambda p, swap=swap: {a: p.nodes[b] for a, b in swap.items()},
            )
        )
    return out
