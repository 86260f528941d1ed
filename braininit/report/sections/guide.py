"""Decision guide: which initializer for which activation and architecture, from the measured verdicts."""

from __future__ import annotations

import numpy as np

from braininit.report.plotting import new_figure
from braininit.report.section import Context, Section, Table
from braininit.report.sections.kernels import PASSTHROUGH_TOLERANCE
from braininit.report.sections.spectra import ORTHOGONALITY_TOLERANCE
from braininit.report.settings import ACTIVATIONS, STABLE_BAND, activation_label, propagation_initializers

NAME = "guide"
TITLE = "Decision guide"

# Colour bins of the heatmap in log2 deviation: green up to 1 (the stable band), then warmer; 8 or more is the worst.
_MAX_LOG2 = 8.0
_BINS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, _MAX_LOG2)


def _mlp_entry(records: list[dict], activation: str, depth: int) -> dict:
    """Rank initializers for an MLP by their worst deviation over all measured widths."""
    worst: dict[str, float] = {}
    stable: dict[str, bool] = {}
    for record in records:
        if (record["activation"], record["depth"]) != (activation, depth):
            continue
        label = record["initializer"]
        ok = record["forward_verdict"] == "stable" and record["backward_verdict"] == "stable"
        stable[label] = stable.get(label, True) and ok
        worst[label] = max(worst.get(label, 0.0), record["worst_log2_deviation"])

    ranked = sorted(worst, key=lambda label: (not stable[label], worst[label]))
    passing = [label for label in ranked if stable[label]]
    widths = sorted({r["width"] for r in records if r["depth"] == depth})
    width_text = f"width{'s' if len(widths) > 1 else ''} {', '.join(map(str, widths))}"
    if passing:
        basis = f"forward and backward stable at {width_text}"
    else:
        basis = f"none stable at {width_text}; closest is off by {2.0 ** worst[ranked[0]]:.2g}x at worst"
    return {
        "architecture": f"MLP, depth {depth}",
        "activation": activation,
        "recommended": passing[0] if passing else None,
        "stable_initializers": passing,
        "closest": ranked[0],
        "closest_worst_factor": 2.0 ** worst[ranked[0]],
        "basis": basis,
        "worst_log2": worst,
        "stable": stable,
    }


def _recurrent_entry(records: list[dict]) -> dict:
    passing = [r["initializer"] for r in records if r["verdict"] == "stable"]
    return {
        "architecture": f"Linear recurrence, {records[0]['steps']} steps",
        "activation": "linear",
        "recommended": passing[0] if passing else None,
        "stable_initializers": passing,
        "basis": "gradient norm through time stable",
    }


def _kernel_entries(kernels: dict) -> list[dict]:
    delta_ok = all(
        r["off_centre_max"] == 0 and r["orthogonality_error"] <= ORTHOGONALITY_TOLERANCE for r in kernels["delta_orthogonal"]
    )
    dirac_ok = all(
        r["passthrough_error"] <= PASSTHROUGH_TOLERANCE and r["off_centre_max"] == 0
        for r in kernels["identity_dirac"]
        if r["initializer"] == "Dirac"
    )
    return [
        {
            "architecture": "Deep plain CNN",
            "activation": "any",
            "recommended": "DeltaOrthogonal" if delta_ok else None,
            "stable_initializers": ["DeltaOrthogonal"] if delta_ok else [],
            "basis": "orthogonal centre tap and zero border measured in both layouts",
        },
        {
            "architecture": "CNN that should start as the identity",
            "activation": "any",
            "recommended": "Dirac" if dirac_ok else None,
            "stable_initializers": ["Dirac"] if dirac_ok else [],
            "basis": "convolution passes its input channels through exactly",
        },
    ]


def _plot(context: Context, entries: list[dict]):
    mlp = [entry for entry in entries if "worst_log2" in entry]
    labels = list(propagation_initializers())
    grid = np.array([[min(entry["worst_log2"][label], _MAX_LOG2) for entry in mlp] for label in labels])

    from matplotlib.colors import BoundaryNorm

    figure = new_figure(2 + 0.75 * len(mlp), 1.2 + 0.45 * len(labels))
    axis = figure.subplots()
    image = axis.imshow(grid, cmap="RdYlGn_r", norm=BoundaryNorm(_BINS, 256), aspect="auto")
    for row, label in enumerate(labels):
        for column, entry in enumerate(mlp):
            mark = ""
            if entry["stable"][label]:
                mark = "✓"
            if entry["recommended"] == label:
                mark = "★"
            axis.text(column, row, mark, ha="center", va="center", fontsize=11)
    axis.set_xticks(range(len(mlp)), [f"{activation_label(e['activation'])}\n{e['architecture'].split(', ')[1]}" for e in mlp], fontsize=8)
    axis.set_yticks(range(len(labels)), labels, fontsize=8)
    colorbar = figure.colorbar(image, ax=axis)
    colorbar.set_label("worst log2 deviation from the start (1 = factor 2)")
    axis.set_title("Which initializer keeps signals and gradients stable: ★ recommended, ✓ stable")
    return context.save_figure(figure, "guide", "Worst deviation of every MLP run, over all widths; green is stable.")


def _describe(entry: dict) -> str:
    if entry["recommended"]:
        return entry["recommended"]
    if "closest" in entry:
        return f"none stable; closest {entry['closest']} (off by {entry['closest_worst_factor']:.3g}x)"
    return "none stable"


def run(context: Context) -> Section:
    """Turn the verdicts of the other sections into recommendations."""
    results = context.results
    entries: list[dict] = []
    missing = []

    if "signal_propagation" in results:
        for depth in context.settings.sizes.depths:
            entries += [_mlp_entry(results["signal_propagation"], activation, depth) for activation in ACTIVATIONS]
    else:
        missing.append("propagation")
    if "rnn_gradient_flow" in results:
        entries.append(_recurrent_entry(results["rnn_gradient_flow"]))
    else:
        missing.append("recurrent")
    if "kernels" in results:
        entries += _kernel_entries(results["kernels"])
    else:
        missing.append("kernels")
    context.advance("guide")

    figures = [_plot(context, entries)] if any("worst_log2" in entry for entry in entries) else []
    table = Table(
        "Generated from the verdicts above; 'also stable' lists every other initializer that passed.",
        ("architecture", "activation", "use", "also stable", "basis"),
        [
            (e["architecture"], activation_label(e["activation"]), _describe(e), ", ".join(e["stable_initializers"][1:]) or "-", e["basis"])
            for e in entries
        ],
    )
    covered = sum(entry["recommended"] is not None for entry in entries)
    low, high = STABLE_BAND
    verdict = f"{covered} of {len(entries)} architecture and activation pairs have an initializer that stays stable."
    if missing:
        verdict += f" Not measured in this run: {', '.join(missing)} (add them to --sections)."
    records = [{key: value for key, value in entry.items() if key not in ("worst_log2", "stable")} for entry in entries]
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            "For each activation and architecture, the initializer whose measured signal and gradient stay "
            "closest to their starting values among those that pass; no recommendation is typed by hand."
        ),
        verdict=verdict,
        criterion=(
            f"recommended: stable ([{low}, {high}] band) forward and backward at every measured width, ranked by the "
            "smallest worst-case deviation."
        ),
        passed=None,
        figures=figures,
        tables=[table] if entries else [],
        results={"decision_guide": records},
    )
