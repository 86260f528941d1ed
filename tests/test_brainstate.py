"""The brainstate adapter, tested against the real brainstate and braintools packages."""

from __future__ import annotations

import subprocess
import sys

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi
from braininit.frameworks.brainstate import BrainstateInitializer, to_brainstate

brainstate = pytest.importorskip("brainstate")
braintools = pytest.importorskip("braintools")


def test_linear_weight_shape_and_values():
    brainstate.random.seed(42)
    layer = brainstate.nn.Linear(10, 5, w_init=to_brainstate(bi.KaimingNormal()))

    brainstate.random.seed(42)
    expected = bi.KaimingNormal()(brainstate.random.split_key(), (10, 5))

    chex.assert_shape(layer.weight.value["weight"], (10, 5))
    np.testing.assert_array_equal(layer.weight.value["weight"], expected)


def test_linear_seed_determinism():
    init = to_brainstate(bi.Orthogonal())

    brainstate.random.seed(3)
    first = brainstate.nn.Linear(8, 8, w_init=init).weight.value["weight"]
    second = brainstate.nn.Linear(8, 8, w_init=init).weight.value["weight"]
    brainstate.random.seed(3)
    repeated = brainstate.nn.Linear(8, 8, w_init=init).weight.value["weight"]

    np.testing.assert_array_equal(first, repeated)
    assert not np.array_equal(first, second)


def test_linear_forward_pass():
    brainstate.random.seed(0)
    layer = brainstate.nn.Linear(6, 4, w_init=to_brainstate(bi.XavierUniform()), b_init=to_brainstate(bi.Zeros()))

    chex.assert_shape(layer(jnp.ones((3, 6))), (3, 4))
    np.testing.assert_array_equal(layer.weight.value["bias"], 0.0)


def test_conv_kernel_layout():
    brainstate.random.seed(0)
    conv = brainstate.nn.Conv2d((8, 8, 3), 4, (3, 3), w_init=to_brainstate(bi.KaimingNormal()))
    kernel = conv.weight.value["weight"]

    chex.assert_shape(kernel, (3, 3, 3, 4))
    assert float(kernel.var()) == pytest.approx(2.0 / 27.0, rel=0.5)


def test_braintools_param_with_units():
    brainstate.random.seed(0)
    potentials = braintools.init.param(to_brainstate(bi.Normal(-65.0 * u.mV, 5.0 * u.mV)), 1000)

    assert potentials.unit == u.mV
    assert float(potentials.mantissa.mean()) == pytest.approx(-65.0, abs=1.0)


def test_braintools_param_batch_axis():
    brainstate.random.seed(0)
    values = braintools.init.param(to_brainstate(bi.Uniform(0.0, 1.0)), (4, 3), batch_size=2)

    chex.assert_shape(values, (2, 4, 3))


@pytest.mark.parametrize(
    "make_rng",
    [lambda: brainstate.random.RandomState(7), lambda: np.random.default_rng(7)],
    ids=["random_state", "numpy_generator"],
)
def test_rng_keyword_deterministic(make_rng):
    init = to_brainstate(bi.Normal())

    first = braintools.init.param(init, 5, rng=make_rng())
    second = braintools.init.param(init, 5, rng=make_rng())

    np.testing.assert_array_equal(first, second)


def test_explicit_key():
    values = to_brainstate(bi.Normal())(3, key=jax.random.key(0))

    np.testing.assert_array_equal(values, bi.Normal()(jax.random.key(0), (3,)))


def test_unit_and_dtype_options():
    init = to_brainstate(bi.Normal(0.0 * u.nS, 1.0 * u.nS), dtype=jnp.float16, unit=u.uS)
    values = init((2, 2), key=jax.random.key(0))

    assert values.unit == u.uS
    chex.assert_type(values.mantissa, jnp.float16)


def test_plain_jax_initializer():
    values = to_brainstate(jax.nn.initializers.lecun_normal())((4, 4), key=jax.random.key(0))

    np.testing.assert_array_equal(values, jax.nn.initializers.lecun_normal()(jax.random.key(0), (4, 4)))


def test_key_and_rng_together_raise():
    with pytest.raises(TypeError, match="either key or rng"):
        to_brainstate(bi.Normal())(3, key=jax.random.key(0), rng=brainstate.random.RandomState(0))


def test_unknown_rng_raises():
    with pytest.raises(TypeError, match="RandomState or a numpy.random.Generator"):
        to_brainstate(bi.Normal())(3, rng=0)


def test_unit_needs_braininit_initializer():
    with pytest.raises(TypeError, match="with_unit"):
        to_brainstate(jax.nn.initializers.zeros, unit=u.mV)


def test_wrapper_hashable():
    assert to_brainstate(bi.Normal()) == BrainstateInitializer(bi.Normal())
    assert hash(to_brainstate(bi.Normal())) == hash(to_brainstate(bi.Normal()))


def test_import_does_not_import_brainstate():
    code = "import sys, braininit.frameworks.brainstate; print('brainstate' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert output.strip() == "False"


def test_channels_first_initializer_rejected():
    from braininit.frameworks.brainstate import to_brainstate

    with pytest.raises(ValueError, match="brainstate stores kernels in JAX's layout"):
        to_brainstate(bi.KaimingNormal(layout="channels_first"))
