"""Case-file text and a writer shared by the tests of case files, `verify` and hostile files."""

from __future__ import annotations

from pathlib import Path

ONE_NEURON = """\
title = "tiny"
source = "somewhere.txt"

[inputs]
x = 0.5
y = 0.01

[parameters]
w = 0.8
b = -0.1

[equations]
net = "w*x + b"
o = "sigmoid(net)"
E = "0.5*(y - o)**2"
"""
"""One sigmoid neuron o = sigmoid(w x + b) with E = 1/2 (y - o)^2: a complete case file
without claims (lines 1-15; append tables to it)."""


def write_case(folder: Path, text: str, name: str = "case.toml") -> Path:
    """Write `text` (UTF-8) to `folder`/`name`; return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
