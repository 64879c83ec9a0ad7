"""Tests for nn.optim on Tensor (and Value) parameters: SGD with momentum and weight decay,
and Adam, each against torch.optim step by step; Adam's errors and edge cases."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.nn.layers import MLP
from chaingrad.nn.losses import half_squared_error
from chaingrad.nn.optim import SGD, Adam

STEPS = 6


def torch_or_skip():
    return pytest.importorskip(
        "torch", reason="torch is not installed: no torch.optim reference to compare with"
    )


def problem():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 3)), rng.normal(size=(8, 2))


def compare_with_torch(make_ours, make_theirs):
    """Train the same small MLP in both engines; after every step the weights must agree."""
    torch = torch_or_skip()
    x, t = problem()
    net = MLP([3, 4, 2], hidden="tanh", seed=1)
    reference = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2, dtype=torch.float64),
    )
    with torch.no_grad():
        for name, tensor in reference.named_parameters():
            tensor.copy_(torch.from_numpy(dict(net.named_parameters())[name].data))
    ours, theirs = make_ours(net.parameters()), make_theirs(reference.parameters())
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    for step in range(1, STEPS + 1):
        ours.zero_grad()
        half_squared_error(net(x), t).backward()
        ours.step()
        theirs.zero_grad()
        (0.5 * ((reference(xt) - tt) ** 2).sum() / len(x)).backward()
        theirs.step()
        for name, tensor in reference.named_parameters():
            np.testing.assert_allclose(
                dict(net.named_parameters())[name].data,
                tensor.detach().numpy(),
                rtol=1e-12,
                atol=1e-14,
                err_msg=f"{name} after step {step}",
            )


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    ],
    ids=["plain", "momentum", "weight_decay", "both"],
)
def test_sgd_matches_torch_step_by_step(settings):
    torch = torch_or_skip()
    compare_with_torch(
        lambda params: SGD(params, **settings), lambda params: torch.optim.SGD(params, **settings)
    )


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6},
    ],
    ids=["defaults", "weight_decay", "betas_eps"],
)
def test_adam_matches_torch_step_by_step(settings):
    torch = torch_or_skip()
    compare_with_torch(
        lambda params: Adam(params, **settings),
        lambda params: torch.optim.Adam(params, **settings),
    )


def test_adam_first_step_moves_each_weight_by_about_lr():
    # After bias correction m / sqrt(v) = g / |g| on step 1: every weight moves by ~lr.
    w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = Adam([w], lr=0.1)
    (w * np.array([5.0, -0.01, 300.0])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [0.9, -1.9, 2.9], rtol=1e-6)


def test_adam_works_on_value_parameters():
    torch = torch_or_skip()
    a, b = Value(0.5, "a"), Value(-1.5, "b")
    opt = Adam([a, b], lr=0.1, weight_decay=0.05)
    ta = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    ref = torch.optim.Adam([ta], lr=0.1, weight_decay=0.05)
    for _ in range(STEPS):
        opt.zero_grad()
        ((a * b - 1) ** 2 + a * a).backward()
        opt.step()
        ref.zero_grad()
        ((ta[0] * ta[1] - 1) ** 2 + ta[0] ** 2).backward()
        ref.step()
        assert [a.data, b.data] == pytest.approx(ta.tolist(), rel=1e-12)
    assert isinstance(a.data, float)


def test_adam_skips_parameters_without_gradient_and_keeps_float32():
    used = Tensor(np.ones(2), dtype=np.float32, requires_grad=True)
    unused = Tensor(np.ones(2), requires_grad=True)
    opt = Adam([used, unused], lr=0.1)
    (used * 2).sum().backward()
    opt.step()
    assert used.data.dtype == np.float32
    np.testing.assert_allclose(used.data, [0.9, 0.9], rtol=1e-6)
    assert np.array_equal(unused.data, [1.0, 1.0])
    assert opt._steps == [1, 0]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"lr": 0.0}, r"lr must be in \(0, inf\)"),
        ({"betas": (0.9,)}, "betas must be a pair"),
        ({"betas": (1.0, 0.999)}, r"betas\[0\] must be in \[0, 1\)"),
        ({"betas": (0.9, -0.1)}, r"betas\[1\] must be in \[0, 1\)"),
        ({"eps": -1e-8}, "eps must be"),
        ({"eps": 0.0}, r"eps must be in \(0, inf\)"),
        ({"lr": "0.1"}, "lr must be a number such as 0.1, got str '0.1'"),
        ({"lr": True}, "lr must be a number"),
        ({"weight_decay": float("nan")}, "weight_decay must be a finite number"),
        ({"weight_decay": -0.1}, r"weight_decay must be in \[0, inf\)"),
    ],
)
def test_adam_rejects_bad_hyperparameters(settings, message):
    with pytest.raises(ValueError, match=message):
        Adam([Tensor([1.0], requires_grad=True)], **settings)


def test_adam_eps_zero_is_refused():
    # Audit c3: eps=0 with a zero gradient entry gave w = nan after one step (0 / 0).
    with pytest.raises(ValueError, match="eps must be in"):
        Adam([Tensor([1.0, 2.0], requires_grad=True)], lr=0.1, eps=0.0)


def test_hyperparameters_accept_any_real_number():
    w = Tensor([1.0], requires_grad=True)
    assert SGD([w], lr=np.float32(0.5), momentum=Fraction(1, 2)).momentum == 0.5
    opt = Adam([w], lr=np.float64(0.01), betas=(np.float32(0.5), 0.9), eps=Fraction(1, 10**6))
    assert opt.betas == (0.5, 0.9) and opt.eps == 1e-6
    assert type(opt.lr) is float and type(opt.eps) is float


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (lambda: Tensor(np.ones(3), requires_grad=True), TypeError, "got Tensor; pass model"),
        (lambda: Tensor(1.0, requires_grad=True), TypeError, "got Tensor"),
        (lambda: Value(1.0), TypeError, "got Value"),
        (lambda: MLP([2, 2]), TypeError, "got MLP; pass model.parameters()"),
        (lambda: None, TypeError, "got NoneType"),
        (lambda: [Tensor([1.0])], ValueError, "parameter 0 .* does not require grad"),
        (lambda: [], ValueError, r"no parameters to optimize; pass model.parameters\(\)"),
    ],
    ids=["tensor", "0-d tensor", "value", "module", "none", "no-grad leaf", "empty"],
)
def test_optimizer_params_must_be_a_list_of_trainable_leaves(params, error, message):
    # Audit c5: one tensor was read as its rows; a leaf without grad was never updated.
    with pytest.raises(error, match=message):
        SGD(params(), lr=0.1)


def test_optimizer_takes_any_iterable_of_parameters():
    params = MLP([2, 2], seed=0).parameters()
    opt = SGD((p for p in params), lr=0.1)
    assert opt.params == params


def test_adam_repr():
    opt = Adam([Tensor([1.0], requires_grad=True)], lr=0.01)
    assert (
        repr(opt) == "Adam(1 parameters, lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)"
    )
