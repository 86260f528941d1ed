"""Forward signal and backward gradient propagation through deep MLPs, for every activation."""

from __future__ import annotations

import jax
import numpy as np

from braininit.diagnostics import classify_stability, propagate, sample_layers, summarize_keys
from braininit.report.plotting import clamp_log_axis, finite_positive, new_figure, style
from braininit.report.section import Context, Section, Table
from braininit.report.settings import ACTIVATIONS, STABLE_BAND, activation_label, propagation_initializers

NAME = "propagation"
TITLE = "Signal and gradient propagation through depth"


def _worst_log2(curve: np.ndarray, start: int) -> float:
    """Return max |log2(curve / curve[start])|, inf where the curve left float32's range."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2(curve / curve[start])
    return float(np.max(np.abs(ratio))) if np.all(np.isfinite(ratio)) else float("inf")


def _record(label: str, activation: str, depth: int, width: int, std: np.ndarray, grad: np.ndarray) -> dict:
    std, grad = summarize_keys(std), summarize_keys(grad)
    return {
        "initializer": label,
        "activation": activation,
        "depth": depth,
        "width": width,
        "std_per_layer": std.mean,
        "std_min_per_layer": std.low,
        "std_max_per_layer": std.high,
        "grad_norm_per_layer": grad.mean,
        "grad_norm_min_per_layer": grad.low,
        "grad_norm_max_per_layer": grad.high,
        "forward_verdict": classify_stability(std.mean, 0, STABLE_BAND),
        "backward_verdict": classify_stability(grad.mean, -1, STABLE_BAND),
        "worst_log2_deviation": max(_worst_log2(std.mean, 0), _worst_log2(grad.mean, -1)),
    }


def _measure(context: Context) -> list[dict]:
    sizes = context.settings.sizes
    key_weights, key_inputs = jax.random.split(context.key(NAME))
    deepest = max(sizes.depths)
    records = []

    for width in sizes.widths:
        for label, init in propagation_initializers().items():
            # Every initializer gets the same keys, and a shallower network is the
            # first layers of the deepest one, so one draw serves all depths.
            weights = sample_layers(init, width, deepest, key_weights, sizes.n_keys)
            for depth in sizes.depths:
                result = propagate(weights[:, :depth], ACTIVATIONS, key_inputs, sizes.batch)
                std, grad = np.asarray(result.std), np.asarray(result.grad_norm)
                for index, activation in enumerate(ACTIVATIONS):
                    records.append(_record(label, activation, depth, width, std[index], grad[index]))
            del weights
            context.advance(f"propagation: {label}, width {width}")
    return records


def _plot_grid(context: Context, records: list[dict], quantity: str, stem: str, title: str, ylabel: str):
    sizes = context.settings.sizes
    columns = [(depth, width) for width in sizes.widths for depth in sizes.depths]
    figure = new_figure(3.6 * len(columns) + 1, 2.4 * len(ACTIVATIONS) + 1)
    axes = figure.subplots(len(ACTIVATIONS), len(columns), squeeze=False)

    for row, activation in enumerate(ACTIVATIONS):
        for column, (depth, width) in enumerate(columns):
            axis = axes[row, column]
            for record in records:
                if (record["activation"], record["depth"], record["width"]) != (activation, depth, width):
                    continue
                layers = np.arange(1, depth + 1)
                look = style(record["initializer"])
                axis.plot(layers, finite_positive(record[f"{quantity}_per_layer"]), label=record["initializer"], linewidth=1.3, **look)
                axis.fill_between(
                    layers,
                    finite_positive(record[f"{quantity}_min_per_layer"]),
                    finite_positive(record[f"{quantity}_max_per_layer"]),
                    color=look["color"],
                    alpha=0.12,
                    linewidth=0,
                )
            axis.set_yscale("log")
            clamp_log_axis(axis)
            axis.set_title(f"{activation_label(activation)}, depth {depth}, width {width}", fontsize=9)
            if row == len(ACTIVATIONS) - 1:
                axis.set_xlabel("layer")
            if column == 0:
                axis.set_ylabel(ylabel)

    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=min(5, len(columns) + 1), fontsize=9)
    figure.suptitle(title)
    return context.save_figure(figure, stem, title)


def _verdict_tables(context: Context, records: list[dict]) -> list[Table]:
    sizes = context.settings.sizes
    tables = []
    for width in sizes.widths:
        for depth in sizes.depths:
            rows = []
            for label in propagation_initializers():
                cells = [label]
                for activation in ACTIVATIONS:
                    record = _find(records, label, activation, depth, width)
                    cells.append(f"{record['forward_verdict']} / {record['backward_verdict']}")
                rows.append(tuple(cells))
            tables.append(
                Table(
                    f"Verdicts at depth {depth}, width {width} (forward / backward)",
                    ("initializer",) + tuple(activation_label(name) for name in ACTIVATIONS),
                    rows,
                )
            )
    return tables


def _find(records: list[dict], label: str, activation: str, depth: int, width: int) -> dict:
    return next(
        r for r in records
        if (r["initializer"], r["activation"], r["depth"], r["width"]) == (label, activation, depth, width)
    )


def _relu_table(records: list[dict], depth: int, width: int) -> Table:
    rows = []
    for label in propagation_initializers():
        record = _find(records, label, "relu", depth, width)
        std = record["std_per_layer"]
        rows.append((label, std[0], std[-1], std[-1] / std[0], record["forward_verdict"], record["backward_verdict"]))
    return Table(
        f"ReLU, width {width}, depth {depth}: activation std at the first and last layer (geometric mean over keys).",
        ("initializer", "std layer 1", f"std layer {depth}", "ratio", "forward", "backward"),
        rows,
    )


def _verdict(records: list[dict], depth: int, width: int) -> tuple[str, bool | None]:
    kaiming = _find(records, "KaimingNormal", "relu", depth, width)
    xavier = _find(records, "XavierNormal", "relu", depth, width)
    stable = sum(r["forward_verdict"] == "stable" and r["backward_verdict"] == "stable" for r in records)
    text = (
        f"With ReLU at depth {depth}, width {width}, KaimingNormal keeps the activation std at "
        f"{kaiming['std_per_layer'][0]:.3g} -> {kaiming['std_per_layer'][-1]:.3g} while XavierNormal falls "
        f"from {xavier['std_per_layer'][0]:.3g} to {xavier['std_per_layer'][-1]:.3g}; "
        f"{stable} of {len(records)} runs stay stable forward and backward."
    )
    passed = kaiming["forward_verdict"] == "stable" and xavier["forward_verdict"] == "vanishing"
    return text, passed


def run(context: Context) -> Section:
    """Measure every initializer and activation at each depth and width, and draw the curves."""
    sizes = context.settings.sizes
    records = _measure(context)
    depth, width = min(sizes.depths), min(sizes.widths)
    verdict, passed = _verdict(records, depth, width)

    figures = [
        _plot_grid(context, records, "std", "propagation_forward", "Activation std per layer", "activation std"),
        _plot_grid(context, records, "grad_norm", "propagation_backward", "Gradient norm per layer (backward pass)", "||dL/dh||"),
    ]
    context.advance("propagation figures")

    low, high = STABLE_BAND
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            f"A standard normal batch of {sizes.batch} passes through square MLPs without biases "
            "(h = a @ W, a = f(h)); forward we record the std of a at every layer, backward the root mean "
            "square of ||dL/dh|| for L = sum(g * output) with standard normal g. Curves are geometric "
            f"means over {sizes.n_keys} keys, bands span the keys; every initializer sees the same keys. "
            "Values that overflow float32 are left out of the plots and stored as null."
        ),
        verdict=verdict,
        criterion=(
            f"stable: every layer's std stays within [{low}, {high}] times layer 1's (forward) and every "
            f"layer's gradient norm within [{low}, {high}] times the last layer's (backward)."
        ),
        passed=passed,
        figures=figures,
        tables=[_relu_table(records, depth, width)] + _verdict_tables(context, records),
        results={"signal_propagation": records},
    )
