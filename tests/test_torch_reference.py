"""Every tensor op against PyTorch: forward values and input gradients in float64, to 1e-10.

Each case runs the op in both engines on the same inputs and backpropagates the same random
cotangent, so every entry of every Jacobian counts. Skipped, with the reason shown, where torch
is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import (
    OPS,
    concatenate,
    cross_entropy,
    linear,
    squared_error,
    stack,
)

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed, so the reference comparison against it is skipped "
    "(pip install torch==2.13.0 to run it)",
)
F = torch.nn.functional

TOLERANCE = 1e-10
CASES: list[tuple[str, str, object, object, tuple[np.ndarray, ...]]] = []


def case(op, label, ours, theirs, *arrays):
    """Register a comparison: `op` is the name in OPS that the case exercises."""
    CASES.append((op, f"{op}-{label}", ours, theirs, tuple(np.asarray(a, float) for a in arrays)))


rng = np.random.default_rng(2024)


def uniform(shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def shape_id(*shapes):
    return "_".join("x".join(map(str, s)) or "scalar" for s in shapes)


# ---------------------------------------------------------------- elementwise binary
BROADCAST_PAIRS = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
    ((2, 3), ()), ((4, 1), (1, 3)), ((2, 3, 4), (2, 3, 4)),
]  # fmt: skip
for sa, sb in BROADCAST_PAIRS:
    label = shape_id(sa, sb)
    a, b = uniform(sa), uniform(sb)
    away = uniform(sb, 0.5, 2.0) * rng.choice([-1, 1], size=sb)
    case("add", label, lambda x, y: x + y, lambda x, y: x + y, a, b)
    case("sub", label, lambda x, y: x - y, lambda x, y: x - y, a, b)
    case("mul", label, lambda x, y: x * y, lambda x, y: x * y, a, b)
    case("div", label, lambda x, y: x / y, lambda x, y: x / y, a, away)
    case("pow", label, lambda x, y: x**y, torch.pow, uniform(sa, 0.2, 2.0), b)

# Numbers and arrays on either side (the array or number is a constant in both engines).
k = np.array([0.5, -1.5, 2.0])
case("add", "number_left", lambda x: 2.5 + x, lambda x: 2.5 + x, uniform((2, 3)))
case("sub", "number_left", lambda x: 1.0 - x, lambda x: 1.0 - x, uniform((2, 3)))
case("mul", "array_left", lambda x: k * x, lambda x: torch.tensor(k) * x, uniform((2, 3)))
case("div", "number_left", lambda x: 3.0 / x, lambda x: 3.0 / x, uniform((2, 3), 0.5, 2))
case("pow", "number_base", lambda x: 2.0**x, lambda x: 2.0**x, uniform((2, 3)))

# ---------------------------------------------------------------- unary
UNARY_SHAPES = [(), (5,), (2, 3), (2, 3, 4)]
for shape in UNARY_SHAPES:
    label = shape_id(shape)
    case("neg", label, lambda x: -x, lambda x: -x, uniform(shape))
    case("exp", label, lambda x: x.exp(), torch.exp, uniform(shape))
    case("log", label, lambda x: x.log(), torch.log, uniform(shape, 0.1, 3.0))
    case("tanh", label, lambda x: x.tanh(), torch.tanh, uniform(shape, -3, 3))
    case("sigmoid", label, lambda x: x.sigmoid(), torch.sigmoid, uniform(shape, -8, 8))
    case("relu", label, lambda x: x.relu(), torch.relu, np.round(uniform(shape)))  # has zeros
case(
    "sigmoid", "huge", lambda x: x.sigmoid(), torch.sigmoid, [-1e3, -40.0, 0.0, 40.0, 1e3]
)  # fmt: skip
for n in (2, 3, 0.5, -1, 0):
    for shape in ((4,), (2, 3)):
        data = uniform(shape, 0.3, 2.0) if n < 1 else uniform(shape)
        case("pow_number", f"{n}_{shape_id(shape)}", lambda x, n=n: x**n, lambda x, n=n: x**n, data)

# ---------------------------------------------------------------- matmul
MATMUL_PAIRS = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 3), (2, 3, 1)),
]  # fmt: skip
for sa, sb in MATMUL_PAIRS:
    case("matmul", shape_id(sa, sb), lambda x, y: x @ y, torch.matmul, uniform(sa), uniform(sb))


# ---------------------------------------------------------------- reductions
def dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


REDUCTIONS = [
    ((5,), None, False), ((2, 3), 0, False), ((2, 3), 1, True), ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), -1, True), ((2, 3, 4), None, True), ((2, 3, 4), (1,), False),
]  # fmt: skip
for shape, axis, keep in REDUCTIONS:
    label = f"{shape_id(shape)}_axis{axis}_keep{keep}".replace(" ", "")
    x = uniform(shape)
    d = dims(axis, len(shape))
    case("sum", label, lambda t, a=axis, k=keep: t.sum(a, k), lambda t, d=d, k=keep: t.sum(d, k), x)
    case(
        "mean", label, lambda t, a=axis, k=keep: t.mean(a, k),
        lambda t, d=d, k=keep: t.mean(d, k), x,
    )  # fmt: skip
    case(
        "max", label, lambda t, a=axis, k=keep: t.max(a, k),
        lambda t, d=d, k=keep: torch.amax(t, d, k), x,
    )  # fmt: skip
    case(
        "logsumexp", label, lambda t, a=axis, k=keep: t.logsumexp(a, k),
        lambda t, d=d, k=keep: torch.logsumexp(t, d, k), x,
    )  # fmt: skip
ties = [[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 2.0], [0.0, 5.0, 1.0, 5.0]]
case("max", "ties_axis1", lambda t: t.max(axis=1), lambda t: torch.amax(t, 1), ties)
case("max", "ties_all", lambda t: t.max(), lambda t: torch.amax(t, (0, 1)), ties)
case("max", "ties_axis0", lambda t: t.max(axis=0), lambda t: torch.amax(t, 0), ties)

# ---------------------------------------------------------------- softmax family
for shape, axis in [((5,), -1), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), 1)]:
    label = f"{shape_id(shape)}_axis{axis}"
    x = uniform(shape, -3, 3)
    case("softmax", label, lambda t, a=axis: t.softmax(a), lambda t, a=axis: t.softmax(a), x)
    case(
        "log_softmax", label, lambda t, a=axis: t.log_softmax(a),
        lambda t, a=axis: t.log_softmax(a), x,
    )  # fmt: skip
huge = [[1e3, 0.0, -1e3], [1e3, 999.0, 2.0]]
case("softmax", "huge", lambda t: t.softmax(), lambda t: t.softmax(-1), huge)
case("log_softmax", "huge", lambda t: t.log_softmax(), lambda t: t.log_softmax(-1), huge)
case("logsumexp", "huge", lambda t: t.logsumexp(1), lambda t: torch.logsumexp(t, 1), huge)
for n, c in [(1, 3), (4, 5), (10, 10)]:
    labels = rng.integers(0, c, size=n)
    case(
        "cross_entropy", f"{n}x{c}", lambda t, y=labels: cross_entropy(t, y),
        lambda t, y=labels: F.cross_entropy(t, torch.tensor(y)), uniform((n, c), -3, 3),
    )  # fmt: skip
case(
    "cross_entropy", "huge", lambda t: cross_entropy(t, [2, 1]),
    lambda t: F.cross_entropy(t, torch.tensor([2, 1])), huge,
)  # fmt: skip

# ---------------------------------------------------------------- shapes and indexing
for sa, new in [((2, 3), (3, 2)), ((2, 3, 4), (-1,)), ((6,), (1, 2, 3)), ((), (1, 1))]:
    case(
        "reshape", f"{shape_id(sa)}_to_{shape_id(new)}", lambda t, s=new: t.reshape(s),
        lambda t, s=new: t.reshape(s), uniform(sa),
    )  # fmt: skip
for sa, perm in [((2, 3), None), ((2, 3, 4), (1, 0, 2)), ((2, 3, 4), None), ((2, 3, 4), (2, 0, 1))]:
    full = tuple(range(len(sa)))[::-1] if perm is None else perm
    case(
        "transpose", f"{shape_id(sa)}_{perm}".replace(" ", ""), lambda t, p=perm: t.transpose(p),
        lambda t, p=full: t.permute(p), uniform(sa),
    )  # fmt: skip
case("transpose", "T", lambda t: t.T, lambda t: t.T, uniform((3, 4)))

mask = np.array(
    [[True, False, True, True], [False, False, True, False], [True, True, False, False]]
)
INDICES = {
    "slice": (np.s_[1:, ::2], np.s_[1:, ::2]),
    "int": (1, 1),
    "negative_and_ellipsis": (np.s_[..., -1], np.s_[..., -1]),
    "repeats": ([0, 2, 0, 0], torch.tensor([0, 2, 0, 0])),
    "mixed": (np.s_[[2, 2], 1:3], (torch.tensor([2, 2]), slice(1, 3))),
    "mask": (mask, torch.tensor(mask)),
    "new_axis": (np.s_[None, 1], (None, 1)),
}
for label, (ours_index, their_index) in INDICES.items():
    case(
        "getitem", label, lambda t, i=ours_index: t[i], lambda t, i=their_index: t[i],
        uniform((3, 4)),
    )  # fmt: skip

for axis in (0, 1, -1):
    case(
        "concatenate", f"axis{axis}", lambda x, y, a=axis: concatenate([x, y, x], axis=a),
        lambda x, y, a=axis: torch.cat([x, y, x], dim=a), uniform((2, 3, 2)), uniform((2, 3, 2)),
    )  # fmt: skip
    case(
        "stack", f"axis{axis}", lambda x, y, a=axis: stack([x, y, x], axis=a),
        lambda x, y, a=axis: torch.stack([x, y, x], dim=a), uniform((2, 3)), uniform((2, 3)),
    )  # fmt: skip
case(
    "concatenate", "uneven", lambda x, y: concatenate([x, y], axis=1),
    lambda x, y: torch.cat([x, y], dim=1), uniform((2, 1)), uniform((2, 4)),
)  # fmt: skip


# ---------------------------------------------------------------- fused layer and cost
for x_shape in ((4,), (5, 4), (2, 3, 4)):
    label = shape_id(x_shape)
    case("linear", label, linear, F.linear, uniform(x_shape), uniform((3, 4)), uniform((3,)))
    case("linear", f"{label}_no_bias", linear, F.linear, uniform(x_shape), uniform((3, 4)))
for sa, sb in (((5, 3), (5, 3)), ((5, 3), (3,)), ((), (2, 3))):
    case(
        "squared_error", shape_id(sa, sb), lambda x, y: squared_error(x, y, 0.1),
        lambda x, y: F.mse_loss(*torch.broadcast_tensors(x, y), reduction="sum") * 0.1,
        uniform(sa), uniform(sb),
    )  # fmt: skip


# ---------------------------------------------------------------- the comparison
@pytest.mark.parametrize(("op", "ours", "theirs", "arrays"), [c[:1] + c[2:] for c in CASES],
                         ids=[c[1] for c in CASES])  # fmt: skip
def test_matches_pytorch(op, ours, theirs, arrays):
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = ours(*leaves)
    cotangent = np.random.default_rng(len(arrays)).normal(size=out.shape)
    (out * cotangent).sum().backward()

    inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    expected = theirs(*inputs)
    expected.backward(torch.tensor(cotangent, dtype=torch.float64))

    assert out.dtype == np.float64
    np.testing.assert_allclose(
        out.data, expected.detach().numpy(), rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"{op} value"
    )
    for i, (leaf, reference) in enumerate(zip(leaves, inputs)):
        np.testing.assert_allclose(
            leaf.grad, reference.grad.numpy(), rtol=TOLERANCE, atol=TOLERANCE,
            err_msg=f"{op}: gradient of operand {i}",
        )  # fmt: skip


def test_every_op_is_compared():
    assert {c[0] for c in CASES} == set(OPS)
    assert len(CASES) >= 150
