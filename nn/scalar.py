"""Scalar (`Value`) networks labelled in the documents' notation: `Neuron`, `Layer`, `ScalarMLP`.

Every parameter, and every neuron's output, carries a label chosen by a naming scheme,
so drawings and `autograd.explain` read like the document being checked::

    net = ScalarMLP([2, 2, 1], names="indexed")          # seed 000, Case 3
    J = half_squared_error(net([x1, x2]), [t1])
    explain(J, "w_{11}^{(1)}")                     # dJ/do_1 · do_1/dh_1 · dh_1/dw_{11}^{(1)}

Naming schemes (`names=`):

- ``"indexed"`` (seed 000, the default): weight ``w_{ij}^{(l)}`` from input ``i`` to neuron
  ``j`` of layer ``l``; the bias is the weight ``w_{0j}^{(l)}`` of the bias node x_0 / h_0 = 1;
  outputs ``h_j`` (one hidden layer), ``h_j^{(l)}`` (several) and ``o_j``. As in the document,
  the layer superscript is dropped when there is no hidden layer, and the neuron index too
  when there is also a single output (Case 1: ``w_0, w_1, w_2``). Net inputs are left
  unlabelled, as the document never names them, so `explain` folds them away and prints
  do_1/dh_1 = o_1(1 - o_1) w_{11}^{(2)} exactly as the document writes it.
- ``"numbered"`` (seed 001): weights ``w1, w2, ...`` numbered through the network, input by
  input (w1: x1 -> n3, w2: x1 -> n4, ..., w4: x2 -> n3); biases ``b1, b2, ...`` neuron by
  neuron; nodes ``n1, n2, ...`` counted from the inputs, with ``net_n3`` and ``out_n3``.
- any callable taking a `Site` and returning a label, or None to leave the node unlabelled.

The bias enters each neuron's net input through `autograd.dot_values`, whose bias edge
has local derivative 1: the same number the document's bias node x_0 = 1 contributes.

`ScalarMLP.network_layout(inputs, outputs)` lays a forward pass out for
``autograd.draw(loss, view="network", layout=...)``: the documents' figure, with bias nodes
x_0, h_0 whose edges carry the biases.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

from chaingrad.autograd import ops
from chaingrad.autograd.drawing.layout import Connection, NetworkLayout, Unit
from chaingrad.autograd.value import Operand, Value, dot_values

from .checks import UnknownNameError, check_activation, check_count, check_flag, check_sizes
from .module import Module

IDENTITY = "identity"
"""The activation that leaves the net input as it is (no node): a linear output unit."""


def activation_names() -> list[str]:
    """The activations a neuron can use: the op registry's activations, and ``"identity"``."""
    return [*ops.activations(), IDENTITY]


def _activation(name: str) -> Callable[[Value], Value]:
    """The function applying activation `name` (not ``"identity"``) to a net input."""
    return ops.activations()[name].for_type(Value)


@dataclass(frozen=True)
class Site:
    """Where a node sits in a network: what a naming scheme is told.

    `kind` is ``"weight"``, ``"bias"``, ``"net"`` (a neuron's net input) or ``"out"`` (its
    output), or ``"bias_node"``: the constant-1 node whose edges carry the biases of layer
    `layer` in a drawing (`ScalarMLP.network_layout`; seed 000's x_0 and h_0). `layer` counts
    layers of weights from 1 (the document's superscript (l)), `neuron` the neurons of that
    layer from 1 (0 for a bias node), and `input` the neuron's inputs from 1 (for a weight;
    0 otherwise). `sizes` is the whole network's, inputs first.
    """

    kind: str
    layer: int
    neuron: int
    input: int
    sizes: tuple[int, ...]


Naming = Callable[[Site], "str | None"]


def indexed_names(site: Site) -> str | None:
    """Seed 000's notation: ``w_{ij}^{(l)}``, bias ``w_{0j}^{(l)}``, ``h_j^{(l)}``, ``o_j``.

    Bias nodes are ``x_0`` (into the first layer) and ``h_0`` / ``h_0^{(l)}``.
    """
    n_layers = len(site.sizes) - 1
    hidden_layers = n_layers - 1
    if site.kind == "bias_node":
        if site.layer == 1:
            return "x_0"
        return indexed_names(Site("out", site.layer - 1, 0, 0, site.sizes))
    if site.kind in ("weight", "bias"):
        i = site.input if site.kind == "weight" else 0
        if hidden_layers == 0 and site.sizes[-1] == 1:
            return f"w_{_subscript(i)}"
        name = f"w_{_subscript(i, site.neuron)}"
        return name if hidden_layers == 0 else f"{name}^{{({site.layer})}}"
    if site.kind == "out":
        if site.layer == n_layers:
            return f"o_{_subscript(site.neuron)}"
        name = f"h_{_subscript(site.neuron)}"
        return name if hidden_layers == 1 else f"{name}^{{({site.layer})}}"
    return None


def numbered_names(site: Site) -> str | None:
    """Seed 001's notation: ``w1..``, ``b1..`` through the network, ``net_n3``, ``out_n3``.

    The blog draws no bias nodes: they are left unnamed.
    """
    if site.kind == "bias_node":
        return None
    sizes = site.sizes
    earlier = range(1, site.layer)
    if site.kind == "weight":
        offset = sum(sizes[k - 1] * sizes[k] for k in earlier)
        return f"w{offset + (site.input - 1) * sizes[site.layer] + site.neuron}"
    if site.kind == "bias":
        return f"b{sum(sizes[k] for k in earlier) + site.neuron}"
    node = sum(sizes[: site.layer]) + site.neuron
    return f"{site.kind}_n{node}"


NAMING_SCHEMES: dict[str, Naming] = {"indexed": indexed_names, "numbered": numbered_names}
"""The built-in naming schemes, by name."""


class Neuron(Module):
    """One unit: ``out = activation(w · x + b)``, its net input made as one node.

    `layer`, `index` and `sizes` place the neuron in a network for the naming scheme;
    a lone neuron defaults to the only neuron of a one-layer network (seed 000, Case 1).
    Weights and bias start uniform in +-1/sqrt(n_inputs) (PyTorch's default for a linear
    layer), drawn from `seed` (an int or a `random.Random` shared by a whole network).
    """

    def __init__(
        self,
        n_inputs: int,
        activation: str = "sigmoid",
        *,
        bias: bool = True,
        names: str | Naming = "indexed",
        layer: int = 1,
        index: int = 1,
        sizes: Sequence[int] | None = None,
        seed: int | random.Random = 0,
    ) -> None:
        check_count(n_inputs, "Neuron", "n_inputs")
        self.activation = check_activation(activation, activation_names(), "Neuron")
        self._activate = None if self.activation == IDENTITY else _activation(self.activation)
        bias = check_flag(bias, "Neuron", "bias")
        naming = _naming(names, "Neuron")
        shape = tuple(sizes) if sizes is not None else (n_inputs, 1)
        rng = _random(seed, "Neuron")
        bound = 1.0 / math.sqrt(n_inputs)
        self.w = [
            Value(rng.uniform(-bound, bound), naming(Site("weight", layer, index, i, shape)))
            for i in range(1, n_inputs + 1)
        ]
        bias_value = rng.uniform(-bound, bound) if bias else 0.0
        self.b = Value(bias_value, naming(Site("bias", layer, index, 0, shape))) if bias else None
        self.net_label = naming(Site("net", layer, index, 0, shape))
        self.out_label = naming(Site("out", layer, index, 0, shape))

    def forward(self, x: Sequence[Operand]) -> Value:
        """The neuron's output for inputs `x` (Values, or plain numbers taken as data)."""
        name = f"Neuron {self.out_label}" if self.out_label else "Neuron"
        _check_inputs(x, len(self.w), name)
        net = dot_values(self.w, x, self.b)
        if self._activate is None:
            net.label = self.out_label or self.net_label
            return net
        net.label = self.net_label
        out = self._activate(net)
        out.label = self.out_label
        return out

    def extra_repr(self) -> str:
        """Inputs, activation, and the output's label."""
        bias = "" if self.b is not None else ", bias=False"
        label = f", out={self.out_label!r}" if self.out_label else ""
        return f"inputs={len(self.w)}, activation={self.activation}{bias}{label}"


class Layer(Module):
    """`n_outputs` neurons reading the same inputs; calling it always returns a list."""

    repr_children = False

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str = "sigmoid",
        *,
        bias: bool = True,
        names: str | Naming = "indexed",
        layer: int = 1,
        sizes: Sequence[int] | None = None,
        seed: int | random.Random = 0,
    ) -> None:
        check_count(n_outputs, "Layer", "n_outputs")
        check_activation(activation, activation_names(), "Layer")
        bias = check_flag(bias, "Layer", "bias")
        rng = _random(seed, "Layer")
        shape = tuple(sizes) if sizes is not None else (n_inputs, n_outputs)
        self.neurons = [
            Neuron(
                n_inputs,
                activation,
                bias=bias,
                names=names,
                layer=layer,
                index=j,
                sizes=shape,
                seed=rng,
            )
            for j in range(1, n_outputs + 1)
        ]

    def forward(self, x: Sequence[Operand]) -> list[Value]:
        """Each neuron's output for inputs `x`, as a list (even for a single neuron)."""
        _check_inputs(x, len(self.neurons[0].w), "Layer")
        return [neuron(x) for neuron in self.neurons]

    def extra_repr(self) -> str:
        """Sizes, activation and bias."""
        first = self.neurons[0]
        bias = "" if first.b is not None else ", bias=False"
        return f"in={len(first.w)}, out={len(self.neurons)}, activation={first.activation}{bias}"


class ScalarMLP(Module):
    """A multi-layer perceptron of `Layer` s: ``ScalarMLP([2, 3, 3, 1], hidden="relu")``.

    `sizes` lists the inputs, then each layer's width. Hidden layers use `hidden`, the
    last layer `output`, unless `activations` gives one per layer. Calling the network
    returns the list of its outputs. All layers draw their starting weights from one
    `random.Random(seed)` (or the Random given); set exact numbers with `set_parameters`.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "sigmoid",
        *,
        activations: Sequence[str] | None = None,
        bias: bool = True,
        names: str | Naming = "indexed",
        seed: int | random.Random = 0,
    ) -> None:
        sizes = check_sizes(sizes, "ScalarMLP")
        n_layers = len(sizes) - 1
        if activations is None:
            for name in (hidden, output):
                check_activation(name, activation_names(), "ScalarMLP")
            activations = [hidden] * (n_layers - 1) + [output]
        elif isinstance(activations, str) or not isinstance(activations, Sequence):
            raise TypeError(
                "ScalarMLP: activations must be a list of names, one per layer, got "
                f"{activations!r}"
            )
        elif len(activations) != n_layers:
            raise ValueError(
                f"ScalarMLP: {len(activations)} activations for {n_layers} layers; give one "
                "per layer"
            )
        else:
            for name in activations:
                check_activation(name, activation_names(), "ScalarMLP")
        bias = check_flag(bias, "ScalarMLP", "bias")
        rng = _random(seed, "ScalarMLP")
        self.sizes = sizes
        self.naming = _naming(names, "ScalarMLP")
        self.layers = [
            Layer(
                sizes[k - 1],
                sizes[k],
                activations[k - 1],
                bias=bias,
                names=names,
                layer=k,
                sizes=sizes,
                seed=rng,
            )
            for k in range(1, n_layers + 1)
        ]

    def forward(self, x: Sequence[Operand]) -> list[Value]:
        """The network's outputs for inputs `x`, as a list."""
        _check_inputs(x, self.sizes[0], "ScalarMLP")
        for layer in self.layers:
            x = layer(x)
        return x

    def network_layout(
        self, inputs: Sequence[Operand], outputs: Sequence[Value], *, bias_node: str = "first"
    ) -> NetworkLayout:
        """This network as the documents draw it, for ``draw(loss, view="network", layout=...)``.

        `inputs` and `outputs` are those of one forward pass (``outputs = net(inputs)``);
        the hidden units are read from the outputs' graph. Each column that feeds a layer
        with biases gets a bias node, a constant 1 named by the naming scheme (x_0, h_0;
        "1" when the scheme names none) whose edges carry the biases, at the top of the
        column (`bias_node` ``"first"``, as seed 000 draws x_0) or at the bottom (``"last"``).
        """
        if bias_node not in ("first", "last"):
            raise ValueError(
                f"ScalarMLP.network_layout: bias_node must be 'first' or 'last', got {bias_node!r}"
            )
        if len(inputs) != self.sizes[0] or len(outputs) != self.sizes[-1]:
            raise ValueError(
                f"ScalarMLP.network_layout: got {len(inputs)} inputs and {len(outputs)} outputs; "
                f"this network has {self.sizes[0]} and {self.sizes[-1]}"
            )
        values = [list(outputs)]  # each layer's outputs, found from the last layer back
        nets = []
        for k in range(len(self.layers) - 1, -1, -1):
            layer_nets, layer_inputs = self._read_layer(k, values[0], inputs)
            nets.insert(0, layer_nets)
            if k:
                values.insert(0, layer_inputs)
        values.insert(0, list(inputs))

        columns = [[_input_unit(x, i) for i, x in enumerate(values[0], 1)]]
        for c, layer in enumerate(self.layers, 1):
            kind = "output" if c == len(self.layers) else "hidden"
            columns.append(
                [
                    Unit(neuron.out_label or f"a_{j}^{{({c})}}", kind, out, net)
                    for j, (neuron, out, net) in enumerate(
                        zip(layer.neurons, values[c], nets[c - 1]), 1
                    )
                ]
            )
        # Column c feeds layer c + 1; it gets a bias node if that layer has biases.
        fed = [_has_bias(layer) for layer in self.layers] + [False]
        for c, column in enumerate(columns):
            if fed[c]:
                name = self.naming(Site("bias_node", c + 1, 0, 0, self.sizes)) or "1"
                column.insert(0 if bias_node == "first" else len(column), Unit(name, "bias"))
        shift = [1 if fed[c] and bias_node == "first" else 0 for c in range(len(columns))]
        bias_row = [0 if bias_node == "first" else len(column) - 1 for column in columns]
        connections = []
        for c, layer in enumerate(self.layers, 1):
            for j, neuron in enumerate(layer.neurons):
                target = (c, j + shift[c])
                for i, weight in enumerate(neuron.w):
                    connections.append(Connection((c - 1, i + shift[c - 1]), target, weight))
                if neuron.b is not None:
                    connections.append(Connection((c - 1, bias_row[c - 1]), target, neuron.b))
        hidden = len(self.layers) - 1
        titles = ["inputs"]
        titles += [
            f"hidden layer {k}" if hidden > 1 else "hidden layer" for k in range(1, hidden + 1)
        ]
        titles.append("outputs")
        return NetworkLayout(
            tuple(tuple(units) for units in columns), tuple(connections), tuple(titles)
        )

    def _read_layer(
        self, k: int, outs: list[Value], inputs: Sequence[Operand]
    ) -> tuple[list[Value], list[Value]]:
        """Layer `k`'s net input nodes and the Values it read, found from its outputs' graph."""
        layer = self.layers[k]
        nets: list[Value] = []
        read: list[Value] | None = None
        for j, (neuron, out) in enumerate(zip(layer.neurons, outs), 1):
            net = _net_input(neuron, out)
            own = {id(w) for w in neuron.w} | ({id(neuron.b)} if neuron.b is not None else set())
            parents = net.parents if net is not None else ()
            if net is None or not own <= {id(p) for p in parents}:
                raise ValueError(
                    f"ScalarMLP.network_layout: output {j} of layer {k + 1} was not computed by "
                    "this network; pass the inputs and outputs of one forward pass: "
                    "outputs = net(inputs)"
                )
            others = [p for p in parents if id(p) not in own]
            if read is None:
                read = others
            elif [id(p) for p in others] != [id(p) for p in read]:
                raise ValueError(
                    f"ScalarMLP.network_layout: the neurons of layer {k + 1} read different "
                    "inputs; pass the inputs and outputs of one forward pass"
                )
            nets.append(net)
        assert read is not None  # a layer has at least one neuron
        expected = [x for x in inputs if isinstance(x, Value)] if k == 0 else None
        if len(read) != (len(expected) if expected is not None else self.sizes[k]) or (
            expected is not None and [id(x) for x in expected] != [id(p) for p in read]
        ):
            where = "the inputs given" if k == 0 else f"layer {k}'s {self.sizes[k]} outputs"
            raise ValueError(
                f"ScalarMLP.network_layout: layer {k + 1} did not read {where}; pass the inputs "
                "and outputs of one forward pass: outputs = net(inputs)"
            )
        return nets, read

    def parameter(self, label: str) -> Value:
        """The parameter labelled `label` (``net.parameter("w16")``)."""
        for param in self.parameters():
            if param.label == label:
                return param
        known = ", ".join(p.label or "?" for p in self.parameters())
        raise UnknownNameError(
            f"ScalarMLP: no parameter labelled {label!r}; the labels are: {known}"
        )

    def set_parameters(self, values: Mapping[str, float]) -> None:
        """Set parameters by label, ``{"w1": 0.1, "b2": -0.4}``; the others keep their values."""
        if not isinstance(values, Mapping):
            raise TypeError(
                "ScalarMLP.set_parameters: values must be a dict of label -> number, such as "
                f"{{'w1': 0.1}}, got {type(values).__name__}"
            )
        by_label = {p.label: p for p in self.parameters() if p.label is not None}
        unknown = [label for label in values if label not in by_label]
        if unknown:
            raise UnknownNameError(
                f"ScalarMLP.set_parameters: no parameter labelled {', '.join(map(repr, unknown))}; "
                f"the labels are: {', '.join(by_label)}"
            )
        for label, value in values.items():
            number = float(value) if isinstance(value, Real) else math.nan
            if not math.isfinite(number):
                raise ValueError(
                    f"ScalarMLP.set_parameters: {label!r} must be a finite number, got {value!r}"
                )
            by_label[label].data = number

    def extra_repr(self) -> str:
        """The sizes."""
        return f"sizes={list(self.sizes)}"


def _net_input(neuron: Neuron, out: object) -> Value | None:
    """The net input node behind `neuron`'s output `out`, or None if `out` is not one."""
    if not isinstance(out, Value):
        return None
    if neuron.activation == IDENTITY:
        return out
    made_by = ops.activations()[neuron.activation].op
    return out.parents[0] if out.op == made_by and out.parents else None


def _input_unit(x: Operand, i: int) -> Unit:
    """The unit of input `i` (from 1): a Value drawn with its label, or a plain number."""
    if isinstance(x, Value):
        return Unit(x.label or f"x_{i}", "input", x)
    return Unit(f"x_{i}", "input", value=float(x))


def _has_bias(layer: Layer) -> bool:
    return any(neuron.b is not None for neuron in layer.neurons)


def _subscript(*indices: int) -> str:
    """Indices as a TeX subscript: 1 -> ``1``, (1, 2) -> ``{12}``, (10, 2) -> ``{10,2}``."""
    parts = [str(i) for i in indices]
    text = ("," if any(len(p) > 1 for p in parts) else "").join(parts)
    return text if len(text) == 1 else f"{{{text}}}"


def _naming(names: str | Naming, where: str) -> Naming:
    if callable(names):
        return names
    if names in NAMING_SCHEMES:
        return NAMING_SCHEMES[names]
    raise ValueError(
        f"{where}: unknown naming scheme {names!r}; use one of {', '.join(NAMING_SCHEMES)} "
        "or a function of a Site"
    )


def _random(seed: int | random.Random, where: str) -> random.Random:
    """`seed` as a `random.Random`: a whole number seeds a new one; a Random is used as is."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"{where}: seed must be a whole number or a random.Random, got {seed!r}")
    return random.Random(int(seed))


def _check_inputs(x: object, expected: int, where: str) -> None:
    """Raise unless `x` is a list (or array) of `expected` inputs (numbers or Values)."""
    try:
        count = -1 if isinstance(x, (str, bytes, Value)) else len(x)
    except TypeError:  # no length: a number, None, a generator
        count = -1
    if count < 0:
        raise TypeError(
            f"{where}: inputs must be a list of {expected} numbers or Values, "
            f"got {type(x).__name__} {x!r}"
        )
    if count != expected:
        raise ValueError(f"{where}: got {count} inputs, expected {expected}")
