"""Smoke test of the deep-MLP digits study: a few SGD steps in both frameworks."""

from __future__ import annotations

import json
import math

import jax
import pytest

for module in ("flax", "equinox", "optax", "sklearn"):
    pytest.importorskip(module, reason=f"{module} is not installed; install braininit[frameworks] to run the digits study")

from braininit.studies import digits

STEPS = 3
# Two of the four initializers keep the smoke test short; each adds compilations.
NAMES = ("KaimingNormal", "Normal(std=0.01)")


@pytest.fixture(scope="module")
def results():
    return digits.run_study(jax.random.key(0), quick=True, steps=STEPS, initializers=NAMES)


def test_results_cover_frameworks_and_initializers(results):
    assert list(results["runs"]) == list(digits.FRAMEWORKS)
    for runs in results["runs"].values():
        assert list(runs) == list(NAMES)
    assert list(results["config"]["initializers"]) == list(NAMES)


def test_unknown_initializer_rejected():
    with pytest.raises(ValueError, match="unknown initializers.*'He'"):
        digits.run_study(jax.random.key(0), quick=True, initializers=["He"])


def test_results_are_json_ready(results):
    assert json.loads(json.dumps(results)) == results


def test_config_records_depth_and_steps(results):
    assert results["config"]["layers"] >= 20
    assert results["config"]["steps"] == STEPS
    assert results["config"]["n_train"] + results["config"]["n_test"] == 1797


def test_run_summary_fields(results):
    for runs in results["runs"].values():
        for run in runs.values():
            assert run["curve_steps"] == list(range(STEPS))
            assert len(run["curve"]) == STEPS
            assert 0.0 <= run["test_accuracy"] <= 1.0
            assert not run["diverged"]


def test_too_small_normal_gives_uniform_logits(results):
    # With std 0.01 the signal vanishes over 20 layers, so the first loss is that of uniform logits.
    for runs in results["runs"].values():
        assert abs(runs["Normal(std=0.01)"]["initial_loss"] - math.log(10)) < 1e-3


def test_plot_writes_png(results, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed; install braininit[report] to plot")

    path = digits.plot_study(results, tmp_path / "digits.png")

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
