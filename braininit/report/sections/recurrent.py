"""Recurrent gradient flow: backpropagation through 100 steps of a linear recurrence."""

from __future__ import annotations

import jax
import numpy as np

from braininit.diagnostics import (
    classify_stability,
    max_abs_eigenvalue,
    recurrent_gradient_norms,
    sample_weights,
    summarize_keys,
)
from braininit.report.plotting import clamp_log_axis, finite_positive, new_figure, style
from braininit.report.section import Context, Section, Table
from braininit.report.settings import STABLE_BAND, recurrent_initializers

NAME = "recurrent"
TITLE = "Gradient flow through time in a linear recurrence"


def _measure(context: Context) -> tuple[list[dict], dict[str, np.ndarray]]:
    sizes = context.settings.sizes
    key_weights, key_cotangent = jax.random.split(context.key(NAME))
    records, eigenvalues = [], {}

    for label, init in recurrent_initializers().items():
        weights = sample_weights(init, (sizes.rnn_hidden, sizes.rnn_hidden), key_weights, sizes.n_keys)
        norms = summarize_keys(recurrent_gradient_norms(weights, key_cotangent, sizes.rnn_steps, sizes.batch))
        radii = [max_abs_eigenvalue(w) for w in np.asarray(weights)]
        records.append(
            {
                "initializer": label,
                "hidden": sizes.rnn_hidden,
                "steps": sizes.rnn_steps,
                "grad_norm_per_step": norms.mean,
                "grad_norm_min_per_step": norms.low,
                "grad_norm_max_per_step": norms.high,
                "max_abs_eigenvalue": float(np.mean(radii)),
                "max_abs_eigenvalue_per_key": radii,
                "verdict": classify_stability(norms.mean, 0, STABLE_BAND),
            }
        )
        eigenvalues[label] = np.linalg.eigvals(np.asarray(weights[0], dtype=np.float64))
    return records, eigenvalues


def _plot(context: Context, records: list[dict], eigenvalues: dict[str, np.ndarray]):
    figure = new_figure(13, 4.6)
    flow, *planes = figure.subplots(1, 1 + len(records), width_ratios=[2.2] + [1] * len(records))

    for record in records:
        label = record["initializer"]
        look = style(label)
        steps = np.arange(record["steps"])
        flow.plot(
            steps,
            finite_positive(record["grad_norm_per_step"]),
            label=f"{label} (mean max |λ| = {record['max_abs_eigenvalue']:.3f})",
            **look,
        )
        flow.fill_between(
            steps,
            finite_positive(record["grad_norm_min_per_step"]),
            finite_positive(record["grad_norm_max_per_step"]),
            color=look["color"],
            alpha=0.15,
            linewidth=0,
        )
    flow.set_yscale("log")
    # Over 100 steps a contracting recurrence stays far above float32's smallest value.
    clamp_log_axis(flow, floor=1e-20)
    flow.set_xlabel("steps back from the loss")
    flow.set_ylabel("||dL/dh||")
    flow.set_title(f"Gradient norm, hidden size {records[0]['hidden']}")
    flow.legend(fontsize=8, loc="lower left")

    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 400))
    for axis, record in zip(planes, records):
        label = record["initializer"]
        values = eigenvalues[label]
        axis.plot(circle.real, circle.imag, color="0.6", linewidth=1, label="unit circle")
        axis.scatter(values.real, values.imag, s=10, color=style(label)["color"])
        axis.set_aspect("equal")
        limit = max(1.15, 1.05 * float(np.max(np.abs(values))))
        axis.set_xlim(-limit, limit)
        axis.set_ylim(-limit, limit)
        axis.set_title(f"{label}\nmax |λ| = {float(np.max(np.abs(values))):.3f} (key 0)", fontsize=9)
        axis.set_xlabel("Re λ")
        axis.set_ylabel("Im λ")

    figure.suptitle("Backpropagation through a linear recurrence and the eigenvalues of its weight")
    return context.save_figure(
        figure, "recurrent", "Gradient norm over time (left) and eigenvalues of one recurrent weight per initializer."
    )


def run(context: Context) -> Section:
    """Measure the gradient norm over time for each recurrent initializer."""
    sizes = context.settings.sizes
    records, eigenvalues = _measure(context)
    context.advance("recurrent")

    low, high = STABLE_BAND
    table = Table(
        f"Gradient norm {sizes.rnn_steps - 1} steps back relative to the loss step (geometric mean over keys).",
        ("initializer", "max |eigenvalue|", "ratio", "verdict"),
        [
            (r["initializer"], r["max_abs_eigenvalue"], r["grad_norm_per_step"][-1] / r["grad_norm_per_step"][0], r["verdict"])
            for r in records
        ],
    )
    orthogonal = next(r for r in records if r["initializer"] == "Orthogonal")
    others = ", ".join(f"{r['initializer']} {r['verdict']}" for r in records if r is not orthogonal)
    return Section(
        name=NAME,
        title=TITLE,
        summary=(
            f"The gradient of L = sum(g * h_T) flows back through h_t = h_(t-1) @ W for {sizes.rnn_steps} steps, "
            f"so k steps back it is g (W^T)^k. Hidden size {sizes.rnn_hidden}, {sizes.n_keys} keys, "
            f"{sizes.batch} cotangents g each."
        ),
        verdict=f"Orthogonal keeps the gradient norm {orthogonal['verdict']}; {others}.",
        criterion=f"stable: the gradient norm stays within [{low}, {high}] times its value at the loss for all steps.",
        passed=orthogonal["verdict"] == "stable",
        figures=[_plot(context, records, eigenvalues)],
        tables=[table],
        results={"rnn_gradient_flow": records},
    )
