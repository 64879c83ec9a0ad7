"""chaingrad.autograd: a small reverse-mode automatic differentiation engine that shows its work.

Every node stores the local derivative of each edge into it, computed in the
forward pass; `backward()` multiplies them along the graph (the chain rule), and
the same numbers are what drawings and explanations display.

The engine (graphs, `Value`, `Tensor` and its ops, the op registry, `no_grad`,
`detect_anomaly`, `gradcheck`, `explain`) is imported with the package. The tools
that read graphs load on first use: drawings (`draw`, `save`: Graphviz, in
`autograd.drawing`) and the checks of hand derivations (`verify`, `compare`,
`load_case`: the TOML reader, in `autograd.verification`).
"""

from chaingrad._lazy import lazy_exports

from .anomaly import AnomalyError, detect_anomaly
from .arrays import GraphEscapeError, set_result_limit
from .chain import ChainRuleError, chain_rule, explain
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
from .tracing import TracedStep, TraceError, trace
from .value import Value, dot_values, sum_values

_TOOLS = {
    **dict.fromkeys(
        ("Connection", "DotNotFoundError", "DrawError", "NetworkLayout", "Unit", "draw", "save"),
        ".drawing",
    ),
    **dict.fromkeys(
        (
            "CaseFileError",
            "ClaimResult",
            "Comparison",
            "Disagreement",
            "ExpressionError",
            "VerifyResult",
            "compare",
            "load_case",
            "verify",
        ),
        ".verification",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _TOOLS)

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
    "GraphEscapeError",
    "NetworkLayout",
    "SaveError",
    "Tensor",
    "TraceError",
    "TracedStep",
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
    "set_result_limit",
    "squared_error",
    "stack",
    "sum_values",
    "topological_order",
    "trace",
    "verify",
    "zero_grad",
]
