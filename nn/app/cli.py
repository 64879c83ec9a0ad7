"""The `chaingrad` command: demo, cases, draw, explore, verify, train.

Every command reports a user error (a missing file, an unknown case, an invalid
case file, no ``dot`` program, an output path that cannot be written, a misspelt
option) as one line on stderr with exit status 2; a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from chaingrad.autograd.chain import ChainRuleError
from chaingrad.autograd.drawing import SAVE_FORMATS, DotNotFoundError, DrawError, draw, save
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.verification import (
    CaseFileError,
    ExpressionError,
    Point,
    VerifyResult,
    load_case,
    verify,
)

from chaingrad import __version__

from ..checks import UnknownNameError
from ..documents.casefiles import SHIPPED_CASE_FILES
from ..documents.catalog import CASES, case_table
from ..documents.seed000 import seed000_cases
from ..documents.seed001 import seed001_blog
from .explore import add_explore_arguments, explore_command, write_case_pages
from .explorer import ExploreError
from .gallery import draw_case, write_gallery
from .tasks import add_train_arguments, train_command

REPORT_FORMATS = {".md": "markdown", ".html": "html"}
VIEWS = ("network", "expressions", "ops")


class UsageError(Exception):
    """A mistake on the command line or in its inputs: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE; see 'PROG --help'`` on stderr and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


# ----------------------------------------------------------------------------- demo
def demo(out_dir: Path) -> int:
    """The main job: verify every shipped case file and draw every built-in case into `out_dir`.

    Writes ``verify/<case file>.md|.html`` (plus drawings of wrong claims),
    ``documents/*.txt`` (each document's formulas against autodiff), a training
    run of seed 003's XOR network with its plots (``train/``) and the gallery
    ``index.html`` linking them all. Wrong claims are findings about the
    documents, not failures: the exit status is 0 when everything was computed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    print("Writing the interactive chain-rule page of every built-in case:")
    explorer = write_case_pages(out_dir)
    print(f"  {len(explorer)} pages in {out_dir / 'explore'}")
    links = {
        name: [("explore the chain rule, interactively (HTML)", explorer[name])] for name in CASES
    }
    print("Verifying the documents' case files:")
    for path in sorted(SHIPPED_CASE_FILES.glob("*.toml")):
        result = verify(path)
        written = _write_reports(result, out_dir / "verify", path.stem)
        s = result.summary
        print(
            f"  {path.name:<28} {s['ok']:>3} ok {s['rounding']:>3} rounding {s['wrong']:>3} wrong"
        )
        for case in _catalog_cases_for(path.stem, result.source):
            links[case] += [
                (
                    f"verify {path.name}: {s['ok']} ok, {s['rounding']} rounding, "
                    f"{s['wrong']} wrong (HTML)",
                    written[0],
                ),
                (f"verify {path.name} (Markdown)", written[1]),
            ]
    print("Checking the documents' derivative formulas against autodiff:")
    for name, report in _document_reports():
        target = out_dir / "documents" / f"{name}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, (report + "\n").encode("utf-8"))
        links[name].append(
            ("the document's formulas against autodiff (text)", f"documents/{name}.txt")
        )
        print(f"  {name}: written {target}")
    print("Training seed 003's network on its XOR table:")
    if train_command("xor", out_dir=out_dir / "train", progress=False) != 0:
        raise UsageError(
            "training seed 003's XOR network failed (error above); run "
            f"'chaingrad --debug train xor --out {out_dir / 'train'}' for the traceback"
        )
    links["seed003-xor"] += [
        ("training: loss and accuracy per epoch (PNG)", "train/train_xor.png"),
        ("training: decision regions (PNG)", "train/train_xor_boundary.png"),
    ]
    print("Drawing every built-in case:")
    index = write_gallery(out_dir, links=links)
    print(f"\ngallery: {index}")
    return 0


def _write_reports(result: VerifyResult, folder: Path, stem: str) -> tuple[str, str]:
    """Write the HTML and Markdown reports and the drawings of wrong claims; relative links."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / f"{stem}.html", result.html().encode("utf-8"))
    write_atomically(folder / f"{stem}.md", result.markdown().encode("utf-8"))
    if result.wrong:
        try:
            result.draw(folder / stem)
        except DotNotFoundError as error:
            print(f"  warning: {error}", file=sys.stderr)
    return f"verify/{stem}.html", f"verify/{stem}.md"


def _catalog_cases_for(stem: str, source: str | None) -> list[str]:
    """The built-in cases a case file belongs to: the one of the same name, else same source."""
    same_name = [name for name in CASES if name.replace("-", "_") == stem]
    if same_name:
        return same_name
    return [name for name, case in CASES.items() if source and case.source == source]


def _document_reports() -> list[tuple[str, str]]:
    """Each seed 000 case and the seed 001 blog: the document's formulas next to autodiff."""
    reports = [(f"seed000-case{i}", r.text()) for i, r in enumerate(seed000_cases(), start=1)]
    reports.append(("seed001-blog", seed001_blog().text()))
    return reports


# ----------------------------------------------------------------------------- cases, draw
def cases_command() -> int:
    """List the built-in cases and the shipped case files."""
    print("Built-in cases (chaingrad draw NAME):")
    print(case_table())
    print(f"\nShipped case files (chaingrad verify FILE), in {SHIPPED_CASE_FILES}:")
    for path in sorted(SHIPPED_CASE_FILES.glob("*.toml")):
        print(f"  {path.name}")
    return 0


def draw_command(target: str, wrt: str | None, view: str | None, fmt: str, out: Path) -> int:
    """Draw a built-in case (default: network view) or a case file (default: expressions)."""
    path = Path(target)
    if target in CASES:
        written = draw_case(target, view=view or "network", wrt=wrt, fmt=fmt, out_dir=out)
    elif path.suffix == ".toml" or path.is_file():
        written = _draw_case_file(path, wrt, view or "expressions", fmt, out)
    else:
        raise UsageError(
            f"{target!r} is neither a built-in case nor a case file; "
            f"run 'chaingrad cases' to list the cases ({', '.join(CASES)})"
        )
    print(f"written: {written}")
    return 0


def _draw_case_file(path: Path, wrt: str | None, view: str, fmt: str, out: Path) -> Path:
    if view == "network":
        raise UsageError(
            "the network view needs a built-in case (a network with layers); "
            "draw a case file with --view expressions or --view ops"
        )
    if not path.exists():
        raise UsageError(f"{path}: no such case file")
    case = load_case(path)
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    point.backward(case.loss)
    root = point.nodes[case.loss]
    if wrt is not None and wrt not in point.nodes:
        raise UsageError(
            f"--wrt {wrt}: {path.name} defines no node of that name; "
            f"its names: {', '.join(point.nodes)}"
        )
    graph = draw(
        root,
        view=view,
        wrt=None if wrt is None else point.nodes[wrt],
        parameters=[point.nodes[name] for name in case.parameters],
    )
    name = f"{path.stem}-{view}" + (f"-{wrt}" if wrt else "")
    return save(graph, out / f"{name}.{fmt}")


# ----------------------------------------------------------------------------- verify
def verify_command(
    file: Path, as_json: bool, report: Path | None, draw_dir: Path | None = None
) -> int:
    """Check a case file's claims: exit 0 when none is wrong, 1 when some are, 2 when invalid."""
    if report is not None and report.suffix.lower() not in REPORT_FORMATS:
        raise UsageError(f"--report {report}: the report must end in .md or .html")
    result = verify(file)
    print(result.json() if as_json else result.text())
    if report is not None:
        text = getattr(result, REPORT_FORMATS[report.suffix.lower()])()
        try:
            report.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(report, text.encode("utf-8"))
        except OSError as error:
            raise UsageError(
                f"--report {report}: cannot write the report ({error.strerror or error})"
            ) from None
        if not as_json:
            print(f"\nreport written: {report}")
    if draw_dir is not None:
        try:
            drawings = result.draw(draw_dir)
        except DotNotFoundError as error:
            print(f"chaingrad verify: warning: {error}", file=sys.stderr)
        except OSError as error:
            raise UsageError(
                f"--draw {draw_dir}: cannot write the drawings ({error.strerror or error})"
            ) from None
        else:
            if not as_json:
                print(f"\ndrawings written: {len(drawings)} in {draw_dir}")
    return result.exit_code


# ----------------------------------------------------------------------------- parsing
def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `chaingrad` and its subcommands."""
    parser = _Parser(
        prog="chaingrad",
        description="A tiny autograd engine that shows its work.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument(
        "--version", action="version", version=f"chaingrad {__version__}", help="show the version"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_parser = commands.add_parser(
        "demo", help="the main job: verify and draw every document case into a folder"
    )
    demo_parser.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        metavar="DIR",
        help="output folder (default: ./out)",
    )

    commands.add_parser("cases", help="list the built-in cases and shipped case files")

    draw_parser = commands.add_parser(
        "draw",
        help="draw a built-in case or a case file",
        description="Draw a built-in case (see 'chaingrad cases') or a case file (.toml).",
    )
    draw_parser.add_argument("target", help="a built-in case name or a case file")
    draw_parser.add_argument(
        "--wrt", metavar="NAME", help="light every path to this node (default: none)"
    )
    draw_parser.add_argument(
        "--view",
        choices=VIEWS,
        help="network (built-in cases; their default), expressions (case files' default), ops",
    )
    draw_parser.add_argument(
        "--format", choices=SAVE_FORMATS, default="svg", dest="fmt", help="(default: svg)"
    )
    draw_parser.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="output folder (default: the current folder)",
    )

    explore_parser = commands.add_parser(
        "explore",
        help="write an interactive chain-rule page for a built-in case or a case file",
        description="Write one self-contained HTML page: click a node to see every path "
        "from the loss to it; step through the engine's backward pass.",
    )
    add_explore_arguments(explore_parser)

    train_parser = commands.add_parser(
        "train", help="train a network (xor, moons, digits, digits-relu) and plot it"
    )
    add_train_arguments(train_parser)

    verify_parser = commands.add_parser(
        "verify",
        help="check a case file: the numbers and formulas a document claims",
        description="Check every claim of a case file. Exit status: 0 when no claim is wrong, "
        "1 when some claim is wrong, 2 when the file is invalid.",
    )
    verify_parser.add_argument("file", type=Path, help="the case file (TOML)")
    verify_parser.add_argument(
        "--json", action="store_true", help="print the results as JSON (default: as text)"
    )
    verify_parser.add_argument(
        "--report",
        type=Path,
        metavar="OUT",
        help="also write a report (OUT ends in .md or .html; default: none)",
    )
    verify_parser.add_argument(
        "--draw",
        type=Path,
        metavar="DIR",
        help="write the chain-rule drawing (SVG) of each wrong derivative into DIR (default: none)",
    )
    return parser


_USER_ERRORS = (
    UsageError,
    CaseFileError,
    ChainRuleError,
    ExpressionError,
    DrawError,
    DotNotFoundError,
    ExploreError,
    UnknownNameError,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `chaingrad` command with `argv` (default: the process arguments)."""
    args = build_parser().parse_args(argv)
    commands: dict[str, Callable[[], int]] = {
        "demo": lambda: demo(args.out),
        "cases": cases_command,
        "draw": lambda: draw_command(args.target, args.wrt, args.view, args.fmt, args.out),
        "explore": lambda: explore_command(args.target, args.view, args.out),
        "verify": lambda: verify_command(args.file, args.json, args.report, args.draw),
        "train": lambda: train_command(
            args.task,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            hidden=args.hidden,
            seed=args.seed,
            out_dir=args.out,
            progress=not args.no_progress,
            debug=args.debug,
        ),
    }
    try:
        return commands[args.command]()
    except _USER_ERRORS as error:
        if args.debug:
            raise
        print(f"chaingrad {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if args.debug:
            raise
        if error.errno is None and error.filename is None:  # ours, with its own message
            message = str(error)  # (e.g. nn.load's "no such file", raised while reading)
        else:  # the system's, for an output path that cannot be written: a file where a
            # folder is expected, a folder where a file is, no permission, a full disk
            message = (
                f"cannot write {error.filename2 or error.filename or 'the output'} "
                f"({error.strerror or error}); choose an --out folder you can write to"
            )
        print(f"chaingrad {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
