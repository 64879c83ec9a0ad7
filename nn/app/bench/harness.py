"""Running the cases: each in a fresh interpreter, rounds interleaved, one JSON line back.

The parent (`run_benchmarks`) spawns ``python -m chaingrad.nn.app.bench --case WORKLOAD
ENGINE`` for every engine in every round, rotating the engines' order each round; the
case process (`run_case`) builds the data and weights from fixed seeds, loads the same
numbers into its engine, runs the warm-up repeats untimed, then the timed ones, and prints
one line of JSON: the wall and CPU seconds of every timed repeat, the loss and any extra
facts. `summary` turns the rounds into rows, ratios and target verdicts.
"""

from __future__ import annotations

import gc
import importlib.metadata
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .cases import BenchCase, SelfTimedCase
from .deep_cases import matmul_peak
from .registry import FULL_SIZES, QUICK_SIZES, WORKLOADS
from .summary import available, judge_targets, losses_agree, summarize_rows

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
CASE_MODULE = __package__ or "chaingrad.nn.app.bench"
"""What a case process runs (``python -m``): this package, installed or in the checkout."""


@dataclass(frozen=True)
class RunSettings:
    """How to run: which workloads, rounds, timed repeats per round, untimed warm-up
    repeats, the BLAS/OpenMP thread count of every case, and the tiny --quick sizes."""

    workloads: tuple[str, ...]
    rounds: int
    repeats: int
    warmup: int
    threads: int
    quick: bool


# ---------------------------------------------------------------------------- in the case
def measure(case: BenchCase, warmup: int, repeats: int) -> dict[str, Any]:
    """Warm up, collect garbage once, then time `repeats` runs (wall and CPU seconds)."""
    for _ in range(warmup):
        case.run()
        if case.after:
            case.after()
    gc.collect()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        case.run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if case.after:
            case.after()
    return {
        "wall": walls,
        "cpu": cpus,
        "loss": case.loss(),
        "extra": case.extra() if case.extra else {},
    }


def run_case(workload: str, engine: str, warmup: int, repeats: int, quick: bool) -> dict[str, Any]:
    """Run one case in this process and return its measurements (what a case process prints)."""
    size = (QUICK_SIZES if quick else FULL_SIZES)[workload]
    if workload == "peak":
        return matmul_peak(size)
    chosen = WORKLOADS[workload]
    row = chosen.engine(engine)
    case = row.build(chosen.prepare(size, row.dtype))
    if isinstance(case, SelfTimedCase):
        return case.measure(repeats)
    return measure(case, warmup, repeats)


# ---------------------------------------------------------------------------- in the parent
def child_environment(threads: int) -> dict[str, str]:
    """The environment of every case: this one, with the thread variables pinned."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env["PYTHONHASHSEED"] = "0"
    return env


def spawn(workload: str, engine: str, settings: RunSettings, env: dict[str, str]) -> dict[str, Any]:
    """Run one case in a fresh interpreter: its result, or {"error": ...}."""
    command = [sys.executable, "-m", CASE_MODULE, "--case", workload, engine]
    command += ["--warmup", str(settings.warmup), "--repeats", str(settings.repeats)]
    if settings.quick:
        command.append("--quick")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {"error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine_description(threads: int) -> dict[str, Any]:
    """CPU, cores, versions and BLAS: what a reader needs to compare a table with theirs."""
    cpu = platform.processor() or platform.machine()
    try:
        first = itertools.takewhile(bool, Path("/proc/cpuinfo").read_text().splitlines())
        info = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in first)}
        cpu = f"{info['model name']} (family {info['cpu family']}, model {info['model']})"
    except (OSError, KeyError, ValueError):
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config['name']} {config['version']}"
    except (TypeError, KeyError):  # numpy < 1.26 prints its configuration instead
        pass
    versions = {}
    for package in ("numpy", "torch", "micrograd"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "blas": blas,
        "versions": versions,
        "threads": threads,
    }


def run_benchmarks(settings: RunSettings) -> dict[str, Any]:
    """Run every selected workload on every available engine; the results as a dict."""
    env = child_environment(settings.threads)
    sizes = QUICK_SIZES if settings.quick else FULL_SIZES
    results: dict[str, Any] = {}
    for name in settings.workloads:
        workload = WORKLOADS[name]
        engines = [e for e in workload.engines if available(e)]
        runs: dict[str, list[dict[str, Any]]] = {e.key: [] for e in engines}
        rounds = 1 if workload.self_timed else settings.rounds
        for r in range(rounds):
            shift = r % len(engines) if engines else 0
            for engine in engines[shift:] + engines[:shift]:
                print(f"  {name}: {engine.key} (round {r + 1}/{rounds})", file=sys.stderr)
                runs[engine.key].append(spawn(name, engine.key, settings, env))
        rows = summarize_rows(workload, sizes[name], runs)
        agree, worst = losses_agree(rows)
        results[name] = {
            "title": workload.title,
            "unit": workload.unit,
            "per_repeat": workload.scale(sizes[name]),
            "self_timed": workload.self_timed,
            "reference": " / ".join(
                dict.fromkeys(workload.engine(e.ref).label for e in workload.engines if e.ref)
            ),
            "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes[name].items()},
            "cases": rows,
            "losses_agree": agree,
            "max_loss_difference": worst,
        }
    peak = None
    if any(WORKLOADS[name].flops for name in settings.workloads):
        print("  machine: numpy matmul peak", file=sys.stderr)
        peak = spawn("peak", "numpy", settings, env)
    return {
        "machine": machine_description(settings.threads),
        "matmul_peak": None if peak is None or peak.get("error") else peak["extra"],
        "settings": {
            "rounds": settings.rounds,
            "repeats": settings.repeats,
            "warmup": settings.warmup,
            "quick": settings.quick,
            "environment": {name: env[name] for name in THREAD_VARIABLES},
            "ratios_use": "best wall time (time.perf_counter): the minimum over all timed "
            "repeats of all rounds; median_ratio uses the medians, cpu_ratio the best "
            "time.process_time",
            "spread": "slowest / fastest timed repeat of the case, over all rounds",
            "targets_use": "the best-of-repeats ratio (value); the median ratio beside it",
        },
        "workloads": results,
        "targets": judge_targets(results),
    }
