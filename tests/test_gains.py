"""The gain table and numeric gains."""

import math

import jax
import numpy as np
import pytest
from scipy import integrate, stats

import braininit as bi


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linear", 1.0),
        ("conv2d", 1.0),
        ("sigmoid", 1.0),
        ("tanh", 5.0 / 3.0),
        ("relu", math.sqrt(2.0)),
        ("leaky_relu", math.sqrt(2.0 / (1 + 0.01**2))),
        ("selu", 0.75),
    ],
)
def test_table_values(name, expected):
    assert bi.calculate_gain(name) == pytest.approx(expected, rel=1e-12)


def test_leaky_relu_slope():
    assert bi.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2.0 / 1.04))


def _reference_gain(function):
    moment, _ = integrate.quad(lambda z: function(z) ** 2 * stats.norm.pdf(z), -40, 40, limit=200)
    return 1.0 / math.sqrt(moment)


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("gelu", lambda z: z * stats.norm.cdf(z)),
        ("silu", lambda z: z / (1 + math.exp(-z))),
        ("elu", lambda z: z if z > 0 else math.expm1(z)),
        ("softplus", lambda z: math.log1p(math.exp(z)) if z < 30 else z),
    ],
)
def test_named_numeric_gains_match_quadrature(name, function):
    assert bi.calculate_gain(name) == pytest.approx(_reference_gain(function), rel=1e-9)


def test_callable_gain_of_relu():
    assert bi.calculate_gain(jax.nn.relu) == pytest.approx(math.sqrt(2.0), rel=1e-9)


def test_callable_gain_of_mish():
    def mish(z):
        return z * math.tanh(math.log1p(math.exp(z))) if z < 30 else z

    assert bi.calculate_gain(jax.nn.mish) == pytest.approx(_reference_gain(mish), rel=1e-6)


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown nonlinearity 'relu6'.*leaky_relu"):
        bi.calculate_gain("relu6")


def test_param_on_name_without_param():
    with pytest.raises(ValueError, match="'relu' takes no param"):
        bi.calculate_gain("relu", 0.1)


def test_zero_activation_has_no_gain():
    with pytest.raises(ValueError, match="positive, finite second moment"):
        bi.numeric_gain(lambda z: np.zeros_like(z))


def test_kaiming_with_callable_nonlinearity():
    init = bi.KaimingNormal(nonlinearity=jax.nn.gelu)

    assert init.variance((100, 100)) == pytest.approx(bi.numeric_gain(jax.nn.gelu) ** 2 / 100)


def test_kaiming_unknown_nonlinearity_at_construction():
    with pytest.raises(ValueError, match="KaimingNormal: unknown nonlinearity 'rellu'"):
        bi.KaimingNormal(nonlinearity="rellu")


def test_kaiming_scale_with_nonlinearity_rejected():
    with pytest.raises(ValueError, match="pass either scale or the nonlinearity"):
        bi.KaimingUniform(scale=2.0, nonlinearity="tanh")
