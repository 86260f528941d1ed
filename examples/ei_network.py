"""Simulate the conductance-based E/I benchmark network built with braininit.

Usage:
  python examples/ei_network.py [--quick] [--seed 0] [--out ei_network]

Writes ``<out>/ei_network.json`` with the statistics and
``<out>/ei_network.png`` with a raster plot, and prints the mean firing rate
and the coefficient of variation of inter-spike intervals. The model and its
parameters are described in :mod:`braininit.studies.ei_network`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax

from braininit.studies.ei_network import plot_study, run_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="simulate 400 ms of model time instead of 1000 ms")
    parser.add_argument("--seed", type=int, default=0, help="seed of the PRNG key that draws the network")
    parser.add_argument("--out", type=Path, default=Path("ei_network"), help="output directory")
    args = parser.parse_args()

    started = time.perf_counter()
    results = run_study(jax.random.key(args.seed), quick=args.quick)
    wall_seconds = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ei_network.json").write_text(json.dumps(results, indent=2))
    figure = plot_study(results, args.out / "ei_network.png")

    print(f"{results['n_neurons']} neurons, {results['duration_ms']:.0f} ms of model time in {wall_seconds:.1f} s")
    print(f"mean rate {results['mean_rate_hz']:.1f} Hz (E {results['excitatory_rate_hz']:.1f}, I {results['inhibitory_rate_hz']:.1f})")
    print(f"ISI CV {results['cv_isi']:.2f} over {results['cv_isi_neurons']} neurons")
    print(f"raster plot: {figure}")


if __name__ == "__main__":
    main()
