"""Structured kernels: DeltaOrthogonal in both layouts, Identity and Dirac for square, wide and tall shapes."""

from __future__ import annotations

import jax
import numpy as np

import braininit as bi
from braininit.diagnostics import centre_matrix, off_centre_max, orthogonality_error, passthrough_error, to_jax_layout
from braininit.report.plotting import new_figure
from braininit.report.section import Context, Section, Table
from braininit.report.sections.spectra import ORTHOGONALITY_TOLERANCE

NAME = "kernels"
TITLE = "Delta-orthogonal, Identity and Dirac kernels"

DELTA_SHAPES = {"jax": (3, 3, 32, 32), "channels_first": (32, 32, 3, 3)}
# (in, out) channel pairs: square, wide (more outputs) and tall (more inputs).
CHANNELS = {"square": (6, 6), "wide": (6, 9), "tall": (9, 6)}
# Passing channels through multiplies by exactly 1 and adds exact zeros.
PASSTHROUGH_TOLERANCE = 1e-6


def _delta_orthogonal(key: jax.Array) -> tuple[list[dict], dict[str, np.ndarray]]:
    records, kernels = [], {}
    for layout, shape in DELTA_SHAPES.items():
        kernel = bi.DeltaOrthogonal(layout=layout)(key, shape)
        centre = centre_matrix(kernel, layout)
        records.append(
            {
                "layout": layout,
                "shape": list(shape),
                "orthogonality_error": orthogonality_error(centre),
                "off_centre_max": off_centre_max(kernel, layout),
            }
        )
        kernels[layout] = np.asarray(to_jax_layout(kernel, layout))
    difference = float(np.max(np.abs(centre_matrix(kernels["jax"]) - centre_matrix(kernels["channels_first"]))))
    for record in records:
        record["centre_difference_between_layouts"] = difference
    return records, kernels


def _passthrough(key: jax.Array) -> tuple[list[dict], dict[str, np.ndarray]]:
    records, matrices = [], {}
    for case, (n_in, n_out) in CHANNELS.items():
        for name, init, shape in (
            ("Identity", bi.Identity(), (n_in, n_out)),
            ("Dirac", bi.Dirac(), (3, 3, n_in, n_out)),
        ):
            weight = init(key, shape)
            records.append(
                {
                    "initializer": name,
                    "case": case,
                    "shape": list(shape),
                    "passthrough_error": passthrough_error(weight),
                    "off_centre_max": off_centre_max(weight) if weight.ndim > 2 else 0.0,
                }
            )
            matrices[f"{name} {case}"] = np.asarray(weight if weight.ndim == 2 else centre_matrix(weight))
    return records, matrices


def _plot_delta(context: Context, kernels: dict[str, np.ndarray]):
    figure = new_figure(12, 8)
    axes = figure.subplots(2, 3)
    for row, (layout, kernel) in enumerate(kernels.items()):
        taps = np.sqrt(np.sum(kernel**2, axis=(-2, -1)))
        centre = centre_matrix(kernel)
        panels = (
            (taps, "viridis", "Frobenius norm per tap (3x3)", "kernel column", "kernel row"),
            (np.asarray(centre), "RdBu_r", "centre tap (in x out)", "output channel", "input channel"),
            (np.asarray(centre.T @ centre), "RdBu_r", "centre^T centre", "output channel", "output channel"),
        )
        for axis, (image, cmap, title, xlabel, ylabel) in zip(axes[row], panels):
            limit = float(np.max(np.abs(image)))
            picture = axis.imshow(image, cmap=cmap, vmin=0 if cmap == "viridis" else -limit, vmax=limit)
            figure.colorbar(picture, ax=axis, shrink=0.8)
            axis.set_title(f"layout={layout!r}: {title}", fontsize=9)
            if image.shape[0] <= 5:
                axis.set_xticks(range(image.shape[1]))
                axis.set_yticks(range(image.shape[0]))
            axis.set_xlabel(xlabel)
            axis.set_ylabel(ylabel)
    figure.suptitle("DeltaOrthogonal 3x3, 32->32: orthogonal centre, zero border, in both layouts")
    return context.save_figure(figure, "delta_orthogonal", "DeltaOrthogonal kernels in the JAX layout (top) and channels-first (bottom).")


def _plot_passthrough(context: Context, records: list[dict], matrices: dict[str, np.ndarray]):
    figure = new_figure(11, 7)
    axes = figure.subplots(2, 3)
    for axis, record in zip(axes.T.ravel(), records):
        key = f"{record['initializer']} {record['case']}"
        axis.imshow(matrices[key], cmap="Greys", vmin=0, vmax=1)
        where = "" if record["initializer"] == "Identity" else "centre tap, "
        axis.set_title(f"{record['initializer']} {tuple(record['shape'])}\n{where}error {record['passthrough_error']:.1g}", fontsize=9)
        axis.set_xlabel("output channel")
        axis.set_ylabel("input channel")
    figure.suptitle("Identity (top) and Dirac (bottom) for square, wide and tall shapes")
    return context.save_figure(figure, "identity_dirac", "Identity matrices and the centre tap of Dirac kernels; black is 1.")


def run(context: Context) -> Section:
    """Check the structure of DeltaOrthogonal, Identity and Dirac and draw them."""
    key = context.key(NAME)
    delta, kernels = _delta_orthogonal(key)
    passthrough, matrices = _passthrough(key)
    context.advance("kernels")

    delta_ok = all(
        r["orthogonality_error"] <= ORTHOGONALITY_TOLERANCE and r["off_centre_max"] == 0 and r["centre_difference_between_layouts"] == 0
        for r in delta
    )
    passthrough_ok = all(r["passthrough_error"] <= PASSTHROUGH_TOLERANCE and r["off_centre_max"] == 0 for r in passthrough)
    tables = [
        Table(
            "DeltaOrthogonal from the same key in both layouts.",
            ("layout", "shape", "max |C^T C - I|", "max |off-centre|", "centre difference between layouts"),
            [(r["layout"], str(tuple(r["shape"])), r["orthogonality_error"], r["off_centre_max"], r["centre_difference_between_layouts"]) for r in delta],
        ),
        Table(
            "Identity (x @ W) and Dirac (stride-1 'SAME' convolution) applied to a random input.",
            ("initializer", "case", "shape", "max |output - passed input|", "max |off-centre|"),
            [(r["initializer"], r["case"], str(tuple(r["shape"])), r["passthrough_error"], r["off_centre_max"]) for r in passthrough],
        ),
    ]
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            "DeltaOrthogonal puts an orthogonal matrix at the centre tap of a convolution kernel and zeros "
            "elsewhere, so a deep CNN starts orthogonal. Identity and Dirac pass the first min(in, out) "
            "channels through unchanged and zero the rest."
        ),
        verdict=(
            "DeltaOrthogonal has an orthogonal centre and a zero border in both layouts, and Identity and Dirac pass "
            "their inputs through for every shape."
            if delta_ok and passthrough_ok
            else "Some structured kernel fails its check; see the tables."
        ),
        criterion=(
            f"max |C^T C - I| <= {ORTHOGONALITY_TOLERANCE:g}, off-centre taps exactly 0, the same centre from the same key "
            f"in both layouts, and max |output - passed input| <= {PASSTHROUGH_TOLERANCE:g}."
        ),
        passed=delta_ok and passthrough_ok,
        figures=[_plot_delta(context, kernels), _plot_passthrough(context, passthrough, matrices)],
        tables=tables,
        results={"kernels": {"delta_orthogonal": delta, "identity_dirac": passthrough}},
    )
