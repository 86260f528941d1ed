"""Which initializations let a deep ReLU MLP train: a study on scikit-learn's handwritten digits.

A 20-layer ReLU MLP, built once in Flax NNX and once in Equinox, is trained
with plain SGD from four initializations of its weights (biases start at
zero). KaimingNormal keeps the variance of the activations constant through
ReLU layers; XavierNormal halves it at every layer, so the signal reaching
the output is about ``2**-10`` times smaller in standard deviation; the
orthogonal weights carry the ReLU gain ``sqrt(2)``; and ``Normal(std=0.01)``
shrinks the signal by about ``0.01 * sqrt(width / 2)`` per layer, so nothing
reaches the output. The data is ``sklearn.datasets.load_digits`` (1797 8x8
images, shipped with scikit-learn, no download).

flax, equinox, optax and scikit-learn are imported when :func:`run_study`
runs, and matplotlib when :func:`plot_study` runs.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import braininit as bi

__all__ = ["FRAMEWORKS", "INITIALIZERS", "plot_study", "run_study"]

INITIALIZERS: dict[str, bi.Initializer] = {
    "KaimingNormal": bi.KaimingNormal(),
    "XavierNormal": bi.XavierNormal(),
    "Orthogonal(scale=sqrt(2))": bi.Orthogonal(scale=bi.calculate_gain("relu")),
    "Normal(std=0.01)": bi.Normal(std=0.01),
}
FRAMEWORKS = ("flax_nnx", "equinox")

# Hyperparameters of the full study and of the quick one; layers counts the
# Linear layers, the last of which maps to the 10 classes.
_SETTINGS = {
    False: {"layers": 20, "width": 128, "steps": 600, "batch_size": 128, "learning_rate": 0.02},
    True: {"layers": 20, "width": 64, "steps": 200, "batch_size": 128, "learning_rate": 0.02},
}
# Windows of steps whose mean losses summarize each loss curve.
_CURVE_POINTS = 50
_TEST_FRACTION = 0.25


def _load_digits() -> dict[str, np.ndarray]:
    """Split the digits 75/25 with a fixed permutation and standardize the pixels by the training set."""
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(labels))
    n_test = round(_TEST_FRACTION * len(labels))
    test, train = order[:n_test], order[n_test:]

    mean = images[train].mean(axis=0)
    std = images[train].std(axis=0)
    # Some border pixels are 0 in every training image; dividing them by 1 keeps them 0.
    std = np.where(std > 0, std, 1.0)
    return {
        "x_train": ((images[train] - mean) / std).astype(np.float32),
        "y_train": labels[train].astype(np.int32),
        "x_test": ((images[test] - mean) / std).astype(np.float32),
        "y_test": labels[test].astype(np.int32),
    }


@functools.cache
def _nnx_mlp_class() -> type:
    """Define the NNX MLP once, so every model shares one graph definition and one compilation."""
    from flax import nnx

    # Flax before 0.12 has no nnx.List and takes plain lists of modules.
    module_list = getattr(nnx, "List", list)

    class MLP(nnx.Module):
        def __init__(self, init: Callable[..., Any], sizes: list[int], rngs: nnx.Rngs):
            self.layers = module_list(
                [nnx.Linear(a, b, kernel_init=init, bias_init=bi.Zeros(), rngs=rngs) for a, b in itertools.pairwise(sizes)]
            )

        def __call__(self, x: jax.Array) -> jax.Array:
            for layer in self.layers[:-1]:
                x = jax.nn.relu(layer(x))
            return self.layers[-1](x)

    return MLP


def _nnx_model(init: Callable[..., Any], sizes: list[int], key: jax.Array) -> tuple[Any, Callable]:
    """Build the MLP in Flax NNX; return its parameters and ``apply(params, x)``."""
    from flax import nnx

    graphdef, params = nnx.split(_nnx_mlp_class()(init, sizes, nnx.Rngs(params=key)))
    return params, _NnxApply(graphdef)


class _NnxApply:
    """``apply(params, x)`` of an NNX model; hashable by its graph definition, so runs share compilations."""

    def __init__(self, graphdef: Any):
        self.graphdef = graphdef

    def __call__(self, params: Any, x: jax.Array) -> jax.Array:
        from flax import nnx

        return nnx.merge(self.graphdef, params)(x)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NnxApply) and other.graphdef == self.graphdef

    def __hash__(self) -> int:
        return hash(self.graphdef)


def _equinox_model(init: Callable[..., Any], sizes: list[int], key: jax.Array) -> tuple[Any, Callable]:
    """Build the MLP in Equinox and redraw its weights; return its parameters and ``apply(params, x)``."""
    import equinox as eqx

    from braininit.frameworks.equinox import reinit

    build_key, init_key = jax.random.split(key)
    model = eqx.nn.MLP(sizes[0], sizes[-1], sizes[1], depth=len(sizes) - 2, activation=jax.nn.relu, key=build_key)
    model = reinit(model, init_key, {eqx.nn.Linear: {"weight": init, "bias": bi.Zeros()}})
    params, static = eqx.partition(model, eqx.is_array)
    return params, _EquinoxApply(static)


class _EquinoxApply:
    """``apply(params, x)`` of an Equinox model, hashable by its static part."""

    def __init__(self, static: Any):
        self.static = static

    def __call__(self, params: Any, x: jax.Array) -> jax.Array:
        import equinox as eqx

        return jax.vmap(eqx.combine(params, self.static))(x)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EquinoxApply) and other.static == self.static

    def __hash__(self) -> int:
        return hash(jax.tree_util.tree_structure(self.static))


_BUILDERS = {"flax_nnx": _nnx_model, "equinox": _equinox_model}


def _cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


@functools.partial(jax.jit, static_argnames=("apply", "steps", "batch_size", "learning_rate"))
def _train(params, apply, data, key, *, steps: int, batch_size: int, learning_rate: float):
    """Train with minibatch SGD; return the final parameters and the loss of every step."""
    import optax

    optimizer = optax.sgd(learning_rate)
    loss_and_grad = jax.value_and_grad(lambda p, x, y: _cross_entropy(apply(p, x), y))

    def step(carry, step_key):
        params, state = carry
        batch = jax.random.randint(step_key, (batch_size,), 0, data["y_train"].shape[0])
        loss, grads = loss_and_grad(params, data["x_train"][batch], data["y_train"][batch])
        updates, state = optimizer.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jax.random.split(key, steps))
    return params, losses


@functools.partial(jax.jit, static_argnames="apply")
def _accuracy(params, apply, x, y):
    return jnp.mean(jnp.argmax(apply(params, x), axis=-1) == y)


def _finite(value: float) -> float | None:
    """Return ``value`` as a float, or None when it is NaN or infinite, which JSON cannot hold."""
    return float(value) if math.isfinite(value) else None


def _summarize(losses: np.ndarray) -> dict[str, Any]:
    """Summarize a loss curve in JSON-ready numbers.

    ``curve`` is the mean loss over each of up to :data:`_CURVE_POINTS`
    equal windows of steps, and ``curve_steps`` the last step of each
    window. ``final_loss`` is the mean over the last 10% of the steps.
    """
    windows = np.array_split(np.arange(len(losses)), min(_CURVE_POINTS, len(losses)))
    tail = losses[-max(1, len(losses) // 10) :]
    finite = np.isfinite(losses)
    return {
        "initial_loss": _finite(losses[0]),
        "final_loss": _finite(np.mean(tail)),
        "min_loss": _finite(np.min(losses[finite])) if finite.any() else None,
        "curve_steps": [int(window[-1]) for window in windows],
        "curve": [_finite(np.mean(losses[window])) for window in windows],
        "diverged": bool(not finite.all()),
    }


def run_study(
    key: jax.Array,
    quick: bool,
    *,
    steps: int | None = None,
    initializers: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Train the deep MLP with every initializer in both frameworks and collect the results.

    Args:
      key: the PRNG key; it sets the initial weights and the minibatch order.
        All runs see the same minibatches.
      quick: run width 64 for 200 steps instead of width 128 for 600 steps.
      steps: overrides the number of SGD steps, e.g. for a smoke test.
      initializers: names of :data:`INITIALIZERS` to run; None runs all.

    Returns:
      JSON-ready results: ``{"config": {...}, "runs": {framework:
      {initializer name: {"initial_loss", "final_loss", "min_loss",
      "curve_steps", "curve", "diverged", "train_accuracy",
      "test_accuracy", "seconds"}}}}``, where ``seconds`` is the wall time
      of building and training the model, compilation included, and
      losses that are not finite are None.

    Raises:
      ImportError: if flax, equinox, optax or scikit-learn is missing.
      ValueError: for an unknown initializer name.
    """
    names = list(INITIALIZERS) if initializers is None else list(initializers)
    unknown = [name for name in names if name not in INITIALIZERS]
    if unknown:
        raise ValueError(f"run_study: unknown initializers {unknown}; choose from {list(INITIALIZERS)}.")

    settings = dict(_SETTINGS[bool(quick)])
    if steps is not None:
        settings["steps"] = int(steps)
    data = {name: jnp.asarray(values) for name, values in _load_digits().items()}
    sizes = [data["x_train"].shape[1]] + [settings["width"]] * (settings["layers"] - 1) + [10]

    batch_key, model_key = jax.random.split(key)
    runs: dict[str, dict[str, Any]] = {}
    for framework in FRAMEWORKS:
        runs[framework] = {}
        for name, init_key in zip(INITIALIZERS, jax.random.split(model_key, len(INITIALIZERS))):
            if name not in names:
                continue
            init = INITIALIZERS[name]
            start = time.perf_counter()
            params, apply = _BUILDERS[framework](init, sizes, init_key)
            params, losses = _train(
                params,
                apply,
                data,
                batch_key,
                steps=settings["steps"],
                batch_size=settings["batch_size"],
                learning_rate=settings["learning_rate"],
            )
            run = _summarize(np.asarray(losses))
            run["train_accuracy"] = float(_accuracy(params, apply, data["x_train"], data["y_train"]))
            run["test_accuracy"] = float(_accuracy(params, apply, data["x_test"], data["y_test"]))
            run["seconds"] = time.perf_counter() - start
            runs[framework][name] = run

    config = dict(settings, quick=bool(quick), optimizer="sgd", activation="relu", bias_init="Zeros")
    config["initializers"] = {name: INITIALIZERS[name].to_config() for name in names}
    config["n_train"] = int(data["y_train"].shape[0])
    config["n_test"] = int(data["y_test"].shape[0])
    return {"config": config, "runs": runs}


def plot_study(results: dict[str, Any], path: str | os.PathLike) -> Path:
    """Plot the loss curves of :func:`run_study`, one panel per framework, to a PNG file.

    Args:
      results: the output of :func:`run_study` (or its JSON round trip).
      path: the PNG file to write.

    Returns:
      ``path`` as a ``pathlib.Path``.
    """
    from matplotlib.figure import Figure

    runs = results["runs"]
    figure = Figure(figsize=(5 * len(runs), 4), layout="constrained")
    axes = figure.subplots(1, len(runs), sharey=True, squeeze=False)[0]
    for axis, (framework, by_init) in zip(axes, runs.items()):
        for name, run in by_init.items():
            curve = [np.nan if value is None else value for value in run["curve"]]
            axis.plot(run["curve_steps"], curve, label=f"{name}, test accuracy {run['test_accuracy']:.2f}")
        axis.set_title(f"{framework}, {results['config']['layers']}-layer ReLU MLP")
        axis.set_xlabel("SGD step")
        axis.set_yscale("log")
        axis.legend(fontsize="small")
    axes[0].set_ylabel("training loss (cross-entropy), window means")
    figure.savefig(path, dpi=120)
    return Path(path)
