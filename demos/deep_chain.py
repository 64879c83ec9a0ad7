"""Measure the scalar engine on long chains: memory per node and backward time.

    python demos/deep_chain.py [--nodes 1000000] [--memory-nodes 100000]

The chain is x -> tanh -> tanh -> ..., one node per operation, so "per node" is
per operation. Memory is measured with tracemalloc on a separate, smaller graph
(tracemalloc slows allocation several-fold, so it would distort the timing).
"""

from __future__ import annotations

import argparse
import time

from chaingrad.nn.app.bench.deep_cases import bytes_per_node, chain

__all__ = ["backward_seconds", "bytes_per_node", "chain"]


def backward_seconds(n: int) -> tuple[float, float]:
    """(seconds to build the chain, seconds for backward()) on an n-node chain."""
    start = time.perf_counter()
    x, y = chain(n)
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    assert x.grad != 0.0 or y.data == 0.0
    return built - start, done - built


def main() -> None:
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--memory-nodes", type=int, default=100_000)
    args = parser.parse_args()
    held, peak = bytes_per_node(args.memory_nodes)
    print(
        f"memory, {args.memory_nodes:,}-node chain: {held:.0f} B/node held, {peak:.0f} B/node peak"
    )
    build, back = backward_seconds(args.nodes)
    print(
        f"time, {args.nodes:,}-node chain: build {build:.2f} s, backward {back:.2f} s "
        f"({back / args.nodes * 1e9:.0f} ns/node)"
    )


if __name__ == "__main__":
    main()
