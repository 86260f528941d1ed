"""Fan table: fan_in, fan_out and fan_avg of dense and convolution shapes in both layouts."""

from __future__ import annotations

import numpy as np

from braininit.fans import compute_fans
from braininit.report.plotting import new_figure
from braininit.report.section import Context, Section, Table

NAME = "fans"
TITLE = "Fan-in and fan-out in both layouts"

# (label, JAX-layout shape, channels-first shape) of the same layer.
LAYERS = (
    ("Dense 100->50", (100, 50), (50, 100)),
    ("Dense 50->100", (50, 100), (100, 50)),
    ("Conv2D 3x3 16->32", (3, 3, 16, 32), (32, 16, 3, 3)),
    ("Conv2D 5x5 64->128", (5, 5, 64, 128), (128, 64, 5, 5)),
)


def _record(layer: str, layout: str, shape: tuple[int, ...]) -> dict:
    fan_in, fan_out = compute_fans(shape, layout=layout)
    return {
        "layer": layer,
        "layout": layout,
        "shape": list(shape),
        "fan_in": fan_in,
        "fan_out": fan_out,
        "fan_avg": (fan_in + fan_out) / 2,
    }


def _plot(context: Context, records: list[dict]):
    figure = new_figure(11, 4)
    axes = figure.subplots(1, 2, sharey=True)
    quantities = ("fan_in", "fan_out", "fan_avg")
    positions = np.arange(len(LAYERS))

    for axis, layout in zip(axes, ("jax", "channels_first")):
        rows = [record for record in records if record["layout"] == layout]
        for offset, quantity in enumerate(quantities):
            values = [record[quantity] for record in rows]
            bars = axis.bar(positions + (offset - 1) * 0.27, values, width=0.27, label=quantity)
            axis.bar_label(bars, fmt="%g", fontsize=7)
        axis.set_xticks(positions, [f"{row['layer']}\n{tuple(row['shape'])}" for row in rows], fontsize=8)
        axis.set_yscale("log")
        axis.set_title(f"layout={layout!r}")
    axes[0].set_ylabel("fan (log scale)")
    axes[0].legend(loc="upper left")
    figure.suptitle("Fans of the same layers in the JAX and channels-first layouts")
    return context.save_figure(figure, "fans", "Fans of four layers, each in both layouts: the bars match pairwise.")


def run(context: Context) -> Section:
    """Compute the fans of each layer in both layouts and check that the layouts agree."""
    records = [
        _record(layer, layout, shape)
        for layer, jax_shape, channels_first_shape in LAYERS
        for layout, shape in (("jax", jax_shape), ("channels_first", channels_first_shape))
    ]
    agree = all(
        records[i]["fan_in"] == records[i + 1]["fan_in"] and records[i]["fan_out"] == records[i + 1]["fan_out"]
        for i in range(0, len(records), 2)
    )
    context.advance("fans")

    table = Table(
        "fan_avg = (fan_in + fan_out) / 2; a convolution multiplies both fans by its receptive field.",
        ("layer", "layout", "shape", "fan_in", "fan_out", "fan_avg"),
        [(r["layer"], r["layout"], str(tuple(r["shape"])), r["fan_in"], r["fan_out"], r["fan_avg"]) for r in records],
    )
    verdict = "Both layouts give the same fans for every layer." if agree else "The layouts disagree on some fans."
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            "braininit.compute_fans on the same four layers stored in JAX's layout (dense (in, out), "
            "conv (H, W, in, out)) and in the channels-first layout of Equinox and PyTorch "
            "(dense (out, in), conv (out, in, H, W))."
        ),
        verdict=verdict,
        criterion="fan_in and fan_out are equal in both layouts for each layer.",
        passed=agree,
        figures=[_plot(context, records)],
        tables=[table],
        results={"fans": records},
    )
