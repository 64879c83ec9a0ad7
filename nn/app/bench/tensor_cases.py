"""The tensor workloads' case builders: one training loop written for each engine.

"nielsen" is a 784-30-10 sigmoid MLP with the quadratic cost 1/(2m) sum |a - y|^2 (one
repeat is one epoch); "large" a ReLU MLP with softmax cross-entropy (one repeat is a
number of SGD steps). `tensor_problem` makes a workload's data and starting weights in
one dtype; each builder takes that `TensorProblem` and returns a `BenchCase`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cases import BenchCase, rng


@dataclass
class TensorProblem:
    """One tensor workload's data, weights and settings, as numpy arrays of one dtype."""

    kind: str  # "nielsen" (sigmoid, quadratic cost) or "large" (relu, cross-entropy)
    x: np.ndarray  # every batch's inputs, (steps * batch, n_in)
    targets: np.ndarray  # one-hot rows (nielsen) or int64 labels (large)
    weights: list[tuple[np.ndarray, np.ndarray]]  # per layer: W (in, out), b (out,)
    batch: int
    lr: float

    def batches(self) -> list[slice]:
        """The slices of `x` one SGD step each takes, in order."""
        return [slice(i, i + self.batch) for i in range(0, len(self.x), self.batch)]

    def activation(self, layer: int) -> str:
        """ "sigmoid", "relu" or "identity" after `layer` (counted from 0)."""
        if self.kind == "nielsen":
            return "sigmoid"
        return "relu" if layer < len(self.weights) - 1 else "identity"


def tensor_problem(kind: str, size: dict[str, Any], dtype: str) -> TensorProblem:
    """Inputs uniform in [0, 1), random labels, and the starting weights: N(0, 1) as
    Nielsen's network.py (nielsen) or U(+-1/sqrt(in)), PyTorch's default (large)."""
    data = rng(3)
    sizes = size["sizes"]
    n = size["samples"] if kind == "nielsen" else size["steps"] * size["batch"]
    x = data.uniform(0.0, 1.0, (n, sizes[0])).astype(dtype)
    labels = data.integers(0, sizes[-1], n)
    targets = np.eye(sizes[-1], dtype=dtype)[labels] if kind == "nielsen" else labels
    start = rng(2)
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        if kind == "nielsen":
            w, b = start.standard_normal((n_in, n_out)), start.standard_normal(n_out)
        else:
            bound = 1.0 / math.sqrt(n_in)
            w, b = start.uniform(-bound, bound, (n_in, n_out)), start.uniform(-bound, bound, n_out)
        weights.append((w.astype(dtype), b.astype(dtype)))
    return TensorProblem(kind, x, targets, weights, size["batch"], size["lr"])


def matmul_flops(sizes: Sequence[int], batch: int) -> float:
    """Flops of one step's matrix products: the forward product, the weight gradient and,
    for every layer but the first (the data needs none), the input gradient."""
    return sum(
        (2 if k == 0 else 3) * 2.0 * batch * n_in * n_out
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
    )


def _tensor_ours(p: TensorProblem, fused: bool) -> BenchCase:
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

    return BenchCase(run, lambda: state["loss"].item())


def tensor_plain(p: TensorProblem) -> BenchCase:
    """The public Tensor API written out: ``x @ W + b``, ``sigmoid``/``relu``, the cost as
    ``((a - y) ** 2).sum() * (0.5 / m)`` or `cross_entropy`, `nn.optim.SGD`."""
    return _tensor_ours(p, fused=False)


def tensor_fused(p: TensorProblem) -> BenchCase:
    """The fused operations `autograd.tensor_ops.linear` and `squared_error`."""
    return _tensor_ours(p, fused=True)


def tensor_traced(p: TensorProblem) -> BenchCase:
    """The plain Tensor loop's step (``x @ W + b``, ``sigmoid``, ``((a - y) ** 2).sum() *
    (0.5 / m)``) under `autograd.trace`: traced on the first batch, replayed after. Nielsen
    only: `cross_entropy` has no replay rule."""
    from chaingrad.autograd import Tensor, trace
    from chaingrad.nn.optim import SGD

    params = [Tensor(a, requires_grad=True) for w, b in p.weights for a in (w, b)]
    layers = list(zip(params[::2], params[1::2]))
    opt = SGD(params, lr=p.lr)
    half_over_m = 0.5 / p.batch

    def loss_of(x: Tensor, y: Tensor) -> Tensor:
        out = x
        for w, b in layers:
            out = (out @ w + b).sigmoid()
        return ((out - y) ** 2).sum() * half_over_m

    step = trace(loss_of)
    batches = p.batches()
    state: dict[str, Any] = {"loss": None}

    def run() -> None:
        for batch in batches:
            opt.zero_grad()
            loss = step(p.x[batch], p.targets[batch])
            opt.step()
        state["loss"] = loss

    return BenchCase(run, lambda: state["loss"].item())


def tensor_nn(p: TensorProblem) -> BenchCase:
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

    return BenchCase(run, lambda: state["loss"].item())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def tensor_numpy(p: TensorProblem) -> BenchCase:
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

    return BenchCase(run, lambda: state["loss"])


def _tensor_torch(p: TensorProblem, one_thread: bool) -> BenchCase:
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

    return BenchCase(
        run, lambda: state["loss"].item(), extra=lambda: {"threads": torch.get_num_threads()}
    )


def tensor_torch(p: TensorProblem) -> BenchCase:
    """PyTorch CPU eager with its default thread count: `torch.nn.Linear`, `torch.optim.SGD`."""
    return _tensor_torch(p, one_thread=False)


def tensor_torch1(p: TensorProblem) -> BenchCase:
    """The same after ``torch.set_num_threads(1)``."""
    return _tensor_torch(p, one_thread=True)


def tensor_matmuls(p: TensorProblem) -> BenchCase:
    """Only the matrix products of each step, on the real batches and fixed stand-ins: the
    physical floor of any numpy engine."""
    stand_ins = rng(4)
    ws = [w for w, _ in p.weights]
    inputs = [stand_ins.uniform(0, 1, (p.batch, w.shape[0])).astype(w.dtype) for w in ws]
    deltas = [stand_ins.uniform(-1, 1, (p.batch, w.shape[1])).astype(w.dtype) for w in ws]
    batches = p.batches()

    def run() -> None:
        for batch in batches:
            inputs[0] = p.x[batch]
            for k, w in enumerate(ws):
                inputs[k] @ w
                inputs[k].T @ deltas[k]
                if k:
                    deltas[k] @ w.T

    return BenchCase(run, lambda: None)
