"""The deep workload (backward through a long scalar chain) and the machine's matmul peak.

The chain is x -> tanh -> tanh -> ..., one node per operation, so "per node" is per
operation. Memory is measured with tracemalloc on a separate, smaller chain (tracemalloc
slows allocation several-fold, so it would distort the timing) and by the growth of the
process's peak RSS over the big one. `demos/deep_chain.py` uses `chain` and
`bytes_per_node` too.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from typing import Any

from chaingrad.autograd.value import Value  # here, not in `chain`: outside tracemalloc

from .cases import SelfTimedCase, rng

MICROGRAD_DEEP_NODES = 10_000
"""micrograd's chain: long enough to show its recursive walk failing."""


def chain(n: int) -> tuple[Value, Value]:
    """A chain of n tanh nodes on one leaf: (leaf, last node)."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y.tanh()
    return x, y


def bytes_per_node(n: int) -> tuple[float, float]:
    """(bytes per node held by the graph after backward, peak bytes per node during it)."""
    gc.collect()
    tracemalloc.start()
    x, y = chain(n)
    y.backward()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del x, y
    return held / n, peak / n


def deep_ours(size: dict[str, Any]) -> SelfTimedCase:
    """Time and memory per node of our backward through `size["nodes"]` tanh nodes.

    The first backward (the warm-up) also measures the growth of the peak RSS; then
    `repeats` timed backward passes at n and at n / 10 (the best of each makes the
    linearity figure), and tracemalloc on a chain of ``memory_nodes``.
    """
    import resource

    n = size["nodes"]

    def timed_backward(nodes: int) -> tuple[float, float, float]:
        """(build seconds, backward wall seconds, backward CPU seconds)."""
        gc.collect()
        start = time.perf_counter()
        _, y = chain(nodes)
        built, cpu = time.perf_counter(), time.process_time()
        y.backward()
        return built - start, time.perf_counter() - built, time.process_time() - cpu

    def measure(repeats: int) -> dict[str, Any]:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        timed_backward(n)
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before  # KiB
        runs = [timed_backward(n) for _ in range(repeats)]
        small = [timed_backward(n // 10)[1] for _ in range(repeats)]
        held, peak = bytes_per_node(size["memory_nodes"])
        walls = [r[1] for r in runs]
        per_node, per_node_small = min(walls) / n * 1e9, min(small) / (n // 10) * 1e9
        return {
            "wall": walls,
            "cpu": [r[2] for r in runs],
            "loss": None,
            "extra": {
                "nodes": n,
                "build_s": min(r[0] for r in runs),
                "ns_per_node": per_node,
                "ns_per_node_small": per_node_small,
                "time_growth": per_node / per_node_small,
                "ns_per_node_median": statistics.median(walls) / n * 1e9,
                "tracemalloc_nodes": size["memory_nodes"],
                "bytes_per_node_held": held,
                "bytes_per_node_peak": peak,
                "rss_bytes_per_node": rss_growth * 1024 / n,
            },
        }

    return SelfTimedCase(measure)


def deep_micrograd(size: dict[str, Any]) -> SelfTimedCase:
    """micrograd on a relu chain: only what its recursive walk does (not timed)."""

    def measure(repeats: int) -> dict[str, Any]:
        from micrograd.engine import Value as MicroValue

        n = min(size["nodes"], MICROGRAD_DEEP_NODES)
        y = MicroValue(0.5)
        for _ in range(n):
            y = y.relu()
        try:
            y.backward()
        except RecursionError:
            return {"error": f"RecursionError in backward on a {n:,}-node chain"}
        return {"error": f"backward finished on a {n:,}-node chain (not timed)"}

    return SelfTimedCase(measure)


def matmul_peak(size: dict[str, Any]) -> dict[str, Any]:
    """numpy's matmul GFLOP/s on a large square product, float64 and float32 (best of 5)."""
    n = size["n"]
    operands = rng(5)
    gflops = {}
    for dtype in ("float64", "float32"):
        a = operands.uniform(-1, 1, (n, n)).astype(dtype)
        b = operands.uniform(-1, 1, (n, n)).astype(dtype)
        a @ b
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
        gflops[dtype] = 2.0 * n**3 / best / 1e9
    return {"wall": [], "cpu": [], "loss": None, "extra": {"n": n, "gflops": gflops}}
