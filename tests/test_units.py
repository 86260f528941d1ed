"""Units on results and parameters, through brainunit."""

import subprocess
import sys

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi

KEY = jax.random.key(0)


def test_unit_keyword_gives_quantity_with_same_mantissa():
    plain = bi.KaimingNormal()(KEY, (4, 4))
    quantity = bi.KaimingNormal()(KEY, (4, 4), unit=u.nS)

    assert isinstance(quantity, u.Quantity)
    assert quantity.unit == u.nS
    np.testing.assert_array_equal(quantity.mantissa, plain)


def test_unit_keeps_dtype():
    quantity = bi.Orthogonal()(KEY, (4, 4), jnp.bfloat16, unit=u.mV)

    assert quantity.mantissa.dtype == jnp.bfloat16


def test_parameters_with_units():
    values = bi.Normal(mean=-65 * u.mV, std=5 * u.mV)(KEY, (2000,))

    assert values.unit == u.mV
    assert float(values.mantissa.mean()) == pytest.approx(-65, abs=4 * 5 / np.sqrt(2000))


def test_unit_keyword_converts():
    millivolts = bi.Normal(mean=-65 * u.mV, std=5 * u.mV)(KEY, (10,))
    volts = bi.Normal(mean=-65 * u.mV, std=5 * u.mV)(KEY, (10,), unit=u.volt)

    assert volts.unit == u.volt
    np.testing.assert_allclose(volts.mantissa, millivolts.mantissa / 1000, rtol=1e-6)


def test_mixed_compatible_units_use_first():
    values = bi.Normal(mean=-0.065 * u.volt, std=5 * u.mV)(KEY, (4000,))

    assert values.unit == u.volt
    assert float(values.mantissa.std()) == pytest.approx(0.005, rel=0.05)


def test_plain_number_read_in_quantity_unit():
    values = bi.Uniform(0, 20 * u.mV)(KEY, (1000,))

    assert values.unit == u.mV
    assert float(values.mantissa.max()) > 15


def test_incompatible_parameter_units():
    with pytest.raises(u.UnitMismatchError, match="mV.*nS|nS.*mV"):
        bi.Normal(mean=-65 * u.mV, std=1 * u.nS)


def test_incompatible_unit_keyword():
    with pytest.raises(u.UnitMismatchError, match="mV.*nS|nS.*mV"):
        bi.Normal(mean=-65 * u.mV, std=5 * u.mV)(KEY, (3,), unit=u.nS)


def test_unit_keyword_must_be_unit():
    with pytest.raises(TypeError, match="unit must be a brainunit Unit.*quantity.unit"):
        bi.Normal()(KEY, (3,), unit=3 * u.mV)


def test_constant_quantity():
    values = bi.Constant(-65 * u.mV)(KEY, (3,))

    assert values.unit == u.mV
    np.testing.assert_array_equal(values.mantissa, [-65, -65, -65])


def test_quantity_through_jit_and_vmap():
    init = bi.Normal(mean=0.5 * u.nS, std=0.1 * u.nS)
    jitted = jax.jit(lambda key: init(key, (3,)))(KEY)
    batched = jax.vmap(lambda key: init(key, (3,)))(jax.random.split(KEY, 4))

    assert jitted.unit == u.nS
    assert batched.unit == u.nS
    assert batched.shape == (4, 3)
    np.testing.assert_array_equal(jitted.mantissa, init(KEY, (3,)).mantissa)


def test_with_unit_wraps_jax_initializer():
    init = bi.with_unit(jax.nn.initializers.he_normal(), u.nS)
    values = init(KEY, (4, 4))

    assert values.unit == u.nS
    np.testing.assert_array_equal(values.mantissa, jax.nn.initializers.he_normal()(KEY, (4, 4)))


def test_with_unit_converts_quantity_results():
    init = bi.with_unit(bi.Normal(-65 * u.mV, 5 * u.mV), u.volt)

    assert init(KEY, (3,)).unit == u.volt


def test_with_unit_round_trips_config():
    init = bi.with_unit(bi.KaimingNormal(), u.nS)

    assert bi.from_config(init.to_config()) == init


def test_unit_parameters_round_trip_config():
    init = bi.Normal(mean=-65 * u.mV, std=5 * u.mV)

    assert bi.from_config(init.to_config()) == init


def test_import_is_light():
    code = (
        "import sys, braininit\n"
        "heavy = [m for m in ('matplotlib', 'flax', 'equinox', 'haiku', 'brainstate', 'braintools', "
        "'tqdm', 'scipy', 'sklearn', 'torch', 'brainunit') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert output.strip() == "[]"
