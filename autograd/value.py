"""`Value`: a float that records the operations that made it.

Every operation computes its result and, in the same step, the local derivative
of the result with respect to each operand, and stores both on the new node.
Backprop is then one generic loop (`autograd.graph.backpropagate`), and drawings
and explanations show the very numbers the engine multiplied. Each method
implements an entry of the op registry (`autograd.ops`), whose ``op`` its result
carries; the registry holds the op's symbol, rule text, language name and kink.

Kinks: ``relu`` has derivative 0 at 0 (as in PyTorch), so a unit sitting exactly
at 0 passes no gradient.

Overflow: ``exp`` and ``**`` raise when the result is too large for a float, but
``*`` and ``/`` follow float arithmetic (``Value(1) / Value(1e-320)`` is inf)
and are not checked on every operation: run the code inside
`autograd.detect_anomaly` to find the operation that made an inf.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Union

from . import anomaly, copying
from .graph import backpropagate, new_node_id
from .ops import ADD, DIV, DOT, EXP, LOG, MUL, NEG, POW, RELU, SIGMOID, SUB, SUM, TANH

_ADD, _SUB, _MUL, _RELU = ADD.op, SUB.op, MUL.op, RELU.op  # the hot ops' node text, read once

Operand = Union["Value", float, int]


class Value:
    """A scalar node in a computation graph.

    ``data`` is the value, ``grad`` the derivative of the last ``backward()`` root
    with respect to it, ``label`` an optional name used by drawings and messages.
    Numbers mix freely with values on either side of ``+ - * / **``; a number
    operand becomes a constant leaf (op ``"const"``) so drawings keep operand
    order (``a - b`` is not ``b - a``). A number exponent is part of the
    operation instead (``x ** 2`` has op ``"**2"``), because a derivative with
    respect to a fixed exponent is neither needed nor defined for a negative base.
    """

    # Operands live in slots, not tuples: one garbage-collector-tracked object per
    # node instead of three. The cyclic collector walks every tracked object on each
    # full pass, so this is most of the cost of building a large graph.
    # Leaf: _a is None. One operand: _a, _da. Two: _a, _b, _da, _db. More (sum, dot):
    # _a and _da are tuples and _b is _MANY.
    __slots__ = (
        "data", "grad", "label", "_op", "_id", "_mark", "_a", "_b", "_da", "_db", "__weakref__"
    )  # fmt: skip
    __array_ufunc__ = None  # numpy defers to us: `ndarray * Value` is an error, not an object array

    def __init__(self, data: float, label: str | None = None) -> None:
        """Make a leaf holding `data` (a finite real number), optionally labelled."""
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value: label must be a string or None, got {type(label).__name__}")
        self.data = _finite_number(data, "Value", f"data for {label!r}" if label else "data")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._id = new_node_id()
        self._mark: object = None
        self._a = self._b = self._da = self._db = None

    # ----------------------------------------------------------------- graph protocol
    @property
    def _parents(self) -> tuple[Value, ...]:
        b = self._b
        if b is None:
            return () if self._a is None else (self._a,)
        return self._a if b is _MANY else (self._a, b)

    @property
    def _local(self) -> tuple[float, ...]:
        b = self._b
        if b is None:
            return () if self._a is None else (self._da,)
        return self._da if b is _MANY else (self._da, self._db)

    def _zero_grad(self) -> None:
        self.grad = 0.0

    _start_backward = _zero_grad  # backward reads no data, only the stored local derivatives

    def _accumulate_grad(self, grad: float) -> None:
        self.grad += grad

    def _propagate(self) -> None:
        g = self.grad
        if g:
            b = self._b
            if b is None:
                if self._a is not None:
                    self._a.grad += self._da * g
            elif b is _MANY:
                for parent, local in zip(self._a, self._da):
                    parent.grad += local * g
            else:
                self._a.grad += self._da * g
                b.grad += self._db * g

    # ----------------------------------------------------------------- copies and pickle
    __deepcopy__ = copying.deep_copy  # iterative, fresh ids: see autograd.copying
    __copy__ = copying.shallow_copy
    __reduce__ = copying.reduce

    def _copy_state(self) -> tuple:
        return (self.data, self.grad, self.label, self._op, self._local, self._b is _MANY)

    @classmethod
    def _from_copy_state(cls, state: tuple, parents: tuple[Value, ...]) -> Value:
        data, grad, label, op, local, many = state
        if many:
            out = _plain_node(data, op, parents, _MANY, local, None)
        else:
            a, b = (*parents, None, None)[:2]
            da, db = (*local, None, None)[:2]
            out = _plain_node(data, op, a, b, da, db)
        out.grad, out.label = grad, label
        return out

    # ----------------------------------------------------------------- public helpers
    @property
    def op(self) -> str:
        """The operation that made this node: ``""`` for a leaf, ``"const"`` for a number."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this node was computed from, in order."""
        return self._parents

    @property
    def node_id(self) -> int:
        """This node's place in creation order (stable across runs of the same program)."""
        return self._id

    def named(self, label: str) -> Value:
        """Set the label and return self: ``net = (w1 * x1 + b1).named("net_n3")``."""
        if not isinstance(label, str):
            raise TypeError(f"Value.named: label must be a string, got {type(label).__name__}")
        self.label = label
        return self

    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this node: fill ``grad`` on everything it depends on.

        Leaf gradients accumulate across calls, as in PyTorch (zero them between
        training steps with `autograd.zero_grad`); interior gradients are
        recomputed on each call. `grad` is d(final output)/d(self), 1 by default.
        """
        backpropagate(self, _finite_number(grad, "backward", "grad"))

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        text = f"Value({_short(self.data)}, grad={_short(self.grad)}"
        if self.label is not None:
            text += f", label={self.label!r}"
        return text + ")"

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:  # the hot path (two nodes) skips the conversion call
            other = _operand(other, ADD.name)
            if other is None:
                return NotImplemented
        return _node(self.data + other.data, _ADD, self, other, 1.0, 1.0)

    def __radd__(self, other: float) -> Value:
        left = _operand(other, ADD.name)
        if left is None:
            return NotImplemented
        return _node(left.data + self.data, ADD.op, left, self, 1.0, 1.0)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, SUB.name)
            if other is None:
                return NotImplemented
        return _node(self.data - other.data, _SUB, self, other, 1.0, -1.0)

    def __rsub__(self, other: float) -> Value:
        left = _operand(other, SUB.name)
        if left is None:
            return NotImplemented
        return _node(left.data - self.data, SUB.op, left, self, 1.0, -1.0)

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, MUL.name)
            if other is None:
                return NotImplemented
        return _node(self.data * other.data, _MUL, self, other, other.data, self.data)

    def __rmul__(self, other: float) -> Value:
        left = _operand(other, MUL.name)
        if left is None:
            return NotImplemented
        return _node(left.data * self.data, MUL.op, left, self, self.data, left.data)

    def __truediv__(self, other: Operand) -> Value:
        other = _operand(other, DIV.name)
        if other is None:
            return NotImplemented
        return _divide(self, other)

    def __rtruediv__(self, other: float) -> Value:
        left = _operand(other, DIV.name)
        if left is None:
            return NotImplemented
        return _divide(left, self)

    def __neg__(self) -> Value:
        return _node(-self.data, NEG.op, self, None, -1.0, None)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _power_of_values(self, exponent)
        if not isinstance(exponent, Real):
            return NotImplemented
        n = _finite_number(exponent, "pow", "exponent")
        a = self.data
        if a < 0 and not n.is_integer():
            raise ValueError(
                f"pow: {_describe(self)} is negative and the exponent {n:g} is not a whole number; "
                "the result would be complex. Use a whole-number exponent or a positive base."
            )
        if a == 0 and n < 0:
            raise ZeroDivisionError(
                f"pow: {_describe(self)} is 0 and the exponent {n:g} is negative; shift the "
                "base away from 0 (for example x + 1e-12)"
            )
        if a == 0 and 0 < n < 1:
            raise ValueError(
                f"pow: the derivative of x**{n:g} is infinite at x = 0 ({_describe(self)}); "
                "shift the base away from 0 (for example x + 1e-12)"
            )
        try:
            out = a**n
            local = n * a ** (n - 1) if n != 0 else 0.0
        except OverflowError:
            raise OverflowError(
                f"pow: {_describe(self)} ** {n:g} is too large for a float"
            ) from None
        return _node(out, f"**{n:g}", self, None, local, None)

    def __rpow__(self, base: float) -> Value:
        left = _operand(base, POW.name)
        if left is None:
            return NotImplemented
        return _power_of_values(left, self)

    # ----------------------------------------------------------------- functions
    def exp(self) -> Value:
        """e ** self; d/dx = e ** x (the same float as the result)."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp: exp({self.data:g}) of {_describe(self)} is too large for a float "
                "(the limit is about exp(709.78))"
            ) from None
        return _node(out, EXP.op, self, None, out, None)

    def log(self) -> Value:
        """Natural logarithm; d/dx = 1 / x. Raises ValueError unless self > 0 and 1 / self
        is a finite float (self >= about 5.6e-309: log(1e-300) is fine)."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log: {_describe(self)} is {x:g}; log needs a positive argument")
        slope = 1.0 / x
        if slope == math.inf:
            raise ValueError(
                f"log: {_describe(self)} is so close to 0 that the derivative 1/x is too large "
                "for a float; shift the argument away from 0 (for example x + 1e-300)"
            )
        return _node(math.log(x), LOG.op, self, None, slope, None)

    def tanh(self) -> Value:
        """Hyperbolic tangent; d/dx = 1 - tanh(x) ** 2."""
        t = math.tanh(self.data)
        return _node(t, TANH.op, self, None, 1.0 - t * t, None)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e ** -x), computed without overflow for any float.

        Its derivative is s (1 - s) (seed 000's "very nice form"); it is evaluated as
        e / (1 + e) ** 2 with e = exp(-|x|), which keeps full precision where
        1 - s would round to 0.
        """
        x = self.data
        e = math.exp(-abs(x))
        out = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return _node(out, SIGMOID.op, self, None, e / ((1.0 + e) * (1.0 + e)), None)

    def relu(self) -> Value:
        """max(0, x); derivative 1 for x > 0 and 0 for x <= 0 (0 at the kink, as PyTorch)."""
        x = self.data
        if x > 0:
            return _node(x, _RELU, self, None, 1.0, None)
        return _node(0.0, _RELU, self, None, 0.0, None)


def sum_values(terms: Iterable[Operand]) -> Value:
    """Add many terms in one node (one edge per term, each with local derivative 1).

    A chain of binary ``+`` makes n - 1 nodes; this makes one, which is faster and
    draws like the documents' sums.
    """
    try:
        nodes = tuple(_operand_or_raise(t, "sum_values") for t in terms)
    except TypeError:
        try:
            iter(terms)
        except TypeError:
            raise TypeError(
                f"sum_values: terms must be a list of Values or numbers, got {_kind(terms)}"
            ) from None
        raise  # a term that is not a number: its message says so
    if not nodes:
        raise ValueError("sum_values: needs at least one term")
    return _node(math.fsum(v.data for v in nodes), SUM.op, nodes, _MANY, (1.0,) * len(nodes), None)


def dot_values(
    weights: Sequence[Value], inputs: Sequence[Operand], bias: Value | None = None
) -> Value:
    """Return sum_i weights[i] * inputs[i] (+ bias) as one node: a neuron's net input.

    Each weight's edge carries its input as local derivative and each input's edge
    its weight. Plain numbers among the inputs are data: they enter the sum but
    get no node and no edge, which keeps training on raw data fast.
    """
    try:
        mismatch = len(weights) != len(inputs)
    except TypeError:
        bad, what = (
            (weights, "weights must be a list of Values")
            if not hasattr(weights, "__len__")
            else (inputs, "inputs must be a list, one per weight")
        )
        raise TypeError(f"dot_values: {what}, got {_kind(bad)}") from None
    if mismatch:
        raise ValueError(
            f"dot_values: {len(weights)} weights but {len(inputs)} inputs; they must pair up"
        )
    if bias is not None and not isinstance(bias, Value):
        raise TypeError(f"dot_values: bias must be a Value, got {type(bias).__name__}")
    start = 0.0 if bias is None else bias.data
    kinds = set(map(type, weights))
    kinds.update(map(type, inputs))
    if kinds == _ONLY_VALUES:
        # The common case inside a network, done with C-level builtins.
        w_data = [w.data for w in weights]
        x_data = [x.data for x in inputs]
        parents: tuple = (*weights, *inputs)
        local: tuple = (*x_data, *w_data)
        total = sum(map(operator.mul, w_data, x_data), start)
    else:
        parents, local, total = _dot_terms(weights, inputs, start)
    if bias is not None:
        parents += (bias,)
        local += (1.0,)
    return _node(total, DOT.op, parents, _MANY, local, None)


def _dot_terms(
    weights: Sequence[Value], inputs: Sequence[Operand], total: float
) -> tuple[tuple, tuple, float]:
    """dot_values for inputs that include plain numbers: (parents, local derivatives, sum)."""
    parents: list[Value] = []
    local: list[float] = []
    for w, x in zip(weights, inputs):
        if not isinstance(w, Value):
            raise TypeError(f"dot_values: weights must be Values, got {type(w).__name__}")
        if isinstance(x, Value):
            total += w.data * x.data
            parents += (w, x)
            local += (x.data, w.data)
        else:
            xv = _finite_number(x, "dot_values", "input")
            total += w.data * xv
            parents.append(w)
            local.append(xv)
    return tuple(parents), tuple(local), total


# --------------------------------------------------------------------- internals
_MANY = object()  # marks a node whose operands are tuples (sum, dot)
_ONLY_VALUES = {Value}


def _node(data: float, op: str, a: object, b: object, da: object, db: object) -> Value:
    """Make a node without re-validating `data` (the op computed it).

    `a`, `b` are the operands and `da`, `db` the local derivatives d(out)/d(a),
    d(out)/d(b); `b` is None for one operand, _MANY when `a`, `da` are tuples.
    """
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = None
    out._op = op
    out._id = new_node_id()
    out._mark = None
    out._a = a
    out._b = b
    out._da = da
    out._db = db
    return out


def _node_checked(data: float, op: str, a: object, b: object, da: object, db: object) -> Value:
    """`_node` inside `autograd.anomaly.detect_anomaly`: also check the result is finite."""
    out = _plain_node(data, op, a, b, da, db)
    if anomaly.is_enabled():
        if b is _MANY:
            anomaly.check_forward(out, a, da)
        else:
            operands = tuple(x for x in (a, b) if x is not None)
            anomaly.check_forward(out, operands, (da, db))
    return out


_plain_node = _node
anomaly.register_check(globals(), "_node", _node_checked)


def _constant(x: float, op: str) -> Value:
    return _node(_finite_number(x, op, "operand"), "const", None, None, None, None)


def _operand(x: object, op: str) -> Value | None:
    """`x` as a node (a number becomes a constant leaf), or None if it is neither."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return _constant(x, op)
    if _is_array(x):
        raise TypeError(
            f"{op}: cannot combine a Value with {type(x).__name__} {x!r:.40}; a Value holds one "
            "number, use a Tensor (autograd.Tensor) for arrays"
        )
    return None


def _is_array(x: object) -> bool:
    """True for a list, a tuple or an array-like (numpy), which a Value cannot hold; a
    Tensor is left to say itself that it does not mix with a Value."""
    return isinstance(x, (list, tuple)) or (hasattr(x, "__array__") and not hasattr(x, "_parents"))


def _is_one_real(x: object) -> bool:
    """True for a 0-d numpy array or scalar of bools, ints or floats (``np.bool_(True)``,
    ``np.array(2.0)``), which hold one real number as a Python number does."""
    dtype = getattr(x, "dtype", None)
    return getattr(x, "ndim", None) == 0 and getattr(dtype, "kind", "") in "biuf"


def _operand_or_raise(x: object, op: str) -> Value:
    node = _operand(x, op)
    if node is None:
        raise TypeError(f"{op}: expected a Value or a number, got {type(x).__name__}")
    return node


def _divide(a: Value, b: Value) -> Value:
    if b.data == 0:
        raise ZeroDivisionError(
            f"div: division by zero: the denominator {_describe(b)} is 0 (numerator "
            f"{_describe(a)}); add a small epsilon to the denominator"
        )
    out = a.data / b.data
    return _node(out, DIV.op, a, b, 1.0 / b.data, -out / b.data)


def _power_of_values(base: Value, exponent: Value) -> Value:
    """base ** exponent where both are nodes: d/dbase = n a**(n-1), d/dexponent = a**n ln a."""
    a, n = base.data, exponent.data
    if a <= 0:
        raise ValueError(
            f"pow: {_describe(base)} is {a:g}; Value ** Value needs a positive base, because "
            "the derivative with respect to the exponent is base**n * log(base). "
            "For a fixed exponent, use a plain number: x ** 2."
        )
    try:
        out = a**n
        local_base = n * a ** (n - 1)
    except OverflowError:
        raise OverflowError(
            f"pow: {_describe(base)} ** {_describe(exponent)} is too large for a float"
        ) from None
    return _node(out, POW.op, base, exponent, local_base, out * math.log(a))


def _finite_number(x: object, op: str, what: str) -> float:
    """`x` as a float, or a clear error naming the operation if it is not a finite real."""
    if isinstance(x, Value):
        raise TypeError(f"{op}: {what} must be a plain number, got a Value ({_describe(x)})")
    if not isinstance(x, Real) and not _is_one_real(x):
        hint = "; a Value holds one number, use a Tensor for arrays" if _is_array(x) else ""
        raise TypeError(
            f"{op}: {what} must be a real number, got {type(x).__name__} {x!r:.60}{hint}"
        )
    try:
        value = float(x)
    except OverflowError:
        raise OverflowError(
            f"{op}: {what} is too large for a float (the limit is about 1.8e308)"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{op}: {what} is {value}; only finite numbers are allowed")
    return value


def _kind(x: object) -> str:
    """What was given instead of a list, for a message: ``float 1.0``, ``None``."""
    if x is None:
        return "None"
    text = f"{x!r:.40}"
    return text if text.startswith(type(x).__name__) else f"{type(x).__name__} {text}"


def _describe(node: Value) -> str:
    """Name a node in an error message: its label if it has one, else its op and id."""
    if node.label is not None:
        return f"{node.label!r} (= {node.data:g})"
    if node._op == "const":
        return f"the constant {node.data:g}"
    kind = f"'{node._op}' result" if node._op else "leaf"
    return f"an unlabelled {kind} #{node._id} (= {node.data:g})"


def _short(x: float) -> str:
    """Four decimals for everyday magnitudes, scientific notation otherwise."""
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"
