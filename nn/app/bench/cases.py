"""What a case process times: `BenchCase` (timed by the harness) or `SelfTimedCase`.

A case builder (one per engine row, named by `registry.Engine.build`) takes its workload's
input (the sizes, or a `tensor_cases.TensorProblem`) and returns one of these. Builders
import the peers (micrograd, PyTorch) on call, so the parent process, which only lists
the engines, loads none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 7
"""Every workload's data and starting weights come from numpy streams seeded with this."""


@dataclass
class BenchCase:
    """One engine on one workload: `run` is one timed repeat; `loss` is read after the
    repeats; `after` runs untimed after each repeat; `extra` adds facts to the result."""

    run: Callable[[], None]
    loss: Callable[[], float | None]
    after: Callable[[], Any] | None = None
    extra: Callable[[], dict[str, Any]] | None = None


@dataclass
class SelfTimedCase:
    """A case that times itself (the deep chain: the build untimed, memory beside time).

    `measure(repeats)` returns what a case process prints: ``wall`` and ``cpu`` (seconds
    per timed repeat), ``loss`` and ``extra``; or ``{"error": ...}`` for a row that failed.
    """

    measure: Callable[[int], dict[str, Any]]


def rng(*stream: int) -> np.random.Generator:
    """The numpy generator of one data stream (data, weights, stand-ins), from `SEED`."""
    return np.random.default_rng([SEED, *stream])
