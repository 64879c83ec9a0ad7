"""What the `chaingrad` command prints on its standard output, and a reader that stops early.

``chaingrad verify case.toml | head -1`` closes the pipe after one line. Writing to a
closed pipe raises `BrokenPipeError`; that is not a mistake of the user's, so it must
neither print an error nor change the exit status (the verdict). The commands print
through `emit`; a closed pipe is handled the standard way (Python's documentation,
"Note on SIGPIPE"): stdout is pointed at the null device, so every later write and the
interpreter's final flush succeed silently, and the command runs to its end (a report
asked for with ``--report`` is still written) and returns its own status.
"""

from __future__ import annotations

import os
import sys


def emit(text: str = "") -> None:
    """Print `text` and a newline on stdout; after a closed pipe, print nothing, quietly."""
    try:
        print(text, file=sys.stdout)
    except BrokenPipeError:
        discard_stdout()


def flush_stdout() -> None:
    """Flush stdout now (at the end of a command) rather than at exit, where a closed pipe
    would be reported as an error; a closed pipe is handled as in `emit`."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()


def discard_stdout() -> None:
    """Point stdout's file descriptor at the null device: the reader has gone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
