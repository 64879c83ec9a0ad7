"""Seed 001's blog network, built from its shipped case file, and its report.

The blog ("Deep Learning - The Mathematics Behind Neural Network - Part 2") works a 2-3-3-1
network (ReLU hidden layers, sigmoid output) with its own numbers. ``seed001_blog.toml`` holds
them, every number the blog states and every formula it writes; ``chaingrad verify`` judges
them. Its weights and biases carry the blog's names (``w1``..``w18``, ``b1``..``b7``), which
are those of `ScalarMLP`'s ``names="numbered"``.
"""

from __future__ import annotations

from chaingrad.autograd.verification import load_case, verify

from ..scalar import ScalarMLP
from .casefiles import shipped
from .reports import DocumentReport, document_report

STEM = "seed001_blog"
"""The blog's case file: ``nn/documents/seed001_blog.toml``."""


def seed001_network() -> tuple[ScalarMLP, dict[str, float], dict[str, float]]:
    """The blog's 2-3-3-1 network with its weights and biases, and its inputs (``x1``, ``x2``)
    and target (``y``), all from its case file."""
    case_file = load_case(shipped(STEM))
    inputs = {k: float(v) for k, v in case_file.inputs.items() if k.startswith("x")}
    target = {k: float(v) for k, v in case_file.inputs.items() if k not in inputs}
    net = ScalarMLP([2, 3, 3, 1], hidden="relu", output="sigmoid", names="numbered")
    net.set_parameters({k: float(v) for k, v in case_file.parameters.items()})
    return net, inputs, target


def seed001_blog() -> DocumentReport:
    """The blog's case file verified, with central differences, the chain rule for w1, one
    update with the blog's learning rate and the notes (`reports.DocumentReport`)."""
    return document_report(verify(shipped(STEM)))
