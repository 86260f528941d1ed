"""Peak memory of one 4096x4096 float32 draw, measured in a fresh process per row.

On the CPU the peak is the rise of the process's resident set (VmHWM, reset
through ``/proc/self/clear_refs`` after a warm-up call, so compilation and
imports are not counted). On an accelerator the JAX rows read the device's
``peak_bytes_in_use``. The output array itself counts: a draw that needs
nothing beyond its result shows a ratio of 1.0 to the output size.

Run one row by hand with::

    python -m benchmarks.memory --worker braininit_kaiming_jit --size 4096
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.harness import Settings, Table

__all__ = ["run", "WORKERS"]

CASE = "memory"
REFERENCE = "output array itself"
_REPO_ROOT = Path(__file__).resolve().parent.parent
_MIB = 2**20

# Worker name -> (row name, the peer module it needs or None).
WORKERS = {
    "braininit_kaiming_jit": ("braininit KaimingNormal (jit)", None),
    "braininit_kaiming_eager": ("braininit KaimingNormal (eager)", None),
    "braininit_kaiming_rbg": ("braininit KaimingNormal, unsafe_rbg key (jit)", None),
    "braininit_kaiming_unrolled": ("braininit KaimingNormal, unrolled threefry lowering (jit)", None),
    "braininit_truncated_jit": ("braininit TruncatedNormal (jit)", None),
    "braininit_orthogonal_jit": ("braininit Orthogonal (jit)", None),
    "jax_kaiming_jit": ("jax.nn.initializers he normal (jit)", None),
    "jax_orthogonal_jit": ("jax.nn.initializers orthogonal (jit)", None),
    "torch_kaiming": ("torch kaiming_normal_ (new tensor)", "torch"),
    "braintools_kaiming": ("braintools.init KaimingNormal (eager)", "braintools"),
    "numpy_normal": ("numpy standard_normal float32", None),
}
# The rows of --quick: each process start costs seconds, so the smoke run spawns few.
QUICK_WORKERS = ("braininit_kaiming_jit", "numpy_normal")


def _status_kib(field: str) -> int | None:
    """Read a ``VmRSS``-style field of /proc/self/status in KiB, or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the resident-set high-water mark to the current resident set (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _make_draw(name: str, size: int) -> tuple[Callable[[], Any], dict[str, float]]:
    """Return a call that makes a fresh ``(size, size)`` array, and XLA's planned sizes if jitted."""
    shape = (size, size)
    if name == "numpy_normal":
        import numpy as np

        rng = np.random.default_rng(0)
        return (lambda: rng.standard_normal(shape, dtype=np.float32)), {}

    if name == "torch_kaiming":
        import torch

        return (lambda: torch.nn.init.kaiming_normal_(torch.empty(shape), nonlinearity="relu")), {}

    import jax
    import jax.numpy as jnp

    import braininit as bi

    key = jax.random.key(0, impl="unsafe_rbg") if name == "braininit_kaiming_rbg" else jax.random.key(0)
    if name == "braintools_kaiming":
        import braintools

        init = braintools.init.KaimingNormal()
        return (lambda: init(shape)), {}
    if name == "braininit_kaiming_eager":
        init = bi.KaimingNormal()
        return (lambda: init(key, shape, jnp.float32)), {}

    draws = {
        "braininit_kaiming_jit": lambda k: bi.KaimingNormal()(k, shape, jnp.float32),
        "braininit_kaiming_rbg": lambda k: bi.KaimingNormal()(k, shape, jnp.float32),
        "braininit_kaiming_unrolled": lambda k: bi.KaimingNormal()(k, shape, jnp.float32),
        "braininit_truncated_jit": lambda k: bi.TruncatedNormal(std=0.02, low=-0.04, high=0.04)(k, shape, jnp.float32),
        "braininit_orthogonal_jit": lambda k: bi.Orthogonal()(k, shape, jnp.float32),
        "jax_kaiming_jit": lambda k: jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")(k, shape),
        "jax_orthogonal_jit": lambda k: jax.nn.initializers.orthogonal()(k, shape),
    }
    if name == "braininit_kaiming_unrolled" and jax.default_backend() == "cpu":
        from benchmarks.dense import unrolled_threefry

        with unrolled_threefry():
            compiled = jax.jit(draws[name]).lower(key).compile()
    else:
        compiled = jax.jit(draws[name]).lower(key).compile()
    analysis = compiled.memory_analysis()
    planned = {}
    if analysis is not None:
        planned["xla_temp_mib"] = analysis.temp_size_in_bytes / _MIB
    return (lambda: compiled(key)), planned


def _block(value: Any) -> Any:
    if "jax" in sys.modules:
        import jax

        jax.block_until_ready(value)
    return value


def _device_peak(draw: Callable[[], Any]) -> float | None:
    """Return the peak device bytes a JAX draw adds on an accelerator, or None on the CPU."""
    if "jax" not in sys.modules:
        return None
    import jax

    if jax.default_backend() == "cpu":
        return None
    device = jax.devices()[0]
    before = device.memory_stats()["bytes_in_use"]
    output = _block(draw())
    peak = device.memory_stats()["peak_bytes_in_use"] - before
    del output
    return float(peak)


def worker(name: str, size: int) -> dict[str, Any]:
    """Measure one row's peak memory in this process; returns MiB figures."""
    draw, planned = _make_draw(name, size)
    _block(draw())
    gc.collect()

    device_peak = _device_peak(draw)
    if device_peak is not None:
        return {"peak_mib": device_peak / _MIB, "method": "device peak_bytes_in_use", **planned}

    if not _reset_peak():
        return {"error": "cannot reset the resident-set peak (needs Linux /proc/self/clear_refs)"}
    before = _status_kib("VmRSS")
    output = _block(draw())
    peak = _status_kib("VmHWM")
    del output
    return {"peak_mib": (peak - before) / 1024, "method": "VmHWM rise after clear_refs", **planned}


def _spawn(name: str, size: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.memory", "--worker", name, "--size", str(size)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")])))
    completed = subprocess.run(command, capture_output=True, text=True, cwd=_REPO_ROOT, env=env, check=False)
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker {name} exited with {completed.returncode}: {last_line[:200]}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(settings: Settings) -> Iterator[Table]:
    """Run the memory case: one fresh process per row."""
    from benchmarks import peers
    from benchmarks.harness import Row, Table

    size = 256 if settings.quick else 4096
    output_mib = size * size * 4 / _MIB
    rows = [Row(REFERENCE, output_mib)]
    notes = []
    for worker_name, (row_name, needs) in WORKERS.items():
        if settings.quick and worker_name not in QUICK_WORKERS:
            continue
        if needs is not None and peers.load(needs) is None:
            notes.append(peers.missing_note(needs))
            continue
        result = _spawn(worker_name, size)
        if "error" in result:
            rows.append(Row(row_name, None, note=result["error"]))
            continue
        extra = {key: value for key, value in result.items() if key.endswith("_mib") and key != "peak_mib"}
        rows.append(Row(row_name, result["peak_mib"], extra=extra, note="" if "VmHWM" in result["method"] else result["method"]))

    notes += [
        (
            "peak = rise of the resident set (VmHWM) during the second call in a fresh process, output included; "
            "xla temp = scratch buffers XLA planned for the compiled program."
        ),
        "Resident-set figures round to pages and include allocator slack, so differences under a few MiB mean nothing.",
    ]
    title = f"Peak memory of one {size}x{size} float32 draw (MiB)"
    yield Table(CASE, title, REFERENCE, rows, notes, unit="MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure one memory row in this process; prints JSON.")
    parser.add_argument("--worker", choices=sorted(WORKERS), required=True, help="the row to measure")
    parser.add_argument("--size", type=int, default=4096, help="side of the square float32 array")
    args = parser.parse_args(argv)
    print(json.dumps(worker(args.worker, args.size)))


if __name__ == "__main__":
    main()
