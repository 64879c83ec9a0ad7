"""More rows of the hostile-input table (see tests/hostile_inputs.py): the command line's
sizes, names, output files and a reader that stops early (issue 17).

`accepted` rows here run a command and check what it did: the command line takes the input
as documented (a report written through a symlink, a file name of 255 bytes, a closed
stdout pipe that ends the output quietly and keeps the verdict's exit status).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from chaingrad.nn.app.cli import main
from chaingrad.nn.app.tasks import MAX_EPOCHS, MAX_HIDDEN, run_task
from hostile_inputs import BLOG, CLI, Row, accepted, cli, expect, python

LONGEST_NAME = "r" * 252 + ".md"
"""A report name of 255 bytes, the longest most file systems allow."""


def _report_through_symlink(folder: Path) -> None:
    real = folder / "reports" / "real.md"
    real.parent.mkdir()
    real.write_text("old")
    link = folder / "link.md"
    link.symlink_to(real)
    expect(main(["verify", BLOG, "--report", str(link)]) == 1, "the verdict: some claims wrong")
    expect(link.is_symlink(), "the link is still a link")
    expect(real.read_text(encoding="utf-8").startswith("# Deep Learning"), "the target holds it")
    expect([p.name for p in real.parent.iterdir()] == ["real.md"], "no temporary file left")


def _report_longest_name(folder: Path) -> None:
    expect(main(["verify", BLOG, "--report", str(folder / LONGEST_NAME)]) == 1, "exit 1")
    expect((folder / LONGEST_NAME).read_text(encoding="utf-8").startswith("# "), "written")


def _closed_stdout(*argv: str, status: int) -> Callable[[Path], None]:
    """Run ``chaingrad ARGV`` with its stdout pipe closed before it writes: it must end
    quietly (nothing on stderr) with `status`, the exit status of its verdict."""

    def run(folder: Path) -> None:
        child = subprocess.Popen(
            [sys.executable, "-m", "chaingrad", *(a.replace("{tmp}", str(folder)) for a in argv)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=folder,
        )
        child.stdout.close()  # the reader is gone before the first line
        err = child.stderr.read().decode()
        code = child.wait()
        expect(err == "", f"nothing on stderr, got {err!r}")
        expect(code == status, f"exit status {status}, got {code}")

    return run


def _report_kept_after_closed_stdout(folder: Path) -> None:
    _closed_stdout("verify", BLOG, "--report", "{tmp}/r.html", status=1)(folder)
    expect((folder / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>"), "kept")


ROWS: list[Row] = [
    # ------------------------------------------------------------------ sizes
    cli("cli-hidden-huge", "chaingrad train xor --hidden 2000000 (tried to allocate 596 GiB)",
        ["train", "xor", "--hidden", "2000000", "--out", "{tmp}/out"],
        (f"hidden must be at most {MAX_HIDDEN:,}", "got 2,000,000", "choose a smaller value")),
    cli("cli-epochs-huge", "chaingrad train xor --epochs 10**12",
        ["train", "xor", "--epochs", str(10**12), "--out", "{tmp}/out"],
        (f"epochs must be at most {MAX_EPOCHS:,}",)),
    cli("cli-batch-over-rows", "chaingrad train xor --batch-size 5 (4 rows)",
        ["train", "xor", "--batch-size", "5", "--out", "{tmp}/out"],
        ("batch_size must be at most 4 (xor has 4 training rows), got 5",)),
    cli("cli-batch-huge", "chaingrad train digits --batch-size 10**15",
        ["train", "digits", "--batch-size", str(10**15), "--out", "{tmp}/out"],
        ("batch_size must be at most 1,397",)),
    python("run-task-hidden-huge", "run_task('moons', hidden=10**6)", ValueError,
           ("moons: hidden must be at most 1,024",), lambda _: run_task("moons", hidden=10**6)),
    python("run-task-batch-over-rows", "run_task('moons', batch_size=401) (400 rows)",
           ValueError, ("moons: batch_size must be at most 400 (moons has 400 training rows)",),
           lambda _: run_task("moons", batch_size=401)),
    cli("cli-new-sizes-huge", "chaingrad new --sizes 100-100",
        ["new", "--sizes", "100-100", "--out", "{tmp}/x.toml"],
        ("--sizes 100-100", "1 to 4 layers of 1 to 9 units", "write the case file with arrays")),
    # ------------------------------------------------------------------ names
    cli("cli-verify-misspelt-case", "chaingrad verify seed01_blog",
        ["verify", "seed01_blog"],
        ("seed01_blog: no such case file here", "did you mean 'seed001-blog'?",
         "run 'chaingrad cases'")),
    cli("cli-draw-misspelt-case", "chaingrad draw seed01-blog",
        ["draw", "seed01-blog", "--out", "{tmp}"],
        ("'seed01-blog' is neither a built-in case nor a case file",
         "did you mean 'seed001-blog'?")),
    cli("cli-draw-wrt-look-alike", "chaingrad draw FILE --wrt xl (a letter l for the digit 1)",
        ["draw", BLOG, "--wrt", "xl", "--out", "{tmp}"],
        ("--wrt xl", "did you mean 'x1'?", "its names, nearest first: x1, ", "more)")),
    cli("cli-help-misspelt-topic", "chaingrad help expresions", ["help", "expresions"],
        ("invalid choice: 'expresions'", "did you mean 'expressions'?"), parsed=False),
    cli("cli-train-misspelt-task", "chaingrad train xr", ["train", "xr"],
        ("invalid choice: 'xr'", "did you mean 'xor'?"), parsed=False),
    # ------------------------------------------------------------------ output files
    cli("cli-report-name-too-long", "chaingrad verify FILE --report <256-byte name>",
        ["verify", BLOG, "--report", "{tmp}/r" + LONGEST_NAME],
        ("cannot write the report", "File name too long")),
    accepted("cli-report-name-255", "chaingrad verify FILE --report <255-byte name>",
             "written (the temporary name no longer adds to it)", _report_longest_name, where=CLI),
    accepted("cli-report-symlink", "chaingrad verify FILE --report LINK (a symlink)",
             "written through the link; the link stays", _report_through_symlink, where=CLI),
    # ------------------------------------------------------------------ a reader that stops
    accepted("cli-stdout-closed-verify", "chaingrad verify FILE | head -1 (exited 2: Broken pipe)",
             "quiet, exit 1: the verdict", _closed_stdout("verify", BLOG, status=1), where=CLI),
    accepted("cli-stdout-closed-json", "chaingrad verify seed000_case1 --json | head -1",
             "quiet, exit 0", _closed_stdout("verify", "seed000_case1", "--json", status=0),
             where=CLI),
    accepted("cli-stdout-closed-report", "chaingrad verify FILE --report r.html | head -1",
             "quiet, exit 1, the report still written", _report_kept_after_closed_stdout,
             where=CLI),
    accepted("cli-stdout-closed-help", "chaingrad help casefile | head -1", "quiet, exit 0",
             _closed_stdout("help", "casefile", status=0), where=CLI),
    accepted("cli-stdout-closed-new", "chaingrad new --sizes 2-2-1 | head -1", "quiet, exit 0",
             _closed_stdout("new", "--sizes", "2-2-1", status=0), where=CLI),
]  # fmt: skip
"""The command line's rows."""
