"""Initializers built from other initializers: units, arithmetic, clipping, pipes and mixtures.

Composites keep the call contract ``init(key, shape, dtype=None, *, unit=None)``,
hash and compare by value, and round-trip through ``to_config`` /
``from_config`` when their parts do. Where two parts draw random numbers, the
key is split so that they draw independently: ``a + a`` is the sum of two
independent draws. A composite with one random part passes the key on
unchanged, so ``(init * 2)(key, shape)`` equals ``init(key, shape) * 2``.

Units follow the rule of :mod:`braininit.units`. The first operand with a
unit sets the unit of the result, and other Quantities are converted to it. A
plain number added to, subtracted from or clipping a unit-bearing initializer
is read in that unit. Multiplication and division combine units. Mismatched
units raise ``brainunit.UnitMismatchError`` naming both units when the
composite is built.

Operators are available on every initializer::

    Normal(0.5 * u.nS, 0.1 * u.nS) * 2 + 0.1 * u.nS    # Arithmetic
    Normal(0.5 * u.nS, 0.1 * u.nS).clip(0 * u.nS)       # Clip
    Normal(0.0, 1.0) | jnp.tanh                         # Pipe

Put the initializer on the left of a Quantity: ``0.1 * u.nS + init`` raises
inside brainunit, because ``Quantity.__add__`` does not defer to the
initializer. Plain numbers and NumPy arrays work on either side.
"""

from __future__ import annotations

import dataclasses
import numbers
import operator as operators
from collections.abc import Sequence
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape
from braininit.units import brainunit, is_quantity, is_unit

__all__ = [
    "WithUnit", "with_unit", "Arithmetic", "Clip", "Pipe", "Mixture",
    "combine", "conversion_factor", "draw_values", "output_unit",
]

_OPERATORS = {"add": operators.add, "sub": operators.sub, "mul": operators.mul, "truediv": operators.truediv}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/"}


def _is_initializer(value: Any) -> bool:
    return callable(value) and not is_unit(value) and not is_quantity(value)


def _is_constant(value: Any) -> bool:
    return (
        is_quantity(value)
        or is_unit(value)
        or isinstance(value, (numbers.Number, np.generic, np.ndarray, jax.Array))
    )


def _freeze_constant(value: Any) -> Any:
    """Store an array operand as a read-only NumPy array, so the composite stays immutable and hashable."""
    if isinstance(value, (jax.Array, np.ndarray)):
        array = np.array(value)
        array.setflags(write=False)
        return array
    return value


def output_unit(initializer: Any) -> Any:
    """Return the unit of an initializer's result: its ``param_unit``, or None for plain JAX initializers."""
    if isinstance(initializer, Initializer):
        return initializer.param_unit
    return None


def _constant_unit(value: Any) -> Any:
    if is_unit(value):
        return value
    if is_quantity(value):
        return value.unit
    return None


def _constant_mantissa(value: Any) -> Any:
    if is_unit(value):
        return 1.0
    if is_quantity(value):
        return np.asarray(value.mantissa) if np.ndim(value.mantissa) else float(value.mantissa)
    return value


def _describe_unit(unit: Any) -> str:
    return "no unit" if unit is None else str(unit)


def conversion_factor(from_unit: Any, to_unit: Any, context: str) -> float:
    """Return the factor that converts a mantissa in ``from_unit`` to ``to_unit``; None means dimensionless.

    Raises:
      brainunit.UnitMismatchError: if the units have different dimensions; the
        message starts with ``context`` and names both units.
    """
    if from_unit is None and to_unit is None:
        return 1.0
    if from_unit == to_unit:
        return 1.0

    u = brainunit()
    source = u.Quantity(1.0, unit=u.UNITLESS if from_unit is None else from_unit)
    try:
        return float(source.to_decimal(u.UNITLESS if to_unit is None else to_unit))
    except u.UnitMismatchError:
        raise u.UnitMismatchError(
            f"{context}: the dimensions differ",
            from_unit if from_unit is not None else u.UNITLESS,
            to_unit if to_unit is not None else u.UNITLESS,
        ) from None


def _product_unit(name: str, left_unit: Any, right_unit: Any) -> tuple[Any, float]:
    """Return the unit of a product or quotient and the factor its mantissa needs."""
    if left_unit is None and right_unit is None:
        return None, 1.0

    left = 1.0 if left_unit is None else 1.0 * left_unit
    right = 1.0 if right_unit is None else 1.0 * right_unit
    probe = _OPERATORS[name](left, right)
    if is_quantity(probe):
        if probe.unit.is_unitless:
            return None, float(probe.to_decimal())
        return probe.unit, float(probe.mantissa)
    return None, float(probe)


def draw_values(initializer: Any, key: jax.Array, shape: Shape, dtype: np.dtype, unit: Any, owner: str) -> jax.Array:
    """Call ``initializer`` and return its values as a plain array in ``unit``.

    Raises:
      TypeError: if the result carries a unit that the composite did not expect,
        which happens with plain callables that return Quantities.
    """
    values = initializer(key, shape, dtype)
    if is_quantity(values):
        if unit is None and not values.unit.is_unitless:
            raise TypeError(
                f"{owner}: {initializer!r} returned a Quantity in {values.unit}, but its unit was not known "
                f"when {owner} was built; wrap it as with_unit(initializer, unit) so the unit is checked."
            )
        return values.to_decimal(brainunit().UNITLESS if unit is None else unit)
    if unit is not None:
        raise TypeError(f"{owner}: {initializer!r} returned a plain array where a Quantity in {unit} was expected.")
    return values


def _check_callable(owner: str, name: str, value: Any) -> None:
    if not _is_initializer(value):
        raise TypeError(
            f"{owner}: {name} must be an initializer called as init(key, shape, dtype), got {value!r}."
        )


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class WithUnit(Initializer):
    """Wrap any initializer so that it returns Quantities in ``unit``.

    The wrapped initializer may be a braininit one or any callable
    ``init(key, shape, dtype)`` such as ``jax.nn.initializers.he_normal()`` or a
    Flax initializer. A wrapped result that is already a Quantity is converted
    to ``unit``; a plain array becomes the mantissa.

    Args:
      initializer: the initializer to wrap.
      unit: a brainunit unit.

    Raises:
      TypeError: if ``initializer`` is not callable or ``unit`` is not a Unit.
      brainunit.UnitMismatchError: at call time, if the wrapped result has a
        unit incompatible with ``unit``.
    """

    initializer: Callable[..., Any] = None
    unit: Any = None

    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.initializer):
            raise TypeError(f"WithUnit: initializer must be callable, got {self.initializer!r}.")
        if not is_unit(self.unit):
            raise TypeError(f"WithUnit: unit must be a brainunit Unit such as u.nS, got {self.unit!r}.")
        object.__setattr__(self, "_param_unit", self.unit)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> Any:
        values = self.initializer(key, shape, dtype)
        if is_quantity(values):
            return values.to_decimal(self.unit)
        return values


def with_unit(initializer: Callable[..., Any], unit: Any) -> WithUnit:
    """Return ``initializer`` wrapped to produce Quantities in ``unit``; see :class:`WithUnit`.

    Example:
      >>> import jax, brainunit as u
      >>> init = with_unit(jax.nn.initializers.he_normal(), u.nS)
      >>> str(init(jax.random.key(0), (4, 4)).unit)
      'nS'
    """
    return WithUnit(initializer, unit)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Arithmetic(Initializer):
    """Combine an initializer with a constant or a second initializer by ``+``, ``-``, ``*`` or ``/``.

    Built by the operators on initializers: ``init * 2 + 0.1 * u.nS`` is
    ``Arithmetic("add", Arithmetic("mul", init, 2), 0.1 * u.nS)``. Constants
    broadcast against the requested shape. Two initializer operands draw with
    independent keys split from the call's key.

    Args:
      operator: one of ``"add"``, ``"sub"``, ``"mul"``, ``"truediv"``.
      left: an initializer, or a constant (number, array, Quantity or Unit).
      right: same forms as ``left``; at least one operand is an initializer.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      ValueError: for an unknown operator.
      TypeError: if an operand is neither an initializer nor a constant, or
        neither operand is an initializer.
      brainunit.UnitMismatchError: if ``+`` or ``-`` combines incompatible units.

    Example:
      >>> import jax, brainunit as u
      >>> from braininit import Normal
      >>> g = (Normal(0.5 * u.nS, 0.1 * u.nS) * 2 + 0.1 * u.nS)(jax.random.key(0), (1000,))
      >>> str(g.unit), 1.0 < float(g.mantissa.mean()) < 1.2
      ('nS', True)
    """

    operator: str
    left: Any
    right: Any

    supports_complex = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "left", _freeze_constant(self.left))
        object.__setattr__(self, "right", _freeze_constant(self.right))
        super().__post_init__()

        if self.operator not in _OPERATORS:
            raise ValueError(f"Arithmetic: operator must be one of {sorted(_OPERATORS)}, got {self.operator!r}.")
        for name in ("left", "right"):
            value = getattr(self, name)
            if not (_is_initializer(value) or _is_constant(value)):
                raise TypeError(f"Arithmetic: {name} must be an initializer, a number, an array or a Quantity, got {value!r}.")
        if not (_is_initializer(self.left) or _is_initializer(self.right)):
            raise TypeError("Arithmetic: at least one operand must be an initializer; combine constants directly.")

        unit, factors = self._resolve_units()
        object.__setattr__(self, "_param_unit", unit)
        object.__setattr__(self, "_factors", factors)

    def _operand_unit(self, value: Any) -> Any:
        return output_unit(value) if _is_initializer(value) else _constant_unit(value)

    def _resolve_units(self) -> tuple[Any, tuple[float, float, float]]:
        """Return the result unit and the factors applied to the left mantissa, right mantissa and result."""
        left_unit = self._operand_unit(self.left)
        right_unit = self._operand_unit(self.right)
        if self.operator in ("mul", "truediv"):
            unit, scale = _product_unit(self.operator, left_unit, right_unit)
            return unit, (1.0, 1.0, scale)

        # A plain number added to a unit-bearing operand is read in that operand's unit.
        plain_left = not _is_initializer(self.left) and left_unit is None
        plain_right = not _is_initializer(self.right) and right_unit is None
        unit = right_unit if plain_left else left_unit
        context = f"Arithmetic: cannot compute {self.left!r} {_SYMBOLS[self.operator]} {self.right!r}"
        left_factor = 1.0 if plain_left else conversion_factor(left_unit, unit, context)
        right_factor = 1.0 if plain_right else conversion_factor(right_unit, unit, context)
        return unit, (left_factor, right_factor, 1.0)

    def _operand_values(self, value: Any, key: jax.Array, shape: Shape, dtype: np.dtype, factor: float) -> Any:
        if _is_initializer(value):
            values = draw_values(value, key, shape, dtype, self._operand_unit(value), "Arithmetic")
        else:
            values = jnp.asarray(_constant_mantissa(value), dtype)
        return values if factor == 1.0 else values * jnp.asarray(factor, dtype)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        left_key = right_key = key
        if _is_initializer(self.left) and _is_initializer(self.right):
            left_key, right_key = jax.random.split(key)

        left_factor, right_factor, result_factor = self._factors
        left = self._operand_values(self.left, left_key, shape, dtype, left_factor)
        right = self._operand_values(self.right, right_key, shape, dtype, right_factor)

        values = _OPERATORS[self.operator](left, right)
        if result_factor != 1.0:
            values = values * jnp.asarray(result_factor, dtype)
        return jnp.broadcast_to(values, shape).astype(dtype)


def combine(operator: str, left: Any, right: Any) -> Any:
    """Build ``Arithmetic(operator, left, right)``, or return NotImplemented for an unsupported operand.

    The operators of :class:`~braininit.Initializer` call this, so that Python
    can try the other operand's reflected operator.
    """
    for value in (left, right):
        if not (_is_initializer(value) or _is_constant(value)):
            return NotImplemented
    return Arithmetic(operator, left, right)


def _bound_mantissa(bound: Any, unit: Any, name: str) -> Any:
    """Express a clip bound in ``unit``; a plain number is read in ``unit``."""
    if bound is None or not (is_quantity(bound) or is_unit(bound)):
        return _freeze_constant(bound)
    factor = conversion_factor(_constant_unit(bound), unit, f"Clip: {name}={bound!r} cannot bound values in {_describe_unit(unit)}")
    return _freeze_constant(np.asarray(_constant_mantissa(bound)) * factor)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Clip(Initializer):
    """Clip the values of an initializer to ``[low, high]``.

    Built by ``init.clip(low, high)``. Values below ``low`` become ``low`` and
    values above ``high`` become ``high``, so the result has point masses at the
    bounds; use :class:`~braininit.TruncatedNormal` to redraw instead.

    Args:
      initializer: the initializer whose values are clipped.
      low: lower bound, or None for no lower bound; a number (read in the
        initializer's unit), an array or a Quantity of the same dimension.
      high: upper bound, or None; same forms as ``low``.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if ``initializer`` is not callable.
      ValueError: if both bounds are None, or ``low > high``.
      brainunit.UnitMismatchError: if a bound's unit is incompatible with the
        initializer's unit, such as a conductance clipped at ``0 * u.mV``.

    Example:
      >>> import jax, brainunit as u
      >>> from braininit import Normal
      >>> g = Normal(0.5 * u.nS, 1.0 * u.nS).clip(0 * u.nS)(jax.random.key(0), (1000,))
      >>> bool((g.mantissa >= 0).all())
      True
    """

    initializer: Any
    low: Any = None
    high: Any = None

    supports_complex = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_callable("Clip", "initializer", self.initializer)
        if self.low is None and self.high is None:
            raise ValueError("Clip: give at least one of low and high.")

        unit = output_unit(self.initializer)
        low = _bound_mantissa(self.low, unit, "low")
        high = _bound_mantissa(self.high, unit, "high")
        if low is not None and high is not None and np.any(np.asarray(low) > np.asarray(high)):
            raise ValueError(f"Clip: low must not exceed high, got low={self.low!r}, high={self.high!r}.")

        object.__setattr__(self, "_param_unit", unit)
        object.__setattr__(self, "_bounds", (low, high))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        values = draw_values(self.initializer, key, shape, dtype, self._param_unit, "Clip")
        low, high = self._bounds
        low = None if low is None else jnp.asarray(low, dtype)
        high = None if high is None else jnp.asarray(high, dtype)
        return jnp.clip(values, low, high)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Pipe(Initializer):
    """Apply a function to the values of an initializer.

    Built by ``init | function``. The function receives the initializer's
    result as it is, a Quantity when it has a unit. It must return an array
    of the same shape and the same dimension. For Quantities use
    ``brainunit.math`` functions (``u.math.abs``), because ``jax.numpy``
    functions reject them. To change the unit, multiply or divide by a
    Quantity instead.

    Args:
      initializer: the initializer whose values are transformed.
      function: a function of one array; a module-level function keeps the
        composite serializable, a lambda does not.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if either argument is not callable, or ``function`` is an
        initializer; at call time, if the function drops the unit.
      ValueError: at call time, if the function changes the shape.
      brainunit.UnitMismatchError: at call time, if the function changes the
        dimension of the values.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from braininit import Normal
      >>> w = (Normal(0.0, 1.0) | jnp.abs)(jax.random.key(0), (100,))
      >>> bool((w >= 0).all())
      True
    """

    initializer: Any
    function: Callable[[Any], Any]

    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_callable("Pipe", "initializer", self.initializer)
        if not callable(self.function) or isinstance(self.function, Initializer):
            raise TypeError(
                f"Pipe: function must be a function of one array, got {self.function!r}; "
                "combine two initializers with arithmetic operators or Mixture instead."
            )
        object.__setattr__(self, "_param_unit", output_unit(self.initializer))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        values = self.function(self.initializer(key, shape, dtype))
        unit = self._param_unit

        if is_quantity(values):
            context = f"Pipe: {self.function!r} changed the unit of the values"
            factor = conversion_factor(values.unit, unit, context)
            values = values.mantissa if factor == 1.0 else values.mantissa * factor
        elif unit is not None:
            raise TypeError(
                f"Pipe: {self.function!r} returned a plain array for values in {unit}; "
                "return a Quantity, for example with brainunit.math functions."
            )

        if tuple(jnp.shape(values)) != shape:
            raise ValueError(f"Pipe: {self.function!r} returned shape {tuple(jnp.shape(values))}, expected {shape}.")
        return jnp.asarray(values).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Mixture(Initializer):
    """Draw each entry from one of several initializers, chosen at random with the given weights.

    Every entry independently picks component ``i`` with probability
    ``weights[i] / sum(weights)`` and takes that component's value. The
    components draw with independent keys split from the call's key, and
    each draws the full shape, so the cost grows with the number of components.

    Args:
      components: a non-empty sequence of initializers with compatible units;
        the first one's unit is the result's unit.
      weights: non-negative relative weights, one per component, not all zero;
        None means equal weights.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if a component is not callable.
      ValueError: if there are no components, or the weights are malformed.
      brainunit.UnitMismatchError: if two components have incompatible units.

    Example:
      >>> import jax, brainunit as u
      >>> from braininit import Constant, LogNormal
      >>> init = Mixture([Constant(0.0 * u.nS), LogNormal(1.0 * u.nS, 0.5 * u.nS)], [0.9, 0.1])
      >>> g = init(jax.random.key(0), (10000,))
      >>> 0.85 < float((g.mantissa == 0).mean()) < 0.95
      True
    """

    components: Sequence[Any]
    weights: Sequence[float] | None = None

    supports_complex = True

    def __post_init__(self) -> None:
        components = tuple(self.components) if isinstance(self.components, Sequence) else None
        if not components:
            raise ValueError(f"Mixture: components must be a non-empty sequence of initializers, got {self.components!r}.")
        object.__setattr__(self, "components", components)
        if self.weights is not None:
            object.__setattr__(self, "weights", tuple(float(weight) for weight in self.weights))
        super().__post_init__()

        for index, component in enumerate(components):
            _check_callable("Mixture", f"components[{index}]", component)
        object.__setattr__(self, "_probabilities", self._normalized_weights())

        unit = output_unit(components[0])
        factors = tuple(
            conversion_factor(output_unit(component), unit, f"Mixture: components[{index}] has a unit incompatible with components[0]")
            for index, component in enumerate(components)
        )
        object.__setattr__(self, "_param_unit", unit)
        object.__setattr__(self, "_factors", factors)

    def _normalized_weights(self) -> np.ndarray:
        count = len(self.components)
        if self.weights is None:
            return np.full(count, 1.0 / count)

        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (count,):
            raise ValueError(f"Mixture: expected {count} weights, one per component, got {self.weights!r}.")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(f"Mixture: weights must be finite, non-negative and not all zero, got {self.weights!r}.")
        return weights / weights.sum()

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        choice_key, *component_keys = jax.random.split(key, len(self.components) + 1)
        with np.errstate(divide="ignore"):
            logits = jnp.asarray(np.log(self._probabilities), jnp.float32)
        choice = jax.random.categorical(choice_key, logits, shape=shape)

        values = None
        for index, (component, component_key, factor) in enumerate(zip(self.components, component_keys, self._factors)):
            drawn = draw_values(component, component_key, shape, dtype, output_unit(component), "Mixture")
            if factor != 1.0:
                drawn = drawn * jnp.asarray(factor, dtype)
            values = drawn if values is None else jnp.where(choice == index, drawn, values)
        return jnp.asarray(values).astype(dtype)
