"""Orthogonal and DeltaOrthogonal: orthogonality, Haar distribution, half precision, layouts."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi

KEY = jax.random.key(1)


@pytest.mark.parametrize("shape", [(64, 64), (128, 32), (32, 128), (4, 6, 8)])
def test_orthonormal_columns_or_rows(shape):
    w = np.asarray(bi.Orthogonal(scale=2.0)(KEY, shape), np.float64).reshape(-1, shape[-1])
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T

    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-5 * 4)


def test_column_axis_zero():
    w = np.asarray(bi.Orthogonal(column_axis=0)(KEY, (16, 64)))

    np.testing.assert_allclose(w @ w.T, np.eye(16), atol=1e-5)


def test_channels_first_is_transposed_jax_layout():
    jax_layout = bi.Orthogonal()(KEY, (64, 32))
    channels_first = bi.Orthogonal(layout="channels_first")(KEY, (32, 64))

    np.testing.assert_array_equal(channels_first, jax_layout.T)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_is_cast_of_float32(dtype):
    half = bi.Orthogonal()(KEY, (64, 64), dtype)
    single = bi.Orthogonal()(KEY, (64, 64), jnp.float32)

    assert half.dtype == dtype
    np.testing.assert_array_equal(half, single.astype(dtype))


def test_complex_is_unitary():
    w = np.asarray(bi.Orthogonal()(KEY, (32, 32), jnp.complex64))

    np.testing.assert_allclose(w.conj().T @ w, np.eye(32), atol=1e-5)


def test_haar_on_2x2():
    # Under the Haar measure on O(2), the rotation angle is uniform on [-pi, pi)
    # and the determinant is +1 or -1 with equal probability.
    keys = jax.random.split(KEY, 4000)
    matrices = np.asarray(jax.vmap(bi.Orthogonal(), in_axes=(0, None))(keys, (2, 2)), np.float64)
    angles = np.arctan2(matrices[:, 1, 0], matrices[:, 0, 0])
    determinants = np.linalg.det(matrices)

    assert stats.kstest(angles, stats.uniform(-math.pi, 2 * math.pi).cdf).pvalue > 1e-3
    assert stats.binomtest(int((determinants > 0).sum()), len(determinants)).pvalue > 1e-3


def test_haar_first_entry_distribution():
    # The (0, 0) entry of a Haar matrix in O(n) has density proportional to (1 - x^2)^((n-3)/2),
    # so (x + 1) / 2 is Beta((n-1)/2, (n-1)/2).
    n = 5
    keys = jax.random.split(KEY, 4000)
    entries = np.asarray(jax.vmap(bi.Orthogonal(), in_axes=(0, None))(keys, (n, n))[:, 0, 0], np.float64)

    assert stats.kstest((entries + 1) / 2, stats.beta((n - 1) / 2, (n - 1) / 2).cdf).pvalue > 1e-3


def test_orthogonal_needs_two_axes():
    with pytest.raises(ValueError, match=r"Orthogonal needs a shape with at least 2 axes, got \(5,\)"):
        bi.Orthogonal()(KEY, (5,))


@pytest.mark.parametrize(("shape", "centre"), [((3, 8, 8), (1,)), ((4, 4, 8, 8), (1, 1)), ((2, 3, 5, 8, 8), (0, 1, 2))])
def test_delta_orthogonal_centre_index(shape, centre):
    kernel = np.asarray(bi.DeltaOrthogonal()(KEY, shape))
    matrix = kernel[centre]
    rest = kernel.copy()
    rest[centre] = 0

    np.testing.assert_allclose(matrix.T @ matrix, np.eye(8), atol=1e-5)
    assert not rest.any()


def test_delta_orthogonal_more_inputs_than_outputs():
    matrix = np.asarray(bi.DeltaOrthogonal()(KEY, (3, 3, 32, 16)))[1, 1]

    np.testing.assert_allclose(matrix.T @ matrix, np.eye(16), atol=1e-5)


def test_delta_orthogonal_channels_first():
    jax_kernel = bi.DeltaOrthogonal()(KEY, (3, 3, 16, 32))
    torch_kernel = bi.DeltaOrthogonal(layout="channels_first")(KEY, (32, 16, 3, 3))

    np.testing.assert_array_equal(torch_kernel[:, :, 1, 1], jax_kernel[1, 1].T)
    assert float(jnp.abs(torch_kernel[:, :, 0]).max()) == 0.0


def test_delta_orthogonal_preserves_norm_in_conv():
    kernel = bi.DeltaOrthogonal()(KEY, (3, 3, 8, 8))
    x = jax.random.normal(jax.random.key(2), (1, 10, 10, 8))
    y = jax.lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    np.testing.assert_allclose(jnp.linalg.norm(y, axis=-1), jnp.linalg.norm(x, axis=-1), rtol=1e-5)


def test_delta_orthogonal_rejects_dense_shape():
    with pytest.raises(ValueError, match=r"3-, 4- or 5-D.*got shape \(8, 8\).*Orthogonal"):
        bi.DeltaOrthogonal()(KEY, (8, 8))


def test_orthogonal_layout_and_axis_conflict():
    with pytest.raises(ValueError, match="either the layout or the axis"):
        bi.Orthogonal(column_axis=0, layout="channels_first")
