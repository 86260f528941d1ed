"""Variance scaling: Kaiming/He, Xavier/Glorot and LeCun initializers.

Every initializer here draws zero-mean values with variance ``scale / fan``,
where ``fan`` is chosen by ``mode`` from the fans of the shape (see
:mod:`braininit.fans`). Kaiming sets ``scale = gain**2`` for its activation,
so ReLU gives ``2 / fan_in``: for a 100x100 kernel, std ``sqrt(2/100) = 0.1414``.

The ``*Normal`` presets draw from a plain normal, as in PyTorch, Keras'
``*_normal`` aside. ``jax.nn.initializers.he_normal`` and friends draw from a
truncated normal instead; the lowercase names in :mod:`braininit.jax_compat`
keep JAX's choice, and ``distribution="truncated_normal"`` selects it here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Union

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape
from braininit.fans import MODES, Axes, compute_fans, fan_for_mode, layout_axes, normalize_axes
from braininit.gains import calculate_gain
from braininit.sampling import complex_truncated_normal, complex_uniform_disk, isolate

__all__ = [
    "VarianceScaling",
    "KaimingNormal",
    "KaimingUniform",
    "XavierNormal",
    "XavierUniform",
    "LecunNormal",
    "LecunUniform",
    "DISTRIBUTIONS",
]

DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")

# Std of N(0, 1) truncated to [-2, 2]; dividing by it restores unit variance.
# The same constant as jax.nn.initializers, so values match it bit for bit.
_TRUNCATED_STD = 0.87962566103423978
# Std of the standard complex normal with modulus truncated at 2, as in jax.nn.initializers.
_COMPLEX_TRUNCATED_STD = 0.95311164380491208


def _check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{owner}: unknown {name} {value!r}; valid values are {choices}.")


def _check_scale(owner: str, scale: Any) -> None:
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: scale must be a real number, got {scale!r}.")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"{owner}: scale must be positive and finite, got {scale!r}.")


def sample_variance_scaled(
    key: jax.Array, shape: Shape, dtype: np.dtype, variance: float, distribution: str
) -> jax.Array:
    """Draw zero-mean values of the given variance, with JAX's arithmetic step for step.

    The operations and their order match ``jax.nn.initializers.variance_scaling``,
    so the values are bit-identical for the same key, shape and dtype.
    """
    # Runtime values, not constants: XLA rewrites division by a constant as
    # multiplication by its reciprocal, which rounds differently from JAX's
    # eager division.
    variance = isolate(jnp.array(variance, dtype=dtype))
    is_real = jnp.issubdtype(dtype, jnp.floating)

    if distribution == "truncated_normal":
        if is_real:
            std = isolate(jnp.sqrt(variance)) / isolate(jnp.array(_TRUNCATED_STD, dtype))
            # JAX passes the bounds into its compiled sampler as arguments; isolating them
            # keeps XLA from constant-folding erf(bound) with a different rounding.
            lower, upper = isolate(jnp.array(-2, dtype)), isolate(jnp.array(2, dtype))
            return isolate(jax.random.truncated_normal(key, lower, upper, shape, dtype)) * std
        std = isolate(jnp.sqrt(variance)) / isolate(jnp.array(_COMPLEX_TRUNCATED_STD, dtype))
        return isolate(complex_truncated_normal(key, 2, shape, dtype)) * std

    if distribution == "normal":
        return isolate(jax.random.normal(key, shape, dtype)) * isolate(jnp.sqrt(variance))

    if is_real:
        return isolate(jax.random.uniform(key, shape, dtype, -1)) * isolate(jnp.sqrt(isolate(3 * variance)))
    return isolate(complex_uniform_disk(key, shape, dtype)) * isolate(jnp.sqrt(variance))


class _FanScaled(Initializer):
    """Validation and sampling shared by the variance-scaling family.

    Concrete classes declare the fields ``scale``, ``mode``, ``distribution``,
    ``in_axis``, ``out_axis``, ``batch_axis`` and ``layout`` in the order their
    signature needs, and provide ``_scale()``, the numerator of the variance.
    """

    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        _check_choice(owner, "mode", self.mode, MODES)
        _check_choice(owner, "distribution", self.distribution, DISTRIBUTIONS)
        for name in ("in_axis", "out_axis", "batch_axis"):
            object.__setattr__(self, name, normalize_axes(getattr(self, name), name, owner))
        in_axis, out_axis = layout_axes(self.layout, self.in_axis, self.out_axis, owner)
        object.__setattr__(self, "_axes", (in_axis, out_axis, self.batch_axis))

    def _scale(self) -> float:
        raise NotImplementedError

    def fan(self, shape: Shape) -> float:
        """Return the fan that divides the variance for ``shape``, according to ``mode``."""
        in_axis, out_axis, batch_axis = self._axes
        fan_in, fan_out = compute_fans(tuple(shape), in_axis, out_axis, batch_axis)
        return fan_for_mode(fan_in, fan_out, self.mode)

    def variance(self, shape: Shape) -> float:
        """Return the variance of the values drawn for ``shape``: ``scale / fan``."""
        return self._scale() / self.fan(shape)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        try:
            fan = self.fan(shape)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None
        return sample_variance_scaled(key, shape, dtype, self._scale() / fan, self.distribution)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class VarianceScaling(_FanScaled):
    """Draw zero-mean values with variance ``scale / fan``.

    ``fan`` is fan_in, fan_out, their mean (``fan_avg``) or their geometric
    mean (``fan_geo_avg``). ``truncated_normal`` truncates at two standard
    deviations and rescales so the variance after truncation is ``scale / fan``;
    ``uniform`` draws from ``U(-sqrt(3 var), sqrt(3 var))``. Complex dtypes
    draw from a disk or a modulus-truncated complex normal, as in JAX.

    Args:
      scale: positive numerator of the variance.
      mode: ``"fan_in"``, ``"fan_out"``, ``"fan_avg"`` or ``"fan_geo_avg"``.
      distribution: ``"truncated_normal"``, ``"normal"`` or ``"uniform"``.
      in_axis: axis or axes of input features (JAX layout default ``-2``).
      out_axis: axis or axes of output features (default ``-1``).
      batch_axis: axes of independent weight sets, in neither fan.
      layout: ``"jax"``, or ``"channels_first"`` for Equinox and PyTorch
        weights ``(out, in, *spatial)``; it replaces ``in_axis``/``out_axis``.
      dtype: default result dtype.

    Raises:
      ValueError: at construction, for an unknown mode, distribution or
        layout, or a non-positive scale. At call time, for a shape with fewer
        than 2 axes when the default axes are used.

    Example:
      >>> init = VarianceScaling(2.0, "fan_in", "normal")
      >>> init.variance((100, 100))
      0.02
    """

    scale: float = 1.0
    mode: str = "fan_in"
    distribution: str = "truncated_normal"
    in_axis: Axes = -2
    out_axis: Axes = -1
    batch_axis: Axes = ()
    layout: str = "jax"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_scale("VarianceScaling", self.scale)

    def _scale(self) -> float:
        return self.scale


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _Kaiming(_FanScaled):
    """Fields, validation and gain of the Kaiming presets; documented on :class:`KaimingNormal`."""

    scale: float | None = None
    mode: str = "fan_in"
    nonlinearity: Union[str, Callable[[Any], Any]] = "relu"
    negative_slope: float = 0.01
    distribution: str = "normal"
    in_axis: Axes = -2
    out_axis: Axes = -1
    batch_axis: Axes = ()
    layout: str = "jax"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        defaults = self.nonlinearity == "relu" and self.negative_slope == 0.01
        if self.scale is not None:
            _check_scale(owner, self.scale)
            if not defaults:
                raise ValueError(
                    f"{owner}: scale={self.scale!r} replaces the gain, so nonlinearity="
                    f"{self.nonlinearity!r} and negative_slope={self.negative_slope!r} would be ignored; "
                    "pass either scale or the nonlinearity."
                )
        if not math.isfinite(self.negative_slope):
            raise ValueError(f"{owner}: negative_slope must be finite, got {self.negative_slope!r}.")
        try:
            param = self.negative_slope if self.nonlinearity == "leaky_relu" else None
            gain = calculate_gain(self.nonlinearity, param)
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None
        object.__setattr__(self, "_gain", gain)

    @property
    def gain(self) -> float:
        """The gain of the nonlinearity; ``sqrt(scale)`` when ``scale`` is given."""
        return math.sqrt(self.scale) if self.scale is not None else self._gain

    def _scale(self) -> float:
        return self.scale if self.scale is not None else self._gain**2


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class KaimingNormal(_Kaiming):
    """Kaiming (He) normal: ``N(0, gain**2 / fan)`` with the gain of ``nonlinearity``.

    With ReLU, ``gain**2 = 2``, so a 100x100 kernel has std ``sqrt(2/100) = 0.1414``.
    The draw is a plain normal, as in PyTorch; ``distribution="truncated_normal"``
    gives JAX's ``he_normal`` instead.

    Args:
      scale: None to use ``calculate_gain(nonlinearity, negative_slope)**2``;
        a number replaces it, and then ``nonlinearity`` and
        ``negative_slope`` must keep their defaults.
      mode: ``"fan_in"`` (default, preserves forward variance), ``"fan_out"``
        (preserves backward variance), ``"fan_avg"`` or ``"fan_geo_avg"``.
      nonlinearity: an activation name of :func:`~braininit.calculate_gain`
        or an elementwise callable, whose gain is then computed numerically.
      negative_slope: the slope of ``leaky_relu``; used only with it.
      distribution: overrides the preset's distribution.
      in_axis, out_axis, batch_axis, layout: as in :class:`VarianceScaling`.
      dtype: default result dtype.

    Raises:
      ValueError: at construction for an unknown nonlinearity, mode,
        distribution or layout, a non-finite negative slope, or ``scale``
        given together with a non-default nonlinearity.

    Example:
      >>> import jax
      >>> w = KaimingNormal()(jax.random.key(0), (100, 100))
      >>> round(float(KaimingNormal().variance((100, 100))) ** 0.5, 4)
      0.1414
    """

    distribution: str = "normal"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class KaimingUniform(_Kaiming):
    """Kaiming (He) uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``; arguments as :class:`KaimingNormal`.

    Example:
      >>> import jax
      >>> w = KaimingUniform()(jax.random.key(0), (100, 100))
      >>> bool(abs(w).max() <= (6 / 100) ** 0.5)
      True
    """

    distribution: str = "uniform"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _Preset(_FanScaled):
    """Fields of the Xavier and LeCun presets; the subclasses set the default mode and distribution."""

    scale: float = 1.0
    mode: str = "fan_in"
    distribution: str = "normal"
    in_axis: Axes = -2
    out_axis: Axes = -1
    batch_axis: Axes = ()
    layout: str = "jax"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_scale(type(self).__name__, self.scale)

    def _scale(self) -> float:
        return self.scale


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class XavierNormal(_Preset):
    """Xavier (Glorot) normal: ``N(0, scale / fan_avg)``, with ``fan_avg = (fan_in + fan_out) / 2``.

    PyTorch's ``gain`` corresponds to ``scale = gain**2``. Other arguments as
    in :class:`VarianceScaling`.

    Example:
      >>> XavierNormal().variance((100, 50))
      0.013333333333333334
    """

    mode: str = "fan_avg"
    distribution: str = "normal"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class XavierUniform(_Preset):
    """Xavier (Glorot) uniform: ``U(-b, b)`` with ``b = sqrt(3 scale / fan_avg)``; see :class:`XavierNormal`.

    Example:
      >>> XavierUniform().variance((100, 50))
      0.013333333333333334
    """

    mode: str = "fan_avg"
    distribution: str = "uniform"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LecunNormal(_Preset):
    """LeCun normal: ``N(0, scale / fan_in)``, the initialization SELU networks assume.

    Example:
      >>> LecunNormal().variance((100, 50))
      0.01
    """

    distribution: str = "normal"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LecunUniform(_Preset):
    """LeCun uniform: ``U(-b, b)`` with ``b = sqrt(3 scale / fan_in)``; see :class:`LecunNormal`.

    Example:
      >>> LecunUniform().variance((100, 50))
      0.01
    """

    distribution: str = "uniform"
