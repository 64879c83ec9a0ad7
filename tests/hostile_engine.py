"""More rows of the hostile-input table (see tests/hostile_inputs.py): found by the error-message
audit, for engine."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
from chaingrad.autograd.anomaly import AnomalyError, detect_anomaly
from chaingrad.autograd.arrays import GraphEscapeError, set_result_limit
from chaingrad.autograd.elementwise import elementwise
from chaingrad.autograd.gradcheck import GradcheckError, gradcheck, numeric_gradient
from chaingrad.autograd.ops import Operation, unregister
from chaingrad.autograd.tensor import Tensor, record
from chaingrad.autograd.tensor_ops import Op, cross_entropy, linear
from chaingrad.autograd.value import Value, dot_values, sum_values
from chaingrad.nn.checkpoint import load_state_dict, state_dict
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import half_squared_error
from chaingrad.nn.optim import SGD
from hostile_inputs import Row, accepted, expect, python


def _grid() -> Tensor:
    """A (2,3) tensor of ones."""
    return Tensor(np.ones((2, 3)))


def _doubled_square(x: Tensor) -> Tensor:
    """x**2 through a hand-written op whose backward rule is twice the right one."""
    op = Op(Operation("square_doubled", ("wrong",), tensor=True),
            lambda node, g: (4 * g * node._parents[0].data,))  # fmt: skip
    return record(x.data**2, op, (x,))


def _gradcheck_fails(_: Path) -> None:
    x = Tensor([0.5, -1.0], label="A")
    gradcheck(lambda t: _doubled_square(t).sum(), x, raise_on_failure=True)


def _gradcheck_error_keeps_the_table(_: Path) -> None:
    try:
        _gradcheck_fails(_)
    except GradcheckError as error:
        expect(str(error.result).splitlines()[1].startswith("input"), "str(result) is the table")
        expect(len(error.result.failures) == 2, "both entries fail")
        return
    expect(False, "GradcheckError raised")


def _division_overflow_is_unchecked(_: Path) -> None:
    with np.errstate(over="ignore"):
        expect(np.isinf((Tensor([1.0]) / 1e-320).data).all(), "inf: `/` is not checked")
    expect((Value(1.0) / Value(1e-320)).data == float("inf"), "inf, as in float code")


def _tensor_division_overflow(_: Path) -> None:
    with detect_anomaly(), np.errstate(over="ignore"):
        Tensor([1.0, 2.0], label="x") / Tensor([1e-320, 1.0], requires_grad=True)


def _value_division_overflow(_: Path) -> None:
    with detect_anomaly():
        Value(1.0, label="one") / Value(1e-320, label="tiny")


def _numpy_bool_keepdims(_: Path) -> None:
    expect(_grid().sum(axis=1, keepdims=np.True_).shape == (2, 1), "np.True_ is True")


def _shape_queries(_: Path) -> None:
    t = _grid()
    expect((np.shape(t), np.ndim(t), np.size(t)) == ((2, 3), 2, 6), "shape queries answer")


# ------------------------------------------------------------------ data changed after forward
def _two_layers() -> tuple[Tensor, Tensor, Tensor]:
    """loss = sum(sigmoid(x @ W) @ V) with labelled parameters; returns (loss, W, V)."""
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(3, 4)), requires_grad=True, label="W")
    V = Tensor(rng.normal(size=(4, 2)), requires_grad=True, label="V")
    return ((rng.normal(size=(5, 3)) @ W).sigmoid() @ V).sum(), W, V


def _step_between_forward_and_backward(_: Path) -> None:
    loss, W, V = _two_layers()
    W.grad, V.grad = np.ones((3, 4)), np.ones((4, 2))
    SGD([W, V], lr=0.1).step()
    loss.backward()


def _load_between_forward_and_backward(_: Path) -> None:
    model = MLP([3, 4, 2], "sigmoid", init="normal", seed=0)
    loss = half_squared_error(model(np.ones((2, 3))), np.zeros((2, 2)))
    load_state_dict(model, {k: v + 1 for k, v in state_dict(model).items()})
    loss.backward()


def _interior_data_overwritten(_: Path) -> None:
    w = Tensor([0.5, 1.0], requires_grad=True, label="w")
    h = w.exp().named("h")
    h.data = h.data * 2
    h.sum().backward()


def _view_of_a_changed_weight(_: Path) -> None:
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    x = Tensor(np.ones((4, 3)), requires_grad=True, label="x")
    loss = (x @ W.T).sum()
    W.data -= 0.5
    loss.backward()


def _caller_array_changed_after_use(_: Path) -> None:
    x = Tensor([1.0, 1.0], requires_grad=True)
    arr = np.array([2.0, 3.0])
    y = (x * arr).sum()
    arr[:] = 5.0
    y.backward()
    expect(x.grad.tolist() == [2.0, 3.0], "the gradient uses the values at the forward pass")


def _step_that_the_rule_does_not_read(_: Path) -> None:
    W = Tensor([1.0, 2.0], requires_grad=True, label="W")
    y = (W * np.array([3.0, 4.0])).sum()
    W.data -= 1.0  # W's own gradient reads only the constant
    y.backward()
    expect(W.grad.tolist() == [3.0, 4.0], "right gradient, no refusal")


def _write_into_data_untracked(_: Path) -> None:
    w = Tensor([1.0], requires_grad=True)
    y = (w * w).sum()
    w.data[...] = 3.0  # a write into the array: not seen, as in PyTorch
    y.backward()
    expect(w.grad.tolist() == [6.0], "uses the new data: the documented untracked case")


def _value_graph_is_a_snapshot(_: Path) -> None:
    w = Value(2.0, label="w")
    y = w * w
    w.data = 3.0
    y.backward()
    expect((y.data, w.grad) == (4.0, 4.0), "the derivative at the point y was computed at")


def _refused_backward_leaves_grads(_: Path) -> None:
    loss, W, V = _two_layers()
    loss.backward()
    before = W.grad.copy()
    V.data = V.data + 1
    try:
        loss.backward()
    except RuntimeError:
        expect(np.array_equal(W.grad, before), "W.grad unchanged by the refused pass")
        return
    expect(False, "RuntimeError raised")


# ------------------------------------------------------------------ copies and pickles
def _pickle_unregistered_op(_: Path) -> None:
    pickle.dumps(_doubled_square(Tensor([1.0], requires_grad=True)))


def _unpickle_unregistered_op(_: Path) -> None:
    twice = elementwise("twice_hostile", lambda x: 2 * x, lambda x, y: 2 + 0 * x, rule="2")
    try:
        data = pickle.dumps(twice(Tensor([1.0], requires_grad=True)))
    finally:
        unregister(twice)
    pickle.loads(data)


def _copy_of_a_stale_graph(_: Path) -> None:
    loss, _, V = _two_layers()
    V.data = V.data + 1
    copy.deepcopy(loss).backward()


# ------------------------------------------------------------------ numpy interop, sizes
def _asarray_of_a_constant(_: Path) -> None:
    t = Tensor([1.0, 2.0])
    expect(np.asarray(t) is t.data, "the data itself, as t.data")
    expect(np.asarray(t, dtype=np.float32).dtype == np.float32, "converted on request")
    expect(Tensor([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape == (2, 2), "stacked")


def _bool_of_one_entry(_: Path) -> None:
    expect(bool(Tensor([0.0])) is False and bool(Tensor(2.0)) is True, "numpy's truth")


def _raised_limit(_: Path) -> None:
    before = set_result_limit(10)
    try:
        try:
            Tensor(np.ones((4, 1))) + Tensor(np.ones((1, 4)))
        except MemoryError as error:
            expect("more than the limit of 10" in str(error), "the new limit")
        else:
            expect(False, "a 16-entry result refused under a limit of 10")
    finally:
        set_result_limit(before)
    expect((Tensor(np.ones((4, 1))) + Tensor(np.ones((1, 4)))).shape == (4, 4), "restored")


def _column(n: int = 10**6) -> Tensor:
    return Tensor(np.ones((n, 1)), label="col")


ROWS: list[Row] = [
    # ------------------------------------------------------------------ Tensor: data and shapes
    python("engine-tensor-dtype-unreadable", "Tensor([1.0], dtype='banana') (was float64)",
           TypeError, ("Tensor: dtype 'banana' is not a numpy dtype",
                       "use np.float64 or np.float32"),
           lambda _: Tensor([1.0], dtype="banana")),
    python("engine-transpose-one-axis", "Tensor (2,3).transpose(0) (was: reverse all axes)",
           ValueError, ("transpose: axes (0,) are not a permutation of the 2 axes",
                        "of shape (2,3)", "give every axis once, e.g. t.transpose(1, 0)"),
           lambda _: _grid().transpose(0)),
    python("engine-transpose-int", "Tensor (2,3).transpose(1) (was 'axes must be ints, got 1')",
           ValueError, ("transpose: axes (1,) are not a permutation", "or none to reverse them"),
           lambda _: _grid().transpose(1)),
    python("engine-len-0d", "len(Tensor(2.0))", TypeError,
           ("len: the tensor is 0-d (one number, shape ())", "use .item()", ".reshape(1)"),
           lambda _: len(Tensor(2.0))),
    python("engine-sum-keepdims-str", "Tensor (2,3).sum(keepdims='yes')", TypeError,
           ("sum: keepdims must be True or False, got 'yes'",),
           lambda _: _grid().sum(keepdims="yes")),
    python("engine-logsumexp-keepdims-none", "Tensor (2,3).logsumexp(axis=1, keepdims=None)",
           TypeError, ("logsumexp: keepdims must be True or False, got None",),
           lambda _: _grid().logsumexp(axis=1, keepdims=None)),
    accepted("engine-sum-keepdims-numpy-bool", "Tensor (2,3).sum(axis=1, keepdims=np.True_)",
             "shape (2,1): a numpy bool is a bool", _numpy_bool_keepdims),
    python("engine-mean-empty", "Tensor([]).mean()", ValueError,
           ("mean: cannot reduce over an empty axis",
            "the data is empty (an empty batch or slice?)"),
           lambda _: Tensor([]).mean()),
    # ------------------------------------------------------------------ numpy functions
    python("engine-np-sum-tensor", "np.sum(Tensor)", TypeError,
           ("np.sum: a Tensor is not a numpy array", "use t.sum(...) to keep the gradient",
            "np.sum(t.data) for plain numbers"), lambda _: np.sum(_grid())),
    python("engine-np-concatenate-tensors", "np.concatenate([Tensor, Tensor])", TypeError,
           ("np.concatenate: a Tensor is not a numpy array", "autograd's concatenate([...])"),
           lambda _: np.concatenate([_grid(), _grid()])),
    accepted("engine-np-shape-tensor", "np.shape(t), np.ndim(t), np.size(t)",
             "the shape of t.data", _shape_queries),
    # ------------------------------------------------------------------ Tensor: arithmetic
    python("engine-pow-huge-int", "Tensor([1.0, 2.0]) ** 10**400", OverflowError,
           ("pow: the exponent (1.000e+400) is too large for a float", "about 1.8e308"),
           lambda _: Tensor([1.0, 2.0]) ** 10**400),
    python("engine-pow-complex", "Tensor([-1.0]) ** 0.5", ValueError,
           ("the result would be complex", "Use a whole-number exponent or a positive base"),
           lambda _: Tensor([-1.0]) ** 0.5),
    python("engine-pow-zero-negative", "Tensor([0.0, 1.0]) ** -1", ZeroDivisionError,
           ("pow: 0 raised to a negative exponent", "shift the base away from 0 (e.g. x + 1e-12)"),
           lambda _: Tensor([0.0, 1.0]) ** -1),
    python("engine-value-pow-zero-negative", "Value(0.0) ** -1", ZeroDivisionError,
           ("is 0 and the exponent -1 is negative", "shift the base away from 0"),
           lambda _: Value(0.0) ** -1),
    python("engine-div-shapes-before-zero", "Tensor (2,3) / zeros (3,2) (was: division by 0)",
           ValueError, ("div: shapes (2,3) and (3,2) do not broadcast",),
           lambda _: _grid() / np.zeros((3, 2))),
    python("engine-div-zero-fix", "Tensor (2,3) / zeros (3,)", ZeroDivisionError,
           ("div: the denominator (shape (3,)) is 0 in 3 of 3 entries",
            "add a small epsilon to the denominator or mask those entries"),
           lambda _: _grid() / np.zeros(3)),
    python("engine-value-div-zero-fix", "Value(1.0) / 0", ZeroDivisionError,
           ("div: division by zero", "add a small epsilon to the denominator"),
           lambda _: Value(1.0) / 0),
    accepted("engine-div-overflow-unchecked", "Tensor([1.0]) / 1e-320, Value(1) / Value(1e-320)",
             "inf: `/` is documented as unchecked, like `*`", _division_overflow_is_unchecked),
    python("engine-anomaly-tensor-div", "Tensor / 1e-320 inside detect_anomaly()", AnomalyError,
           ("/: its result is", "not finite", "Look for overflow"), _tensor_division_overflow),
    python("engine-anomaly-value-div", "Value(1) / Value(1e-320) inside detect_anomaly()",
           AnomalyError, ("/: its result is inf", "'tiny'"), _value_division_overflow),
    # ------------------------------------------------------------------ cross_entropy labels
    python("engine-cross-entropy-one-hot", "cross_entropy(logits (4,2), one-hot labels (4,2))",
           ValueError, ("labels have shape (4,2)", "these look like one-hot rows",
                        "pass class indices, y.argmax(axis=1)"),
           lambda _: cross_entropy(Tensor(np.zeros((4, 2))), np.eye(2)[[0, 1, 1, 0]])),
    python("engine-cross-entropy-label-too-big", "cross_entropy(logits (2,3), [0, 3])",
           ValueError, ("labels must be in [0, 3)",
                        "label 3 at position 1 is outside (1 bad label)",
                        "give the last layer 4 outputs"),
           lambda _: cross_entropy(_grid(), [0, 3])),
    python("engine-cross-entropy-label-negative", "cross_entropy(logits (2,3), [-1, -2])",
           ValueError, ("label -1 at position 0 is outside (2 bad labels)",
                        "class indices count from 0"),
           lambda _: cross_entropy(_grid(), [-1, -2])),
    # ------------------------------------------------------------------ Value: sums
    python("engine-sum-values-none", "sum_values(None)", TypeError,
           ("sum_values: terms must be a list of Values or numbers, got None",),
           lambda _: sum_values(None)),
    python("engine-sum-values-int", "sum_values(5)", TypeError,
           ("sum_values: terms must be a list", "got int 5"), lambda _: sum_values(5)),
    python("engine-dot-values-weights-none", "dot_values(None, [1.0])", TypeError,
           ("dot_values: weights must be a list of Values, got None",),
           lambda _: dot_values(None, [1.0])),
    python("engine-dot-values-inputs-float", "dot_values([Value(1)], 1.0)", TypeError,
           ("dot_values: inputs must be a list, one per weight, got float 1.0",),
           lambda _: dot_values([Value(1.0)], 1.0)),
    python("engine-iter-0d", "list(Tensor(1.0))", TypeError,
           ("iter: the tensor is 0-d", "use .item()"), lambda _: list(Tensor(1.0))),
    # ------------------------------------------------------------------ gradcheck
    python("engine-gradcheck-negative-tolerance", "gradcheck(f, x, atol=-1, rtol=-1)",
           ValueError, ("gradcheck: atol must be a finite number >= 0, got -1",),
           lambda _: gradcheck(lambda t: t.sum(), Tensor([1.0]), atol=-1, rtol=-1)),
    python("engine-gradcheck-atol-str", "gradcheck(f, x, atol='x')", TypeError,
           ("gradcheck: atol must be a finite number >= 0, got str 'x'",),
           lambda _: gradcheck(lambda t: t.sum(), Tensor([1.0]), atol="x")),
    python("engine-gradcheck-eps-str", "gradcheck(f, x, eps='abc')", TypeError,
           ("gradcheck: eps must be a number in (0, 1), got str 'abc'",),
           lambda _: gradcheck(lambda t: t.sum(), Tensor([1.0]), eps="abc")),
    python("engine-gradcheck-arity", "gradcheck(lambda x, y: x * y, Value(1.0))", TypeError,
           ("gradcheck: 1 input given, but f is <lambda>(x, y)", "missing a required argument: 'y'",
            "f must take one argument per input"),
           lambda _: gradcheck(lambda x, y: x * y, Value(1.0))),
    python("engine-numeric-gradient-arity", "numeric_gradient(lambda x: x, Value(1), Value(2))",
           TypeError, ("numeric_gradient: 2 inputs given, but f is <lambda>(x)",
                       "too many positional arguments"),
           lambda _: numeric_gradient(lambda x: x, Value(1.0), Value(2.0))),
    python("engine-numeric-gradient-where", "numeric_gradient(..., eps=0, where='compare')",
           ValueError, ("compare: eps must be a number in (0, 1), got 0",),
           lambda _: numeric_gradient(lambda v: v * v, Value(1.0), eps=0, where="compare")),
    python("engine-gradcheck-raise", "gradcheck(f with a wrong backward, raise_on_failure=True)",
           GradcheckError, ("gradcheck failed: 2 entries of 2 disagree",
                            "(worst: input 'A' (1,): autodiff -4, numeric -2)",
                            "the table is in error.result (print(error.result))"),
           _gradcheck_fails),
    accepted("engine-gradcheck-raise-result", "GradcheckError from a failed gradcheck",
             "error.result is the GradcheckResult; str() is the table",
             _gradcheck_error_keeps_the_table),
    # ------------------------------------------------------------------ data changed in place
    python("engine-step-before-backward", "opt.step() between a forward and its backward()",
           RuntimeError, ("'V' (#", "was changed in place (an optimizer step",
                          "the matmul rule needs the old numbers",
                          "Compute the forward pass again"),
           _step_between_forward_and_backward),
    python("engine-load-before-backward", "nn.load_state_dict between a forward and backward()",
           RuntimeError, ("was changed in place", "load_state_dict", "the linear rule"),
           _load_between_forward_and_backward),
    python("engine-interior-data-overwritten", "h = w.exp(); h.data = h.data * 2; backward()",
           RuntimeError, ("the data of 'h' (#", "after it was computed", "the exp rule"),
           _interior_data_overwritten),
    python("engine-view-base-changed", "x @ W.T, then W.data -= 0.5, then backward()",
           RuntimeError, ("a view of 'W' (#", "was changed in place", "the matmul rule"),
           _view_of_a_changed_weight),
    accepted("engine-numpy-operand-changed", "y = x * arr; arr[:] = 5; y.backward()",
             "the graph keeps a copy: the gradient is the old arr",
             _caller_array_changed_after_use),
    accepted("engine-step-unread-operand", "y = (W * arr).sum(); W.data -= 1; y.backward()",
             "W's gradient reads only arr: right, no refusal", _step_that_the_rule_does_not_read),
    accepted("engine-write-into-data-untracked", "w.data[...] = 3 between forward and backward",
             "not tracked, as in PyTorch (documented)", _write_into_data_untracked),
    accepted("engine-value-data-changed", "w = Value(2); y = w * w; w.data = 3; y.backward()",
             "a Value graph is a snapshot: dy/dw at w = 2", _value_graph_is_a_snapshot),
    accepted("engine-refused-backward-no-partial-grads", "backward() refused after V changed",
             "W.grad as before the refused call", _refused_backward_leaves_grads),
    python("engine-data-assign-list", "t.data = [1.0, 2.0]", TypeError,
           ("Tensor.data: must be a float64 or float32 numpy array, got list",
            "np.asarray(v, dtype=t.dtype)"),
           lambda _: setattr(Tensor([1.0, 2.0]), "data", [1.0, 2.0])),
    python("engine-data-assign-int-array", "t.data = np.array([1, 2])", TypeError,
           ("got an array of dtype int64",),
           lambda _: setattr(Tensor([1.0]), "data", np.array([1, 2]))),
    # ------------------------------------------------------------------ copies and pickles
    python("engine-pickle-unregistered-op", "pickle.dumps(a graph using an unregistered Op)",
           TypeError, ("pickle: the tensor op 'square_doubled' is not in the op registry",
                       "copy.deepcopy"), _pickle_unregistered_op),
    python("engine-unpickle-unregistered-op", "pickle.loads(a graph whose op is not registered)",
           ValueError, ("no tensor op named 'twice_hostile' is registered here",
                        "register it first"), _unpickle_unregistered_op),
    python("engine-deepcopy-stale-graph", "copy.deepcopy(loss) after V changed, then backward()",
           RuntimeError, ("was changed in place", "the matmul rule"), _copy_of_a_stale_graph),
    # ------------------------------------------------------------------ numpy interop
    python("engine-asarray-requires-grad", "np.asarray(W), W requiring grad", GraphEscapeError,
           ("np.asarray: this tensor (shape (2,), 'W') requires grad",
            "would leave the graph", "stack([...])", "t.data"),
           lambda _: np.asarray(Tensor([1.0, 2.0], requires_grad=True, label="W"))),
    python("engine-tensor-of-grad-tensors", "Tensor([W, W]), W requiring grad", GraphEscapeError,
           ("Tensor: np.asarray: this tensor", "requires grad", "concatenate([...])"),
           lambda _: Tensor([Tensor([1.0], requires_grad=True)] * 2)),
    accepted("engine-asarray-constant", "np.asarray(Tensor([1., 2.])), and a list of them",
             "the data (as t.data); stacked rows", _asarray_of_a_constant),
    python("engine-bool-many", "bool(Tensor([1.0, 2.0]))", ValueError,
           ("bool: the truth value of a tensor of shape (2,) (2 entries) is ambiguous",
            ".any() or .all()"), lambda _: bool(Tensor([1.0, 2.0]))),
    python("engine-bool-empty", "bool(Tensor([]))", ValueError,
           ("shape (0,) (0 entries) is ambiguous",), lambda _: bool(Tensor([]))),
    accepted("engine-bool-one", "bool(Tensor([0.0])), bool(Tensor(2.0)) (was True for [0.])",
             "the entry's truth, as numpy", _bool_of_one_entry),
    # ------------------------------------------------------------------ results too large
    python("engine-broadcast-too-large", "Tensor (10**6, 1) + Tensor (1, 10**6)", MemoryError,
           ("add: shapes (1000000,1) and (1,1000000) give a result of shape (1000000,1000000)",
            "7.28 TiB of float64", "more than the limit of 268,435,456",
            "autograd.set_result_limit(entries)"),
           lambda _: _column() + _column().T),
    python("engine-matmul-too-large", "Tensor (10**6, 1) @ Tensor (1, 10**6)", MemoryError,
           ("matmul: shapes (1000000,1) and (1,1000000)", "1,000,000,000,000 entries",
            "(operands 'col', unlabelled)"), lambda _: _column() @ _column().T),
    python("engine-linear-too-large", "linear(x (10**6, 1), W (10**6, 1))", MemoryError,
           ("linear: input (1000000,1) and weight (1000000,1) give a result of shape "
            "(1000000,1000000)", "(operands 'col', 'col')"),
           lambda _: linear(_column(), _column())),
    python("engine-pow-too-large", "Tensor (10**6, 1) ** array (1, 10**6)", MemoryError,
           ("pow: shapes (1000000,1) and (1,1000000)",),
           lambda _: _column() ** np.ones((1, 10**6))),
    python("engine-result-limit-zero", "autograd.set_result_limit(0)", ValueError,
           ("set_result_limit: entries must be a whole number >= 1, got 0",),
           lambda _: set_result_limit(0)),
    accepted("engine-result-limit-raised", "set_result_limit(10), then a 4x4 broadcast",
             "refused under the new limit; allowed again once restored", _raised_limit),
]  # fmt: skip
