"""``python -m chaingrad``: the same as the ``chaingrad`` command."""

import sys

from chaingrad.nn.cli import main

sys.exit(main())
