"""``chaingrad explore``: the interactive chain-rule page of a built-in case or a case file.

``chaingrad explore seed001-blog`` writes ``seed001-blog.html``: one self-contained page
(see `nn.app.explorer`) with the network, expressions and ops views of the case, on which
a click on a node lists every path from the loss to it and a stepper walks the backward
pass. A case file (``chaingrad explore case.toml``) gets the expressions and ops views;
its equations are its graph (`autograd.verification.Point`), at its own inputs and
parameters. `write_case_pages` writes the page of every built-in case, for the gallery.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from chaingrad.autograd.verification import Point, load_case

from ..documents.catalog import CASES, Case
from .case_names import drawing_target
from .explorer import VIEWS, ExploreError, Subject, write_page
from .output import emit


def case_subject(case: Case) -> Subject:
    """A built-in case's page: its network after one forward and backward pass."""
    built = case.build()
    about = f"{case.numbers}. Document: {case.source}."
    return Subject(case.title, built.loss, tuple(built.parameters), built.layout, about=about)


def file_subject(path: Path) -> Subject:
    """A case file's page: its equations built at its inputs and parameters; the loss is
    the file's (``[train] loss``, else its last equation)."""
    if not path.is_file():
        raise ExploreError(f"explore: {path}: no such case file")
    case = load_case(path)
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    formulas = {equation.name: equation.expression.text for equation in case.equations}
    return Subject(
        case.title or path.stem,
        point.nodes[case.loss],
        tuple(point.nodes[name] for name in case.parameters),
        formulas=formulas,
        about=f"Case file {path.name}, at its own inputs and parameters; the loss is {case.loss}.",
    )


def explore_command(target: str, view: str | None, out: Path) -> int:
    """Write the page of `target` into folder `out`: a local case file, a built-in case or a
    shipped case file, found by name as ``chaingrad draw`` finds them."""
    found = drawing_target(target)
    if isinstance(found, Path):
        subject, stem = file_subject(found), found.stem
    else:
        subject, stem = case_subject(found), found.name
    out.mkdir(parents=True, exist_ok=True)
    written = write_page(subject, out / f"{stem}.html", view)
    emit(f"written: {written}")
    return 0


def write_case_pages(out_dir: Path, cases: Iterable[Case] | None = None) -> dict[str, str]:
    """Write the page of each built-in case (default: all) into `out_dir`/explore; return
    each case's page as a link relative to `out_dir`."""
    folder = out_dir / "explore"
    folder.mkdir(parents=True, exist_ok=True)
    links = {}
    for case in CASES.values() if cases is None else cases:
        write_page(case_subject(case), folder / f"{case.name}.html")
        links[case.name] = f"explore/{case.name}.html"
    return links


def add_explore_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``chaingrad explore``'s arguments to `parser` (pass them on to `explore_command`)."""
    parser.add_argument(
        "target",
        metavar="FILE|NAME",
        help="a case file, or a document case by name (see 'chaingrad cases')",
    )
    parser.add_argument(
        "--view",
        choices=VIEWS,
        help="the view the page opens on (default: network for a built-in case, "
        "expressions for a case file); the page switches between them",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="output folder (default: the current folder)",
    )
