"""Fans in JAX's layout and the channels-first layout."""

import jax.numpy as jnp
import pytest

import braininit as bi


@pytest.mark.parametrize(
    ("shape", "layout", "expected"),
    [
        ((100, 50), "jax", (100.0, 50.0)),
        ((50, 100), "channels_first", (100.0, 50.0)),
        ((3, 3, 16, 32), "jax", (144.0, 288.0)),
        ((32, 16, 3, 3), "channels_first", (144.0, 288.0)),
        ((5, 5, 64, 128), "jax", (1600.0, 3200.0)),
        ((128, 64, 5, 5), "channels_first", (1600.0, 3200.0)),
        ((3, 8, 4), "jax", (24.0, 12.0)),
        ((4, 8, 3), "channels_first", (24.0, 12.0)),
    ],
)
def test_fans_by_layout(shape, layout, expected):
    assert bi.compute_fans(shape, layout=layout) == expected


def test_multi_axis_fans():
    # Attention-style kernel (in, heads, head_dim): the heads and head_dim axes are the output.
    assert bi.compute_fans((64, 8, 16), in_axis=0, out_axis=(1, 2)) == (64.0, 128.0)


def test_batch_axis_excluded():
    assert bi.compute_fans((10, 3, 4), batch_axis=0) == (3.0, 4.0)


def test_vector_fans_with_explicit_axes():
    assert bi.compute_fans((7,), in_axis=0, out_axis=()) == (7.0, 1.0)


@pytest.mark.parametrize("shape", [(5,), ()])
def test_rank_below_two_names_axes(shape):
    with pytest.raises(ValueError, match=r"in_axis=0, out_axis=\(\)"):
        bi.compute_fans(shape)


def test_axis_out_of_range():
    with pytest.raises(ValueError, match=r"in_axis=5 is out of range for shape \(3, 4\)"):
        bi.compute_fans((3, 4), in_axis=5)


def test_axis_named_twice():
    with pytest.raises(ValueError, match="more than once"):
        bi.compute_fans((3, 4), in_axis=0, out_axis=0)


def test_unknown_layout():
    with pytest.raises(ValueError, match="unknown layout 'torch'.*channels_first"):
        bi.compute_fans((3, 4), layout="torch")


def test_layout_and_axes_conflict():
    with pytest.raises(ValueError, match="either the layout or the axes"):
        bi.KaimingNormal(layout="channels_first", in_axis=0)


def test_channels_first_variance_matches_jax_layout():
    jax_kernel = bi.KaimingNormal().variance((3, 3, 16, 32))
    torch_kernel = bi.KaimingNormal(layout="channels_first").variance((32, 16, 3, 3))

    assert jax_kernel == pytest.approx(2.0 / 144.0)
    assert torch_kernel == pytest.approx(2.0 / 144.0)


def test_initializer_rejects_vector_with_default_axes():
    import jax

    with pytest.raises(ValueError, match=r"KaimingNormal: cannot compute fans of shape \(5,\)"):
        bi.KaimingNormal()(jax.random.key(0), (5,), jnp.float32)
