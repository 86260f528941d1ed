"""The names of ``jax.nn.initializers``, with the same signatures, defaults and values.

``import braininit as init`` can replace ``from jax.nn import initializers as
init``: every factory here builds a braininit initializer configured as JAX's,
so for the same key, shape and dtype the values are bit-identical wherever
JAX returns. The one exception is complex truncated-normal variance
scaling, which agrees to rounding only, as JAX's own eager and jitted results
do. Where JAX raises (orthogonal in bfloat16 or float16, a sharded
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
    """Build an initializer that fills with ``value``, as ``jax.nn.initializers.constant``.

    Args:
      value: the fill value, a scalar or an array broadcastable to the shape.
      dtype: default result dtype.

    Example:
      >>> import jax
      >>> constant(-7.0)(jax.random.key(0), (2,))
      Array([-7., -7.], dtype=float32)
    """
    return Constant(value, dtype=dtype)


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Uniform:
    """Build a ``U[0, scale)`` initializer, as ``jax.nn.initializers.uniform``.

    Args:
      scale: the upper bound.
      dtype: default result dtype.

    Example:
      >>> import jax
      >>> w = uniform(10.0)(jax.random.key(0), (100,))
      >>> bool((w >= 0).all() and (w < 10).all())
      True
    """
    return Uniform(0.0, scale, dtype=dtype)


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Normal:
    """Build an ``N(0, stddev**2)`` initializer, as ``jax.nn.initializers.normal``.

    Args:
      stddev: the standard deviation.
      dtype: default result dtype.

    Example:
      >>> import jax
      >>> normal(5.0)(jax.random.key(0), (2, 3)).shape
      (2, 3)
    """
    return Normal(0.0, stddev, dtype=dtype)


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0, upper: Any = 2.0) -> TruncatedNormal:
    """Build a truncated-normal initializer, as ``jax.nn.initializers.truncated_normal``.

    Args:
      stddev: std of the parent normal (no variance correction), as in JAX.
      dtype: default result dtype.
      lower: lower bound in units of ``stddev``.
      upper: upper bound in units of ``stddev``.

    Example:
      >>> import jax
      >>> w = truncated_normal(0.02)(jax.random.key(0), (1000,))
      >>> bool((abs(w) <= 0.04).all())
      True
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

    Args:
      scale: positive numerator of the variance.
      mode: which fan divides it.
      distribution: the distribution drawn from.
      in_axis: axis or axes of input features.
      out_axis: axis or axes of output features.
      batch_axis: axes counted in neither fan.
      dtype: default result dtype.

    See :class:`~braininit.VarianceScaling` for the math. The presets below
    (``glorot_*``, ``lecun_*``, ``he_*`` and their aliases) take the last four
    arguments.

    Example:
      >>> import jax
      >>> variance_scaling(2.0, "fan_in", "normal")(jax.random.key(0), (64, 32)).shape
      (64, 32)
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
    """Build an orthogonal initializer, as ``jax.nn.initializers.orthogonal``; see :class:`~braininit.Orthogonal`.

    Args:
      scale: multiplies the orthogonal matrix.
      column_axis: the axis whose entries index the orthonormal columns.
      dtype: default result dtype.
    """
    return Orthogonal(scale, column_axis, dtype=dtype)


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> DeltaOrthogonal:
    """Build a delta-orthogonal initializer, as ``jax.nn.initializers.delta_orthogonal``; see :class:`~braininit.DeltaOrthogonal`.

    Args:
      scale: multiplies the centre matrix.
      column_axis: column axis of the centre matrix.
      dtype: default result dtype.
    """
    return DeltaOrthogonal(scale, column_axis, dtype=dtype)
