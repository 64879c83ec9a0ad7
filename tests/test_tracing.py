"""Tests for `autograd.tracing` (``trace``): a replayed step gives the loss and the parameter
gradients of ``loss_of(Tensor(x), Tensor(y)); loss.backward()`` bit for bit.

Every comparison runs two copies of the same parameters side by side (`Twins`): one read by
the traced step, one by the normal path, both updated by the same in-place SGD step, and
compares the bytes of the loss and of every gradient after every call. Each test also counts
``step.replays``, so that none can pass by always taking the normal path.

Groups: every replay rule (`replay_rules.RULES`) in float64 and float32 with broadcasting and
reductions of every kind; reused nodes; Nielsen's 784-30-10 network; the guards (another
signature, a replaced parameter, a changed constant, data the normal path treats specially,
no_grad, detect_anomaly, gradients not zeroed or kept); refusals (`TraceError`); check=True;
the listing and constant folding; and a hypothesis property over random small MLPs.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from chaingrad.autograd import (
    Tensor,
    TraceError,
    detect_anomaly,
    no_grad,
    topological_order,
    trace,
    zero_grad,
)
from chaingrad.autograd.replay_rules import RULES
from chaingrad.autograd.tensor_ops import linear, squared_error
from hypothesis import given, settings
from hypothesis import strategies as st

DTYPES = (np.float64, np.float32)
DTYPE_IDS = ("float64", "float32")


# ---------------------------------------------------------------- the twins
def assert_same(got: np.ndarray | None, want: np.ndarray | None, what: str) -> None:
    """The same shape, dtype and bytes (both None counts as the same)."""
    if got is None or want is None:
        assert got is None and want is None, f"{what}: {got!r} vs {want!r}"
        return
    assert got.shape == want.shape and got.dtype == want.dtype, (
        f"{what}: {got.shape} {got.dtype} vs {want.shape} {want.dtype}"
    )
    if got.tobytes() != want.tobytes():
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max()
        pytest.fail(f"{what}: not the same bits (largest difference {diff:.3g})")


class Twins:
    """The same parameters twice: `traced` read by ``trace(build(traced))``, `plain` by
    ``build(plain)`` run the normal way. `build` takes a dict of parameters by name and
    returns the loss function of the step's arrays."""

    def __init__(
        self,
        build: Callable[[dict[str, Tensor]], Callable[..., Tensor]],
        inits: dict[str, np.ndarray],
        check: bool = False,
    ) -> None:
        self.traced = {n: Tensor(a.copy(), requires_grad=True, label=n) for n, a in inits.items()}
        self.plain = {n: Tensor(a.copy(), requires_grad=True, label=n) for n, a in inits.items()}
        self.step = trace(build(self.traced), check=check)
        self.loss_of = build(self.plain)

    def both(self) -> list[Tensor]:
        return [*self.traced.values(), *self.plain.values()]

    def call(self, *args: np.ndarray, zero: bool = True) -> None:
        """One call of each path on the same arrays, then compare every bit."""
        if zero:
            zero_grad(self.both())
        got = self.step(*args)
        want = self.loss_of(*(Tensor(a) for a in args))
        want.backward()
        assert_same(got.data, want.data, "loss")
        for name in self.traced:
            assert_same(self.traced[name].grad, self.plain[name].grad, f"gradient of {name}")

    def sgd(self, lr: float) -> None:
        """The in-place update training does: the traced step must see it and still replay."""
        for p in self.both():
            if p.grad is not None:
                p.data -= lr * p.grad

    def replace(self, name: str, new: np.ndarray) -> None:
        """``p.data = new_array`` on both copies."""
        self.traced[name].data = new.copy()
        self.plain[name].data = new.copy()


def array(rng: np.random.Generator, shape: tuple[int, ...], kind: str, dtype: Any) -> np.ndarray:
    """normal: N(0, 1); positive: in [1, 2); zeros: N(0, 1) with about a third exactly 0
    (+0.0 and -0.0)."""
    if kind == "positive":
        a = rng.uniform(1.0, 2.0, shape)
    else:
        a = rng.standard_normal(shape)
        if kind == "zeros":
            a = a * (rng.random(shape) < 0.6)  # x * False: 0.0 or -0.0
    return np.asarray(a, dtype=dtype)


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


# ---------------------------------------------------------------- 1. every replay rule
N, POS, ZEROS = "normal", "positive", "zeros"
Spec = dict[str, tuple[tuple[int, ...], str]]

# name: (parameters, arguments, loss of (parameters by name, *arguments)). A random
# cotangent argument ``r`` weights the result so that every entry of every gradient counts.
OP_CASES: dict[str, tuple[Spec, Spec, Callable[..., Tensor]]] = {
    # views: nothing to replay forward when they view their operand, the op's own backward
    "getitem of a parameter": (
        {"w": ((3, 4), N)},
        {"r": ((4,), N)},
        lambda P, r: (P["w"][0] * r).sum(),
    ),
    "getitem of data by an integer array": (
        {"w": ((2, 4), N)},
        {"x": ((5, 4), N)},
        lambda P, x: (x[[0, 2, 2]] @ P["w"].T).sum(),
    ),
    "reshape and transpose": (
        {"w": ((3, 4), N)},
        {"x": ((5, 3), N), "r": ((20,), N)},
        lambda P, x, r: ((x @ P["w"]).reshape(-1) * r).sum() + (P["w"].T * 2.0).sum(),
    ),
    "a reshape that copies": (
        {"w": ((4, 3), N)},
        {"x": ((5, 3), N)},
        lambda P, x: ((x @ P["w"].T).T.reshape(-1) * 1.5).sum(),
    ),
    # + - * with broadcasting, also where it changes rank
    "add bias (4,) + (5,4)": (
        {"b": ((4,), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((x + P["b"]) * r).sum(),
    ),
    "add (3,1) + (2,1,4)": (
        {"a": ((3, 1), N)},
        {"x": ((2, 1, 4), N), "r": ((2, 3, 4), N)},
        lambda P, x, r: ((P["a"] + x) * r).sum(),
    ),
    "add (3,1) + parameter (2,1,4)": (
        {"a": ((2, 1, 4), N)},
        {"x": ((3, 1), N), "r": ((2, 3, 4), N)},
        lambda P, x, r: ((x + P["a"]) * r).sum(),
    ),
    "add two parameters (3,1) + (2,1,4)": (
        {"a": ((3, 1), N), "c": ((2, 1, 4), N)},
        {"r": ((2, 3, 4), N)},
        lambda P, r: ((P["a"] + P["c"]) * r).sum(),
    ),
    "add a 0-d parameter": (
        {"s": ((), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((x + P["s"]) * r).sum(),
    ),
    "sub (3,1) - (2,1,4)": (
        {"a": ((3, 1), N)},
        {"x": ((2, 1, 4), N), "r": ((2, 3, 4), N)},
        lambda P, x, r: ((P["a"] - x) * r).sum(),
    ),
    "sub (2,1,4) - parameter (3,1)": (
        {"a": ((3, 1), N)},
        {"x": ((2, 1, 4), N), "r": ((2, 3, 4), N)},
        lambda P, x, r: ((x - P["a"]) * r).sum(),
    ),
    "sub two parameters (4,) - (5,4)": (
        {"a": ((4,), N), "c": ((5, 4), N)},
        {"r": ((5, 4), N)},
        lambda P, r: ((P["a"] - P["c"]) * r).sum(),
    ),
    "mul (3,1) * (2,1,4)": (
        {"a": ((3, 1), N)},
        {"x": ((2, 1, 4), N), "r": ((2, 3, 4), N)},
        lambda P, x, r: (P["a"] * x * r).sum(),
    ),
    "mul two parameters (2,1,4) * (3,1)": (
        {"a": ((2, 1, 4), N), "c": ((3, 1), N)},
        {"r": ((2, 3, 4), N)},
        lambda P, r: (P["a"] * P["c"] * r).sum(),
    ),
    "mul bias (4,) * (5,4)": (
        {"b": ((4,), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: (x * P["b"] * r).sum(),
    ),
    # / and unary minus (their own backward functions)
    "div parameter / data": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), POS), "r": ((5, 4), N)},
        lambda P, x, r: ((P["a"] / x) * r).sum(),
    ),
    "div data / parameter (4,)": (
        {"a": ((4,), POS)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((x / P["a"]) * r).sum(),
    ),
    "neg": (
        {"a": ((5, 4), N)},
        {"r": ((5, 4), N)},
        lambda P, r: ((-P["a"]) * r).sum(),
    ),
    # powers by a number
    "pow 2": ({"a": ((5, 4), N)}, {"r": ((5, 4), N)}, lambda P, r: (P["a"] ** 2 * r).sum()),
    "pow 3": ({"a": ((5, 4), N)}, {"r": ((5, 4), N)}, lambda P, r: (P["a"] ** 3 * r).sum()),
    "pow 0.5": ({"a": ((5, 4), POS)}, {"r": ((5, 4), N)}, lambda P, r: (P["a"] ** 0.5 * r).sum()),
    "pow -1": ({"a": ((5, 4), POS)}, {"r": ((5, 4), N)}, lambda P, r: (P["a"] ** -1 * r).sum()),
    "pow 2 of a broadcast difference": (
        {"a": ((4,), N)},
        {"x": ((5, 4), N)},
        lambda P, x: ((x - P["a"]) ** 2).sum(),
    ),
    # matrix products
    "matmul data @ W": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: ((x @ P["W"]) * r).sum(),
    ),
    "matmul W @ data": (
        {"W": ((3, 5), N)},
        {"x": ((5, 4), N), "r": ((3, 4), N)},
        lambda P, x, r: ((P["W"] @ x) * r).sum(),
    ),
    "matmul of two parameters": (
        {"A": ((3, 4), N), "B": ((4, 2), N)},
        {"r": ((3, 2), N)},
        lambda P, r: ((P["A"] @ P["B"]) * r).sum(),
    ),
    "linear with bias": (
        {"W": ((3, 4), N), "b": ((3,), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: (linear(x, P["W"], P["b"]) * r).sum(),
    ),
    "linear without bias": (
        {"W": ((3, 4), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: (linear(x, P["W"]) * r).sum(),
    ),
    "linear of a layer (the input's gradient)": (
        {"W1": ((3, 4), N), "b1": ((3,), N), "W2": ((2, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 2), N)},
        lambda P, x, r: (linear(linear(x, P["W1"], P["b1"]).tanh(), P["W2"]) * r).sum(),
    ),
    # entry-wise functions
    "sigmoid": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: ((x @ P["W"]).sigmoid() * r).sum(),
    ),
    "relu of data with exact zeros": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), ZEROS), "r": ((5, 4), N)},
        lambda P, x, r: ((P["a"] * x).relu() * r).sum(),
    ),
    "relu of a parameter with exact zeros": (  # relu'(0) = 0: the zeros stay zeros
        {"a": ((5, 4), ZEROS)},
        {"r": ((5, 4), N)},
        lambda P, r: (P["a"].relu() * r).sum(),
    ),
    "tanh": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: ((x @ P["W"]).tanh() * r).sum(),
    ),
    "exp": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((P["a"] * x).exp() * r).sum(),
    ),
    "log": (
        {"a": ((5, 4), POS)},
        {"x": ((5, 4), POS), "r": ((5, 4), N)},
        lambda P, x, r: ((P["a"] * x).log() * r).sum(),
    ),
    # sums: axis None, int, tuple, negative, keepdims both ways, size-1 axes
    "sum over everything": (
        {"a": ((3, 4), N)},
        {"x": ((3, 4), N)},
        lambda P, x: (P["a"] * x).sum(),
    ),
    "sum over everything, keepdims (a (1,1) loss)": (
        {"a": ((3, 4), N)},
        {"x": ((3, 4), N)},
        lambda P, x: (P["a"] * x).sum(keepdims=True),
    ),
    "sum axis 0": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((4,), N)},
        lambda P, x, r: ((P["a"] * x).sum(0) * r).sum(),
    ),
    "sum axis -1 keepdims": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((5, 1), N)},
        lambda P, x, r: ((P["a"] * x).sum(-1, keepdims=True) * r).sum(),
    ),
    "sum axes (0, 2)": (
        {"a": ((2, 3, 4), N)},
        {"r": ((3,), N)},
        lambda P, r: (P["a"].sum((0, 2)) * r).sum(),
    ),
    "sum axes (0, 2) keepdims": (
        {"a": ((2, 3, 4), N)},
        {"r": ((1, 3, 1), N)},
        lambda P, r: (P["a"].sum((0, 2), keepdims=True) * r).sum(),
    ),
    "sum over a size-1 axis": (
        {"a": ((3, 1, 4), N)},
        {"r": ((3, 4), N)},
        lambda P, r: (P["a"].sum(1) * r).sum(),
    ),
    "sum over a size-1 axis keepdims": (
        {"a": ((3, 1, 4), N)},
        {"r": ((3, 1, 4), N)},
        lambda P, r: (P["a"].sum(1, keepdims=True) * r).sum(),
    ),
    "sum axes (0, 1) with a size-1 axis": (
        {"a": ((3, 1, 4), N)},
        {"r": ((4,), N)},
        lambda P, r: (P["a"].sum((0, 1)) * r).sum(),
    ),
    # means, the same variety
    "mean over everything": (
        {"a": ((3, 4), N)},
        {"x": ((3, 4), N)},
        lambda P, x: (P["a"] * x).mean(),
    ),
    "mean over everything, keepdims": (
        {"a": ((3, 4), N)},
        {"x": ((3, 4), N)},
        lambda P, x: (P["a"] * x).mean(keepdims=True),
    ),
    "mean axis 1": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((5,), N)},
        lambda P, x, r: ((P["a"] * x).mean(1) * r).sum(),
    ),
    "mean axis 0 keepdims": (
        {"a": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((1, 4), N)},
        lambda P, x, r: ((P["a"] * x).mean(0, keepdims=True) * r).sum(),
    ),
    "mean axes (0, 2)": (
        {"a": ((2, 3, 4), N)},
        {"r": ((3,), N)},
        lambda P, r: (P["a"].mean((0, 2)) * r).sum(),
    ),
    "mean axes (-1, 0) keepdims": (
        {"a": ((2, 3, 4), N)},
        {"r": ((1, 3, 1), N)},
        lambda P, r: (P["a"].mean((-1, 0), keepdims=True) * r).sum(),
    ),
    "mean over a size-1 axis": (
        {"a": ((3, 1, 4), N)},
        {"r": ((3, 4), N)},
        lambda P, r: (P["a"].mean(1) * r).sum(),
    ),
    "mean over a size-1 axis keepdims": (
        {"a": ((3, 1, 4), N)},
        {"r": ((3, 1, 4), N)},
        lambda P, r: (P["a"].mean(1, keepdims=True) * r).sum(),
    ),
    # the fused quadratic cost
    "squared_error": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "y": ((5, 3), N)},
        lambda P, x, y: squared_error(x @ P["W"], y, 0.05),
    ),
    "squared_error with a broadcast target (3,)": (
        {"W": ((3, 4), N), "b": ((3,), N)},
        {"x": ((5, 4), N), "t": ((3,), N)},
        lambda P, x, t: squared_error(linear(x, P["W"], P["b"]), t, 0.5),
    ),
    "squared_error with a broadcast parameter as b": (
        {"a": ((4,), N)},
        {"y": ((5, 4), N)},
        lambda P, y: squared_error(y, P["a"]),
    ),
    "squared_error of two parameters": (
        {"a": ((5, 4), N), "c": ((4,), N)},
        {"x": ((5, 4), N)},
        lambda P, x: squared_error(P["a"] * x, P["c"], 0.25),
    ),
}


def case_twins(name: str, cases: dict, dtype: Any, check: bool = False) -> tuple[Twins, Callable]:
    """The twins of a case, and a function giving fresh arguments."""
    params, args, fn = cases[name]
    rng = rng_for(name)
    inits = {n: array(rng, shape, kind, dtype) for n, (shape, kind) in params.items()}
    twins = Twins(lambda P: functools.partial(fn, P), inits, check)
    return twins, lambda: [array(rng, shape, kind, dtype) for shape, kind in args.values()]


def rules_used(cases: dict) -> set:
    used = set()
    for name in cases:
        twins, data = case_twins(name, cases, np.float64)
        loss = twins.loss_of(*(Tensor(a) for a in data()))
        used |= {node._rule for node in topological_order(loss) if node._parents}
    return used


def test_the_cases_use_every_op_that_has_a_replay_rule():
    missing = set(RULES) - rules_used(OP_CASES)
    assert not missing, f"no case uses {sorted(op.name for op in missing)}"


@pytest.mark.filterwarnings("error")  # a replayed call numpy deprecates fails too
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(OP_CASES))
def test_every_replay_rule_gives_the_bits_of_backward(name, dtype):
    twins, data = case_twins(name, OP_CASES, dtype)
    for _ in range(4):
        twins.call(*data())
        twins.sgd(0.01)
    assert (twins.step.normal, twins.step.replays, len(twins.step.programs)) == (1, 3, 1)


def test_relu_at_exact_zeros_gives_zero_gradient_in_a_replay():
    a0 = np.array([[0.0, -0.0, 1.5, -2.0]])
    twins = Twins(lambda P: lambda r: (P["a"].relu() * r).sum(), {"a": a0})
    for _ in range(3):
        twins.call(np.array([[3.0, -4.0, 5.0, 6.0]]))
    assert twins.step.replays == 2
    assert twins.traced["a"].grad.tolist() == [[0.0, 0.0, 5.0, 0.0]]


# ---------------------------------------------------------------- 2. reused nodes
REUSED: dict[str, tuple[Spec, Spec, Callable[..., Tensor]]] = {
    "a * a (a parameter)": (
        {"a": ((5, 4), N)},
        {"r": ((5, 4), N)},
        lambda P, r: (P["a"] * P["a"] * r).sum(),
    ),
    "h * h (h a node)": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: (((h := x @ P["W"]) * h) * r).sum(),
    ),
    "b = a + a; c = b * b (a a parameter)": (
        {"a": ((5, 4), N)},
        {"r": ((5, 4), N)},
        lambda P, r: (((b := P["a"] + P["a"]) * b) * r).sum(),
    ),
    "b = a + a; c = b * b (a a node)": (
        {"W": ((4, 3), N)},
        {"x": ((5, 4), N), "r": ((5, 3), N)},
        lambda P, x, r: (((b := (a := x @ P["W"]) + a) * b) * r).sum(),
    ),
    "a parameter used in two layers": (
        {"W": ((4, 4), N), "b": ((4,), N)},
        {"x": ((3, 4), N), "r": ((3, 4), N)},
        lambda P, x, r: ((((x @ P["W"] + P["b"]).tanh() @ P["W"]) + P["b"]).sigmoid() * r).sum(),
    ),
    "(w + x).sum(): w's gradient passed through": (
        {"w": ((5, 4), N)},
        {"x": ((5, 4), N)},
        lambda P, x: (P["w"] + x).sum(),
    ),
    "(w + x) * r: w's first gradient is another node's": (
        {"w": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((P["w"] + x) * r).sum(),
    ),
    "the loss is a parameter itself": (  # its gradient is the seed: handed out, a copy
        {"w": ((), N)},
        {"x": ((2,), N)},
        lambda P, x: P["w"],
    ),
    "w - x then a second use of w": (
        {"w": ((5, 4), N)},
        {"x": ((5, 4), N), "r": ((5, 4), N)},
        lambda P, x, r: ((P["w"] - x) * r + P["w"] * 0.5).sum(),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(REUSED))
def test_reused_nodes_and_passed_through_gradients(name, dtype):
    twins, data = case_twins(name, REUSED, dtype)
    for _ in range(4):
        twins.call(*data())
        for p in twins.both():  # clipping in place: must not leak into the next replay
            p.grad *= 0.5
        twins.sgd(0.01)
    assert (twins.step.replays, len(twins.step.programs)) == (3, 1)


@pytest.mark.parametrize("form", ["s + s + s", "(s - s) + s * 3"])
def test_a_0d_node_used_three_times(form):
    """backward() once lost the third contribution to a 0-d gradient (numpy made the sum of
    two 0-d arrays a scalar, and `+=` on it changed nothing): traced and untraced agree."""

    def build(P):
        def loss_of(x):
            s = (P["w"] * x).sum()
            return s + s + s if form == "s + s + s" else (s - s) + s * 3.0

        return loss_of

    twins = Twins(build, {"w": np.array([1.0, -2.0, 0.5])})
    x = np.array([1.0, 2.0, 3.0])
    for _ in range(3):
        twins.call(x)
        assert twins.plain["w"].grad.tolist() == [3.0, 6.0, 9.0]


# ---------------------------------------------------------------- 3. Nielsen's network
def nielsen_inits(dtype: Any, fused: bool) -> dict[str, np.ndarray]:
    """784-30-10 weights N(0, 1), as Nielsen's network.py; (out, in) for `linear`."""
    rng = np.random.default_rng(2)
    inits = {}
    for k, (n_in, n_out) in enumerate(((784, 30), (30, 10)), 1):
        w = rng.standard_normal((n_in, n_out))
        inits[f"W{k}"] = (w.T.copy() if fused else w).astype(dtype)
        inits[f"b{k}"] = rng.standard_normal(n_out).astype(dtype)
    return inits


def nielsen_loss(P: dict[str, Tensor], fused: bool) -> Callable[..., Tensor]:
    def loss_of(x: Tensor, y: Tensor) -> Tensor:
        a = x
        for k in (1, 2):
            w, b = P[f"W{k}"], P[f"b{k}"]
            a = (linear(a, w, b) if fused else a @ w + b).sigmoid()
        if fused:
            return squared_error(a, y, 0.5 / len(x))
        return ((a - y) ** 2).sum() * (0.5 / len(x))

    return loss_of


@pytest.mark.parametrize("fused", [False, True], ids=["operators", "linear+squared_error"])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_nielsen_784_30_10_sigmoid_network_five_sgd_steps(dtype, fused):
    twins = Twins(lambda P: nielsen_loss(P, fused), nielsen_inits(dtype, fused))
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = rng.uniform(0.0, 1.0, (10, 784)).astype(dtype)
        y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 10)]
        twins.call(x, y)
        twins.sgd(3.0)
    assert (twins.step.normal, twins.step.replays) == (1, 4)


# ---------------------------------------------------------------- 4. guards and fallbacks
def tanh_twins(dtype: Any = np.float64, check: bool = False) -> Twins:
    rng = np.random.default_rng(5)
    return Twins(
        lambda P: lambda x, r: ((x @ P["W"] + P["b"]).tanh() * r).sum(),
        {"W": array(rng, (3, 4), N, dtype), "b": array(rng, (4,), N, dtype)},
        check,
    )


def tanh_data(rng: np.random.Generator, n: int = 5, dtype: Any = np.float64) -> list[np.ndarray]:
    return [array(rng, (n, 3), N, dtype), array(rng, (n, 4), N, dtype)]


def test_another_signature_traces_again_and_an_old_one_is_reused():
    # float32 data picks float32 parameters: one program per signature, side by side
    rng = np.random.default_rng(6)
    inits = {"W64": array(rng, (3, 4), N, np.float64), "W32": array(rng, (3, 4), N, np.float32)}

    def build(P):
        return lambda x, r: ((x @ P["W32" if x.dtype == np.float32 else "W64"]).tanh() * r).sum()

    twins = Twins(build, inits)
    step = twins.step
    calls = [(5, np.float64), (5, np.float64), (7, np.float64), (5, np.float32)]
    calls += [(5, np.float64), (7, np.float64), (5, np.float32), (7, np.float64)]
    seen = []
    for n, dtype in calls:
        twins.call(*tanh_data(rng, n, dtype))
        twins.sgd(0.05)
        seen.append((len(step.programs), step.normal, step.replays))
    assert seen == [(1, 1, 0), (1, 1, 1), (2, 2, 1), (3, 3, 1)] + [(3, 3, k) for k in (2, 3, 4, 5)]


def test_a_replaced_parameter_traces_again_and_still_matches():
    twins = tanh_twins()
    rng = np.random.default_rng(7)
    twins.call(*tanh_data(rng))
    twins.call(*tanh_data(rng))
    twins.replace("W", twins.plain["W"].data * 0.5)  # a new array: the program's is stale
    twins.call(*tanh_data(rng))
    assert (twins.step.normal, twins.step.replays, len(twins.step.programs)) == (2, 1, 1)
    twins.sgd(0.1)
    twins.call(*tanh_data(rng))
    assert twins.step.replays == 2


@pytest.mark.parametrize("change", ["assign a new array", "subtract in place"])
def test_a_changed_constant_tensor_traces_again(change):
    # The gradient of x @ W is r * C: with the seed and C fixed, C enters a folded product.
    rng = np.random.default_rng(8)
    C = Tensor(rng.standard_normal((5, 4)))
    twins = Twins(lambda P: lambda x: ((x @ P["W"]) * C).sum(), {"W": array(rng, (3, 4), N, None)})
    x = array(rng, (5, 3), N, np.float64)
    twins.call(x)
    twins.call(x)
    if change == "assign a new array":
        C.data = C.data + 1.0
    else:
        C.data -= 1.0
    twins.call(x)
    assert (twins.step.normal, twins.step.replays) == (2, 1)
    twins.call(x)
    assert twins.step.replays == 2


def test_a_changed_constant_read_outside_the_graph_traces_again():
    """C * 2.0 involves no parameter; while tracing it is recorded all the same, so the
    replay recomputes it and the guard on C sees C change."""
    rng = np.random.default_rng(8)
    C = Tensor(rng.standard_normal((5, 4)))
    twins = Twins(
        lambda P: lambda x: ((x @ P["W"]) * (C * 2.0)).sum(), {"W": array(rng, (3, 4), N, None)}
    )
    x = array(rng, (5, 3), N, np.float64)
    twins.call(x)
    twins.call(x)
    C.data = C.data + 1.0
    twins.call(x)


def test_check_finds_an_array_changed_in_place_that_the_trace_copied():
    """Writes into an array's entries are not tracked (as for backward() itself): the
    trace keeps the copy `x @ W * arr` made; check=True finds the difference."""
    rng = np.random.default_rng(8)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, label="W")
    arr = rng.standard_normal((5, 4))
    step = trace(lambda x: ((x @ W) * arr).sum(), check=True)
    x = array(rng, (5, 3), N, np.float64)
    step(x)
    step(x)
    arr += 1.0
    with pytest.raises(TraceError, match="check=True"):
        step(x)


@pytest.mark.parametrize(("dtype", "low"), [(np.float64, -800.0), (np.float32, -100.0)])
def test_a_sigmoid_input_beyond_the_exp_limit_takes_the_normal_path(dtype, low):
    rng = np.random.default_rng(9)
    twins = Twins(
        lambda P: lambda x, r: ((x + P["a"]).sigmoid() * r).sum(), {"a": array(rng, (4,), N, dtype)}
    )
    r = array(rng, (5, 4), N, dtype)
    twins.call(array(rng, (5, 4), N, dtype), r)
    twins.call(array(rng, (5, 4), N, dtype), r)
    extreme = array(rng, (5, 4), N, dtype)
    extreme[2, 1] = low
    twins.call(extreme, r)
    assert (twins.step.normal, twins.step.replays) == (2, 1)
    twins.call(array(rng, (5, 4), N, dtype), r)  # and back: the program is kept
    assert (twins.step.normal, twins.step.replays, len(twins.step.programs)) == (2, 2, 1)


def test_an_argument_whose_squares_overflow_takes_the_normal_path():
    twins = tanh_twins()
    rng = np.random.default_rng(10)
    twins.call(*tanh_data(rng))
    x, r = tanh_data(rng)
    x[0, 0] = 1e200  # finite, but the guard's sum of squares is not
    twins.call(x, r)
    assert (twins.step.normal, twins.step.replays) == (2, 0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("when", ["first call", "later call"])
def test_a_non_finite_argument_raises_the_error_of_the_untraced_path(bad, when):
    twins = tanh_twins()
    rng = np.random.default_rng(11)
    if when == "later call":
        twins.call(*tanh_data(rng))
        twins.call(*tanh_data(rng))
    x, r = tanh_data(rng)
    x[1, 2] = bad
    W = twins.traced["W"]
    W.grad = before = np.full(W.shape, 0.25)
    with pytest.raises(ValueError) as traced:
        twins.step(x, r)
    with pytest.raises(ValueError) as plain:
        twins.loss_of(Tensor(x), Tensor(r))
    assert str(traced.value) == str(plain.value)
    assert W.grad is before and (before == 0.25).all()


def test_an_argument_of_a_shape_that_does_not_fit_raises_the_error_of_the_untraced_path():
    twins = tanh_twins()
    rng = np.random.default_rng(11)
    twins.call(*tanh_data(rng))
    x, r = array(rng, (5, 2), N, np.float64), array(rng, (5, 4), N, np.float64)
    with pytest.raises(ValueError) as traced:  # a new signature: traced, and refused by matmul
        twins.step(x, r)
    with pytest.raises(ValueError) as plain:
        twins.loss_of(Tensor(x), Tensor(r))
    assert str(traced.value) == str(plain.value)
    assert "'W'" in str(traced.value)


@pytest.mark.parametrize("when", ["first call", "later call"])
def test_no_grad_takes_the_normal_path_and_gives_its_error(when):
    twins = tanh_twins()
    rng = np.random.default_rng(12)
    if when == "later call":
        twins.call(*tanh_data(rng))
        twins.call(*tanh_data(rng))
    normal, replays = twins.step.normal, twins.step.replays
    x, r = tanh_data(rng)
    with no_grad():
        with pytest.raises(RuntimeError) as traced:
            twins.step(x, r)
        with pytest.raises(RuntimeError) as plain:
            twins.loss_of(Tensor(x), Tensor(r)).backward()
    assert str(traced.value) == str(plain.value)
    assert (twins.step.normal, twins.step.replays) == (normal + 1, replays)
    twins.call(x, r)  # grad mode back on: the program (if any) runs again
    assert twins.step.replays == replays + (when == "later call")


def test_detect_anomaly_takes_the_normal_path():
    twins = tanh_twins()
    rng = np.random.default_rng(13)
    twins.call(*tanh_data(rng))
    with detect_anomaly():
        twins.call(*tanh_data(rng))
        twins.call(*tanh_data(rng))
    assert (twins.step.normal, twins.step.replays) == (3, 0)
    twins.call(*tanh_data(rng))
    assert twins.step.replays == 1


@pytest.mark.parametrize("name", ["tanh layer", "a parameter used in two layers"])
def test_gradients_not_zeroed_accumulate_exactly_as_backward_does(name):
    if name == "tanh layer":
        twins, rng = tanh_twins(), np.random.default_rng(14)
        data = functools.partial(tanh_data, rng)
    else:
        twins, data = case_twins(name, REUSED, np.float64)
    for _ in range(5):
        twins.call(*data(), zero=False)
        twins.sgd(0.01)
    if name == "tanh layer":  # one contribution per parameter: old + g, as backward()
        assert twins.step.replays == 4
    else:  # (old + g1) + g2 is backward()'s sum: the normal path makes it
        assert (twins.step.normal, twins.step.replays) == (5, 0)
        twins.call(*data())  # zeroed: the program runs again
        assert twins.step.replays == 1


@pytest.mark.parametrize("zero", [True, False], ids=["zeroed", "not zeroed"])
def test_a_gradient_kept_from_the_previous_step_is_not_changed(zero):
    twins = tanh_twins()
    rng = np.random.default_rng(15)
    twins.call(*tanh_data(rng))
    twins.call(*tanh_data(rng))  # a replay: W.grad is the program's array
    assert twins.step.replays == 1
    kept = twins.traced["W"].grad
    snapshot = kept.copy()
    twins.call(*tanh_data(rng), zero=zero)
    assert kept.tobytes() == snapshot.tobytes()
    assert twins.traced["W"].grad is not kept
    twins.call(*tanh_data(rng), zero=zero)  # and the step goes on replaying
    assert kept.tobytes() == snapshot.tobytes()
    assert twins.step.replays >= 2


# ---------------------------------------------------------------- 5. refusals
def refusal_setup(fn: Callable[..., Tensor], w_shape=(3, 4), w_dtype=np.float64):
    rng = np.random.default_rng(16)
    W = Tensor(rng.standard_normal(w_shape).astype(w_dtype), requires_grad=True, label="W")
    b = Tensor(np.zeros(4), requires_grad=True, label="b")
    W.grad = np.full(W.shape, 0.5, dtype=W.dtype)
    return W, b, trace(functools.partial(fn, W, b))


X, R = np.ones((5, 3)), np.ones((5, 4))
REFUSALS: dict[str, tuple[Callable, dict, tuple, tuple[str, ...]]] = {
    # name: (loss of (W, b, x, r), setup options, arguments, message fragments)
    "softmax (no replay rule)": (
        lambda W, b, x, r: ((x @ W).softmax() * r).sum(),
        {},
        (X, R),
        ("'softmax'", "no replay rule", "matmul", "without trace"),
    ),
    "a loss that is not one number": (
        lambda W, b, x, r: (x @ W) * r,
        {},
        (X, R),
        ("one-number loss", "(5, 4)"),
    ),
    "an argument that requires grad": (
        lambda W, b, x, r: ((x @ W) * r).sum(),
        {},
        (Tensor(X, requires_grad=True), R),
        ("argument 'x' requires grad", "closure"),
    ),
    "an argument that is a string": (
        lambda W, b, x, r: ((x @ W) * r).sum(),
        {},
        ("X", R),
        ("argument 'x' is a str", "closure"),
    ),
    "float32 data with float64 parameters": (
        lambda W, b, x, r: ((x @ W) * r).sum(),
        {},
        (X.astype(np.float32), R.astype(np.float32)),
        ("mixes", "float32", "float64", "one float type"),
    ),
    "float32 parameter with float64 data": (
        lambda W, b, x, r: ((x @ W + b) * r).sum(),
        {"w_dtype": np.float32},
        (X, R),
        ("mixes", "float32", "float64", "one float type"),
    ),
    "a loss that depends on no parameter": (
        lambda W, b, x, r: (x * x).sum() + r.sum(),
        {},
        (X, R),
        ("depends on no parameter",),
    ),
    "a 1-D matmul": (
        lambda W, b, x, r: ((x @ W) * r).sum(),
        {"w_shape": (3,)},
        (X, np.ones(5)),
        ("matmul", "(5,3)", "(3,)", "2-D"),
    ),
    "squared_error of two 0-d operands": (
        lambda W, b, x, r: squared_error((x @ W).sum(), r.sum(), 0.5),
        {},
        (X, R),
        ("squared_error", "0-d", "keepdims=True", "without trace"),
    ),
    "a sigmoid beyond the exp limit when traced": (
        lambda W, b, x, r: ((x @ W - 1000.0).sigmoid() * r).sum(),
        {},
        (X, R),
        ("sigmoid", "-709", "typical data"),
    ),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_name_the_problem_in_one_line_and_change_no_gradient(name):
    fn, options, args, fragments = REFUSALS[name]
    W, b, step = refusal_setup(fn, **options)
    before = W.grad
    snapshot = before.copy()
    for _ in range(2):  # refused every time: nothing half-made is kept
        with pytest.raises(TraceError) as refused:
            step(*args)
        message = str(refused.value)
        assert "\n" not in message and message.startswith("trace")
        for fragment in fragments:
            assert fragment in message, message
        assert W.grad is before and W.grad.tobytes() == snapshot.tobytes()
        assert b.grad is None
    assert (step.programs, step.replays) == ({}, 0)


# ---------------------------------------------------------------- 6. check=True
FACTOR = 1.0  # a module-level number a step reads: a trace fixes it


def test_check_finds_a_step_that_reads_a_changing_module_level_number(monkeypatch):
    rng = np.random.default_rng(17)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, label="W")
    step = trace(lambda x, r: ((x @ W).tanh() * r * FACTOR).sum(), check=True)
    x, r = tanh_data(rng)
    step(x, r)
    step(x, r)  # FACTOR unchanged: both paths agree
    assert step.replays == 1
    monkeypatch.setattr(sys.modules[__name__], "FACTOR", 2.0)
    with pytest.raises(TraceError, match=r"check=True.*gradient of W differs"):
        step(x, r)


def test_check_passes_a_correct_step_and_still_replays():
    twins = tanh_twins(check=True)
    rng = np.random.default_rng(18)
    for _ in range(4):
        twins.call(*tanh_data(rng))
        twins.sgd(0.1)
    assert (twins.step.normal, twins.step.replays) == (4, 3)  # check runs both paths


# ---------------------------------------------------------------- 7. the listing
def test_the_listing_names_the_ops_and_the_parameters_and_folds_constants():
    rng = np.random.default_rng(19)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, label="W")
    b = Tensor(rng.standard_normal(4), requires_grad=True, label="b")

    def loss_of(x, y):
        o = (x @ W + b).sigmoid().named("o")
        sq = ((o - y) ** 2).named("sq")
        return (sq.sum().named("total") * 0.05).named("loss")

    step = trace(loss_of)
    assert step.listing().startswith("(not traced yet")
    step(*tanh_data(rng))
    lines = step.listing().splitlines()
    header, calls = lines[0], [line for line in lines[1:] if not line.startswith("#")]
    guards = sum(line.startswith("refuse_if(") for line in calls)
    assert header.startswith(
        f"# {len(calls) - guards} numpy calls and {guards} guards; arguments x, y; parameters "
    )
    assert "# computed once, while compiling: dsq" in lines and "# backward" in lines
    assert sorted(header.split("parameters ")[1].split(", ")) == ["W", "b"]
    text = "\n".join(calls)
    for op in ("matmul", "reciprocal", "exp", "square", "add.reduce"):
        assert re.search(rf"<- {re.escape(op)}\(", text), op
    assert re.search(r"^dW <- matmul\(x\.T, ", text, re.M)
    assert re.search(r"^db <- add\.reduce\(", text, re.M)
    # The forward part ends with the loss; the backward part has no call for `* 0.05`
    # and none for the sum's spread: both read only constants, so they ran when compiling.
    end = calls.index("loss <- multiply(total, 0.05)")
    backward = calls[end + 1 :]
    assert not any("0.05" in line for line in backward)
    assert not any(line.startswith(("dloss ", "dtotal ", "dsq ")) for line in backward)
    assert not any("copy_into" in line for line in calls)
    assert any("dsq" in line for line in backward)  # the folded spread is read as it is
    # what is left: d(o - y)**2 (2 calls), sigmoid (3), the bias's sum (1), dW (1)
    assert len(backward) == 7, "\n".join(backward)


# ---------------------------------------------------------------- 8. random small MLPs
ACTIVATIONS = {"sigmoid": Tensor.sigmoid, "relu": Tensor.relu, "tanh": Tensor.tanh}
SQUARED_ERRORS = {
    "((o - y) ** 2).sum() * (0.5 / n)": lambda o, y, n: ((o - y) ** 2).sum() * (0.5 / n),
    "((o - y) ** 2).mean()": lambda o, y, n: ((o - y) ** 2).mean(),
    "squared_error(o, y, 0.5 / n)": lambda o, y, n: squared_error(o, y, 0.5 / n),
    "squared_error(o, y)": lambda o, y, n: squared_error(o, y),
}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    sizes=st.lists(st.integers(1, 8), min_size=2, max_size=4),
    batch=st.integers(1, 6),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    loss=st.sampled_from(sorted(SQUARED_ERRORS)),
    fused=st.booleans(),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**16),
)
def test_random_mlps_replay_the_gradients_of_backward(
    sizes, batch, activation, loss, fused, dtype, seed
):
    rng = np.random.default_rng(seed)
    layers = list(itertools.pairwise(sizes))
    inits = {}
    for k, (n_in, n_out) in enumerate(layers):
        inits[f"W{k}"] = array(rng, (n_out, n_in) if fused else (n_in, n_out), N, dtype)
        inits[f"b{k}"] = array(rng, (n_out,), N, dtype)
    act, cost = ACTIVATIONS[activation], SQUARED_ERRORS[loss]

    def build(P):
        def loss_of(x, y):
            a = x
            for k in range(len(layers)):
                w, b = P[f"W{k}"], P[f"b{k}"]
                a = act(linear(a, w, b) if fused else a @ w + b)
            return cost(a, y, batch)

        return loss_of

    twins = Twins(build, inits)
    for _ in range(3):
        twins.call(
            array(rng, (batch, sizes[0]), N, dtype), array(rng, (batch, sizes[-1]), N, dtype)
        )
        twins.sgd(0.1)
    assert twins.step.replays == 2


def test_two_threads_calling_one_step_get_each_their_own_loss():
    """A program's arrays are shared: calls from several threads run one at a time."""
    import threading

    rng = np.random.default_rng(31)
    W = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    step = trace(lambda x: ((x @ W).sigmoid() ** 2).sum())
    data = [rng.standard_normal((4, 6)) for _ in range(2)]
    want = [((Tensor(x) @ W).sigmoid() ** 2).sum().item() for x in data]
    step(data[0])
    wrong: list[float] = []

    def work(k: int) -> None:
        for _ in range(200):
            got = step(data[k]).item()
            if got != want[k]:
                wrong.append(got)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and step.replays == 400


# ---------------------------------------------------------------- the program as a function
def test_as_function_runs_the_calls_in_order_and_turns_guards_into_fallbacks():
    from chaingrad.autograd.compiling import Fallback, as_function, refuse_if

    a, out = np.array([1.0, -2.0]), np.empty(2)
    seen: list[Any] = []

    def note(*args: Any) -> None:
        seen.append(args)

    run = as_function([(np.negative, (a, out)), (note, (out, 3, None, (0, 1), 0.5))])
    run()
    assert out.tolist() == [-1.0, 2.0]
    assert seen == [(out, 3, None, (0, 1), 0.5)] and seen[0][0] is out  # the arrays themselves
    guarded = as_function([(refuse_if, (lambda x: bool(x.min() < 0), a)), (note, (a,))])
    with pytest.raises(Fallback):
        guarded()
    assert len(seen) == 1  # the guard stopped the calls after it
    as_function([])()  # an empty program is a function too
