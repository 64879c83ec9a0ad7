"""Tests for nn.layers: Linear, activations, Sequential and MLP on Tensors: shapes, names as
in PyTorch, seeded initializers, forward and backward against numpy, gradcheck and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.tensor import Tensor
from chaingrad.nn.layers import (
    INITIALIZERS,
    MLP,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    generator,
)


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: no PyTorch reference")


# ----------------------------------------------------------------------------- Linear
def test_linear_has_torch_shapes_and_computes_x_wt_plus_b():
    layer = Linear(3, 2, seed=1)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert all(p.requires_grad for p in layer.parameters())
    x = np.random.default_rng(0).normal(size=(5, 3))
    out = layer(Tensor(x))
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-15)
    single = layer(x[0])  # one example as a 1-D input, and a plain array
    np.testing.assert_allclose(single.data, out.data[0], rtol=1e-15)


def test_linear_without_bias():
    layer = Linear(4, 3, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((2, 4))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T)
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=False)"


def test_linear_gradients_pass_gradcheck():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3))
    t = rng.normal(size=(4, 2))
    w = Tensor(rng.normal(size=(2, 3)), label="weight")
    b = Tensor(rng.normal(size=2), label="bias")
    layer = Linear(3, 2)

    def loss(weight, bias):
        layer.weight, layer.bias = weight, bias
        return ((layer(x) - t) ** 2).sum()

    result = gradcheck(loss, w, b)
    assert result, str(result)


def test_linear_matches_torch_forward_and_gradients():
    torch = torch_or_skip()
    rng = np.random.default_rng(5)
    layer = Linear(4, 3, seed=2)
    x = rng.normal(size=(6, 4))
    g = rng.normal(size=(6, 3))
    out = layer(Tensor(x))
    out.backward(g)
    w = torch.tensor(layer.weight.data, requires_grad=True)
    b = torch.tensor(layer.bias.data, requires_grad=True)
    ref = torch.nn.functional.linear(torch.tensor(x), w, b)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, w.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, b.grad.numpy(), rtol=1e-12)


def test_linear_float32():
    layer = Linear(3, 2, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Linear(0, 2), ValueError, "in_features must be a positive whole number"),
        (lambda: Linear(2, 1.5), ValueError, "out_features must be a positive whole number"),
        (lambda: Linear(2, 2, init="glorot"), ValueError, "unknown init 'glorot'"),
        (lambda: Linear(2, 2, seed=-1), ValueError, "seed must be a whole number"),
        (lambda: Linear(2, 2, dtype=np.int32), TypeError, "dtype"),
        (lambda: Linear(2, 2, bias="no"), TypeError, "bias must be True or False, got 'no'"),
    ],
)
def test_linear_rejects_bad_settings(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_linear_names_the_expected_input_width():
    layer = Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): the input has shape \(5,4\).* 3"):
        layer(np.ones((5, 4)))


def test_linear_bias_is_a_bool_not_a_truthy_value():
    # bias="no" used to make a bias (a non-empty str is truthy); a numpy bool is a bool
    assert Linear(2, 3, bias=np.bool_(False)).bias is None
    assert Linear(2, 3, bias=np.bool_(True)).bias is not None
    for flag in ("no", "False", 0, None):
        with pytest.raises(TypeError, match="Linear: bias must be True or False"):
            Linear(2, 3, bias=flag)
    with pytest.raises(TypeError, match="MLP: bias must be True or False"):
        MLP([2, 3, 1], bias="no")


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ("abc", TypeError, r"the input is a str; pass a Tensor or an array of shape \(N, 3\)"),
        (None, TypeError, "the input is None"),
        (
            [[1.0, 2.0, 3.0], [1.0]],
            ValueError,
            "the input is not a rectangular array.*every row 3 numbers",
        ),
        (2.0, ValueError, r"the input has shape \(\)"),
    ],
)
def test_linear_input_errors_name_the_type_before_the_shape(x, error, message):
    with pytest.raises(error, match=r"Linear\(3, 2\): " + message):
        Linear(3, 2)(x)


def test_linear_takes_lists_arrays_and_tensors_alike():
    layer = Linear(3, 2, seed=1)
    rows = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]
    expected = layer(Tensor(rows)).data
    assert np.array_equal(layer(rows).data, expected)
    assert np.array_equal(layer(np.array(rows)).data, expected)


# ----------------------------------------------------------------------------- initializers
def test_initializers_have_their_documented_statistics():
    rng = np.random.default_rng(0)
    fan_in, fan_out = 400, 300
    w, b = INITIALIZERS["normal"](rng, fan_in, fan_out)
    assert w.shape == (fan_out, fan_in) and b.shape == (fan_out,)
    assert abs(w.std() - 1) < 0.01 and abs(b.std() - 1) < 0.1  # N(0, 1), biases too
    w, b = INITIALIZERS["xavier"](rng, fan_in, fan_out)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound  # a uniform's std
    assert not b.any()
    w, b = INITIALIZERS["he"](rng, fan_in, fan_out)
    assert abs(w.std() / math.sqrt(2 / fan_in) - 1) < 0.01
    assert not b.any()


def test_seeds_reproduce_and_a_shared_generator_continues():
    a, b, c = Linear(3, 2, seed=7), Linear(3, 2, seed=7), Linear(3, 2, seed=8)
    assert np.array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    rng = generator(7, "test")
    first, second = Linear(3, 2, seed=rng), Linear(3, 2, seed=rng)
    assert np.array_equal(first.weight.data, a.weight.data)
    assert not np.array_equal(second.weight.data, first.weight.data)


# ----------------------------------------------------------------------------- activations
@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (ReLU(), lambda x: np.maximum(x, 0)),
        (Tanh(), np.tanh),
        (Identity(), lambda x: x),
    ],
)
def test_activation_modules(module, reference):
    x = np.linspace(-3, 3, 13).reshape(1, -1)
    t = Tensor(x, requires_grad=True)
    out = module(t)
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-14)
    assert module.parameters() == []
    assert repr(module) == f"{type(module).__name__}()"


# ----------------------------------------------------------------------------- Sequential, MLP
def test_sequential_names_children_by_position_like_torch():
    net = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(net) == 3 and isinstance(net[1], ReLU) and list(net)[2] is net[2]
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    x = np.ones((4, 2))
    expected = np.maximum(x @ net[0].weight.data.T + net[0].bias.data, 0)
    expected = expected @ net[2].weight.data.T + net[2].bias.data
    np.testing.assert_allclose(net(x).data, expected, rtol=1e-15)


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="item 1 is a ufunc, not a Module"):
        Sequential(Linear(2, 2), np.tanh)


def test_nested_sequential_names():
    net = Sequential(Sequential(Linear(2, 2), Tanh()), Linear(2, 1))
    assert [n for n, _ in net.named_parameters()] == [
        "0.0.weight",
        "0.0.bias",
        "1.weight",
        "1.bias",
    ]


def test_mlp_is_a_sequential_with_activations_between_layers():
    net = MLP([4, 5, 3, 2], hidden="relu", output="sigmoid", seed=0)
    assert [type(m).__name__ for m in net] == [
        "Linear", "ReLU", "Linear", "ReLU", "Linear", "Sigmoid",
    ]  # fmt: skip
    assert net.sizes == (4, 5, 3, 2)
    logits = MLP([4, 5, 2], hidden="tanh")  # output="identity" adds no module
    assert [type(m).__name__ for m in logits] == ["Linear", "Tanh", "Linear"]
    assert [n for n, _ in logits.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias",
    ]  # fmt: skip
    assert len(logits.parameters()) == 4


def test_mlp_layers_draw_from_one_generator_in_order():
    net = MLP([3, 4, 2], init="he", seed=11)
    rng = np.random.default_rng(11)
    first = Linear(3, 4, init="he", seed=rng)
    second = Linear(4, 2, init="he", seed=rng)
    assert np.array_equal(net[0].weight.data, first.weight.data)
    assert np.array_equal(net[2].weight.data, second.weight.data)


def test_mlp_gradient_passes_gradcheck():
    rng = np.random.default_rng(8)
    net = MLP([3, 4, 2], hidden="tanh", output="sigmoid", seed=3)
    x = rng.normal(size=(5, 3))
    leaves = [Tensor(p.data, label=name) for name, p in net.named_parameters()]

    def loss(*params):
        for layer, (w, b) in zip((net[0], net[2]), zip(params[::2], params[1::2])):
            layer.weight, layer.bias = w, b
        return (net(x) ** 2).sum()

    result = gradcheck(loss, *leaves)
    assert result, str(result)


def test_mlp_zero_grad_resets_every_parameter():
    net = MLP([2, 3, 1], seed=0)
    (net(np.ones((2, 2))) ** 2).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP([3]), "at least one layer"),
        (lambda: MLP([3, 0, 1]), "every size must be a positive whole number"),
        (lambda: MLP([3, 2], hidden="softplus"), "unknown activation 'softplus'"),
        (lambda: MLP([3, 2], output="softmax"), "unknown activation 'softmax'"),
        (lambda: MLP([3, 2], hidden=["relu"]), r"unknown activation \['relu'\].*a str"),
        (lambda: MLP([3, 2], init="bogus"), "MLP: unknown init 'bogus'"),
    ],
)
def test_mlp_rejects_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_mlp_sizes_must_be_a_list():
    for sizes in (3, "23", None):
        with pytest.raises(TypeError, match=r"MLP: sizes must be a list such as \[2, 8, 1\]"):
            MLP(sizes)
    assert MLP(range(2, 4)).sizes == (2, 3)


def test_mlp_names_and_shapes_match_torch_sequential():
    torch = torch_or_skip()
    net = MLP([64, 30, 10], hidden="sigmoid", output="sigmoid")
    reference = torch.nn.Sequential(
        torch.nn.Linear(64, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10), torch.nn.Sigmoid()
    )
    ours = {name: p.shape for name, p in net.named_parameters()}
    theirs = {name: tuple(t.shape) for name, t in reference.state_dict().items()}
    assert ours == theirs
