"""TruncatedNormal, exact for any bounds, against scipy.stats.truncnorm."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi
from braininit.sampling import log_normal_cdf

KEY = jax.random.key(7)
N = 20_000


@pytest.mark.parametrize(
    ("low", "high"),
    [(-2.0, 2.0), (-1.0, 3.0), (0.5, 1.5), (5.0, 6.0), (-6.0, -5.0), (8.0, 9.0), (-40.0, -39.0), (30.0, 31.0), (2.0, math.inf), (-math.inf, -3.0)],
)
def test_standard_bounds_match_scipy(low, high):
    values = np.asarray(bi.TruncatedNormal(0.0, 1.0, low, high)(KEY, (N,)), np.float64)

    assert np.isfinite(values).all()
    assert values.min() >= low
    assert values.max() <= high
    assert stats.kstest(values, stats.truncnorm(low, high).cdf).pvalue > 1e-3


def test_absolute_bounds_with_mean_and_std():
    init = bi.TruncatedNormal(mean=1.0, std=0.5, low=2.0, high=2.5)
    values = np.asarray(init(KEY, (N,)), np.float64)
    reference = stats.truncnorm((2.0 - 1.0) / 0.5, (2.5 - 1.0) / 0.5, loc=1.0, scale=0.5)

    assert stats.kstest(values, reference.cdf).pvalue > 1e-3
    assert values.mean() == pytest.approx(reference.mean(), abs=4 * reference.std() / math.sqrt(N))


def test_far_tail_spreads_over_interval():
    values = np.asarray(bi.TruncatedNormal(0.0, 1.0, 5.0, 6.0)(KEY, (N,)), np.float64)

    assert values.std() == pytest.approx(stats.truncnorm(5, 6).std(), rel=0.05)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_within_bounds(dtype):
    values = bi.TruncatedNormal(0.0, 1.0, 5.0, 6.0)(KEY, (N,), dtype)

    assert values.dtype == dtype
    assert float(values.min()) >= 5.0
    assert float(values.max()) <= 6.0


def test_float64_far_tail():
    with jax.enable_x64(True):
        values = np.asarray(bi.TruncatedNormal(0.0, 1.0, -40.0, -39.0)(KEY, (N,), jnp.float64))

    assert values.dtype == np.float64
    assert stats.kstest(values, stats.truncnorm(-40, -39).cdf).pvalue > 1e-3


@pytest.mark.parametrize("x", [-200.0, -45.0, -31.0, -29.0, -5.0, 0.0, 3.0])
def test_log_normal_cdf(x):
    assert log_normal_cdf(x) == pytest.approx(stats.norm.logcdf(x), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"std": 0.0}, "std must be positive"),
        ({"std": -1.0}, "std must be positive"),
        ({"low": 1.0, "high": 1.0}, "low must be less than high"),
        ({"low": 2.0, "high": -2.0}, "low must be less than high"),
        ({"mean": np.zeros(3)}, "mean must be a scalar"),
    ],
)
def test_invalid_truncated_normal(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        bi.TruncatedNormal(**kwargs)


def test_normal_and_uniform_moments():
    normal = np.asarray(bi.Normal(2.0, 3.0)(KEY, (N,)), np.float64)
    uniform = np.asarray(bi.Uniform(-1.0, 3.0)(KEY, (N,)), np.float64)

    assert stats.kstest(normal, stats.norm(2.0, 3.0).cdf).pvalue > 1e-3
    assert stats.kstest(uniform, stats.uniform(-1.0, 4.0).cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: bi.Normal(std=-1.0), "std must be finite and non-negative, got -1.0"),
        (lambda: bi.Uniform(1.0, 1.0), "low must be less than high"),
        (lambda: bi.Uniform(0.0, math.inf), "bounds must be finite"),
    ],
)
def test_invalid_normal_and_uniform(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()
