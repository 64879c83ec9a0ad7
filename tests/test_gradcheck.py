"""Tests for gradcheck: it passes correct gradients, catches wrong backward rules (negative
controls: a missing transpose, a missing unbroadcast sum, a factor of 2), reports only the failing
entries, and marks entries whose finite difference straddles a kink instead of failing them."""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.gradcheck import (
    DEFAULT_EPS,
    GradcheckError,
    GradcheckResult,
    gradcheck,
    numeric_gradient,
)
from chaingrad.autograd.ops import Operation
from chaingrad.autograd.tensor import Tensor, record
from chaingrad.autograd.tensor_ops import Op, cross_entropy
from chaingrad.autograd.value import Value, sum_values

rng = np.random.default_rng(7)


def tensor(*shape, low=-1.0, high=1.0, label=None):
    return Tensor(rng.uniform(low, high, size=shape), label=label)


# ---------------------------------------------------------------- correct gradients pass
@pytest.mark.parametrize(
    "f",
    [
        lambda a, b: (a @ b).tanh().sum(),
        lambda a, b: ((a @ b).sigmoid() ** 2).mean(),
        lambda a, b: cross_entropy(a @ b, [0, 2, 1]),
        lambda a, b: (a[:, [0, 0, 1]] * b[0]).logsumexp(),
        lambda a, b: (a.softmax(axis=0) @ b.exp()).log_softmax().max(),
    ],
)
def test_correct_tensor_gradients_pass(f):
    result = gradcheck(f, tensor(3, 4, label="A"), tensor(4, 3, label="B"))
    assert result, str(result)
    assert result.checked == 24
    assert result.failures == () and result.kinks == ()
    assert str(result) == "gradcheck passed: 24 entries checked"


def test_correct_value_gradients_pass():
    def f(x, y, z):
        return sum_values([(x * y).tanh(), y.sigmoid() / z, z**3, (x - z).exp()]).log()

    assert gradcheck(f, Value(0.3, label="x"), Value(-1.2), Value(0.8))


def test_large_function_values_do_not_fail_on_rounding_noise():
    # f is about 1e8, so f(x ± h) carries rounding noise of about 1e-8; divided by 2h that is
    # about 1e-3, more than atol + rtol * |gradient|, yet the gradient is right.
    x = tensor(5, low=1.0, high=2.0)
    assert gradcheck(lambda t: (t**2).sum() + 1e8, x)


def test_inputs_are_left_untouched():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    gradcheck(lambda t: (t * t).sum(), x)
    assert x.grad is None
    assert x.data.tolist() == [1.0, 2.0]


def test_float32_inputs_are_checked_in_float64_with_a_note():
    x = Tensor([0.5, -0.25], dtype=np.float32, label="x32")
    result = gradcheck(lambda t: (t * 3.0).sigmoid().sum(), x)
    assert result
    assert "x32 is float32; checked in float64" in str(result)


def test_runs_with_grad_mode_off_outside():
    with no_grad():
        assert gradcheck(lambda t: (t**2).sum(), tensor(3))


# ---------------------------------------------------------------- negative controls
def wrong_op(name, forward, backward, n_operands=2):
    """An op whose backward rule is deliberately wrong, made the way any op is made."""
    op = Op(Operation(name, ("wrong",) * n_operands, tensor=True), backward)

    def apply(*nodes):
        return record(forward(*(n.data for n in nodes)), op, nodes)

    return apply


def _matmul_missing_transpose(node, g):
    a, b = node._parents
    return g @ b.data, a.data.T @ g  # should be g @ b.data.T


def _sigmoid_factor_two(node, g):
    s = node.data
    return (2 * g * s * (1 - s),)


def _add_first_row_instead_of_sum(node, g):
    return g, g[0]  # b was broadcast over rows: its gradient must sum them


def _add_no_unbroadcast(node, g):
    return g, g


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_missing_transpose_is_caught_and_only_failing_entries_are_listed():
    bad_matmul = wrong_op("matmul_no_transpose", np.matmul, _matmul_missing_transpose)
    a, b = tensor(3, 3, label="A"), tensor(3, 3, label="B")
    result = gradcheck(lambda x, y: bad_matmul(x, y).tanh().sum(), a, b)
    assert not result
    assert isinstance(result, GradcheckResult)
    assert {e.input for e in result.failures} == {"A"}  # B's rule is right: not listed
    assert all(e.status == "fail" for e in result.failures)
    table = result.table().splitlines()
    assert table[0].split() == ["input", "index", "autodiff", "numeric", "abs", "err", "rel", "err"]
    assert len(table) == 1 + len(result.failures)
    assert all(line.startswith("A ") for line in table[1:])
    assert str(result).startswith(f"gradcheck failed: {len(result.failures)} entries of 18")
    # The same graph through the real rule passes.
    assert gradcheck(lambda x, y: (x @ y).tanh().sum(), a, b)


def test_factor_of_two_is_caught_with_the_right_numbers():
    bad_sigmoid = wrong_op("sigmoid_times_two", _sigmoid, _sigmoid_factor_two, 1)
    x = tensor(2, 2, label="x")
    result = gradcheck(lambda t: bad_sigmoid(t).sum(), x)
    assert len(result.failures) == 4
    for e in result.failures:
        assert e.autodiff == pytest.approx(2 * e.numeric, rel=1e-6)
        assert e.rel_error == pytest.approx(1.0, rel=1e-5)
        assert e.abs_error == pytest.approx(abs(e.numeric), rel=1e-5)


def test_missing_unbroadcast_sum_is_caught():
    a, b = tensor(4, 3, label="a"), tensor(3, label="b")
    first_row = wrong_op("add_first_row", np.add, _add_first_row_instead_of_sum)
    result = gradcheck(lambda x, y: (first_row(x, y) ** 2).sum(), a, b)
    assert not result
    assert {e.input for e in result.failures} == {"b"}
    assert len(result.failures) == 3

    unreduced = wrong_op("add_unreduced", np.add, _add_no_unbroadcast)
    result = gradcheck(lambda x, y: (unreduced(x, y) ** 2).sum(), a, b)
    assert not result
    assert "missing unbroadcast sum" in str(result)
    assert "backward of 'add_unreduced'" in str(result)


def test_raise_on_failure_raises_one_line_with_the_result_attached():
    bad_sigmoid = wrong_op("sigmoid_times_two", _sigmoid, _sigmoid_factor_two, 1)
    x = Tensor([0.5, -1.0], label="x")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda t: bad_sigmoid(t).sum(), x, raise_on_failure=True)
    message = str(caught.value)
    assert "\n" not in message
    # The worst entry is the one with the largest error: x = 0.5, where sigmoid' is largest.
    slope = _sigmoid(0.5) * (1 - _sigmoid(0.5))
    assert message == (
        f"gradcheck failed: 2 entries of 2 disagree (worst: input 'x' (0,): autodiff "
        f"{2 * slope:.3g}, numeric {slope:.3g}); the table is in error.result "
        "(print(error.result))"
    )
    result = caught.value.result
    assert isinstance(result, GradcheckResult) and not result
    assert str(result).splitlines()[1].split()[:2] == ["input", "index"]  # the full table
    assert result.summary() in message
    assert gradcheck(lambda t: t.sigmoid().sum(), tensor(2), raise_on_failure=True)


def test_the_summary_of_a_pass_an_error_entry_and_a_broken_backward():
    result = gradcheck(lambda v: v * 2, Value(1.5))  # correct: passes
    assert result.summary() == "gradcheck passed: 1 entry checked"
    result = gradcheck(lambda t: t.log().sum(), Tensor([1e-9]))
    assert result.summary().startswith(
        "gradcheck failed: 1 entry of 1 disagree (input 0 (0,): f raised at x ± h: ValueError: log:"
    )

    def broken(node, g):
        raise RuntimeError("rule\nbroken")

    explode = wrong_op("explode", np.square, broken, 1)
    result = gradcheck(lambda t: explode(t).sum(), tensor(2))
    assert result.backward_error == "RuntimeError: rule\nbroken"
    assert result.summary() == (
        "gradcheck failed: the backward pass raised RuntimeError: rule broken; nothing compared"
    )
    result = gradcheck(lambda v: v.log(), Value(1e-9, label="v"))  # a Value has no index
    assert result.summary().startswith(
        "gradcheck failed: 1 entry of 1 disagree (input 'v': f raised at x ± h: ValueError: log:"
    )


# ---------------------------------------------------------------- kinks
def test_relu_at_zero_is_a_kink_not_a_failure():
    x = Tensor([0.0, 1.0, -2.0, 0.5 * DEFAULT_EPS], label="x")
    result = gradcheck(lambda t: (t.relu() * 3).sum(), x, raise_on_failure=True)
    assert result
    assert [e.index for e in result.kinks] == [(0,), (3,)]  # at 0, and within a step of 0
    assert all(e.status == "kink" for e in result.kinks)
    assert "2 entries at a kink" in str(result)


def test_value_relu_at_zero_is_a_kink():
    result = gradcheck(lambda v, w: v.relu() * w, Value(0.0, label="v"), Value(2.0))
    assert result
    assert [(e.input, e.index) for e in result.kinks] == [("v", None)]


def test_max_ties_are_kinks():
    # Three tied maxima: autodiff gives each 1/3, a central difference sees 1/2.
    x = Tensor([[2.0, 2.0, 2.0, 1.0]], label="x")
    result = gradcheck(lambda t: t.max(axis=1).sum() * 5, x)
    assert result
    assert len(result.kinks) == 3 and not result.failures


def test_an_entry_whose_step_crosses_a_kink_is_not_judged_the_others_are():
    bad_sigmoid = wrong_op("sigmoid_times_two", _sigmoid, _sigmoid_factor_two, 1)
    x = Tensor([0.0, 0.7], label="x")
    result = gradcheck(lambda t: t.relu().sum() + bad_sigmoid(t).sum(), x)
    assert not result
    assert [e.index for e in result.kinks] == [(0,)]
    assert [e.index for e in result.failures] == [(1,)]


# ---------------------------------------------------------------- domain edges and misuse
def test_an_error_at_x_plus_or_minus_h_is_reported_per_entry():
    x = Tensor([1e-9, 1.0], label="x")
    result = gradcheck(lambda t: t.log().sum(), x)
    assert not result
    (entry,) = result.failures
    assert entry.index == (0,) and entry.status == "error"
    assert "log:" in entry.note


def test_misuse_gets_clear_errors():
    x = tensor(2, 2)
    with pytest.raises(ValueError, match=r"scalar node, got a Tensor of shape \(2,2\)"):
        gradcheck(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="must return a Value or a one-entry Tensor"):
        gradcheck(lambda t: float(t.sum().item()), x)
    with pytest.raises(TypeError, match="input 1 is ndarray"):
        gradcheck(lambda a, b: (a * b).sum(), x, np.ones((2, 2)))
    with pytest.raises(TypeError, match="at least one input"):
        gradcheck(lambda: Value(1.0))
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda t: t.sum(), x, eps=0)


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"eps": "abc"}, TypeError, "gradcheck: eps must be a number in (0, 1), got str 'abc'"),
        ({"eps": 1.0}, ValueError, "gradcheck: eps must be a number in (0, 1), got 1.0"),
        ({"eps": True}, TypeError, "eps must be a number in (0, 1), got bool True"),
        ({"atol": "x"}, TypeError, "gradcheck: atol must be a finite number >= 0, got str 'x'"),
        ({"atol": -1}, ValueError, "gradcheck: atol must be a finite number >= 0, got -1"),
        ({"rtol": -1e-4}, ValueError, "gradcheck: rtol must be a finite number >= 0, got -0.0001"),
        ({"rtol": float("nan")}, ValueError, "rtol must be a finite number >= 0, got nan"),
        ({"atol": 10**400}, ValueError, "atol must be a finite number >= 0"),
        ({"where": 3}, TypeError, "where must be a string"),
    ],
)
def test_bad_step_and_tolerances_are_refused_not_judged(options, error, text):
    # atol = rtol = -1 used to return a failed result, as if the gradient were wrong.
    with pytest.raises(error) as caught:
        gradcheck(lambda t: t.sum(), tensor(2), **options)
    assert text in str(caught.value)


def test_zero_tolerances_are_allowed():
    assert gradcheck(lambda t: (t * 2).sum(), Tensor([1.0, 2.0]), atol=0, rtol=0)


@pytest.mark.parametrize("check", [gradcheck, numeric_gradient])
def test_f_taking_the_wrong_number_of_arguments_is_named_before_it_is_called(check):
    name = check.__name__
    with pytest.raises(TypeError) as caught:
        check(lambda x, y: x * y, Value(1.0))
    assert str(caught.value) == (
        f"{name}: 1 input given, but f is <lambda>(x, y) (missing a required argument: 'y'); "
        "f must take one argument per input"
    )
    with pytest.raises(TypeError, match=r"2 inputs given, but f is <lambda>\(x\) \(too many"):
        check(lambda x: x, Value(1.0), Value(2.0))
    assert check(lambda *xs: xs[0] * xs[1], Value(1.0), Value(2.0))  # *args takes any number


def test_a_type_error_raised_inside_f_is_the_users_not_an_arity_message():
    def f(x):
        return x + "oops"  # a bug in f, not a wrong number of arguments

    for check in (gradcheck, numeric_gradient):
        with pytest.raises(TypeError, match="unsupported operand") as caught:
            check(f, Value(1.0))
        assert "one argument per input" not in str(caught.value)


def test_where_names_the_caller_in_messages():
    with pytest.raises(ValueError, match=r"^compare: eps must be a number in \(0, 1\), got 0$"):
        numeric_gradient(lambda v: v * v, Value(1.0), eps=0, where="compare")
    with pytest.raises(ValueError, match=r"^verify: f must return a scalar node"):
        gradcheck(lambda t: t * 2, tensor(2), where="verify")


# ---------------------------------------------------------------- numeric_gradient
def test_numeric_gradient_is_gradchecks_central_difference_for_every_entry():
    a, b = tensor(2, 3, label="a"), tensor(3)
    w = Value(0.7, label="w")

    def f(a, b, w):
        return ((a * b).tanh() * w).sum()

    da, db, dw = numeric_gradient(f, a, b, Tensor(np.array(w.data)))
    exact_a = (1 - np.tanh(a.data * b.data) ** 2) * b.data * w.data
    np.testing.assert_allclose(da, exact_a, rtol=1e-8)
    assert db.shape == (3,) and dw.shape == ()
    assert dw == pytest.approx(np.tanh(a.data * b.data).sum(), rel=1e-8)
    (dv,) = numeric_gradient(lambda v: v * v, w, eps=1e-6)
    assert dv.shape == () and float(dv) == pytest.approx(1.4, rel=1e-9)
    assert a.grad is None and a.data.shape == (2, 3)  # inputs left untouched


def test_numeric_gradient_marks_an_entry_where_f_fails_as_nan():
    (dx,) = numeric_gradient(lambda t: t.log().sum(), Tensor([1e-9, 1.0]))
    assert np.isnan(dx[0]) and dx[1] == pytest.approx(1.0, rel=1e-8)


def test_numeric_gradient_misuse_gets_clear_errors():
    x = tensor(2, 2)
    with pytest.raises(ValueError, match=r"numeric_gradient: f must return a scalar node"):
        numeric_gradient(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="numeric_gradient: give at least one input"):
        numeric_gradient(lambda: Value(1.0))
