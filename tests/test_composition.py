"""Composite initializers: arithmetic, clip, pipe, mixture and units, with the call contract."""

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
P_MIN = 1e-3
CONDUCTANCE = bi.Normal(0.5 * u.nS, 0.1 * u.nS)


def soft_sign(x):
    return x / (1.0 + jnp.abs(x))


def test_issue_example_unit_and_moments():
    init = CONDUCTANCE * 2 + 0.1 * u.nS
    values = init(KEY, (N,))

    assert values.unit == u.nS
    assert abs(float(values.mantissa.mean()) - 1.1) < 5 * 0.2 / math.sqrt(N)
    assert float(values.mantissa.std()) == pytest.approx(0.2, rel=0.03)


def test_single_random_part_keeps_key():
    values = (CONDUCTANCE * 2 + 0.1 * u.nS)(KEY, (100,))
    expected = CONDUCTANCE(KEY, (100,)) * 2 + 0.1 * u.nS

    np.testing.assert_array_equal(values.mantissa, expected.mantissa)


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda init: init + 1.0, lambda x: x + 1.0),
        (lambda init: 1.0 + init, lambda x: 1.0 + x),
        (lambda init: init - 1.0, lambda x: x - 1.0),
        (lambda init: 1.0 - init, lambda x: 1.0 - x),
        (lambda init: init * 3.0, lambda x: x * 3.0),
        (lambda init: 3.0 * init, lambda x: 3.0 * x),
        (lambda init: init / 4.0, lambda x: x / 4.0),
        (lambda init: 4.0 / init, lambda x: 4.0 / x),
        (lambda init: -init, lambda x: -x),
        (lambda init: np.float32(2.0) * init, lambda x: 2.0 * x),
        (lambda init: np.array([1.0, 2.0, 3.0]) * init, lambda x: np.array([1.0, 2.0, 3.0]) * x),
        (lambda init: init * jnp.array([1.0, 2.0, 3.0]), lambda x: x * np.array([1.0, 2.0, 3.0])),
    ],
    ids=["add", "radd", "sub", "rsub", "mul", "rmul", "div", "rdiv", "neg", "numpy_scalar", "numpy_array", "jax_array"],
)
def test_scalar_and_array_operands(build, expected):
    base = bi.Uniform(1.0, 2.0)
    values = build(base)(KEY, (5, 3))

    np.testing.assert_allclose(values, expected(np.asarray(base(KEY, (5, 3)))), rtol=1e-6)


def test_multiply_by_unit():
    values = (bi.Normal(0.0, 1.0) * u.mV)(KEY, (10,))

    assert values.unit == u.mV
    np.testing.assert_allclose(values.mantissa, bi.Normal(0.0, 1.0)(KEY, (10,)))


def test_product_combines_units():
    current = (CONDUCTANCE * (2.0 * u.mV))(KEY, (10,))

    np.testing.assert_allclose(current.to_decimal(u.pA), CONDUCTANCE(KEY, (10,)).mantissa * 2.0, rtol=1e-6)


def test_quotient_dimensionless():
    ratio = (CONDUCTANCE / (0.5 * u.nS))(KEY, (10,))

    assert not hasattr(ratio, "unit")
    np.testing.assert_allclose(ratio, CONDUCTANCE(KEY, (10,)).mantissa / 0.5, rtol=1e-6)


def test_add_converts_second_unit():
    values = (bi.Normal(-65.0 * u.mV, 1.0 * u.mV) + 0.005 * u.volt)(KEY, (10,))

    assert values.unit == u.mV
    np.testing.assert_allclose(values.mantissa, bi.Normal(-65.0, 1.0)(KEY, (10,)) + 5.0, rtol=1e-6)


def test_add_plain_number_read_in_unit():
    values = (CONDUCTANCE + 0.1)(KEY, (10,))

    np.testing.assert_allclose(values.mantissa, CONDUCTANCE(KEY, (10,)).mantissa + 0.1, rtol=1e-6)


@pytest.mark.parametrize(
    "build",
    [
        lambda: CONDUCTANCE + 1.0 * u.mV,
        lambda: CONDUCTANCE - bi.Normal(0.0 * u.mV, 1.0 * u.mV),
        lambda: CONDUCTANCE + bi.Normal(0.0, 1.0),
    ],
    ids=["quantity", "initializer", "unitless_initializer"],
)
def test_add_incompatible_units_raises(build):
    with pytest.raises(u.UnitMismatchError, match="nS"):
        build()


def test_two_initializers_draw_independently():
    init = bi.Normal(0.0, 1.0)
    values = np.asarray((init + init)(KEY, (N,)))
    difference = np.asarray((init - init)(KEY, (N,)))

    assert values.var() == pytest.approx(2.0, rel=0.05)
    assert np.abs(difference).max() > 0


def test_two_initializers_use_split_keys():
    left, right = bi.Normal(0.0, 1.0), bi.Uniform(0.0, 1.0)
    key_left, key_right = jax.random.split(KEY)
    expected = left(key_left, (10,)) * right(key_right, (10,))

    np.testing.assert_array_equal((left * right)(KEY, (10,)), expected)


def test_mask_times_weights():
    values = (bi.Bernoulli(0.1) * CONDUCTANCE)(KEY, (N,))

    assert values.unit == u.nS
    assert float((values.mantissa != 0).mean()) == pytest.approx(0.1, abs=0.01)


def test_unsupported_operand_type_error():
    with pytest.raises(TypeError):
        bi.Normal() + "one"


def test_unknown_operator():
    with pytest.raises(ValueError, match="operator must be one of"):
        bi.Arithmetic("pow", bi.Normal(), 2.0)


def test_constant_operands_only():
    with pytest.raises(TypeError, match="at least one operand"):
        bi.Arithmetic("add", 1.0, 2.0)


def test_clip_at_zero_conductance():
    values = bi.Normal(0.5 * u.nS, 1.0 * u.nS).clip(0 * u.nS)(KEY, (N,))

    assert values.unit == u.nS
    assert float(values.mantissa.min()) == 0.0
    assert float((values.mantissa == 0).mean()) == pytest.approx(stats.norm.cdf(-0.5), abs=0.01)


def test_clip_at_millivolt_raises():
    with pytest.raises(u.UnitMismatchError, match="nS"):
        CONDUCTANCE.clip(0 * u.mV)


def test_clip_plain_bounds_read_in_unit():
    values = CONDUCTANCE.clip(0.45, 0.55)(KEY, (N,))

    assert float(values.mantissa.min()) == pytest.approx(0.45)
    assert float(values.mantissa.max()) == pytest.approx(0.55)


def test_clip_converts_bound_unit():
    values = CONDUCTANCE.clip(high=0.0005 * u.uS)(KEY, (N,))

    assert float(values.mantissa.max()) == pytest.approx(0.5)


def test_clip_unitless_with_quantity_raises():
    with pytest.raises(u.UnitMismatchError):
        bi.Normal().clip(0 * u.nS)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="at least one"):
        bi.Normal().clip()


def test_clip_low_above_high():
    with pytest.raises(ValueError, match="low=1.0, high=0.0"):
        bi.Normal().clip(1.0, 0.0)


def test_pipe_plain_function():
    values = (bi.Normal(0.0, 1.0) | jnp.abs)(KEY, (100,))

    np.testing.assert_array_equal(values, jnp.abs(bi.Normal(0.0, 1.0)(KEY, (100,))))


def test_pipe_quantity_function():
    values = (bi.Normal(0.0 * u.nS, 1.0 * u.nS) | u.math.abs)(KEY, (100,))

    assert values.unit == u.nS
    assert float(values.mantissa.min()) >= 0


def test_pipe_unit_preserving_conversion():
    values = (CONDUCTANCE | (lambda g: g.to(u.uS)))(KEY, (10,))

    assert values.unit == u.nS
    np.testing.assert_allclose(values.mantissa, CONDUCTANCE(KEY, (10,)).mantissa, rtol=1e-6)


def test_pipe_dropped_unit_raises():
    with pytest.raises(TypeError, match="plain array"):
        (CONDUCTANCE | (lambda g: g.mantissa))(KEY, (10,))


def test_pipe_changed_dimension_raises():
    with pytest.raises(u.UnitMismatchError):
        (CONDUCTANCE | (lambda g: g * (1.0 * u.mV)))(KEY, (10,))


def test_pipe_changed_shape_raises():
    with pytest.raises(ValueError, match=r"shape \(5,\), expected \(10,\)"):
        (bi.Normal() | (lambda x: x[:5]))(KEY, (10,))


def test_pipe_to_initializer_raises():
    with pytest.raises(TypeError, match="Mixture"):
        bi.Normal() | bi.Normal()


def test_mixture_proportions():
    init = bi.Mixture([bi.Constant(0.0 * u.nS), bi.LogNormal(1.0 * u.nS, 0.5 * u.nS)], [0.9, 0.1])
    values = np.asarray(init(KEY, (N,)).mantissa)
    zeros = int((values == 0).sum())

    assert stats.binomtest(zeros, N, 0.9).pvalue > P_MIN
    assert values.min() >= 0


def test_mixture_components_law():
    init = bi.Mixture([bi.Normal(-5.0, 1.0), bi.Normal(5.0, 1.0)])
    values = np.asarray(init(KEY, (N,)))
    upper = values[values > 0]

    assert stats.kstest(upper, stats.norm(5.0, 1.0).cdf).pvalue > P_MIN


def test_mixture_converts_units():
    init = bi.Mixture([bi.Constant(-65.0 * u.mV), bi.Constant(-0.07 * u.volt)])
    values = init(KEY, (1000,))

    assert values.unit == u.mV
    assert set(np.round(np.asarray(values.mantissa), 4)) == {-65.0, -70.0}


def test_mixture_incompatible_units():
    with pytest.raises(u.UnitMismatchError, match="components\\[1\\]"):
        bi.Mixture([CONDUCTANCE, bi.Constant(1.0 * u.mV)])


@pytest.mark.parametrize(
    "components, weights, match",
    [
        ([], None, "non-empty"),
        ([bi.Normal()], [1.0, 2.0], "expected 1 weights"),
        ([bi.Normal(), bi.Normal()], [1.0, -1.0], "non-negative"),
        ([bi.Normal(), bi.Normal()], [0.0, 0.0], "not all zero"),
    ],
)
def test_mixture_invalid(components, weights, match):
    with pytest.raises(ValueError, match=match):
        bi.Mixture(components, weights)


def test_mixture_zero_weight_component_unused():
    values = bi.Mixture([bi.Constant(1.0), bi.Constant(2.0)], [0.0, 1.0])(KEY, (1000,))

    assert set(np.asarray(values).tolist()) == {2.0}


COMPOSITES = [
    ("arithmetic", CONDUCTANCE * 2 + 0.1 * u.nS),
    ("two_initializers", bi.Normal() * bi.Uniform()),
    ("clip", CONDUCTANCE.clip(0 * u.nS, 1.0)),
    ("pipe", bi.Normal() | soft_sign),
    ("mixture", bi.Mixture([bi.Constant(0.0 * u.nS), CONDUCTANCE], [0.8, 0.2])),
    ("with_unit", bi.with_unit(bi.Normal(), u.mV)),
]
COMPOSITE_IDS = [name for name, _ in COMPOSITES]


@pytest.mark.parametrize("name, init", COMPOSITES, ids=COMPOSITE_IDS)
def test_config_round_trip(name, init):
    rebuilt = bi.from_config(init.to_config())

    assert rebuilt == init
    assert hash(rebuilt) == hash(init)
    assert pickle.loads(pickle.dumps(init)) == init


@pytest.mark.parametrize("name, init", COMPOSITES, ids=COMPOSITE_IDS)
def test_jit_and_vmap(name, init):
    def draw(key):
        values = init(key, (4, 3))
        return getattr(values, "mantissa", values)

    keys = jax.random.split(KEY, 2)
    batched = jax.jit(jax.vmap(draw))(keys)

    chex.assert_shape(batched, (2, 4, 3))
    np.testing.assert_allclose(batched[1], draw(keys[1]), rtol=1e-6)


@pytest.mark.parametrize("name, init", COMPOSITES, ids=COMPOSITE_IDS)
def test_dtype_and_zero_size(name, init):
    values = init(KEY, (4, 0), jnp.float16)

    chex.assert_shape(values, (4, 0))
    chex.assert_type(getattr(values, "mantissa", values), jnp.float16)


def test_lambda_not_serializable():
    with pytest.raises(ValueError, match="module-level"):
        (bi.Normal() | (lambda x: x)).to_config()


def test_composites_compare_by_value():
    assert CONDUCTANCE * 2 == bi.Normal(0.5 * u.nS, 0.1 * u.nS) * 2
    assert CONDUCTANCE * 2 != CONDUCTANCE * 3


def test_with_unit_converts_quantity_result():
    values = bi.with_unit(bi.Normal(1.0 * u.mV, 1.0 * u.mV), u.volt)(KEY, (10,))

    np.testing.assert_allclose(values.mantissa, bi.Normal(1.0, 1.0)(KEY, (10,)) / 1000, rtol=1e-6)


def test_with_unit_plain_jax_initializer():
    init = bi.with_unit(jax.nn.initializers.he_normal(), u.nS)
    values = init(KEY, (4, 4), unit=u.uS)

    np.testing.assert_allclose(values.mantissa, jax.nn.initializers.he_normal()(KEY, (4, 4)) / 1000, rtol=1e-6)


def test_plain_callable_returning_quantity_needs_with_unit():
    def draw_in_mv(key, shape, dtype=None):
        return bi.Normal(0.0 * u.mV, 1.0 * u.mV)(key, shape, dtype)

    with pytest.raises(TypeError, match="with_unit"):
        (bi.Arithmetic("mul", draw_in_mv, 2.0))(KEY, (3,))
