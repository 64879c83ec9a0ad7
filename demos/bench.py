"""The benchmark, as a script: the same as ``chaingrad bench``, with the same options.

    python demos/bench.py [--workloads scalar,nielsen,large,deep] [--rounds 3] [--repeats 3]
                          [--warmup 1] [--threads N] [--quick] [--json]

The code lives in the package, `chaingrad.nn.app.bench` (so the command runs from an
installed wheel); its docstring describes the workloads, the engines and the method.
"""

from __future__ import annotations

import sys

from chaingrad.nn.app.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
