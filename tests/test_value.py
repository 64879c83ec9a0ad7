"""Tests for the scalar engine: every op against central finite differences, graph semantics,
errors, and the no-cycles / no-recursion guarantees."""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest
from chaingrad.autograd import (
    Value,
    dot_values,
    edges,
    local_derivatives,
    parents,
    sum_values,
    topological_order,
    zero_grad,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def numeric_grad(f, xs: list[float], h: float = 1e-6) -> list[float]:
    """Central differences of the scalar function f at xs, in float64."""
    grads = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        step = h * max(1.0, abs(xs[i]))
        up[i] += step
        down[i] -= step
        grads.append((f(*up) - f(*down)) / (2 * step))
    return grads


def autodiff_grad(f, xs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def assert_grad_matches(f_value, f_float, xs, rtol=1e-6, atol=1e-8):
    data, grads = autodiff_grad(f_value, xs)
    assert data == pytest.approx(f_float(*xs), rel=1e-12, abs=1e-12)
    expected = numeric_grad(f_float, xs)
    # A central difference loses about eps * |f| / h to cancellation: allow for it.
    cancellation = 1e-9 * abs(data)
    for got, want in zip(grads, expected):
        assert got == pytest.approx(want, rel=rtol, abs=atol + cancellation)


finite = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.1, 4.0)
away_from_zero = finite.filter(lambda x: abs(x) > 0.05)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


UNARY = {
    "neg": (lambda a: -a, lambda a: -a, finite),
    "exp": (lambda a: a.exp(), math.exp, finite),
    "log": (lambda a: a.log(), math.log, positive),
    "tanh": (lambda a: a.tanh(), math.tanh, finite),
    "sigmoid": (lambda a: a.sigmoid(), _sigmoid, finite),
    "relu": (lambda a: a.relu(), lambda a: max(0.0, a), away_from_zero),
    "square": (lambda a: a**2, lambda a: a**2, finite),
    "cube": (lambda a: a**3, lambda a: a**3, finite),
    "sqrt": (lambda a: a**0.5, math.sqrt, positive),
    "reciprocal": (lambda a: a**-1, lambda a: 1 / a, away_from_zero),
    "pow_zero": (lambda a: a**0, lambda a: 1.0, finite),
    "rsub": (lambda a: 1 - a, lambda a: 1 - a, finite),
    "rdiv": (lambda a: 2.0 / a, lambda a: 2.0 / a, away_from_zero),
    "rpow": (lambda a: 2.0**a, lambda a: 2.0**a, finite),
}

BINARY = {
    "add": (lambda a, b: a + b, finite, finite),
    "sub": (lambda a, b: a - b, finite, finite),
    "mul": (lambda a, b: a * b, finite, finite),
    "div": (lambda a, b: a / b, finite, away_from_zero),
    "pow": (lambda a, b: a**b, positive, finite),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_unary_op_matches_finite_differences(name, data):
    f_value, f_float, xs = UNARY[name]
    x = data.draw(xs)
    assert_grad_matches(f_value, f_float, [x])


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_binary_op_matches_finite_differences(name, data):
    f, xs, ys = BINARY[name]
    x, y = data.draw(xs), data.draw(ys)
    assert_grad_matches(f, f, [x, y])


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=6))
def test_sum_values_matches_finite_differences(xs):
    assert_grad_matches(lambda *v: sum_values(v), lambda *v: math.fsum(v), xs)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5).flatmap(lambda n: st.lists(finite, min_size=2 * n + 1, max_size=2 * n + 1))
)
def test_dot_values_matches_finite_differences(xs):
    n = len(xs) // 2

    def f(*v):
        return dot_values(v[:n], v[n : 2 * n], v[2 * n])

    def g(*v):
        return sum(w * x for w, x in zip(v[:n], v[n : 2 * n])) + v[2 * n]

    assert_grad_matches(f, g, xs)


def test_dot_values_with_plain_number_inputs_makes_no_input_nodes():
    w = [Value(0.5, label="w1"), Value(-2.0, label="w2")]
    b = Value(0.25, label="b")
    out = dot_values(w, [3.0, 4.0], b)
    assert out.data == pytest.approx(0.5 * 3 - 2 * 4 + 0.25)
    assert parents(out) == (w[0], w[1], b)
    assert local_derivatives(out) == (3.0, 4.0, 1.0)
    out.backward()
    assert [w[0].grad, w[1].grad, b.grad] == [3.0, 4.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(finite, finite, finite)
def test_composite_expression_matches_finite_differences(x, y, z):
    def f(a, b, c):
        return ((a * b).tanh() + (c - a) ** 2 / (1 + b * b)).sigmoid() * (a + 3).exp() - c.relu()

    def g(a, b, c):
        inner = math.tanh(a * b) + (c - a) ** 2 / (1 + b * b)
        return _sigmoid(inner) * math.exp(a + 3) - max(0.0, c)

    if abs(z) > 1e-3:
        assert_grad_matches(f, g, [x, y, z])


def test_micrograd_reference_expression():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, abs=1e-10)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-9)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-9)


# ---------------------------------------------------------------- reuse and accumulation
def test_node_used_twice_in_one_op():
    a = Value(3.0)
    y = a * a
    y.backward()
    assert a.grad == 6.0
    assert edges(y) == ((a, 3.0), (a, 3.0))


def test_reused_intermediate():
    a = Value(1.5)
    b = a + a
    c = b * b  # c = 4 a^2, dc/da = 8 a
    c.backward()
    assert b.grad == pytest.approx(2 * b.data)
    assert a.grad == pytest.approx(8 * 1.5)


def test_node_with_three_consumers():
    a = Value(0.7)
    y = a.exp() + a * 2 + a.tanh()
    y.backward()
    assert a.grad == pytest.approx(math.exp(0.7) + 2 + (1 - math.tanh(0.7) ** 2))


def test_backward_twice_accumulates_leaves_and_recomputes_interior():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    m = (a * b).named("m")
    y = m.tanh() * a
    y.backward()
    first = (a.grad, b.grad, m.grad, y.grad)
    y.backward()
    assert a.grad == pytest.approx(2 * first[0])
    assert b.grad == pytest.approx(2 * first[1])
    assert m.grad == pytest.approx(first[2])  # interior: the right value, not 2x
    assert y.grad == 1.0
    zero_grad([a, b])
    y.backward()
    assert (a.grad, b.grad) == pytest.approx(first[:2])


def test_backward_with_explicit_seed():
    a = Value(2.0)
    y = a * a
    y.backward(0.5)
    assert a.grad == pytest.approx(2.0)
    with pytest.raises(ValueError, match="backward: grad is nan"):
        y.backward(float("nan"))


def test_backward_from_a_leaf():
    a = Value(1.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


# ---------------------------------------------------------------- graph structure
def test_parents_keep_operand_order_and_constants():
    a = Value(5.0, label="a")
    b = Value(2.0, label="b")
    d = a - b
    r = b - a
    assert parents(d) == (a, b) and d.data == 3.0
    assert parents(r) == (b, a) and r.data == -3.0
    c = 10 - a
    const, same = parents(c)
    assert same is a and const.op == "const" and const.data == 10.0
    assert local_derivatives(c) == (1.0, -1.0)
    q = a / b
    assert local_derivatives(q) == pytest.approx((1 / 2.0, -5.0 / 4.0))


def test_power_with_number_exponent_keeps_exponent_in_op():
    x = Value(3.0)
    y = x**2
    assert y.op == "**2" and parents(y) == (x,) and local_derivatives(y) == (6.0,)
    assert (x**0.5).op == "**0.5"


def test_ids_come_from_a_creation_counter_and_order_is_deterministic():
    def build():
        a = Value(1.0, label="a")
        b = Value(2.0, label="b")
        c = (a * b + a).named("c")
        d = (c * c - b).named("d")
        return d

    d1, d2 = build(), build()
    order1 = topological_order(d1)
    order2 = topological_order(d2)
    ids1 = [n.node_id for n in order1]
    first = min(ids1)
    assert sorted(ids1) == list(range(first, first + len(ids1)))  # one per node, in creation order
    assert [(n.op, n.label) for n in order1] == [(n.op, n.label) for n in order2]
    offset = order2[0].node_id - order1[0].node_id
    assert [n.node_id - offset for n in order2] == ids1
    position = {n: i for i, n in enumerate(order1)}
    for node in order1:
        assert all(position[p] < position[node] for p in parents(node))


def test_topological_order_visits_shared_nodes_once():
    a = Value(1.0)
    x = a
    for _ in range(50):
        x = x + x  # every node reused: 2**50 paths, 51 + 1 nodes
    order = topological_order(x)
    assert len(order) == 51
    x.backward()
    assert a.grad == 2.0**50


def test_repr():
    v = Value(0.80349, label="out_n9")
    v.grad = 0.12531
    assert repr(v) == "Value(0.8035, grad=0.1253, label='out_n9')"
    assert repr(Value(2.0)) == "Value(2.0000, grad=0.0000)"
    assert repr(Value(1e-7)) == "Value(1.0000e-07, grad=0.0000)"


def test_value_has_slots():
    v = Value(1.0)
    with pytest.raises(AttributeError):
        v.anything = 1  # type: ignore[attr-defined]
    assert not hasattr(v, "__dict__")


def test_float_conversion_and_numpy_scalars():
    a = Value(np.float64(1.5)) * np.float32(2.0)
    assert float(a) == 3.0
    b = np.float64(2.0) * Value(4.0)
    assert isinstance(b, Value) and b.data == 8.0


# ---------------------------------------------------------------- scale: depth and memory
def test_deep_chain_backprop_has_no_recursion_limit():
    x = Value(0.5, label="x")
    y = x
    for _ in range(200_000):
        y = y * 1.0  # two nodes per step: a constant and a product
    y = y + 0.0
    y.backward()
    assert x.grad == 1.0
    assert len(topological_order(y)) == 400_003


def test_no_reference_cycles_graph_freed_by_refcount_alone():
    gc.collect()
    gc.disable()
    try:
        before = sum(type(o) is Value for o in gc.get_objects())
        a = Value(0.3, label="a")
        b = Value(-1.2, label="b")
        y = a
        for _ in range(100):
            y = ((y * b + a).tanh() + y.sigmoid() * a) / 2
        y.backward()
        order = topological_order(y)
        assert len(order) > 500
        del y, order
        a_grad = a.grad
        del a, b
        after = sum(type(o) is Value for o in gc.get_objects())
        assert after == before, "nodes survived without the cycle collector: a reference cycle"
        assert a_grad != 0
    finally:
        gc.enable()


# ---------------------------------------------------------------- errors
def test_division_by_zero_names_op_and_label():
    a = Value(1.0, label="a")
    z = Value(0.0, label="z")
    with pytest.raises(ZeroDivisionError, match=r"div: division by zero.*'z'"):
        a / z
    with pytest.raises(ZeroDivisionError, match="div: division by zero"):
        a / 0
    with pytest.raises(ZeroDivisionError, match="'z'"):
        1.0 / z


def test_log_of_non_positive_names_label():
    with pytest.raises(ValueError, match=r"log: 'p' .* positive"):
        Value(0.0, label="p").log()
    with pytest.raises(ValueError, match="log: an unlabelled '-' result"):
        (Value(1.0) - 2).log()


def test_pow_domain_errors():
    with pytest.raises(ValueError, match=r"pow: 'b' .* positive base"):
        Value(-2.0, label="b") ** Value(2.0)
    with pytest.raises(ValueError, match="positive base"):
        0.0 ** Value(2.0)
    with pytest.raises(ValueError, match="complex"):
        Value(-8.0, label="x") ** (1 / 3)
    with pytest.raises(ZeroDivisionError, match="pow"):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match="infinite at x = 0"):
        Value(0.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0


def test_overflow_errors_name_the_op():
    with pytest.raises(OverflowError, match=r"exp: exp\(1000\)"):
        Value(1000.0, label="big").exp()
    with pytest.raises(OverflowError, match="pow"):
        Value(1e200) ** 3


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(all="raise"):
        hi = Value(1e4).sigmoid()
        lo = Value(-1e4).sigmoid()
    assert hi.data == 1.0 and lo.data == 0.0
    hi.backward()
    lo.backward()
    for x in (-745.0, -30.0, 0.0, 30.0, 700.0):
        s = Value(x).sigmoid()
        exact = math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2
        assert s._local[0] == pytest.approx(exact, rel=1e-12)


def test_relu_derivative_at_kink_is_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0
    assert local_derivatives(Value(1e-300).relu()) == (1.0,)


@pytest.mark.parametrize(
    "bad, error, pattern",
    [
        ("1.0", TypeError, "real number, got str"),
        (None, TypeError, "got NoneType"),
        (float("nan"), ValueError, "nan"),
        (float("inf"), ValueError, "inf"),
        (1 + 2j, TypeError, "complex"),
    ],
)
def test_leaf_rejects_non_numbers(bad, error, pattern):
    with pytest.raises(error, match=pattern):
        Value(bad)


def test_operand_errors():
    a = Value(1.0, label="a")
    with pytest.raises(TypeError):
        a + "x"  # type: ignore[operator]
    with pytest.raises(ValueError, match="mul: operand is nan"):
        a * float("nan")
    with pytest.raises(TypeError):
        a * np.array([1.0, 2.0])  # numpy defers to Value, which refuses arrays
    with pytest.raises(TypeError, match="label must be a string"):
        Value(1.0, label=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        dot_values([a, a], [1.0])
    with pytest.raises(ValueError, match="at least one"):
        sum_values([])
