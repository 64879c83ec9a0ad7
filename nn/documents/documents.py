"""The networks of the seed documents, reproduced, and their formulas checked against autodiff.

Seeds 000 and 001 are built with `nn.scalar` and labelled in their notation. For each:
its network, with the numbers it gives (seed 000 gives none: its numbers are those of the
shipped case files in ``nn/documents``); every derivative it writes out, its formula
evaluated numerically next to autodiff and a central finite difference; and every number
it states, recomputed. Where the document is wrong, the result records the discrepancy
and the report prints it.

Seed 004 (`seed004_softmax`) is a batch computation: its D-H-K network is built with the
Tensor engine in the document's own orientation, and its matrix formulas are evaluated
in several readings against autodiff.

A formula is kept as a sum of products of `Factor` s, each a piece of text as the
document writes it and its number, so the formula printed is exactly the one evaluated.
The document's index choices are transcribed as written (tables below), so a wrong index
in the document would show up as a wrong number, not be silently corrected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from chaingrad.autograd.chain import explain
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.graph import is_leaf, topological_order, zero_grad
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate
from chaingrad.autograd.value import Value
from chaingrad.autograd.verification import load_case

from ..checks import UnknownNameError
from ..losses import half_squared_error, l2_penalty, softmax_cross_entropy
from ..optim import SGD
from ..scalar import ScalarMLP, Site, indexed_names

SHIPPED_CASE_FILES = Path(__file__).parent
"""The case files of the seed documents (``chaingrad verify``); seed 000's numbers live there."""

FORMULA_RTOL = 1e-12
"""A formula agrees with autodiff when they differ by at most this, relative (min. scale 1)."""
FD_RTOL = 1e-7
"""Autodiff is confirmed when a central difference agrees to this, relative (min. scale 1)."""
FD_STEP = 1e-6
"""The central-difference step, relative to the perturbed number (min. scale 1)."""

SEED000 = "Seed 000 (000_f44d84cc7ed9207d.txt)"
SEED001 = "Seed 001 (001_2a4271f74d52a17d.txt)"
SEED004 = "Seed 004 (004_78c956f54e3a30fb.txt)"


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Factor:
    """One factor of a formula: its text as the document writes it, and its number."""

    text: str
    value: float


@dataclass(frozen=True)
class Check:
    """A derivative: the formula's number next to autodiff and a central difference.

    `source` is ``"document"`` for a formula the document writes and ``"derived"`` for
    one derived here where the document gives none.
    """

    name: str
    formula: str
    by_formula: float
    by_autodiff: float
    by_finite_difference: float
    source: str = "document"
    note: str = ""

    @property
    def agrees(self) -> bool:
        """True when the formula and autodiff agree (to `FORMULA_RTOL`)."""
        return _close(self.by_formula, self.by_autodiff, FORMULA_RTOL)

    @property
    def autodiff_confirmed(self) -> bool:
        """True when autodiff and the central difference agree (to `FD_RTOL`)."""
        return _close(self.by_autodiff, self.by_finite_difference, FD_RTOL)

    def discrepancy(self) -> str | None:
        """A plain sentence saying how the formula is wrong, or None if it agrees."""
        if self.agrees:
            return None
        text = (
            f"{self.name}: the {self.source}'s formula {self.formula} gives "
            f"{self.by_formula:.8g}, but the derivative is {self.by_autodiff:.8g} "
            f"(autodiff; central difference {self.by_finite_difference:.8g})"
        )
        return f"{text}: {self.note}" if self.note else text

    def lines(self) -> list[str]:
        """The check as report lines."""
        mark = "agrees" if self.agrees else "DIFFERS"
        if not self.autodiff_confirmed:
            mark += ", AUTODIFF NOT CONFIRMED"
        tag = "" if self.source == "document" else f"  [{self.source}]"
        lines = [
            f"  {self.name} = {self.formula}{tag}",
            f"      formula {self.by_formula:.8g} | autodiff {self.by_autodiff:.8g} | "
            f"central difference {self.by_finite_difference:.8g}  {mark}",
        ]
        if self.note:
            lines.append(f"      note: {self.note}")
        return lines


@dataclass(frozen=True)
class Statement:
    """A number the document states (as written, e.g. ``"0.0850"``) and the number computed.

    They agree when the computed number rounds to the stated one at the stated number of
    decimals; a stated whole number (``"0"``, ``"1"``) is taken as exact.
    """

    name: str
    text: str
    stated: str
    computed: float
    how: str = "forward pass"

    @property
    def decimals(self) -> int:
        """How many decimals the document gives."""
        return len(self.stated.partition(".")[2])

    @property
    def agrees(self) -> bool:
        """True when the computed number, rounded as the document rounds, is the stated one."""
        tolerance = 0.5 * 10.0**-self.decimals if self.decimals else 0.0
        return abs(self.computed - float(self.stated)) <= tolerance + 1e-12

    def discrepancy(self) -> str | None:
        """A plain sentence giving the stated and the computed number, or None if they agree."""
        if self.agrees:
            return None
        rounded = f"{self.computed:.{self.decimals}f}"
        return (
            f"{self.name}: the document states {self.stated} ({self.text}); "
            f"by {self.how} it is {self.computed:.8g} ({rounded} to the decimals given)"
        )

    def lines(self) -> list[str]:
        """The statement as a report line."""
        mark = "agrees" if self.agrees else "DIFFERS"
        return [
            f"  {self.name}: {self.text}",
            f"      stated {self.stated} | {self.how}: {self.computed:.8g}  {mark}",
        ]


@dataclass(frozen=True)
class CaseResult:
    """One network of a document: forward values, the checks, and one gradient-descent step.

    `checks` are the derivatives (each with ``.agrees``); `statements` the stated numbers,
    if the document states any; `notes` what the numbers alone do not say.
    """

    title: str
    values: dict[str, float]
    loss_formula: str
    loss: float
    checks: list[Check]
    updated: dict[str, float]
    learning_rate: float
    loss_after: float
    update_rule: str = "w = w - gamma dJ/dw"
    statements: list[Statement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    explanation: str = ""

    @property
    def autodiff_verified(self) -> bool:
        """True when every autodiff derivative agrees with its central difference."""
        return all(c.autodiff_confirmed for c in self.checks)

    def discrepancies(self) -> list[str]:
        """One plain sentence per formula or stated number of the document that is wrong."""
        found = (item.discrepancy() for item in [*self.statements, *self.checks])
        return [text for text in found if text is not None]

    def report(self) -> str:
        """The case as text: numbers, derivatives checked, update, discrepancies, notes."""
        lines = [self.title, "", "Forward pass:"]
        lines += [f"  {k} = {v:.8g}" for k, v in self.values.items()]
        lines += ["", f"Error: {self.loss_formula} = {self.loss:.8g}"]
        if self.statements:
            lines += ["", "Numbers the document states (stated | recomputed):"]
            for statement in self.statements:
                lines += statement.lines()
        lines += ["", "Derivatives (formula | autodiff | central difference):"]
        for check in self.checks:
            lines += check.lines()
        if self.explanation:
            lines += ["", "The chain rule as the engine applied it (autograd.explain):"]
            lines += ["  " + line for line in self.explanation.splitlines()]
        lines += ["", f"Update {self.update_rule}, rate {self.learning_rate:g}:"]
        lines += [f"  {k}: {self.values[k]:.8g} -> {v:.8g}" for k, v in self.updated.items()]
        lines.append(f"  loss after the update: {self.loss_after:.8g} (before: {self.loss:.8g})")
        found = self.discrepancies()
        lines += ["", f"Discrepancies in the document: {len(found) or 'none'}"]
        lines += [f"  - {text}" for text in found]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {note}" for note in self.notes]
        verdict = "confirmed" if self.autodiff_verified else "NOT confirmed"
        lines += ["", f"Autodiff against central differences: {verdict} for every derivative."]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- engine side
class _Experiment:
    """A network, its inputs, targets and loss: values, autodiff and central differences by label.

    Every evaluation builds a fresh graph, so nothing carries over between them.
    """

    def __init__(
        self,
        net: ScalarMLP,
        inputs: Mapping[str, float],
        targets: Mapping[str, float],
        loss: Callable[[list[Value], list[Value]], Value],
        loss_label: str,
    ) -> None:
        self.net = net
        self.inputs = dict(inputs)
        self.targets = dict(targets)
        self.loss = loss
        self.loss_label = loss_label
        self._params = {p.label: p for p in net.parameters()}
        self._layer_of = {
            neuron.out_label: (k, j)
            for k, layer in enumerate(net.layers)
            for j, neuron in enumerate(layer.neurons)
        }

    def forward(self, start: int = 0, activations: Sequence[Value] | None = None) -> Value:
        """The loss node, from the inputs or from `activations` entering layer `start`."""
        xs = activations if activations is not None else self._leaves(self.inputs)
        for layer in self.net.layers[start:]:
            xs = layer(xs)
        return self.loss(xs, self._leaves(self.targets)).named(self.loss_label)

    def nodes(self, root: Value | None = None) -> dict[str, Value]:
        """Every labelled node of the graph of `root` (default: a fresh forward pass)."""
        order = topological_order(root if root is not None else self.forward())
        return {n.label: n for n in order if n.label is not None}

    def values(self) -> dict[str, float]:
        """The number of every labelled node after a forward pass."""
        return {label: node.data for label, node in self.nodes().items()}

    def derivative(self, of: str, wrt: str) -> float:
        """d(of)/d(wrt) by backprop (0 when `of` does not depend on `wrt`)."""
        nodes = self.nodes()
        root, target = nodes[of], nodes[wrt]
        order = topological_order(root)
        if not any(node is target for node in order):
            return 0.0
        zero_grad(node for node in order if is_leaf(node))
        root.backward()
        return target.grad

    def finite_difference(self, of: str, wrt: str) -> float:
        """d(of)/d(wrt) by a central difference: `wrt` moved, everything upstream held fixed.

        `wrt` is a parameter or a neuron's output; for a neuron's output the rest of its
        layer is held at its forward-pass values.
        """
        if wrt in self._params:
            param = self._params[wrt]
            return _central(lambda v: self._with(param, v, of), param.data)
        if wrt in self._layer_of:
            k, j = self._layer_of[wrt]
            values = self.values()
            layer = [n.out_label for n in self.net.layers[k].neurons]

            def evaluate(v: float) -> float:
                xs = [Value(v if i == j else values[lbl], lbl) for i, lbl in enumerate(layer)]
                return self.nodes(self.forward(k + 1, xs))[of].data

            return _central(evaluate, values[wrt])
        known = ", ".join([*self._params, *self._layer_of])
        raise UnknownNameError(
            f"finite_difference: {wrt!r} is neither a parameter nor a neuron output; the "
            f"names are: {known}"
        )

    def _leaves(self, numbers: Mapping[str, float]) -> list[Value]:
        return [Value(v, label) for label, v in numbers.items()]

    def _with(self, param: Value, v: float, of: str) -> float:
        saved = param.data
        param.data = v
        try:
            return self.nodes()[of].data
        finally:
            param.data = saved

    def check(
        self,
        of: str,
        wrt: str,
        terms: Sequence[Sequence[Factor]],
        *,
        source: str = "document",
        note: str = "",
    ) -> Check:
        """Evaluate a formula (a sum of products of factors) for d(of)/d(wrt) and check it."""
        text = " + ".join(" · ".join(f.text for f in term) for term in terms)
        value = math.fsum(math.prod(f.value for f in term) for term in terms)
        return Check(
            f"d{of}/d{wrt}",
            text,
            value,
            self.derivative(of, wrt),
            self.finite_difference(of, wrt),
            source,
            note,
        )

    def descend(self, learning_rate: float) -> tuple[dict[str, float], float]:
        """One step w = w - gamma dJ/dw on every parameter: (new values, loss after)."""
        root = self.forward()
        self.net.zero_grad()
        root.backward()
        SGD(self.net.parameters(), lr=learning_rate).step()
        return {label: p.data for label, p in self._params.items()}, self.forward().data


def _central(f: Callable[[float], float], x: float) -> float:
    h = FD_STEP * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2.0 * h)


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


# ----------------------------------------------------------------------------- seed 000
SEED000_CASES = {
    1: ((2, 1), "2 inputs, 0 hidden layers, one output"),
    2: ((2, 2), "2 inputs, 0 hidden layers, two output"),
    3: ((2, 2, 1), "2 inputs, 1 hidden layer with two nodes each, one output"),
    4: ((2, 2, 2), "2 inputs, 1 hidden layer with two nodes each, two output"),
    5: ((2, 2, 2, 1), "2 inputs, 2 hidden layer with two nodes each, one output"),
    6: ((2, 2, 2, 2), "2 inputs, 2 hidden layer with two nodes each, two output"),
}
"""Seed 000's six networks: sizes (inputs first) and the document's own title."""


class _Seed000Symbols:
    """Factors in seed 000's notation, with their numbers from a forward pass."""

    def __init__(self, sizes: tuple[int, ...], values: Mapping[str, float]) -> None:
        self.sizes = sizes
        self.values = values

    def label(self, kind: str, layer: int, neuron: int, i: int = 0) -> str:
        """The engine's label of a weight (``kind="weight"``, i = 0 for the bias) or output."""
        if kind == "weight" and i == 0:
            kind = "bias"
        text = indexed_names(Site(kind, layer, neuron, i, self.sizes))
        assert text is not None  # indexed names label every weight and output
        return text

    def w(self, i: int, j: int, layer: int) -> Factor:
        """The weight w_{ij}^{(layer)} (i = 0: the bias node's weight)."""
        name = self.label("weight", layer, j, i)
        return Factor(name, self.values[name])

    def x(self, i: int) -> Factor:
        """The input x_i (x_0 = 1 is the bias node)."""
        return Factor(f"x_{i}", 1.0 if i == 0 else self.values[f"x_{i}"])

    def h(self, i: int, layer: int) -> Factor:
        """Hidden node i of hidden layer `layer` (h_0 = 1 is the bias node)."""
        name = self.label("out", layer, i)
        return Factor(name, 1.0 if i == 0 else self.values[name])

    def one_minus(self, node: Factor) -> Factor:
        """(1 - node)."""
        return Factor(f"(1 - {node.text})", 1.0 - node.value)

    def slope(self, node: Factor) -> Factor:
        """node(1 - node): the sigmoid's derivative written through its output."""
        return Factor(f"{node.text}(1 - {node.text})", node.value * (1.0 - node.value))

    def o(self, k: int) -> Factor:
        """The output o_k."""
        return Factor(f"o_{k}", self.values[f"o_{k}"])

    def error(self, k: int) -> Factor:
        """(o_k - t_k), the derivative of J = 1/2 sum (o - t)^2 with respect to o_k."""
        return Factor(f"(o_{k} - t_{k})", self.values[f"o_{k}"] - self.values[f"t_{k}"])


def seed000_case(
    case: int,
    *,
    numbers: Mapping[str, float] | None = None,
    learning_rate: float = 0.5,
) -> CaseResult:
    """Seed 000's Case `case` (1-6): forward, every derivative it writes, one update.

    The document gives no numbers; they are those of the shipped case file
    ``nn/documents/seed000_case<case>.toml`` (see `seed000_numbers`), so this report,
    ``chaingrad verify`` and the drawings show the same network. `numbers` (by
    label, e.g. ``{"x_1": 0.5, "w_0": 0.35}``) overrides any of them. Case 6 has no
    formulas in the document: the correct ones are derived and checked.
    """
    if case not in SEED000_CASES:
        raise ValueError(f"seed000_case: case must be 1 to 6, got {case!r}")
    sizes, description = SEED000_CASES[case]
    drawn = seed000_numbers(case)
    given = dict(numbers or {})
    unknown = sorted(set(given) - set(drawn))
    if unknown:
        raise UnknownNameError(
            f"seed000_case: no number labelled {', '.join(unknown)} in Case {case}; "
            f"the labels are: {', '.join(drawn)}"
        )
    drawn.update(given)
    net, inputs, targets = seed000_network(case, drawn)
    experiment = _Experiment(net, inputs, targets, half_squared_error, "J")

    values = experiment.values()
    symbols = _Seed000Symbols(sizes, values)
    checks, notes = _SEED000_CHECKS[case](experiment, symbols)
    shown = {label: values[label] for label in [*inputs, *targets, *_network_labels(net)]}
    first_weight = net.layers[0].neurons[0].w[0].label
    explanation = explain(experiment.forward(), first_weight)
    updated, loss_after = experiment.descend(learning_rate)
    updated = {label: updated[label] for label in shown if label in updated}

    where = f"nn/documents/seed000_case{case}.toml"
    if not given:
        chosen = f"those of {where}"
    elif set(given) == set(drawn):
        chosen = "chosen by the caller"
    else:
        chosen = f"{', '.join(given)} chosen by the caller, the rest those of {where}"
    title = (
        f"{SEED000}, Case {case}: {description}\n"
        f"(the document gives no numbers: inputs, weights and targets are {chosen}; "
        f"bias node{'s x_0 = h_0' if len(sizes) > 2 else ' x_0'} = 1)"
    )
    n_out = sizes[-1]
    loss_formula = "J = " + " + ".join(f"0.5 (o_{k} - t_{k})^2" for k in range(1, n_out + 1))
    return CaseResult(
        title,
        shown,
        loss_formula,
        values["J"],
        checks,
        updated,
        learning_rate,
        loss_after,
        notes=notes,
        explanation=explanation,
    )


def seed000_cases(*, learning_rate: float = 0.5) -> list[CaseResult]:
    """All six cases of seed 000, with the numbers of their case files (see `seed000_case`)."""
    return [seed000_case(k, learning_rate=learning_rate) for k in SEED000_CASES]


def seed000_network(
    case: int, numbers: Mapping[str, float]
) -> tuple[ScalarMLP, dict[str, float], dict[str, float]]:
    """Case `case`'s sigmoid network in seed 000's notation, its weights set from `numbers`
    (by label, as `seed000_numbers` gives them), and its inputs and targets by label."""
    sizes, _ = SEED000_CASES[case]
    net = ScalarMLP(sizes, hidden="sigmoid", output="sigmoid", names="indexed")
    net.set_parameters({p.label: numbers[p.label] for p in net.parameters()})
    inputs = {f"x_{i}": numbers[f"x_{i}"] for i in range(1, sizes[0] + 1)}
    targets = {f"t_{k}": numbers[f"t_{k}"] for k in range(1, sizes[-1] + 1)}
    return net, inputs, targets


def seed000_numbers(case: int) -> dict[str, float]:
    """Case `case`'s inputs, targets and weights, by label, read from its shipped case file.

    The case file names them ``x1``, ``t1``, ``w0`` (Case 1), ``w01`` (Case 2) and
    ``w1_01`` (layer 1, from node 0 to node 1); here they are ``x_1``, ``t_1``,
    ``w_0``, ``w_{01}`` and ``w_{01}^{(1)}``. Bias nodes (always 1) are left out.
    """
    case_file = load_case(SHIPPED_CASE_FILES / f"seed000_case{case}.toml")
    numbers = {}
    for name, value in {**case_file.inputs, **case_file.parameters}.items():
        label = _seed000_label(name)
        if label is not None:
            numbers[label] = float(value)
    return numbers


def _seed000_label(name: str) -> str | None:
    """A case-file name as seed 000's label (``w2_11`` -> ``w_{11}^{(2)}``); None for a bias."""
    if match := re.fullmatch(r"([xt])([1-9])", name):
        return f"{match[1]}_{match[2]}"
    if match := re.fullmatch(r"w([0-9])", name):
        return f"w_{match[1]}"
    if match := re.fullmatch(r"w([0-9]{2})", name):
        return f"w_{{{match[1]}}}"
    if match := re.fullmatch(r"w([1-9])_([0-9]{2})", name):
        return f"w_{{{match[2]}}}^{{({match[1]})}}"
    return None  # x0, h0, h1_0: the bias nodes


def _network_labels(net: ScalarMLP) -> list[str]:
    """Each neuron's bias and weight labels (bias first, as w_0 comes first), then outputs."""
    neurons = [n for layer in net.layers for n in layer.neurons]
    weights = [p.label for n in neurons for p in [n.b, *n.w] if p is not None]
    return weights + [n.out_label for n in neurons]


_Checks = tuple[list[Check], list[str]]
INPUTS = (0, 1, 2)  # the document's i: the bias node x_0 (or h_0) and the two inputs


def _seed000_case1(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    # Case 1: dJ/do_1 = (o_1 - t_1); do_1/dw_i = o_1 (1 - o_1) x_i; update uses their product.
    o = s.o(1)
    checks = [e.check("J", "o_1", [[s.error(1)]])]
    for i in INPUTS:
        w = s.w(i, 1, 1).text
        checks.append(e.check("o_1", w, [[o, s.one_minus(o), s.x(i)]]))
    for i in INPUTS:
        w = s.w(i, 1, 1).text
        checks.append(e.check("J", w, [[s.error(1), o, s.one_minus(o), s.x(i)]], note=_UPDATE_NOTE))
    return checks, []


def _seed000_case2(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    # Case 2, each output k: dJ/do_k = (o_k - t_k); do_k/dw_ik = o_k (1 - o_k) x_i.
    checks = []
    for k in (1, 2):
        o = s.o(k)
        checks.append(e.check("J", f"o_{k}", [[s.error(k)]]))
        for i in INPUTS:
            checks.append(e.check(f"o_{k}", s.w(i, k, 1).text, [[o, s.one_minus(o), s.x(i)]]))
    for k in (1, 2):
        o = s.o(k)
        for i in INPUTS:
            terms = [[s.error(k), o, s.one_minus(o), s.x(i)]]
            checks.append(e.check("J", s.w(i, k, 1).text, terms, note=_UPDATE_NOTE))
    return checks, []


def _seed000_case3(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    # Case 3: dJ/do_1 = (o_1 - t_1); do_1/dw_i1^(2) = o_1(1 - o_1) h_i;
    # do_1/dh_j = o_1(1 - o_1) w_j1^(2); dh_j/dw_ij^(1) = h_j (1 - h_j) x_i.
    o = s.o(1)
    checks = [e.check("J", "o_1", [[s.error(1)]])]
    for i in INPUTS:
        checks.append(e.check("o_1", s.w(i, 1, 2).text, [[s.slope(o), s.h(i, 1)]]))
    for j in (1, 2):
        checks.append(e.check("o_1", s.h(j, 1).text, [[s.slope(o), s.w(j, 1, 2)]]))
    for j in (1, 2):
        h = s.h(j, 1)
        for i in INPUTS:
            checks.append(e.check(h.text, s.w(i, j, 1).text, [[h, s.one_minus(h), s.x(i)]]))
    # The updates: dJ/do_1 · do_1/dh_j · dh_j/dw_ij^(1) and dJ/do_1 · do_1/dw_i1^(2).
    for j in (1, 2):
        h = s.h(j, 1)
        for i in INPUTS:
            terms = [[s.error(1), s.slope(o), s.w(j, 1, 2), h, s.one_minus(h), s.x(i)]]
            checks.append(e.check("J", s.w(i, j, 1).text, terms, note=_CASE3_J_NOTE))
    for i in INPUTS:
        terms = [[s.error(1), s.slope(o), s.h(i, 1)]]
        checks.append(e.check("J", s.w(i, 1, 2).text, terms, note=_UPDATE_NOTE))
    return checks, [_CASE3_J]


# Case 4, dJ/dw_ij^(1): for each hidden node j, the document's terms as (output k, the
# weight w_ab^(2) it writes), transcribed from the document.
_CASE4_TERMS = {1: [(1, (1, 1)), (2, (1, 2))], 2: [(1, (2, 1)), (2, (2, 2))]}


def _seed000_case4(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    checks = []
    for k in (1, 2):
        o = s.o(k)
        for i in INPUTS:
            terms = [[s.error(k), s.slope(o), s.h(i, 1)]]
            checks.append(e.check("J", s.w(i, k, 2).text, terms))
    for j, path in _CASE4_TERMS.items():
        h = s.h(j, 1)
        for i in INPUTS:
            terms = [
                [s.error(k), s.slope(s.o(k)), s.w(a, b, 2), s.slope(h), s.x(i)]
                for k, (a, b) in path
            ]
            checks.append(e.check("J", s.w(i, j, 1).text, terms))
    return checks, []


# Case 5, transcribed from the document. dJ/dw_ij^(2): the second-layer node m and the
# weight w_ab^(3) it writes; dJ/dw_ij^(1): per term, node m of layer 2, w_ab^(3), w_cd^(2).
_CASE5_LAYER2 = {1: (1, (1, 1)), 2: (2, (2, 1))}
_CASE5_LAYER1 = {
    1: [(1, (1, 1), (1, 1)), (2, (2, 1), (1, 2))],
    2: [(1, (1, 1), (2, 1)), (2, (2, 1), (2, 2))],
}


def _seed000_case5(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    o = s.o(1)
    checks = []
    for i in INPUTS:
        checks.append(e.check("J", s.w(i, 1, 3).text, [[s.error(1), s.slope(o), s.h(i, 2)]]))
    for j, (m, (a, b)) in _CASE5_LAYER2.items():
        h2 = s.h(m, 2)
        for i in INPUTS:
            factors = [s.error(1), s.slope(o), h2, s.w(a, b, 3), s.one_minus(h2), s.h(i, 1)]
            checks.append(e.check("J", s.w(i, j, 2).text, [factors]))
    for j, path in _CASE5_LAYER1.items():
        h1 = s.h(j, 1)
        for i in INPUTS:
            terms = [
                [
                    s.error(1),
                    s.slope(o),
                    s.h(m, 2),
                    s.w(a, b, 3),
                    s.one_minus(s.h(m, 2)),
                    s.w(c, d, 2),
                    s.slope(h1),
                    s.x(i),
                ]
                for m, (a, b), (c, d) in path
            ]
            checks.append(e.check("J", s.w(i, j, 1).text, terms))
    return checks, []


def _seed000_case6(e: _Experiment, s: _Seed000Symbols) -> _Checks:
    # Derived here: delta_k = (o_k - t_k) o_k(1 - o_k) for each output, sent back along
    # every path: dJ/dw_ik^(3) = delta_k h_i^(2);
    # dJ/dw_ij^(2) = sum_k delta_k w_jk^(3) h_j^(2)(1 - h_j^(2)) h_i^(1);
    # dJ/dw_ij^(1) = sum_k sum_m delta_k w_mk^(3) h_m^(2)(1 - h_m^(2)) w_jm^(2)
    #                                 · h_j^(1)(1 - h_j^(1)) x_i.
    outputs = hidden = (1, 2)
    checks = []
    for k in outputs:
        for i in INPUTS:
            terms = [[s.error(k), s.slope(s.o(k)), s.h(i, 2)]]
            checks.append(e.check("J", s.w(i, k, 3).text, terms, source="derived"))
    for j in hidden:
        for i in INPUTS:
            terms = [
                [s.error(k), s.slope(s.o(k)), s.w(j, k, 3), s.slope(s.h(j, 2)), s.h(i, 1)]
                for k in outputs
            ]
            checks.append(e.check("J", s.w(i, j, 2).text, terms, source="derived"))
    for j in hidden:
        for i in INPUTS:
            terms = [
                [
                    s.error(k),
                    s.slope(s.o(k)),
                    s.w(m, k, 3),
                    s.slope(s.h(m, 2)),
                    s.w(j, m, 2),
                    s.slope(s.h(j, 1)),
                    s.x(i),
                ]
                for k in outputs
                for m in hidden
            ]
            checks.append(e.check("J", s.w(i, j, 1).text, terms, source="derived"))
    return checks, [_CASE6]


_UPDATE_NOTE = "the factor the document's update rule multiplies by gamma"
_CASE3_J_NOTE = (
    "the document's update writes do_1/dh_j · dh_j/dw with j unbound; j is read as the "
    "weight's own hidden node"
)
_CASE3_J = (
    "Case 3's update rule for w_{i1}^{(1)} and w_{i2}^{(1)} writes do_1/dh_j · dh_j/dw with "
    "the index j unbound. Only j = the weight's own hidden node is right (w_{i1}^{(1)}: j = 1; "
    "w_{i2}^{(1)}: j = 2); with the other j the product is 0, since dh_2/dw_{i1}^{(1)} = 0. "
    "The checks read it that way."
)
_CASE6 = (
    "The document gives no formulas for Case 6 (it refers to a NNcasebycase.py that it does "
    "not include); the formulas above are derived here and checked the same way: each "
    "first-layer weight reaches J along 4 paths (2 second-layer nodes x 2 outputs)."
)
_SEED000_CHECKS: dict[int, Callable[[_Experiment, _Seed000Symbols], _Checks]] = {
    1: _seed000_case1,
    2: _seed000_case2,
    3: _seed000_case3,
    4: _seed000_case4,
    5: _seed000_case5,
    6: _seed000_case6,
}


# ----------------------------------------------------------------------------- seed 001
SEED001_INPUTS = {"x1": 0.23, "x2": 0.55}
SEED001_TARGET = {"y": 0.01}
SEED001_PARAMETERS = {
    "w1": 0.1, "w2": 0.2, "w3": 0.3, "w4": 0.4, "w5": 0.5, "w6": 0.6, "w7": 0.7, "w8": 0.8,
    "w9": 0.9, "w10": 0.1, "w11": 0.2, "w12": 0.3, "w13": 0.4, "w14": 0.5, "w15": 0.6,
    "w16": 0.7, "w17": 0.8, "w18": 0.9,
    "b1": 0.1, "b2": -0.4, "b3": 0.3, "b4": -0.5, "b5": 0.5, "b6": 0.6, "b7": -0.7,
}  # fmt: skip
"""The blog's weights and biases, as it lists them (signs read from its LaTeX)."""
SEED001_LEARNING_RATE = 0.01


def seed001_network() -> ScalarMLP:
    """The blog's 2-3-3-1 network (ReLU hidden, sigmoid output), numbered as the blog numbers
    it, with its weights and biases."""
    net = ScalarMLP([2, 3, 3, 1], hidden="relu", output="sigmoid", names="numbered")
    net.set_parameters(SEED001_PARAMETERS)
    return net


def seed001_blog() -> CaseResult:
    """Seed 001's 2-3-3-1 network (ReLU hidden, sigmoid output), exactly as the blog gives it.

    Every number the blog states is recomputed (`statements`), every derivative formula
    it writes is evaluated and checked (`checks`), and one update with eta = 0.01 is made.
    """
    net = seed001_network()
    e = _Experiment(net, SEED001_INPUTS, SEED001_TARGET, half_squared_error, "E_total")
    v = e.values()
    eta = SEED001_LEARNING_RATE

    def forward(node: str, written: str, stated: str) -> Statement:
        return Statement(node, written, stated, v[node])

    def partial(of: str, wrt: str, written: str, stated: str) -> Statement:
        return Statement(f"d{of}/d{wrt}", written, stated, e.derivative(of, wrt), "autodiff")

    def update(weight: str, written: str, stated: str) -> list[Statement]:
        # The blog's new value: redo its own arithmetic (`written` is "old - eta · gradient"
        # with its stated numbers), and make the update with the exact gradient.
        old, gradient = (float(t) for t in written.split(" - 0.01 · "))
        exact = v[weight] - eta * e.derivative("E_total", weight)
        return [
            Statement(f"{weight} new", written, stated, old - eta * gradient, "its own arithmetic"),
            Statement(f"{weight} new", f"{weight} - eta dE_total/d{weight}", stated, exact,
                      "the update with the exact gradient"),
        ]  # fmt: skip

    statements = [
        forward("net_n3", "net_n3 = 0.1 · 0.23 + 0.4 · 0.55 + 0.1", "0.343"),
        forward("out_n3", "out_n3 = max(0, 0.343)", "0.343"),
        forward("net_n4", "out_n4 = max(0, -0.079)", "-0.079"),
        forward("out_n4", "out_n4 = max(0, -0.079)", "0"),
        forward("net_n5", "out_n5 = max(0, 0.699)", "0.699"),
        forward("out_n5", "out_n5 = max(0, 0.699)", "0.699"),
        forward("net_n6", "out_n6 = max(0, 0.0197)", "0.0197"),
        forward("out_n6", "out_n6 = max(0, 0.0197)", "0.0197"),
        forward("net_n7", "out_n7 = max(0, 1.1239)", "1.1239"),
        forward("out_n7", "out_n7 = max(0, 1.1239)", "1.1239"),
        forward("net_n8", "out_n8 = max(0, 1.3281)", "1.3281"),
        forward("out_n8", "out_n8 = max(0, 1.3281)", "1.3281"),
        forward("net_n9", "net_n9 = w16 · out_n6 + w17 · out_n7 + w18 · out_n8 + b7", "1.4082"),
        forward("out_n9", "y^ = sigma(1.4082)", "0.8035"),
        forward("E_total", "E(0.01, 0.8035) = 1/2 (0.01 - 0.8035)^2", "0.315"),
        partial("E_total", "out_n9", "out_n9 - y = 0.8035 - 0.01", "0.7935"),
        partial("out_n9", "net_n9", "out_n9(1 - out_n9) = 0.8035 · (1 - 0.8035)", "0.1579"),
        partial("net_n9", "w16", "dnet_n9/dw16 = out_n6", "0.0197"),
        partial("E_total", "w16", "(0.7935) · (0.1579) · 0.0197", "0.0025"),
        *update("w16", "0.7 - 0.01 · 0.0025", "0.699975"),
        partial("E_total", "w17", "the gradient in w17 new = 0.8 - 0.01 · 0.0850", "0.0850"),
        *update("w17", "0.8 - 0.01 · 0.0850", "0.798592"),
        partial("E_total", "w18", "the gradient in w18 new = 0.9 - 0.01 · 0.1003", "0.1003"),
        *update("w18", "0.9 - 0.01 · 0.1003", "0.898336"),
        partial("net_n9", "b7", "dnet_n9/db7", "1"),
        partial("E_total", "b7", "(0.7935) · (0.1579) · 1", "0.1253"),
        *update("b7", "-0.7 - 0.01 · 0.1253", "-0.701253"),
        partial("net_n9", "out_n6", "dnet_n9/dout_n6 = w16", "0.7"),
        partial("out_n6", "net_n6", "1 (since net_n6 = 0.0197 > 0)", "1"),
        partial("net_n6", "w7", "dnet_n6/dw7 = out_n3", "0.343"),
        partial("E_total", "w7", "0.7935 · 0.1579 · 0.7 · 1 · 0.343", "0.03008"),
        *update("w7", "0.7 - 0.01 · 0.03008", "0.699"),
    ]

    def f(name: str) -> Factor:
        return Factor(name, v[name])

    def active(net_name: str) -> Factor:  # the blog's ReLU derivative: 1 if net > 0, else 0
        return Factor(f"[{net_name} > 0]", 1.0 if v[net_name] > 0 else 0.0)

    error = Factor("(out_n9 - y)", v["out_n9"] - v["y"])
    slope = Factor("out_n9(1 - out_n9)", v["out_n9"] * (1.0 - v["out_n9"]))
    checks = [
        e.check(
            "E_total",
            "w16",
            [[error, f("out_n9"), Factor("(1 - out_n9)", 1 - v["out_n9"]), f("out_n6")]],
        ),
        e.check(
            "E_total",
            "w17",
            [[error, slope, f("out_n7")]],
            note="the blog only says to repeat the w16 computation",
        ),
        e.check(
            "E_total",
            "w18",
            [[error, slope, f("out_n8")]],
            note="the blog only says to repeat the w16 computation",
        ),
        e.check("E_total", "b7", [[error, slope, Factor("1", 1.0)]]),
        e.check("E_total", "w7", [[error, slope, f("w16"), active("net_n6"), f("out_n3")]]),
        e.check(
            "E_total",
            "w1",
            [[error, slope, f("w16"), active("net_n6"), f("w7"), active("net_n3"), f("x1")]],
            note=(
                "the blog's chain follows only the path through n6, but out_n3 also feeds "
                "n7 (through w8) and n8 (through w9): two terms are dropped"
            ),
        ),
        e.check(
            "E_total",
            "w1",
            [
                [error, slope, f(w_out), active(f"net_n{m}"), f(w_in), active("net_n3"), f("x1")]
                for m, w_out, w_in in ((6, "w16", "w7"), (7, "w17", "w8"), (8, "w18", "w9"))
            ],
            source="derived",
        ),
    ]
    explanation = explain(e.forward(), "w1")
    updated, loss_after = e.descend(eta)
    updated = {label: updated[label] for label in SEED001_PARAMETERS}
    title = (
        f"{SEED001}: the blog's 2-3-3-1 network, ReLU hidden layers, sigmoid output,\n"
        "with its exact inputs, weights, biases, target y = 0.01 and learning rate eta = 0.01"
    )
    outputs = [f"{kind}_n{n}" for n in range(3, 10) for kind in ("net", "out")]
    shown = {k: v[k] for k in [*SEED001_INPUTS, *SEED001_TARGET, *SEED001_PARAMETERS, *outputs]}
    return CaseResult(
        title,
        shown,
        "E_total = 1/2 (y - out_n9)^2",
        v["E_total"],
        checks,
        updated,
        eta,
        loss_after,
        update_rule="w = w - eta dE_total/dw",
        statements=statements,
        notes=list(_SEED001_NOTES),
        explanation=explanation,
    )


_SEED001_NOTES = (
    "The biases are read from the blog's LaTeX: b2 = -0.4, b4 = -0.5 and b7 = -0.7 are "
    "negative (its plain text drops the minus signs).",
    "The blog never writes out the second hidden layer's wiring; numbering its weights input "
    "by input as in the first layer (w7: n3->n6, w8: n3->n7, w9: n3->n8, w10: n4->n6, ..., "
    "w15: n5->n8) reproduces every node value it states.",
    "The text says 'update the weight w10' and then updates w7.",
    "y and y^ swap roles: y^ is first the target, later 'the ideal output' with y 'the "
    "actual output', while the numbers use y = 0.01 as the target and y^ = out_n9 as the "
    "network's output. The squared error is symmetric, so no number changes.",
)


# ----------------------------------------------------------------------------- seed 004
@dataclass(frozen=True)
class Seed004Batch:
    """A batch in seed 004's orientation: rows of x with the constant 1 appended."""

    x: np.ndarray  # (N, D+1), last column 1
    y: np.ndarray  # (N,) class labels
    w1: np.ndarray  # (D+1, H), last row: the hidden biases
    w2: np.ndarray  # (H+1, K), last row: the output biases
    alpha: float


def seed004_batch(
    n: int = 8, d: int = 3, h: int = 4, k: int = 3, alpha: float = 0.1, seed: int = 4
) -> Seed004Batch:
    """Random inputs, labels and weights (seeded) for a D-H-K network on n examples."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=(n, d)), np.ones(n)])
    y = rng.integers(0, k, n)
    return Seed004Batch(x, y, rng.normal(size=(d + 1, h)), rng.normal(size=(h + 1, k)), alpha)


def seed004_loss(batch: Seed004Batch, w1: Tensor, w2: Tensor) -> Tensor:
    """L = L_d/N + L_r, built from the document's pieces (bias as a constant-1 column)."""
    hidden = (batch.x @ w1).relu()  # g(h), the ReLU of the hidden products
    ones = np.ones((len(batch.x), 1))
    scores = concatenate([hidden, ones], axis=1) @ w2  # f, identity outputs
    return softmax_cross_entropy(scores, batch.y) + l2_penalty([w1, w2], batch.alpha)


@dataclass(frozen=True)
class Reading:
    """One way of reading seed 004's formulas: whether df is divided by N, and which
    Heaviside mask (if any) multiplies dh."""

    name: str
    divide_by_n: bool
    mask: str  # "none", "theta" (on where h > 0), "text" (off where h > 0, as the text says)


SEED004_REPAIRED = Reading("df / N and Theta(h)", True, "theta")
"""The reading that matches autodiff: the formulas with both repairs."""
SEED004_READINGS = (
    Reading("as written (no Theta, df not divided by N)", False, "none"),
    Reading("with Theta(h), df not divided by N", False, "theta"),
    Reading("df / N, no Theta", True, "none"),
    SEED004_REPAIRED,
    Reading("df / N, derivative off where h > 0 (the text's words)", True, "text"),
)
SEED004_MATCH = 1e-12
"""A reading matches autodiff when no entry differs by more than this."""


def seed004_formulas(batch: Seed004Batch, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
    """dw1 and dw2 from the document's section 3, summed over the batch, in one reading.

    The document's terms: df = p_k - 1(y_i = k), dw2 = h . df + alpha w2,
    dh = df . w2, dw1 = x . dh + alpha w1. The shapes force two repairs to the formulas
    as printed, made here in every reading: with row vectors, "h . df" is the outer
    product h^T df and "df . w2" is df w2^T (df is 1 x K and w2 is (H+1) x K); and dh
    has an entry for the constant-1 hidden unit, which has no weights into it, so that
    entry is dropped before "x . dh".
    """
    n = len(batch.x)
    products = batch.x @ batch.w1  # the hidden products h (pre-activation)
    hidden = np.column_stack([np.maximum(products, 0), np.ones(n)])
    p = np.exp(hidden @ batch.w2 - (hidden @ batch.w2).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    df = p - np.eye(batch.w2.shape[1])[batch.y]  # p_k - 1(y_i = k)
    if reading.divide_by_n:
        df /= n
    dw2 = hidden.T @ df + batch.alpha * batch.w2
    dh = (df @ batch.w2.T)[:, :-1]  # drop the constant unit's entry
    if reading.mask == "theta":
        dh = dh * (products > 0)
    elif reading.mask == "text":
        dh = dh * (products <= 0)
    dw1 = batch.x.T @ dh + batch.alpha * batch.w1
    return dw1, dw2


class ReadingError(NamedTuple):
    """How far one reading of the formulas is from autodiff: max |error| over dw1 and dw2."""

    reading: Reading
    dw1: float
    dw2: float

    @property
    def matches(self) -> bool:
        """True when both errors are below `SEED004_MATCH`."""
        return max(self.dw1, self.dw2) < SEED004_MATCH


@dataclass(frozen=True)
class Seed004Result:
    """Seed 004 on one batch: the loss, whether central differences confirm autodiff, and
    how far each reading of the document's formulas is from autodiff."""

    batch: Seed004Batch
    loss: float
    confirmed: bool
    readings: tuple[ReadingError, ...]

    @property
    def repaired_matches(self) -> bool:
        """True when autodiff is confirmed and the repaired reading matches it."""
        repaired = next(r for r in self.readings if r.reading is SEED004_REPAIRED)
        return self.confirmed and repaired.matches

    def report(self) -> str:
        """The batch's sizes and loss, then one line per reading with its errors."""
        x, w1, w2 = self.batch.x, self.batch.w1, self.batch.w2
        off = int((x @ w1 <= 0).sum())
        lines = [
            f"N = {len(x)}, D = {x.shape[1] - 1}, H = {w1.shape[1]}, K = {w2.shape[1]}, "
            f"alpha = {self.batch.alpha}: L = {self.loss:.6f}; {off} of {x.shape[0] * w1.shape[1]} "
            "hidden products are <= 0; autodiff "
            f"{'confirmed' if self.confirmed else 'NOT CONFIRMED'} by central differences",
            f"  {'reading of the document':56} {'max |error| dw1':>16} {'max |error| dw2':>16}",
        ]
        for row in self.readings:
            verdict = "matches" if row.matches else "wrong"
            lines.append(f"  {row.reading.name:56} {row.dw1:16.3e} {row.dw2:16.3e}  {verdict}")
        return "\n".join(lines)


def seed004_softmax(
    n: int = 8, *, d: int = 3, h: int = 4, k: int = 3, alpha: float = 0.1, seed: int = 4
) -> Seed004Result:
    """Seed 004's D-H-K ReLU net with softmax cross-entropy and L2, on a seeded batch.

    The document (James Saxon, "Simple neural network math") folds the biases into the
    weights (a constant 1 appended to x and to h, so w1 is (D+1) x H and w2 is (H+1) x K),
    uses ReLU hidden units g, identity outputs f, and the loss L = L_d/N + L_r with
    L_d = sum_i -log softmax(f)_{y_i} and L_r = alpha/2 sum w^2. The network is built in
    exactly that orientation (`seed004_loss`), its gradients are taken by autodiff and
    confirmed by central differences (`autograd.gradcheck`), and the document's formulas
    (`seed004_formulas`) are evaluated in each of `SEED004_READINGS`.
    """
    batch = seed004_batch(n, d, h, k, alpha, seed)
    w1 = Tensor(batch.w1, requires_grad=True, label="w1")
    w2 = Tensor(batch.w2, requires_grad=True, label="w2")
    total = seed004_loss(batch, w1, w2)
    total.backward()
    confirmed = bool(
        gradcheck(
            lambda a, b: seed004_loss(batch, a, b),
            Tensor(batch.w1, label="w1"),
            Tensor(batch.w2, label="w2"),
        )
    )
    readings = []
    for reading in SEED004_READINGS:
        dw1, dw2 = seed004_formulas(batch, reading)
        readings.append(
            ReadingError(
                reading, float(np.abs(dw1 - w1.grad).max()), float(np.abs(dw2 - w2.grad).max())
            )
        )
    return Seed004Result(batch, total.item(), confirmed, tuple(readings))


SEED004_DEPARTURES = """\
Where the document departs (each checked above or by its shapes):
  1. dh = df . w2 omits the Heaviside factor: dh = (df w2^T) * Theta(h). Section 2
     names Theta(h) but section 3 drops it; without it dw1 is wrong wherever a
     hidden product is <= 0.
  2. Section 2 says the ReLU derivative "turns off the derivative when h is
     positive"; it turns it off where h is negative (Theta(h) = 0 for h < 0).
  3. With L = L_d/N + L_r, df must be divided by N for a batch: the formulas are
     per example (right as they stand only for N = 1).
  4. dw2 is labelled dL_i/dw2, but L_i holds no regularization: h df + alpha w2 is
     d(L_i + L_r)/dw2, i.e. dL/dw2 for one example.
  5. Shapes: with w2 (H+1) x K, h . df is the outer product h^T df and df . w2 is
     df w2^T; dh's entry for the constant-1 unit must be dropped before x . dh.
     Section 1 indexes w_kj^(2) (row = output), the transpose of that (H+1) x K w2,
     and its sums run to H and D, leaving out the constant units it folds in.
  6. Typos: df is written p_k - 1(y_i - k) for 1(y_i = k), and the derivation's
     log(e^{f_j}) should be log(e^{f_{y_i}})."""
"""What the readings and the shapes show about the document, as `demos/seed004_softmax.py`
prints it."""
