"""Distributions: values against scipy.stats, exact moments, units, validation and the call contract."""

from __future__ import annotations

import math
import pickle

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

KEY = jax.random.key(0)
N = 20_000
# Statistical tests fail by chance with probability about P_MIN per test.
P_MIN = 1e-3
# Moment checks allow this many standard errors.
SIGMAS = 5.0


def lognormal_sigma(mean, std):
    return math.sqrt(math.log1p((std / mean) ** 2))


# (name, initializer, scipy distribution of its mantissas, exact mean, exact variance).
# Every test calls these with the shape (N,), so each compiles once.
CASES = [
    (
        "lognormal",
        bi.LogNormal(2.0 * u.nS, 0.5 * u.nS),
        stats.lognorm(s=lognormal_sigma(2.0, 0.5), scale=2.0 / math.sqrt(1 + 0.0625)),
        2.0,
        0.25,
    ),
    ("gamma", bi.Gamma(2.5, 0.4 * u.ms), stats.gamma(a=2.5, scale=0.4), 2.5 * 0.4, 2.5 * 0.4**2),
    ("exponential", bi.Exponential(3.0 * u.ms), stats.expon(scale=3.0), 3.0, 9.0),
    (
        "beta",
        bi.Beta(2.0, 5.0, -70.0 * u.mV, -50.0 * u.mV),
        stats.beta(2.0, 5.0, loc=-70.0, scale=20.0),
        -70.0 + 20.0 * 2.0 / 7.0,
        20.0**2 * 10.0 / (49.0 * 8.0),
    ),
    (
        "weibull",
        bi.Weibull(1.5, 2.0 * u.ms),
        stats.weibull_min(c=1.5, scale=2.0),
        2.0 * math.gamma(1 + 1 / 1.5),
        4.0 * (math.gamma(1 + 2 / 1.5) - math.gamma(1 + 1 / 1.5) ** 2),
    ),
]
CASE_IDS = [case[0] for case in CASES]


def mantissas(values):
    return np.asarray(values.mantissa, np.float64)


@pytest.mark.parametrize("name, init, reference, mean, variance", CASES, ids=CASE_IDS)
def test_ks_against_scipy(name, init, reference, mean, variance):
    values = mantissas(init(KEY, (N,)))

    assert stats.kstest(values, reference.cdf).pvalue > P_MIN


@pytest.mark.parametrize("name, init, reference, mean, variance", CASES, ids=CASE_IDS)
def test_exact_moments_match_scipy(name, init, reference, mean, variance):
    assert reference.mean() == pytest.approx(mean, rel=1e-12)
    assert reference.var() == pytest.approx(variance, rel=1e-12)


@pytest.mark.parametrize("name, init, reference, mean, variance", CASES, ids=CASE_IDS)
def test_sample_moments(name, init, reference, mean, variance):
    values = mantissas(init(jax.random.key(1), (N,)))
    # Standard error of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 from the kurtosis.
    excess_kurtosis = float(reference.stats(moments="k"))
    variance_error = math.sqrt((excess_kurtosis + 2.0) * variance**2 / N)

    assert abs(values.mean() - mean) < SIGMAS * math.sqrt(variance / N)
    assert abs(values.var() - variance) < SIGMAS * variance_error


def test_lognormal_mu_sigma_exact():
    init = bi.LogNormal(0.5, 0.2)

    assert init.sigma == pytest.approx(math.sqrt(math.log(1 + 0.16)), rel=1e-15)
    assert init.mu == pytest.approx(math.log(0.5) - 0.5 * math.log(1 + 0.16), rel=1e-15)
    assert math.exp(init.mu + init.sigma**2 / 2) == pytest.approx(0.5, rel=1e-15)


def test_lognormal_tiny_cv():
    init = bi.LogNormal(1.0, 1e-9)

    assert init.sigma == pytest.approx(1e-9, rel=1e-6)


def test_bernoulli_matches_jax():
    mask = bi.Bernoulli(0.3)(KEY, (50, 40))

    chex.assert_type(mask, jnp.bool_)
    np.testing.assert_array_equal(mask, jax.random.bernoulli(KEY, 0.3, (50, 40)))


def test_bernoulli_frequency():
    mask = np.asarray(bi.Bernoulli(0.05)(KEY, (N,)))

    assert stats.binomtest(int(mask.sum()), N, 0.05).pvalue > P_MIN


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.int32, jnp.uint8, jnp.bool_])
def test_bernoulli_dtypes(dtype):
    mask = bi.Bernoulli(0.5)(KEY, (100,), dtype)

    chex.assert_type(mask, dtype)
    assert set(np.unique(np.asarray(mask, np.float32))) <= {0.0, 1.0}


def test_bernoulli_dtype_field():
    chex.assert_type(bi.Bernoulli(0.5, dtype=jnp.float32)(KEY, (4,)), jnp.float32)


def test_bernoulli_rejects_unit():
    with pytest.raises(TypeError, match="dimensionless mask"):
        bi.Bernoulli(0.5)(KEY, (4,), unit=u.nS)


def test_bernoulli_rejects_complex():
    with pytest.raises(ValueError, match="complex64"):
        bi.Bernoulli(0.5)(KEY, (4,), jnp.complex64)


def test_bernoulli_array_p():
    p = np.array([0.0, 1.0, 0.5])
    mask = bi.Bernoulli(p)(KEY, (1000, 3))

    assert not mask[:, 0].any()
    assert mask[:, 1].all()


def test_bernoulli_zero_size():
    chex.assert_shape(bi.Bernoulli(0.5)(KEY, (0, 3)), (0, 3))


@pytest.mark.parametrize("name, init, reference, mean, variance", CASES, ids=CASE_IDS)
def test_jit_and_vmap(name, init, reference, mean, variance):
    keys = jax.random.split(KEY, 2)
    batched = jax.jit(jax.vmap(lambda key: init(key, (N,)).mantissa))(keys)

    chex.assert_shape(batched, (2, N))
    np.testing.assert_allclose(batched[1], init(keys[1], (N,)).mantissa, rtol=1e-6)
    assert not np.array_equal(batched[0], batched[1])


# Every distribution casts the same way, so the cheaper samplers cover it.
@pytest.mark.parametrize("name, init, reference, mean, variance", CASES[::2], ids=CASE_IDS[::2])
def test_half_precision(name, init, reference, mean, variance):
    values = init(KEY, (N,), jnp.float16).mantissa

    chex.assert_type(values, jnp.float16)
    assert np.isfinite(np.asarray(values, np.float32)).all()


@pytest.mark.parametrize("init", [case[1] for case in CASES] + [bi.Bernoulli(0.2)], ids=CASE_IDS + ["bernoulli"])
def test_config_round_trip(init):
    rebuilt = bi.from_config(init.to_config())

    assert rebuilt == init
    assert hash(rebuilt) == hash(init)
    assert pickle.loads(pickle.dumps(init)) == init


def test_array_parameter_broadcasts():
    values = np.asarray(bi.Exponential(np.array([1.0, 4.0, 9.0]))(KEY, (N, 3)))

    np.testing.assert_allclose(values.mean(axis=0), [1.0, 4.0, 9.0], rtol=0.05)


# Units: the first Quantity sets the unit, other Quantities convert to it,
# plain numbers next to a Quantity are read in that unit.
UNIT_CASES = [(name, init, init.param_unit) for name, init, *_ in CASES] + [
    ("normal", bi.Normal(-65.0 * u.mV, 5.0 * u.mV), u.mV),
    ("uniform", bi.Uniform(-60.0 * u.mV, -50.0 * u.mV), u.mV),
    ("truncated_normal", bi.TruncatedNormal(-65.0 * u.mV, 5.0 * u.mV, -70.0 * u.mV, -50.0 * u.mV), u.mV),
]


@pytest.mark.parametrize("name, init, unit", UNIT_CASES, ids=[case[0] for case in UNIT_CASES])
def test_result_unit(name, init, unit):
    values = init(KEY, (N,))

    assert values.unit == unit
    assert str(unit) in ("nS", "ms", "mV")


# The unit each case is converted to at call time, and the factor on its mantissas.
CONVERSIONS = {"mV": (u.volt, 1e-3), "ms": (u.second, 1e-3), "nS": (u.psiemens, 1e3)}


@pytest.mark.parametrize("name, init, unit", UNIT_CASES, ids=[case[0] for case in UNIT_CASES])
def test_unit_argument_converts(name, init, unit):
    target, scale = CONVERSIONS[str(unit)]
    plain = init(KEY, (N,))
    converted = init(KEY, (N,), unit=target)

    assert converted.unit == target
    np.testing.assert_allclose(converted.mantissa, plain.mantissa * scale, rtol=1e-5)


@pytest.mark.parametrize("name, init, unit", UNIT_CASES, ids=[case[0] for case in UNIT_CASES])
def test_unit_argument_incompatible(name, init, unit):
    with pytest.raises(u.UnitMismatchError):
        init(KEY, (N,), unit=u.kilogram)


def test_lognormal_plain_std_read_in_mean_unit():
    init = bi.LogNormal(0.5 * u.nS, 0.25)

    assert init == init
    assert init.sigma == bi.LogNormal(0.5 * u.nS, 0.25 * u.nS).sigma
    assert init(KEY, (3,)).unit == u.nS


def test_lognormal_converts_second_unit():
    mixed = bi.LogNormal(0.5 * u.nS, 0.00025 * u.uS)

    assert mixed.sigma == pytest.approx(bi.LogNormal(0.5, 0.25).sigma, rel=1e-12)


def test_beta_mixed_units_interval():
    values = bi.Beta(2.0, 5.0, -70.0 * u.mV, -0.05 * u.volt)(KEY, (N,))

    assert values.unit == u.mV
    assert float(values.mantissa.min()) >= -70.0
    assert float(values.mantissa.max()) <= -50.0


@pytest.mark.parametrize(
    "build",
    [
        lambda: bi.LogNormal(0.5 * u.nS, 0.1 * u.mV),
        lambda: bi.Beta(2.0, 2.0, -70.0 * u.mV, 1.0 * u.nS),
        lambda: bi.Normal(-65.0 * u.mV, 5.0 * u.ms),
    ],
    ids=["lognormal", "beta", "normal"],
)
def test_incompatible_units_name_both(build):
    with pytest.raises(u.UnitMismatchError) as error:
        build()

    message = str(error.value)
    assert "mV" in message
    assert "nS" in message or "ms" in message


@pytest.mark.parametrize(
    "build",
    [
        lambda: bi.Gamma(2.0 * u.mV, 1.0 * u.ms),
        lambda: bi.Weibull(1.5 * u.ms, 1.0 * u.ms),
        lambda: bi.Beta(2.0 * u.mV, 2.0),
        lambda: bi.Bernoulli(0.5 * u.nS),
    ],
    ids=["gamma", "weibull", "beta", "bernoulli"],
)
def test_shape_parameter_must_be_dimensionless(build):
    with pytest.raises(u.UnitMismatchError, match="dimensionless"):
        build()


def test_dimensionless_quantity_shape_accepted():
    init = bi.Gamma(u.Quantity(2.0), 1.0 * u.ms)

    assert init.shape == 2.0


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: bi.LogNormal(0.0, 1.0), r"mean must be positive.*\(0, inf\)"),
        (lambda: bi.LogNormal(-1.0 * u.nS, 1.0 * u.nS), r"mean must be positive"),
        (lambda: bi.LogNormal(1.0, -0.1), r"std must be finite and non-negative"),
        (lambda: bi.Gamma(0.0, 1.0), r"shape must be positive.*got 0.0"),
        (lambda: bi.Gamma(2.0, -1.0 * u.ms), r"scale must be positive"),
        (lambda: bi.Exponential(0.0), r"scale must be positive.*\(0, inf\)"),
        (lambda: bi.Exponential(math.inf), r"scale must be positive and finite"),
        (lambda: bi.Beta(-1.0, 2.0), r"a must be positive"),
        (lambda: bi.Beta(1.0, 0.0), r"b must be positive"),
        (lambda: bi.Beta(1.0, 1.0, 2.0, 1.0), r"low < high.*low=2.0, high=1.0"),
        (lambda: bi.Weibull(0.0, 1.0), r"shape must be positive"),
        (lambda: bi.Weibull(1.0, 0.0), r"scale must be positive"),
        (lambda: bi.Bernoulli(1.5), r"\[0, 1\], got 1.5"),
        (lambda: bi.Bernoulli(-0.1), r"\[0, 1\], got -0.1"),
        (lambda: bi.Bernoulli(math.nan), r"\[0, 1\]"),
    ],
)
def test_invalid_parameters(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize(
    "jax_init, init",
    [
        (jax.nn.initializers.normal(0.3), bi.Normal(0.0, 0.3)),
        (jax.nn.initializers.uniform(0.5), bi.Uniform(0.0, 0.5)),
        (jax.nn.initializers.truncated_normal(0.2), bi.TruncatedNormal(0.0, 0.2, -0.4, 0.4)),
    ],
    ids=["normal", "uniform", "truncated_normal"],
)
def test_original_families_bit_identical_to_jax(jax_init, init):
    np.testing.assert_array_equal(init(KEY, (64, 32)), jax_init(KEY, (64, 32)))
