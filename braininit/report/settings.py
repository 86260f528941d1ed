"""Settings of a report run: sections, sizes, keys and the initializers compared."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import braininit as bi

# Sections in report order. The optional ones train or simulate models and
# need extra packages, so they run only when --sections names them.
DEFAULT_SECTIONS = ("fans", "weights", "propagation", "recurrent", "spectra", "kernels", "guide")
OPTIONAL_SECTIONS = ("training", "ei_network")
SECTIONS = DEFAULT_SECTIONS + OPTIONAL_SECTIONS

FORMATS = ("png", "svg")
ACTIVATIONS = ("linear", "relu", "leaky_relu", "tanh", "selu", "gelu")
ACTIVATION_LABELS = {"leaky_relu": "leaky_relu(0.2)"}

# A ratio to the starting value inside this band counts as preserved.
STABLE_BAND = (0.5, 2.0)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Network sizes and sample counts of a run."""

    depths: tuple[int, ...]
    widths: tuple[int, ...]
    n_keys: int
    batch: int = 32
    rnn_hidden: int = 50
    rnn_steps: int = 100
    spectrum_size: int = 200


FULL = Sizes(depths=(20, 100), widths=(100, 512), n_keys=3)
QUICK = Sizes(depths=(20, 100), widths=(100,), n_keys=2)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The parsed command line of one report run."""

    out: Path
    seed: int
    quick: bool
    sections: tuple[str, ...]
    fmt: str
    quiet: bool
    sizes: Sizes


def _scaled_initializers() -> dict[str, bi.Initializer]:
    """Return the variance-scaling family and Orthogonal, by label; both sections study them."""
    return {
        "KaimingNormal": bi.KaimingNormal(),
        "KaimingUniform": bi.KaimingUniform(),
        "XavierNormal": bi.XavierNormal(),
        "XavierUniform": bi.XavierUniform(),
        "LecunNormal": bi.LecunNormal(),
        "LecunUniform": bi.LecunUniform(),
        "VarianceScaling(truncated_normal)": bi.VarianceScaling(1.0, "fan_in", "truncated_normal"),
        "Orthogonal": bi.Orthogonal(),
    }


def propagation_initializers() -> dict[str, bi.Initializer]:
    """Return the initializers of the signal-propagation study, by label."""
    return {
        **_scaled_initializers(),
        "Normal(std=0.01)": bi.Normal(0.0, 0.01),
        "Normal(std=1.0)": bi.Normal(0.0, 1.0),
    }


def weight_initializers() -> dict[str, bi.Initializer]:
    """Return the initializers of the weight-statistics section, by label."""
    return {**_scaled_initializers(), "Identity": bi.Identity()}


def recurrent_initializers() -> dict[str, bi.Initializer]:
    """Return the initializers of the recurrent-gradient section, by label.

    The small normal has std 0.1, spectral radius about ``0.1 * sqrt(50) = 0.7``
    at hidden size 50, so its gradient shrinks visibly but stays above
    float32's smallest value over 100 steps.
    """
    return {
        "Orthogonal": bi.Orthogonal(),
        "XavierNormal": bi.XavierNormal(),
        "Normal(std=0.1)": bi.Normal(0.0, 0.1),
    }


def activation_label(name: str) -> str:
    return ACTIVATION_LABELS.get(name, name)
