"""Initializers that draw from a fixed probability distribution: Normal, Uniform, TruncatedNormal.

Parameters may be brainunit Quantities; the unit rule is in :mod:`braininit.units`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape
from braininit.sampling import compute_dtype, truncated_standard_normal

__all__ = ["Normal", "Uniform", "TruncatedNormal"]


def _check_nonnegative(owner: str, name: str, value: Any) -> None:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{owner}: {name} must be finite and non-negative, got {value!r}.")


def _check_scalar(owner: str, name: str, value: Any) -> float:
    if np.ndim(value) != 0:
        raise ValueError(f"{owner}: {name} must be a scalar, got an array of shape {np.shape(value)}.")
    return float(value)


def _freeze_array(value: Any) -> Any:
    """Store list and array parameters as read-only NumPy arrays, so the initializer stays immutable."""
    if isinstance(value, (list, tuple, jax.Array, np.ndarray)):
        array = np.array(value)
        array.setflags(write=False)
        return array
    return value


def _is_zero(value: Any) -> bool:
    return np.ndim(value) == 0 and float(np.real(value)) == 0.0 and float(np.imag(value)) == 0.0


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Normal(Initializer):
    """Draw from the normal distribution N(mean, std**2).

    Args:
      mean: the mean; a scalar, an array broadcastable to the shape, or a Quantity.
      std: the standard deviation, non-negative; same forms as ``mean``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``std`` is negative or not finite.
      brainunit.UnitMismatchError: if ``mean`` and ``std`` have incompatible units.

    Example:
      >>> import jax, brainunit as u
      >>> v = Normal(-65.0 * u.mV, 5.0 * u.mV)(jax.random.key(0), (1000,))
      >>> v.unit
      mV
    """

    mean: Any = 0.0
    std: Any = 1.0

    supports_complex = True
    unit_fields = ("mean", "std")

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _freeze_array(self.mean))
        object.__setattr__(self, "std", _freeze_array(self.std))
        super().__post_init__()
        _check_nonnegative("Normal", "std", self._mantissas["std"])

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        mean, std = self._mantissas["mean"], self._mantissas["std"]
        values = jax.random.normal(key, shape, dtype) * jnp.asarray(std, dtype)
        if not _is_zero(mean):
            values = values + jnp.asarray(mean, dtype)
        return jnp.broadcast_to(values, shape)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Uniform(Initializer):
    """Draw from the uniform distribution on ``[low, high)``.

    Args:
      low: the lower bound; a scalar, an array broadcastable to the shape, or a Quantity.
      high: the upper bound, greater than ``low``; same forms as ``low``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``low >= high`` anywhere, or a bound is not finite.

    Example:
      >>> import jax
      >>> w = Uniform(-0.1, 0.1)(jax.random.key(0), (100,))
      >>> bool((w >= -0.1).all() and (w < 0.1).all())
      True
    """

    low: Any = 0.0
    high: Any = 1.0

    unit_fields = ("low", "high")

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _freeze_array(self.low))
        object.__setattr__(self, "high", _freeze_array(self.high))
        super().__post_init__()

        low = np.asarray(self._mantissas["low"], dtype=float)
        high = np.asarray(self._mantissas["high"], dtype=float)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"Uniform: bounds must be finite, got low={self.low!r}, high={self.high!r}.")
        if np.any(low >= high):
            raise ValueError(f"Uniform: low must be less than high, got low={self.low!r}, high={self.high!r}.")

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        low, high = self._mantissas["low"], self._mantissas["high"]
        width = np.asarray(high) - np.asarray(low)
        values = jax.random.uniform(key, shape, dtype) * jnp.asarray(width, dtype)
        if not _is_zero(low):
            values = values + jnp.asarray(low, dtype)
        return jnp.broadcast_to(values, shape)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TruncatedNormal(Initializer):
    """Draw from N(mean, std**2) truncated to the absolute interval ``[low, high]``.

    ``std`` is the standard deviation of the parent normal, before
    truncation; the result's own std is smaller. Sampling is by inverse CDF
    and exact for any bounds, far tails included: ``low=5, high=6`` gives
    values spread over ``[5, 6]``, where ``jax.random.truncated_normal``
    returns the bound itself. Intervals that contain the mean give values
    bit-identical to ``jax.random.truncated_normal``.

    Args:
      mean: mean of the parent normal (scalar or Quantity).
      std: standard deviation of the parent normal, positive.
      low: absolute lower bound; may be ``-inf``.
      high: absolute upper bound, greater than ``low``; may be ``inf``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``std <= 0``, ``low >= high``, or a parameter is not a scalar.

    Example:
      >>> import jax
      >>> w = TruncatedNormal(0.0, 1.0, low=5.0, high=6.0)(jax.random.key(0), (1000,))
      >>> bool((w >= 5.0).all() and (w <= 6.0).all() and w.std() > 0.1)
      True
    """

    mean: Any = 0.0
    std: Any = 1.0
    low: Any = -2.0
    high: Any = 2.0

    unit_fields = ("mean", "std", "low", "high")

    def __post_init__(self) -> None:
        super().__post_init__()
        mean, std, low, high = (_check_scalar("TruncatedNormal", name, self._mantissas[name]) for name in self.unit_fields)
        if not (math.isfinite(std) and std > 0):
            raise ValueError(f"TruncatedNormal: std must be positive and finite, got {self.std!r}.")
        if not math.isfinite(mean):
            raise ValueError(f"TruncatedNormal: mean must be finite, got {self.mean!r}.")
        if math.isnan(low) or math.isnan(high) or not low < high:
            raise ValueError(
                f"TruncatedNormal: low must be less than high, got low={self.low!r}, high={self.high!r}."
            )
        object.__setattr__(self, "_standard_bounds", ((low - mean) / std, (high - mean) / std))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        mean, std = self._mantissas["mean"], self._mantissas["std"]
        a, b = self._standard_bounds
        work_dtype = compute_dtype(dtype)

        values = truncated_standard_normal(key, shape, work_dtype, a, b) * jnp.asarray(std, work_dtype)
        if mean != 0.0:
            values = values + jnp.asarray(mean, work_dtype)
        if work_dtype == dtype:
            return values

        # Rounding to half precision can cross a bound by half a unit in the last place.
        low, high = self._mantissas["low"], self._mantissas["high"]
        return jnp.clip(values.astype(dtype), jnp.asarray(low, dtype), jnp.asarray(high, dtype))
