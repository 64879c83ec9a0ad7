"""Tests for nn.module, nn.scalar, nn.losses and nn.optim on `Value` networks: structure,
labels in the documents' notation, gradients against central differences and PyTorch,
losses, SGD, and seed 003's XOR net learning its table."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from chaingrad.autograd import Value, explain, sum_values
from chaingrad.autograd.graph import new_node_id
from chaingrad.nn.data import xor_table
from chaingrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    mean_squared_error,
    sum_squared_error,
)
from chaingrad.nn.module import Module
from chaingrad.nn.optim import SGD
from chaingrad.nn.scalar import Layer, Neuron, ScalarMLP, Site, indexed_names, numbered_names
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=25, deadline=None)


def central(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: no PyTorch reference")


# ----------------------------------------------------------------------------- Module
class Affine(Module):
    def __init__(self) -> None:
        self.scale = Value(2.0, "scale")
        self.shifts = [Value(0.5, "s0"), Value(-0.5, "s1")]
        self.offset = 3.0  # plain data, not a parameter

    def forward(self, x):
        return x * self.scale + self.shifts[0] + self.shifts[1] + self.offset


class Pair(Module):
    def __init__(self) -> None:
        self.first = Affine()
        self.rest = [Affine(), Affine()]
        self.shared = self.first.scale  # the same node again: listed once

    def forward(self, x):
        for part in (self.first, *self.rest):
            x = part(x)
        return x


def test_parameters_found_from_attributes_with_torch_style_names():
    model = Pair()
    names = [name for name, _ in model.named_parameters()]
    # Own parameters come first, as in PyTorch; the shared node is not listed again.
    assert names == [
        "shared",
        "first.shifts.0",
        "first.shifts.1",
        "rest.0.scale",
        "rest.0.shifts.0",
        "rest.0.shifts.1",
        "rest.1.scale",
        "rest.1.shifts.0",
        "rest.1.shifts.1",
    ]
    assert model.parameters()[0] is model.first.scale
    assert len({id(p) for p in model.parameters()}) == len(names)
    assert [name for name, _ in model.named_modules()] == ["", "first", "rest.0", "rest.1"]
    assert [name for name, _ in model.named_parameters(recurse=False)] == ["shared"]


def test_interior_nodes_and_constants_are_not_parameters():
    class Holder(Module):
        def __init__(self) -> None:
            self.w = Value(1.0, "w")
            self.interior = self.w * 2
            self.constant = (self.w + 1).parents[1]  # the constant leaf made for 1

        def forward(self, x):
            return x

    holder = Holder()
    assert holder.constant.op == "const"
    assert holder.parameters() == [holder.w]


def test_requires_grad_false_excludes_a_leaf():
    class Frozen:
        """A leaf node of another type that asks not to be trained (as a Tensor may)."""

        def __init__(self) -> None:
            self._parents, self._op, self._id = (), "", new_node_id()
            self.requires_grad = False

    class Holder(Module):
        def __init__(self) -> None:
            self.frozen = Frozen()
            self.w = Value(1.0)

        def forward(self, x):
            return x

    holder = Holder()
    assert holder.parameters() == [holder.w]


def test_call_runs_forward_and_zero_grad_resets_parameters():
    model = Pair()
    y = model(Value(1.0, "x"))
    assert y.data == pytest.approx(((1 * 2 + 3) * 2 + 3) * 2 + 3)
    y.backward()
    assert model.first.scale.grad != 0
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_module_without_forward_cannot_be_made():
    class NoForward(Module):
        pass

    with pytest.raises(TypeError):
        NoForward()


def test_repr_nests_children_and_layers_print_on_one_line():
    text = repr(ScalarMLP([2, 3, 1], hidden="relu"))
    assert text.splitlines() == [
        "ScalarMLP(sizes=[2, 3, 1]",
        "  (layers.0): Layer(in=2, out=3, activation=relu)",
        "  (layers.1): Layer(in=3, out=1, activation=sigmoid)",
        ")",
    ]
    assert repr(Neuron(2)) == "Neuron(inputs=2, activation=sigmoid, out='o_1')"


class Chain(Module):
    def __init__(self, inner: Module | None) -> None:
        self.inner = inner
        self.w = Value(1.0)

    def forward(self, x):
        return x


def test_deeply_nested_modules_walk_without_recursion():
    model = None
    for _ in range(5000):
        model = Chain(model)
    assert len(model.parameters()) == 5000
    assert repr(model).count("Chain(") == 5000


def test_a_module_containing_itself_is_walked_once():
    model = Chain(None)
    model.inner = model
    assert model.parameters() == [model.w]
    assert repr(model).count("Chain(") == 2  # the repeat is shown on one line, not expanded


# ----------------------------------------------------------------------------- Neuron, Layer
@pytest.mark.parametrize(
    ("activation", "f"),
    [
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("tanh", math.tanh),
        ("relu", lambda z: max(0.0, z)),
        ("identity", lambda z: z),
    ],
)
def test_neuron_computes_activation_of_weighted_sum(activation, f):
    neuron = Neuron(3, activation, seed=4)
    x = [0.3, -1.2, 2.0]
    net = sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data
    assert neuron(x).data == pytest.approx(f(net), rel=1e-15, abs=1e-15)


def test_neuron_net_input_is_one_node_and_labels_follow_the_document():
    neuron = Neuron(2)  # a lone neuron: seed 000, Case 1
    out = neuron([Value(0.05, "x_1"), Value(0.1, "x_2")])
    assert out.label == "o_1"
    net = out.parents[0]
    assert net.op == "dot"
    assert net.label is None  # seed 000 never names net inputs
    assert [p.label for p in neuron.parameters()] == ["w_1", "w_2", "w_0"]


def test_identity_output_carries_the_output_label():
    neuron = Neuron(2, "identity", names="numbered")
    out = neuron([1.0, 2.0])
    assert out.op == "dot"
    assert out.label == "out_n3"


def test_neuron_without_bias():
    neuron = Neuron(2, "identity", bias=False)
    assert neuron.b is None
    assert len(neuron.parameters()) == 2
    assert neuron([1.0, 2.0]).data == pytest.approx(neuron.w[0].data + 2 * neuron.w[1].data)
    assert "bias=False" in repr(neuron)


def test_layer_always_returns_a_list():
    layer = Layer(2, 1)
    out = layer([0.1, 0.2])
    assert isinstance(out, list)
    assert len(out) == 1
    assert len(Layer(2, 3)([0.1, 0.2])) == 3


def test_starting_weights_are_seeded_and_bounded():
    a, b, c = (
        ScalarMLP([4, 5, 2], seed=7),
        ScalarMLP([4, 5, 2], seed=7),
        ScalarMLP([4, 5, 2], seed=8),
    )
    data = [[p.data for p in net.parameters()] for net in (a, b, c)]
    assert data[0] == data[1]
    assert data[0] != data[2]
    for layer in a.layers:
        bound = 1 / math.sqrt(len(layer.neurons[0].w))
        assert all(abs(p.data) <= bound for p in layer.parameters())


# ----------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("sizes", "weights", "outputs"),
    [
        ((2, 1), ["w_1", "w_2", "w_0"], ["o_1"]),
        ((2, 2), ["w_{11}", "w_{21}", "w_{01}", "w_{12}", "w_{22}", "w_{02}"], ["o_1", "o_2"]),
        ((2, 2, 1), ["w_{11}^{(1)}", "w_{21}^{(1)}", "w_{01}^{(1)}"], ["h_1", "h_2", "o_1"]),
        ((2, 2, 2, 1), ["w_{11}^{(1)}"], ["h_1^{(1)}", "h_2^{(1)}", "h_1^{(2)}", "h_2^{(2)}"]),
    ],
)
def test_indexed_names_are_seed_000s_notation(sizes, weights, outputs):
    net = ScalarMLP(sizes)
    labels = [p.label for p in net.parameters()]
    assert labels[: len(weights)] == weights
    produced = [n.out_label for layer in net.layers for n in layer.neurons]
    assert produced[: len(outputs)] == outputs


def test_indexed_names_separate_indices_above_nine():
    assert indexed_names(Site("weight", 1, 12, 3, (20, 30, 1))) == "w_{3,12}^{(1)}"
    assert indexed_names(Site("out", 2, 1, 0, (2, 2, 2, 1))) == "h_1^{(2)}"


def test_numbered_names_are_seed_001s_blog_numbering():
    net = ScalarMLP([2, 3, 3, 1], hidden="relu", names="numbered")
    first, second, output = net.layers
    # w1 and w4 feed n3 from x1 and x2 (net_n3 = w1 x1 + w4 x2 + b1); w7 feeds n6 from n3.
    assert [w.label for w in first.neurons[0].w] == ["w1", "w4"]
    assert [w.label for w in first.neurons[1].w] == ["w2", "w5"]
    assert [w.label for w in second.neurons[0].w] == ["w7", "w10", "w13"]
    assert [w.label for w in output.neurons[0].w] == ["w16", "w17", "w18"]
    assert [n.b.label for layer in net.layers for n in layer.neurons] == [
        f"b{k}" for k in range(1, 8)
    ]
    out = net([Value(0.23, "x1"), Value(0.55, "x2")])[0]
    assert out.label == "out_n9"
    assert out.parents[0].label == "net_n9"
    assert numbered_names(Site("net", 2, 3, 0, (2, 3, 3, 1))) == "net_n8"


def test_a_naming_function_names_everything_and_none_leaves_unlabelled():
    def naming(site: Site) -> str | None:
        if site.kind == "net":
            return None
        return f"{site.kind}{site.layer}.{site.neuron}.{site.input}"

    net = ScalarMLP([2, 2, 1], names=naming)
    assert net.parameters()[0].label == "weight1.1.1"
    assert net.parameters()[2].label == "bias1.1.0"
    out = net([0.1, 0.2])[0]
    assert out.label == "out2.1.0"
    assert out.parents[0].label is None


def test_explain_reads_like_the_document():
    net = ScalarMLP([2, 2, 1])  # seed 000, Case 3
    J = half_squared_error(net([Value(0.1, "x_1"), Value(0.2, "x_2")]), [0.5]).named("J")
    text = explain(J, "w_{11}^{(1)}")
    assert text.startswith("dJ/dw_{11}^{(1)} = dJ/do_1 · do_1/dh_1 · dh_1/dw_{11}^{(1)}")


def test_parameter_lookup_and_set_parameters():
    net = ScalarMLP([2, 3, 3, 1], names="numbered")
    net.set_parameters({"w16": 0.7, "b7": -0.7})
    assert net.parameter("w16").data == 0.7
    assert net.parameter("b7").data == -0.7
    with pytest.raises(KeyError, match="no parameter labelled 'w99'"):
        net.parameter("w99")
    with pytest.raises(KeyError, match="'w99'"):
        net.set_parameters({"w99": 1.0})
    with pytest.raises(ValueError, match="'w1' must be a finite number"):
        net.set_parameters({"w1": float("nan")})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ScalarMLP([2]), "at least one layer"),
        (lambda: ScalarMLP([2, 0, 1]), "positive whole number"),
        (lambda: ScalarMLP([2, 2, 1], activations=["relu"]), "1 activations for 2 layers"),
        (lambda: ScalarMLP([2, 1], output="softmax"), "unknown activation 'softmax'"),
        (lambda: ScalarMLP([2, 1], names="greek"), "unknown naming scheme 'greek'"),
        (lambda: ScalarMLP([2, 1])([1.0, 2.0, 3.0]), "got 3 inputs, expected 2"),
        (lambda: Neuron(2)([1.0]), "got 1 inputs, expected 2"),
        (lambda: ScalarMLP([2, 2, 1], hidden="softmax"), "ScalarMLP: unknown activation 'softmax'"),
        (
            lambda: ScalarMLP([2, 1], activations=["softmax"]),
            "ScalarMLP: unknown activation 'softmax'",
        ),
        (lambda: Layer(2, 2, "softmax"), "Layer: unknown activation 'softmax'"),
    ],
)
def test_bad_arguments_get_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ScalarMLP([2, 1])(1.0),
            "ScalarMLP: inputs must be a list of 2 numbers or Values, got float",
        ),
        (lambda: Neuron(2)(None), "inputs must be a list of 2 numbers or Values, got NoneType"),
        (
            lambda: ScalarMLP([2, 1]).set_parameters(None),
            "values must be a dict of label -> number",
        ),
        (lambda: ScalarMLP([2, 1], seed=[1]), r"ScalarMLP: seed must be a whole number.*got \[1\]"),
        (lambda: ScalarMLP([2, 1], bias="no"), "ScalarMLP: bias must be True or False"),
        (lambda: Neuron(2, bias="no"), "Neuron: bias must be True or False"),
        (lambda: ScalarMLP([2, 1], activations="sigmoid"), "activations must be a list of names"),
        (lambda: ScalarMLP(2), r"sizes must be a list such as \[2, 8, 1\]"),
    ],
)
def test_wrong_kinds_of_arguments_get_clear_type_errors(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_inputs_may_be_an_array_and_a_shared_random_seeds_an_mlp():
    net = ScalarMLP([2, 1], seed=3)
    assert net(np.array([1.0, 2.0]))[0].data == net([1.0, 2.0])[0].data
    same = ScalarMLP([2, 1], seed=random.Random(3))
    assert [p.data for p in same.parameters()] == [p.data for p in net.parameters()]


# ----------------------------------------------------------------------------- gradients
def mlp_loss(net: ScalarMLP, x: list[float], t: list[float]) -> float:
    return half_squared_error(net(x), t).data


@SETTINGS
@given(
    x=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    t=st.lists(st.floats(0, 1), min_size=2, max_size=2),
    hidden=st.sampled_from(["sigmoid", "tanh", "identity"]),
    output=st.sampled_from(["sigmoid", "tanh", "identity"]),
    seed=st.integers(0, 1000),
)
def test_mlp_gradients_match_central_differences(x, t, hidden, output, seed):
    net = ScalarMLP([3, 4, 3, 2], hidden=hidden, output=output, seed=seed)
    half_squared_error(net(x), t).backward()
    for p in net.parameters():
        saved = p.data

        def at(v, p=p, saved=saved):
            p.data = v
            value = mlp_loss(net, x, t)
            p.data = saved
            return value

        assert p.grad == pytest.approx(central(at, saved), rel=1e-6, abs=1e-9)


def test_mlp_with_value_inputs_gives_input_gradients():
    net = ScalarMLP([2, 3, 1], hidden="tanh", seed=2)
    x = [Value(0.4, "x_1"), Value(-0.7, "x_2")]
    half_squared_error(net(x), [0.3]).backward()
    for i, xi in enumerate(x):
        values = [0.4, -0.7]

        def at(v, i=i, values=values):
            moved = list(values)
            moved[i] = v
            return mlp_loss(net, moved, [0.3])

        assert xi.grad == pytest.approx(central(at, values[i]), rel=1e-6, abs=1e-10)


def test_mlp_matches_pytorch_forward_and_gradients():
    torch = torch_or_skip()
    net = ScalarMLP([3, 4, 4, 2], activations=["relu", "tanh", "sigmoid"], seed=3)
    x, t = [0.5, -1.5, 2.0], [0.2, 0.9]
    out = net(x)
    half_squared_error(out, t).backward()

    h = torch.tensor(x, dtype=torch.float64)
    params = []
    for layer, act in zip(net.layers, (torch.relu, torch.tanh, torch.sigmoid)):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        W.requires_grad_(True)
        b.requires_grad_(True)
        params.append((W, b))
        h = act(W @ h + b)
    loss = 0.5 * ((h - torch.tensor(t, dtype=torch.float64)) ** 2).sum()
    loss.backward()

    assert [o.data for o in out] == pytest.approx(h.tolist(), rel=1e-14)
    for layer, (W, b) in zip(net.layers, params):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(W.grad[j].tolist(), rel=1e-12)
            assert neuron.b.grad == pytest.approx(b.grad[j].item(), rel=1e-12)


# ----------------------------------------------------------------------------- losses
def outputs_of(values):
    return [Value(v, f"o_{k}") for k, v in enumerate(values, start=1)]


@pytest.mark.parametrize(
    ("loss", "value", "gradient"),
    [
        (half_squared_error, lambda o, t: 0.5 * np.sum((o - t) ** 2), lambda o, t, n: o - t),
        (sum_squared_error, lambda o, t: np.sum((o - t) ** 2), lambda o, t, n: 2 * (o - t)),
        (mean_squared_error, lambda o, t: np.mean((o - t) ** 2), lambda o, t, n: 2 * (o - t) / n),
    ],
)
@SETTINGS
@given(
    pairs=st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=5),
)
def test_squared_errors_value_and_gradient(loss, value, gradient, pairs):
    o = np.array([p[0] for p in pairs])
    t = np.array([p[1] for p in pairs])
    outs = outputs_of(o)
    result = loss(outs, list(t))
    result.backward()
    assert result.data == pytest.approx(value(o, t), rel=1e-12, abs=1e-12)
    assert [v.grad for v in outs] == pytest.approx(list(gradient(o, t, len(o))), abs=1e-12)


def bce_reference(o: np.ndarray, t: np.ndarray) -> float:
    return float(-np.mean(t * np.log(o) + (1 - t) * np.log(1 - o)))


@SETTINGS
@given(
    pairs=st.lists(st.tuples(st.floats(0.01, 0.99), st.floats(0, 1)), min_size=1, max_size=4),
)
def test_binary_cross_entropy_value_and_gradient(pairs):
    o = np.array([p[0] for p in pairs])
    t = np.array([p[1] for p in pairs])
    outs = outputs_of(o)
    loss = binary_cross_entropy(outs, list(t))
    loss.backward()
    assert loss.data == pytest.approx(bce_reference(o, t), rel=1e-12)
    for k, v in enumerate(outs):

        def at(x, k=k):
            moved = o.copy()
            moved[k] = x
            return bce_reference(moved, t)

        # A central difference loses about 1e-16 * |loss| / h to cancellation: abs=1e-8.
        assert v.grad == pytest.approx(central(at, o[k]), rel=1e-6, abs=1e-8)


@SETTINGS
@given(
    pairs=st.lists(st.tuples(st.floats(-30, 30), st.floats(0, 1)), min_size=1, max_size=4),
)
def test_binary_cross_entropy_with_logits_matches_sigmoid_form(pairs):
    z = np.array([p[0] for p in pairs])
    t = np.array([p[1] for p in pairs])
    logits = outputs_of(z)
    loss = binary_cross_entropy_with_logits(logits, list(t))
    loss.backward()
    reference = np.mean(np.logaddexp(0, z) - z * t)  # log(1 + e^z) - z t
    assert loss.data == pytest.approx(reference, rel=1e-12, abs=1e-12)
    expected = (1 / (1 + np.exp(-z)) - t) / len(z)
    assert [v.grad for v in logits] == pytest.approx(list(expected), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("loss", [binary_cross_entropy, binary_cross_entropy_with_logits])
def test_binary_cross_entropy_targets_must_be_probabilities(loss):
    outputs = [Value(0.3), Value(0.6)]
    assert math.isfinite(loss(outputs, [0.0, Value(1.0)]).data)  # the edges are fine
    for bad in (3, -0.5, Value(1.5)):
        with pytest.raises(ValueError, match=rf"{loss.__name__}: target 2 is .*not in \[0, 1\]"):
            loss(outputs, [0.5, bad])


def test_binary_cross_entropy_is_finite_at_saturated_outputs():
    saturated = Value(40.0).sigmoid()
    assert saturated.data == 1.0  # a float sigmoid does reach 1
    outs = [saturated, Value(0.0, "zero")]
    loss = binary_cross_entropy(outs, [0.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1e-12), rel=1e-3)
    assert math.isfinite(loss.data)
    assert outs[0].grad == 0.0  # clipped: no gradient, as through a clamp
    right = binary_cross_entropy([Value(1.0), Value(0.0)], [1.0, 0.0])
    assert right.data == pytest.approx(1e-12, rel=1e-3)


def test_binary_cross_entropy_with_logits_is_stable_at_extremes_and_zero():
    logits = [Value(800.0), Value(-800.0), Value(0.0)]
    targets = [0.0, 1.0, 0.25]
    loss = binary_cross_entropy_with_logits(logits, targets)
    loss.backward()
    assert loss.data == pytest.approx((800 + 800 + math.log(2)) / 3)
    assert [v.grad for v in logits] == pytest.approx([1 / 3, -1 / 3, (0.5 - 0.25) / 3])


def test_losses_match_pytorch():
    torch = torch_or_skip()
    o, t = [0.2, 0.7, 0.95], [0.0, 1.0, 0.5]
    z = [-1.5, 0.0, 3.0]
    cases = [
        (mean_squared_error, o, torch.nn.functional.mse_loss),
        (binary_cross_entropy, o, torch.nn.functional.binary_cross_entropy),
        (
            binary_cross_entropy_with_logits,
            z,
            torch.nn.functional.binary_cross_entropy_with_logits,
        ),
    ]
    for ours, inputs, theirs in cases:
        values = outputs_of(inputs)
        loss = ours(values, t)
        loss.backward()
        ti = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
        reference = theirs(ti, torch.tensor(t, dtype=torch.float64))
        reference.backward()
        assert loss.data == pytest.approx(reference.item(), rel=1e-12), ours.__name__
        assert [v.grad for v in values] == pytest.approx(ti.grad.tolist(), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: half_squared_error([Value(1.0)], [1.0, 2.0]), ValueError, "1 outputs but 2"),
        (lambda: half_squared_error([], []), ValueError, "no outputs"),
        (lambda: half_squared_error([1.0], [1.0]), TypeError, "output 1 is a float"),
        (lambda: half_squared_error(Value(1.0), [1.0]), TypeError, "pass lists"),
        (lambda: half_squared_error([Value(1.0)], ["a"]), TypeError, "target 1"),
        (lambda: half_squared_error([Value(1.0)], [math.inf]), TypeError, "target 1"),
        (lambda: binary_cross_entropy([Value(1.5)], [1.0]), ValueError, "not a probability"),
        (
            lambda: binary_cross_entropy([Value(0.5)], [1.0], epsilon=0.0),
            ValueError,
            "epsilon",
        ),
        (lambda: half_squared_error([Value(1.0)], 1.0), TypeError, "targets must be a list"),
        (lambda: half_squared_error(3.0, [1.0]), TypeError, "outputs must be a Tensor or a list"),
    ],
)
def test_loss_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------- SGD
def test_sgd_is_the_documents_rule():
    w = [Value(0.7, "w16"), Value(-0.7, "b7")]
    w[0].grad, w[1].grad = 0.0025, 0.1253
    SGD(w, lr=0.01).step()
    assert w[0].data == 0.7 - 0.01 * 0.0025
    assert w[1].data == -0.7 - 0.01 * 0.1253


def quadratic_loss(params):
    a, b = params
    return (a * b - 1.5) ** 2 + (a - 0.5 * b) ** 2


@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 0.0), (0.5, 0.1)])
def test_sgd_matches_torch_step_by_step(momentum, weight_decay):
    torch = torch_or_skip()
    start = [0.3, -0.8]
    ours = [Value(v) for v in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = SGD(ours, lr=0.05, momentum=momentum, weight_decay=weight_decay)
    ref = torch.optim.SGD([theirs], lr=0.05, momentum=momentum, weight_decay=weight_decay)
    for _ in range(6):
        opt.zero_grad()
        quadratic_loss(ours).backward()
        opt.step()
        ref.zero_grad()
        quadratic_loss(theirs).backward()
        ref.step()
        assert [p.data for p in ours] == pytest.approx(theirs.tolist(), rel=1e-13, abs=1e-15)


def test_sgd_momentum_by_hand():
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.5)
    w.grad = 2.0
    opt.step()  # buf = 2
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0)
    w.grad = 1.0
    opt.step()  # buf = 0.5 * 2 + 1 = 2
    assert w.data == pytest.approx(0.8 - 0.1 * 2.0)


class ArrayLeaf:
    """A leaf holding numpy arrays, as a Tensor parameter does, to exercise the shared rule."""

    def __init__(self, data) -> None:
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents, self._op, self._id = (), "", new_node_id()

    def _zero_grad(self) -> None:
        self.grad[...] = 0.0  # in place, as an array engine may do


def test_sgd_updates_array_parameters_and_keeps_its_own_momentum_buffer():
    p = ArrayLeaf([1.0, 2.0])
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad += [1.0, -1.0]
    opt.step()
    opt.zero_grad()  # zeroes p.grad in place: the buffer must not be that array
    p.grad += [1.0, 1.0]
    opt.step()  # buf = 0.5 * [1, -1] + [1, 1] = [1.5, 0.5]
    assert p.data.tolist() == pytest.approx([1.0 - 0.1 - 0.15, 2.0 + 0.1 - 0.05])


def test_sgd_leaves_a_parameter_without_gradient_alone():
    used, unused = ArrayLeaf([1.0]), ArrayLeaf([2.0])
    unused.grad = None  # never reached by backward, as a Tensor marks it
    used.grad += 4.0
    SGD([used, unused], lr=0.5, weight_decay=0.1).step()
    assert used.data.tolist() == pytest.approx([1.0 - 0.5 * (4.0 + 0.1)])
    assert unused.data.tolist() == [2.0]


def test_sgd_zero_grad_and_repr():
    w = Value(1.0)
    w.grad = 3.0
    opt = SGD([w], lr=0.5)
    opt.zero_grad()
    assert w.grad == 0.0
    assert repr(opt) == "SGD(1 parameters, lr=0.5, momentum=0.0, weight_decay=0.0)"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda w: SGD([w], lr=0.0), ValueError, r"lr must be in \(0, inf\)"),
        (lambda w: SGD([w], lr=math.nan), ValueError, "lr must be a finite number"),
        (lambda w: SGD([w], lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda w: SGD([w], lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
        (lambda w: SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda w: SGD([w, w], lr=0.1), ValueError, "listed twice"),
        (lambda w: SGD([w * 2], lr=0.1), TypeError, "not a leaf node"),
        (lambda w: SGD([1.0], lr=0.1), TypeError, "not a leaf node"),
    ],
)
def test_sgd_errors_are_clear(make, error, message):
    with pytest.raises(error, match=message):
        make(Value(1.0, "w"))


# ----------------------------------------------------------------------------- seed 003: XOR
def test_seed003_two_layer_sigmoid_net_learns_xor():
    # Seed 003: sigmoid hidden and output layers with biases, loss sum_i (y_i - y^_i)^2,
    # full-batch gradient descent on its truth table (with the constant input X3 = 1).
    x, y = xor_table()
    net = ScalarMLP([3, 4, 1], hidden="sigmoid", output="sigmoid", seed=0)
    opt = SGD(net.parameters(), lr=1.0)
    inputs, targets = x.tolist(), y.tolist()

    def total_loss() -> Value:
        return sum_values(sum_squared_error(net(xi), ti) for xi, ti in zip(inputs, targets))

    first = total_loss().data
    for _ in range(1500):
        opt.zero_grad()
        total_loss().backward()
        opt.step()
    outputs = [net(xi)[0].data for xi in inputs]
    assert [round(o) for o in outputs] == [0, 1, 1, 0]
    assert total_loss().data < 0.05 < first
