"""Threads: two models train at once and get exactly what each gets alone; `no_grad` and
`detect_anomaly` switch only the thread that enters them; backward passes from several
threads through one graph, or graphs sharing leaves, give every call its full gradient.

Thread switches are made frequent (``sys.setswitchinterval``) so the two threads interleave
at almost every operation; a grad mode or anomaly flag shared between threads would then
change one thread's results or raise in the wrong thread.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from chaingrad.autograd.anomaly import AnomalyError, detect_anomaly, is_enabled
from chaingrad.autograd.grad_mode import is_grad_enabled, no_grad
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.nn.data import two_moons, xor_table
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import softmax_cross_entropy, sum_squared_error
from chaingrad.nn.optim import SGD, Adam
from chaingrad.nn.train import fit


@contextmanager
def frequent_switches() -> Iterator[None]:
    """Let the interpreter switch threads every 10 microseconds instead of every 5 ms."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in its own thread, all released at once; return their results in order
    (re-raising the first error a job raised)."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def runner(k: int, job: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[k] = job()
        except BaseException as error:  # handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(k, job)) for k, job in enumerate(jobs)]
    with frequent_switches():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return results


def train_moons() -> tuple[list[float], list[np.ndarray]]:
    """A ReLU net on two moons with `fit` (which evaluates under no_grad after every epoch)."""
    x, y = two_moons(120, noise=0.2, seed=1)
    model = MLP([2, 8, 2], "relu", init="he", seed=1)
    history = fit(model, softmax_cross_entropy, x, y, epochs=6, batch_size=8,
                  optimizer=Adam(model.parameters(), 0.01), seed=1, progress=False)  # fmt: skip
    return history.loss, [p.data.copy() for p in model.parameters()]


def train_xor_evaluating_under_no_grad() -> tuple[list[float], list[np.ndarray]]:
    """Seed 003's XOR net by hand, stepping in and out of no_grad around every update."""
    x, y = xor_table()
    model = MLP([3, 4, 1], "sigmoid", "sigmoid", init="normal", seed=3)
    optimizer = SGD(model.parameters(), 1.0)
    evaluations = []
    for _ in range(150):
        with no_grad():
            outputs = model(x)
            assert not outputs.requires_grad and not is_grad_enabled()
            evaluations.append(float(sum_squared_error(outputs, y, reduction="sum").item()))
        optimizer.zero_grad()
        loss = sum_squared_error(model(x), y, reduction="sum")
        loss.backward()
        optimizer.step()
    return evaluations, [p.data.copy() for p in model.parameters()]


def assert_same(a: tuple[list[float], list[np.ndarray]], b: tuple[list[float], list[np.ndarray]]):
    assert a[0] == b[0]
    assert all(np.array_equal(p, q) for p, q in zip(a[1], b[1]))


def test_two_models_train_in_two_threads_exactly_as_alone():
    alone = [train_moons(), train_xor_evaluating_under_no_grad()]
    together = run_together(train_moons, train_xor_evaluating_under_no_grad)
    for mine, reference in zip(together, alone):
        assert_same(mine, reference)


def test_anomaly_mode_in_one_thread_does_not_check_the_other():
    inside, other_done = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def checking() -> None:
        with detect_anomaly():
            inside.set()
            other_done.wait()
            big = Value(1e200, label="big")
            with pytest.raises(AnomalyError, match=r"\*: its result is inf"):
                big * big

    def not_checking() -> None:
        inside.wait()  # the checking constructors are installed now
        try:
            seen["enabled"] = is_enabled()
            big = Value(1e200)
            seen["product"] = (big * big).data
            tiny = Value(1e-300)
            out = tiny * 1e200 * 1e200
            out.backward()  # a backward overflow: not checked in this thread either
            seen["grad"] = tiny.grad
            seen["history"] = train_moons()[0]
        finally:
            other_done.set()

    run_together(checking, not_checking)
    assert seen["enabled"] is False
    assert seen["product"] == float("inf") and seen["grad"] == float("inf")
    assert seen["history"] == train_moons()[0]


def test_tensor_anomaly_mode_is_per_thread():
    inside, other_done = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def checking() -> None:
        with detect_anomaly(), np.errstate(over="ignore"):
            inside.set()
            other_done.wait()
            try:
                Tensor([1e200], requires_grad=True) * 1e200
            except AnomalyError as error:
                seen["error"] = str(error)

    def not_checking() -> None:
        inside.wait()
        try:
            with np.errstate(over="ignore"):
                seen["product"] = (Tensor([1e200], requires_grad=True) * 1e200).data[0]
        finally:
            other_done.set()

    run_together(checking, not_checking)
    assert seen["product"] == float("inf")
    assert "its result is" in seen.get("error", "")


def test_no_grad_in_one_thread_leaves_the_other_recording():
    inside, recorded = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def evaluating() -> None:
        with no_grad():
            inside.set()
            recorded.wait()
            seen["evaluating"] = (Tensor([1.0], requires_grad=True) * 2).requires_grad

    def training() -> None:
        inside.wait()
        try:
            seen["training"] = (Tensor([1.0], requires_grad=True) * 2).requires_grad
        finally:
            recorded.set()

    run_together(evaluating, training)
    assert seen == {"evaluating": False, "training": True}


def value_chain(n: int) -> tuple[Value, Value]:
    """x and y = x * 1 * 1 * ... (n times): dy/dx = 1, and every interior grad is 1."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = y * 1.0
    return x, y


def test_backward_from_two_threads_through_one_graph_counts_every_call():
    # Before walks took a lock, this gave x.grad = 5, 489 or 1.98e11 instead of 10.
    x, y = value_chain(20_000)

    def five_backward_passes() -> None:
        for _ in range(5):
            y.backward()

    run_together(five_backward_passes, five_backward_passes)
    assert x.grad == 10.0
    interior = [node for node in topological_order(y) if node.op not in ("", "const")]
    assert {node.grad for node in interior} == {1.0}  # each call recomputes them whole


def test_graphs_sharing_nodes_in_two_threads_lose_no_contribution():
    x, h = value_chain(20_000)  # both roots are computed from h, so they share the chain
    y2, y3 = h * 2.0, h * 3.0

    def backward(y: Value) -> Callable[[], None]:
        def run() -> None:
            for _ in range(5):
                y.backward()

        return run

    run_together(backward(y2), backward(y3))
    assert x.grad == 5 * 2.0 + 5 * 3.0
    assert h.grad in (2.0, 3.0)  # an interior grad: that of the call that ran last


def test_tensor_graphs_sharing_a_leaf_in_two_threads_lose_no_contribution():
    w = Tensor(np.ones(3), requires_grad=True, label="w")

    def job(factor: float) -> Callable[[], None]:
        def run() -> None:
            for _ in range(10):
                h = w * factor
                for _ in range(300):
                    h = h * 1.0
                h.sum().backward()

        return run

    run_together(job(2.0), job(3.0))
    assert w.grad.tolist() == [50.0, 50.0, 50.0]  # 10 * 2 + 10 * 3 per entry


def test_walking_a_graph_while_another_thread_backpropagates_through_it():
    x, y = value_chain(20_000)
    alone = [node.node_id for node in topological_order(y)]
    walks: list[list[int]] = []

    def walk() -> None:
        for _ in range(5):
            walks.append([node.node_id for node in topological_order(y)])

    def backward() -> None:
        for _ in range(5):
            y.backward()

    run_together(walk, backward)
    assert all(order == alone for order in walks)
    assert x.grad == 5.0
