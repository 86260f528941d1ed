"""Shared figure helpers: creating and saving matplotlib figures without pyplot, colours, log axes.

matplotlib is imported here and only when a section draws, so
``import braininit.report`` stays light. Figures are built with
``matplotlib.figure.Figure`` directly, which needs no GUI backend and keeps
no global state between figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Colour per initializer family; Normal and Uniform variants share it and differ in line style.
_FAMILY_COLOURS = {
    "Kaiming": "#1f77b4",
    "Xavier": "#ff7f0e",
    "Lecun": "#2ca02c",
    "VarianceScaling": "#9467bd",
    "Orthogonal": "#111111",
    "Identity": "#8c564b",
    "Normal(std=0.01)": "#7f7f7f",
    "Normal(std=0.1)": "#7f7f7f",
    "Normal(std=1.0)": "#d62728",
}

# Axis limits for log plots: values beyond them left float32's useful range.
LOG_FLOOR, LOG_CEILING = 1e-8, 1e8


def new_figure(width: float, height: float) -> Any:
    """Create a matplotlib figure of ``width`` x ``height`` inches with constrained layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def save(figure: Any, path: Path) -> None:
    """Write ``figure`` to ``path``; the format comes from the suffix.

    SVG files get no date and ids from a fixed salt (PNG files carry no date
    anyway), so the same numbers give the same file.
    """
    import matplotlib

    metadata = {"Date": None} if path.suffix == ".svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "braininit", "svg.fonttype": "none"}):
        figure.savefig(path, metadata=metadata)
    figure.clear()


def style(label: str) -> dict[str, Any]:
    """Return line colour and style for an initializer label."""
    colour = next((value for family, value in _FAMILY_COLOURS.items() if label.startswith(family)), "#17becf")
    dashed = "Uniform" in label
    return {"color": colour, "linestyle": "--" if dashed else "-"}


def clamp_log_axis(axis: Any, floor: float = LOG_FLOOR, ceiling: float = LOG_CEILING) -> None:
    """Keep a log y-axis inside ``[floor, ceiling]`` so runaway curves leave the frame."""
    low, high = axis.get_ylim()
    axis.set_ylim(max(low, floor), min(high, ceiling))


def finite_positive(values: Any) -> np.ndarray:
    """Return ``values`` as floats with zeros and non-finite entries replaced by NaN, which matplotlib skips."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)
