"""Variance-scaling statistics against the formulas, with scipy.stats."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

KEY = jax.random.key(42)
SHAPE = (400, 500)  # 200k samples: the std's relative standard error is about 0.16%.


def _std_tolerance(n):
    # Relative standard error of a sample std is about 1 / sqrt(2 n) for normal data; allow 4 of them.
    return 4.0 / math.sqrt(2 * n)


def test_kaiming_normal_100x100_std():
    init = bi.KaimingNormal()

    assert math.sqrt(init.variance((100, 100))) == pytest.approx(0.1414, abs=1e-4)
    assert float(init(KEY, (100, 100)).std()) == pytest.approx(math.sqrt(2 / 100), rel=_std_tolerance(10_000))


@pytest.mark.parametrize(
    ("init", "expected_variance"),
    [
        (bi.KaimingNormal(), 2 / 400),
        (bi.KaimingNormal(mode="fan_out"), 2 / 500),
        (bi.KaimingUniform(), 2 / 400),
        (bi.KaimingNormal(nonlinearity="tanh"), (5 / 3) ** 2 / 400),
        (bi.KaimingNormal(nonlinearity="leaky_relu", negative_slope=0.2), 2 / 1.04 / 400),
        (bi.KaimingNormal(nonlinearity="linear", distribution="truncated_normal"), 1 / 400),
        (bi.XavierNormal(), 2 / 900),
        (bi.XavierUniform(), 2 / 900),
        (bi.LecunNormal(), 1 / 400),
        (bi.LecunUniform(), 1 / 400),
        (bi.VarianceScaling(3.0, "fan_geo_avg", "truncated_normal"), 3 / math.sqrt(400 * 500)),
        (bi.VarianceScaling(1.0, "fan_avg", "uniform"), 1 / 450),
    ],
    ids=repr,
)
def test_sample_variance_matches_formula(init, expected_variance):
    values = np.asarray(init(KEY, SHAPE), np.float64)

    assert init.variance(SHAPE) == pytest.approx(expected_variance, rel=1e-12)
    assert values.std() == pytest.approx(math.sqrt(expected_variance), rel=_std_tolerance(values.size) * 1.5)
    assert abs(values.mean()) < 5 * math.sqrt(expected_variance / values.size)


def test_normal_preset_is_plain_normal():
    values = np.asarray(bi.KaimingNormal()(KEY, SHAPE), np.float64).ravel()
    std = math.sqrt(2 / 400)

    assert stats.kstest(values / std, "norm").pvalue > 1e-3
    assert np.abs(values).max() > 3 * std


def test_uniform_preset_is_uniform_on_bound():
    values = np.asarray(bi.KaimingUniform()(KEY, SHAPE), np.float64).ravel()
    bound = math.sqrt(3 * 2 / 400)

    assert stats.kstest(values, "uniform", args=(-bound, 2 * bound)).pvalue > 1e-3
    assert np.abs(values).max() <= bound


def test_truncated_normal_is_truncated_at_two_std():
    init = bi.VarianceScaling(1.0, "fan_in", "truncated_normal")
    values = np.asarray(init(KEY, SHAPE), np.float64).ravel()
    parent_std = math.sqrt(1 / 400) / 0.87962566103423978

    assert np.abs(values).max() <= 2 * parent_std
    assert stats.kstest(values / parent_std, stats.truncnorm(-2, 2).cdf).pvalue > 1e-3


def test_truncation_constant_is_std_of_truncated_normal():
    assert stats.truncnorm(-2, 2).std() == pytest.approx(0.87962566103423978, rel=1e-14)


def test_conv_kernel_fans():
    kernel = bi.KaimingNormal()(KEY, (3, 3, 64, 128))

    assert float(kernel.std()) == pytest.approx(math.sqrt(2 / (9 * 64)), rel=0.02)


def test_complex_variance():
    values = np.asarray(bi.XavierUniform()(KEY, SHAPE, jnp.complex64))

    assert np.mean(np.abs(values) ** 2) == pytest.approx(2 / 900, rel=0.01)


@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: bi.VarianceScaling(mode="fan_median"), "unknown mode 'fan_median'.*fan_geo_avg"),
        (lambda: bi.VarianceScaling(distribution="cauchy"), "unknown distribution 'cauchy'.*truncated_normal"),
        (lambda: bi.VarianceScaling(scale=-1.0), "scale must be positive and finite, got -1.0"),
        (lambda: bi.XavierNormal(scale=0.0), "scale must be positive and finite, got 0.0"),
        (lambda: bi.KaimingNormal(layout="nchw"), "unknown layout 'nchw'"),
        (lambda: bi.KaimingNormal(negative_slope=float("nan")), "negative_slope must be finite"),
    ],
)
def test_invalid_configuration_at_construction(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


def test_scale_type_checked():
    with pytest.raises(TypeError, match="scale must be a real number"):
        bi.VarianceScaling(scale="2")
