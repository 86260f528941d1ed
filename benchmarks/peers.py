"""Optional peer libraries: import them if installed, and say why a row is missing if not.

A peer that is not installed is skipped with a note in its table; its row is
never filled with a stand-in.
"""

from __future__ import annotations

import importlib
from typing import Any

import jax

__all__ = ["load", "missing_note", "torch_device", "seed_braintools"]

_INSTALL_HINTS = {
    "torch": "pip install torch==2.13.0 (the CPU build)",
    "braintools": "pip install braintools",
    "flax": "pip install flax",
    "scipy": "pip install scipy",
}

_missing: dict[str, str] = {}


def load(name: str) -> Any | None:
    """Import and return the module ``name``, or None when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        _missing[name] = str(error)
        return None


def missing_note(name: str) -> str:
    """Return the note printed in place of the rows of a peer that did not import."""
    hint = _INSTALL_HINTS.get(name.split(".")[0], f"pip install {name}")
    reason = _missing.get(name, "not installed")
    return f"{name} rows skipped: {reason}; install with `{hint}`."


def torch_device() -> str:
    """Return the torch device that matches JAX's backend: "cuda" on a GPU run, else "cpu".

    On a machine whose torch build has no CUDA the torch rows stay on the CPU,
    and the environment record says so.
    """
    torch = load("torch")
    if torch is not None and jax.default_backend() == "gpu" and torch.cuda.is_available():
        return "cuda"
    return "cpu"


def seed_braintools(seed: int = 0) -> None:
    """Seed brainstate's global RNG, which ``braintools.init`` draws from when no key is passed."""
    brainstate = load("brainstate")
    if brainstate is not None:
        brainstate.random.seed(seed)
