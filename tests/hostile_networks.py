"""More rows of the hostile-input table (see tests/hostile_inputs.py): found by the error-message
audit, for networks, losses, checkpoints and the command line."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
from chaingrad.autograd.files import SaveError
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.value import Value
from chaingrad.nn import scalar
from chaingrad.nn.app.cli import UsageError, demo
from chaingrad.nn.app.gallery import write_gallery
from chaingrad.nn.app.tasks import run_task
from chaingrad.nn.checkpoint import load_state_dict, save
from chaingrad.nn.layers import MLP, Linear
from chaingrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    l2_penalty,
    mean_squared_error,
)
from hostile_inputs import Row, cli, python


def _save_onto_folder(folder: Path) -> None:
    (folder / "w.npz").mkdir()
    save(MLP([2, 1]), folder / "w.npz")


def _save_under_file(folder: Path) -> None:
    (folder / "afile").write_text("")
    save(MLP([2, 1]), folder / "afile" / "w.npz")


def _demo_training_fails(folder: Path) -> None:
    """`demo` with no case files or documents to check, its training folder taken by a file."""
    (folder / "cases").mkdir()
    (folder / "out").mkdir()
    (folder / "out" / "train").write_text("")
    with mock.patch.multiple(
        "chaingrad.nn.app.cli", SHIPPED_CASE_FILES=folder / "cases", _document_reports=lambda: []
    ):
        demo(folder / "out")


ROWS: list[Row] = [
    # ------------------------------------------------------------------ layers and MLPs
    python("net-linear-input-str", "Linear(2, 3)('abc')", TypeError,
           ("Linear(2, 3): the input is a str", "pass a Tensor or an array of shape (N, 2)"),
           lambda _: Linear(2, 3)("abc")),
    python("net-linear-input-none", "Linear(2, 3)(None)", TypeError,
           ("Linear(2, 3): the input is None",), lambda _: Linear(2, 3)(None)),
    python("net-linear-input-value", "Linear(2, 3)(Value(1.0))", TypeError,
           ("the input is a Value", "pass a Tensor"), lambda _: Linear(2, 3)(Value(1.0))),
    python("net-linear-input-ragged", "Linear(2, 3)([[1, 2], [3]])", ValueError,
           ("Linear(2, 3): the input is not a rectangular array", "give every row 2 numbers"),
           lambda _: Linear(2, 3)([[1, 2], [3]])),
    python("net-linear-bias-str", "Linear(2, 3, bias='no') (a truthy str made a bias)", TypeError,
           ("Linear: bias must be True or False", "'no'"),
           lambda _: Linear(2, 3, bias="no")),
    python("net-mlp-bias-str", "MLP([2, 1], bias='no')", TypeError,
           ("MLP: bias must be True or False",), lambda _: MLP([2, 1], bias="no")),
    python("net-mlp-sizes-int", "MLP(3)", TypeError,
           ("MLP: sizes must be a list such as [2, 8, 1]", "got int 3"), lambda _: MLP(3)),
    python("net-mlp-activation-list", "MLP([2, 3], hidden=['relu'])", ValueError,
           ("MLP: unknown activation ['relu']", "use one of sigmoid, relu", "a str"),
           lambda _: MLP([2, 3], hidden=["relu"])),
    python("net-mlp-init", "MLP([2, 3], init='bogus')", ValueError,
           ("MLP: unknown init 'bogus'", "use one of normal, xavier, he"),
           lambda _: MLP([2, 3], init="bogus")),
    # ------------------------------------------------------------------ scalar networks
    python("net-scalar-mlp-activation", "nn.scalar.ScalarMLP([2, 2, 1], hidden='softmax')",
           ValueError, ("ScalarMLP: unknown activation 'softmax'",),
           lambda _: scalar.ScalarMLP([2, 2, 1], hidden="softmax")),
    python("net-scalar-layer-activation", "nn.scalar.Layer(2, 2, 'softmax')", ValueError,
           ("Layer: unknown activation 'softmax'",), lambda _: scalar.Layer(2, 2, "softmax")),
    python("net-scalar-bias-str", "nn.scalar.ScalarMLP([2, 1], bias='no')", TypeError,
           ("ScalarMLP: bias must be True or False",),
           lambda _: scalar.ScalarMLP([2, 1], bias="no")),
    python("net-scalar-call-float", "nn.scalar.ScalarMLP([2, 1])(1.0)", TypeError,
           ("ScalarMLP: inputs must be a list of 2 numbers or Values", "got float 1.0"),
           lambda _: scalar.ScalarMLP([2, 1])(1.0)),
    python("net-scalar-set-none", "nn.scalar.ScalarMLP([2, 1]).set_parameters(None)", TypeError,
           ("ScalarMLP.set_parameters: values must be a dict of label -> number", "got NoneType"),
           lambda _: scalar.ScalarMLP([2, 1]).set_parameters(None)),
    python("net-scalar-seed-list", "nn.scalar.ScalarMLP([2, 1], seed=[1])", TypeError,
           ("ScalarMLP: seed must be a whole number", "got [1]"),
           lambda _: scalar.ScalarMLP([2, 1], seed=[1])),
    # ------------------------------------------------------------------ losses
    python("net-bce-target-2", "binary_cross_entropy(Tensor([[0.5]]), [[2.0]]) (gave 0.693)",
           ValueError, ("binary_cross_entropy: target (0, 0) is 2, not in [0, 1]",
                        "probabilities or 0/1 labels"),
           lambda _: binary_cross_entropy(Tensor([[0.5]]), [[2.0]])),
    python("net-bce-target-negative", "binary_cross_entropy(Tensor([[0.9, 0.1]]), [[1, -1]])",
           ValueError, ("target (0, 1) is -1", "1 of 2 targets"),
           lambda _: binary_cross_entropy(Tensor([[0.9, 0.1]]), [[1.0, -1.0]])),
    python("net-bce-logits-target-2",
           "binary_cross_entropy_with_logits(Tensor([[0.5]]), [[2.0]]) (gave -0.026)",
           ValueError, ("binary_cross_entropy_with_logits: target (0, 0) is 2, not in [0, 1]",),
           lambda _: binary_cross_entropy_with_logits(Tensor([[0.5]]), [[2.0]])),
    python("net-bce-value-target-3", "binary_cross_entropy([Value(0.5)], [3]) (gave 0.693)",
           ValueError, ("binary_cross_entropy: target 1 is 3, not in [0, 1]",),
           lambda _: binary_cross_entropy([Value(0.5)], [3])),
    python("net-bce-logits-value-target", "binary_cross_entropy_with_logits([z], [Value(-0.5)])",
           ValueError, ("binary_cross_entropy_with_logits: target 1 is -0.5",),
           lambda _: binary_cross_entropy_with_logits([Value(0.5)], [Value(-0.5)])),
    python("net-bce-epsilon-str", "binary_cross_entropy(o, t, epsilon='x')", ValueError,
           ("binary_cross_entropy: epsilon must be a number in (0, 0.5)", "'x'"),
           lambda _: binary_cross_entropy(Tensor([[0.5]]), [[1.0]], epsilon="x")),
    python("net-squares-targets-float", "half_squared_error([o], 1.0)", TypeError,
           ("half_squared_error: targets must be a list, one per output ([t1])", "got float 1.0"),
           lambda _: half_squared_error([Value(1.0)], 1.0)),
    python("net-squares-outputs-none", "half_squared_error(None, [1.0])", TypeError,
           ("half_squared_error: outputs must be a Tensor or a list of Values", "NoneType"),
           lambda _: half_squared_error(None, [1.0])),
    python("net-mse-ndarray", "mean_squared_error(np.ones((2, 3)), np.ones((2, 3)))", TypeError,
           ("mean_squared_error: outputs is a numpy array", "wrap it as Tensor(outputs)"),
           lambda _: mean_squared_error(np.ones((2, 3)), np.ones((2, 3)))),
    python("net-l2-none", "l2_penalty(None, 0.1)", TypeError,
           ("l2_penalty: params must be a list of parameters", "pass model.parameters()"),
           lambda _: l2_penalty(None, 0.1)),
    # ------------------------------------------------------------------ checkpoints
    python("net-load-state-none", "load_state_dict(model, None)", TypeError,
           ("load_state_dict: state must be a dict of name -> array", "got NoneType"),
           lambda _: load_state_dict(MLP([2, 1]), None)),
    python("net-load-state-pairs", "load_state_dict(model, [(name, array), ...])", TypeError,
           ("state must be a dict", "as nn.state_dict returns", "got list"),
           lambda _: load_state_dict(MLP([2, 1]), [("0.weight", np.ones((1, 2)))])),
    python("net-save-onto-folder", "nn.save(model, 'w.npz') where w.npz is a folder",
           SaveError, ("save: cannot write", "w.npz: it is a folder"),
           _save_onto_folder),
    python("net-save-under-file", "nn.save(model, 'afile/w.npz') where afile is a file",
           SaveError, ("save: cannot write", "afile is a file, not a folder"),
           _save_under_file),
    # ------------------------------------------------------------------ gallery, tasks, CLI
    python("net-gallery-links", "write_gallery(out, cases=['seed001-blog'], links={'x': []})",
           KeyError, ("links for cases not drawn: x", "names of the cases drawn: seed001-blog"),
           lambda folder: write_gallery(folder, cases=["seed001-blog"], links={"x": []})),
    python("net-run-task-unknown", "run_task('mnist')", ValueError,
           ("run_task: unknown task 'mnist'", "the tasks are xor"),
           lambda _: run_task("mnist")),
    python("net-demo-training-fails", "chaingrad demo when training the XOR network fails",
           UsageError, ("training seed 003's XOR network failed (error above)",
                        "chaingrad --debug train xor --out"), _demo_training_fails),
    cli("net-cli-out-unmakeable", "chaingrad draw seed001-blog --format dot --out /proc/x",
        ["draw", "seed001-blog", "--format", "dot", "--out", "/proc/chaingrad-x"],
        ("cannot write /proc/chaingrad-x", "choose an --out folder you can write to")),
]  # fmt: skip
