"""Helpers for the explorer's tests: the graphs the pages explore, fresh each time, and the
page read back (its JSON and the hooks on its drawings) to compare with the engine."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from chaingrad.autograd.chain import chain_rule, format_number
from chaingrad.autograd.graph import topological_order
from chaingrad.nn.app.explore import case_subject, file_subject
from chaingrad.nn.app.explorer import Subject
from chaingrad.nn.documents.casefiles import SHIPPED_CASE_FILES
from chaingrad.nn.documents.catalog import CASES

SVG = "{http://www.w3.org/2000/svg}"
CASE_FILES = sorted(SHIPPED_CASE_FILES.glob("*.toml"))


def subjects() -> dict[str, Callable[[], Subject]]:
    """Every built-in case and shipped case file, by name, as a function making its graph."""
    made: dict[str, Callable[[], Subject]] = {
        name: (lambda case=case: case_subject(case)) for name, case in CASES.items()
    }
    made.update({path.name: (lambda path=path: file_subject(path)) for path in CASE_FILES})
    return made


def page_json(page: str) -> dict:
    """The data the page's script reads."""
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page)
    assert found, "no data on the page"
    return json.loads(found.group(1))


def drawings(page: str) -> dict[str, ET.Element]:
    """Each view's SVG, parsed."""
    found = re.findall(r'<template id="view-(\w+)">(.*?)</template>', page, re.S)
    return {view: ET.fromstring(svg) for view, svg in found}


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    """The ``<g class="node ...">`` (or edge) elements of a drawing."""
    return [g for g in svg.iter(f"{SVG}g") if (g.get("class") or "").split()[:1] == [kind]]


def text_of(number: float) -> str:
    """A number as `explain` writes it."""
    return format_number(number, 4)


def expected_table(subject: Subject, target_index: int, labelled_only: bool) -> dict:
    """What the page must list for a node of `subject`'s graph (by its index in the
    topological order), from `chain_rule` on the graph after backward()."""
    order = topological_order(subject.root)
    position = {id(node): i for i, node in enumerate(order)}
    target = order[target_index]
    rule = chain_rule(subject.root, target, labelled_only=labelled_only)
    return {
        "rows": [
            {
                "route": [position[id(n)] for n in (rule.root, *(f.parent for f in p.factors))],
                "factors": [text_of(f.value) for f in p.factors],
                "exactFactors": [f.value for f in p.factors],
                "product": text_of(p.product),
                "exactProduct": p.product,
            }
            for p in rule.paths
        ],
        "total": text_of(rule.total),
        "exactTotal": rule.total,
        "grad": text_of(target.grad),
        "exactGrad": target.grad,
    }


def explain_lines(rule_text: str) -> list[tuple[str, str]]:
    """From `explain`'s text: each path's factors and product, as written."""
    found = []
    for line in rule_text.splitlines():
        numbers = re.match(r"\s+= (.+) = (\S+)$", line)
        if numbers and "sum of" not in line:
            found.append((numbers.group(1), numbers.group(2)))
    return found
