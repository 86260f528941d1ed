"""Time ``braininit report``: the default run and ``--quick``, each in a fresh process.

Run from the repository root::

    python -m benchmarks.bench_report            # both runs
    python -m benchmarks.bench_report --quick-only

Each run is a new ``python -m braininit report`` process writing into a
temporary folder, so import and compilation time count as they do for a
user. The table gives wall time, the CPU time of the process (user + system,
from ``getrusage``) and the machine's load average before the run. On a
shared machine the wall time grows with the load while the CPU time changes
much less, so read the two together. The targets are 30 s for
``--quick`` and 120 s for the default run on 2 otherwise idle cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_S = {"--quick": 30.0, "default": 120.0}


def time_run(label: str, extra: list[str]) -> dict[str, float | str]:
    """Run the report once in a subprocess and return its wall time, CPU time and the load before it."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "braininit", "report", "--quiet", "--out", str(Path(folder) / "report"), *extra]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"run": label, "wall_s": wall, "cpu_s": cpu, "load": load, "target_s": TARGETS_S[label]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_report", description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true", help="time only the --quick run")
    args = parser.parse_args(argv)

    runs = [("--quick", ["--quick"])] + ([] if args.quick_only else [("default", [])])
    print(f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"{'run':<10}{'wall (s)':>10}{'CPU (s)':>10}{'load before':>13}{'target (s)':>12}")
    for label, extra in runs:
        row = time_run(label, extra)
        print(f"{row['run']:<10}{row['wall_s']:>10.1f}{row['cpu_s']:>10.1f}{row['load']:>13.2f}{row['target_s']:>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
