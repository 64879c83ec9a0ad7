"""Instructions per nielsen training step, counted by valgrind's callgrind: a figure a busy
machine cannot disturb, beside the wall-clock ratios of ``chaingrad bench``.

Each engine's case (the benchmark's own builder, at its ``--quick`` size: the same 784-30-10
network and batch of 10, 10 steps an epoch) runs under callgrind twice, after one warm-up
epoch: with 1 timed epoch and with 3. The difference, over the 20 steps between them, is what
one step executes: no start-up, no import, no data generation. Needs valgrind (``apt-get
install valgrind``); each count takes about half a minute.

    python demos/count_instructions.py [--engines numpy,traced,floor,ours] [--dtypes f32,f64]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

STEPS_PER_EPOCH = 10  # the --quick nielsen size: 100 samples, batch 10
ENGINES = ("numpy", "traced", "floor", "ours")
DTYPES = ("f32", "f64")


def count(engine: str, repeats: int) -> int:
    """Instructions callgrind counts in one case process of `engine` with `repeats` epochs."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "chaingrad.nn.app.bench", "--case", "nielsen", engine]
    command += ["--warmup", "1", "--repeats", str(repeats), "--quick"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{engine}: the case failed under valgrind: {done.stderr[-500:]}")
    return int(found.group(1))


def per_step(engine: str) -> float:
    """Instructions of one training step of `engine` (key, such as ``ours-f32``)."""
    return (count(engine, 3) - count(engine, 1)) / (2 * STEPS_PER_EPOCH)


def main(argv: list[str] | None = None) -> int:
    """Count every chosen engine in every chosen dtype and print a table with the ratio of
    each to hand-written numpy's count in that dtype."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    choices = ",".join(ENGINES)
    parser.add_argument("--engines", default=choices, help=f"from {choices} (default: all)")
    parser.add_argument("--dtypes", default="f32,f64", help="from f32,f64 (default: both)")
    args = parser.parse_args(argv)
    engines, dtypes = args.engines.split(","), args.dtypes.split(",")
    unknown = sorted(set(engines) - set(ENGINES)) + sorted(set(dtypes) - set(DTYPES))
    if unknown:
        print(f"count_instructions: unknown {', '.join(unknown)}; choose from "
              f"{', '.join(ENGINES)} and {', '.join(DTYPES)}", file=sys.stderr)  # fmt: skip
        return 2
    if shutil.which("valgrind") is None:
        print("count_instructions: valgrind is not installed; apt-get install valgrind",
              file=sys.stderr)  # fmt: skip
        return 2
    print(f"{'engine':10s} {'dtype':5s} {'instructions/step':>18s} {'x numpy':>8s}")
    for dt in dtypes:
        reference = per_step(f"numpy-{dt}")
        for engine in engines:
            figure = reference if engine == "numpy" else per_step(f"{engine}-{dt}")
            print(f"{engine:10s} {dt:5s} {figure:18,.0f} {figure / reference:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
