"""The jax.nn.initializers names: same signatures, defaults and bit-identical values."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi

JAX = jax.nn.initializers
KEY = jax.random.key(3)

FACTORIES = [
    ("constant", (-7.0,)),
    ("uniform", ()),
    ("uniform", (10.0,)),
    ("normal", ()),
    ("normal", (5.0,)),
    ("truncated_normal", ()),
    ("truncated_normal", (0.02, None, -3.0, 1.5)),
    ("variance_scaling", (2.0, "fan_avg", "uniform")),
    ("variance_scaling", (0.5, "fan_geo_avg", "truncated_normal")),
    ("glorot_uniform", ()),
    ("glorot_normal", ()),
    ("xavier_uniform", ()),
    ("xavier_normal", ()),
    ("lecun_uniform", ()),
    ("lecun_normal", ()),
    ("he_uniform", ()),
    ("he_normal", ()),
    ("kaiming_uniform", ()),
    ("kaiming_normal", ()),
    ("orthogonal", ()),
    ("orthogonal", (2.0, 0)),
]
SHAPES = [(3, 3, 4, 6), (7, 5), (5, 7)]


def _assert_bits_equal(actual, expected):
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(actual).view(np.uint8), np.asarray(expected).view(np.uint8))


@pytest.mark.parametrize(("name", "args"), FACTORIES, ids=[f"{n}{a}" for n, a in FACTORIES])
@pytest.mark.parametrize("shape", SHAPES)
def test_bit_identical_float32(name, args, shape):
    _assert_bits_equal(getattr(bi, name)(*args)(KEY, shape, jnp.float32), getattr(JAX, name)(*args)(KEY, shape, jnp.float32))


@pytest.mark.parametrize("name", ["he_normal", "glorot_uniform", "orthogonal"])
def test_bit_identical_float64(name):
    with jax.enable_x64(True):
        _assert_bits_equal(getattr(bi, name)()(KEY, (6, 5), jnp.float64), getattr(JAX, name)()(KEY, (6, 5), jnp.float64))


@pytest.mark.parametrize(("name", "args"), [("normal", ()), ("he_uniform", ()), ("glorot_uniform", ()), ("orthogonal", ())])
def test_bit_identical_complex(name, args):
    _assert_bits_equal(getattr(bi, name)(*args)(KEY, (6, 5), jnp.complex64), getattr(JAX, name)(*args)(KEY, (6, 5), jnp.complex64))


def test_multi_axis_bit_identical():
    args = (1.0, "fan_out", "normal", 0, (1, 2))

    _assert_bits_equal(bi.variance_scaling(*args)(KEY, (4, 3, 5)), JAX.variance_scaling(*args)(KEY, (4, 3, 5)))


@pytest.mark.parametrize("name", ["he_normal", "glorot_normal"])
def test_complex_truncated_within_rounding(name):
    # XLA fuses the complex log and sqrt differently by context, so JAX's own eager
    # and jitted results differ in the last bits. braininit agrees with both to rounding.
    ours = getattr(bi, name)()(KEY, (6, 5), jnp.complex64)
    eager = getattr(JAX, name)()(KEY, (6, 5), jnp.complex64)
    jitted = jax.jit(getattr(JAX, name)(), static_argnums=(1, 2))(KEY, (6, 5), jnp.complex64)

    np.testing.assert_allclose(ours, eager, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours, jitted, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(3, 4, 6), (3, 3, 4, 6), (3, 3, 3, 2, 5), (4, 4, 4, 4)])
def test_delta_orthogonal_bit_identical(shape):
    _assert_bits_equal(bi.delta_orthogonal()(KEY, shape, jnp.float32), JAX.delta_orthogonal()(KEY, shape, jnp.float32))


def test_zeros_ones_are_functions_of_key_shape_dtype():
    _assert_bits_equal(bi.zeros(KEY, (2, 3), jnp.float32), JAX.zeros(KEY, (2, 3), jnp.float32))
    _assert_bits_equal(bi.ones(KEY, (2, 3), jnp.int32), JAX.ones(KEY, (2, 3), jnp.int32))


def test_factory_dtype_default():
    _assert_bits_equal(bi.he_normal(dtype=jnp.bfloat16)(KEY, (4, 4)), JAX.he_normal(dtype=jnp.bfloat16)(KEY, (4, 4)))


@pytest.mark.parametrize("name", [n for n in dir(JAX) if not n.startswith("_") and n != "Initializer"])
def test_every_jax_name_exists_with_same_parameters(name):
    ours, theirs = getattr(bi, name), getattr(JAX, name)
    our_parameters = list(inspect.signature(ours).parameters.items())
    if name in ("zeros", "ones"):
        # The instances add the keyword-only unit after JAX's four parameters.
        our_parameters = [(n, p) for n, p in our_parameters if p.kind != inspect.Parameter.KEYWORD_ONLY]
    their_parameters = list(inspect.signature(theirs).parameters.items())

    assert [n for n, _ in our_parameters] == [n for n, _ in their_parameters]
    assert [p.default for _, p in our_parameters] == [p.default for _, p in their_parameters]


def test_orthogonal_bfloat16_where_jax_raises():
    with pytest.raises(Exception):
        JAX.orthogonal()(KEY, (8, 8), jnp.bfloat16)

    w = bi.orthogonal()(KEY, (8, 8), jnp.bfloat16)
    np.testing.assert_allclose(np.asarray(w, np.float32).T @ np.asarray(w, np.float32), np.eye(8), atol=2e-2)


def test_zero_size_fans_where_jax_raises():
    with pytest.raises(ZeroDivisionError):
        JAX.he_normal()(KEY, (0, 5))

    assert bi.he_normal()(KEY, (0, 5)).shape == (0, 5)


def test_delta_orthogonal_more_inputs_where_jax_raises():
    with pytest.raises(ValueError):
        JAX.delta_orthogonal()(KEY, (3, 3, 8, 4))

    assert bi.delta_orthogonal()(KEY, (3, 3, 8, 4)).shape == (3, 3, 8, 4)
