"""Model builder: a deep MLP's weights and zero biases, built in a fresh process.

Each row runs in its own Python process, because what a user waits for when
a script starts is import, then the first build (trace, lower and XLA compile
included), then a second build that reuses the compiled program. The rows
compare writing the draws leaf by leaf inside one ``jax.jit``, braininit's
``init_tree`` (which draws leaves with equal records in one loop), Flax NNX
building the same model, and a PyTorch loop; and ``init_tree`` with JAX's
persistent compilation cache, cold and warm.

Run one row by hand with::

    python -m benchmarks.model_builder --worker tree --layers 24 --width 1024
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.harness import Row, Settings, Table

__all__ = ["run", "WORKERS"]

CASE = "model_builder"
REFERENCE = "braininit leaf by leaf (one jit)"
_REPO_ROOT = Path(__file__).resolve().parent.parent

# Worker name -> (row name, the peer module it needs or None).
WORKERS = {
    "leaves": (REFERENCE, None),
    "tree_unbatched": ("braininit.init_tree(batch=False) (one jit)", None),
    "tree": ("braininit.init_tree (one jit)", None),
    "jax_leaves": ("jax.nn.initializers leaf by leaf (one jit)", None),
    "nnx_eager": ("flax.nnx eager construction", "flax"),
    "nnx_jit": ("flax.nnx construction under nnx.jit", "flax"),
    "torch": ("torch loop (kaiming_normal_ + zeros)", "torch"),
}
# The rows of --quick: each process start costs seconds, so the smoke run spawns few.
QUICK_WORKERS = ("leaves", "tree", "torch")
# Rows that repeat a worker with JAX's persistent compilation cache.
_CACHED_ROWS = {
    "tree": ("braininit.init_tree, persistent cache cold", "braininit.init_tree, persistent cache warm"),
    "leaves": ("braininit leaf by leaf, persistent cache cold", "braininit leaf by leaf, persistent cache warm"),
}


def enable_compilation_cache(directory: str) -> None:
    """Turn on JAX's persistent compilation cache in ``directory`` for every compiled program.

    JAX skips programs that compile in under a second or are small unless the
    two thresholds are lowered; an initializer program is both.
    """
    import jax

    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def _jax_builder(name: str, layers: int, width: int) -> Callable[[Any], Any]:
    """Return ``build(key) -> params`` for the JAX rows."""
    import jax

    import braininit as bi

    if name in ("tree", "tree_unbatched"):
        spec = {
            "layers": [
                {"w": bi.Param(bi.KaimingNormal(), (width, width)), "b": bi.Param(bi.Zeros(), (width,))}
                for _ in range(layers)
            ]
        }
        batch = name == "tree"
        return lambda key: bi.init_tree(key, spec, batch=batch)

    if name == "leaves":
        weight_init, bias_init = bi.KaimingNormal(), bi.Zeros()
    else:
        weight_init = jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")
        bias_init = jax.nn.initializers.zeros

    def build(key: Any) -> Any:
        keys = jax.random.split(key, 2 * layers)
        return {
            "layers": [
                {"w": weight_init(keys[2 * i], (width, width)), "b": bias_init(keys[2 * i + 1], (width,))}
                for i in range(layers)
            ]
        }

    return build


def _time_builds(build: Callable[[], Any], block: Callable[[Any], Any], repeats: int) -> dict[str, float]:
    start = time.perf_counter()
    block(build())
    second = time.perf_counter() - start

    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        block(build())
        samples.append(time.perf_counter() - start)
    return {"second_build_s": second, "steady_s": statistics.median(samples)}


def _nnx_model(nnx: Any, initializer: Any, layers: int, width: int, seed: int) -> Any:
    rngs = nnx.Rngs(seed)
    return nnx.Sequential(*[nnx.Linear(width, width, kernel_init=initializer, rngs=rngs) for _ in range(layers)])


def worker(name: str, layers: int, width: int, repeats: int, cache_dir: str | None) -> dict[str, float]:
    """Measure one row in this (fresh) process and return its times in seconds."""
    start = time.perf_counter()
    if name == "torch":
        # No jax import here: the torch row's process loads only torch.
        import torch

        imported = time.perf_counter()
        device = "cuda" if torch.cuda.is_available() else "cpu"

        def build() -> Any:
            params = []
            for _ in range(layers):
                weight = torch.empty(width, width, device=device)
                torch.nn.init.kaiming_normal_(weight, nonlinearity="relu")
                params.append({"w": weight, "b": torch.zeros(width, device=device)})
            return params

        def synchronize(params: Any) -> Any:
            if device == "cuda":
                torch.cuda.synchronize()
            return params

        first_start = time.perf_counter()
        synchronize(build())
        result = {"import_s": imported - start, "first_build_s": time.perf_counter() - first_start}
        return result | _time_builds(build, synchronize, repeats)

    import jax

    import braininit  # noqa: F401  (imported here so that its import time counts as import)
    from benchmarks.harness import block, compile_stages

    if cache_dir is not None:
        enable_compilation_cache(cache_dir)

    if name in ("nnx_eager", "nnx_jit"):
        from flax import nnx

        imported = time.perf_counter()
        initializer = jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")
        if name == "nnx_eager":
            build = lambda: nnx.state(_nnx_model(nnx, initializer, layers, width, 0))
        else:
            create = nnx.jit(lambda: _nnx_model(nnx, initializer, layers, width, 0))
            build = lambda: nnx.state(create())
        first_start = time.perf_counter()
        block(build())
        result = {"import_s": imported - start, "first_build_s": time.perf_counter() - first_start}
        return result | _time_builds(build, block, repeats)

    imported = time.perf_counter()
    key = jax.random.key(0)
    compiled, stages = compile_stages(_jax_builder(name, layers, width), key)
    result = {"import_s": imported - start, "first_build_s": sum(stages.values()), **stages}
    return result | _time_builds(lambda: compiled(key), block, repeats)


def _spawn(name: str, layers: int, width: int, repeats: int, cache_dir: str | None) -> dict[str, Any]:
    """Run one worker in a fresh interpreter and return its measurements, or the error."""
    command = [
        sys.executable, "-m", "benchmarks.model_builder", "--worker", name,
        "--layers", str(layers), "--width", str(width), "--repeats", str(repeats),
    ]
    if cache_dir is not None:
        command += ["--cache-dir", cache_dir]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")])))

    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=_REPO_ROOT, env=env, check=False)
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker {name} exited with {completed.returncode}: {last_line[:200]}"}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _row(name: str, runs: list[dict[str, Any]]) -> Row:
    """Summarize the fresh-process runs of one row: medians of each measured quantity."""
    from benchmarks.harness import Row

    errors = [run["error"] for run in runs if "error" in run]
    if errors:
        return Row(name, None, note=errors[0])
    # first_build_s is the row's value; the other times become columns.
    keys = [key for key in runs[0] if key.endswith("_s") and key != "first_build_s"]
    extra = {key: statistics.median(run[key] for run in runs) for key in keys}
    first_builds = [run["first_build_s"] for run in runs]
    return Row(name, statistics.median(first_builds), extra=extra, samples=first_builds)


def run(settings: Settings) -> Iterator[Table]:
    """Run the model-builder case: fresh-process first builds, then steady state."""
    from benchmarks import peers
    from benchmarks.harness import Row, Table

    layers, width = (2, 32) if settings.quick else (24, 1024)
    processes = 1 if settings.quick else 3
    repeats = settings.repeats

    rows: list[Row] = []
    notes: list[str] = []
    for worker_name, (row_name, needs) in WORKERS.items():
        if settings.quick and worker_name not in QUICK_WORKERS:
            continue
        if needs is not None and peers.load(needs) is None:
            notes.append(peers.missing_note(needs))
            continue
        runs = [_spawn(worker_name, layers, width, repeats, None) for _ in range(processes)]
        rows.append(_row(row_name, runs))

        if worker_name in _CACHED_ROWS and not (settings.quick and worker_name != "tree"):
            cold_name, warm_name = _CACHED_ROWS[worker_name]
            cold_runs, warm_runs = [], []
            for _ in range(processes):
                with tempfile.TemporaryDirectory(prefix="braininit-jax-cache-") as cache_dir:
                    cold_runs.append(_spawn(worker_name, layers, width, repeats, cache_dir))
                    warm_runs.append(_spawn(worker_name, layers, width, repeats, cache_dir))
            rows += [_row(cold_name, cold_runs), _row(warm_name, warm_runs)]

    notes += [
        (
            f"{layers} layers of width {width}: {layers} KaimingNormal (fan_in, normal) weights and {layers} zero "
            f"biases; medians over {processes} fresh processes."
        ),
        (
            "first build = trace + lower + compile + first call for the jax rows (a cache-warm row loads the "
            "compiled program from disk in the compile step); import is timed apart."
        ),
        (
            "A warm-cache row runs after a cold one that wrote the cache, in a new process, as a second launch of "
            "a training script would."
        ),
    ]
    first = Table(
        CASE, f"Model builder, {layers}-layer width-{width} MLP: first build in a fresh process", REFERENCE, rows, notes
    )
    steady_rows = [
        Row(row.name, row.extra.get("steady_s"), extra={"second_build_s": row.extra.get("second_build_s")}, note=row.note)
        for row in rows
    ]
    steady = Table(
        CASE,
        f"Model builder, {layers}-layer width-{width} MLP: steady state (median of {repeats} builds after the second)",
        REFERENCE,
        steady_rows,
    )
    yield first
    yield steady


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time one model-builder row in this process; prints JSON.")
    parser.add_argument("--worker", choices=sorted(WORKERS), required=True, help="the row to measure")
    parser.add_argument("--layers", type=int, default=24, help="number of layers")
    parser.add_argument("--width", type=int, default=1024, help="layer width")
    parser.add_argument("--repeats", type=int, default=5, help="builds timed for the steady-state median")
    parser.add_argument("--cache-dir", help="enable JAX's persistent compilation cache in this directory")
    args = parser.parse_args(argv)
    result = worker(args.worker, args.layers, args.width, args.repeats, args.cache_dir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
