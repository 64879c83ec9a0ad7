"""The one error type of the `chaingrad` command's own checks.

Every command module raises `UsageError` for a mistake on the command line or in its
inputs; ``chaingrad`` (`cli.main`) prints its message in one line with exit status 2.
"""

from __future__ import annotations


class UsageError(Exception):
    """A mistake on the command line or in its inputs: reported in one line, exit 2."""
