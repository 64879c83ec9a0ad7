"""``chaingrad bench`` and ``python -m chaingrad.nn.app.bench``: the options, and running.

`add_bench_arguments` declares the options for both (every help names its default; a bad
value is an argparse error: one line and exit status 2 under ``chaingrad``). The module
form also takes the hidden ``--case WORKLOAD ENGINE``: run one case in this process and
print its JSON line (what the harness spawns).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence

from ..output import emit
from .harness import RunSettings, run_benchmarks, run_case
from .registry import WORKLOADS
from .table import format_table

DESCRIPTION = (
    "Time chaingrad against micrograd, PyTorch, hand-written numpy and the floor (a bare "
    "eager engine with no checks) on four workloads (scalar, nielsen, large, deep): each "
    "case in its own process, rounds interleaved, judged on the best of all timed repeats "
    "with the median and spread beside it."
)
ROUNDS, REPEATS = 3, 3
"""The full run's rounds and timed repeats per round (--quick: 1 and 1)."""


def _workload_list(text: str) -> tuple[str, ...]:
    """A ``--workloads`` value: comma-separated workload names, at least one, all known."""
    names = tuple(dict.fromkeys(w.strip() for w in text.split(",") if w.strip()))
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {', '.join(map(repr, unknown)) or repr(text)}; "
            f"choose from {','.join(WORKLOADS)}"
        )
    return names


def _between(least: int, most: int) -> Callable[[str], int]:
    """An option's type: a whole number from `least` to `most` (a full run with the default
    counts takes minutes; the upper bounds keep a typo from taking days)."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is less than {least}")
        if value > most:
            raise argparse.ArgumentTypeError(f"{value} is more than {most}, the limit")
        return value

    return whole_number


MAX_ROUNDS = 20
"""At most this many rounds, and this many repeats per round (3 x 3 take about 5 minutes)."""
MAX_WARMUP = 10
MAX_THREADS = 256


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chaingrad bench`` (and of the module form)."""
    parser.add_argument(
        "--workloads",
        type=_workload_list,
        default=tuple(WORKLOADS),
        metavar="W1,W2",
        help=f"comma-separated, from {','.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument(
        "--rounds",
        type=_between(1, MAX_ROUNDS),
        metavar="N",
        help=f"interleaved rounds over the engines, 1 to {MAX_ROUNDS} (default: {ROUNDS}; 1 with "
        "--quick)",
    )
    parser.add_argument(
        "--repeats",
        type=_between(1, MAX_ROUNDS),
        metavar="N",
        help=f"timed repeats per case and round, 1 to {MAX_ROUNDS} (default: {REPEATS}; 1 with "
        "--quick)",
    )
    parser.add_argument(
        "--warmup",
        type=_between(0, MAX_WARMUP),
        default=1,
        metavar="N",
        help=f"untimed repeats before them, 0 to {MAX_WARMUP} (default: 1)",
    )
    threads = os.cpu_count() or 1
    parser.add_argument(
        "--threads",
        type=_between(1, MAX_THREADS),
        default=threads,
        metavar="N",
        help=f"OMP/MKL/OPENBLAS_NUM_THREADS for every case, 1 to {MAX_THREADS} (default: all "
        f"cores, {threads} here)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and, unless given, 1 round of 1 repeat: a smoke run whose times "
        "mean nothing (default: the full sizes)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON (default: as tables)"
    )


def settings_from(args: argparse.Namespace) -> RunSettings:
    """The parsed options as `RunSettings` (--quick makes the unset counts 1)."""
    rounds, repeats = (1, 1) if args.quick else (ROUNDS, REPEATS)
    return RunSettings(
        workloads=tuple(args.workloads),
        rounds=args.rounds or rounds,
        repeats=args.repeats or repeats,
        warmup=args.warmup,
        threads=args.threads,
        quick=args.quick,
    )


def bench_command(args: argparse.Namespace) -> int:
    """Run the benchmark and print the tables (or the JSON) on stdout; progress on stderr."""
    results = run_benchmarks(settings_from(args))
    emit(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The module form's parser: the options of ``chaingrad bench`` and the hidden --case."""
    parser = argparse.ArgumentParser(
        prog="python -m chaingrad.nn.app.bench", description=DESCRIPTION
    )
    add_bench_arguments(parser)
    parser.add_argument("--case", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one case (--case) or the whole benchmark; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.case:
        workload, engine = args.case
        settings = settings_from(args)
        result = run_case(workload, engine, settings.warmup, settings.repeats, settings.quick)
        print(json.dumps(result))
        return 0
    return bench_command(args)
