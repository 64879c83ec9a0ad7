"""A case's graph built at one point: the engine's nodes for its inputs, parameters and
equations at some values, and what checking reads from them.

`Point.from_case` builds the equations as `Value` nodes, or as `Tensor` nodes (scalars as
0-d) when some value is an array; `compare` builds a `Point` from a Python function's
graph. A point gives values, derivatives (the engine's backward pass, once per root),
central differences (through `autograd.gradcheck.numeric_gradient`), formulas evaluated
at it, which side of its kink every ReLU is on, and which equations are L2
regularization terms. A point built for `verify` counts its work (evaluations, backward
passes, graph walks) against the verification's `budget.WorkBudget`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import ops
from ..grad_mode import enable_grad
from ..gradcheck import numeric_gradient
from ..graph import local_derivatives, topological_order, zero_grad
from ..tensor import Tensor
from ..value import Value
from .budget import WorkBudget, cost
from .casefile import MAX_MAGNITUDE, CaseFile, Equation
from .expr import Expression, ExpressionError, evaluate, function_table
from .quantities import Number, as_number


class Point:
    """A case's graph built at one set of input and parameter values.

    ``nodes`` maps every name to its node; `derivative` runs the engine's
    backward pass (once per root) and reads the gradients.
    """

    def __init__(
        self,
        nodes: dict[str, Any],
        parameters: Iterable[str],
        batch_size: int | None = None,
        equations: Sequence[str] = (),
        functions: Mapping[str, Callable[..., Any]] | None = None,
        budget: WorkBudget | None = None,
    ) -> None:
        self.nodes = nodes
        self.parameters = frozenset(parameters)
        self.batch_size = batch_size
        self.equations = tuple(equations)
        self.functions = function_table(arrays=False) if functions is None else functions
        self.budget = budget
        self._gradients: dict[str, dict[str, Number]] = {}
        self._sizes: dict[str, int] = {}
        self._l2_terms: frozenset[str] | None = None
        self._case: tuple[CaseFile, Mapping[str, Number]] | None = None

    @classmethod
    def from_case(
        cls,
        case: CaseFile,
        values: Mapping[str, Number],
        free: Mapping[str, Value | Tensor] | None = None,
        budget: WorkBudget | None = None,
        shifts: Mapping[str, Number] | None = None,
    ) -> Point:
        """Build `case`'s equations with `values` for its inputs and parameters: `Value`
        nodes, or `Tensor` nodes (scalars as 0-d) when some value is an array.

        `free` maps names to nodes used in their place: an input or parameter, or an
        equation's result (its equation is then not evaluated), as when a central
        difference moves that one number. `shifts` maps equations to amounts their values
        move by, the path through them kept (`shifted`), as when a document rounds a value
        and computes on with it. Work is counted against `budget`. Raises `EquationError`
        if an equation cannot be evaluated at these values.
        """
        arrays = any(isinstance(v, np.ndarray) for v in values.values())
        nodes = {name: leaf(name, value, arrays) for name, value in values.items()}
        nodes.update(free or {})
        functions = function_table(arrays)
        for equation in case.equations:
            if free and equation.name in free:
                continue
            try:
                result = evaluate(equation.expression, nodes, functions, budget)
                if shifts and equation.name in shifts:
                    result = shifted(result, shifts[equation.name], functions)
                in_range(as_number(result), "its value")
            except ExpressionError as error:
                raise EquationError(equation, error) from None
            nodes[equation.name] = _named(result, equation.name, arrays)
        names = [e.name for e in case.equations]
        point = cls(nodes, case.parameters, case.batch_size, names, functions, budget)
        point._case = (case, values)
        return point

    def value(self, node: str) -> Number:
        """The value of a node: a float, or an array for a `Tensor` that is not 0-d."""
        return as_number(self.nodes[node])

    def derivative(self, node: str, wrt: str) -> Number:
        """d(node)/d(wrt) by the engine's backward pass (shaped like `wrt`); 0 if `node` does
        not depend on `wrt`."""
        gradient = self.gradients(node).get(wrt)
        return gradient if gradient is not None else as_number(self.nodes[wrt]) * 0.0

    def gradients(self, node: str) -> dict[str, Number]:
        """d(node)/d(name) for every name `node` depends on (itself included).

        Raises `ExpressionError` when `node` is an array with more than one entry
        (its derivative would be a Jacobian) or a derivative overflows.
        """
        if node not in self._gradients:
            size = np.size(as_number(self.nodes[node]))
            if size != 1:
                raise ExpressionError(
                    f"d{node}/d...: {node} has {size} entries; a derivative claim needs a node "
                    "with one entry (sum it, or claim the derivative of a loss)"
                )
            order = self.backward(node)
            self._sizes[node] = len(order)
            gradients = {n.label: _gradient(n) for n in order if n.label is not None}
            for name, value in gradients.items():
                in_range(value, f"d{node}/d{name}")
            self._gradients[node] = gradients
        return self._gradients[node]

    def graph_size(self, node: str) -> int:
        """How many nodes `node` is computed from (itself included): the size of the walks
        its derivatives take."""
        self.gradients(node)
        return self._sizes[node]

    def backward(self, node: str) -> list[Any]:
        """Run the engine's backward pass from `node`: every node it depends on then holds
        d(node)/d(itself) in ``grad``. Returns those nodes in topological order."""
        root = self.nodes[node]
        order = topological_order(root)
        self.spend(sum(cost(n.data.size) if isinstance(n, Tensor) else 1 for n in order))
        zero_grad(n for n in order if not n.parents)  # leaves accumulate; start from 0
        root.backward()
        return order

    def spend(self, units: int, what: str = "running backward passes") -> None:
        """Count `units` of work done at this point against its budget (if it has one)."""
        if self.budget is not None:
            self.budget.spend(units, what)

    def finite_difference(self, node: str, wrt: str) -> Number:
        """d(node)/d(wrt) by central differences (`autograd.gradcheck.numeric_gradient`'s
        step), to confirm the engine's `derivative`: the case's equations are rebuilt with
        `wrt` (an input, a parameter or an equation) moved and everything upstream of it held.
        Only for a point built by `from_case`."""
        if self._case is None:
            raise ValueError(
                "Point.finite_difference needs a point built from a case file (Point.from_case)"
            )
        case, values = self._case

        def moved(x: Value | Tensor) -> Value | Tensor:
            with enable_grad():
                return Point.from_case(case, values, {wrt: x.named(wrt)}).nodes[node]

        arrays = isinstance(self.nodes[wrt], Tensor)
        start = leaf(wrt, self.value(wrt), arrays)
        (gradient,) = numeric_gradient(moved, start, where="Point.finite_difference")
        return as_number(gradient)

    def evaluate(self, expression: Expression, instead: Mapping[str, Any] | None = None) -> Number:
        """The value of a formula at this point (with the nodes `instead` maps names to)."""
        nodes = {**self.nodes, **instead} if instead else self.nodes
        value = evaluate(expression, nodes, self.functions, self.budget)
        return in_range(as_number(value), "its value")

    def kinks(self) -> tuple[tuple[bool, ...], ...]:
        """Which side of its kink every node with a kink (the op registry's ``kink``: ReLU)
        is on: the branch a hand formula is written for."""
        seen: set[int] = set()
        sides = []
        stack = [self.nodes[name] for name in self.equations]
        while stack:  # one walk over every equation's graph, shared parts visited once
            node = stack.pop()
            if node.node_id in seen:
                continue
            seen.add(node.node_id)
            operation = ops.of_node(node) if node.parents else None
            if operation is not None and operation.kink is not None:
                on = np.asarray(operation.kink(node))
                sides.append((node.node_id, tuple(on.ravel().tolist())))
            stack.extend(node.parents)
        self.spend(len(seen), "finding the side of each ReLU kink")
        return tuple(side for _, side in sorted(sides))

    def l2_terms(self) -> frozenset[str]:
        """The equations that are L2 regularization terms: every parameter in them enters
        squared (``alpha/2 * (w1**2 + w2**2)``), directly or through other such terms."""
        if self._l2_terms is None:
            terms: set[str] = set()
            for name in self.equations:
                if is_l2_term(self.nodes[name], self.parameters, terms):
                    terms.add(name)
            self._l2_terms = frozenset(terms)
        return self._l2_terms


class EquationError(ExpressionError):
    """An equation that cannot be evaluated at some values (log of a negative number, ...)."""

    def __init__(self, equation: Equation, error: ExpressionError) -> None:
        super().__init__(f"equation {equation.name!r}: {error}")
        self.equation = equation
        self.error = error


def in_range(x: Number, what: str) -> Number:
    """`x`, or `ExpressionError` when it overflowed (or exceeds the file's limit on numbers)."""
    if isinstance(x, float) and abs(x) <= MAX_MAGNITUDE:
        return x  # the common case, without numpy's overhead
    if not np.all(np.abs(x) <= MAX_MAGNITUDE):  # also catches NaN
        worst = float(np.max(np.abs(x))) if np.size(x) else 0.0
        raise ExpressionError(f"{what} reaches {worst:g}, beyond the limit of {MAX_MAGNITUDE:g}")
    return x


def shifted(node: Any, amount: Number, functions: Mapping[str, Callable[..., Any]]) -> Any:
    """`node` moved by `amount`, every path through it kept. A scalar made by a one-operand
    function of the language (sigmoid, tanh, exp, ...) is that function of its operand moved
    by amount / slope, so that its own slope is the one at the moved value too (a document
    that rounds σ writes σ' = σ(1 − σ) with the rounded σ); anything else is node + amount."""
    made_by = ops.of_node(node) if isinstance(node, Value) and node.parents else None
    if made_by is not None and made_by.function in functions and len(node.parents) == 1:
        (slope,) = local_derivatives(node)
        if slope:
            return functions[made_by.function](node.parents[0] + amount / slope)
    return node + amount


def leaf(name: str, value: Number, arrays: bool) -> Any:
    """The node for an input or parameter: the one place that picks `Value` or `Tensor`."""
    if arrays:
        return Tensor(value, requires_grad=True, label=name)
    return Value(value, label=name)


def _named(result: Any, name: str, arrays: bool) -> Any:
    """Label an equation's result; a bare number or an already-named node gets its own node."""
    if not isinstance(result, (Value, Tensor)):
        return leaf(name, result, arrays)
    if result.label is not None:
        result = 1.0 * result
    return result.named(name)


def _gradient(node: Any) -> Number:
    """A node's gradient after a backward pass (a copy; 0 where the pass did not reach)."""
    grad = node.grad
    if grad is None:
        return as_number(node) * 0.0
    return as_number(np.array(grad)) if isinstance(grad, np.ndarray) else float(grad)


def is_l2_term(node: Value, parameters: frozenset[str], terms: set[str]) -> bool:
    """True when every parameter in `node`'s own expression enters squared and every other
    equation it uses is in `terms` (walks only this equation's operations)."""
    squared = False
    stack = [node]
    while stack:
        n = stack.pop()
        for p in n.parents:
            if not p.parents:
                if p.label in parameters:
                    if not _squares(n):
                        return False
                    squared = True
            elif p.label is not None:  # another equation
                if p.label not in terms:
                    return False
                squared = True
            else:
                stack.append(p)
    return squared


def _squares(node: Value) -> bool:
    """True for ``x ** 2`` or ``x * x``."""
    made_by = ops.of_node(node)
    if made_by is ops.POW_NUMBER:
        return ops.POW_NUMBER.exponent(node.op) == 2
    return made_by is ops.MUL and node.parents[0] is node.parents[1]
