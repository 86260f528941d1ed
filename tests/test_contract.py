"""The call contract, checked for every core initializer: keys, shapes, dtypes, jit and vmap."""

from __future__ import annotations

import pickle
import warnings

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi
from initializer_table import COMPLEX, IDS, REAL, RECORDS

KEY = jax.random.key(0)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
@pytest.mark.parametrize("dtype", REAL)
def test_real_dtype_finite(record, dtype):
    values = record.initializer(KEY, record.shape, dtype)

    chex.assert_shape(values, record.shape)
    chex.assert_type(values, dtype)
    assert np.isfinite(np.asarray(values, np.float32)).all()


@pytest.mark.parametrize("record", [r for r in RECORDS if r.complex_ok], ids=[r.name for r in RECORDS if r.complex_ok])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_complex_dtype_finite(record, dtype):
    values = record.initializer(KEY, record.shape, dtype)

    chex.assert_type(values, dtype)
    assert np.isfinite(np.asarray(values)).all()


@pytest.mark.parametrize("record", [r for r in RECORDS if not r.complex_ok], ids=[r.name for r in RECORDS if not r.complex_ok])
def test_complex_dtype_rejected(record):
    with pytest.raises(ValueError, match=f"{type(record.initializer).__name__}.*complex64"):
        record.initializer(KEY, record.shape, jnp.complex64)


@pytest.mark.parametrize("record", [r for r in RECORDS if r.random], ids=[r.name for r in RECORDS if r.random])
def test_integer_dtype_rejected(record):
    with pytest.raises(ValueError, match=f"{type(record.initializer).__name__}.*int32"):
        record.initializer(KEY, record.shape, jnp.int32)


@pytest.mark.parametrize("record", [r for r in RECORDS if not r.random], ids=[r.name for r in RECORDS if not r.random])
def test_integer_dtype_for_fixed_values(record):
    values = record.initializer(KEY, record.shape, jnp.int32)

    chex.assert_type(values, jnp.int32)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_default_dtype_is_jax_default(record):
    values = record.initializer(KEY, record.shape)

    assert values.dtype == jnp.zeros(()).dtype


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_jit_matches_eager(record):
    eager = record.initializer(KEY, record.shape)
    jitted = jax.jit(record.initializer, static_argnums=1)(KEY, record.shape)

    np.testing.assert_array_equal(eager, jitted)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_vmap_matches_per_key(record):
    keys = jax.random.split(KEY, 3)
    batched = jax.vmap(record.initializer, in_axes=(0, None))(keys, record.shape)

    for index, key in enumerate(keys):
        np.testing.assert_array_equal(batched[index], record.initializer(key, record.shape))


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
@pytest.mark.parametrize("shape_with_zero", [(0, 5), (5, 0), (0, 3, 3, 4)])
def test_zero_size_returns_empty(record, shape_with_zero):
    values = record.initializer(KEY, shape_with_zero)

    chex.assert_shape(values, shape_with_zero)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_hash_eq_pickle_config(record):
    init = record.initializer
    rebuilt = bi.from_config(init.to_config())

    assert hash(pickle.loads(pickle.dumps(init))) == hash(init)
    assert pickle.loads(pickle.dumps(init)) == init
    assert rebuilt == init
    np.testing.assert_array_equal(rebuilt(KEY, record.shape), init(KEY, record.shape))


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_static_argument_no_recompile(record):
    traces = []

    def build(init, key):
        traces.append(1)
        return init(key, record.shape)

    jitted = jax.jit(build, static_argnums=0)
    twin = bi.from_config(record.initializer.to_config())
    jitted(record.initializer, KEY)
    jitted(twin, jax.random.key(1))

    assert len(traces) == 1


def test_legacy_and_rbg_keys():
    init = bi.KaimingNormal()
    keys = [jax.random.PRNGKey(0), jax.random.key(0, impl="rbg"), jax.random.key(0, impl="unsafe_rbg")]

    for key in keys:
        chex.assert_shape(init(key, (4, 4)), (4, 4))


def test_legacy_key_matches_typed_key():
    init = bi.Normal()

    np.testing.assert_array_equal(init(jax.random.PRNGKey(7), (5,)), init(jax.random.key(7), (5,)))


def test_raw_key_of_other_impl_names_shape():
    with pytest.raises(TypeError, match=r"threefry2x32 has shape \(2,\), got shape \(4,\).*impl="):
        bi.Normal()(jax.random.PRNGKey(0, impl="rbg"), (3,))


@pytest.mark.parametrize("bad_key", [0, None, 1.5, jnp.zeros(2, jnp.float32), np.zeros((2, 3), np.uint32)])
def test_bad_key_type_error(bad_key):
    with pytest.raises(TypeError, match="key must be a PRNG key.*jax.random.key"):
        bi.Normal()(bad_key, (3,))


def test_batch_of_keys_suggests_vmap():
    with pytest.raises(TypeError, match="batch of keys.*jax.vmap"):
        bi.Normal()(jax.random.split(KEY, 4), (3,))


def test_int_and_numpy_shapes():
    init = bi.Normal()

    chex.assert_shape(init(KEY, 5), (5,))
    chex.assert_shape(init(KEY, np.int64(5)), (5,))
    chex.assert_shape(init(KEY, (np.int32(2), 3)), (2, 3))
    chex.assert_shape(init(KEY, np.array([2, 3])), (2, 3))


@pytest.mark.parametrize(
    ("shape", "error", "pattern"),
    [
        ((3, -1), ValueError, r"shape \(3, -1\).*negative"),
        ((3, 2.0), TypeError, r"shape \(3, 2.0\).*float"),
        ((3, True), TypeError, r"shape \(3, True\).*bool"),
        ("3", TypeError, "shape must be an int or a sequence"),
        (-2, ValueError, "negative"),
    ],
)
def test_bad_shape_errors(shape, error, pattern):
    with pytest.raises(error, match=pattern):
        bi.Normal()(KEY, shape)


def test_not_a_dtype():
    with pytest.raises(TypeError, match="'nope' is not a dtype"):
        bi.Normal()(KEY, (3,), "nope")


def test_float64_without_x64_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = bi.KaimingNormal()(KEY, (3, 3), jnp.float64)

    assert values.dtype == jnp.float32
    assert len(caught) == 1
    assert "float64" in str(caught[0].message)


def test_float64_with_x64():
    with jax.enable_x64(True):
        values = bi.Orthogonal()(KEY, (4, 4), jnp.float64)

    assert values.dtype == jnp.float64


@pytest.mark.parametrize("scale", [np.float64(2.0), 2, np.float32(2.0)])
def test_scale_type_does_not_upcast(scale):
    with jax.enable_x64(True):
        values = [
            bi.VarianceScaling(scale)(KEY, (4, 4), jnp.float32),
            bi.Normal(np.float64(0.5), scale)(KEY, (4, 4), jnp.float32),
            bi.Uniform(np.float64(0.0), scale)(KEY, (4, 4), jnp.float32),
            bi.Orthogonal(scale)(KEY, (4, 4), jnp.float32),
            bi.Constant(np.float64(1.5))(KEY, (4, 4), jnp.float32),
        ]

    for array in values:
        assert array.dtype == jnp.float32


def test_factory_dtype_is_default():
    init = bi.KaimingNormal(dtype=jnp.bfloat16)

    assert init(KEY, (4, 4)).dtype == jnp.bfloat16
    assert init(KEY, (4, 4), jnp.float32).dtype == jnp.float32


def test_repr_shows_every_parameter():
    text = repr(bi.KaimingNormal(mode="fan_out", nonlinearity="tanh"))

    for part in ("scale=None", "mode='fan_out'", "nonlinearity='tanh'", "negative_slope=0.01",
                 "distribution='normal'", "in_axis=-2", "out_axis=-1", "batch_axis=()",
                 "layout='jax'", "dtype=None"):
        assert part in text


def test_equal_by_value():
    assert bi.Normal(0.0, 2.0) == bi.Normal(std=2.0)
    assert bi.Normal(0.0, 2.0) != bi.Normal(0.0, 3.0)
    assert bi.Normal(dtype=jnp.float32) == bi.Normal(dtype=np.float32)
    assert bi.Constant(np.ones(3)) == bi.Constant([1.0, 1.0, 1.0])


def test_immutable():
    init = bi.Normal()

    with pytest.raises(AttributeError):
        init.std = 3.0


def test_config_is_plain_data():
    import json

    config = bi.KaimingNormal(in_axis=(0, 1), nonlinearity="leaky_relu", dtype=jnp.bfloat16).to_config()

    assert bi.from_config(json.loads(json.dumps(config))) == bi.KaimingNormal(
        in_axis=(0, 1), nonlinearity="leaky_relu", dtype=jnp.bfloat16
    )


def test_from_config_unknown_class():
    with pytest.raises(ValueError, match="unknown initializer class 'Nope'"):
        bi.from_config({"class": "Nope", "params": {}})


def test_lambda_nonlinearity_not_serializable():
    init = bi.KaimingNormal(nonlinearity=lambda x: jnp.maximum(x, 0))

    with pytest.raises(ValueError, match="only module-level functions"):
        init.to_config()


def test_function_nonlinearity_round_trips():
    init = bi.KaimingNormal(nonlinearity=jax.nn.gelu)

    assert bi.from_config(init.to_config()) == init


def test_initializer_protocol():
    assert isinstance(bi.KaimingNormal(), bi.InitializerLike)
    assert isinstance(bi.KaimingNormal(), jax.nn.initializers.Initializer)
