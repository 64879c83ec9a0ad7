"""``python -m chaingrad``: the same as the ``chaingrad`` command."""

import sys

from chaingrad.nn.app.cli import main

sys.exit(main())
