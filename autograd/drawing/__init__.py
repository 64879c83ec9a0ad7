"""Drawings of the chain rule: Graphviz pictures of a graph with the local derivative on every edge.

`draw` makes a `graphviz.Digraph` (views ``ops``, ``expressions`` and ``network``), `save`
writes it as SVG, PNG, PDF or DOT. The network view's data model (`NetworkLayout`, `Unit`,
`Connection`, in `autograd.drawing.layout`) is plain data: the models that make one import
it without loading Graphviz, which loads when `draw` or `save` is first read.

Modules: `render` (`draw`, `save`: the arguments checked, the view chosen), `sketch` (the
ops and expressions views), `network` (the network view), `formulas` (a folded node's
expression), `node_text` (what nodes and edges show), `captions` (the chain-rule table and
the legend), `style` (fonts, colours, node
kinds), `request` (what a view is handed, `DrawError`) and `layout`.
"""

from chaingrad._lazy import lazy_exports

from .layout import UNIT_KINDS, Connection, NetworkLayout, Unit

_RENDERER = (
    "DEFAULT_MAX_EDGES",
    "DEFAULT_MAX_NODES",
    "DOT_TIMEOUT",
    "SAVE_FORMATS",
    "DotNotFoundError",
    "DotTimeoutError",
    "DrawError",
    "draw",
    "save",
)
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(_RENDERER, ".render"))

__all__ = ["UNIT_KINDS", "Connection", "NetworkLayout", "Unit", *_RENDERER]
