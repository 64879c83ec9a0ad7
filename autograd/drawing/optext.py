"""The op tables of the drawings: how each operation is named and what rule its edges carry.

`_op_symbol` names an operation in the ops view (``×``, ``σ``, ``x²``), `_rule` gives
the rule behind the local derivative on an operand's edge (``∂(a·b)/∂a = b``), and
`_FUNCTIONS` names the functions in the expressions view's formulas (``log`` is ``ln``).
All text is in label syntax (`autograd.labels`).
"""

from __future__ import annotations

# How the ops view names each operation (label syntax: ``x^{2}`` is drawn x²).
_OP_SYMBOLS = {
    "+": "+",
    "-": "−",
    "*": "×",
    "/": "÷",
    "**": "x^{y}",
    "neg": "−x",
    "exp": "exp",
    "log": "ln",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "relu",
    "sum": "Σ",
    "dot": "Σ w·x",
}

# The rule behind each local derivative, per operand (one entry: the same for all
# operands). ``**2``-style ops (number exponents) are written by `_rule`.
_RULES: dict[str, tuple[str, ...]] = {
    "+": ("∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1"),
    "-": ("∂(a−b)/∂a = 1", "∂(a−b)/∂b = −1"),
    "*": ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
    "/": ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b^{2}"),
    "**": ("∂(a^{b})/∂a = b·a^{b−1}", "∂(a^{b})/∂b = a^{b}·ln a"),
    "neg": ("∂(−a)/∂a = −1",),
    "exp": ("∂e^{z}/∂z = e^{z}",),
    "log": ("∂ln z/∂z = 1/z",),
    "tanh": ("∂tanh z/∂z = 1 − tanh^{2}z",),
    "sigmoid": ("∂σ(z)/∂z = σ(1−σ)",),
    "relu": ("∂relu(z)/∂z = 1 if z > 0 else 0",),
    "sum": ("∂(Σa_{i})/∂a_{i} = 1",),
    "dot": ("∂(Σw_{i}x_{i} + b)/∂(w_{i}, x_{i}, b) = (x_{i}, w_{i}, 1)",),
}

# How the expressions view's formulas name each function: ``log`` is written ln(z).
_FUNCTIONS = {"exp": "exp", "log": "ln", "tanh": "tanh", "sigmoid": "σ", "relu": "relu"}


def _op_symbol(op: str) -> str:
    """How the ops view names operation `op`, in label syntax (``**2`` is x^{2})."""
    if op.startswith("**") and op != "**":
        return f"x^{{{op[2:]}}}"
    return _OP_SYMBOLS.get(op, op)


def _rule(op: str, operand: int) -> str | None:
    """The rule giving d(result)/d(operand) for `op`, in label syntax, or None if unknown."""
    if op.startswith("**") and op != "**":
        k = op[2:]
        lowered = f"{float(k) - 1:g}"
        if float(k) == 0:
            derivative = "0"
        elif lowered == "0":
            derivative = k
        elif lowered == "1":
            derivative = f"{k}·a"
        else:
            derivative = f"{k}·a^{{{lowered}}}"
        return f"∂(a^{{{k}}})/∂a = {derivative}"
    rules = _RULES.get(op)
    if rules is None:
        return None
    return rules[min(operand, len(rules) - 1)]
