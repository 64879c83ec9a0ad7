"""The `chaingrad` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograd.casefile import CaseFileError
from autograd.draw import DotNotFoundError
from autograd.verify import verify

from .documents import seed000_case1

REPORT_FORMATS = {".md": "markdown", ".html": "html"}


def demo(out_dir: Path) -> int:
    """The main job: compute every document case and write the results into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    case1 = seed000_case1()
    text = case1.report()
    print(text)
    target = out_dir / "seed000_case1.txt"
    partial = target.with_suffix(".txt.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(target)
    print(f"\nwritten: {target}")
    return 0 if all(c.agrees for c in case1.checks) else 1


def verify_command(
    file: Path, as_json: bool, report: Path | None, draw_dir: Path | None = None
) -> int:
    """Check a case file's claims: exit 0 when none is wrong, 1 when some are, 2 when invalid.

    An invalid file (or an unusable --report path) gets a one-line message on
    stderr, never a traceback.
    """
    if report is not None and report.suffix.lower() not in REPORT_FORMATS:
        return _fail(f"--report {report}: the report must end in .md or .html")
    try:
        result = verify(file)
    except CaseFileError as error:
        return _fail(str(error))
    print(result.json() if as_json else result.text())
    if report is not None:
        text = getattr(result, REPORT_FORMATS[report.suffix.lower()])()
        try:
            report.parent.mkdir(parents=True, exist_ok=True)
            partial = report.with_name(report.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(report)
        except OSError as error:
            return _fail(f"--report {report}: cannot write the report ({error.strerror or error})")
        if not as_json:
            print(f"\nreport written: {report}")
    if draw_dir is not None:
        try:
            drawings = result.draw(draw_dir)
        except DotNotFoundError as error:
            print(f"chaingrad verify: warning: {error}", file=sys.stderr)
        except OSError as error:
            return _fail(
                f"--draw {draw_dir}: cannot write the drawings ({error.strerror or error})"
            )
        else:
            if not as_json:
                print(f"\ndrawings written: {len(drawings)} in {draw_dir}")
    return result.exit_code


def _fail(message: str) -> int:
    print(f"chaingrad verify: error: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `chaingrad` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="chaingrad",
        description="A tiny autograd engine that shows its work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo_parser = commands.add_parser("demo", help="run the main job: every document case")
    demo_parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    verify_parser = commands.add_parser(
        "verify",
        help="check a case file: the numbers and formulas a document claims",
        description="Check every claim of a case file. Exit status: 0 when no claim is wrong, "
        "1 when some claim is wrong, 2 when the file is invalid.",
    )
    verify_parser.add_argument("file", type=Path, help="the case file (TOML)")
    verify_parser.add_argument("--json", action="store_true", help="print the results as JSON")
    verify_parser.add_argument(
        "--report", type=Path, metavar="OUT", help="also write a report (OUT ends in .md or .html)"
    )
    verify_parser.add_argument(
        "--draw",
        type=Path,
        metavar="DIR",
        help="write the chain-rule drawing (SVG) of each wrong derivative into DIR",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `chaingrad` command with `argv` (default: the process arguments)."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return demo(args.out)
    if args.command == "verify":
        return verify_command(args.file, args.json, args.report, args.draw)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown ones


if __name__ == "__main__":
    sys.exit(main())
