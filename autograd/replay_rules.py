"""How `autograd.tracing` compiles a recorded graph: each op's forward and backward as numpy
calls into fixed arrays.

A rule pair per traceable op, in `RULES`: ``forward(node, c)`` emits the calls that
recompute ``node``'s array from its operands' arrays, and ``backward(node, c)`` the calls
that add ``node``'s gradient times each local derivative into its operands' gradients.
Each rule performs the numpy operations of its op in `autograd.tensor_ops` in the same
order (``np.multiply(g, b, out)`` where the op's backward says ``g * b``), so a replay gives
the bits ``backward()`` gives; ``tests/test_tracing.py`` checks every rule against its op.
A backward rule left out (None) calls the op's own backward function and copies what it
returns: one more copy per operand, the same numbers. An op with no rule at all is refused
when the step is traced, with the list of the ones that have one.

Calls whose inputs are all fixed for the program's life (constants, the backward seed)
run once, while compiling, and their results become constants: constant folding, so
``loss * 0.05`` costs nothing in the backward pass of a replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import tensor_ops as T
from .arrays import shape_text
from .compiling import (
    Compiler,
    Program,
    TraceError,
    add_reduce_kept,
    copy_into,
    reference_counts,
    refuse_if,
)
from .graph import topological_order
from .tensor import Tensor

Emit = Callable[[Tensor, Compiler], None]


def run_backward(node: Tensor, g: np.ndarray, targets: tuple[Any, ...]) -> None:
    """The op's own backward function, its results copied into the target arrays."""
    for result, out in zip(node._rule.backward(node, g), targets):
        if out is not None:
            np.copyto(out, result)


# --------------------------------------------------------------------- guards
def _below(x: np.ndarray, limit: float) -> bool:
    return x.size > 0 and np.minimum.reduce(x, None) < limit


def _has_zero(x: np.ndarray) -> bool:
    return bool((x == 0).any())


def _power_refused(x: np.ndarray, n: float, needs_grad: bool) -> bool:
    try:
        T._check_power_domain(x, np.asarray(n), needs_grad)
    except (ValueError, ZeroDivisionError):
        return True
    return False


# --------------------------------------------------------------------- the rules
def _binary_forward(ufunc: np.ufunc) -> Emit:
    def forward(node: Tensor, c: Compiler) -> None:
        a, b = node._parents
        c.call(ufunc, a._data, b._data, node._data)

    forward.__name__ = f"{ufunc.__name__}_forward"
    return forward


def _unary_forward(ufunc: np.ufunc) -> Emit:
    def forward(node: Tensor, c: Compiler) -> None:
        c.call(ufunc, node._parents[0]._data, node._data)

    forward.__name__ = f"{ufunc.__name__}_forward"
    return forward


def _add_backward(node: Tensor, c: Compiler) -> None:
    g = c.grad(node)
    for parent in node._parents:
        if c.needs(parent):
            c.unbroadcast(parent, g, False)


def _sub_backward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    g = c.grad(node)
    if c.needs(a):
        c.unbroadcast(a, g, False)
    if c.needs(b):
        negated = c.temp(g)
        c.call(np.negative, g, negated)
        c.unbroadcast(b, negated, True)


def _mul_backward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    g = c.grad(node)
    for parent, other in ((a, b), (b, a)):
        if c.needs(parent):
            product = c.temp(node._data)
            c.call(np.multiply, g, other._data, product)
            c.unbroadcast(parent, product, True)


def _div_forward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    c.append(refuse_if, (_has_zero, b._data))
    c.call(np.divide, a._data, b._data, node._data)


def _power_forward(node: Tensor, c: Compiler) -> None:
    a = node._parents[0]
    n = node._saved
    if not n.is_integer() or n < 1:
        c.append(refuse_if, (_power_refused, a._data, n, True))
    if n == 2:  # x ** 2 is np.square in numpy (its fast path for a scalar exponent 2)
        c.call(np.square, a._data, node._data)
    else:
        c.call(_power_into, a._data, n, node._data)


def _power_into(x: np.ndarray, n: float, out: np.ndarray) -> None:
    """``out[...] = x ** n``, numpy's operator with its fast paths, as the op computes it."""
    np.copyto(out, x**n)


def _power_backward(node: Tensor, c: Compiler) -> None:
    if node._saved != 2:
        return _generic_backward(node, c)
    a = node._parents[0]
    dst = c.target(a)
    if dst is not None:  # grad = x * g; grad *= 2
        c.call(np.multiply, a._data, c.grad(node), dst)
        c.call(np.multiply, dst, 2, dst)
        c.commit(a, dst)
    return None


def _matmul_forward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise TraceError(
            f"trace: matmul of shapes {shape_text(a.shape)} and {shape_text(b.shape)}; "
            "a traced step multiplies matrices (2-D) only"
        )
    c.call(np.matmul, a._data, b._data, node._data)


def _matmul_backward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    g = c.grad(node)
    if c.needs(a):  # g @ y.T
        dst = c.target(a)
        c.call(np.matmul, g, c.view(b._data, b._data.T, ".T"), dst)
        c.commit(a, dst)
    if c.needs(b):  # x.T @ g
        dst = c.target(b)
        c.call(np.matmul, c.view(a._data, a._data.T, ".T"), g, dst)
        c.commit(b, dst)


def _linear_forward(node: Tensor, c: Compiler) -> None:
    x, w = node._parents[:2]
    if x._data.ndim != 2:
        raise TraceError(f"trace: linear of an input of shape {shape_text(x.shape)}; 2-D only")
    c.call(np.matmul, x._data, c.view(w._data, w._data.T, ".T"), node._data)
    if len(node._parents) == 3:  # out += bias
        c.call(np.add, node._data, node._parents[2]._data, node._data)


def _linear_backward(node: Tensor, c: Compiler) -> None:
    parents = node._parents
    x, w = parents[:2]
    g = c.grad(node)
    if c.needs(x):  # g @ W
        dst = c.target(x)
        c.call(np.matmul, g, w._data, dst)
        c.commit(x, dst)
    if c.needs(w):  # g.T @ x
        dst = c.target(w)
        c.call(np.matmul, c.view(g, g.T, ".T"), x._data, dst)
        c.commit(w, dst)
    if len(parents) == 3 and c.needs(parents[2]):
        dst = c.target(parents[2])
        c.call(np.add.reduce, g, 0, None, dst)
        c.commit(parents[2], dst)


def _sigmoid_forward(node: Tensor, c: Compiler) -> None:
    x, e, out = node._parents[0]._data, node._saved, node._data
    if e is None or not x.ndim:
        raise TraceError(
            "trace: the traced sigmoid took its path for inputs below -709 (or a 0-d input); "
            "trace the step with typical data"
        )
    c.append(refuse_if, (T.sigmoid_overflows, x))  # the op's own test for its other path
    c.register(e, "e" + c.node_name(node))
    c.call(np.negative, x, e)
    c.call(np.exp, e, e)
    c.call(np.add, e, 1, out)
    c.call(np.reciprocal, out, out)


def _sigmoid_backward(node: Tensor, c: Compiler) -> None:
    a = node._parents[0]
    dst = c.target(a)
    if dst is not None:  # local = s * e; local *= s; local *= g
        s = node._data
        c.call(np.multiply, s, node._saved, dst)
        c.call(np.multiply, dst, s, dst)
        c.call(np.multiply, dst, c.grad(node), dst)
        c.commit(a, dst)


def _relu_forward(node: Tensor, c: Compiler) -> None:
    c.call(maximum_into, node._parents[0]._data, 0, node._data)


def maximum_into(x: np.ndarray, floor: int, out: np.ndarray) -> None:
    """``np.maximum(x, floor)`` into `out` (numpy 2.4 deprecates `out` given by position for
    np.maximum and np.minimum)."""
    np.maximum(x, floor, out=out)


def _relu_backward(node: Tensor, c: Compiler) -> None:
    a = node._parents[0]
    dst = c.target(a)
    if dst is not None:  # g * (x > 0)
        positive = c.temp(a._data, bool)
        c.call(np.greater, a._data, 0, positive)
        c.call(np.multiply, c.grad(node), positive, dst)
        c.commit(a, dst)


def _exp_forward(node: Tensor, c: Compiler) -> None:
    x = node._parents[0]._data
    c.append(refuse_if, (T.exp_overflows, x))  # the op refuses: the normal path says so
    c.call(np.exp, x, node._data)


def _exp_backward(node: Tensor, c: Compiler) -> None:
    a = node._parents[0]
    dst = c.target(a)
    if dst is not None:  # g * e**x
        c.call(np.multiply, c.grad(node), node._data, dst)
        c.commit(a, dst)


def _log_forward(node: Tensor, c: Compiler) -> None:
    x = node._parents[0]._data
    c.append(refuse_if, (_below, x, T._SMALLEST_RECIPROCAL[x.dtype]))
    c.call(np.log, x, node._data)


def _reduction_view(node: Tensor, c: Compiler) -> tuple[np.ndarray, tuple[int, ...]]:
    """The node's array with the reduced axes kept (1), and those axes."""
    kept = node._saved if node._rule is T.SUM else node._saved[0]
    out = c.view(node._data, node._data.reshape(kept), "")
    return out, tuple(i for i, k in enumerate(kept) if k == 1)


def _sum_forward(node: Tensor, c: Compiler) -> None:
    out, axes = _reduction_view(node, c)
    c.call(add_reduce_kept, node._parents[0]._data, axes, out)


def _sum_backward(node: Tensor, c: Compiler) -> None:
    a = node._parents[0]
    dst = c.target(a)
    if dst is not None:  # a new array of a's shape holding g along the reduced axes
        g = c.grad(node)
        c.call(copy_into, g if g.ndim == 0 else c.view(g, g.reshape(node._saved), ""), dst)
        c.commit(a, dst)


def _mean_forward(node: Tensor, c: Compiler) -> None:
    out, axes = _reduction_view(node, c)
    c.call(_mean_into, node._parents[0]._data, axes, out)


def _mean_into(x: np.ndarray, axes: tuple[int, ...], out: np.ndarray) -> None:
    x.mean(axis=axes, keepdims=True, out=out)


def _squared_error_forward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    diff, scale = node._saved
    if type(diff) is not np.ndarray:  # numpy gives a scalar for two 0-d operands: no buffer
        raise TraceError(
            "trace: squared_error of two 0-d operands (one number each); keep a dimension "
            "(.sum(keepdims=True), data of shape (1,)) or run the step without trace"
        )
    c.register(diff, "diff" + c.node_name(node))
    c.call(np.subtract, a._data, b._data, diff)
    c.call(_scaled_square_sum, diff, scale, node._data)


def _scaled_square_sum(diff: np.ndarray, scale: float, out: np.ndarray) -> None:
    out[...] = scale * np.vdot(diff, diff)


def _squared_error_backward(node: Tensor, c: Compiler) -> None:
    a, b = node._parents
    diff, scale = node._saved
    g = c.grad(node)
    grad = c.temp(diff)  # diff * (2.0 * scale * g)
    c.call(_scaled, diff, 2.0 * scale, g, grad)
    if c.needs(a):  # a new array: a's alone (b gets its negation)
        c.unbroadcast(a, grad, True)
    if c.needs(b):
        negated = c.temp(grad)
        c.call(np.negative, grad, negated)
        c.unbroadcast(b, negated, True)


def _scaled(diff: np.ndarray, factor: float, g: np.ndarray, out: np.ndarray) -> None:
    np.multiply(diff, factor * g, out)


def _view_forward(node: Tensor, c: Compiler) -> None:
    """getitem, reshape, transpose: nothing to do when the result views its operand's array
    (which the replay updates in place); else the op again, copied into the node's array."""
    x = node._parents[0]._data
    if np.may_share_memory(node._data, x):
        return
    if node._rule is T.GETITEM:
        c.call(_copy_picked, x, node._saved[0], node._data)
    else:  # a reshape that had to copy
        c.call(_reshaped_into, x, node._data)


def _reshaped_into(x: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = x.reshape(out.shape)`` (x not contiguous: numpy copies)."""
    np.copyto(out, x.reshape(out.shape))


def _copy_picked(x: np.ndarray, index: Any, out: np.ndarray) -> None:
    """``out[...] = x[index]`` (an integer-array index: numpy copies)."""
    np.copyto(out, x[index])


def _generic_backward(node: Tensor, c: Compiler) -> None:
    """The op's backward function itself, each result copied into a target array."""
    targets = tuple(c.target(p) for p in node._parents)
    c.append(run_backward, (node, c.grad(node), targets))
    for parent, dst in zip(node._parents, targets):
        c.commit(parent, dst)


RULES: dict[T.Op, tuple[Emit, Emit | None]] = {
    T.ADD: (_binary_forward(np.add), _add_backward),
    T.SUB: (_binary_forward(np.subtract), _sub_backward),
    T.MUL: (_binary_forward(np.multiply), _mul_backward),
    T.DIV: (_div_forward, None),
    T.NEG: (_unary_forward(np.negative), None),
    T.POW_NUMBER: (_power_forward, _power_backward),
    T.MATMUL: (_matmul_forward, _matmul_backward),
    T.LINEAR: (_linear_forward, _linear_backward),
    T.SIGMOID: (_sigmoid_forward, _sigmoid_backward),
    T.RELU: (_relu_forward, _relu_backward),
    T.TANH: (_unary_forward(np.tanh), None),
    T.EXP: (_exp_forward, _exp_backward),
    T.LOG: (_log_forward, None),
    T.SUM: (_sum_forward, _sum_backward),
    T.MEAN: (_mean_forward, None),
    T.SQUARED_ERROR: (_squared_error_forward, _squared_error_backward),
    T.GETITEM: (_view_forward, None),
    T.RESHAPE: (_view_forward, None),
    T.TRANSPOSE: (_view_forward, None),
}
"""The traceable ops: forward and backward rule of each (None: the op's own backward)."""


def traceable() -> list[str]:
    """The names of the ops a traced step may use."""
    return sorted(op.name for op in RULES)


# --------------------------------------------------------------------- compiling
def compile_program(loss: Tensor, inputs: list[Tensor]) -> Program:
    """The program of the graph below `loss`, whose argument leaves are `inputs`; refuses
    (`TraceError`) a graph with an op that has no rule, or with mixed float types."""
    order = topological_order(loss)
    c = Compiler(loss, inputs)
    dtype = loss._data.dtype
    for node in order:
        if node._data.dtype != dtype:
            raise TraceError(
                f"trace: the step mixes {dtype} and {node._data.dtype} (node "
                f"{c.node_name(node)!r}); make every array one float type"
            )
        if node._parents and node._rule not in RULES:
            op = node._rule.name if node._rule is not None else node._op
            raise TraceError(
                f"trace: the step uses {op!r}, which has no replay rule; the traceable ops "
                f"are {', '.join(traceable())}. Run the step without trace"
            )
    _buffers(order, c)
    for node in order:
        if node._parents:
            RULES[node._rule][0](node, c)
    seed = np.array(1, dtype)  # d(loss)/d(loss), as backward() makes it
    seed = c.register(seed.reshape(loss._data.shape) if loss._data.ndim else seed, "1", True)
    forward_lines = len(program_lines := c.program.lines)
    if loss._parents:
        c.grads[loss._id], c.owned[loss._id] = seed, False
    else:  # the loss is a parameter: it gets a copy of the seed, as a leaf does (handed out)
        c.pass_on(loss, seed)
    for node in reversed(order):
        if node._parents and c.needs(node):
            rule = RULES[node._rule][1] or _generic_backward
            rule(node, c)
    program = c.program
    program.loss, program.graph = loss._data, loss
    program.inputs = [t._data for t in inputs]
    params = [n for n in order if not n._parents and n.requires_grad and n._id not in c.inputs]
    for p in params:
        c.unfold(c.grad(p))  # handed out: a replay must compute it
    program.deliveries = [(p, c.grad(p)) for p in params]
    program.summed = [p._id in c.summed for p in params]
    guards = sum(fn is refuse_if for fn, _ in program.calls)
    folded = sorted({c.name(a) for a in c.keep if id(a) in c.fixed and a.ndim})
    program_lines.insert(forward_lines, "# backward")
    program_lines[:0] = [
        f"# {len(program.calls) - guards} numpy calls and {guards} guards; arguments "
        + ", ".join(c.node_name(t) for t in inputs)
        + f"; parameters {', '.join(c.node_name(p) for p in params)}",
        *(["# computed once, while compiling: " + ", ".join(folded)] if folded else []),
        "# forward",
    ]
    # Count references as a replay will find them: the compiler's own (its lists of arrays)
    # end with it, and counted here they would hide a reference kept outside.
    c.keep.clear()
    c.grads.clear()
    c.folded.clear()
    program.references = reference_counts(program)
    return program


def _buffers(order: list[Tensor], c: Compiler) -> None:
    """Name every node's array, mark the constants fixed, the leaves guarded, and find the
    nodes whose gradient the step needs (on a path from a parameter)."""
    for node in order:
        c.names[id(node._data)] = c.node_name(node)
        if node._parents:
            if any(c.needs(p) for p in node._parents):
                c.needed.add(node._id)
            continue
        if node._id in c.inputs:
            continue
        c.program.leaves.append((node, node._data, -1 if node.requires_grad else node._version))
        if node.requires_grad:
            c.needed.add(node._id)
        else:
            c.fixed.add(id(node._data))
    if not any(not n._parents and n.requires_grad and n._id not in c.inputs for n in order):
        raise TraceError("trace: the loss depends on no parameter (no leaf with requires_grad)")
