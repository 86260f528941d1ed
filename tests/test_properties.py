"""Property-based checks over shapes and dtypes with hypothesis."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import braininit as bi

# Few examples with small dims: every new shape compiles once, which dominates the run time.
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIMS = st.integers(min_value=0, max_value=6)
FLOATS = st.sampled_from([jnp.float32, jnp.bfloat16, jnp.float16])
DENSE = [bi.KaimingNormal(), bi.XavierUniform(), bi.LecunNormal(), bi.Orthogonal(), bi.Identity(), bi.he_normal()]
ANY_RANK = [bi.Normal(), bi.Uniform(-1.0, 1.0), bi.TruncatedNormal(0.0, 1.0, 5.0, 6.0), bi.Zeros(), bi.Constant(2.0)]
CONV = [bi.DeltaOrthogonal(), bi.Dirac(), bi.KaimingUniform(layout="channels_first")]


def _check(values, shape, dtype):
    assert values.shape == shape
    assert values.dtype == dtype
    assert np.isfinite(np.asarray(values, np.float32)).all()


@SETTINGS
@given(init=st.sampled_from(DENSE), shape=st.tuples(DIMS, DIMS), dtype=FLOATS, seed=st.integers(0, 2**31 - 1))
def test_dense_initializers(init, shape, dtype, seed):
    _check(init(jax.random.key(seed), shape, dtype), shape, dtype)


@SETTINGS
@given(init=st.sampled_from(ANY_RANK), shape=st.lists(DIMS, max_size=3).map(tuple), dtype=FLOATS, seed=st.integers(0, 2**31 - 1))
def test_any_rank_initializers(init, shape, dtype, seed):
    _check(init(jax.random.key(seed), shape, dtype), shape, dtype)


@SETTINGS
@given(init=st.sampled_from(CONV), spatial=st.integers(1, 4), channels=st.tuples(st.integers(1, 4), st.integers(1, 4)), dtype=FLOATS)
def test_conv_initializers(init, spatial, channels, dtype):
    shape = (spatial, spatial) + channels
    if getattr(init, "layout", "jax") == "channels_first":
        shape = channels[::-1] + (spatial, spatial)
    _check(init(jax.random.key(0), shape, dtype), shape, dtype)
