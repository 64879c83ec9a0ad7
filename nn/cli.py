"""The `chaingrad` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .documents import seed000_case1


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `chaingrad` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="chaingrad",
        description="A tiny autograd engine that shows its work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo_parser = commands.add_parser("demo", help="run the main job: every document case")
    demo_parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `chaingrad` command with `argv` (default: the process arguments)."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return demo(args.out)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown ones


if __name__ == "__main__":
    sys.exit(main())
