"""reinit: redrawing the arrays of real Equinox models in their channels-first layout."""

from __future__ import annotations

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

eqx = pytest.importorskip("equinox", reason="equinox is not installed; install braininit[frameworks] to test reinit")

from braininit.frameworks.equinox import reinit
from braininit.tree import path_key

KEY = jax.random.key(0)
ALPHA = 1e-6
GetAttr = jax.tree_util.GetAttrKey


def variance_p_value(values, variance: float) -> float:
    """Return the two-sided chi-square p-value of zero-mean ``values`` having ``variance``."""
    x = np.asarray(values, np.float64).ravel()
    statistic = np.sum(x**2) / variance
    return 2 * min(stats.chi2.cdf(statistic, x.size), stats.chi2.sf(statistic, x.size))


def arrays(model):
    return jax.tree.leaves(eqx.filter(model, eqx.is_array))


def test_linear_weight_fans():
    layer = eqx.nn.Linear(256, 512, key=KEY)

    layer = reinit(layer, KEY, {eqx.nn.Linear: {"weight": bi.KaimingNormal(), "bias": bi.Zeros()}})

    chex.assert_shape(layer.weight, (512, 256))
    assert variance_p_value(layer.weight, 2 / 256) > ALPHA
    assert variance_p_value(layer.weight, 2 / 512) < ALPHA
    np.testing.assert_array_equal(layer.bias, np.zeros(512, np.float32))


def test_conv_weight_fans_and_bias_shape():
    conv = eqx.nn.Conv2d(16, 32, 3, key=KEY)

    conv = reinit(conv, KEY, {eqx.nn.Conv: {"weight": bi.KaimingNormal(), "bias": bi.Normal(std=0.1)}})

    chex.assert_shape(conv.weight, (32, 16, 3, 3))
    chex.assert_shape(conv.bias, (32, 1, 1))
    assert variance_p_value(conv.weight, 2 / (16 * 9)) > ALPHA
    assert variance_p_value(conv.weight, 2 / (32 * 9)) < ALPHA
    assert variance_p_value(conv.bias, 0.1**2) > ALPHA


def test_conv_bias_is_a_vector():
    conv = eqx.nn.Conv2d(4, 8, 3, key=KEY)

    with pytest.raises(ValueError, match=r"shape \(8,\)"):
        reinit(conv, KEY, {eqx.nn.Conv2d: {"bias": bi.KaimingNormal()}})


def test_weight_is_transpose_of_jax_layout_draw():
    model = eqx.nn.MLP(3, 2, 5, depth=1, key=KEY)
    init = bi.XavierNormal()

    model = reinit(model, KEY, {eqx.nn.Linear: {"weight": init}})

    path = (GetAttr("layers"), jax.tree_util.SequenceKey(0), GetAttr("weight"))
    np.testing.assert_array_equal(model.layers[0].weight, init(path_key(KEY, path), (3, 5)).T)


def test_channels_first_initializer_draws_stored_shape():
    conv = eqx.nn.Conv1d(4, 6, 5, key=KEY)
    init = bi.DeltaOrthogonal(layout="channels_first")

    conv = reinit(conv, KEY, {eqx.nn.Conv: {"weight": init}})

    np.testing.assert_array_equal(conv.weight, init(path_key(KEY, (GetAttr("weight"),)), (6, 4, 5)))


def test_orthogonal_rows_for_wide_layer():
    layer = eqx.nn.Linear(32, 16, key=KEY)

    weight = reinit(layer, KEY, {eqx.nn.Linear: {"weight": bi.Orthogonal()}}).weight

    chex.assert_trees_all_close(weight @ weight.T, jnp.eye(16), atol=1e-5)


def test_gru_recurrent_weight_orthogonal():
    cell = eqx.nn.GRUCell(8, 16, key=KEY)

    cell = reinit(cell, KEY, {eqx.nn.GRUCell: {"weight_hh": bi.Orthogonal(), "bias": bi.Zeros(), "bias_n": bi.Zeros()}})

    chex.assert_shape(cell.weight_hh, (48, 16))
    chex.assert_trees_all_close(cell.weight_hh.T @ cell.weight_hh, jnp.eye(16), atol=1e-5)
    np.testing.assert_array_equal(cell.bias_n, np.zeros(16, np.float32))


def test_array_unchanged_when_other_fields_added():
    model = eqx.nn.MLP(4, 3, 8, depth=2, key=KEY)
    weights_only = reinit(model, KEY, {eqx.nn.Linear: {"weight": bi.KaimingNormal()}})

    both = reinit(model, KEY, {eqx.nn.Linear: {"weight": bi.KaimingNormal(), "bias": bi.Normal(std=0.1)}})

    for before, after in zip(weights_only.layers, both.layers):
        np.testing.assert_array_equal(after.weight, before.weight)


def test_filter_jit_equals_eager():
    model = eqx.nn.MLP(4, 3, 8, depth=2, key=KEY)
    rules = {eqx.nn.Linear: {"weight": bi.Orthogonal(), "bias": bi.Normal(std=0.1)}}

    eager = reinit(model, KEY, rules)
    jitted = eqx.filter_jit(reinit)(model, KEY, rules)

    chex.assert_trees_all_equal(arrays(jitted), arrays(eager))


def test_returns_new_model():
    model = eqx.nn.Linear(4, 4, key=KEY)
    weight = model.weight

    new = reinit(model, KEY, {eqx.nn.Linear: {"weight": bi.Zeros()}})

    assert model.weight is weight
    assert float(abs(new.weight).max()) == 0.0
    assert type(new) is eqx.nn.Linear


def test_keeps_bfloat16_and_missing_bias():
    layer = eqx.nn.Linear(8, 4, use_bias=False, dtype=jnp.bfloat16, key=KEY)

    layer = reinit(layer, KEY, {eqx.nn.Linear: {"weight": bi.LecunNormal(), "bias": bi.Ones()}})

    chex.assert_type(layer.weight, jnp.bfloat16)
    assert layer.bias is None


def test_most_specific_rule_wins():
    model = [eqx.nn.Conv2d(2, 3, 3, key=KEY), eqx.nn.Conv1d(2, 3, 3, key=KEY)]
    rules = {eqx.nn.Conv: {"weight": bi.Ones()}, eqx.nn.Conv2d: {"weight": bi.Zeros()}}

    conv2d, conv1d = reinit(model, KEY, rules)

    assert float(abs(conv2d.weight).max()) == 0.0
    np.testing.assert_array_equal(conv1d.weight, np.ones((3, 2, 3), np.float32))


def test_nested_custom_module():
    class Block(eqx.Module):
        scale: jax.Array
        linear: eqx.nn.Linear

    block = Block(scale=jnp.zeros(4), linear=eqx.nn.Linear(4, 4, key=KEY))
    rules = {Block: {"scale": bi.Ones()}, eqx.nn.Linear: {"weight": bi.Identity()}}

    block = reinit(block, KEY, rules)

    np.testing.assert_array_equal(block.scale, np.ones(4, np.float32))
    np.testing.assert_array_equal(block.linear.weight, np.eye(4, dtype=np.float32))


@pytest.mark.parametrize(
    "rules, error, match",
    [
        ({eqx.nn.Linear: {"weights": bi.Zeros()}}, ValueError, "Linear at the model root has no field 'weights'"),
        ({eqx.nn.Linear: {"in_features": bi.Zeros()}}, TypeError, "Linear.in_features .* not an array"),
        ({"Linear": {"weight": bi.Zeros()}}, TypeError, "layer types"),
        ({eqx.nn.Linear: bi.Zeros()}, TypeError, "field names to initializers"),
        ({eqx.nn.Linear: {"weight": 0.0}}, TypeError, "must be callable"),
        ({eqx.nn.Linear: {"bias": bi.Constant(1.0 * u.mV)}}, TypeError, "plain arrays"),
    ],
    ids=["missing_field", "static_field", "type_key", "rule_not_mapping", "not_callable", "quantity"],
)
def test_rejects(rules, error, match):
    with pytest.raises(error, match=match):
        reinit(eqx.nn.Linear(3, 2, key=KEY), KEY, rules)
