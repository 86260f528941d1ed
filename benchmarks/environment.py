"""A record of the machine, the library versions and the thread settings a run used."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from typing import Any

import jax

from benchmarks import peers

__all__ = ["describe", "load_average", "format_environment"]

_PACKAGES = (
    "braininit",
    "jax",
    "jaxlib",
    "numpy",
    "scipy",
    "torch",
    "braintools",
    "brainstate",
    "flax",
    "threadpoolctl",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def load_average() -> list[float] | None:
    """Return the 1, 5 and 15 minute load averages, or None where the OS has none."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _blas_libraries() -> list[dict[str, Any]]:
    """List the BLAS and OpenMP libraries loaded so far, with their thread counts."""
    threadpoolctl = peers.load("threadpoolctl")
    if threadpoolctl is None:
        return []
    keep = ("internal_api", "prefix", "version", "num_threads", "filepath")
    return [{key: info.get(key) for key in keep} for info in threadpoolctl.threadpool_info()]


def _torch_threads() -> dict[str, Any] | None:
    torch = peers.load("torch")
    if torch is None:
        return None
    return {
        "intra_op_threads": torch.get_num_threads(),
        "mkl": bool(torch.backends.mkl.is_available()),
        "cuda": bool(torch.cuda.is_available()),
        "device_used": peers.torch_device(),
    }


def describe() -> dict[str, Any]:
    """Return the machine, versions, JAX devices and thread settings as plain data."""
    devices = jax.devices()
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": _memory_gib(),
        "jax_backend": jax.default_backend(),
        "jax_devices": [f"{device.platform}:{device.device_kind}" for device in devices],
        "jax_threefry_partitionable": bool(jax.config.jax_threefry_partitionable),
        "jax_default_prng_impl": str(jax.config.jax_default_prng_impl),
        "versions": _versions(),
        "torch": _torch_threads(),
        "blas": _blas_libraries(),
        "thread_env": {
            name: os.environ.get(name)
            for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
        },
        "load_average_start": load_average(),
    }


def format_environment(env: dict[str, Any]) -> str:
    """Return the environment record as a few readable lines."""
    versions = ", ".join(f"{name} {version}" for name, version in env["versions"].items() if version)
    lines = [
        f"machine: {env['cpu']}, {env['cpus_available']} of {env['cpu_count']} CPUs, "
        f"{env['memory_gib']:.0f} GiB; {env['platform']}" if env["memory_gib"] else f"machine: {env['cpu']}",
        f"jax backend: {env['jax_backend']} ({', '.join(env['jax_devices'])}); python {env['python']}",
        f"versions: {versions}",
    ]
    if env["torch"]:
        lines.append(f"torch: {env['torch']}")
    for library in env["blas"]:
        lines.append(
            f"threads: {library['prefix']} {library['version']} ({library['internal_api']}) "
            f"num_threads={library['num_threads']}"
        )
    lines.append(f"load average at start: {env['load_average_start']}")
    return "\n".join(lines)
