"""The Haiku adapter, with hk.Linear and hk.Conv2D inside hk.transform."""

from __future__ import annotations

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

hk = pytest.importorskip("haiku", reason="dm-haiku is not installed; install braininit[frameworks] to test the Haiku adapter")

from braininit.frameworks.haiku import HaikuInitializer, to_haiku

KEY = jax.random.key(0)
ALPHA = 1e-6


def variance_p_value(values, variance: float) -> float:
    """Return the two-sided chi-square p-value of zero-mean ``values`` having ``variance``."""
    x = np.asarray(values, np.float64).ravel()
    statistic = np.sum(x**2) / variance
    return 2 * min(stats.chi2.cdf(statistic, x.size), stats.chi2.sf(statistic, x.size))


def init_params(forward, x, key=KEY):
    return hk.transform(forward).init(key, x)


def test_linear_kernel():
    def forward(x):
        return hk.Linear(512, w_init=to_haiku(bi.KaimingNormal()), b_init=to_haiku(bi.Constant(0.5)))(x)

    params = init_params(forward, jnp.ones((1, 256)))["linear"]

    chex.assert_shape(params["w"], (256, 512))
    assert variance_p_value(params["w"], 2 / 256) > ALPHA
    assert variance_p_value(params["w"], 2 / 512) < ALPHA
    np.testing.assert_array_equal(params["b"], np.full(512, 0.5, np.float32))


def test_linear_bfloat16_inputs():
    def forward(x):
        return hk.Linear(64, w_init=to_haiku(bi.Orthogonal()))(x)

    w = init_params(forward, jnp.ones((1, 64), jnp.bfloat16))["linear"]["w"]

    chex.assert_type(w, jnp.bfloat16)
    chex.assert_trees_all_close(jnp.asarray(w, jnp.float32).T @ jnp.asarray(w, jnp.float32), jnp.eye(64), atol=3e-2)


def test_conv2d_kernel():
    def forward(x):
        return hk.Conv2D(32, 3, w_init=to_haiku(bi.KaimingNormal()), b_init=to_haiku(bi.Zeros()))(x)

    params = init_params(forward, jnp.ones((1, 8, 8, 16)))["conv2_d"]

    chex.assert_shape(params["w"], (3, 3, 16, 32))
    chex.assert_shape(params["b"], (32,))
    assert variance_p_value(params["w"], 2 / (9 * 16)) > ALPHA
    assert variance_p_value(params["w"], 2 / (9 * 32)) < ALPHA


def test_keys_follow_transform_key():
    def forward(x):
        return hk.Linear(8, w_init=to_haiku(bi.Normal()))(x)

    x = jnp.ones((1, 4))
    first = init_params(forward, x)
    again = init_params(forward, x)
    other = init_params(forward, x, jax.random.key(1))

    chex.assert_trees_all_equal(first, again)
    assert not np.array_equal(first["linear"]["w"], other["linear"]["w"])


def test_layers_get_distinct_keys():
    def forward(x):
        init = to_haiku(bi.Normal())
        return hk.Linear(8, w_init=init, name="a")(x) + hk.Linear(8, w_init=init, name="b")(x)

    params = init_params(forward, jnp.ones((1, 8)))

    assert not np.array_equal(params["a"]["w"], params["b"]["w"])


def test_init_under_jit_equals_eager():
    transformed = hk.transform(lambda x: hk.Linear(8, w_init=to_haiku(bi.XavierUniform()))(x))
    x = jnp.ones((1, 4))

    chex.assert_trees_all_equal(jax.jit(transformed.init)(KEY, x), transformed.init(KEY, x))


def test_get_parameter_with_unit():
    def forward():
        return hk.get_parameter("v", (1000,), jnp.float32, init=to_haiku(bi.Normal(-65.0 * u.mV, 5.0 * u.mV), unit=u.mV))

    v = init_params(lambda x: forward(), None)["~"]["v"]

    assert isinstance(v, jax.Array)
    assert abs(float(v.mean()) + 65.0) < 5 * 5.0 / np.sqrt(1000)


def test_to_haiku_requires_unit():
    with pytest.raises(TypeError, match="to_haiku.*mV.*unit="):
        to_haiku(bi.Normal(-65.0 * u.mV, 5.0 * u.mV))


def test_to_haiku_rejects_channels_first():
    with pytest.raises(ValueError, match="Haiku.*layout='channels_first'"):
        to_haiku(bi.Orthogonal(layout="channels_first"))


def test_to_haiku_rejects_non_callable():
    with pytest.raises(TypeError, match="to_haiku.*callable"):
        to_haiku("he_normal")


def test_wraps_jax_initializer():
    init = to_haiku(jax.nn.initializers.he_normal())

    w = init_params(lambda x: hk.Linear(4, w_init=init)(x), jnp.ones((1, 3)))["linear"]["w"]

    assert isinstance(init, HaikuInitializer)
    chex.assert_shape(w, (3, 4))
