"""Singular value spectra of orthogonal and normal weights, and their deviation from orthogonality."""

from __future__ import annotations

import jax
import numpy as np

import braininit as bi
from braininit.diagnostics import gram_deviation, orthogonality_error, singular_values
from braininit.report.plotting import new_figure, style
from braininit.report.section import Context, Section, Table

NAME = "spectra"
TITLE = "Singular values: Orthogonal versus normal weights"

# About 80 float32 machine epsilons: the round-off of a float32 QR at these sizes.
ORTHOGONALITY_TOLERANCE = 1e-5


def _initializers() -> dict[str, bi.Initializer]:
    # LecunNormal has the same per-entry variance 1/n as a square Orthogonal matrix.
    return {"Orthogonal": bi.Orthogonal(), "LecunNormal": bi.LecunNormal()}


def _measure(context: Context) -> tuple[list[dict], dict[str, np.ndarray]]:
    n = context.settings.sizes.spectrum_size
    key = context.key(NAME)
    records, deviations = [], {}
    for index, (label, init) in enumerate(_initializers().items()):
        w = init(jax.random.fold_in(key, index), (n, n))
        values = np.asarray(singular_values(w), dtype=np.float64)
        records.append(
            {
                "initializer": label,
                "shape": [n, n],
                "singular_values": values,
                "orthogonality_error": orthogonality_error(w),
                "condition_number": float(values[0] / values[-1]),
            }
        )
        deviations[label] = np.asarray(gram_deviation(w))
    return records, deviations


def _plot(context: Context, records: list[dict], deviations: dict[str, np.ndarray]):
    figure = new_figure(15, 4.6)
    spectrum, *maps = figure.subplots(1, 1 + len(records), width_ratios=[1.3] + [1] * len(records))

    for record in records:
        label = record["initializer"]
        spectrum.plot(np.arange(1, len(record["singular_values"]) + 1), record["singular_values"], label=label, **style(label))
    spectrum.set_xlabel("index (descending)")
    spectrum.set_ylabel("singular value")
    spectrum.set_title(f"Singular values, {records[0]['shape'][0]}x{records[0]['shape'][1]}")
    spectrum.legend()

    for axis, record in zip(maps, records):
        label = record["initializer"]
        deviation = deviations[label]
        limit = float(np.max(np.abs(deviation)))
        image = axis.imshow(deviation, cmap="RdBu_r", vmin=-limit, vmax=limit)
        figure.colorbar(image, ax=axis, shrink=0.8, format="%.1e")
        axis.set_title(f"{label}: W^T W - I\nmax |entry| = {limit:.2e}", fontsize=9)
        axis.set_xlabel("column")
        axis.set_ylabel("column")

    figure.suptitle("Orthogonal weights have all singular values 1; normal weights spread them over [0, 2]")
    return context.save_figure(figure, "spectra", "Singular values (left) and W^T W - I for each initializer, each on its own colour scale.")


def run(context: Context) -> Section:
    """Compare the singular values and Gram deviations of Orthogonal and LecunNormal weights."""
    records, deviations = _measure(context)
    context.advance("spectra")

    orthogonal, normal = records
    passed = orthogonal["orthogonality_error"] <= ORTHOGONALITY_TOLERANCE
    table = Table(
        "Largest and smallest singular value, condition number and max |W^T W - I|.",
        ("initializer", "largest", "smallest", "condition number", "max |W^T W - I|"),
        [
            (r["initializer"], r["singular_values"][0], r["singular_values"][-1], r["condition_number"], r["orthogonality_error"])
            for r in records
        ],
    )
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            "A square Orthogonal weight preserves every direction (all singular values 1); a normal weight "
            "with the same entry variance 1/n has singular values spread over [0, 2] (the quarter-circle law), "
            "so some directions are amplified and others nearly lost."
        ),
        verdict=(
            f"Orthogonal: max |W^T W - I| = {orthogonal['orthogonality_error']:.1e}; LecunNormal: condition "
            f"number {normal['condition_number']:.3g}, max |W^T W - I| = {normal['orthogonality_error']:.2f}."
        ),
        criterion=f"Orthogonal passes when max |W^T W - I| <= {ORTHOGONALITY_TOLERANCE:g} (float32 round-off).",
        passed=passed,
        figures=[_plot(context, records, deviations)],
        tables=[table],
        results={"spectra": records},
    )
