"""``python -m chaingrad.nn.app.bench``: the benchmark, and each case process (``--case``)."""

import sys

from chaingrad.nn.app.bench.command import main

sys.exit(main())
