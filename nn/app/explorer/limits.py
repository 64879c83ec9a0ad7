"""How much one explorer page may hold, and the error for a page that cannot be made.

The limits are the drawings' and `explain`'s own: a graph the drawings would refuse
(`autograd.drawing.render.DEFAULT_MAX_NODES` nodes) is refused, and a node with more paths
than `explain` lists (`autograd.chain.DEFAULT_MAX_PATHS`) gets its sum without the list.
`MAX_FACTORS` bounds the size of a view's path tables together.
"""

from __future__ import annotations

from chaingrad.autograd.chain import DEFAULT_MAX_PATHS
from chaingrad.autograd.drawing.render import DEFAULT_MAX_NODES

MAX_NODES = DEFAULT_MAX_NODES
"""The most nodes a graph may have: the drawings' ``max_nodes``."""
MAX_PATHS = DEFAULT_MAX_PATHS
"""The most paths listed for one node: `explain`'s ``max_paths``."""
MAX_FACTORS = 100_000
"""The most factors (edges of listed paths) one view's tables may hold together."""


class ExploreError(ValueError):
    """An explorer page that cannot be made as asked (a graph too large, no ``dot``, a view
    the graph does not have)."""
