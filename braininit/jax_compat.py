"""The names of ``jax.nn.initializers``, with the same signatures, defaults and values.

``import braininit as init`` can replace ``from jax.nn import initializers as
init``: every factory here builds a braininit initializer configured as JAX's,
so for the same key, shape and dtype the values are bit-identical wherever
JAX returns, with one exception: complex truncated-normal variance scaling
agrees to rounding only, as JAX's own eager and jitted results do. Where JAX raises (orthogonal in bfloat16 or float16, a sharded
orthogonal, zero-size variance-scaling shapes, delta-orthogonal with more
inputs than outputs) these return correct values instead.
"""

from __future__ import annotations

from typing import Any, Literal

from braininit.constant import Constant, Ones, Zeros
from braininit.distributions import Normal, TruncatedNormal, Uniform
from braininit.fans import Axes
from braininit.orthogonal import DeltaOrthogonal, Orthogonal
from braininit.variance_scaling import VarianceScaling

__all__ = [
    "zeros", "ones", "constant", "uniform", "normal", "truncated_normal", "variance_scaling",
    "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
    "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal",
    "orthogonal", "delta_orthogonal",
]

zeros = Zeros()
"""Fill with zeros, as ``jax.nn.initializers.zeros``; called as ``zeros(key, shape, dtype)``."""

ones = Ones()
"""Fill with ones, as ``jax.nn.initializers.ones``; called as ``ones(key, shape, dtype)``."""


def constant(value: Any, dtype: Any = None) -> Constant:
    """Build an initializer that fills with ``value``, as ``jax.nn.initializers.constant``."""
    return Constant(value, dtype=dtype)


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Uniform:
    """Build a ``U[0, scale)`` initializer, as ``jax.nn.initializers.uniform``."""
    return Uniform(0.0, scale, dtype=dtype)


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Normal:
    """Build an ``N(0, stddev**2)`` initializer, as ``jax.nn.initializers.normal``."""
    return Normal(0.0, stddev, dtype=dtype)


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0, upper: Any = 2.0) -> TruncatedNormal:
    """Build a truncated-normal initializer, as ``jax.nn.initializers.truncated_normal``.

    ``lower`` and ``upper`` are in units of ``stddev``, which is the std of the
    parent normal (no variance correction), as in JAX.
    """
    return TruncatedNormal(0.0, stddev, lower * stddev, upper * stddev, dtype=dtype)


def variance_scaling(
    scale: Any,
    mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"],
    distribution: Literal["truncated_normal", "normal", "uniform"],
    in_axis: Axes = -2,
    out_axis: Axes = -1,
    batch_axis: Axes = (),
    dtype: Any = None,
) -> VarianceScaling:
    """Build a variance-scaling initializer, as ``jax.nn.initializers.variance_scaling``.

    See :class:`~braininit.VarianceScaling` for the math.
    """
    return VarianceScaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype=dtype)


def _preset(scale: float, mode: str, distribution: str):
    def factory(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None) -> VarianceScaling:
        return VarianceScaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype=dtype)

    return factory


glorot_uniform = _preset(1.0, "fan_avg", "uniform")
glorot_uniform.__name__ = glorot_uniform.__qualname__ = "glorot_uniform"
glorot_uniform.__doc__ = "Build a Glorot (Xavier) uniform initializer: ``variance_scaling(1.0, 'fan_avg', 'uniform')``."

glorot_normal = _preset(1.0, "fan_avg", "truncated_normal")
glorot_normal.__name__ = glorot_normal.__qualname__ = "glorot_normal"
glorot_normal.__doc__ = "Build a Glorot (Xavier) normal initializer: ``variance_scaling(1.0, 'fan_avg', 'truncated_normal')``."

lecun_uniform = _preset(1.0, "fan_in", "uniform")
lecun_uniform.__name__ = lecun_uniform.__qualname__ = "lecun_uniform"
lecun_uniform.__doc__ = "Build a LeCun uniform initializer: ``variance_scaling(1.0, 'fan_in', 'uniform')``."

lecun_normal = _preset(1.0, "fan_in", "truncated_normal")
lecun_normal.__name__ = lecun_normal.__qualname__ = "lecun_normal"
lecun_normal.__doc__ = "Build a LeCun normal initializer: ``variance_scaling(1.0, 'fan_in', 'truncated_normal')``."

he_uniform = _preset(2.0, "fan_in", "uniform")
he_uniform.__name__ = he_uniform.__qualname__ = "he_uniform"
he_uniform.__doc__ = "Build a He (Kaiming) uniform initializer: ``variance_scaling(2.0, 'fan_in', 'uniform')``."

he_normal = _preset(2.0, "fan_in", "truncated_normal")
he_normal.__name__ = he_normal.__qualname__ = "he_normal"
he_normal.__doc__ = "Build a He (Kaiming) normal initializer: ``variance_scaling(2.0, 'fan_in', 'truncated_normal')``."

xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Orthogonal:
    """Build an orthogonal initializer, as ``jax.nn.initializers.orthogonal``; see :class:`~braininit.Orthogonal`."""
    return Orthogonal(scale, column_axis, dtype=dtype)


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> DeltaOrthogonal:
    """Build a delta-orthogonal initializer, as ``jax.nn.initializers.delta_orthogonal``; see :class:`~braininit.DeltaOrthogonal`."""
    return DeltaOrthogonal(scale, column_axis, dtype=dtype)
