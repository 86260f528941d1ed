"""The COBA E/I network study: construction with units, the asynchronous irregular regime, JSON and plot."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import brainunit as u
import jax
import numpy as np
import pytest

import braininit as bi
from braininit.studies import ei_network

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ei_network.py"


@pytest.fixture(scope="module")
def results():
    return ei_network.run_study(jax.random.key(0), quick=True)


def test_asynchronous_irregular_rates(results):
    assert 2.0 < results["mean_rate_hz"] < 60.0
    assert 2.0 < results["excitatory_rate_hz"] < 60.0
    assert 2.0 < results["inhibitory_rate_hz"] < 60.0


def test_asynchronous_irregular_cv(results):
    assert 0.7 < results["cv_isi"] < 1.8
    assert results["cv_isi_neurons"] > 1000


def test_benchmark_sizes(results):
    assert results["n_neurons"] == 4000
    assert results["n_excitatory"] == 3200
    assert results["duration_ms"] >= 200.0
    assert results["dt_ms"] == pytest.approx(0.1)
    assert results["mean_in_degree"]["excitatory"] == pytest.approx(3200 * 0.02, rel=0.02)
    assert results["mean_in_degree"]["inhibitory"] == pytest.approx(800 * 0.02, rel=0.05)


def test_results_json_ready(results):
    assert json.loads(json.dumps(results)) == results


def test_plot_writes_png(results, tmp_path):
    path = ei_network.plot_study(results, tmp_path / "figures" / "raster.png")

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_initializers_carry_units():
    initializers = ei_network.neuron_initializers()

    assert initializers["v"] == bi.Uniform(-60.0 * u.mV, -50.0 * u.mV)
    assert initializers["capacitance"].param_unit == u.pF
    assert initializers["bias_current"](jax.random.key(0), (1,)).to_decimal(u.pA)[0] == pytest.approx(20.0)
    assert all(init.param_unit is not None for init in initializers.values())


def test_build_network_values(results):
    network = ei_network.build_network(jax.random.key(1))
    v = np.asarray(network["v"])
    weights = np.asarray(network["excitatory_weights"])[np.asarray(network["excitatory_connections"].valid)]

    assert v.shape == (4000,)
    assert (v >= -60.0).all()
    assert (v <= -50.0).all()
    np.testing.assert_allclose(weights, 0.6, rtol=1e-6)
    assert network["inhibitory_connections"].n_pre == 800
    assert float(network["capacitance"][0] / network["g_leak"][0]) == pytest.approx(20.0)


def test_example_script_help(monkeypatch, capsys):
    script = runpy.run_path(str(EXAMPLE), run_name="example")
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), "--help"])

    with pytest.raises(SystemExit):
        script["main"]()
    assert "--quick" in capsys.readouterr().out
