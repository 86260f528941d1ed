"""Weight statistics: every initializer on a 100x100 matrix against the std its formula predicts."""

from __future__ import annotations

import math

import jax
import numpy as np

from braininit.diagnostics import expected_std, weight_statistics
from braininit.report.plotting import new_figure, style
from braininit.report.section import Context, Section, Table
from braininit.report.settings import weight_initializers

NAME = "weights"
TITLE = "Weight statistics on a 100x100 matrix"
SHAPE = (100, 100)

# The sample std of n normal values has relative standard error 1 / sqrt(2 n);
# uniform and truncated normal values have less. Four standard errors.
TOLERANCE = 4 / math.sqrt(2 * math.prod(SHAPE))


def _measure(key: jax.Array) -> tuple[list[dict], dict[str, np.ndarray]]:
    records, samples = [], {}
    for index, (label, init) in enumerate(weight_initializers().items()):
        w = init(jax.random.fold_in(key, index), SHAPE)
        stats = {name: float(value) for name, value in weight_statistics(w).items()}
        expected = expected_std(init, SHAPE)
        records.append(
            {
                "initializer": label,
                "shape": list(SHAPE),
                **stats,
                "expected_std": expected,
                "relative_error": abs(stats["std"] - expected) / expected,
            }
        )
        samples[label] = np.asarray(w).ravel()
    return records, samples


def _plot(context: Context, records: list[dict], samples: dict[str, np.ndarray]):
    figure = new_figure(12, 10)
    axes = figure.subplots(3, 3).ravel()

    for axis, record in zip(axes, records):
        label = record["initializer"]
        axis.hist(samples[label], bins=60, color=style(label)["color"], alpha=0.8)
        for sign in (-1, 1):
            axis.axvline(sign * record["expected_std"], color="black", linestyle=":", linewidth=1)
        if label == "Identity":
            axis.set_yscale("log")
        axis.set_title(f"{label}\nstd {record['std']:.4f} (formula {record['expected_std']:.4f})", fontsize=9)
        axis.set_xlabel("weight value")
        axis.set_ylabel("count" + (" (log scale)" if label == "Identity" else ""))

    figure.suptitle("Weight histograms on 100x100; dotted lines at ± the formula's std")
    return context.save_figure(figure, "weights", "Histograms of one 100x100 draw per initializer.")


def run(context: Context) -> Section:
    """Draw each initializer once and compare its std with the formula."""
    records, samples = _measure(context.key(NAME))
    context.advance("weights")

    worst = max(records, key=lambda record: record["relative_error"])
    passed = worst["relative_error"] <= TOLERANCE
    table = Table(
        "Statistics of one draw; relative error = |std - formula| / formula.",
        ("initializer", "mean", "std", "min", "max", "formula std", "relative error"),
        [
            (r["initializer"], r["mean"], r["std"], r["min"], r["max"], r["expected_std"], r["relative_error"])
            for r in records
        ],
    )
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            "Mean, std, min and max of one 100x100 draw per initializer, beside the std its formula "
            "predicts: sqrt(scale / fan) for variance scaling (KaimingNormal: sqrt(2/100) = 0.1414), "
            "1/sqrt(n) for Orthogonal and the std of the 0/1 pattern for Identity."
        ),
        verdict=(
            f"Every std matches its formula; the largest relative error is {worst['relative_error']:.2%} "
            f"({worst['initializer']})."
            if passed
            else f"{worst['initializer']} misses its formula by {worst['relative_error']:.2%}."
        ),
        criterion=f"relative error at most {TOLERANCE:.2%}, four standard errors of a std over {math.prod(SHAPE)} normal values.",
        passed=passed,
        figures=[_plot(context, records, samples)],
        tables=[table],
        results={"weight_stats": records},
    )
