"""Identity and Dirac."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi

KEY = jax.random.key(0)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_identity_rectangular(shape):
    np.testing.assert_array_equal(bi.Identity(2.0)(KEY, shape), 2.0 * np.eye(*shape))


def test_identity_batched():
    values = np.asarray(bi.Identity()(KEY, (3, 4, 4)))

    for matrix in values:
        np.testing.assert_array_equal(matrix, np.eye(4))


def test_identity_needs_two_axes():
    with pytest.raises(ValueError, match=r"at least 2 axes, got \(4,\)"):
        bi.Identity()(KEY, (4,))


def _conv(x, kernel, groups, layout):
    if layout == "jax":
        numbers = ("NHWC", "HWIO", "NHWC")
    else:
        numbers = ("NHWC", "OIHW", "NHWC")
    return jax.lax.conv_general_dilated(
        x, kernel, (1, 1), "SAME", dimension_numbers=numbers, feature_group_count=groups
    )


@pytest.mark.parametrize("layout", ["jax", "channels_first"])
@pytest.mark.parametrize("kernel_size", [3, 4, 5])
@pytest.mark.parametrize("groups", [1, 2])
def test_dirac_same_conv_returns_input(layout, kernel_size, groups):
    channels = 4
    shape = (kernel_size, kernel_size, channels // groups, channels)
    if layout == "channels_first":
        shape = (channels, channels // groups, kernel_size, kernel_size)
    kernel = bi.Dirac(groups=groups, layout=layout)(KEY, shape)
    x = jax.random.normal(jax.random.key(1), (1, 9, 9, channels))

    np.testing.assert_allclose(_conv(x, kernel, groups, layout), x, atol=1e-6)


def test_dirac_more_outputs_zero_extra_channels():
    kernel = bi.Dirac()(KEY, (3, 3, 2, 4))
    x = jax.random.normal(jax.random.key(1), (1, 6, 6, 2))
    y = _conv(x, kernel, 1, "jax")

    np.testing.assert_allclose(y[..., :2], x, atol=1e-6)
    assert float(jnp.abs(y[..., 2:]).max()) == 0.0


def test_dirac_groups_must_divide_outputs():
    with pytest.raises(ValueError, match="groups=3 does not divide the 4 output channels"):
        bi.Dirac(groups=3)(KEY, (3, 3, 2, 4))


@pytest.mark.parametrize("groups", [0, -1, 1.5, True])
def test_dirac_invalid_groups(groups):
    with pytest.raises(ValueError, match="groups must be a positive int"):
        bi.Dirac(groups=groups)


def test_dirac_rejects_dense_shape():
    with pytest.raises(ValueError, match="Identity"):
        bi.Dirac()(KEY, (4, 4))
