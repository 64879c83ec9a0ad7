"""``chaingrad help``: the reference of the case-file language, by topic.

The text is one Markdown file shipped with the package, ``nn/app/casefile_reference.md``. Its facts
that the code owns are filled in when it is printed, so they never drift from it:
``{{casefile.MAX_NAMES}}`` and ``{{expr.MAX_LENGTH}}`` are the loader's limits,
``{{settings.points}}`` a default of ``[verify]`` (`tolerance.Settings`; an unset one is
"none"), ``{{textscan.MAX_NESTING}}``, ``{{budget.MAX_ARRAY_SIZE}}`` and the like the
constants of the other modules that judge and bound a case file (`OWNERS`), and
``{{functions}}`` the table of the expression language's functions, read from the op
registry (`expr.function_names`). A topic is the whole file or one of its sections.
"""

from __future__ import annotations

import argparse
import re
from importlib import resources

from chaingrad.autograd import ops
from chaingrad.autograd.verification import (
    Settings,
    budget,
    casefile,
    claim_diagnoses,
    expr,
    settings_table,
    textscan,
    tolerance,
    verifying,
)

from .output import emit
from .usage import UsageError

REFERENCE = "casefile_reference.md"
"""The reference's file, beside this module."""
TOPICS: dict[str, tuple[str | None, str]] = {
    "casefile": (None, "the case-file language: tables, keys, claims, judging, output, limits"),
    "expressions": ("Expressions", "the expression language: operators, functions, arrays"),
    "judging": ("How claims are judged", "ok, rounding and wrong: the exact rules"),
}
"""Each topic: the heading of its section of the reference (None: all of it), and what it
covers."""
OWNERS: dict[str, object] = {
    "casefile": casefile,
    "expr": expr,
    "textscan": textscan,
    "budget": budget,
    "settings_table": settings_table,
    "tolerance": tolerance,
    "claim_diagnoses": claim_diagnoses,
    "verifying": verifying,
    "settings": Settings(),
}
"""Where a placeholder ``{{owner.NAME}}`` takes its fact from: a module's constant, or a
default of ``[verify]`` (``settings``)."""
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)(?:\.([A-Za-z_]+))?\}\}")


def add_help_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``chaingrad help``'s arguments to `parser` (pass them on to `help_command`)."""
    parser.description = "Print a topic of the case-file reference (Markdown)."
    parser.add_argument(
        "topic",
        nargs="?",
        choices=list(TOPICS),
        help="what to print (default: list the topics)",
    )


def help_command(topic: str | None) -> int:
    """``chaingrad help [TOPIC]``: print a topic of the reference, or list the topics."""
    if topic is None:
        width = max(map(len, TOPICS))
        emit("chaingrad help TOPIC prints a topic of the case-file reference:")
        for name, (_, summary) in TOPICS.items():
            emit(f"  {name:<{width}}  {summary}")
        emit("\nEach command's options: chaingrad COMMAND --help.")
        return 0
    emit(reference(topic))
    return 0


def reference(topic: str = "casefile") -> str:
    """The text of `topic` (a key of `TOPICS`), its facts filled in from the code."""
    if topic not in TOPICS:
        raise UsageError(f"help: no topic {topic!r}; the topics are {', '.join(TOPICS)}")
    text = _fill(resources.files(__package__).joinpath(REFERENCE).read_text("utf-8"))
    heading = TOPICS[topic][0]
    return text.rstrip("\n") if heading is None else section(text, heading)


def section(text: str, heading: str) -> str:
    """The section of Markdown `text` under ``## heading``, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", text, re.S | re.M)
    if match is None:
        raise LookupError(f"the reference has no section '## {heading}'")
    return match.group(0).rstrip("\n")


def functions_table() -> str:
    """The expression language's functions as a Markdown table: name, arguments, operands
    and the local derivative the op registry gives (composites: "written with ops")."""
    scalar = expr.function_table(arrays=False)
    rows = ["| function | arguments | operands | local derivative |", "|---|---|---|---|"]
    registry = ops.language_functions()
    for name in expr.function_names():
        low, high = registry[name].arity if name in registry else expr.COMPOSITES[name][1]
        arguments = str(low) if low == high else f"{low} to {high}"
        operands = "numbers and arrays" if name in scalar else "arrays"
        rule = registry[name].plain_rule(0) if name in registry else "written with ops (below)"
        rows.append(f"| `{name}` | {arguments} | {operands} | {rule} |")
    return "\n".join(rows)


def _fill(text: str) -> str:
    """Replace each placeholder of the reference with the fact from the code."""

    def fact(match: re.Match[str]) -> str:
        source, name = match.groups()
        if source == "functions" and name is None:
            return functions_table()
        if source not in OWNERS or name is None or not hasattr(OWNERS[source], name):
            raise LookupError(f"the reference names an unknown fact: {match.group(0)}")
        return number_text(getattr(OWNERS[source], name))

    return _PLACEHOLDER.sub(fact, text)


def number_text(value: object) -> str:
    """A limit or default as the reference writes it: 200,000; 1e+300; 0.25; none (unset)."""
    if value is None:
        return "none"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)
