"""Train a 20-layer ReLU MLP on scikit-learn's digits from four initializations, in Flax NNX and Equinox.

Usage:
  python examples/train_digits.py [--quick] [--seed 0] [--out digits]

Writes ``<out>/digits.json`` with the loss curves and accuracies and
``<out>/digits.png`` with the loss curves, and prints a table of the final
training loss and test accuracy of every run. The model, data and settings
are described in :mod:`braininit.studies.digits`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax

from braininit.studies.digits import plot_study, run_study


def _format_loss(value: float | None) -> str:
    """Format a loss; the study stores a NaN or infinite loss as None."""
    return "not finite" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="width 64 and 200 SGD steps instead of width 128 and 600")
    parser.add_argument("--seed", type=int, default=0, help="seed of the PRNG key that draws the weights and minibatches")
    parser.add_argument("--out", type=Path, default=Path("digits"), help="output directory")
    args = parser.parse_args()

    results = run_study(jax.random.key(args.seed), quick=args.quick)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "digits.json").write_text(json.dumps(results, indent=2))
    figure = plot_study(results, args.out / "digits.png")

    config = results["config"]
    print(f"{config['layers']}-layer ReLU MLP, width {config['width']}, {config['steps']} SGD steps")
    print(f"{'framework':10s} {'initializer':26s} {'first loss':>10s} {'final loss':>10s} {'test acc':>8s}")
    for framework, runs in results["runs"].items():
        for name, run in runs.items():
            first, final = (_format_loss(run[field]) for field in ("initial_loss", "final_loss"))
            print(f"{framework:10s} {name:26s} {first:>10s} {final:>10s} {run['test_accuracy']:8.3f}")
    print(f"loss curves: {figure}")


if __name__ == "__main__":
    main()
