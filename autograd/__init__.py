"""autograd: a small reverse-mode automatic differentiation engine that shows its work.

Every node stores the local derivative of each edge into it, computed in the
forward pass; `backward()` multiplies them along the graph (the chain rule), and
the same numbers are what drawings and explanations display.
"""

from .chain import ChainRuleError, chain_rule, explain
from .draw import DotNotFoundError, DrawError, draw, save
from .graph import (
    backpropagate,
    edges,
    is_leaf,
    local_derivatives,
    parents,
    topological_order,
    zero_grad,
)
from .value import Value, dot_values, sum_values

__all__ = [
    "ChainRuleError",
    "DotNotFoundError",
    "DrawError",
    "Value",
    "backpropagate",
    "chain_rule",
    "dot_values",
    "draw",
    "edges",
    "explain",
    "is_leaf",
    "local_derivatives",
    "parents",
    "save",
    "sum_values",
    "topological_order",
    "zero_grad",
]
