"""The `chaingrad` command: demo, cases, draw, explore, verify, train, new, bench, help.

Every command reports a user error (a missing file, an unknown case, an invalid
case file, no ``dot`` program, an output path that cannot be written, a misspelt
option) as one line on stderr with exit status 2; a traceback only with ``--debug``.
A reader that stops early (``chaingrad verify f.toml | head -1``) ends the output
quietly and leaves the exit status alone (`output`). This module declares the
command line and runs the commands; ``train``, ``new``, ``bench`` and ``help`` live in
modules of their own (`tasks`, `starter`, `bench`, `help`), case names in `case_names`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from chaingrad.autograd.chain import ChainRuleError
from chaingrad.autograd.drawing import (
    DEFAULT_MAX_EDGES,
    DEFAULT_MAX_NODES,
    DOT_TIMEOUT,
    SAVE_FORMATS,
    DotNotFoundError,
    DrawError,
    draw,
    save,
)
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

from ..checks import CLOSE_ENOUGH, UnknownNameError, nearest_names, unknown_name_hint
from ..documents.casefiles import SHIPPED_CASE_FILES
from ..documents.catalog import CASES
from ..documents.seed000 import seed000_cases
from ..documents.seed001 import seed001_blog
from .bench.command import DESCRIPTION as BENCH_DESCRIPTION
from .bench.command import add_bench_arguments, bench_command
from .case_names import NAMES_NOTE, case_file, cases_listing, drawing_target
from .explore import add_explore_arguments, explore_command, write_case_pages
from .explorer import ExploreError
from .gallery import draw_case, drawing_name, write_gallery
from .help import add_help_arguments, help_command
from .output import emit, flush_stdout
from .starter import add_new_arguments, new_command
from .tasks import add_train_arguments, train_command
from .usage import UsageError

REPORT_FORMATS = {".md": "markdown", ".html": "html"}
VIEWS = ("network", "expressions", "ops")


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE; see 'PROG --help'`` on stderr and exit with status 2;
        a misspelt choice gets the nearest one (``did you mean 'xor'?``)."""
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice is not None:  # the choices are quoted up to Python 3.11, bare after
            listed = choice.group(2)
            known = re.findall(r"'([^']*)'", listed) or [c.strip() for c in listed.split(",")]
            nearest = nearest_names(choice.group(1), known)
            if nearest and nearest[0][1] >= CLOSE_ENOUGH:
                message += f" (did you mean {nearest[0][0]!r}?)"
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
    emit("Writing the interactive chain-rule page of every built-in case:")
    explorer = write_case_pages(out_dir)
    emit(f"  {len(explorer)} pages in {out_dir / 'explore'}")
    links = {
        name: [("explore the chain rule, interactively (HTML)", explorer[name])] for name in CASES
    }
    emit("Verifying the documents' case files:")
    for path in sorted(SHIPPED_CASE_FILES.glob("*.toml")):
        result = verify(path)
        written = _write_reports(result, out_dir / "verify", path.stem)
        s = result.summary
        emit(f"  {path.name:<28} {s['ok']:>3} ok {s['rounding']:>3} rounding {s['wrong']:>3} wrong")
        for case in _catalog_cases_for(path.stem, result.source):
            links[case] += [
                (
                    f"verify {path.name}: {s['ok']} ok, {s['rounding']} rounding, "
                    f"{s['wrong']} wrong (HTML)",
                    written[0],
                ),
                (f"verify {path.name} (Markdown)", written[1]),
            ]
    emit("Checking the documents' derivative formulas against autodiff:")
    for name, report in _document_reports():
        target = out_dir / "documents" / f"{name}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, (report + "\n").encode("utf-8"))
        links[name].append(
            ("the document's formulas against autodiff (text)", f"documents/{name}.txt")
        )
        emit(f"  {name}: written {target}")
    emit("Training seed 003's network on its XOR table:")
    if train_command("xor", out_dir=out_dir / "train", progress=False) != 0:
        raise UsageError(
            "training seed 003's XOR network failed (error above); run "
            f"'chaingrad --debug train xor --out {out_dir / 'train'}' for the traceback"
        )
    links["seed003-xor"] += [
        ("training: loss and accuracy per epoch (PNG)", "train/train_xor.png"),
        ("training: decision regions (PNG)", "train/train_xor_boundary.png"),
    ]
    emit("Drawing every built-in case:")
    index = write_gallery(out_dir, links=links)
    emit(f"\ngallery: {index}")
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
    """List every document case by name: what ``draw`` draws and the file ``verify`` checks."""
    emit(cases_listing())
    return 0


def draw_command(
    target: str,
    wrt: str | None,
    view: str | None,
    fmt: str,
    out: Path,
    limits: Mapping[str, int] | None = None,
) -> int:
    """Draw a built-in case (default: network view) or a case file (default: expressions);
    `limits` (``max_nodes``, ``max_edges``) raise or lower the drawing's bounds for a case
    file."""
    found = drawing_target(target)
    if isinstance(found, Path):
        written = _draw_case_file(found, wrt, view or "expressions", fmt, out, limits or {})
    else:
        view = view or "network"
        written = out / f"{drawing_name(found.name, view, wrt)}.{fmt}"
        draw_case(found, view=view, wrt=wrt, path=written)
    emit(f"written: {written}")
    return 0


def _draw_case_file(
    path: Path, wrt: str | None, view: str, fmt: str, out: Path, limits: Mapping[str, int]
) -> Path:
    if view == "network":
        raise UsageError(
            "the network view needs a built-in case (a network with layers); "
            "draw a case file with --view expressions or --view ops"
        )
    case = load_case(path)
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    point.backward(case.loss)
    root = point.nodes[case.loss]
    if wrt is not None and wrt not in point.nodes:
        raise UsageError(
            f"--wrt {wrt}: {path.name} defines no node of that name; "
            + unknown_name_hint(wrt, point.nodes, "its names")
        )
    graph = draw(
        root,
        view=view,
        wrt=None if wrt is None else point.nodes[wrt],
        parameters=[point.nodes[name] for name in case.parameters],
        **limits,
    )
    name = f"{path.name.removesuffix('.toml')}-{view}" + (f"-{wrt}" if wrt else "")
    return save(graph, out / f"{name}.{fmt}")


MAX_DRAWING_LIMIT = 5000
"""The largest ``--max-nodes`` or ``--max-edges`` ``chaingrad draw`` accepts."""


def _drawing_limit(text: str) -> int:
    """A ``--max-nodes``/``--max-edges`` value: a whole number from 1 to `MAX_DRAWING_LIMIT`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_DRAWING_LIMIT:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_DRAWING_LIMIT}")
    return value


def _limits(args: argparse.Namespace) -> dict[str, int]:
    """The drawing bounds given on the command line, by `draw`'s keyword."""
    given = {"max_nodes": args.max_nodes, "max_edges": args.max_edges}
    return {key: value for key, value in given.items() if value is not None}


# ----------------------------------------------------------------------------- verify
def verify_command(
    target: str, as_json: bool, report: Path | None, draw_dir: Path | None = None
) -> int:
    """Check a case file's claims (a file, or a shipped case by name): exit 0 when none is
    wrong, 1 when some are, 2 when the file is invalid."""
    if report is not None and report.suffix.lower() not in REPORT_FORMATS:
        raise UsageError(f"--report {report}: the report must end in .md or .html")
    result = verify(case_file(target))
    emit(result.json() if as_json else result.text())
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
            emit(f"\nreport written: {report}")
    if draw_dir is not None:
        try:
            drawings = result.draw(draw_dir, on_skip=_note_skipped)
        except DotNotFoundError as error:
            print(f"chaingrad verify: warning: {error}", file=sys.stderr)
        except OSError as error:
            raise UsageError(
                f"--draw {draw_dir}: cannot write the drawings ({error.strerror or error})"
            ) from None
        else:
            if not as_json:
                emit(f"\ndrawings written: {len(drawings)} in {draw_dir}")
    return result.exit_code


def _note_skipped(note: str) -> None:
    """Say on stderr that a drawing of ``verify --draw`` was skipped (the verdict stands)."""
    print(f"chaingrad verify: note: {note}", file=sys.stderr)


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

    commands.add_parser(
        "cases",
        help="list the document cases by name: built-in networks and shipped case files",
        description=f"List the document cases by name. {NAMES_NOTE}",
    )

    draw_parser = commands.add_parser(
        "draw",
        help="draw a built-in case or a case file",
        description="Draw a case file (.toml), a built-in case or a shipped case file by name "
        f"(see 'chaingrad cases'). {NAMES_NOTE}",
    )
    draw_parser.add_argument(
        "target", metavar="FILE|NAME", help="a case file, or a case's name (seed001-blog)"
    )
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
    for option, default in (("--max-nodes", DEFAULT_MAX_NODES), ("--max-edges", DEFAULT_MAX_EDGES)):
        draw_parser.add_argument(
            option,
            type=_drawing_limit,
            metavar="N",
            help=f"refuse a case file's drawing with more than N {option[6:]} (default: "
            f"{default}; at most {MAX_DRAWING_LIMIT}: Graphviz is stopped after "
            f"{DOT_TIMEOUT:g} s anyway)",
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
        "1 when some claim is wrong, 2 when the file is invalid. The format: 'chaingrad help "
        f"casefile'. {NAMES_NOTE}",
    )
    verify_parser.add_argument(
        "file", metavar="FILE|NAME", help="the case file (TOML), or a shipped case's name"
    )
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

    new_parser = commands.add_parser(
        "new", help="write a starter case file for a network, ready for a document's numbers"
    )
    add_new_arguments(new_parser)

    bench_parser = commands.add_parser(
        "bench",
        help="time chaingrad against micrograd, PyTorch and hand-written numpy",
        description=BENCH_DESCRIPTION,
    )
    add_bench_arguments(bench_parser)

    help_parser = commands.add_parser(
        "help", help="the reference of the case-file language (chaingrad help casefile)"
    )
    add_help_arguments(help_parser)
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
        "draw": lambda: draw_command(
            args.target, args.wrt, args.view, args.fmt, args.out, _limits(args)
        ),
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
        "new": lambda: new_command(
            args.sizes, args.hidden, args.output, args.loss, names=args.names, out=args.out
        ),
        "bench": lambda: bench_command(args),
        "help": lambda: help_command(args.topic),
    }
    try:
        status = commands[args.command]()
        flush_stdout()  # a reader that stopped early is told here, not at exit
        return status
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
