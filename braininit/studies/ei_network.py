"""The conductance-based E/I network benchmark (COBA), built with braininit and simulated in JAX.

The model is benchmark 1 of Brette et al. (2007), "Simulation of networks of
spiking neurons: a review of tools and strategies", J. Comput. Neurosci.
23:349-398, itself the network of Vogels & Abbott (2005), J. Neurosci.
25:10786-10795:

- 4000 leaky integrate-and-fire neurons, 3200 excitatory and 800 inhibitory,
  each pair connected independently with probability 0.02.
- ``C dV/dt = g_L (E_L - V) + g_e (E_e - V) + g_i (E_i - V)`` with
  ``tau_m = C / g_L = 20 ms``, ``E_L = -60 mV``, threshold ``-50 mV``, reset
  ``-60 mV`` and a 5 ms refractory period during which V stays at reset.
- Exponential synaptic conductances with reversal potentials ``E_e = 0 mV``
  and ``E_i = -80 mV`` and time constants 5 ms and 10 ms. Each presynaptic
  spike increases ``g_e`` by 0.6 nS or ``g_i`` by 6.7 nS, one time step later.
- ``g_L = 1 nS`` and ``C = 20 pF``. Brette et al. use ``g_L = 10 nS`` and
  ``C = 200 pF`` with jumps of 6 nS and 67 nS; the voltage equation depends
  only on the ratios ``g / g_L`` and ``C / g_L``, so the dynamics are the
  same. Brian's reference script states the jumps as 0.6 and 6.7 leak
  conductances.
- A constant bias current of ``20 mV * g_L`` (20 pA) drives every neuron, as
  in BrainPy's version of this benchmark. Brian's reference script has no
  input and starts self-sustained activity from random initial
  conductances. Simulated in JAX with 4000 neurons, that activity died out
  within 100 ms for two of the three keys tried, while with the bias the
  network stayed active for every key tried (0 to 3). Conductances start at zero and
  the membrane potentials uniformly between reset and threshold.

Every parameter is drawn by a braininit initializer with units, per neuron
or per connection, and converted to plain arrays in mV, ms, nS and pF for
the simulation, which runs under ``jax.jit`` as one ``lax.scan`` with time
step 0.1 ms. The membrane equation is integrated with exponential Euler,
exact for conductances held fixed over a step. The network should settle
into the asynchronous irregular regime: rates of a few to tens of Hz and a
coefficient of variation of inter-spike intervals near 1.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

import braininit as bi

__all__ = ["run_study", "plot_study", "build_network", "simulate"]

N_NEURONS = 4000
N_EXCITATORY = 3200
CONNECTION_PROBABILITY = 0.02
DT = 0.1 * u.ms
QUICK_DURATION = 400.0 * u.ms
FULL_DURATION = 1000.0 * u.ms
# Spikes before this time belong to the start-up transient and are left out of the statistics.
ANALYSIS_START = 50.0 * u.ms
RASTER_NEURONS = (320, 80)  # the first excitatory and the first inhibitory neurons shown
RATE_BIN = 1.0 * u.ms

G_LEAK = 1.0 * u.nS

# The unit each quantity is converted to for the simulation.
SIMULATION_UNITS = {
    "capacitance": u.pF, "g_leak": u.nS, "e_leak": u.mV, "v_threshold": u.mV, "v_reset": u.mV,
    "refractory": u.ms, "e_excitatory": u.mV, "e_inhibitory": u.mV, "tau_excitatory": u.ms,
    "tau_inhibitory": u.ms, "bias_current": u.pA, "v": u.mV, "g_excitatory": u.nS, "g_inhibitory": u.nS,
}


def neuron_initializers() -> dict[str, bi.Initializer]:
    """Return the braininit initializer of every per-neuron parameter and initial state."""
    return {
        "capacitance": bi.Constant(20.0 * u.pF),
        "g_leak": bi.Constant(G_LEAK),
        "e_leak": bi.Constant(-60.0 * u.mV),
        "v_threshold": bi.Constant(-50.0 * u.mV),
        "v_reset": bi.Constant(-60.0 * u.mV),
        "refractory": bi.Constant(5.0 * u.ms),
        "e_excitatory": bi.Constant(0.0 * u.mV),
        "e_inhibitory": bi.Constant(-80.0 * u.mV),
        "tau_excitatory": bi.Constant(5.0 * u.ms),
        "tau_inhibitory": bi.Constant(10.0 * u.ms),
        "bias_current": bi.Constant(20.0 * u.mV * G_LEAK),
        "v": bi.Uniform(-60.0 * u.mV, -50.0 * u.mV),
        "g_excitatory": bi.Zeros() * u.nS,
        "g_inhibitory": bi.Zeros() * u.nS,
    }


def synapse_initializers() -> dict[str, bi.Connected]:
    """Return the excitatory and inhibitory projections onto all neurons."""
    rule = bi.FixedProbability(CONNECTION_PROBABILITY)
    return {
        "excitatory": bi.Connected(bi.Constant(0.6 * u.nS), rule),
        "inhibitory": bi.Connected(bi.Constant(6.7 * u.nS), rule),
    }


def build_network(key: jax.Array, n_neurons: int = N_NEURONS, n_excitatory: int = N_EXCITATORY) -> dict[str, Any]:
    """Draw the parameters, initial state and connections of the network.

    Returns:
      A dict with one plain array per entry of :func:`neuron_initializers`
      (in the units of ``SIMULATION_UNITS``), and for each projection
      ``"<name>_connections"`` (:class:`~braininit.SparseConnections`) and
      ``"<name>_weights"`` (plain array in nS, shape ``(n_post, max_in_degree)``).
    """
    neurons = neuron_initializers()
    synapses = synapse_initializers()
    keys = jax.random.split(key, len(neurons) + len(synapses))

    network = {}
    for (name, initializer), subkey in zip(neurons.items(), keys):
        network[name] = initializer(subkey, (n_neurons,)).to_decimal(SIMULATION_UNITS[name])

    sizes = {"excitatory": n_excitatory, "inhibitory": n_neurons - n_excitatory}
    for (name, initializer), subkey in zip(synapses.items(), keys[len(neurons):]):
        connections, weights = initializer.sparse(subkey, sizes[name], n_neurons)
        network[f"{name}_connections"] = connections
        network[f"{name}_weights"] = weights.to_decimal(u.nS)
    return network


def _step(network: dict[str, Any], dt: float, state: tuple, _: Any) -> tuple[tuple, jax.Array]:
    """Advance the network by one time step; spikes of the previous step arrive now."""
    v, g_e, g_i, refractory_left, spikes = state
    n_excitatory = network["excitatory_connections"].n_pre
    spikes = spikes.astype(v.dtype)

    g_e = g_e * jnp.exp(-dt / network["tau_excitatory"])
    g_e = g_e + network["excitatory_connections"].propagate(spikes[:n_excitatory], network["excitatory_weights"])
    g_i = g_i * jnp.exp(-dt / network["tau_inhibitory"])
    g_i = g_i + network["inhibitory_connections"].propagate(spikes[n_excitatory:], network["inhibitory_weights"])

    # Exponential Euler: V relaxes towards the conductance-weighted reversal potential.
    g_total = network["g_leak"] + g_e + g_i
    drive = network["g_leak"] * network["e_leak"] + g_e * network["e_excitatory"] + g_i * network["e_inhibitory"]
    v_inf = (drive + network["bias_current"]) / g_total
    v_free = v_inf + (v - v_inf) * jnp.exp(-dt * g_total / network["capacitance"])

    refractory = refractory_left > 0
    v = jnp.where(refractory, network["v_reset"], v_free)
    fired = (v >= network["v_threshold"]) & ~refractory
    v = jnp.where(fired, network["v_reset"], v)
    refractory_left = jnp.where(fired, network["refractory"], jnp.maximum(refractory_left - dt, 0.0))
    return (v, g_e, g_i, refractory_left, fired), fired


def simulate(network: dict[str, Any], n_steps: int, dt: float) -> jax.Array:
    """Run the network for ``n_steps`` steps of ``dt`` ms under ``jax.jit``.

    Returns:
      bool array of shape ``(n_steps, n_neurons)``, True where a neuron fired.
    """

    def run(network: dict[str, Any]) -> jax.Array:
        v = network["v"]
        state = (v, network["g_excitatory"], network["g_inhibitory"], jnp.zeros_like(v), jnp.zeros(v.shape, bool))
        _, spikes = jax.lax.scan(lambda carry, x: _step(network, dt, carry, x), state, None, length=n_steps)
        return spikes

    return jax.jit(run)(network)


def _isi_cv(spike_times: list[np.ndarray]) -> tuple[float, int]:
    """Return the mean CV of inter-spike intervals over neurons with at least three spikes, and their count."""
    cvs = []
    for times in spike_times:
        if len(times) >= 3:
            intervals = np.diff(times)
            cvs.append(intervals.std() / intervals.mean())
    return (float(np.mean(cvs)) if cvs else math.nan), len(cvs)


def _analyse(spikes: np.ndarray, dt: float, n_excitatory: int) -> dict[str, Any]:
    """Compute rates, the ISI CV, a raster sample and the population rate from a spike array."""
    n_steps, n_neurons = spikes.shape
    start = int(round(ANALYSIS_START.to_decimal(u.ms) / dt))
    window = spikes[start:]
    seconds = window.shape[0] * dt / 1000.0

    counts = window.sum(axis=0)
    steps, neurons = np.nonzero(window)
    times = (steps + start) * dt
    spike_times = np.split(times[np.argsort(neurons, kind="stable")], np.cumsum(np.bincount(neurons, minlength=n_neurons))[:-1])
    cv, cv_neurons = _isi_cv(spike_times)

    raster_neurons = np.r_[np.arange(RASTER_NEURONS[0]), n_excitatory + np.arange(RASTER_NEURONS[1])]
    raster_steps, raster_rows = np.nonzero(spikes[:, raster_neurons])
    bin_steps = int(round(RATE_BIN.to_decimal(u.ms) / dt))
    binned = spikes[: n_steps - n_steps % bin_steps].reshape(-1, bin_steps, n_neurons).sum(axis=(1, 2))

    return {
        "mean_rate_hz": float(counts.mean() / seconds),
        "excitatory_rate_hz": float(counts[:n_excitatory].mean() / seconds),
        "inhibitory_rate_hz": float(counts[n_excitatory:].mean() / seconds),
        "cv_isi": cv,
        "cv_isi_neurons": cv_neurons,
        "active_fraction": float((counts > 0).mean()),
        "raster": {
            "times_ms": (raster_steps * dt).round(3).tolist(),
            "rows": raster_rows.tolist(),
            "n_excitatory_rows": RASTER_NEURONS[0],
            "n_rows": len(raster_neurons),
        },
        "population_rate_hz": (binned / n_neurons / (bin_steps * dt / 1000.0)).round(3).tolist(),
        "population_rate_bin_ms": bin_steps * dt,
    }


def _parameter_table() -> dict[str, str]:
    table = {name: repr(initializer) for name, initializer in neuron_initializers().items()}
    table.update({f"{name}_synapses": repr(initializer) for name, initializer in synapse_initializers().items()})
    return table


def run_study(key: jax.Array | int, quick: bool = False) -> dict[str, Any]:
    """Build and simulate the COBA network and return its statistics as JSON-ready data.

    Args:
      key: a PRNG key, or an int seed.
      quick: simulate 400 ms instead of 1000 ms: about 5 s instead of 25 s
        on 2 CPU cores, compilation included (measured on the development
        machine).

    Returns:
      A dict of plain numbers, lists and strings: sizes, durations, the mean
      firing rate (all, excitatory, inhibitory), the mean CV of inter-spike
      intervals, a raster sample, the population rate and the initializers
      used. The same key gives the same dict, so it contains no timings.
    """
    if isinstance(key, int):
        key = jax.random.key(key)
    dt = float(DT.to_decimal(u.ms))
    duration = QUICK_DURATION if quick else FULL_DURATION
    n_steps = int(round(duration.to_decimal(u.ms) / dt))

    network = build_network(key)
    spikes = np.asarray(simulate(network, n_steps, dt))

    results = {
        "model": "COBA, benchmark 1 of Brette et al. (2007)",
        "n_neurons": N_NEURONS,
        "n_excitatory": N_EXCITATORY,
        "connection_probability": CONNECTION_PROBABILITY,
        "mean_in_degree": {
            "excitatory": float(network["excitatory_connections"].in_degree.mean()),
            "inhibitory": float(network["inhibitory_connections"].in_degree.mean()),
        },
        "duration_ms": n_steps * dt,
        "dt_ms": dt,
        "analysis_start_ms": float(ANALYSIS_START.to_decimal(u.ms)),
        "initializers": _parameter_table(),
    }
    results.update(_analyse(spikes, dt, N_EXCITATORY))
    return results


def plot_study(results: dict[str, Any], path: str | Path) -> Path:
    """Write a raster plot and the population rate of a :func:`run_study` result to one PNG.

    Returns:
      The path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    raster = results["raster"]
    times = np.asarray(raster["times_ms"])
    rows = np.asarray(raster["rows"])
    excitatory = rows < raster["n_excitatory_rows"]

    figure = Figure(figsize=(8, 5), constrained_layout=True)
    FigureCanvasAgg(figure)
    raster_axes, rate_axes = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    raster_axes.scatter(times[excitatory], rows[excitatory], s=1, c="tab:red", label="excitatory")
    raster_axes.scatter(times[~excitatory], rows[~excitatory], s=1, c="tab:blue", label="inhibitory")
    raster_axes.set_ylabel("neuron")
    raster_axes.set_ylim(-1, raster["n_rows"])
    raster_axes.legend(loc="upper right", markerscale=6, fontsize="small")
    raster_axes.set_title(
        f"{results['model']}: {results['mean_rate_hz']:.1f} Hz, ISI CV {results['cv_isi']:.2f}", fontsize="medium"
    )

    bin_ms = results["population_rate_bin_ms"]
    rate = np.asarray(results["population_rate_hz"])
    rate_axes.plot((np.arange(len(rate)) + 0.5) * bin_ms, rate, color="black", linewidth=0.8)
    rate_axes.axvline(results["analysis_start_ms"], color="gray", linestyle=":", linewidth=0.8)
    rate_axes.set_xlabel("time (ms)")
    rate_axes.set_ylabel("rate (Hz)")

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path
