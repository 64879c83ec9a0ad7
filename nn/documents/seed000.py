"""Seed 000's six case-by-case networks, built from its shipped case files, and their reports.

The document gives formulas but no numbers: the case files ``seed000_case<k>.toml`` choose
the numbers and hold the document's formulas (87 in all; Case 6's are derived, the document
writing none), and ``chaingrad verify`` judges them. Here each case becomes a `ScalarMLP`
labelled in the document's notation (for the drawings of `catalog`) and a report
(`reports.DocumentReport`) of its formulas against autodiff and central differences.

The case files name things ``x1``, ``w1_21`` (layer 1, from node 2 to node 1), ``h2_1``; the
document writes x_1, w_{21}^{(1)}, h_1^{(2)} (`casefiles.document_numbers`).
"""

from __future__ import annotations

import re

from chaingrad.autograd.verification import load_case, verify

from ..scalar import ScalarMLP
from .casefiles import SHIPPED_CASE_FILES, document_numbers, shipped
from .reports import DocumentReport, document_report


def seed000_case_numbers() -> list[int]:
    """The numbers k of seed 000's shipped cases (files ``seed000_case<k>.toml``), in order."""
    found = (re.fullmatch(r"seed000_case([0-9]+)", p.stem) for p in SHIPPED_CASE_FILES.iterdir())
    return sorted(int(m[1]) for m in found if m)


def _stem(case: int) -> str:
    if case not in seed000_case_numbers():
        raise ValueError(f"seed000: case must be one of {seed000_case_numbers()}, got {case!r}")
    return f"seed000_case{case}"


def seed000_numbers(case: int) -> dict[str, float]:
    """Case `case`'s inputs, targets, bias nodes and weights, by the document's label, read
    from its shipped case file (``w1_21`` is ``w_{21}^{(1)}``, ``x0`` the bias node ``x_0``)."""
    case_file = load_case(shipped(_stem(case)))
    return document_numbers({**case_file.inputs, **case_file.parameters})


def seed000_network(case: int) -> tuple[ScalarMLP, dict[str, float], dict[str, float]]:
    """Case `case`'s sigmoid network in seed 000's notation with the numbers of its case file:
    the network and its inputs and targets, by label.

    The sizes are read off the case file too: one input per ``x<i>`` (i > 0), and per layer
    l one neuron per j of its weights ``w<l>_<i><j>`` (Case 1 writes ``w<i>``, Case 2
    ``w<i><j>``: one layer).
    """
    case_file = load_case(shipped(_stem(case)))
    neurons: dict[int, set[str]] = {}
    for name in case_file.parameters:
        match = re.fullmatch(r"w(?:([1-9])_)?[0-9]([0-9]?)", name)
        if match is None:
            raise ValueError(f"seed000_network: {name!r} is not a weight in seed 000's notation")
        neurons.setdefault(int(match[1] or 1), set()).add(match[2])
    n_inputs = sum(bool(re.fullmatch(r"x[1-9]", name)) for name in case_file.inputs)
    sizes = [n_inputs, *(len(neurons[layer]) for layer in sorted(neurons))]
    net = ScalarMLP(sizes, hidden="sigmoid", output="sigmoid", names="indexed")
    numbers = document_numbers({**case_file.inputs, **case_file.parameters})
    net.set_parameters({p.label: numbers[p.label] for p in net.parameters()})
    inputs = {f"x_{i}": numbers[f"x_{i}"] for i in range(1, sizes[0] + 1)}
    targets = {f"t_{k}": numbers[f"t_{k}"] for k in range(1, sizes[-1] + 1)}
    return net, inputs, targets


def seed000_case(case: int) -> DocumentReport:
    """Seed 000's Case `case`: its case file verified, with central differences, the chain rule
    for one weight, one update and the notes (`reports.DocumentReport`)."""
    return document_report(verify(shipped(_stem(case))))


def seed000_cases() -> list[DocumentReport]:
    """The reports on all six cases of seed 000 (see `seed000_case`)."""
    return [seed000_case(case) for case in seed000_case_numbers()]
