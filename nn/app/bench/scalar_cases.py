"""The scalar workload's case builders: micrograd's demo step on every scalar engine.

A 2-16-16-1 ReLU MLP (identity output) over two-moons points; one repeat is one step:
forward every point, max-margin loss mean(relu(1 - y s)) plus alpha times the sum of
squared parameters (micrograd's demo), backward, SGD with micrograd's schedule
lr = 1 - 0.9 k / 100. Each builder takes the workload's sizes and returns a `BenchCase`.
"""

from __future__ import annotations

import gc
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cases import SEED, BenchCase, rng


def _scalar_data(size: dict[str, Any]) -> tuple[list[list[float]], list[float]]:
    """Two-moons points as lists of floats, and labels -1 / +1."""
    from chaingrad.nn.data import two_moons

    x, y = two_moons(size["points"], noise=0.1, seed=SEED)
    return x.tolist(), (2.0 * y - 1.0).tolist()


def _scalar_weights(size: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer (W of shape (out, in), b of shape (out,)), uniform in +-1 as micrograd's."""
    weights = rng(1)
    return [
        (weights.uniform(-1, 1, (n_out, n_in)), weights.uniform(-1, 1, n_out))
        for n_in, n_out in itertools.pairwise(size["sizes"])
    ]


def _load_scalar_weights(model: Any, size: dict[str, Any]) -> None:
    """Set every weight of a model made of ``layers[k].neurons[j].w[i]`` and ``.b``."""
    for layer, (w, b) in zip(model.layers, _scalar_weights(size)):
        for j, neuron in enumerate(layer.neurons):
            for i, weight in enumerate(neuron.w):
                weight.data = float(w[j, i])
            neuron.b.data = float(b[j])


def _lr(step: int) -> float:
    """micrograd's demo schedule."""
    return 1.0 - 0.9 * step / 100


def scalar_ours(size: dict[str, Any]) -> BenchCase:
    """Ours through `nn.scalar.ScalarMLP`: a neuron's net input is one `dot_values` node,
    the sums are `sum_values` and `dot_values` nodes."""
    from chaingrad.autograd.value import dot_values, sum_values
    from chaingrad.nn.optim import SGD
    from chaingrad.nn.scalar import ScalarMLP

    inputs, labels = _scalar_data(size)
    net = ScalarMLP(size["sizes"], hidden="relu", output="identity")
    _load_scalar_weights(net, size)
    params = net.parameters()
    opt = SGD(params, lr=1.0)
    alpha, scale = size["alpha"], 1.0 / len(inputs)
    state = {"step": 0, "loss": math.nan}

    def run() -> None:
        scores = [net(x)[0] for x in inputs]
        margins = [(s * -y + 1.0).relu() for s, y in zip(scores, labels)]
        total = sum_values(margins) * scale + dot_values(params, params) * alpha
        opt.zero_grad()
        total.backward()
        opt.lr = _lr(state["step"])
        opt.step()
        state["step"] += 1
        state["loss"] = total.data

    return BenchCase(run, lambda: state["loss"])


class _BinaryNeuron:
    """A neuron written with binary operations only: b + w1 x1 + w2 x2 + ..., then relu."""

    def __init__(self, value: type, n_inputs: int, relu: bool) -> None:
        self.w = [value(0.0) for _ in range(n_inputs)]
        self.b = value(0.0)
        self.relu = relu

    def __call__(self, x: Sequence[Any]) -> Any:
        net = self.b
        for w, xi in zip(self.w, x):
            net = net + w * xi
        return net.relu() if self.relu else net


@dataclass
class _BinaryLayer:
    neurons: list[_BinaryNeuron]


class _BinaryMLP:
    """ReLU hidden layers and an identity output; calling it returns the single output."""

    def __init__(self, value: type, sizes: Sequence[int]) -> None:
        last = len(sizes) - 2
        self.layers = [
            _BinaryLayer([_BinaryNeuron(value, n_in, relu=k != last) for _ in range(n_out)])
            for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
        ]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer.neurons]
        return x[0]

    def parameters(self) -> list[Any]:
        """Every weight and bias, layer by layer."""
        return [p for layer in self.layers for n in layer.neurons for p in (*n.w, n.b)]


def _binary_step(size: dict[str, Any], value: type, model: Any, gc_off: bool) -> BenchCase:
    """micrograd's demo step, for any Value class with ``+ - * relu`` and ``backward``
    (inputs wrapped in `value` as micrograd's demo does).

    `gc_off`: the cyclic collector is off during the step, and collects after it, untimed.
    """
    inputs, labels = _scalar_data(size)
    _load_scalar_weights(model, size)
    params = model.parameters()
    alpha = size["alpha"]
    state = {"step": 0, "loss": math.nan}

    def step() -> None:
        scores = [model([value(xi) for xi in x]) for x in inputs]
        margins = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
        total = sum(margins) * (1.0 / len(margins)) + alpha * sum(p * p for p in params)
        for p in params:
            p.grad = 0.0
        total.backward()
        lr = _lr(state["step"])
        for p in params:
            p.data -= lr * p.grad
        state["step"] += 1
        state["loss"] = total.data

    def step_without_gc() -> None:
        gc.disable()
        try:
            step()
        finally:
            gc.enable()

    if gc_off:
        return BenchCase(step_without_gc, lambda: state["loss"], after=gc.collect)
    return BenchCase(step, lambda: state["loss"])


def scalar_binary(size: dict[str, Any]) -> BenchCase:
    """Ours written with binary ``+ - * relu`` the way micrograd's own classes are."""
    from chaingrad.autograd.value import Value

    return _binary_step(size, Value, _BinaryMLP(Value, size["sizes"]), gc_off=False)


def _micrograd(size: dict[str, Any], gc_off: bool) -> BenchCase:
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP

    sizes = size["sizes"]
    return _binary_step(size, MicroValue, MicroMLP(sizes[0], list(sizes[1:])), gc_off)


def micrograd_shipped(size: dict[str, Any]) -> BenchCase:
    """micrograd as shipped (its `MLP`, the collector on)."""
    return _micrograd(size, gc_off=False)


def micrograd_nogc(size: dict[str, Any]) -> BenchCase:
    """micrograd with the collector off during the step (an untimed collection after it)."""
    return _micrograd(size, gc_off=True)
