"""Seed 003's closing claim on the shipped UCI digits: about 95% with 30 sigmoid neurons.

    python demos/digits.py [--seeds 3]

Trains the two digit tasks of `chaingrad train` once per seed and prints a table:

- ``digits``: the claim's network, as in Nielsen's chapter 1 (``network.py``): 64 inputs
  (8x8 pixels scaled to [0, 1]), one hidden layer of 30 sigmoid neurons, 10 sigmoid
  outputs against one-hot targets, the quadratic cost 1/(2n) sum ||y - a||^2, weights and
  biases started N(0, 1), mini-batch SGD with batches of 10 and learning rate 3.0, 30
  epochs;
- ``digits-relu``: 30 ReLU neurons (He start), identity outputs with softmax
  cross-entropy, mini-batch SGD with batches of 10 and learning rate 0.1, 30 epochs.

The split is fixed: 400 of the 1,797 images held out for testing, stratified by digit
with seed 0 (1,397 left to train on); each seed 0, 1, 2, ... changes the starting weights
and the shuffling. Exits 1 if the sigmoid net's mean test accuracy is below 95%.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from chaingrad.nn.app.tasks import TASKS, run_task


def main(argv: list[str] | None = None) -> int:
    """Print the table; return 0 when the claim's network averages >= 95% on the test set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds (0, 1, ...)")
    args = parser.parse_args(argv)
    means = {}
    for name in ("digits", "digits-relu"):
        task = TASKS[name]
        print(f"{name}: {task.summary}")
        print(f"  {'seed':>4} {'test accuracy':>14} {'epoch >= 95%':>13} {'seconds':>8}")
        accuracies = []
        for seed in range(args.seeds):
            run = run_task(name, seed=seed, progress=False)
            reached = run.history.first_epoch("val_accuracy", 0.95)
            accuracies.append(run.final_accuracy)
            print(
                f"  {seed:>4} {run.final_accuracy:>14.2%} {reached or '-':>13} "
                f"{run.history.seconds:>8.1f}"
            )
        means[name] = statistics.mean(accuracies)
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        print(
            f"  mean {means[name]:.2%}, standard deviation {spread:.2%}, range "
            f"{min(accuracies):.2%} to {max(accuracies):.2%} ({task.epochs} epochs)\n"
        )
    return 0 if means["digits"] >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
