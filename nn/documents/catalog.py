"""The built-in document cases: each seed document's network, ready to build, draw and explain.

One `Case` per network the documents in ``shared/seeds`` work through (``chaingrad cases``
lists them). ``case.build()`` makes a fresh graph: the forward pass, the loss, one backward
pass, and the layout for ``autograd.draw(..., view="network")``::

    case = get_case("seed000-case3")
    built = case.build()
    draw(built.loss, view="network", layout=built.layout, wrt=case.weights[0])
    print(explain(built.loss, case.weights[0]))

Where the numbers come from: the shipped case files (``nn/documents/*.toml``), so that the
pictures, the reports and ``chaingrad verify`` show the same network at the same point
(tests/test_catalog.py checks it):

- seed 000 (six cases): ``seed000_case<k>.toml`` (the document gives no numbers; the case
  files choose them), through `seed000.seed000_network`;
- seed 001 (the blog): the blog's own numbers, in ``seed001_blog.toml``;
- seed 002: ``seed002_elementwise.toml`` (the document gives none);
- seed 004: ``seed004_softmax_l2.toml`` (the document gives none), whose equations also give
  the loss: softmax cross-entropy of the class it names, plus its L2 term;
- seed 003 gives none either, and the network drawn here (3-4-1, as for the notes' closing
  claim) is not the 3-2-1 one its case files check: its weights are `ScalarMLP`'s seeded
  start values (``seed=3``) rounded to 2 decimals, on the second row of the notes' truth table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chaingrad.autograd.drawing.layout import NetworkLayout
from chaingrad.autograd.value import Value
from chaingrad.autograd.verification import Point, load_case

from ..checks import UnknownNameError, unknown_name_hint
from ..losses import half_squared_error, sum_squared_error
from ..scalar import ScalarMLP, Site
from .casefiles import case_name, document_label, document_numbers, shipped
from .seed000 import seed000_case_numbers, seed000_network
from .seed001 import seed001_network

SEED_FILES = {
    "000": "000_f44d84cc7ed9207d.txt",
    "001": "001_2a4271f74d52a17d.txt",
    "002": "002_aed2f5c963051abc.txt",
    "003": "003_526ee045a867f9bc.txt",
    "004": "004_78c956f54e3a30fb.txt",
}
"""The seed documents, by number (files in ``shared/seeds``)."""


@dataclass(frozen=True)
class BuiltCase:
    """One fresh forward and backward pass of a case's network.

    `loss` is the root (its graph holds every gradient), `model` the network, `layout` its
    picture for the network view, `parameters` its weights and biases (drawn as parameters).
    """

    loss: Value
    model: ScalarMLP
    layout: NetworkLayout
    parameters: list[Value]


@dataclass(frozen=True)
class Case:
    """A document's network: `name` (``seed000-case3``), `title`, `source` (the seed file),
    `numbers` (where its numbers come from), `weights` (labels to explain, at least one per
    layer) and `build`, which makes a fresh `BuiltCase`."""

    name: str
    title: str
    source: str
    numbers: str
    weights: tuple[str, ...]
    build: Callable[[], BuiltCase]


def get_case(name: str) -> Case:
    """The built-in case called `name`, spelt either way (``seed001-blog``, ``seed001_blog``;
    see `casefiles.case_name`). When there is none, an `UnknownNameError` (a KeyError) offers
    the nearest name and lists the names."""
    found = CASES.get(case_name(name)) if isinstance(name, str) else None
    if found is None:
        hint = unknown_name_hint(str(name), CASES, "the cases")
        raise UnknownNameError(f"no built-in case {name!r}; {hint}")
    return found


def _finish(
    net: ScalarMLP, inputs: Sequence[Value], outputs: list[Value], loss: Value, **kw
) -> BuiltCase:
    """Run backward from `loss` and lay the network out."""
    loss.backward()
    layout = net.network_layout(inputs, outputs, **kw)
    return BuiltCase(loss, net, layout, net.parameters())


def _leaves(numbers: Mapping[str, float]) -> list[Value]:
    return [Value(v, label) for label, v in numbers.items()]


# ----------------------------------------------------------------------------- seed 000
def _build_seed000(case: int) -> BuiltCase:
    net, inputs, targets = seed000_network(case)
    x, t = _leaves(inputs), _leaves(targets)
    outputs = net(x)
    return _finish(net, x, outputs, half_squared_error(outputs, t).named("J"))


def _seed000_case(case: int) -> Case:
    stem = f"seed000_case{case}"
    net, _, _ = seed000_network(case)
    return Case(
        f"seed000-case{case}",
        load_case(shipped(stem)).title,
        SEED_FILES["000"],
        "the document gives no numbers: inputs, targets and weights are those of "
        f"nn/documents/{stem}.toml; bias nodes x_0 = h_0 = 1",
        # w_{11}^{(l)} for every layer l (Case 1 has a single weight vector: w_1)
        tuple(layer.neurons[0].w[0].label for layer in reversed(net.layers)),
        functools.partial(_build_seed000, case),
    )


# ----------------------------------------------------------------------------- seed 001
def _build_seed001() -> BuiltCase:
    net, inputs, target = seed001_network()
    x = _leaves(inputs)
    outputs = net(x)
    loss = half_squared_error(outputs, _leaves(target)).named("E_total")
    return _finish(net, x, outputs, loss, bias_node="last")


# ----------------------------------------------------------------------------- seed 002
def _seed002_names(site: Site) -> str | None:
    """Seed 002: a_i^{(l)}; w_{ij}^{(l)} into node i of layer l from node j below, 0-based,
    the bias in the third column (j = 2), as in the document's A^{(l)} = (a_0 a_1 1)."""
    if site.kind == "weight":
        return f"w_{{{site.neuron - 1}{site.input - 1}}}^{{({site.layer})}}"
    if site.kind == "bias":
        return f"w_{{{site.neuron - 1}{site.sizes[site.layer - 1]}}}^{{({site.layer})}}"
    if site.kind == "out":
        return f"a_{site.neuron - 1}^{{({site.layer})}}"
    return "1" if site.kind == "bias_node" else None


def _build_seed002() -> BuiltCase:
    case_file = load_case(shipped("seed002_elementwise"))
    numbers = document_numbers(case_file.inputs)
    net = ScalarMLP([2, 2, 2], hidden="sigmoid", output="sigmoid", names=_seed002_names)
    net.set_parameters(document_numbers(case_file.parameters))
    x = _leaves({k: v for k, v in numbers.items() if k.startswith("a_")})  # a_i^{(0)}
    t = _leaves({k: v for k, v in numbers.items() if k.startswith("T_")})
    outputs = net(x)
    return _finish(net, x, outputs, half_squared_error(outputs, t).named("C"), bias_node="last")


# ----------------------------------------------------------------------------- seed 003
SEED003_ROW = 2
"""The row of the notes' truth table used as "each example m": x = (0, 1, 1), y = 1."""
SEED003_TABLE = ((0, 0, 1, 0), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 0))
"""The notes' data: X1 X2 X3 Y (Y = X1 xor X2; X3 is always 1)."""


def _seed003_names(site: Site) -> str | None:
    """Seed 003: W_{ji}^{(l)} from x_i^{(l-1)} to unit j, b_j^{(l)}, z_j^{(l)}, x_j^{(l)}, ŷ_k."""
    if site.kind == "weight":
        return f"W_{{{site.neuron}{site.input}}}^{{({site.layer})}}"
    if site.kind == "bias":
        return f"b_{site.neuron}^{{({site.layer})}}"
    if site.kind == "net":
        return f"z_{site.neuron}^{{({site.layer})}}"
    if site.kind == "out":
        last = site.layer == len(site.sizes) - 1
        return f"ŷ_{site.neuron}" if last else f"x_{site.neuron}^{{({site.layer})}}"
    return None  # the notes add b^{(l)} to the sum: no bias node of their own


def _build_seed003() -> BuiltCase:
    net = ScalarMLP([3, 4, 1], hidden="sigmoid", output="sigmoid", names=_seed003_names, seed=3)
    net.set_parameters({p.label: round(p.data, 2) for p in net.parameters()})
    *features, y = SEED003_TABLE[SEED003_ROW - 1]
    x = _leaves({f"x_{i}^{{(0)}}": v for i, v in enumerate(features, 1)})
    outputs = net(x)
    loss = sum_squared_error(outputs, [Value(y, "y_1")]).named("L")
    return _finish(net, x, outputs, loss, bias_node="last")


# ----------------------------------------------------------------------------- seed 004
def _seed004_names(site: Site) -> str | None:
    """Seed 004: w_{ij}^{(l)}, row i of the (D+1) x H and (H+1) x K matrices w_1, w_2 (the
    last row multiplies the constant 1), hidden products h_j, hidden values g_j, scores f_k."""
    if site.kind in ("weight", "bias"):
        row = site.input - 1 if site.kind == "weight" else site.sizes[site.layer - 1]
        return f"w_{{{row}{site.neuron - 1}}}^{{({site.layer})}}"
    if site.kind == "bias_node":
        return "1"
    if site.layer == 1:
        return f"{'h' if site.kind == 'net' else 'g'}_{site.neuron - 1}"
    return f"f_{site.neuron - 1}" if site.kind == "out" else None


def _build_seed004() -> BuiltCase:
    """The network drawn in the document's notation, under the loss of the case file's own
    equations: the network's scores and weights stand in for the file's f_k and w<l>_<ij>."""
    case_file = load_case(shipped("seed004_softmax_l2"))
    net = ScalarMLP([2, 2, 3], activations=["relu", "identity"], names=_seed004_names)
    net.set_parameters(document_numbers(case_file.parameters))
    x = {name: Value(float(case_file.inputs[name]), name) for name in ("x_0", "x_1")}
    scores = net(list(x.values()))
    free = {name: net.parameter(document_label(name)) for name in case_file.parameters}
    free.update(x)
    free.update({f"f_{k}": score for k, score in enumerate(scores)})
    values = {**case_file.inputs, **case_file.parameters}
    loss = Point.from_case(case_file, values, free).nodes[case_file.loss]
    return _finish(net, list(x.values()), scores, loss, bias_node="last")


CASES: dict[str, Case] = {
    **{case.name: case for case in map(_seed000_case, seed000_case_numbers())},
    "seed001-blog": Case(
        "seed001-blog",
        "Seed 001: the blog's 2-3-3-1 network (ReLU hidden layers, sigmoid output)",
        SEED_FILES["001"],
        "the blog's own inputs, weights, biases (b2, b4, b7 negative, from its LaTeX) and "
        "target y = 0.01, those of nn/documents/seed001_blog.toml",
        ("w16", "w7", "w1"),
        _build_seed001,
    ),
    "seed002": Case(
        "seed002",
        "Seed 002: matrices for a 2-2-2 sigmoid network (bias as the third column)",
        SEED_FILES["002"],
        "the document gives no numbers: inputs, targets and weights are those of "
        "nn/documents/seed002_elementwise.toml (its matrix-form file has the same)",
        ("w_{00}^{(2)}", "w_{00}^{(1)}"),
        _build_seed002,
    ),
    "seed003-xor": Case(
        "seed003-xor",
        "Seed 003: 2-layer net on the XOR truth table (3-4-1 sigmoid, summed squared error)",
        SEED_FILES["003"],
        "the notes give no weights: ScalarMLP([3, 4, 1], seed=3) start values rounded to 2 "
        f"decimals; one example, row {SEED003_ROW} of the truth table: x = (0, 1, 1), y = 1",
        ("W_{11}^{(2)}", "W_{12}^{(1)}"),
        _build_seed003,
    ),
    "seed004-softmax": Case(
        "seed004-softmax",
        "Seed 004: softmax cross-entropy with L2 regularization (2-2-3, ReLU hidden)",
        SEED_FILES["004"],
        "the document gives no numbers: D = 2, H = 2, K = 3, one example (N = 1), its class, "
        "alpha and the weights are those of nn/documents/seed004_softmax_l2.toml; hidden unit "
        "1 is off (h_1 < 0)",
        ("w_{00}^{(2)}", "w_{00}^{(1)}", "w_{01}^{(1)}"),
        _build_seed004,
    ),
}
"""Every built-in case, by name, in the documents' order."""
