"""From the rounds of every case to the table's rows and the targets' verdicts.

A row's figures come from all its timed repeats over all rounds: the **best** (the
minimum wall time: noise on a shared machine only ever adds time), the median beside it,
and the spread (slowest / fastest). Ratios and target verdicts use the best; the median
ratio is kept next to it.
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Sequence
from typing import Any

from .registry import INSTALL_PEERS, TARGETS, Engine, Target, Workload


def available(engine: Engine) -> bool:
    """Whether the engine's peer package (if any) is installed."""
    return engine.needs is None or importlib.util.find_spec(engine.needs) is not None


def _over(top: float | None, bottom: float | None) -> float | None:
    """top / bottom, or None when either is missing or the bottom is not positive."""
    if top is None or bottom is None or bottom <= 0:
        return None
    return top / bottom


def summarize_row(engine: Engine, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One table row from every round of one case (no ratios yet)."""
    row: dict[str, Any] = {"engine": engine.key, "label": engine.label, "dtype": engine.dtype}
    if not available(engine):
        note = f"skipped: {engine.needs} is not installed ({INSTALL_PEERS})"
        return {**row, "status": "skipped", "note": note}
    errors = [r["error"] for r in runs if r.get("error")]
    if errors or not runs:
        return {**row, "status": "failed", "note": errors[0] if errors else "no result"}
    walls = [t for r in runs for t in r["wall"]]
    cpus = [t for r in runs for t in r["cpu"]]
    best = min(walls)
    return {
        **row,
        "status": "ok",
        "best": best,
        "median": statistics.median(walls),
        "spread": _over(max(walls), best),
        "cpu_best": min(cpus),
        "cpu_median": statistics.median(cpus),
        "walls": walls,
        "cpus": cpus,
        "loss": runs[-1]["loss"],
        "round_losses": [r["loss"] for r in runs],
        "extra": runs[-1]["extra"],
    }


def summarize_rows(
    workload: Workload, size: dict[str, Any], runs: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Every engine's row, with its ratios to its reference engine (best over best, median
    over median, best CPU over best CPU) and, for the tensor workloads, GFLOP/s."""
    rows = [summarize_row(engine, runs.get(engine.key, [])) for engine in workload.engines]
    by_key = {r["engine"]: r for r in rows if r["status"] == "ok"}
    for engine, row in zip(workload.engines, rows):
        if row["status"] != "ok":
            continue
        ref = by_key.get(engine.ref) if engine.ref else None
        row["ratio"] = _over(row["best"], ref["best"]) if ref else None
        row["median_ratio"] = _over(row["median"], ref["median"]) if ref else None
        row["cpu_ratio"] = _over(row["cpu_best"], ref["cpu_best"]) if ref else None
        if workload.flops:
            row["gflops"] = _over(workload.flops(size), row["best"] * 1e9)
    return rows


def losses_agree(rows: list[dict[str, Any]]) -> tuple[bool, float | None]:
    """Whether every engine's loss, in every round, matches the first float64 engine's (or
    the first engine's), and the largest relative difference. (Rounds need not agree to
    the last bit: micrograd's graph walk follows set order, which varies between runs.)"""
    scored = [r for r in rows if r["status"] == "ok" and r["loss"] is not None]
    if not scored:
        return True, None
    ref = next((r for r in scored if r["dtype"] == "float64"), scored[0])
    worst, agree = 0.0, True
    for r in scored:
        tolerance = 1e-8 if r["dtype"] == ref["dtype"] == "float64" else 2e-3
        for loss in r["round_losses"]:
            diff = abs(loss - ref["loss"]) / max(1.0, abs(ref["loss"]))
            worst = max(worst, diff)
            agree = agree and diff <= tolerance
    return agree, worst


def _time_ratio(rows: dict[str, dict[str, Any]], target: Target, key: str) -> float | None:
    """A time target's ratio from the rows' `key` times ("best" or "median"), against the
    fastest of its peers."""
    times = [rows[k][key] for k in target.peers if k in rows]
    if target.ours not in rows or not times:
        return None
    ours = rows[target.ours][key]
    return _over(min(times), ours) if target.sense == ">=" else _over(ours, min(times))


def _within(value: float | None, sense: str, limit: float | None) -> bool | None:
    if value is None or limit is None:
        return None
    return value <= limit if sense == "<=" else value >= limit


def judge_targets(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of `TARGETS` whose workload ran, with this run's figure (`value`: the
    best-of-repeats ratio, or the measured fact), the median ratio beside it, and the
    verdicts on the must and the aim (None where a case is missing)."""
    out = []
    for target in TARGETS:
        if target.workload not in results:
            continue
        cases = results[target.workload]["cases"]
        rows = {r["engine"]: r for r in cases if r["status"] == "ok"}
        if target.measure:
            ours = rows.get(target.ours)
            value = ours["extra"].get(target.measure) if ours else None
            median = None
        else:
            value, median = (_time_ratio(rows, target, key) for key in ("best", "median"))
        met = _within(value, target.sense, target.must)
        out.append(
            {
                "target": target.text(),
                "workload": target.workload,
                "engine": target.ours,
                "peers": list(target.peers),
                "measure": target.measure,
                "sense": target.sense,
                "must": target.must,
                "aim": target.aim,
                "value": value,
                "median": median,
                "met": met,
                "aim_met": _within(value, target.sense, target.aim),
                "verdict": {True: "met", False: "missed", None: "not measured"}[met],
            }
        )
    return out
