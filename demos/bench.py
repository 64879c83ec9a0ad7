"""Side-by-side benchmarks: chaingrad against micrograd, PyTorch and hand-written numpy.

    python demos/bench.py [--workloads scalar,nielsen,large,deep] [--rounds 3] [--repeats 3]
                          [--warmup 1] [--threads N] [--quick] [--json]

Every case (one workload on one engine) runs in its own Python process: this file
again, with ``--case WORKLOAD ENGINE``. The process builds the data and the
starting weights from fixed seeds with numpy, loads the same numbers into its
engine, runs ``--warmup`` untimed repeats, then ``--repeats`` timed ones, and
prints one line of JSON. The parent runs ``--rounds`` rounds over the engines,
rotating their order each round (interleaved, so a busy spell on a shared machine
does not land on one engine), and reports the median of all timed repeats, both as
wall time (``time.perf_counter``) and as the case's CPU time (``time.process_time``,
all threads). **Ratios use wall time**; CPU-time ratios are in the JSON. Every case
gets the same environment, with the BLAS and OpenMP thread variables set to
``--threads`` (default: all cores), so "PyTorch" runs with its default thread count
and "PyTorch, 1 thread" calls ``torch.set_num_threads(1)``. ``gc.collect()`` runs
once before the timed repeats; the cyclic collector stays on unless an engine's
name says otherwise.

Workloads (issue 7):

1. **scalar**: a 2-16-16-1 ReLU MLP (identity output) over 100 two-moons points. One
   repeat is one step: forward every point, max-margin loss mean(relu(1 - y s)) plus
   1e-4 times the sum of squared parameters (micrograd's demo), backward, SGD with
   micrograd's schedule lr = 1 - 0.9 k / 100. Engines: ours through `nn.scalar.ScalarMLP`
   (a neuron's net input is one `dot_values` node; the sums are `sum_values` and
   `dot_values` nodes); ours written with binary ``+ - * relu`` the way micrograd's
   own classes are (inputs wrapped in ``Value`` as its demo does); micrograd as
   shipped; micrograd with the collector off during the step (and an untimed
   ``gc.collect()`` after it).
2. **nielsen**: a 784-30-10 sigmoid MLP, quadratic cost 1/(2m) sum |a - y|^2,
   mini-batch m = 10, lr 3.0; one repeat is one epoch over 10,000 synthetic samples
   (uniform inputs, random one-hot labels); weights N(0, 1) as Nielsen's network.py.
3. **large**: a 784-256-256-10 ReLU MLP, softmax cross-entropy, batch 128, lr 0.05;
   one repeat is 50 SGD steps; float32.
4. **deep**: backward through a chain of 1,000,000 scalar operations
   (``demos/deep_chain.py``): time per node at n and at n/10 (linear time), and
   memory per node, by tracemalloc on a smaller chain (held after backward, and
   peak) and by the growth of the process's peak RSS (``ru_maxrss``) over the big one.

Tensor engines: "ours (Tensor)" is the public Tensor API written out (``x @ W + b``,
``sigmoid``/``relu``, the cost as ``((a - y) ** 2).sum() * (0.5 / m)``,
`cross_entropy`, `nn.optim.SGD`); "ours, linear()" uses the fused operations
`autograd.tensor_ops.linear` and `squared_error`; "ours, nn" is `nn.layers.Sequential`
with `nn.losses`; PyTorch CPU eager uses ``torch.nn.Linear`` layers and
``torch.optim.SGD``; "hand-written numpy" is backprop by hand, vectorized over the
batch, with no autograd (the floor for any numpy engine). "numpy matmuls only" runs
just the matrix products of the same steps on the same shapes: the physical floor,
with its GFLOP/s next to each engine's achieved GFLOP/s (matrix-product flops over
time). The machine lines give numpy's matmul peak on a large square product.

Loss numbers are printed for every engine and checked to agree (1e-8 relative
between float64 engines, 2e-3 when float32 is involved). Peers that are not
installed are skipped with a note: ``pip install micrograd torch==2.13.0``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import importlib.util
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
INSTALL_PEERS = "pip install micrograd torch==2.13.0"
SEED = 7
MICROGRAD_DEEP_NODES = 10_000  # enough to show its recursive walk failing

FULL_SIZES: dict[str, dict[str, Any]] = {
    "scalar": {"points": 100, "sizes": (2, 16, 16, 1), "alpha": 1e-4},
    "nielsen": {"samples": 10_000, "sizes": (784, 30, 10), "batch": 10, "lr": 3.0},
    "large": {"steps": 50, "sizes": (784, 256, 256, 10), "batch": 128, "lr": 0.05},
    "deep": {"nodes": 1_000_000, "memory_nodes": 100_000},
    "peak": {"n": 1024},
}
QUICK_SIZES: dict[str, dict[str, Any]] = {
    "scalar": {"points": 8, "sizes": (2, 16, 16, 1), "alpha": 1e-4},
    "nielsen": {"samples": 100, "sizes": (784, 30, 10), "batch": 10, "lr": 3.0},
    "large": {"steps": 3, "sizes": (784, 64, 32, 10), "batch": 16, "lr": 0.05},
    "deep": {"nodes": 3_000, "memory_nodes": 1_000},
    "peak": {"n": 128},
}


@dataclass(frozen=True)
class Engine:
    """One row of a workload's table: `key` on the command line, `label` in the table.

    `needs` is the peer package the case imports (None for chaingrad and numpy), and
    `ref` the engine its ratio is taken against (None: no ratio).
    """

    key: str
    label: str
    dtype: str = "float64"
    needs: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class Workload:
    """A workload: what one timed repeat is, the table's unit, and its engines."""

    name: str
    title: str
    unit: str  # the table's unit
    scale: float  # seconds -> the table's unit (per step for "ms/step": see `_per_repeat`)
    engines: tuple[Engine, ...]


def _tensor_engines(*dtypes: str) -> tuple[Engine, ...]:
    """The tensor workloads' engines for each dtype ("f64", "f32"), ratios against numpy."""
    engines: list[Engine] = []
    for dt in dtypes:
        dtype, ref = {"f64": "float64", "f32": "float32"}[dt], f"numpy-{dt}"
        engines.append(Engine(f"ours-{dt}", "ours (Tensor)", dtype, ref=ref))
        if dt == "f32":
            engines += [
                Engine("fused-f32", "ours, linear() + fused loss", dtype, ref=ref),
                Engine("nn-f32", "ours, nn.Sequential + nn.losses", dtype, ref=ref),
            ]
        engines.append(Engine(f"numpy-{dt}", "hand-written numpy", dtype, ref=ref))
        if dt == "f32":
            engines += [
                Engine("torch-f32", "PyTorch CPU", dtype, "torch", ref),
                Engine("torch1-f32", "PyTorch CPU, 1 thread", dtype, "torch", ref),
            ]
        engines.append(Engine(f"matmul-{dt}", "numpy matmuls only", dtype, ref=ref))
    return tuple(engines)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "scalar",
            "2-16-16-1 ReLU MLP, 100 two-moons points, max-margin loss + 1e-4 L2, one SGD step",
            "ms/step",
            1e3,
            (
                Engine("ours", "ours (nn.scalar.ScalarMLP)", ref="ours"),
                Engine("ours-binary", "ours, binary ops (micrograd-style)", ref="ours"),
                Engine("micrograd", "micrograd as shipped", needs="micrograd", ref="ours"),
                Engine(
                    "micrograd-nogc", "micrograd, gc off in step", needs="micrograd", ref="ours"
                ),
            ),
        ),
        Workload(
            "nielsen",
            "784-30-10 sigmoid MLP, quadratic cost, batch 10, lr 3.0, one epoch of 10,000",
            "s/epoch",
            1.0,
            _tensor_engines("f64", "f32"),
        ),
        Workload(
            "large",
            "784-256-256-10 ReLU MLP, softmax cross-entropy, batch 128, 50 SGD steps",
            "ms/step",
            1e3,
            _tensor_engines("f32"),
        ),
        Workload(
            "deep",
            "backward through a chain of 1,000,000 scalar operations",
            "s",
            1.0,
            (
                Engine("ours", "ours (Value, tanh chain)"),
                Engine("micrograd", "micrograd (relu chain)", needs="micrograd"),
            ),
        ),
    )
}

# (workload, sense, our engine, peers (the fastest counts), limit, aim). A ">=" target
# is met when time(peer) / time(ours) >= limit; a "<=" one when time(ours) / time(peer)
# <= limit. Issue 7 sets them for "ours"; the fused rows are measured against the same.
TARGETS: tuple[tuple[str, str, str, tuple[str, ...], float, float | None], ...] = (
    ("scalar", ">=", "ours", ("micrograd",), 50.0, None),
    ("scalar", ">=", "ours", ("micrograd-nogc",), 4.0, None),
    ("scalar", ">=", "ours-binary", ("micrograd",), 10.0, None),
    ("scalar", ">=", "ours-binary", ("micrograd-nogc",), 1.2, None),
    ("nielsen", "<=", "ours-f32", ("numpy-f32",), 1.5, 1.3),
    ("nielsen", ">=", "ours-f32", ("torch-f32", "torch1-f32"), 1.5, 2.0),
    ("nielsen", "<=", "fused-f32", ("numpy-f32",), 1.5, 1.3),
    ("nielsen", ">=", "fused-f32", ("torch-f32", "torch1-f32"), 1.5, 2.0),
    ("large", "<=", "ours-f32", ("numpy-f32",), 1.1, None),
    ("large", ">=", "ours-f32", ("torch-f32", "torch1-f32"), 1.1, None),
)
DEEP_BYTES_PER_NODE = 250.0
LINEAR_TIME_SLACK = 1.5  # time per node at n may be at most this times that at n / 10


# ============================================================================ the cases
# Everything from here to "the harness" runs inside a case's own process.


@dataclass
class Case:
    """What the harness times: `run` (one repeat); `loss` after it; `after` (untimed)."""

    run: Callable[[], None]
    loss: Callable[[], float | None]
    after: Callable[[], Any] | None = None
    extra: Callable[[], dict[str, Any]] | None = None


def _rng(*stream: int) -> np.random.Generator:
    return np.random.default_rng([SEED, *stream])


# ---------------------------------------------------------------------------- scalar
def _scalar_data(size: dict[str, Any]) -> tuple[list[list[float]], list[float]]:
    """Two-moons points as lists of floats, and labels -1 / +1."""
    from chaingrad.nn.data import two_moons

    x, y = two_moons(size["points"], noise=0.1, seed=SEED)
    return x.tolist(), (2.0 * y - 1.0).tolist()


def _scalar_weights(size: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer (W of shape (out, in), b of shape (out,)), uniform in +-1 as micrograd's."""
    rng = _rng(1)
    return [
        (rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out))
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


def _scalar_ours(size: dict[str, Any]) -> Case:
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

    return Case(run, lambda: state["loss"])


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
        return [p for layer in self.layers for n in layer.neurons for p in (*n.w, n.b)]


def _scalar_binary(size: dict[str, Any], value: type, model: Any, gc_off: bool) -> Case:
    """micrograd's demo step, for any Value class with ``+ - * relu`` and ``backward``.

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
        return Case(step_without_gc, lambda: state["loss"], after=gc.collect)
    return Case(step, lambda: state["loss"])


def _scalar_case(engine: str, size: dict[str, Any]) -> Case:
    if engine == "ours":
        return _scalar_ours(size)
    if engine == "ours-binary":
        from chaingrad.autograd.value import Value

        return _scalar_binary(size, Value, _BinaryMLP(Value, size["sizes"]), gc_off=False)
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP

    sizes = size["sizes"]
    model = MicroMLP(sizes[0], list(sizes[1:]))
    return _scalar_binary(size, MicroValue, model, gc_off=engine == "micrograd-nogc")


# ---------------------------------------------------------------------------- tensor MLPs
@dataclass
class _TensorProblem:
    """One tensor workload's data, weights and settings, as numpy arrays of one dtype."""

    kind: str  # "nielsen" (sigmoid, quadratic cost) or "large" (relu, cross-entropy)
    x: np.ndarray  # every batch's inputs, (steps * batch, n_in)
    targets: np.ndarray  # one-hot rows (nielsen) or int64 labels (large)
    weights: list[tuple[np.ndarray, np.ndarray]]  # per layer: W (in, out), b (out,)
    batch: int
    lr: float

    def batches(self) -> list[slice]:
        return [slice(i, i + self.batch) for i in range(0, len(self.x), self.batch)]

    def activation(self, layer: int) -> str:
        """ "sigmoid", "relu" or "identity" after `layer` (counted from 0)."""
        if self.kind == "nielsen":
            return "sigmoid"
        return "relu" if layer < len(self.weights) - 1 else "identity"


def _tensor_problem(kind: str, size: dict[str, Any], dtype: str) -> _TensorProblem:
    """Inputs uniform in [0, 1), random labels, and the starting weights: N(0, 1) as
    Nielsen's network.py (nielsen) or U(+-1/sqrt(in)), PyTorch's default (large)."""
    rng = _rng(3)
    sizes = size["sizes"]
    n = size["samples"] if kind == "nielsen" else size["steps"] * size["batch"]
    x = rng.uniform(0.0, 1.0, (n, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], n)
    targets = np.eye(sizes[-1], dtype=dtype)[labels] if kind == "nielsen" else labels
    rng = _rng(2)
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        if kind == "nielsen":
            w, b = rng.standard_normal((n_in, n_out)), rng.standard_normal(n_out)
        else:
            bound = 1.0 / math.sqrt(n_in)
            w, b = rng.uniform(-bound, bound, (n_in, n_out)), rng.uniform(-bound, bound, n_out)
        weights.append((w.astype(dtype), b.astype(dtype)))
    return _TensorProblem(kind, x, targets, weights, size["batch"], size["lr"])


def _matmul_flops(sizes: Sequence[int], batch: int) -> float:
    """Flops of one step's matrix products: the forward product, the weight gradient and,
    for every layer but the first (the data needs none), the input gradient."""
    return sum(
        (2 if k == 0 else 3) * 2.0 * batch * n_in * n_out
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
    )


def _tensor_ours(p: _TensorProblem, fused: bool) -> Case:
    """Ours with Tensor operations, or (`fused`) with `linear` (weights stored (out, in),
    as PyTorch's) and `squared_error`."""
    from chaingrad.autograd.tensor import Tensor
    from chaingrad.autograd.tensor_ops import cross_entropy, linear, squared_error
    from chaingrad.nn.optim import SGD

    params = [
        Tensor(a, requires_grad=True)  # float32 stays float32
        for w, b in p.weights
        for a in ((w.T.copy(), b) if fused else (w, b))
    ]
    layers = [(w, b, p.activation(k)) for k, (w, b) in enumerate(zip(params[::2], params[1::2]))]
    opt = SGD(params, lr=p.lr)
    xs, ts = Tensor(p.x), (Tensor(p.targets) if p.kind == "nielsen" else p.targets)
    half_over_m = 0.5 / p.batch
    batches = p.batches()
    state: dict[str, Any] = {"loss": None}

    def run() -> None:
        for batch in batches:
            out = xs[batch]
            for w, b, activation in layers:
                out = linear(out, w, b) if fused else out @ w + b
                if activation != "identity":
                    out = out.sigmoid() if activation == "sigmoid" else out.relu()
            if p.kind == "large":
                loss = cross_entropy(out, ts[batch])
            elif fused:
                loss = squared_error(out, ts[batch], half_over_m)
            else:
                loss = ((out - ts[batch]) ** 2).sum() * half_over_m
            opt.zero_grad()
            loss.backward()
            opt.step()
        state["loss"] = loss

    return Case(run, lambda: state["loss"].item())


def _tensor_nn(p: _TensorProblem) -> Case:
    """Ours through `nn`: Linear layers in a Sequential, the losses of `nn.losses`."""
    from chaingrad.autograd.tensor import Tensor
    from chaingrad.nn.layers import Linear, ReLU, Sequential, Sigmoid
    from chaingrad.nn.losses import half_squared_error, softmax_cross_entropy
    from chaingrad.nn.optim import SGD

    modules: list[Any] = []
    for k, (w, b) in enumerate(p.weights):
        layer = Linear(*w.shape, dtype=w.dtype)
        layer.weight.data[...] = w.T
        layer.bias.data[...] = b
        modules.append(layer)
        activation = p.activation(k)
        if activation != "identity":
            modules.append(Sigmoid() if activation == "sigmoid" else ReLU())
    model = Sequential(*modules)
    opt = SGD(model.parameters(), lr=p.lr)
    xs, ts = Tensor(p.x), (Tensor(p.targets) if p.kind == "nielsen" else p.targets)
    loss_of = half_squared_error if p.kind == "nielsen" else softmax_cross_entropy
    batches = p.batches()
    state: dict[str, Any] = {"loss": None}

    def run() -> None:
        for batch in batches:
            loss = loss_of(model(xs[batch]), ts[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        state["loss"] = loss

    return Case(run, lambda: state["loss"].item())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _tensor_numpy(p: _TensorProblem) -> Case:
    """Backprop by hand, vectorized over the mini-batch (the delta rule, no autograd)."""
    weights = [(w.copy(), b.copy()) for w, b in p.weights]
    batches = p.batches()
    lr = p.lr
    state = {"loss": math.nan}

    def backward_and_update(activations: list[np.ndarray], delta: np.ndarray) -> None:
        """delta = dLoss/dz of the last layer; each layer's weights updated in place."""
        for k in range(len(weights) - 1, -1, -1):
            w, b = weights[k]
            a_in = activations[k]
            grad_w, grad_b = a_in.T @ delta, delta.sum(axis=0)
            if k:
                back = delta @ w.T
                delta = back * a_in * (1.0 - a_in) if p.kind == "nielsen" else back * (a_in > 0)
            w -= lr * grad_w
            b -= lr * grad_b

    def nielsen_step(x: np.ndarray, y: np.ndarray) -> float:
        activations = [x]
        for w, b in weights:
            activations.append(_sigmoid(activations[-1] @ w + b))
        out = activations[-1]
        backward_and_update(activations, (out - y) * out * (1.0 - out) / len(x))
        return 0.5 * float(((out - y) ** 2).sum()) / len(x)

    def large_step(x: np.ndarray, labels: np.ndarray) -> float:
        activations = [x]
        for w, b in weights[:-1]:
            activations.append(np.maximum(activations[-1] @ w + b, 0.0))
        w, b = weights[-1]
        z = activations[-1] @ w + b
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(x))
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))
        delta = exp / total  # softmax
        delta[rows, labels] -= 1.0
        delta /= len(x)
        backward_and_update(activations, delta)
        return loss

    step = nielsen_step if p.kind == "nielsen" else large_step

    def run() -> None:
        for batch in batches:
            loss = step(p.x[batch], p.targets[batch])
        state["loss"] = loss

    return Case(run, lambda: state["loss"])


def _tensor_torch(p: _TensorProblem, one_thread: bool) -> Case:
    import torch

    if one_thread:
        torch.set_num_threads(1)
    modules: list[Any] = []
    for k, (w, b) in enumerate(p.weights):
        layer = torch.nn.Linear(*w.shape, dtype=getattr(torch, str(w.dtype)))
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
        modules.append(layer)
        activation = p.activation(k)
        if activation != "identity":
            modules.append(torch.nn.Sigmoid() if activation == "sigmoid" else torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    opt = torch.optim.SGD(model.parameters(), lr=p.lr)
    xs, ts = torch.from_numpy(p.x), torch.from_numpy(p.targets)
    half_over_m = 0.5 / p.batch
    cross_entropy = torch.nn.functional.cross_entropy
    batches = p.batches()
    state: dict[str, Any] = {"loss": None}

    def run() -> None:
        for batch in batches:
            out = model(xs[batch])
            if p.kind == "nielsen":
                loss = ((out - ts[batch]) ** 2).sum() * half_over_m
            else:
                loss = cross_entropy(out, ts[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        state["loss"] = loss

    return Case(
        run, lambda: state["loss"].item(), extra=lambda: {"threads": torch.get_num_threads()}
    )


def _tensor_matmuls(p: _TensorProblem) -> Case:
    """Only the matrix products of each step, on the real batches and fixed stand-ins."""
    rng = _rng(4)
    ws = [w for w, _ in p.weights]
    inputs = [rng.uniform(0, 1, (p.batch, w.shape[0])).astype(w.dtype) for w in ws]
    deltas = [rng.uniform(-1, 1, (p.batch, w.shape[1])).astype(w.dtype) for w in ws]
    batches = p.batches()

    def run() -> None:
        for batch in batches:
            inputs[0] = p.x[batch]
            for k, w in enumerate(ws):
                inputs[k] @ w
                inputs[k].T @ deltas[k]
                if k:
                    deltas[k] @ w.T

    return Case(run, lambda: None)


def _tensor_case(kind: str, engine: str, size: dict[str, Any]) -> Case:
    family, dt = engine.split("-")
    p = _tensor_problem(kind, size, {"f32": "float32", "f64": "float64"}[dt])
    if family in ("ours", "fused"):
        return _tensor_ours(p, fused=family == "fused")
    if family == "nn":
        return _tensor_nn(p)
    if family == "numpy":
        return _tensor_numpy(p)
    if family == "matmul":
        return _tensor_matmuls(p)
    return _tensor_torch(p, one_thread=family == "torch1")


# ---------------------------------------------------------------------------- deep
def _deep_case(engine: str, size: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Time and memory per node of backward through a long chain.

    The first backward (the warm-up) also measures the growth of the peak RSS; then
    `repeats` timed backward passes at n and at n / 10, and tracemalloc on a chain of
    ``memory_nodes``. micrograd only shows what its recursive walk does.
    """
    import resource

    if engine == "micrograd":
        from micrograd.engine import Value as MicroValue

        n = min(size["nodes"], MICROGRAD_DEEP_NODES)
        y = MicroValue(0.5)
        for _ in range(n):
            y = y.relu()
        try:
            y.backward()
        except RecursionError:
            return {"error": f"RecursionError in backward on a {n:,}-node chain"}
        return {"error": f"backward finished on a {n:,}-node chain (not timed)"}

    from deep_chain import bytes_per_node, chain

    n = size["nodes"]

    def timed_backward(nodes: int) -> tuple[float, float, float]:
        """(build seconds, backward wall seconds, backward CPU seconds)."""
        gc.collect()
        start = time.perf_counter()
        _, y = chain(nodes)
        built, cpu = time.perf_counter(), time.process_time()
        y.backward()
        return built - start, time.perf_counter() - built, time.process_time() - cpu

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timed_backward(n)
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before  # KiB
    runs = [timed_backward(n) for _ in range(repeats)]
    small = [timed_backward(n // 10)[1] for _ in range(repeats)]
    held, peak = bytes_per_node(size["memory_nodes"])
    walls = [r[1] for r in runs]
    return {
        "wall": walls,
        "cpu": [r[2] for r in runs],
        "loss": None,
        "extra": {
            "nodes": n,
            "build_s": statistics.median(r[0] for r in runs),
            "ns_per_node": statistics.median(walls) / n * 1e9,
            "ns_per_node_small": statistics.median(small) / (n // 10) * 1e9,
            "tracemalloc_nodes": size["memory_nodes"],
            "bytes_per_node_held": held,
            "bytes_per_node_peak": peak,
            "rss_bytes_per_node": rss_growth * 1024 / n,
        },
    }


# ---------------------------------------------------------------------------- machine peak
def _peak_case(size: dict[str, Any]) -> dict[str, Any]:
    """numpy's matmul GFLOP/s on a large square product, float64 and float32 (best of 5)."""
    n = size["n"]
    rng = _rng(5)
    gflops = {}
    for dtype in ("float64", "float32"):
        a = rng.uniform(-1, 1, (n, n)).astype(dtype)
        b = rng.uniform(-1, 1, (n, n)).astype(dtype)
        a @ b
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
        gflops[dtype] = 2.0 * n**3 / best / 1e9
    return {"wall": [], "cpu": [], "loss": None, "extra": {"n": n, "gflops": gflops}}


# ============================================================================ the harness
def _measure(case: Case, warmup: int, repeats: int) -> dict[str, Any]:
    for _ in range(warmup):
        case.run()
        if case.after:
            case.after()
    gc.collect()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        case.run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if case.after:
            case.after()
    return {
        "wall": walls,
        "cpu": cpus,
        "loss": case.loss(),
        "extra": case.extra() if case.extra else {},
    }


def run_case(workload: str, engine: str, warmup: int, repeats: int, quick: bool) -> dict[str, Any]:
    """Run one case in this process and return its measurements (what a case process prints)."""
    size = (QUICK_SIZES if quick else FULL_SIZES)[workload]
    if workload == "peak":
        return _peak_case(size)
    if workload == "deep":
        return _deep_case(engine, size, repeats)
    if workload == "scalar":
        return _measure(_scalar_case(engine, size), warmup, repeats)
    return _measure(_tensor_case(workload, engine, size), warmup, repeats)


def child_environment(threads: int) -> dict[str, str]:
    """The environment of every case: this one, with the thread variables pinned."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONHASHSEED"] = "0"
    return env


def _spawn(
    workload: str, engine: str, args: argparse.Namespace, env: dict[str, str]
) -> dict[str, Any]:
    """Run one case in a fresh interpreter: its result, or {"error": ...}."""
    command = [sys.executable, str(Path(__file__).resolve()), "--case", workload, engine]
    command += ["--warmup", str(args.warmup), "--repeats", str(args.repeats)]
    if args.quick:
        command.append("--quick")
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {"error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _available(engine: Engine) -> bool:
    return engine.needs is None or importlib.util.find_spec(engine.needs) is not None


def _row(engine: Engine, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One table row from every round of one case."""
    row: dict[str, Any] = {"engine": engine.key, "label": engine.label, "dtype": engine.dtype}
    if not _available(engine):
        note = f"skipped: {engine.needs} is not installed ({INSTALL_PEERS})"
        return {**row, "status": "skipped", "note": note}
    errors = [r["error"] for r in runs if r.get("error")]
    if errors:
        return {**row, "status": "failed", "note": errors[0]}
    walls = [t for r in runs for t in r["wall"]]
    cpus = [t for r in runs for t in r["cpu"]]
    return {
        **row,
        "status": "ok",
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "best": min(walls),
        "walls": walls,
        "cpus": cpus,
        "loss": runs[-1]["loss"],
        "round_losses": [r["loss"] for r in runs],
        "extra": runs[-1]["extra"],
    }


def _losses_agree(rows: list[dict[str, Any]]) -> tuple[bool, float | None]:
    """Whether every engine's loss, in every round, matches the first float64 engine's (or
    the first engine's), and the largest relative difference. (Rounds need not agree to
    the last bit: micrograd's graph walk follows set order, which varies between runs.)"""
    scored = [r for r in rows if r["status"] == "ok" and r["loss"] is not None]
    if not scored:
        return True, None
    ref = next((r for r in scored if r["dtype"] == "float64"), scored[0])
    worst, agree = 0.0, True
    for r in scored:
        tolerance = 1e-8 if r["dtype"] == ref["dtype"] == "float64" else 2e-3
        for loss in r["round_losses"]:
            diff = abs(loss - ref["loss"]) / max(1.0, abs(ref["loss"]))
            worst = max(worst, diff)
            agree = agree and diff <= tolerance
    return agree, worst


def _add_ratios(workload: Workload, rows: list[dict[str, Any]], size: dict[str, Any]) -> None:
    """Each row's wall and CPU time over its reference engine's, and achieved GFLOP/s."""
    by_key = {r["engine"]: r for r in rows if r["status"] == "ok"}
    for engine, row in zip(workload.engines, rows):
        if row["status"] != "ok":
            continue
        ref = by_key.get(engine.ref) if engine.ref else None
        row["ratio"] = row["wall"] / ref["wall"] if ref else None
        row["best_ratio"] = row["best"] / ref["best"] if ref else None
        row["cpu_ratio"] = row["cpu"] / ref["cpu"] if ref else None
        if workload.name in ("nielsen", "large"):
            flops = _matmul_flops(size["sizes"], size["batch"]) * _steps(workload.name, size)
            row["gflops"] = flops / row["wall"] / 1e9


def _steps(workload: str, size: dict[str, Any]) -> int:
    """SGD steps in one timed repeat of a tensor workload."""
    return size["samples"] // size["batch"] if workload == "nielsen" else size["steps"]


def _per_repeat(workload: Workload, size: dict[str, Any]) -> float:
    """Seconds of one timed repeat -> the table's unit (a repeat of "large" is many steps)."""
    return workload.scale / (_steps(workload.name, size) if workload.name == "large" else 1)


def _target_ratio(
    rows: dict[str, dict[str, Any]], sense: str, ours: str, peers: Sequence[str], key: str
) -> float | None:
    """A target's ratio from the rows' `key` times ("wall": medians, "best": minima)."""
    times = [rows[k][key] for k in peers if k in rows]
    if ours not in rows or not times:
        return None
    return min(times) / rows[ours][key] if sense == ">=" else rows[ours][key] / min(times)


def _targets(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each issue-7 target with the ratio measured in this run (None where a case is missing)."""
    out = []
    for name, sense, ours, peers, limit, aim in TARGETS:
        if name not in results:
            continue
        rows = {r["engine"]: r for r in results[name]["cases"] if r["status"] == "ok"}
        peer_text = " / ".join(f"{name}:{k}" for k in peers)
        if sense == ">=":
            text = f"{peer_text} time / {name}:{ours} time >= {limit:g}"
        else:
            text = f"{name}:{ours} time / {peer_text} time <= {limit:g}"
        value, best = (_target_ratio(rows, sense, ours, peers, key) for key in ("wall", "best"))
        met = None if value is None else (value >= limit if sense == ">=" else value <= limit)
        out.append(
            {"target": text, "value": value, "best": best, "limit": limit, "aim": aim, "met": met}
        )
    deep = results.get("deep")
    ours = next((r for r in deep["cases"] if r["status"] == "ok"), None) if deep else None
    if ours:
        extra = ours["extra"]
        held = extra["bytes_per_node_held"]
        growth = extra["ns_per_node"] / extra["ns_per_node_small"]
        out += [
            {
                "target": f"deep: bytes per node held (tracemalloc) <= {DEEP_BYTES_PER_NODE:g}",
                "value": held,
                "limit": DEEP_BYTES_PER_NODE,
                "aim": None,
                "met": held <= DEEP_BYTES_PER_NODE,
            },
            {
                "target": f"deep: time per node at n / at n/10 <= {LINEAR_TIME_SLACK:g} (linear)",
                "value": growth,
                "limit": LINEAR_TIME_SLACK,
                "aim": None,
                "met": growth <= LINEAR_TIME_SLACK,
            },
        ]
    return out


def machine_description(threads: int) -> dict[str, Any]:
    """CPU, cores, versions and BLAS: what a reader needs to compare a table with theirs."""
    cpu = platform.processor() or platform.machine()
    try:
        first = itertools.takewhile(bool, Path("/proc/cpuinfo").read_text().splitlines())
        info = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in first)}
        cpu = f"{info['model name']} (family {info['cpu family']}, model {info['model']})"
    except (OSError, KeyError, ValueError):
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config['name']} {config['version']}"
    except (TypeError, KeyError):  # numpy < 1.26 prints its configuration instead
        pass
    versions = {}
    for package in ("numpy", "torch", "micrograd"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "blas": blas,
        "versions": versions,
        "threads": threads,
    }


def run_benchmarks(args: argparse.Namespace) -> dict[str, Any]:
    """Run every selected workload on every available engine; the results as a dict."""
    env = child_environment(args.threads)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    results: dict[str, Any] = {}
    for name in args.workloads:
        workload = WORKLOADS[name]
        engines = [e for e in workload.engines if _available(e)]
        runs: dict[str, list[dict[str, Any]]] = {e.key: [] for e in engines}
        rounds = 1 if name == "deep" else args.rounds
        for r in range(rounds):
            shift = r % len(engines)
            for engine in engines[shift:] + engines[:shift]:
                print(f"  {name}: {engine.key} (round {r + 1}/{rounds})", file=sys.stderr)
                runs[engine.key].append(_spawn(name, engine.key, args, env))
        rows = [_row(engine, runs.get(engine.key, [])) for engine in workload.engines]
        _add_ratios(workload, rows, sizes[name])
        agree, worst = _losses_agree(rows)
        results[name] = {
            "title": workload.title,
            "unit": workload.unit,
            "per_repeat": _per_repeat(workload, sizes[name]),
            "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes[name].items()},
            "cases": rows,
            "losses_agree": agree,
            "max_loss_difference": worst,
        }
    peak = None
    if any(name in ("nielsen", "large") for name in args.workloads):
        print("  machine: numpy matmul peak", file=sys.stderr)
        peak = _spawn("peak", "numpy", args, env)
    return {
        "machine": machine_description(args.threads),
        "matmul_peak": None if peak is None or peak.get("error") else peak["extra"],
        "settings": {
            "rounds": args.rounds,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "quick": args.quick,
            "environment": {name: env[name] for name in THREAD_VARIABLES},
            "ratios_use": "wall time (time.perf_counter); cpu_ratio uses time.process_time",
            "statistic": "median of all timed repeats over all rounds",
        },
        "workloads": results,
        "targets": _targets(results),
    }


# ============================================================================ the table
def format_table(results: dict[str, Any]) -> str:
    """The results as plain-text tables: machine, one table per workload, then the targets."""
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    s = results["settings"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, {versions}; "
        f"BLAS {m['blas']}; OMP/MKL/OPENBLAS_NUM_THREADS={m['threads']}",
    ]
    peak = results.get("matmul_peak")
    if peak:
        lines.append(
            f"numpy matmul peak ({peak['n']}x{peak['n']} @ {peak['n']}x{peak['n']}): "
            + ", ".join(f"{dt} {g:.1f} GFLOP/s" for dt, g in peak["gflops"].items())
        )
    lines.append(
        f"median of {s['rounds']} rounds x {s['repeats']} repeats (after {s['warmup']} "
        "warm-up), each case in its own process, rounds interleaved; ratios use wall time"
        + (" [--quick: tiny sizes, the times mean nothing]" if s["quick"] else "")
    )
    for name, w in results["workloads"].items():
        lines += ["", f"{name}: {w['title']}"]
        if name == "deep":
            lines += _deep_lines(w)
            continue
        tensor = name in ("nielsen", "large")
        unit = w["unit"].split("/")[0]
        header = f"  {'engine':34} {'dtype':8} {'wall ' + unit:>9} {'cpu ' + unit:>9} {'ratio':>6}"
        header += f" {'best ' + unit:>9} {'ratio':>6}"
        lines.append(header + (f" {'GFLOP/s':>8}" if tensor else "") + "  loss")
        for r in w["cases"]:
            head = f"  {r['label']:34} {r['dtype']:8}"
            if r["status"] != "ok":
                lines.append(f"{head} {r['note']}")
                continue
            ratio, best_ratio = (
                f"{r[key]:6.2f}" if r[key] is not None else f"{'':6}"
                for key in ("ratio", "best_ratio")
            )
            row = f"{head} {r['wall'] * w['per_repeat']:9.4g} {r['cpu'] * w['per_repeat']:9.4g}"
            row += f" {ratio} {r['best'] * w['per_repeat']:9.4g} {best_ratio}"
            row += f" {r['gflops']:8.2f}" if tensor else ""
            loss = "-" if r["loss"] is None else f"{r['loss']:.10g}"
            lines.append(f"{row}  {loss}")
        ref = "ours (nn.scalar.ScalarMLP)" if name == "scalar" else "hand-written numpy, same dtype"
        diff = w["max_loss_difference"]
        lines.append(
            f"  unit {w['unit']}; ratio = wall time / {ref}'s (median, then best of all "
            "repeats); losses agree: "
            + ("yes" if w["losses_agree"] else "NO")
            + ("" if diff is None else f" (largest relative difference {diff:.1e})")
        )
    if results["targets"]:
        lines += ["", "targets (issue 7), judged on the median wall-time ratio:"]
        for t in results["targets"]:
            value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
            if t.get("best") is not None:
                value += f" (best of repeats: {t['best']:.2f})"
            verdict = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
            aim = f" (aim {t['aim']:g})" if t["aim"] else ""
            lines.append(f"  {t['target']}{aim}: {value} -> {verdict}")
    return "\n".join(lines)


def _deep_lines(w: dict[str, Any]) -> list[str]:
    lines = []
    for r in w["cases"]:
        if r["status"] != "ok":
            lines.append(f"  {r['label']:34} {r['note']}")
            continue
        e = r["extra"]
        lines += [
            f"  {r['label']:34} {e['nodes']:,} nodes: backward {r['wall']:.3f} s wall, "
            f"{r['cpu']:.3f} s cpu ({e['ns_per_node']:.0f} ns/node; {e['ns_per_node_small']:.0f} "
            f"ns/node at {e['nodes'] // 10:,}); build {e['build_s']:.3f} s",
            f"  {'':34} memory: {e['bytes_per_node_held']:.0f} B/node held after backward, "
            f"{e['bytes_per_node_peak']:.0f} B/node peak (tracemalloc, "
            f"{e['tracemalloc_nodes']:,}-node chain); {e['rss_bytes_per_node']:.0f} B/node "
            f"growth of peak RSS ({e['nodes']:,}-node chain)",
        ]
    return lines


# ============================================================================ command line
def build_parser() -> argparse.ArgumentParser:
    """The command-line options (also those of ``chaingrad bench``)."""
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workloads",
        type=lambda text: [w.strip() for w in text.split(",") if w.strip()],
        default=list(WORKLOADS),
        help=f"comma-separated, from {','.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per round (3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed repeats first (1)")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="OMP/MKL/OPENBLAS_NUM_THREADS for every case (default: all cores)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, 1 round of 1 repeat: a smoke run"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--case", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table (or JSON); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.case:
        workload, engine = args.case
        print(json.dumps(run_case(workload, engine, args.warmup, args.repeats, args.quick)))
        return 0
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown or not args.workloads:
        parser.error(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
    for option in ("rounds", "repeats", "threads"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be at least 0")
    if args.quick:
        args.rounds, args.repeats = 1, 1
    results = run_benchmarks(args)
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
