"""The documents' Tensor networks reproduced: seed 003's XOR net and its closing claim on the
shipped digits, and seed 004's gradient formulas checked against autodiff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from chaingrad.autograd.tensor import Tensor
from chaingrad.nn.app.tasks import DIGITS_TEST_SIZE, TASKS, run_task
from chaingrad.nn.data import load_digits
from chaingrad.nn.documents.seed004 import (
    SEED004_MATCH,
    SEED004_REPAIRED,
    seed004_batch,
    seed004_softmax,
)

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- seed 003: XOR
def test_seed003_xor_net_learns_the_table_deterministically():
    first, second = run_task("xor", progress=False), run_task("xor", progress=False)
    assert first.history.records == second.history.records
    reached = first.history.first_epoch("accuracy", 1.0)
    assert reached is not None and reached < first.epochs
    x, y = first.split.X_train, first.split.y_train
    outputs = first.model(Tensor(x)).data
    assert np.array_equal(np.round(outputs), y)
    # the recorded loss is the document's: sum over the table of (y - y_hat)^2, no 1/2
    assert first.history.loss[-1] == pytest.approx(((y - outputs) ** 2).sum(), rel=1e-12)
    assert first.history.loss[-1] < 0.01 < first.history.loss[0]


def test_seed003_gradient_formulas_match_autodiff_on_the_xor_net():
    run = run_task("xor", epochs=3, progress=False)
    net, x, y = run.model, run.split.X_train, run.split.y_train
    net.zero_grad()
    TASKS["xor"].loss(net(Tensor(x)), y).backward()
    w1, b1, w2, b2 = (p.data for p in net.parameters())
    x1 = 1 / (1 + np.exp(-(x @ w1.T + b1)))  # x^(1) = sigma(z^(1)), rows are examples m
    y_hat = 1 / (1 + np.exp(-(x1 @ w2.T + b2)))
    delta2 = 2 * (y_hat - y) * y_hat * (1 - y_hat)  # 2 (y^_k - y_k) sigma'(z_k^(2))
    delta1 = (delta2 @ w2) * x1 * (1 - x1)  # ... W_km^(2) sigma'(z_m^(1))
    expected = [delta1.T @ x, delta1.sum(0), delta2.T @ x1, delta2.sum(0)]  # summed over m
    for param, formula in zip(net.parameters(), expected):
        np.testing.assert_allclose(param.grad, formula, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- seed 003: digits
def test_digits_split_is_stratified_1397_400():
    _, y = load_digits()
    split = TASKS["digits"].data()
    assert len(split.X_train) == 1397 and len(split.X_test) == DIGITS_TEST_SIZE == 400
    counts = np.bincount(split.y_test)
    assert np.abs(counts - 400 * np.bincount(y) / len(y)).max() < 1
    assert split.X_train.max() == 1.0 and split.X_train.min() == 0.0  # pixels / 16


@pytest.mark.parametrize("task", ["digits", "digits-relu"])
def test_seed003_closing_claim_on_the_digits(task):
    # One seed with the task's defaults (30 epochs, about a second); demos/digits.py runs three.
    run = run_task(task, seed=0, progress=False)
    assert run.final_accuracy >= 0.95


# ----------------------------------------------------------------------------- seed 004
@pytest.mark.parametrize("seed", [4, 5, 6])
def test_seed004_repaired_formulas_match_autodiff(seed):
    result = seed004_softmax(n=8, seed=seed)
    assert result.confirmed
    errors = {reading.name: (e1, e2) for reading, e1, e2 in result.readings}
    assert max(errors[SEED004_REPAIRED.name]) < SEED004_MATCH
    assert result.repaired_matches


def test_seed004_document_departs_where_the_report_says():
    result = seed004_softmax(n=8)
    batch = result.batch
    assert ((batch.x @ batch.w1) <= 0).any()  # some hidden unit is off: Theta(h) matters
    errors = [(e1, e2) for _, e1, e2 in result.readings]
    as_written, theta_only, over_n_only, repaired, text_words = errors
    assert min(as_written) > 1e-3  # both wrong for a batch
    assert theta_only[0] > 1e-3 and theta_only[1] > 1e-3  # df not divided by N
    assert over_n_only[1] < SEED004_MATCH < 1e-3 < over_n_only[0]  # only the mask is missing
    assert text_words[0] > 1e-3  # "off when h is positive" is the wrong way round
    assert max(repaired) < SEED004_MATCH
    # For one example the per-example formulas are right once Theta(h) is put back.
    single = [(e1, e2) for _, e1, e2 in seed004_softmax(n=1).readings]
    assert max(single[1]) < SEED004_MATCH and single[0][0] > 1e-3
    assert "df / N and Theta(h)" in result.text()


def test_seed004_orientation_is_the_documents():
    batch = seed004_batch(n=5, d=3, h=4, k=2)
    assert batch.w1.shape == (4, 4) and batch.w2.shape == (5, 2)  # (D+1) x H, (H+1) x K
    assert (batch.x[:, -1] == 1).all()


# ----------------------------------------------------------------------------- demos
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("demos/seed003_xor.py", "100% of the table first at epoch"),
        ("demos/seed004_softmax.py", "df / N and Theta(h)"),
        ("demos/digits.py --seeds 1", "mean"),
    ],
)
def test_demo_scripts_run(script, expected):
    run = subprocess.run(
        [sys.executable, *script.split()], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert expected in run.stdout
