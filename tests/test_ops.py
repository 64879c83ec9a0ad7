"""The op registry: one entry per op, read by everything, and a toy op added in one place."""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd import Tensor, Value, gradcheck, ops
from chaingrad.autograd.elementwise import elementwise
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.tensor_ops import OPS


@pytest.fixture
def softplus():
    """A toy op, registered in one call and removed afterwards."""
    operation = elementwise(
        "softplus",
        forward=lambda x: np.logaddexp(0.0, x),
        derivative=lambda x, y: 1.0 / (1.0 + np.exp(-x)),
        rule="∂softplus(z)/∂z = σ(z)",
        symbol="softplus",
        activation=True,
    )
    yield operation
    ops.unregister(operation)


def _every_value_op() -> Value:
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    from chaingrad.autograd.value import dot_values, sum_values

    parts = [
        a + b, a - b, a * b, a / b, -a, a**b, a**2, a.exp(), a.log(), a.tanh(),
        a.sigmoid(), (a - 2).relu(), sum_values([a, b]), dot_values([a], [b], b),
    ]  # fmt: skip
    return sum_values(parts)


def _every_tensor_op() -> Tensor:
    from chaingrad.autograd.tensor_ops import (
        concatenate,
        cross_entropy,
        linear,
        squared_error,
        stack,
    )

    x = Tensor(np.linspace(0.5, 1.6, 6).reshape(2, 3), requires_grad=True, label="x")
    w = Tensor(np.linspace(-0.3, 0.4, 6).reshape(2, 3), requires_grad=True, label="w")
    parts = [
        (x + w).sum(), (x - w).sum(), (x * w).sum(), (x / (w + 1)).sum(), (-x).sum(),
        (x**x).sum(), (x**2).sum(), (x @ w.T).sum(), linear(x, w).sum(), x.exp().sum(),
        x.log().sum(), x.tanh().sum(), x.sigmoid().sum(), (x - 1).relu().sum(), x.mean(),
        x.max(), x.logsumexp(), x.softmax().sum(), x.log_softmax().sum(),
        cross_entropy(x, [0, 2]), squared_error(x, w), x.reshape(3, 2).sum(), x.T.sum(),
        x[0].sum(), concatenate([x, w]).sum(), stack([x, w]).sum(),
    ]  # fmt: skip
    return stack(parts).sum()


def test_every_op_a_value_or_tensor_makes_is_a_registry_entry():
    seen = set()
    for root in (_every_value_op(), _every_tensor_op()):
        for node in topological_order(root):
            if node.parents:
                operation = ops.of_node(node)
                assert operation is not None, node.op
                assert operation.scalar if isinstance(node, Value) else operation.tensor
                seen.add(operation.name)
    assert seen == {o.name for o in ops.operations()}, "an entry no node type implements"


def test_each_tensor_op_reads_its_entry():
    for name, op in OPS.items():
        assert op.operation is ops.lookup(name)
        assert [str(r) for r in op.rules] == [
            op.operation.plain_rule(i) for i in range(len(op.operation.rules))
        ]


def test_language_functions_are_methods_of_the_node_types_they_name():
    for name, operation in ops.language_functions().items():
        for node_type, implements in ((Value, operation.scalar), (Tensor, operation.tensor)):
            if implements and name != "sum":  # Value's sum is sum_values, of many terms
                assert callable(getattr(node_type, name)), (node_type, name)


def test_rules_render_as_plain_text_and_for_a_number_exponent():
    assert ops.DIV.plain_rule(1) == "∂(a/b)/∂b = −a/b²"
    assert ops.POW_NUMBER.plain_rule(0, "**3") == "∂(a³)/∂a = 3·a²"
    assert ops.POW_NUMBER.rule(0, "**1") == "∂(a^{1})/∂a = 1"
    assert ops.POW_NUMBER.symbol_for("**0.5") == "x^{0.5}"
    assert ops.of_op("**0.5") is ops.POW_NUMBER
    assert ops.of_op("const") is None and ops.of_op("") is None


def test_names_ops_and_language_names_are_unique():
    with pytest.raises(ValueError, match="name 'mul' is already registered"):
        ops.register(ops.Operation("mul", ("1",)))
    with pytest.raises(ValueError, match="op '@' is already registered"):
        ops.register(ops.Operation("matmul2", ("1",), op="@"))
    with pytest.raises(ValueError, match="function 'relu' is already"):
        ops.register(ops.Operation("relu2", ("1",), function="relu"))
    with pytest.raises(ValueError, match="built-in"):
        ops.unregister(ops.RELU)


def test_a_toy_op_is_gradchecked_on_values_and_tensors(softplus):
    assert gradcheck(lambda x: softplus(x), Value(0.3))
    assert gradcheck(lambda x: (softplus(x) * x).sum(), Tensor(np.linspace(-3, 3, 7)))
    y = softplus(Value(0.3, label="x"))
    assert y.op == "softplus" and ops.of_node(y) is softplus
    assert y.data == pytest.approx(np.log1p(np.exp(0.3)))
    t = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    out = softplus(t)
    out.sum().backward()
    assert out.dtype == np.float32 and t.grad.dtype == np.float32


def test_a_toy_op_refuses_inputs_outside_its_domain():
    root = elementwise(
        "sqrt_toy", np.sqrt, lambda x, y: 0.5 / y, rule="∂√z/∂z = 1/(2√z)", function=None
    )
    try:
        with pytest.raises(ValueError, match="sqrt_toy: the result at -1 is nan"):
            root(Value(-1.0))
        with pytest.raises(ValueError, match="sqrt_toy: the result is not finite at 1 entries"):
            root(Tensor([4.0, -1.0]))
        assert "sqrt_toy" not in ops.language_functions()
    finally:
        ops.unregister(root)


def test_a_toy_activation_builds_networks(softplus):
    from chaingrad.nn.scalar import ScalarMLP

    from chaingrad import nn

    net = nn.MLP([2, 3, 1], hidden="softplus", seed=0)
    assert "Activation('softplus')" in repr(net)
    loss = net(np.ones((4, 2))).sum()
    loss.backward()
    scalar = ScalarMLP([2, 2, 1], hidden="softplus", seed=0)
    (out,) = scalar([0.5, -0.5])
    assert out.op == "sigmoid" and out.parents[0].parents[2].op == "softplus"


def test_kinks_come_from_the_registry():
    assert not ops.RELU.kink(Value(-1.0).relu()) and ops.RELU.kink(Value(2.0).relu())
    x = Tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    assert ops.MAX.kink(x.max(axis=1)).tolist() == [[False, True, True]]


def test_a_toy_op_is_drawn_with_its_symbol_and_rule(softplus):
    from chaingrad.autograd import draw

    x = Value(0.5, label="x")
    y = (softplus(x) * 2).named("y")
    y.backward()
    ops_view = draw(y, show_rules=True).source
    assert "softplus" in ops_view and "∂softplus(z)/∂z = σ(z)" in ops_view
    assert "= softplus(x)·2" in draw(y, view="expressions").source.replace("&#183;", "·")
    tensor_view = draw(softplus(Tensor([0.5, 1.0], requires_grad=True)).sum()).source
    assert "∂softplus(z)/∂z = σ(z)" in tensor_view


def test_a_toy_op_is_a_function_of_the_case_file_language(softplus, tmp_path):
    from chaingrad.autograd import verify
    from chaingrad.autograd.verification.expr import function_names

    assert "softplus" in function_names()
    case = tmp_path / "toy.toml"
    case.write_text(
        'title = "a toy op"\n[inputs]\nx = 0.5\nv = [0.5, -1.0]\n'
        '[equations]\ny = "softplus(x)"\nz = "sum(softplus(v) * v)"\n'
        '[claims]\n"dy/dx" = 0.6225\n'
        '[formulas]\n"dy/dx" = "sigmoid(x)"\n"dz/dv" = "sigmoid(v) * v + softplus(v)"\n',
        encoding="utf-8",
    )
    result = verify(case)
    assert result.summary == {"ok": 3, "rounding": 0, "wrong": 0}, result.text()
    wrong = verify({**_toy_case(), "formulas": {"dy/dx": "exp(x)"}})
    assert wrong.summary["wrong"] == 1


def _toy_case() -> dict:
    return {"title": "toy", "inputs": {"x": 0.5}, "equations": {"y": "softplus(x)"}}


def test_without_the_toy_op_the_language_refuses_it():
    from chaingrad.autograd.verification.expr import ExpressionError, parse

    with pytest.raises(ExpressionError, match="cannot call softplus"):
        parse("softplus(x)")
