"""The benchmark, as a script, with the options of the package's benchmark command.

    python demos/bench.py [--workloads scalar,nielsen,large,deep] [--rounds 3] [--repeats 3]
                          [--warmup 1] [--threads N] [--quick] [--json]

The code lives in the package, `chaingrad.nn.app.bench` (so it runs from an installed
wheel); its docstring describes the workloads, the engines and the method.
"""

from __future__ import annotations

import sys

from chaingrad.nn.app.bench.command import main

if __name__ == "__main__":
    sys.exit(main())
