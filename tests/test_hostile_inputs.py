"""One test per row of the hostile-input table (tests/hostile_inputs.py).

Python rows: the expected error type, every fragment in its message, and one line; an
accepted row (also a command-line one) checks the documented result itself.
Command-line rows: exit status 2, every fragment on the one line of stderr, no traceback,
and no half-written file (no temporary ``*.tmp`` or ``*.partial`` left) in the folder.
With ``--debug`` the same command shows the exception instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import hostile_cli
import hostile_engine
import hostile_networks
import hostile_tools
import hostile_training
import hostile_verify
import pytest
from chaingrad.nn.app.cli import main
from hostile_inputs import CASE_FILE, CLI, Row
from hostile_inputs import ROWS as CORE_ROWS

ROWS = (
    CORE_ROWS + hostile_engine.ROWS + hostile_tools.ROWS + hostile_networks.ROWS
    + hostile_training.ROWS + hostile_cli.ROWS + hostile_verify.ROWS
)  # fmt: skip


def params(rows: list[Row]) -> list:
    """The rows as pytest parameters, ids the row ids, with their skip marks."""
    out = []
    for row in rows:
        marks = []
        if row.skip_as_root and hasattr(os, "geteuid") and os.geteuid() == 0:
            marks.append(
                pytest.mark.skip(reason="running as root: permission bits do not stop root")
            )
        out.append(pytest.param(row, id=row.id, marks=marks))
    return out


PYTHON_ROWS = [row for row in ROWS if row.argv == () and row.where not in (CLI, CASE_FILE)]
PYTHON_ROWS += [row for row in ROWS if row.run is not None and row.where in (CLI, CASE_FILE)]
COMMAND_ROWS = [row for row in ROWS if row.run is None and row.where in (CLI, CASE_FILE)]


def test_every_row_is_run_once_and_ids_are_unique():
    assert len({row.id for row in ROWS}) == len(ROWS)
    assert sorted(r.id for r in PYTHON_ROWS + COMMAND_ROWS) == sorted(r.id for r in ROWS)
    for row in ROWS:
        assert row.fragments or row.error is None, row.id
        assert (row.run is None) == bool(row.outcome == "exit 2"), row.id


def test_the_readme_counts_the_rows():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"every bad input tried, {len(ROWS)} rows with one test each" in readme


@pytest.mark.parametrize("row", params(PYTHON_ROWS))
def test_python_row(tmp_path: Path, row: Row) -> None:
    if row.setup is not None:
        row.setup(tmp_path)
    if row.error is None:
        row.run(tmp_path)  # an accepted input: the row checks the documented result
        return
    with pytest.raises(row.error) as caught:
        row.run(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in row.fragments:
        assert fragment in message


def run_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``chaingrad ARGV`` in this process: (exit status, stderr)."""
    try:
        status = main(argv)
    except SystemExit as done:  # argparse's own errors
        status = done.code
    return status, capsys.readouterr().err


def arguments(row: Row, folder: Path) -> list[str]:
    return [arg.replace("{tmp}", str(folder)) for arg in row.argv]


def leftovers(folder: Path) -> list[str]:
    """Temporary files of an interrupted write (`autograd.files.write_atomically`)."""
    return [
        str(path)
        for path in folder.rglob("*")
        if path.name.endswith((".tmp", ".partial")) and path.name.startswith(".")
    ]


@pytest.mark.parametrize("row", params(COMMAND_ROWS))
def test_command_row(tmp_path: Path, capsys: pytest.CaptureFixture[str], row: Row) -> None:
    if row.setup is not None:
        row.setup(tmp_path)
    status, err = run_command(arguments(row, tmp_path), capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("chaingrad") and ": error: " in err
    assert "Traceback" not in err
    for fragment in row.fragments:
        assert fragment in err
    assert leftovers(tmp_path) == []


DEBUG_ROWS = [row for row in COMMAND_ROWS if row.parsed]


@pytest.mark.parametrize("row", params(DEBUG_ROWS))
def test_debug_shows_the_exception(tmp_path: Path, row: Row) -> None:
    if row.setup is not None:
        row.setup(tmp_path)
    with pytest.raises(Exception) as caught:  # each row raises its own type
        main(["--debug", *arguments(row, tmp_path)])
    assert not isinstance(caught.value, SystemExit)
