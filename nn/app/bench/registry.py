"""What the benchmark runs and how it is judged, as data: workloads, engines, sizes, targets.

Every row of a workload's table is one `Engine`: its key on the command line and in the
JSON, its label, and `build`, the case builder that makes the timed loop from the
workload's input (`Workload.prepare`). Adding an engine is one builder function (in
`scalar_cases`, `tensor_cases` or a module of its own) and one `Engine` entry here; a
tensor entry in `_tensor_engines` appears in every tensor workload and dtype it is in.
A goal for the new row is one more `Target` in `TARGETS`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .cases import BenchCase, SelfTimedCase
from .deep_cases import deep_micrograd, deep_ours
from .floor_cases import tensor_floor
from .scalar_cases import micrograd_nogc, micrograd_shipped, scalar_binary, scalar_ours
from .tensor_cases import (
    matmul_flops,
    tensor_fused,
    tensor_matmuls,
    tensor_nn,
    tensor_numpy,
    tensor_plain,
    tensor_problem,
    tensor_torch,
    tensor_torch1,
    tensor_traced,
)

INSTALL_PEERS = "pip install micrograd torch==2.13.0"
DTYPES = {"f64": "float64", "f32": "float32"}

FULL_SIZES: dict[str, dict[str, Any]] = {
    "scalar": {"points": 100, "sizes": (2, 16, 16, 1), "alpha": 1e-4},
    "nielsen": {"samples": 10_000, "sizes": (784, 30, 10), "batch": 10, "lr": 3.0},
    "large": {"steps": 50, "sizes": (784, 256, 256, 10), "batch": 128, "lr": 0.05},
    "deep": {"nodes": 1_000_000, "memory_nodes": 100_000},
    "peak": {"n": 1024},
}
QUICK_SIZES: dict[str, dict[str, Any]] = {
    "scalar": {"points": 8, "sizes": (2, 16, 16, 1), "alpha": 1e-4},
    "nielsen": {"samples": 100, "sizes": (784, 30, 10), "batch": 10, "lr": 3.0},
    "large": {"steps": 3, "sizes": (784, 64, 32, 10), "batch": 16, "lr": 0.05},
    "deep": {"nodes": 3_000, "memory_nodes": 1_000},
    "peak": {"n": 128},
}


@dataclass(frozen=True)
class Engine:
    """One row of a workload's table: `key` on the command line, `label` in the table.

    `build` makes the case from the workload's input (`Workload.prepare`); `needs` is the
    peer package the case imports (None for chaingrad and numpy), and `ref` the engine
    its ratio is taken against (None: no ratio).
    """

    key: str
    label: str
    build: Callable[[Any], BenchCase | SelfTimedCase] = field(repr=False, compare=False)
    dtype: str = "float64"
    needs: str | None = None
    ref: str | None = None


def _sizes_only(size: dict[str, Any], dtype: str) -> dict[str, Any]:
    """The input of a workload whose builders make their own data: its sizes."""
    return size


@dataclass(frozen=True)
class Workload:
    """A workload: what one timed repeat is, the table's unit, and its engines.

    `scale(size)` turns the seconds of one repeat into the table's unit; `flops(size)`
    counts one repeat's matrix-product flops (None: no GFLOP/s column); `prepare(size,
    dtype)` makes what each engine's builder takes; a `self_timed` workload's cases time
    themselves (one round; the table shows their own facts).
    """

    name: str
    title: str
    unit: str
    scale: Callable[[dict[str, Any]], float]
    engines: tuple[Engine, ...]
    prepare: Callable[[dict[str, Any], str], Any] = _sizes_only
    flops: Callable[[dict[str, Any]], float] | None = None
    self_timed: bool = False

    def engine(self, key: str) -> Engine:
        """The engine of this key (KeyError names the known ones)."""
        for engine in self.engines:
            if engine.key == key:
                return engine
        raise KeyError(f"{self.name} has no engine {key!r}: {[e.key for e in self.engines]}")


FLOAT32_ONLY = frozenset({"fused", "nn", "torch", "torch1"})
"""The tensor rows measured in float32 only (by key prefix); the float64 table (nielsen)
has the plain loop and its floors."""


def _tensor_engines(dt: str) -> tuple[Engine, ...]:
    """The tensor workloads' rows in one dtype ("f64", "f32"), ratios against hand-written
    numpy in it."""
    dtype, ref = DTYPES[dt], f"numpy-{dt}"
    rows = (
        Engine(f"ours-{dt}", "ours (Tensor)", tensor_plain, dtype, ref=ref),
        Engine(f"fused-{dt}", "ours, linear() + fused loss", tensor_fused, dtype, ref=ref),
        Engine(f"nn-{dt}", "ours, nn.Sequential + nn.losses", tensor_nn, dtype, ref=ref),
        Engine(f"numpy-{dt}", "hand-written numpy", tensor_numpy, dtype, ref=ref),
        Engine(f"torch-{dt}", "PyTorch CPU", tensor_torch, dtype, "torch", ref),
        Engine(f"torch1-{dt}", "PyTorch CPU, 1 thread", tensor_torch1, dtype, "torch", ref),
        Engine(f"matmul-{dt}", "numpy matmuls only", tensor_matmuls, dtype, ref=ref),
    )
    return tuple(e for e in rows if dt == "f32" or e.key.split("-")[0] not in FLOAT32_ONLY)


def _traced(dt: str) -> tuple[Engine, ...]:
    """The traced-step row (nielsen only: the large workload's loss has no replay rule)."""
    return (Engine(f"traced-{dt}", "ours, trace() of the plain loop", tensor_traced,
                   DTYPES[dt], ref=f"numpy-{dt}"),)  # fmt: skip


def _floor(dt: str) -> tuple[Engine, ...]:
    """The floor row: the bare eager engine of `floor_cases` (nielsen only)."""
    return (Engine(f"floor-{dt}", "floor: bare engine, no checks", tensor_floor,
                   DTYPES[dt], ref=f"numpy-{dt}"),)  # fmt: skip


def _tensor_steps(size: dict[str, Any]) -> int:
    """SGD steps in one timed repeat of a tensor workload (an epoch, or `steps`)."""
    return size["samples"] // size["batch"] if "samples" in size else size["steps"]


def _tensor_flops(size: dict[str, Any]) -> float:
    return matmul_flops(size["sizes"], size["batch"]) * _tensor_steps(size)


SCALAR_ENGINES = (
    Engine("ours", "ours (nn.scalar.ScalarMLP)", scalar_ours, ref="ours"),
    Engine("ours-binary", "ours, binary ops (micrograd-style)", scalar_binary, ref="ours"),
    Engine("micrograd", "micrograd as shipped", micrograd_shipped, needs="micrograd", ref="ours"),
    Engine(
        "micrograd-nogc", "micrograd, gc off in step", micrograd_nogc, needs="micrograd", ref="ours"
    ),
)
DEEP_ENGINES = (
    Engine("ours", "ours (Value, tanh chain)", deep_ours),
    Engine("micrograd", "micrograd (relu chain)", deep_micrograd, needs="micrograd"),
)

WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "scalar",
            "2-16-16-1 ReLU MLP, 100 two-moons points, max-margin loss + 1e-4 L2, one SGD step",
            "ms/step",
            lambda size: 1e3,
            SCALAR_ENGINES,
        ),
        Workload(
            "nielsen",
            "784-30-10 sigmoid MLP, quadratic cost, batch 10, lr 3.0, one epoch of 10,000",
            "s/epoch",
            lambda size: 1.0,
            _traced("f64")
            + _floor("f64")
            + _tensor_engines("f64")
            + _traced("f32")
            + _floor("f32")
            + _tensor_engines("f32"),
            prepare=functools.partial(tensor_problem, "nielsen"),
            flops=_tensor_flops,
        ),
        Workload(
            "large",
            "784-256-256-10 ReLU MLP, softmax cross-entropy, batch 128, 50 SGD steps",
            "ms/step",
            lambda size: 1e3 / _tensor_steps(size),
            _tensor_engines("f32"),
            prepare=functools.partial(tensor_problem, "large"),
            flops=_tensor_flops,
        ),
        Workload(
            "deep",
            "backward through a chain of 1,000,000 scalar operations",
            "s",
            lambda size: 1.0,
            DEEP_ENGINES,
            self_timed=True,
        ),
    )
}


@dataclass(frozen=True)
class Target:
    """One goal (issue 16), judged on this run's best-of-repeats figures.

    With `peers`, the figure is a time ratio against the fastest of them: for "<=",
    time(ours) / time(peer) must be at most `must`; for ">=", time(peer) / time(ours) at
    least `must`. Without, it is `measure`, a fact the `ours` case reports, at most
    (or least) `must`. `aim` is the hoped-for figure beside the must.
    """

    workload: str
    ours: str
    sense: str
    must: float
    aim: float | None = None
    peers: tuple[str, ...] = ()
    measure: str | None = None
    what: str = ""

    def text(self) -> str:
        """The target in words: ``nielsen: ours-f32 time / numpy-f32 time <= 1.5``."""
        if self.measure:
            figure = f"{self.ours} {self.what}"
        else:
            peers = " | ".join(self.peers)
            fraction = (self.ours, peers) if self.sense == "<=" else (peers, self.ours)
            figure = f"{fraction[0]} time / {fraction[1]} time"
        return f"{self.workload}: {figure} {self.sense} {self.must:g}"


TARGETS: tuple[Target, ...] = (
    Target("nielsen", "ours-f32", "<=", 1.5, aim=1.3, peers=("numpy-f32",)),
    Target("nielsen", "ours-f64", "<=", 1.5, aim=1.3, peers=("numpy-f64",)),
    Target("nielsen", "traced-f32", "<=", 1.0, peers=("numpy-f32",)),
    Target("nielsen", "traced-f64", "<=", 1.0, peers=("numpy-f64",)),
    Target("scalar", "ours", ">=", 50.0, peers=("micrograd",)),
    Target("scalar", "ours-binary", ">=", 1.2, peers=("micrograd-nogc",)),
    Target("large", "ours-f32", "<=", 1.1, peers=("numpy-f32",)),
    Target("deep", "ours", "<=", 250.0, measure="bytes_per_node_held", what="bytes per node held"),
    Target(
        "deep",
        "ours",
        "<=",
        1.5,
        measure="time_growth",
        what="time per node at n / at n/10 (linear: about 1)",
    ),
)
