"""autograd: a small reverse-mode automatic differentiation engine that shows its work.

Every node stores the local derivative of each edge into it, computed in the
forward pass; `backward()` multiplies them along the graph (the chain rule), and
the same numbers are what drawings and explanations display.
"""

from .anomaly import AnomalyError, detect_anomaly
from .casefile import CaseFileError
from .casefile import load as load_case
from .chain import ChainRuleError, chain_rule, explain
from .draw import Connection, DotNotFoundError, DrawError, NetworkLayout, Unit, draw, save
from .expr import ExpressionError
from .files import SaveError
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, GradcheckResult, gradcheck, numeric_gradient
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
from .tensor_ops import concatenate, cross_entropy, linear, squared_error, stack
from .value import Value, dot_values, sum_values
from .verify import ClaimResult, Comparison, Disagreement, VerifyResult, compare, verify

__all__ = [
    "AnomalyError",
    "CaseFileError",
    "ChainRuleError",
    "ClaimResult",
    "Comparison",
    "Connection",
    "Disagreement",
    "DotNotFoundError",
    "DrawError",
    "ExpressionError",
    "GradcheckError",
    "GradcheckResult",
    "NetworkLayout",
    "SaveError",
    "Tensor",
    "Unit",
    "Value",
    "VerifyResult",
    "backpropagate",
    "chain_rule",
    "compare",
    "concatenate",
    "cross_entropy",
    "detect_anomaly",
    "dot_values",
    "draw",
    "edges",
    "enable_grad",
    "explain",
    "gradcheck",
    "is_grad_enabled",
    "is_leaf",
    "linear",
    "load_case",
    "local_derivatives",
    "no_grad",
    "numeric_gradient",
    "parents",
    "save",
    "squared_error",
    "stack",
    "sum_values",
    "topological_order",
    "verify",
    "zero_grad",
]
