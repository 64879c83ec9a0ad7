"""Seed 003's 2-layer sigmoid net with biases learns the XOR truth table.

    python demos/seed003_xor.py [--seed 0] [--out DIR]

The network of the document: inputs X1, X2 and the constant X3 = 1, a sigmoid hidden
layer (4 units) and a sigmoid output, each layer with biases; its loss
sum (y - y_hat)^2 (no 1/2) summed over the four rows of the table; full-batch gradient
descent w = w - xi dL/dw. Weights start N(0, 1) from the seed. Prints the epoch where
all four rows are first right, the final loss and each row's output; with --out, writes
the loss/accuracy curves and the decision boundary (X3 held at 1) there. Exits 1 if the
table is not learned.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.tensor import Tensor
from chaingrad.nn.app.tasks import describe_run, run_task


def main(argv: list[str] | None = None) -> int:
    """Train, print the results, and return 0 when every row of the table is learned."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the starting weights")
    parser.add_argument("--out", type=Path, help="write the plots into this folder")
    args = parser.parse_args(argv)
    run = run_task("xor", seed=args.seed, progress=False)
    print(describe_run(run))
    x, y = run.split.X_train, run.split.y_train
    with no_grad():
        outputs = run.model(Tensor(x)).data
    print("\n  X1 X2 X3 |  Y | y_hat")
    for row, target, output in zip(x, y, outputs):
        print(f"  {row[0]:2.0f} {row[1]:2.0f} {row[2]:2.0f} | {target[0]:2.0f} | {output[0]:.4f}")
    reached = run.history.first_epoch("accuracy", 1.0)
    print(
        f"\n100% of the table first at epoch {reached} of {run.epochs}; final loss "
        f"sum (y - y_hat)^2 = {run.history.loss[-1]:.6f}"
    )
    if args.out is not None:
        from chaingrad.nn.app.plots import plot_decision_boundary, plot_history

        curves = plot_history(run.history, args.out / "seed003_xor.png", title="seed 003: XOR")
        boundary = plot_decision_boundary(
            run.model, x[:, :2], y, args.out / "seed003_xor_boundary.png",
            features=run.task.inputs_2d, title="seed 003: XOR (X3 = 1)",
        )  # fmt: skip
        print(f"written: {curves}, {boundary}")
    return 0 if np.array_equal(np.round(outputs), y) else 1


if __name__ == "__main__":
    sys.exit(main())
