"""Initializers that draw from a fixed probability distribution.

Normal, Uniform and TruncatedNormal; LogNormal, Gamma, Exponential, Beta and
Weibull for positive quantities such as conductances, time constants and
delays; Bernoulli for masks.

Parameters with a physical dimension may be brainunit Quantities. The first
Quantity parameter sets the unit of the initializer and of its result. Other
Quantities are converted to that unit, and a plain number next to a Quantity
is read in that unit. So ``Gamma(2.0, 0.5 * u.nS)`` draws in nS, and
``Beta(2.0, 5.0, -70 * u.mV, -0.05 * u.volt)`` draws in mV. Incompatible units raise
``brainunit.UnitMismatchError`` naming both units when the initializer is
built. Shape parameters (``Gamma.shape``, ``Beta.a``, ``Weibull.shape``,
``Bernoulli.p``) are dimensionless numbers. See :mod:`braininit.units`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.checks import canonicalize_shape, check_key, resolve_dtype
from braininit.core import Initializer, Shape, place
from braininit.sampling import compute_dtype, isolate, truncated_standard_normal
from braininit.units import brainunit, is_quantity

__all__ = ["Normal", "Uniform", "TruncatedNormal", "LogNormal", "Gamma", "Exponential", "Beta", "Weibull", "Bernoulli"]


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
      >>> str(v.unit)
      'mV'
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
        values = isolate(jax.random.normal(key, shape, dtype)) * jnp.asarray(std, dtype)
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
        values = isolate(jax.random.uniform(key, shape, dtype)) * jnp.asarray(width, dtype)
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


def _dimensionless(owner: str, name: str, value: Any) -> Any:
    """Return a shape parameter as a plain number or array; a dimensionless Quantity is accepted."""
    if is_quantity(value):
        if not value.unit.is_unitless:
            raise brainunit().UnitMismatchError(
                f"{owner}: {name} is a dimensionless shape parameter, got {value!r}", value.unit
            )
        value = value.to_decimal()
    return _freeze_array(value)


def _check_positive(owner: str, name: str, value: Any) -> None:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{owner}: {name} must be positive and finite, in (0, inf), got {value!r}.")


def _as_scalar_or_array(value: np.ndarray) -> Any:
    return float(value) if value.ndim == 0 else value


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LogNormal(Initializer):
    """Draw positive values with a given mean and standard deviation from a log-normal distribution.

    The values are ``exp(mu + sigma * z)`` with ``z ~ N(0, 1)``, where
    ``sigma**2 = log(1 + (std / mean)**2)`` and ``mu = log(mean) - sigma**2 / 2``,
    so that the values themselves, not their logarithms, have mean ``mean``
    and standard deviation ``std``. This is how papers quote log-normal
    conductances and synaptic weights. ``mu`` and ``sigma`` are available as
    properties; ``mu`` is the log of a value in the parameters' unit.

    Args:
      mean: mean of the values, positive; a scalar, an array broadcastable to
        the shape, or a Quantity.
      std: standard deviation of the values, non-negative; same forms as ``mean``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``mean`` is not positive or ``std`` is negative.
      brainunit.UnitMismatchError: if ``mean`` and ``std`` have incompatible units.

    Example:
      >>> import jax, brainunit as u
      >>> g = LogNormal(0.5 * u.nS, 0.25 * u.nS)(jax.random.key(0), (1000,))
      >>> str(g.unit), bool((g.mantissa > 0).all())
      ('nS', True)
    """

    mean: Any
    std: Any

    unit_fields = ("mean", "std")

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _freeze_array(self.mean))
        object.__setattr__(self, "std", _freeze_array(self.std))
        super().__post_init__()

        mean = np.asarray(self._mantissas["mean"], dtype=float)
        std = np.asarray(self._mantissas["std"], dtype=float)
        _check_positive("LogNormal", "mean", mean)
        _check_nonnegative("LogNormal", "std", std)

        # log1p keeps sigma accurate when std is much smaller than mean.
        variance_log = np.log1p(np.square(std / mean))
        object.__setattr__(self, "_log_mean", np.log(mean) - 0.5 * variance_log)
        object.__setattr__(self, "_log_std", np.sqrt(variance_log))

    @property
    def mu(self) -> Any:
        """Mean of the logarithm of the values (of their mantissas in the parameters' unit)."""
        return _as_scalar_or_array(self._log_mean)

    @property
    def sigma(self) -> Any:
        """Standard deviation of the logarithm of the values."""
        return _as_scalar_or_array(self._log_std)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        work_dtype = compute_dtype(dtype)
        z = jax.random.normal(key, shape, work_dtype)
        values = jnp.exp(jnp.asarray(self._log_mean, work_dtype) + jnp.asarray(self._log_std, work_dtype) * z)
        return jnp.broadcast_to(values, shape).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _ShapeScale(Initializer):
    """Fields and checks shared by Gamma and Weibull: a dimensionless shape and a scale with the unit."""

    shape: Any
    scale: Any = 1.0

    unit_fields = ("scale",)

    def __post_init__(self) -> None:
        owner = type(self).__name__
        object.__setattr__(self, "shape", _dimensionless(owner, "shape", self.shape))
        object.__setattr__(self, "scale", _freeze_array(self.scale))
        super().__post_init__()
        _check_positive(owner, "shape", self.shape)
        _check_positive(owner, "scale", self._mantissas["scale"])


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Gamma(_ShapeScale):
    """Draw from the gamma distribution with shape ``k`` and scale ``theta``.

    The density is ``x**(k - 1) * exp(-x / theta) / (Gamma(k) * theta**k)`` for
    ``x > 0``; the mean is ``k * theta`` and the variance ``k * theta**2``.

    Args:
      shape: the shape parameter ``k``, positive and dimensionless.
      scale: the scale parameter ``theta``, positive; it carries the unit.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``shape`` or ``scale`` is not positive.
      brainunit.UnitMismatchError: if ``shape`` is a Quantity with a unit.

    Example:
      >>> import jax, brainunit as u
      >>> tau = Gamma(4.0, 2.5 * u.ms)(jax.random.key(0), (1000,))
      >>> str(tau.unit), bool((tau.mantissa > 0).all())
      ('ms', True)
    """

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        work_dtype = compute_dtype(dtype)
        concentration = jnp.broadcast_to(jnp.asarray(self.shape, work_dtype), shape)
        values = jax.random.gamma(key, concentration, shape, work_dtype)
        return (values * jnp.asarray(self._mantissas["scale"], work_dtype)).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Exponential(Initializer):
    """Draw from the exponential distribution with mean ``scale``.

    The density is ``exp(-x / scale) / scale`` for ``x >= 0``; the standard
    deviation equals the mean.

    Args:
      scale: the mean, positive; a scalar, an array broadcastable to the shape,
        or a Quantity.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``scale`` is not positive.

    Example:
      >>> import jax, brainunit as u
      >>> delay = Exponential(2.0 * u.ms)(jax.random.key(0), (1000,))
      >>> str(delay.unit), bool((delay.mantissa >= 0).all())
      ('ms', True)
    """

    scale: Any = 1.0

    unit_fields = ("scale",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _freeze_array(self.scale))
        super().__post_init__()
        _check_positive("Exponential", "scale", self._mantissas["scale"])

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        work_dtype = compute_dtype(dtype)
        values = jax.random.exponential(key, shape, work_dtype) * jnp.asarray(self._mantissas["scale"], work_dtype)
        return jnp.broadcast_to(values, shape).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Beta(Initializer):
    """Draw from the beta distribution with shapes ``a`` and ``b``, scaled to ``[low, high]``.

    The values are ``low + (high - low) * x`` with ``x ~ Beta(a, b)``, so the
    mean is ``low + (high - low) * a / (a + b)``.

    Args:
      a: first shape parameter, positive and dimensionless.
      b: second shape parameter, positive and dimensionless.
      low: lower end of the interval; a scalar, an array or a Quantity.
      high: upper end of the interval, greater than ``low``; same forms as ``low``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``a`` or ``b`` is not positive, or ``low >= high``.
      brainunit.UnitMismatchError: if ``low`` and ``high`` have incompatible
        units, or ``a`` or ``b`` has a unit.

    Example:
      >>> import jax, brainunit as u
      >>> v = Beta(2.0, 2.0, -70 * u.mV, -50 * u.mV)(jax.random.key(0), (1000,))
      >>> bool(((v.mantissa >= -70) & (v.mantissa <= -50)).all())
      True
    """

    a: Any
    b: Any
    low: Any = 0.0
    high: Any = 1.0

    unit_fields = ("low", "high")

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _dimensionless("Beta", "a", self.a))
        object.__setattr__(self, "b", _dimensionless("Beta", "b", self.b))
        object.__setattr__(self, "low", _freeze_array(self.low))
        object.__setattr__(self, "high", _freeze_array(self.high))
        super().__post_init__()

        _check_positive("Beta", "a", self.a)
        _check_positive("Beta", "b", self.b)
        low = np.asarray(self._mantissas["low"], dtype=float)
        high = np.asarray(self._mantissas["high"], dtype=float)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))) or np.any(low >= high):
            raise ValueError(
                f"Beta: the interval must be finite with low < high, got low={self.low!r}, high={self.high!r}."
            )

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        work_dtype = compute_dtype(dtype)
        low, high = self._mantissas["low"], self._mantissas["high"]
        a = jnp.asarray(self.a, work_dtype)
        b = jnp.asarray(self.b, work_dtype)
        unit_interval = jax.random.beta(key, a, b, shape, work_dtype)

        width = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
        values = jnp.asarray(low, work_dtype) + jnp.asarray(width, work_dtype) * unit_interval
        return jnp.broadcast_to(values, shape).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Weibull(_ShapeScale):
    """Draw from the Weibull distribution with shape ``k`` and scale ``lam``.

    The CDF is ``1 - exp(-(x / lam)**k)`` for ``x >= 0``; the mean is
    ``lam * Gamma(1 + 1/k)``. ``k = 1`` is the exponential distribution.

    Args:
      shape: the shape parameter ``k``, positive and dimensionless.
      scale: the scale parameter ``lam``, positive; it carries the unit.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: if ``shape`` or ``scale`` is not positive.
      brainunit.UnitMismatchError: if ``shape`` is a Quantity with a unit.

    Example:
      >>> import jax, brainunit as u
      >>> d = Weibull(1.5, 3.0 * u.ms)(jax.random.key(0), (1000,))
      >>> str(d.unit), bool((d.mantissa >= 0).all())
      ('ms', True)
    """

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        work_dtype = compute_dtype(dtype)
        scale = jnp.asarray(self._mantissas["scale"], work_dtype)
        concentration = jnp.asarray(self.shape, work_dtype)
        values = jax.random.weibull_min(key, scale, concentration, shape, work_dtype)
        return values.astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _MaskInitializer(Initializer):
    """Base class of initializers that draw masks: their result dtype defaults to bool.

    A mask is a bool array by default, as from ``jax.random.bernoulli``. A
    requested integer or floating dtype gives 0 and 1 in that dtype, for
    masks that are multiplied into weights. Masks have no unit, so ``unit=``
    raises. Subclasses implement ``_generate(key, shape)`` returning a bool array.
    """

    def __call__(
        self,
        key: jax.Array,
        shape: Any,
        dtype: Any = None,
        out_sharding: Any = None,
        *,
        unit: Any = None,
    ) -> jax.Array:
        """Draw a mask of ``shape``; ``dtype`` None means the ``dtype`` field, then bool.

        Raises:
          TypeError: for a malformed key or shape, or when ``unit`` is given.
          ValueError: for a negative dimension or a complex dtype.
        """
        # NOTE: this repeats the checks of Initializer.__call__ because the base
        # has no hook for a bool default dtype; such a hook would let masks drop it.
        owner = type(self).__name__
        key = check_key(key, owner)
        shape = canonicalize_shape(shape, owner)
        if unit is not None:
            raise TypeError(f"{owner} draws a dimensionless mask, got unit={unit!r}; multiply the mask by a Quantity instead.")
        requested = self.dtype if dtype is None else dtype
        dtype = resolve_dtype(np.bool_ if requested is None else requested, owner, allow_integer=True, allow_complex=False)

        if math.prod(shape) == 0:
            mask = jnp.zeros(shape, bool)
        else:
            mask = _generate_mask(self, key, shape)
        return place(mask.astype(dtype), out_sharding)


@functools.partial(jax.jit, static_argnums=(0, 2))
def _generate_mask(initializer: _MaskInitializer, key: jax.Array, shape: Shape) -> jax.Array:
    """Run a mask's ``_generate`` compiled, like every other initializer's."""
    return initializer._generate(key, shape)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Bernoulli(_MaskInitializer):
    """Draw a mask whose entries are True with probability ``p``, independently.

    The result is bool unless a dtype is requested (see
    :class:`_MaskInitializer`); for the same key the bool mask equals
    ``jax.random.bernoulli(key, p, shape)``.

    Args:
      p: probability of True, in ``[0, 1]``; a scalar or an array broadcastable
        to the shape, dimensionless.
      dtype: default result dtype; None means bool.

    Raises:
      ValueError: if ``p`` is outside ``[0, 1]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> mask = Bernoulli(0.1)(jax.random.key(0), (100, 100))
      >>> mask.dtype, Bernoulli(0.1)(jax.random.key(0), (3,), jnp.float32).dtype
      (dtype('bool'), dtype('float32'))
    """

    p: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", _dimensionless("Bernoulli", "p", self.p))
        super().__post_init__()
        p = np.asarray(self.p, dtype=float)
        if np.any(np.isnan(p)) or np.any(p < 0) or np.any(p > 1):
            raise ValueError(f"Bernoulli: p is a probability and must be in [0, 1], got {self.p!r}.")

    def _generate(self, key: jax.Array, shape: Shape) -> jax.Array:
        return jax.random.bernoulli(key, jnp.asarray(self.p), shape)
