"""Connectivity rules, sparse connections, distances, weights on connections, Dale's law and spectral radius."""

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
from braininit.connectivity import _binomial_upper_bound

KEY = jax.random.key(0)
P_MIN = 1e-3
# Tests share these rules and sizes, so that each compiles once.
PROBABILITY = bi.FixedProbability(0.1)
IN_DEGREE = bi.FixedInDegree(5)
N_PRE, N_POST = 80, 60


def assert_rows_sorted_and_distinct(connections):
    indices = np.asarray(connections.pre_indices)
    valid = np.asarray(connections.valid)
    for row, mask in zip(indices, valid):
        real = row[mask]
        assert (np.diff(real) > 0).all()
        assert ((real >= 0) & (real < connections.n_pre)).all()
        assert (row[~mask] == connections.n_pre).all()


@pytest.mark.parametrize(
    "trials, p, rows",
    [(3200, 0.02, 4000), (100_000, 0.02, 100_000), (5, 1e-4, 5), (1000, 0.5, 10), (10, 0.999, 10)],
)
def test_binomial_bound_is_tight(trials, p, rows):
    bound = _binomial_upper_bound(trials, p, rows)

    assert rows * stats.binom.sf(bound, trials, p) < 1e-12
    assert bound == trials or rows * stats.binom.sf(bound - 1, trials, p) >= 1e-12


def test_fixed_probability_dense_frequency():
    mask = PROBABILITY(KEY, (N_PRE, N_POST))

    chex.assert_type(mask, jnp.bool_)
    assert stats.binomtest(int(mask.sum()), mask.size, 0.1).pvalue > P_MIN


def test_fixed_probability_dense_equals_sparse():
    dense = PROBABILITY(KEY, (N_PRE, N_POST))

    np.testing.assert_array_equal(dense, PROBABILITY.sparse(KEY, N_PRE, N_POST).to_dense())


def test_fixed_probability_in_degree_binomial():
    connections = bi.FixedProbability(0.02).sparse(KEY, 3200, 4000)
    degrees = np.asarray(connections.in_degree)
    expected = stats.binom(3200, 0.02)

    assert abs(degrees.mean() - expected.mean()) < 5 * expected.std() / math.sqrt(4000)
    assert degrees.var() == pytest.approx(expected.var(), rel=0.1)
    assert_rows_sorted_and_distinct(connections)


def test_fixed_probability_presynaptic_uniform():
    connections = bi.FixedProbability(0.02).sparse(KEY, 3200, 4000)
    counts = np.bincount(np.asarray(connections.pre_indices)[np.asarray(connections.valid)], minlength=3200)

    assert stats.chisquare(counts).pvalue > P_MIN


def test_fixed_probability_no_self_connections():
    mask = bi.FixedProbability(0.5, self_connections=False)(KEY, (50, 50))

    assert not np.diag(np.asarray(mask)).any()
    assert float(mask.mean()) == pytest.approx(0.5 * 49 / 50, abs=0.05)


def test_fixed_probability_no_self_needs_square():
    with pytest.raises(ValueError, match="n_pre == n_post, got 10 and 20"):
        bi.FixedProbability(0.5, self_connections=False).sparse(KEY, 10, 20)


@pytest.mark.parametrize("p, expected", [(0.0, 0), (1.0, 16)])
def test_fixed_probability_extremes(p, expected):
    assert int(bi.FixedProbability(p)(KEY, (4, 4)).sum()) == expected


@pytest.mark.parametrize("p", [-0.1, 1.5, math.nan, "0.5"])
def test_fixed_probability_invalid(p):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bi.FixedProbability(p)


def test_fixed_probability_sparse_large():
    connections = bi.FixedProbability(1e-4).sparse(KEY, 100_000, 100_000)

    assert connections.pre_indices.shape[0] == 100_000
    assert connections.max_in_degree < 100
    assert float(connections.in_degree.mean()) == pytest.approx(10.0, rel=0.05)


def test_fixed_in_degree_exact():
    mask = IN_DEGREE(KEY, (N_PRE, N_POST))

    np.testing.assert_array_equal(np.asarray(mask).sum(axis=0), 5)
    np.testing.assert_array_equal(mask, IN_DEGREE.sparse(KEY, N_PRE, N_POST).to_dense())


def test_fixed_in_degree_large_population():
    connections = bi.FixedInDegree(10, self_connections=False).sparse(KEY, 100_000, 100_000)
    indices = np.asarray(connections.pre_indices)

    assert indices.shape == (100_000, 10)
    assert (np.diff(indices, axis=1) > 0).all()
    assert not (indices == np.arange(100_000)[:, None]).any()


@pytest.mark.parametrize("in_degree", [3, 40], ids=["rejection", "ranking"])
def test_fixed_in_degree_uniform_partners(in_degree):
    connections = bi.FixedInDegree(in_degree).sparse(KEY, 60, 3000)
    counts = np.bincount(np.asarray(connections.pre_indices).ravel(), minlength=60)

    assert stats.chisquare(counts).pvalue > P_MIN
    assert_rows_sorted_and_distinct(connections)


def test_fixed_in_degree_all_candidates():
    mask = bi.FixedInDegree(9, self_connections=False)(KEY, (10, 10))

    np.testing.assert_array_equal(np.asarray(mask), ~np.eye(10, dtype=bool))


def test_fixed_in_degree_too_large():
    with pytest.raises(ValueError, match="in_degree=10 exceeds the 9 candidate"):
        bi.FixedInDegree(10, self_connections=False).sparse(KEY, 10, 10)


@pytest.mark.parametrize("in_degree", [-1, 2.5, True])
def test_fixed_in_degree_invalid(in_degree):
    with pytest.raises(ValueError, match="non-negative int"):
        bi.FixedInDegree(in_degree)


def test_fixed_in_degree_zero():
    connections = bi.FixedInDegree(0).sparse(KEY, 5, 4)

    chex.assert_shape(connections.pre_indices, (4, 0))
    assert not connections.to_dense().any()


@pytest.mark.parametrize("rule", [PROBABILITY, IN_DEGREE], ids=["probability", "in_degree"])
def test_rules_under_jit(rule):
    sparse = jax.jit(lambda key: rule.sparse(key, N_PRE, N_POST))(KEY)

    np.testing.assert_array_equal(sparse.to_dense(), rule(KEY, (N_PRE, N_POST)))


@pytest.mark.parametrize("rule", [PROBABILITY, IN_DEGREE], ids=["probability", "in_degree"])
def test_rule_mask_dtype_and_shape_errors(rule):
    chex.assert_type(rule(KEY, (N_PRE, N_POST), jnp.float32), jnp.float32)
    with pytest.raises(ValueError, match=r"2-D shape \(n_pre, n_post\)"):
        rule(KEY, (6, 8, 2))


@pytest.mark.parametrize(
    "init",
    [bi.FixedProbability(0.1, self_connections=False), bi.FixedInDegree(3), bi.Connected(bi.Normal(), bi.FixedInDegree(2), "inverse")],
    ids=["probability", "in_degree", "connected"],
)
def test_config_round_trip(init):
    rebuilt = bi.from_config(init.to_config())

    assert rebuilt == init
    assert hash(rebuilt) == hash(init)
    assert pickle.loads(pickle.dumps(init)) == init


def test_sparse_propagate_matches_dense():
    connections = PROBABILITY.sparse(KEY, N_PRE, N_POST)
    weights = jax.random.normal(KEY, connections.pre_indices.shape)
    rates = jax.random.uniform(jax.random.key(1), (N_PRE,))
    dense = connections.to_bcoo(weights).todense()

    np.testing.assert_allclose(connections.propagate(rates, weights), rates @ dense, rtol=1e-5, atol=1e-6)


def test_sparse_bcoo_mask():
    connections = PROBABILITY.sparse(KEY, N_PRE, N_POST)

    np.testing.assert_array_equal(connections.to_bcoo().todense() > 0, connections.to_dense())


def test_sparse_bcoo_rejects_quantity():
    connections, values = bi.Connected(bi.Constant(1.0 * u.nS), IN_DEGREE).sparse(KEY, N_PRE, N_POST)

    with pytest.raises(TypeError, match="to_decimal"):
        connections.to_bcoo(values)


def test_sparse_is_pytree():
    connections = IN_DEGREE.sparse(KEY, N_PRE, N_POST)
    in_degree = jax.jit(lambda conn: conn.in_degree)(connections)

    np.testing.assert_array_equal(in_degree, 5)
    assert connections.num_connections == 5 * N_POST


def test_connected_dense_equals_sparse():
    init = bi.Connected(bi.LogNormal(0.5 * u.nS, 0.2 * u.nS), PROBABILITY)
    dense = init(KEY, (N_PRE, N_POST))
    connections, values = init.sparse(KEY, N_PRE, N_POST)

    assert dense.unit == u.nS
    assert values.unit == u.nS
    np.testing.assert_allclose(dense.mantissa, connections.to_bcoo(values.mantissa).todense(), rtol=1e-6)
    np.testing.assert_array_equal(dense.mantissa != 0, connections.to_dense())


@pytest.mark.parametrize("scaling, exponent", [("inverse_sqrt", 0.5), ("inverse", 1.0)])
def test_connected_in_degree_scaling(scaling, exponent):
    init = bi.Connected(bi.Constant(1.0), PROBABILITY, in_degree_scaling=scaling)
    weights = np.asarray(init(KEY, (N_PRE, N_POST)))
    in_degree = (weights != 0).sum(axis=0)

    np.testing.assert_allclose(weights.sum(axis=0), in_degree ** (1.0 - exponent), rtol=1e-5)


def test_connected_fan_in_is_max_in_degree():
    connections = bi.FixedInDegree(100).sparse(KEY, 1000, 500)
    values = bi.connection_weights(KEY, connections, bi.KaimingNormal())

    chex.assert_shape(values, (500, 100))
    assert float(values.var()) == pytest.approx(2.0 / 100, rel=0.05)


def test_connected_invalid_scaling():
    with pytest.raises(ValueError, match="in_degree_scaling must be one of"):
        bi.Connected(bi.Normal(), bi.FixedInDegree(2), in_degree_scaling="sqrt")


def test_connected_needs_rule():
    with pytest.raises(TypeError, match="sparse"):
        bi.Connected(bi.Normal(), bi.Normal())


def test_pairwise_distances_match_numpy():
    x = np.random.default_rng(0).uniform(size=(7, 3))
    y = np.random.default_rng(1).uniform(size=(5, 3))
    expected = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1)

    np.testing.assert_allclose(bi.pairwise_distances(jnp.asarray(x), jnp.asarray(y)), expected, rtol=1e-5)


def test_pairwise_distances_periodic_units():
    x = jnp.array([[0.0, 0.0], [0.95, 0.5]]) * u.mm
    distances = bi.pairwise_distances(x, box=1.0)

    assert distances.unit == u.mm
    np.testing.assert_allclose(distances.mantissa[0, 1], math.hypot(0.05, 0.5), rtol=1e-5)


def test_paired_distances_convert_units():
    distance = bi.paired_distances(jnp.array([1.0, 0.0]) * u.mm, jnp.array([0.0, 0.0]) * u.um)

    assert float(distance.to_decimal(u.um)) == pytest.approx(1000.0)


def test_distances_incompatible_units():
    with pytest.raises(u.UnitMismatchError):
        bi.paired_distances(jnp.zeros(2) * u.mm, jnp.zeros(2) * u.mV)


POSITIONS = bi.Uniform(0.0 * u.um, 1000.0 * u.um)(jax.random.key(7), (400, 2))


@pytest.mark.parametrize("profile, self_connections", [("gaussian", False), ("exponential", True)])
def test_distance_dependent_rate(profile, self_connections):
    rule = bi.DistanceDependent(100.0 * u.um, profile, p_max=0.5, box=1.0 * u.mm, self_connections=self_connections)
    mask = np.asarray(rule.dense(KEY, POSITIONS, POSITIONS))
    probability = np.array(rule.probability(bi.pairwise_distances(POSITIONS, box=1.0 * u.mm)))
    if not self_connections:
        np.fill_diagonal(probability, 0.0)
    expected = probability.sum()
    spread = math.sqrt((probability * (1 - probability)).sum())

    assert abs(mask.sum() - expected) < 5 * spread
    assert np.diag(mask).any() == self_connections


def test_distance_dependent_profile_values():
    gaussian = bi.DistanceDependent(100.0 * u.um, p_max=0.5)
    exponential = bi.DistanceDependent(0.1 * u.mm, profile="exponential")

    assert float(gaussian.probability(100.0 * u.um)) == pytest.approx(0.5 * math.exp(-0.5))
    assert float(exponential.probability(0.2 * u.mm)) == pytest.approx(math.exp(-2.0), rel=1e-6)
    assert float(exponential.probability(0.2)) == pytest.approx(math.exp(-2.0), rel=1e-6)


def test_distance_dependent_under_jit():
    rule = bi.DistanceDependent(100.0 * u.um, p_max=0.3, box=1.0 * u.mm)

    @jax.jit
    def build(key):
        position_key, connection_key = jax.random.split(key)
        positions = bi.Uniform(0.0 * u.um, 1000.0 * u.um)(position_key, (200, 2))
        return rule.sparse(connection_key, positions, positions)

    connections = build(KEY)
    assert connections.pre_indices.shape[0] == 200
    assert int(connections.num_connections) > 0


def test_distance_dependent_plain_scale_takes_position_unit():
    rule = bi.DistanceDependent(100.0, p_max=0.5)

    assert float(rule.probability(100.0 * u.um)) == pytest.approx(0.5 * math.exp(-0.5))
    assert float(rule.probability(100.0 * u.mm)) == pytest.approx(0.5 * math.exp(-0.5))


def test_distance_dependent_wrong_position_unit():
    rule = bi.DistanceDependent(100.0 * u.um)

    with pytest.raises(u.UnitMismatchError, match="positions"):
        rule.dense(KEY, jnp.zeros((3, 2)) * u.mV, jnp.zeros((3, 2)) * u.mV)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(scale=100.0 * u.um, profile="box"), ValueError, "profile must be one of"),
        (dict(scale=0.0 * u.um), ValueError, "scale must be a positive"),
        (dict(scale=100.0 * u.um, p_max=0.0), ValueError, r"p_max must be in \(0, 1\]"),
        (dict(scale=100.0 * u.um, box=-1.0), ValueError, "box side lengths must be positive"),
        (dict(scale=100.0 * u.um, box=1.0 * u.mV), u.UnitMismatchError, "um"),
    ],
)
def test_distance_dependent_invalid(kwargs, error, match):
    with pytest.raises(error, match=match):
        bi.DistanceDependent(**kwargs)


def test_distance_dependent_hashable():
    assert hash(bi.DistanceDependent(100.0 * u.um)) == hash(bi.DistanceDependent(100.0 * u.um))
    assert bi.DistanceDependent(100.0 * u.um) != bi.DistanceDependent(100.0 * u.um, p_max=0.5)


def test_dale_signs_and_units():
    init = bi.DaleLaw(bi.LogNormal(0.6 * u.nS, 0.1 * u.nS), bi.LogNormal(6700.0 * u.psiemens, 1000.0 * u.psiemens))
    weights = init(KEY, (100, 40))

    assert weights.unit == u.nS
    assert (np.asarray(weights.mantissa[:80]) > 0).all()
    assert (np.asarray(weights.mantissa[80:]) < 0).all()
    assert float(-weights.mantissa[80:].mean()) == pytest.approx(6.7, rel=0.05)


def test_dale_balance_zero_column_sums():
    excitatory = bi.Connected(bi.Constant(0.6 * u.nS), PROBABILITY)
    inhibitory = bi.Connected(bi.Constant(6.7 * u.nS), PROBABILITY)
    weights = bi.DaleLaw(excitatory, inhibitory, excitatory_fraction=0.75, balance=True)(KEY, (4 * N_PRE, N_POST))
    column_sums = np.asarray(weights.mantissa.sum(axis=0))

    np.testing.assert_allclose(column_sums, 0.0, atol=1e-4)
    assert (np.asarray(weights.mantissa[: 3 * N_PRE]) >= 0).all()
    assert (np.asarray(weights.mantissa[3 * N_PRE :]) <= 0).all()


def test_dale_fraction_rows():
    weights = bi.DaleLaw(bi.Uniform(0.1, 1.0), excitatory_fraction=0.25)(KEY, (8, 3))

    assert (np.asarray(weights[:2]) > 0).all()
    assert (np.asarray(weights[2:]) < 0).all()


def test_dale_invalid():
    with pytest.raises(ValueError, match=r"excitatory_fraction must be in \[0, 1\]"):
        bi.DaleLaw(bi.Normal(), excitatory_fraction=1.2)
    with pytest.raises(u.UnitMismatchError):
        bi.DaleLaw(bi.Normal(0.0 * u.nS, 1.0 * u.nS), bi.Normal(0.0 * u.mV, 1.0 * u.mV))


def test_spectral_radius_target():
    weights = bi.SpectralRadius(bi.Normal(0.0, 1.0), 0.9)(KEY, (150, 150))

    assert float(jnp.abs(jnp.linalg.eigvals(weights)).max()) == pytest.approx(0.9, rel=1e-4)


def test_spectral_radius_batch_units_jit():
    init = bi.SpectralRadius(bi.Normal(0.0 * u.nS, 1.0 * u.nS), 0.0012 * u.uS)
    weights = jax.jit(lambda key: init(key, (3, 40, 40)).mantissa)(KEY)

    np.testing.assert_allclose(jnp.abs(jnp.linalg.eigvals(weights)).max(axis=-1), 1.2, rtol=1e-4)


def test_spectral_radius_dale_matrix():
    init = bi.SpectralRadius(bi.DaleLaw(bi.Uniform(0.0, 1.0), balance=True), 1.5)
    weights = init(KEY, (100, 100))

    assert float(jnp.abs(jnp.linalg.eigvals(weights)).max()) == pytest.approx(1.5, rel=1e-4)


def test_spectral_radius_zero_matrix_unchanged():
    np.testing.assert_array_equal(bi.SpectralRadius(bi.Zeros(), 1.0)(KEY, (5, 5)), 0.0)


def test_spectral_radius_invalid():
    with pytest.raises(ValueError, match="square matrices"):
        bi.SpectralRadius(bi.Normal())(KEY, (4, 5))
    with pytest.raises(ValueError, match="non-negative"):
        bi.SpectralRadius(bi.Normal(), -1.0)
    with pytest.raises(u.UnitMismatchError, match="nS"):
        bi.SpectralRadius(bi.Normal(0.0 * u.nS, 1.0 * u.nS), 1.0 * u.mV)
