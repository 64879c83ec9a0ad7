"""autograd: a small reverse-mode automatic differentiation engine that shows its work.

Every node stores the local derivative of each edge into it, computed in the
forward pass; `backward()` multiplies them along the graph (the chain rule), and
the same numbers are what drawings and explanations display.
"""

from .chain import ChainRuleError, chain_rule, explain
from .draw import DotNotFoundError, DrawError, draw, save
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, GradcheckResult, gradcheck
from .graph import (
    backpropagate,
    edges,
    is_leaf,
    local_derivatives,
    parents,
    topological_order,
    zero_grad,
)
from .tensor import Tensor
from .tensor_ops import concatenate, cross_entropy, stack
from .value import Value, dot_values, sum_values

__all__ = [
    "ChainRuleError",
    "DotNotFoundError",
    "DrawError",
    "GradcheckError",
    "GradcheckResult",
    "Tensor",
    "Value",
    "backpropagate",
    "chain_rule",
    "concatenate",
    "cross_entropy",
    "dot_values",
    "draw",
    "edges",
    "enable_grad",
    "explain",
    "gradcheck",
    "is_grad_enabled",
    "is_leaf",
    "local_derivatives",
    "no_grad",
    "parents",
    "save",
    "stack",
    "sum_values",
    "topological_order",
    "zero_grad",
]
