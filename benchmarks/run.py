"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--cases ...] [--json PATH]``.

Prints the environment, then one table per measurement with each
implementation's median and its ratio to the table's reference row, and
writes the same tables, the environment and the command to JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import environment
from benchmarks.harness import Settings, Table

__all__ = ["CASES", "main", "run_cases"]

# Case name -> module; each module has run(settings), which yields its tables one by one.
CASES = {
    "dense": "benchmarks.dense",
    "orthogonal": "benchmarks.orthogonal",
    "model_builder": "benchmarks.model_builder",
    "ensemble": "benchmarks.ensemble",
    "memory": "benchmarks.memory",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Time braininit against jax.nn.initializers, torch.nn.init, braintools.init and NumPy.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 repeats; checks that every case runs")
    parser.add_argument(
        "--cases", nargs="+", choices=sorted(CASES), default=list(CASES), metavar="CASE",
        help=f"cases to run, from {', '.join(CASES)} (default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the tables and environment to this JSON file")
    parser.add_argument("--repeats", type=int, help="timed calls per implementation (default 5, 2 with --quick)")
    parser.add_argument(
        "--settle", type=float, default=None, metavar="SECONDS",
        help=(
            "pause in seconds before each timed call, so that other libraries' BLAS threads stop spinning "
            "(default 0.05, 0 with --quick; the orthogonal case uses at least 0.25 unless --quick)"
        ),
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    """Return the run settings for the parsed command line."""
    repeats = args.repeats
    if repeats is None:
        repeats = 2 if args.quick else 5

    settle = args.settle
    if settle is None:
        settle = 0.0 if args.quick else 0.05

    if repeats < 1:
        raise SystemExit(f"--repeats must be at least 1, got {repeats}.")
    return Settings(quick=args.quick, repeats=repeats, warmup=1, settle_s=settle)


def run_cases(cases: list[str], settings: Settings) -> tuple[list[Table], dict[str, float]]:
    """Run the named cases in order and return their tables and each case's wall time."""
    tables: list[Table] = []
    durations: dict[str, float] = {}
    for case in cases:
        start = time.perf_counter()
        module = importlib.import_module(CASES[case])
        for table in module.run(settings):
            print(table.render(), end="\n\n", flush=True)
            tables.append(table)
        durations[case] = time.perf_counter() - start
    return tables, durations


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the suite from the command line and return the JSON record it writes."""
    args = parse_args(argv)
    settings = settings_from(args)
    command = "python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None else argv)

    load_at_start = environment.load_average()
    print(f"command: {command.strip()}", flush=True)
    tables, durations = run_cases(args.cases, settings)

    # Described after the cases, so the BLAS libraries the peers loaded are listed too.
    env = environment.describe()
    env["load_average_start"] = load_at_start
    env["load_average_end"] = environment.load_average()
    print(environment.format_environment(env))
    print(f"load average at end: {env['load_average_end']}")
    print("case wall times: " + ", ".join(f"{case} {seconds:.1f} s" for case, seconds in durations.items()))

    record = {
        "command": command.strip(),
        "settings": {"quick": settings.quick, "repeats": settings.repeats, "warmup": settings.warmup, "settle_s": settings.settle_s},
        "environment": env,
        "case_wall_s": durations,
        "tables": [table.to_json() for table in tables],
    }
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return record


if __name__ == "__main__":
    main()
