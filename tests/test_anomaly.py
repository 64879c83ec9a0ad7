"""Tests for autograd.anomaly: the first NaN or infinity is traced to the line that made it."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from chaingrad.autograd import Value, topological_order, value
from chaingrad.autograd.anomaly import AnomalyError, detect_anomaly, is_enabled

THIS_FILE = __file__


def test_forward_overflow_names_op_operands_and_line():
    x = Value(1e200, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        x * x  # this line
    message = str(caught.value)
    assert message.startswith("*: its result is inf")
    assert "'x'" in message and "1e+200" in message
    assert f"{THIS_FILE}:" in message


def test_infinite_local_derivative_is_caught_in_the_forward_pass():
    tiny = Value(1e-200, label="tiny")
    with detect_anomaly(), pytest.raises(AnomalyError, match="local derivative is -inf"):
        1.0 / tiny  # value 1e200 is finite, d/dtiny = -1e400 is not


def test_division_overflow_is_plain_float_inf_and_anomaly_mode_catches_it():
    # `/` is not checked on every operation (documented in autograd.value and autograd.tensor)
    assert (Value(1.0) / Value(1e-320)).data == float("inf")
    assert "``*`` and ``/`` follow float arithmetic" in " ".join(value.__doc__.split())
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        Value(1.0, label="one") / Value(1e-320, label="tiny")
    assert str(caught.value).startswith("/: its result is inf")
    assert "'tiny'" in str(caught.value)


def test_backward_overflow_names_the_step_and_where_its_node_was_made():
    a = Value(1e-300, label="a")
    with detect_anomaly():
        y = (a * 1e200).named("y")
        z = (y * 1e200).named("z")
        with pytest.raises(AnomalyError) as caught:
            z.backward()
    message = str(caught.value)
    assert "backward of '*' at 'y'" in message and "gave its operand 'a'" in message
    assert "the gradient inf" in message and f"{THIS_FILE}:" in message


def test_off_by_default_and_free_when_off():
    assert not is_enabled()
    assert value._node is value._plain_node  # no checking constructor installed
    a = Value(1e-300)
    z = a * 1e200 * 1e200
    z.backward()  # overflow goes unnoticed without the mode, as in any float code
    assert a.grad == float("inf")
    with detect_anomaly():
        assert value._node is value._node_checked and is_enabled()
        with detect_anomaly():  # nests
            assert is_enabled()
        assert is_enabled()
    assert value._node is value._plain_node and not is_enabled()


def test_the_mode_is_thread_local():
    seen: dict[str, object] = {}

    def other_thread():
        seen["enabled"] = is_enabled()
        big = Value(1e200)
        seen["product"] = (big * big).data  # no error here: this thread is not checking

    with detect_anomaly():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == {"enabled": False, "product": float("inf")}


def test_every_intermediate_node_is_freed_after_backward():
    gc.collect()
    gc.disable()
    try:
        w = [Value(0.1 * i, label=f"w{i}") for i in range(5)]
        x = [Value(1.0 + i, label=f"x{i}") for i in range(5)]
        h = [(wi * xi).tanh() for wi, xi in zip(w, x)]
        loss = sum(h[1:], h[0]).sigmoid() ** 2
        loss.backward()
        interior = [weakref.ref(n) for n in topological_order(loss) if n.op]
        del h, loss
        assert all(ref() is None for ref in interior)  # no cycles, no global registry
        assert all(wi.grad != 0 for wi in w[1:])
    finally:
        gc.enable()
