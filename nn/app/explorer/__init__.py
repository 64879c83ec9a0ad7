"""The interactive chain-rule explorer: one self-contained HTML page per graph.

``write_page(Subject(title, loss, ...), "page.html")`` writes a page on which a click on
any node lights every path from the loss to it and lists each path's factors (the local
derivatives the engine stored), their products and their sum, the node's gradient; and a
stepper walks the engine's own backward pass, recorded step by step. ``chaingrad explore``
(`nn.app.explore`) writes one for a built-in case or a case file.

Modules: `steps` (the backward pass recorded), `drawn` (the views, drawn by
`autograd.drawing`, and what each drawn node stands for), `tensor_sketch` (the expressions
view of a `Tensor` graph), `rules` (a `Tensor` graph's edges as rules, and its paths),
`svg` (the hooks set on the SVG), `explanations` (the table for one node), `page_data`
(the page's JSON), `page` (the HTML), `text` (names and numbers), `limits`; the script
and style are ``explorer.js`` and ``explorer.css``.
"""

from .limits import ExploreError
from .page import VIEWS, Subject, page_html, write_page

__all__ = ["VIEWS", "ExploreError", "Subject", "page_html", "write_page"]
