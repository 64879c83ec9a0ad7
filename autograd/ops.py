"""The op registry: every operation of the engine, declared once.

An `Operation` entry says, in one place, everything the tools need to know about an op:
its name, the ``op`` its result nodes carry (``"*"`` for mul, as Python spells it), the
symbol drawings show, the rule of its local derivative for each operand (the text
drawings, `LocalRule` and explanations show), whether the case-file expression language
offers it and under which name, whether it is a neuron activation, and its kink (for
gradcheck and verify). Drawings, the expression language, the diagnoses, gradcheck and
the ``nn`` activations read these entries; nothing else spells an op's name.

The arithmetic lives with the node types, because it is the hot path: a `Value` op is a
method of `Value` (its forward computes the local derivative in the same step), a
`Tensor` op a forward and backward pair in `autograd.tensor_ops`; both name the entry
they implement. An entry-by-entry function needs no code of its own: one call to
`autograd.elementwise.elementwise` registers it with both implementations.

Rules and symbols are written in label syntax (``b·a^{b−1}``, ``∂(Σa_{i})/∂a_{i} = 1``;
see `autograd.labels`): drawings render it as HTML, ``str(rule)`` as plain Unicode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .labels import plain_label


class Operation:
    """One operation of the engine: how it is named, drawn, derived, offered and checked.

    - `name`: a word, used in messages and by `LocalRule.op` (``"mul"``);
    - `op`: what its result nodes carry in ``.op`` (``"*"``; default: `name`);
    - `symbol`: how drawings name the operation (label syntax, ``"x^{y}"``; default: `op`);
    - `rules`: d(result)/d(operand) per operand in label syntax; one rule for every
      operand when `variadic` (``sum_values``, ``concatenate``);
    - `function`: its name in the case-file expression language (None: not offered),
      applied as the method `function` of the operand (``x.sigmoid()``; an operation
      made by `autograd.elementwise` applies itself); `arity`: how many arguments it
      takes there;
    - `scalar`, `tensor`: whether `Value` and `Tensor` nodes implement it;
    - `activation`: a neuron activation (``nn`` layers; verify's "activation derivative
      left out" diagnosis);
    - `kink`: for an op with a kink, ``kink(node)`` says which side of it each entry of
      `node` is on (a bool or a bool array): a finite difference whose step changes it
      straddles the kink (gradcheck), a hand formula holds on one side (verify).
    """

    __slots__ = (
        "name",
        "op",
        "symbol",
        "rules",
        "variadic",
        "function",
        "arity",
        "scalar",
        "tensor",
        "activation",
        "kink",
    )

    def __init__(
        self,
        name: str,
        rules: tuple[str, ...],
        *,
        op: str | None = None,
        symbol: str | None = None,
        variadic: bool = False,
        function: str | None = None,
        arity: tuple[int, int] = (1, 1),
        scalar: bool = False,
        tensor: bool = False,
        activation: bool = False,
        kink: Callable[[Any], Any] | None = None,
    ) -> None:
        if not rules:
            raise ValueError(f"Operation {name!r}: give the rule of at least one operand")
        self.name = name
        self.op = op or name
        self.symbol = symbol or self.op
        self.rules = tuple(rules)
        self.variadic = variadic
        self.function = function
        self.arity = arity
        self.scalar = scalar
        self.tensor = tensor
        self.activation = activation
        self.kink = kink

    def rule(self, operand: int, op: str | None = None) -> str:
        """The rule of d(result)/d(operand `operand`), in label syntax; `op` is the node's
        ``op`` when the entry's rules depend on it (``x ** 3``)."""
        return self.rules[0 if self.variadic else min(operand, len(self.rules) - 1)]

    def plain_rule(self, operand: int, op: str | None = None) -> str:
        """`rule` as plain Unicode text (``∂(a/b)/∂b = −a/b²``)."""
        return plain_label(self.rule(operand, op))

    def symbol_for(self, op: str) -> str:
        """How drawings name a node of this operation whose ``op`` is `op`."""
        return self.symbol

    def for_type(self, node_type: type) -> Callable[..., Any] | None:
        """The callable applying the operation as a function to one node of `node_type`
        (`Value` or `Tensor`): the type's method named `function` (``Value.sigmoid``), or
        None when the type has none (``Value`` has no ``sum`` method: ``sum_values`` takes
        many terms)."""
        method = getattr(node_type, self.function, None) if self.function else None
        return method if callable(method) else None

    def __call__(self, *operands: Any) -> Any:
        """Apply the operation to `operands` (`Value` or `Tensor` nodes)."""
        if self.function is None:
            raise TypeError(f"{self.name}: apply it with its operator ({self.op}), not a call")
        return getattr(operands[0], self.function)(*operands[1:])

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, op={self.op!r})"


class PowerOfNumber(Operation):
    """``x ** n`` for a number n: the exponent is part of the operation, and of its ``op``
    (``"**2"``, ``"**0.5"``), so symbol and rule are written for the node's own n."""

    __slots__ = ()

    def rule(self, operand: int, op: str | None = None) -> str:
        """``∂(a^{n})/∂a = n·a^{n−1}`` with the node's n (``∂(a^{2})/∂a = 2·a``)."""
        if op is None or not op.startswith("**"):
            return self.rules[0]
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

    def exponent(self, op: str) -> float:
        """The n of a node whose ``op`` is ``"**n"``."""
        return float(op[2:])

    def symbol_for(self, op: str) -> str:
        """``x^{2}`` for ``op == "**2"``."""
        return f"x^{{{op[2:]}}}" if op.startswith("**") else self.symbol


_BY_NAME: dict[str, Operation] = {}
_BY_OP: dict[str, Operation] = {}


def register(operation: Operation) -> Operation:
    """Add `operation` to the registry and return it; its `name`, `op` and language
    `function` must be new (a ValueError says which one is taken)."""
    if not isinstance(operation, Operation):
        raise TypeError(f"register: expected an Operation, got {type(operation).__name__}")
    for taken, key, what in (
        (_BY_NAME, operation.name, "name"),
        (_BY_OP, operation.op, "op"),
    ):
        if key in taken:
            raise ValueError(f"register: the {what} {key!r} is already registered ({taken[key]})")
    if operation.function is not None:
        owner = next((o for o in _BY_NAME.values() if o.function == operation.function), None)
        if owner is not None:
            raise ValueError(
                f"register: the case-file function {operation.function!r} is already {owner}'s"
            )
    _BY_NAME[operation.name] = operation
    _BY_OP[operation.op] = operation
    return operation


def unregister(operation: Operation) -> None:
    """Remove `operation` (an op added with `register`, for example a toy op in a test or a
    notebook cell that is run again); the built-in operations cannot be removed."""
    if operation.name in _BUILT_IN:
        raise ValueError(f"unregister: {operation.name!r} is a built-in operation")
    if _BY_NAME.get(operation.name) is not operation:
        raise KeyError(f"unregister: {operation!r} is not registered")
    del _BY_NAME[operation.name]
    del _BY_OP[operation.op]


def lookup(name: str) -> Operation:
    """The operation called `name` (``"mul"``); a KeyError lists the names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no operation {name!r}; the operations are {', '.join(_BY_NAME)}") from None


def of_op(op: str) -> Operation | None:
    """The operation whose result nodes carry ``op == op`` (``"*"``, ``"**2"``); None for a
    leaf (``""``), a constant (``"const"``) or an op no entry describes."""
    found = _BY_OP.get(op)
    if found is None and op.startswith("**") and op != "**":
        return _BY_OP.get("**n")
    return found


def of_node(node: Any) -> Operation | None:
    """The operation that made `node` (None for a leaf or a constant)."""
    return of_op(node._op)


def operations() -> Iterator[Operation]:
    """Every registered operation, in registration order."""
    return iter(tuple(_BY_NAME.values()))


def language_functions() -> dict[str, Operation]:
    """The operations the case-file expression language offers, by their name there."""
    return {o.function: o for o in _BY_NAME.values() if o.function is not None}


def activations() -> dict[str, Operation]:
    """The operations a neuron may use as its activation, by name (``"sigmoid"``)."""
    return {o.name: o for o in _BY_NAME.values() if o.activation}


def _relu_side(node: Any) -> Any:
    """Which side of 0 relu's input is on: True where it is positive (derivative 1)."""
    return node._parents[0].data > 0


def _max_winners(node: Any) -> Any:
    """Which entries attain a Tensor max (several where tied): the ones the gradient reaches."""
    kept = node._saved[1]
    return node._parents[0].data == node.data.reshape(kept)


# The built-in operations. Value implements the first group (arithmetic, the entry-by-entry
# functions, sum and dot), Tensor all but dot. Symbols and rules are the documents'
# typography: seed 000 writes the sigmoid's derivative σ(1−σ).
ADD = register(
    Operation("add", ("∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1"), op="+", scalar=True, tensor=True)
)
SUB = register(
    Operation(
        "sub", ("∂(a−b)/∂a = 1", "∂(a−b)/∂b = −1"), op="-", symbol="−", scalar=True, tensor=True
    )
)
MUL = register(
    Operation(
        "mul", ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"), op="*", symbol="×", scalar=True, tensor=True
    )
)
DIV = register(
    Operation(
        "div",
        ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b^{2}"),
        op="/",
        symbol="÷",
        scalar=True,
        tensor=True,
    )
)
NEG = register(Operation("neg", ("∂(−a)/∂a = −1",), symbol="−x", scalar=True, tensor=True))
POW = register(
    Operation(
        "pow",
        ("∂(a^{b})/∂a = b·a^{b−1}", "∂(a^{b})/∂b = a^{b}·ln a"),
        op="**",
        symbol="x^{y}",
        scalar=True,
        tensor=True,
    )
)
POW_NUMBER = register(
    PowerOfNumber(
        "pow_number",
        ("∂(a^{n})/∂a = n·a^{n−1}",),
        op="**n",
        symbol="x^{n}",
        scalar=True,
        tensor=True,
    )
)
SIGMOID = register(
    Operation(
        "sigmoid",
        ("∂σ(z)/∂z = σ(1−σ)",),
        symbol="σ",
        function="sigmoid",
        scalar=True,
        tensor=True,
        activation=True,
    )
)
RELU = register(
    Operation(
        "relu",
        ("∂relu(z)/∂z = 1 if z > 0 else 0",),
        function="relu",
        scalar=True,
        tensor=True,
        activation=True,
        kink=_relu_side,
    )
)
TANH = register(
    Operation(
        "tanh",
        ("∂tanh z/∂z = 1 − tanh^{2}z",),
        function="tanh",
        scalar=True,
        tensor=True,
        activation=True,
    )
)
EXP = register(Operation("exp", ("∂e^{z}/∂z = e^{z}",), function="exp", scalar=True, tensor=True))
LOG = register(
    Operation("log", ("∂ln z/∂z = 1/z",), symbol="ln", function="log", scalar=True, tensor=True)
)
SUM = register(
    Operation(
        "sum",
        ("∂(Σa_{i})/∂a_{i} = 1",),
        symbol="Σ",
        variadic=True,
        function="sum",
        scalar=True,
        tensor=True,
    )
)
DOT = register(
    Operation(
        "dot",
        ("∂(Σw_{i}x_{i} + b)/∂(w_{i}, x_{i}, b) = (x_{i}, w_{i}, 1)",),
        symbol="Σ w·x",
        variadic=True,
        scalar=True,
    )
)
MATMUL = register(
    Operation("matmul", ("∂(A@B)/∂A: G ↦ G@Bᵀ", "∂(A@B)/∂B: G ↦ Aᵀ@G"), op="@", tensor=True)
)
LINEAR = register(
    Operation(
        "linear",
        (
            "∂(x·Wᵀ+b)/∂x: G ↦ G·W",
            "∂(x·Wᵀ+b)/∂W: G ↦ Gᵀ·x (summed over the examples)",
            "∂(x·Wᵀ+b)/∂b = 1 (G summed over the examples)",
        ),
        tensor=True,
    )
)
MEAN = register(Operation("mean", ("∂mean(a)/∂a = 1/n (n entries averaged)",), tensor=True))
MAX = register(
    Operation(
        "max",
        ("∂max(a)/∂a = 1 at the maximum (1/k each for k tied maxima), 0 elsewhere",),
        tensor=True,
        kink=_max_winners,
    )
)
LOGSUMEXP = register(Operation("logsumexp", ("∂LSE(a)/∂a = softmax(a)",), tensor=True))
SOFTMAX = register(
    Operation("softmax", ("∂softmax(a)/∂a: G ↦ s⊙(G − Σ G⊙s)",), function="softmax", tensor=True)
)
LOG_SOFTMAX = register(
    Operation(
        "log_softmax",
        ("∂log_softmax(a)/∂a: G ↦ G − softmax(a)·ΣG",),
        function="log_softmax",
        tensor=True,
    )
)
CROSS_ENTROPY = register(
    Operation("cross_entropy", ("∂CE/∂z = (softmax(z) − onehot(y)) / N",), tensor=True)
)
SQUARED_ERROR = register(
    Operation(
        "squared_error",
        ("∂(s·Σ(a−b)^{2})/∂a = 2s(a − b)", "∂(s·Σ(a−b)^{2})/∂b = −2s(a − b)"),
        tensor=True,
    )
)
RESHAPE = register(Operation("reshape", ("∂/∂a: the gradient reshaped back",), tensor=True))
TRANSPOSE = register(Operation("transpose", ("∂/∂a: the gradient transposed back",), tensor=True))
GETITEM = register(
    Operation(
        "getitem",
        ("∂a[i]/∂a: the gradient scattered back to the picked entries (repeats add up)",),
        op="[]",
        tensor=True,
    )
)
CONCATENATE = register(
    Operation(
        "concatenate",
        ("∂/∂x_{i}: the slice of the gradient where x_{i} sits",),
        variadic=True,
        tensor=True,
    )
)
STACK = register(
    Operation("stack", ("∂/∂x_{i}: the i-th slice of the gradient",), variadic=True, tensor=True)
)

_BUILT_IN = frozenset(_BY_NAME)
