"""nn: neural networks built on `autograd`, the documents' networks, and the `chaingrad` command.

`nn` depends on `autograd`, never the reverse.
"""

from .documents import seed000_case1

__all__ = ["seed000_case1"]
