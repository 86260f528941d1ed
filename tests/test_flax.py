"""braininit initializers in real Flax Linen and NNX modules, and the to_flax adapter."""

from __future__ import annotations

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

pytest.importorskip("flax", reason="flax is not installed; install braininit[frameworks] to test the Flax adapter")
import flax.linen as nn
from flax import nnx

from braininit.frameworks.flax import InUnit, to_flax

KEY = jax.random.key(0)
# Two-sided p-value below which a variance is taken to differ from the expected one.
ALPHA = 1e-6


def variance_p_value(values, variance: float) -> float:
    """Return the two-sided p-value of zero-mean ``values`` having ``variance``.

    ``sum(x**2) / variance`` of n independent N(0, variance) draws follows a
    chi-square law with n degrees of freedom.
    """
    x = np.asarray(values, np.float64).ravel()
    statistic = np.sum(x**2) / variance
    return 2 * min(stats.chi2.cdf(statistic, x.size), stats.chi2.sf(statistic, x.size))


def assert_variance(values, expected: float, wrong: float):
    """Check that ``values`` have variance ``expected`` and not the ``wrong`` one of the other layout."""
    assert variance_p_value(values, expected) > ALPHA
    assert variance_p_value(values, wrong) < ALPHA


def assert_orthonormal_columns(matrix):
    matrix = jnp.asarray(matrix, jnp.float32)
    chex.assert_trees_all_close(matrix.T @ matrix, jnp.eye(matrix.shape[1]), atol=1e-5)


def assert_orthonormal_rows(matrix):
    assert_orthonormal_columns(jnp.asarray(matrix).T)


@pytest.mark.parametrize("param_dtype", [jnp.float32, jnp.bfloat16])
def test_linen_dense_kernel(param_dtype):
    model = nn.Dense(512, kernel_init=bi.KaimingNormal(), bias_init=bi.Constant(0.5), param_dtype=param_dtype)

    params = model.init(KEY, jnp.ones((1, 256)))["params"]

    chex.assert_shape(params["kernel"], (256, 512))
    chex.assert_type(params["kernel"], param_dtype)
    assert_variance(params["kernel"], 2 / 256, wrong=2 / 512)
    np.testing.assert_array_equal(params["bias"], np.full(512, 0.5, param_dtype))


def test_linen_conv_kernel():
    model = nn.Conv(32, (3, 3), kernel_init=bi.KaimingNormal())

    kernel = model.init(KEY, jnp.ones((1, 8, 8, 16)))["params"]["kernel"]

    chex.assert_shape(kernel, (3, 3, 16, 32))
    assert_variance(kernel, 2 / (9 * 16), wrong=2 / (9 * 32))


def test_linen_lstm_recurrent_orthogonal():
    cell = nn.LSTMCell(32, kernel_init=bi.XavierNormal(), recurrent_kernel_init=bi.Orthogonal())
    carry = cell.initialize_carry(KEY, (1, 16))

    params = cell.init(KEY, carry, jnp.ones((1, 16)))["params"]

    for gate in ("hi", "hf", "hg", "ho"):
        chex.assert_shape(params[gate]["kernel"], (32, 32))
        assert_orthonormal_columns(params[gate]["kernel"])
    chex.assert_shape(params["ii"]["kernel"], (16, 32))


def test_linen_gru_recurrent_orthogonal_bfloat16():
    cell = nn.GRUCell(32, recurrent_kernel_init=bi.Orthogonal(), param_dtype=jnp.bfloat16)
    carry = cell.initialize_carry(KEY, (1, 16))

    params = cell.init(KEY, carry, jnp.ones((1, 16)))["params"]

    for gate in ("hr", "hz", "hn"):
        chex.assert_type(params[gate]["kernel"], jnp.bfloat16)
        chex.assert_trees_all_close(
            jnp.asarray(params[gate]["kernel"], jnp.float32).T @ jnp.asarray(params[gate]["kernel"], jnp.float32),
            jnp.eye(32),
            atol=2e-2,
        )


def test_linen_embed():
    model = nn.Embed(1000, 64, embedding_init=bi.Normal(std=0.02))

    table = model.init(KEY, jnp.array([1, 2]))["params"]["embedding"]

    chex.assert_shape(table, (1000, 64))
    assert variance_p_value(table, 0.02**2) > ALPHA


def test_linen_init_jit_equals_eager():
    model = nn.Dense(16, kernel_init=bi.Orthogonal(), bias_init=bi.Normal(std=0.1))
    x = jnp.ones((1, 8))

    eager = model.init(KEY, x)
    jitted = jax.jit(model.init)(KEY, x)

    chex.assert_trees_all_equal(jitted, eager)


@pytest.mark.parametrize("param_dtype", [jnp.float32, jnp.bfloat16])
def test_nnx_linear_kernel(param_dtype):
    layer = nnx.Linear(256, 512, kernel_init=bi.KaimingNormal(), param_dtype=param_dtype, rngs=nnx.Rngs(0))

    chex.assert_shape(layer.kernel[...], (256, 512))
    chex.assert_type(layer.kernel[...], param_dtype)
    assert_variance(layer.kernel[...], 2 / 256, wrong=2 / 512)


def test_nnx_conv_kernel():
    layer = nnx.Conv(16, 32, (3, 3), kernel_init=bi.XavierNormal(), rngs=nnx.Rngs(0))

    chex.assert_shape(layer.kernel[...], (3, 3, 16, 32))
    # Xavier divides by the mean of fan_in 9*16 and fan_out 9*32.
    assert_variance(layer.kernel[...], 2 / (9 * 16 + 9 * 32), wrong=2 / (16 + 32))


def test_nnx_lstm_recurrent_orthogonal():
    cell = nnx.LSTMCell(16, 32, recurrent_kernel_init=bi.Orthogonal(), rngs=nnx.Rngs(0))

    for gate in (cell.hi, cell.hf, cell.hg, cell.ho):
        assert_orthonormal_columns(gate.kernel[...])


def test_nnx_optimized_lstm_recurrent_orthogonal():
    cell = nnx.OptimizedLSTMCell(16, 32, recurrent_kernel_init=bi.Orthogonal(), rngs=nnx.Rngs(0))

    # The four gates share one (hidden, 4 * hidden) kernel, whose rows are orthonormal.
    chex.assert_shape(cell.dense_h.kernel[...], (32, 128))
    assert_orthonormal_rows(cell.dense_h.kernel[...])


def test_nnx_gru_recurrent_orthogonal():
    cell = nnx.GRUCell(16, 32, recurrent_kernel_init=bi.Orthogonal(), rngs=nnx.Rngs(0))

    chex.assert_shape(cell.dense_h.kernel[...], (32, 96))
    assert_orthonormal_rows(cell.dense_h.kernel[...])


def test_nnx_embed_bfloat16():
    table = nnx.Embed(1000, 64, embedding_init=bi.Normal(std=0.02), param_dtype=jnp.bfloat16, rngs=nnx.Rngs(0))

    chex.assert_type(table.embedding[...], jnp.bfloat16)
    assert variance_p_value(table.embedding[...], 0.02**2) > ALPHA


def test_to_flax_returns_plain_initializer_unchanged():
    init = bi.KaimingNormal()

    assert to_flax(init) is init


def test_to_flax_unit_in_nnx_bias():
    init = to_flax(bi.Normal(-65.0 * u.mV, 5.0 * u.mV), unit=u.volt)

    layer = nnx.Linear(4, 1000, bias_init=init, rngs=nnx.Rngs(0))

    assert isinstance(init, InUnit)
    assert isinstance(layer.bias[...], jax.Array)
    assert abs(float(layer.bias[...].mean()) + 0.065) < 5 * 0.005 / np.sqrt(1000)


def test_to_flax_unit_under_jit():
    model = nn.Dense(4, bias_init=to_flax(bi.Constant(2.0 * u.mV), unit=u.mV))

    params = jax.jit(model.init)(KEY, jnp.ones((1, 3)))["params"]

    np.testing.assert_array_equal(params["bias"], np.full(4, 2.0, np.float32))


def test_to_flax_requires_unit():
    with pytest.raises(TypeError, match="to_flax.*mV.*unit="):
        to_flax(bi.Normal(-65.0 * u.mV, 5.0 * u.mV))


def test_to_flax_rejects_channels_first():
    with pytest.raises(ValueError, match="Flax.*layout='channels_first'"):
        to_flax(bi.KaimingNormal(layout="channels_first"))


def test_to_flax_rejects_incompatible_unit():
    init = to_flax(bi.Constant(1.0 * u.mV), unit=u.second)

    with pytest.raises(u.UnitMismatchError):
        init(KEY, (2,))
