"""Tests for the case-file expression language: what it accepts, what it computes, what it
refuses (with a column), and that nothing is ever executed."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.autograd.verification.budget import (
    EVALUATE_COST,
    MAX_ARRAY_SIZE,
    WorkBudget,
    WorkLimitError,
)
from chaingrad.autograd.verification.expr import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    function_names,
    function_table,
    is_name,
    name_problem,
    parse,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=60, deadline=None)


def numeric_grad(f, xs, h=1e-6):
    """Central differences of f at xs."""
    out = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        step = h * max(1.0, abs(xs[i]))
        up[i] += step
        down[i] -= step
        out.append((f(*up) - f(*down)) / (2 * step))
    return out


def run(text, **values):
    nodes = {k: Value(v, label=k) for k, v in values.items()}
    return evaluate(parse(text), nodes), nodes


# --------------------------------------------------------------------------- accepted
def test_parse_lists_names_in_order_of_first_use():
    e = parse("w1*x1 + w4*x2 + b1 + w1")
    assert e.names == ("w1", "x1", "w4", "x2", "b1")
    assert str(e) == "w1*x1 + w4*x2 + b1 + w1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5*(y - o)**2", 0.5 * (0.01 - 0.8) ** 2),
        ("-x + 3", -0.25 + 3),
        ("(-2)**2 * x", 1.0),
        ("x**-2", 16.0),
        ("2**x", 2**0.25),
        ("sigmoid(0)", 0.5),
        ("exp(log(x))", 0.25),
        ("sqrt(x)", 0.5),
        ("abs(-x)", 0.25),
        ("max(x, o, y)", 0.8),
        ("min(x, o, y)", 0.01),
        ("tanh(x)", math.tanh(0.25)),
        ("relu(-x) + relu(x)", 0.25),
        ("1/2", 0.5),
    ],
)
def test_values(text, expected):
    result, _ = run(text, x=0.25, y=0.01, o=0.8)
    value = result.data if isinstance(result, Value) else result
    assert value == pytest.approx(expected, rel=1e-12)


def test_an_expression_of_numbers_only_is_folded_to_a_float():
    result, _ = run("(1 + 2) * 3 / 4")
    assert isinstance(result, float) and result == 2.25


# A small grammar: (text, the same function in plain Python) pairs, built together.
_LEAVES = st.sampled_from([("a", lambda a, b: a), ("b", lambda a, b: b), ("0.5", lambda a, b: 0.5)])


def _extend(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda t: (
            f"({t[0][0]} {t[1]} {t[2][0]})",
            {
                "+": lambda f, g: lambda a, b: f(a, b) + g(a, b),
                "-": lambda f, g: lambda a, b: f(a, b) - g(a, b),
                "*": lambda f, g: lambda a, b: f(a, b) * g(a, b),
            }[t[1]](t[0][1], t[2][1]),
        )
    )
    unary = st.tuples(st.sampled_from(["sigmoid", "tanh", "exp", "-", "sq"]), children).map(
        lambda t: (
            f"({t[1][0]})**2" if t[0] == "sq" else f"{t[0]}({t[1][0]})",
            {
                "sigmoid": lambda f: lambda a, b: 1 / (1 + math.exp(-f(a, b))),
                "tanh": lambda f: lambda a, b: math.tanh(f(a, b)),
                "exp": lambda f: lambda a, b: math.exp(f(a, b)),
                "-": lambda f: lambda a, b: -f(a, b),
                "sq": lambda f: lambda a, b: f(a, b) ** 2,
            }[t[0]](t[1][1]),
        )
    )
    return binary | unary


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=8)
SMALL = st.floats(-1.5, 1.5, allow_nan=False)


@SETTINGS
@given(EXPRESSIONS, SMALL, SMALL)
@example(("a + exp(exp(exp(b)))", lambda a, b: a + math.exp(math.exp(math.exp(b)))), 0.0, 1.0)
def test_random_expressions_compute_what_they_say_and_differentiate_right(expr, a, b):
    text, reference = expr
    result, nodes = run(text, a=a, b=b)
    if not isinstance(result, Value):  # only numbers: folded
        assert result == pytest.approx(reference(a, b), rel=1e-12, abs=1e-12)
        return
    assert result.data == pytest.approx(reference(a, b), rel=1e-12, abs=1e-12)
    result.backward()
    expected = numeric_grad(reference, [a, b])
    # A difference quotient of f carries rounding error of about eps·|f|/h (h = 1e-6):
    # a + exp(exp(exp(b))) is 3.8e6 at b = 1, so d/da = 1 comes out 0.99977.
    rounding = 1e-9 * abs(result.data)
    assert [nodes["a"].grad, nodes["b"].grad] == pytest.approx(
        expected, rel=1e-5, abs=1e-6 + rounding
    )


@SETTINGS
@given(st.floats(0.05, 3), st.floats(-3, 3).filter(lambda v: abs(v) > 0.05))
def test_sqrt_abs_max_min_derivatives_match_finite_differences(a, b):
    cases = {
        "sqrt(a) * abs(b)": lambda a, b: math.sqrt(a) * abs(b),
        "max(a, b) + min(a, b)**2": lambda a, b: max(a, b) + min(a, b) ** 2,
        "max(a, b, 0.5 * a)": lambda a, b: max(a, b, 0.5 * a),
    }
    for text, reference in cases.items():
        if abs(a - b) < 1e-3 or abs(b - 0.5 * a) < 1e-3:
            continue  # too close to a kink for finite differences
        result, nodes = run(text, a=a, b=b)
        assert result.data == pytest.approx(reference(a, b), rel=1e-12)
        result.backward()
        expected = numeric_grad(reference, [a, b])
        assert [nodes["a"].grad, nodes["b"].grad] == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_kinks_follow_relu_abs_has_derivative_zero_at_zero():
    result, nodes = run("abs(a)", a=0.0)
    result.backward()
    assert nodes["a"].grad == 0.0


# --------------------------------------------------------------------------- refused
@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("__import__('os')", 1, "cannot call __import__"),
        ("x + os.system", 5, "attribute .system"),
        ("x + y[0:2]", 7, "a slice is not allowed"),
        ("x + y[z]", 7, "index with whole numbers"),
        ("y[0, 1, 2, 3, 4]", 3, "5 indices"),
        ("lambda: 1", 1, "lambda"),
        ("[a for a in b]", 1, "comprehension"),
        ("(a for a in b)", 1, "generator"),
        ("'text'", 1, "string"),
        ("f'{x}'", 1, "f-string"),
        ("x if y else 1", 1, "conditional"),
        ("x < y", 1, "comparison"),
        ("x and y", 1, "'and' / 'or'"),
        ("(x := 1)", 2, "assignment"),
        ("x // 2", 1, "operator //"),
        ("x % 2", 1, "operator %"),
        ("~x", 1, "unary ~"),
        ("+x", 1, "unary +"),
        ("True", 1, "True"),
        ("None", 1, "None"),
        ("1j", 1, "1j"),
        ("exp", 1, "is a function"),
        ("exp(x, y)", 1, "takes one argument"),
        ("max(x)", 1, "2 to 16"),
        ("exp(x=1)", 1, "keyword"),
        ("exp(*x)", 1, "starred"),
        ("foo(x)", 1, "cannot call foo"),
        ("x ** 101", 1, "exponent 101"),
        ("x ** -1000", 1, "exponent 1000"),
        ("1e999", 1, "too large"),
        ("x +", None, "syntax error"),
        ("  x +* 2", 6, "syntax error"),
        ("(x, y)", 1, "tuple"),
        ("x # note", 3, "put a comment after the closing quote"),
    ],
)
def test_refused_with_a_column(text, column, words):
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert words in str(error.value)
    if column is not None:
        assert error.value.column == column


@pytest.mark.parametrize("text", ["ｘ + 1", "x + é", "x\n+ y", "x\x00", "x\u200b"])
def test_only_plain_ascii_on_one_line(text):
    with pytest.raises(ExpressionError, match="not allowed"):
        parse(text)


def test_limits_length_depth_and_size():
    with pytest.raises(ExpressionError, match="characters long"):
        parse("x + " * (MAX_LENGTH // 4) + "x")
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="nested"):
        parse("-" * (MAX_DEPTH + 5) + "x")
    with pytest.raises(ExpressionError, match="nested"):
        parse("+".join(["x"] * (MAX_DEPTH + 5)))
    assert parse("x ** " + str(MAX_EXPONENT)).names == ("x",)


@pytest.mark.parametrize("text", ["", "   ", 3, None, b"x"])
def test_not_an_expression(text):
    with pytest.raises(ExpressionError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9**9**9", "too large for a float"),
        ("exp(800)", "too large for a float"),
        ("log(x - x)", "log needs a positive argument"),
        ("x / (x - x)", "division by zero"),
        ("(-8)**(1/3)", "not a whole number"),
        ("sqrt(x - x)", "infinite"),
        ("z", "name 'z' is not defined"),
        ("x @ x", "needs arrays"),
        ("x.T", "needs arrays"),
        ("sum(x)", "needs array operands"),
        ("softmax(x)", "needs array operands"),
    ],
)
def test_math_errors_are_expression_errors_with_a_column(text, words):
    with pytest.raises(ExpressionError, match=words) as error:
        run(text, x=2.0)
    assert error.value.column is not None


def test_names():
    assert is_name("w_11_2") and is_name("_x") and is_name("T")
    for bad in ["1w", "w-1", "w.1", "ｘ", "é", "", "lambda", "match", "exp", "sum"]:
        assert not is_name(bad)
        assert name_problem(bad)
    assert "function" in name_problem("sigmoid")
    assert "keyword" in name_problem("class")
    assert set(function_names()) >= {"sigmoid", "relu", "tanh", "exp", "log", "sqrt", "abs"}


@SETTINGS
@given(st.text(max_size=80))
def test_any_text_is_parsed_or_refused_cleanly(text):
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert str(error)
        return
    try:
        evaluate(expression, {n: Value(0.5, label=n) for n in expression.names})
    except ExpressionError as error:
        assert str(error)


# --------------------------------------------------------------------------- arrays
def tensors(**values):
    """Labelled Tensor leaves and the function table for arrays."""
    nodes = {k: Tensor(np.array(v, float), requires_grad=True, label=k) for k, v in values.items()}
    return nodes, function_table(arrays=True)


def test_arrays_are_indexed_with_whole_numbers_and_the_result_differentiates():
    nodes, functions = tensors(W=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], w=[7.0, 8.0, 9.0])
    assert evaluate(parse("W[1, 2]"), nodes, functions).data == 6.0
    assert evaluate(parse("w[-1] + W[-2, 0]"), nodes, functions).data == 10.0
    assert evaluate(parse("W[1]"), nodes, functions).data.tolist() == [4.0, 5.0, 6.0]
    assert evaluate(parse("(W @ w)[0]"), nodes, functions).data == 50.0
    y = evaluate(parse("W[0, 1] * w[2]"), nodes, functions)
    y.backward()
    assert nodes["W"].grad.tolist() == [[0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]
    assert nodes["w"].grad.tolist() == [0.0, 0.0, 2.0]


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("W[2, 0]", 3, "index 2 is out of range for axis 0 of W (shape (2, 3)): it runs from -2"),
        ("1 + w[-4]", 7, "index -4 is out of range for axis 0 of w"),
        ("W[0, 1, 0]", 3, "3 indices for W of shape (2, 3): at most 2"),
        ("s[0]", 3, "s is a single number and cannot be indexed"),
        ("w[0][0]", 6, "the value indexed is a single number"),
    ],
)
def test_indexing_out_of_range_or_a_number_is_refused_with_the_column(text, column, words):
    nodes, functions = tensors(W=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], w=[7.0, 8.0, 9.0], s=1.0)
    with pytest.raises(ExpressionError) as error:
        evaluate(parse(text), nodes, functions)
    assert words in str(error.value) and error.value.column == column


@pytest.mark.parametrize("text", ["a * b", "a @ b", "max(a, b)", "a - b.T.T"])
def test_a_result_larger_than_the_array_limit_is_refused_before_it_is_made(text):
    nodes, functions = tensors(a=[[1.0]] * 5000, b=[[1.0] * 5000])  # a (5000,1), b (1,5000)
    tracemalloc.start()
    with pytest.raises(ExpressionError, match=f"25000000 entries .* the limit is {MAX_ARRAY_SIZE}"):
        evaluate(parse(text), nodes, functions)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000  # the 200 MB product was never allocated


def test_evaluation_counts_against_a_work_budget():
    budget = WorkBudget(12)
    evaluate(parse("x * y + x"), {"x": Value(1.0), "y": Value(2.0)}, budget=budget)
    assert budget.spent == 2 * EVALUATE_COST
    with pytest.raises(WorkLimitError, match="more than 12 units of work"):
        evaluate(parse("x * y * x * y * x"), {"x": Value(1.0), "y": Value(2.0)}, budget=budget)
