"""Physical units on initializer parameters and results, through brainunit.

Unit rule: the first parameter given as a Quantity sets the unit of an
initializer. Every other Quantity parameter is converted to that unit (so
``mean=-0.065 * u.volt, std=5 * u.mV`` works), and a plain number next to a
Quantity is read in that unit (``Normal(-65 * u.mV, 5)`` has std 5 mV).
Parameters of incompatible dimensions raise ``brainunit.UnitMismatchError``,
which names both units.

brainunit is imported only once a unit is in play: it imports matplotlib
when that is installed, and a value cannot be a Quantity before the caller
has imported brainunit (or saiunit, its implementation) itself.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["brainunit", "split_unit", "attach_unit", "is_quantity", "is_unit", "check_unit"]

_UNIT_MODULES = ("saiunit", "brainunit")


def brainunit() -> Any:
    """Import and return the brainunit module."""
    import brainunit as module

    return module


def _loaded_types(name: str) -> tuple[type, ...]:
    return tuple(getattr(sys.modules[module], name) for module in _UNIT_MODULES if module in sys.modules)


def is_quantity(value: Any) -> bool:
    """Return whether ``value`` is a brainunit Quantity, without importing brainunit."""
    return isinstance(value, _loaded_types("Quantity"))


def is_unit(value: Any) -> bool:
    """Return whether ``value`` is a brainunit Unit, without importing brainunit."""
    return isinstance(value, _loaded_types("Unit"))


def check_unit(unit: Any, owner: str) -> Any:
    """Check that ``unit`` is None or a brainunit Unit and return it.

    Raises:
      TypeError: if ``unit`` is a Quantity or anything else that is not a Unit.
    """
    if unit is None or is_unit(unit):
        return unit
    if is_quantity(unit):
        raise TypeError(
            f"{owner}: unit must be a brainunit Unit such as u.mV, got the Quantity {unit!r}; "
            "pass its unit (quantity.unit) instead."
        )
    raise TypeError(f"{owner}: unit must be a brainunit Unit such as u.mV, got {unit!r}.")


def _to_mantissa(value: Any, unit: Any) -> Any:
    """Express ``value`` in ``unit``, reading a plain number as already in ``unit``."""
    if is_quantity(value):
        return np.asarray(value.to(unit).mantissa) if np.ndim(value.mantissa) else float(value.to_decimal(unit))
    return value


def split_unit(params: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """Split unit-bearing parameters into mantissas in one common unit.

    Args:
      params: parameter name to value; values may be numbers, arrays or Quantities.
        None values are passed through.

    Returns:
      ``(mantissas, unit)``: the values as numbers in ``unit``, and the unit of the
      first Quantity, or None when no parameter has a unit.

    Raises:
      brainunit.UnitMismatchError: if two Quantities have incompatible dimensions.
    """
    unit = None
    for value in params.values():
        if is_quantity(value):
            unit = value.unit
            break

    if unit is None:
        return dict(params), None

    mantissas = {}
    for name, value in params.items():
        mantissas[name] = None if value is None else _to_mantissa(value, unit)
    return mantissas, unit


def attach_unit(values: Any, param_unit: Any, unit: Any) -> Any:
    """Return ``values`` as a Quantity when a unit applies, else unchanged.

    Args:
      values: the unitless result, expressed in ``param_unit`` when that is set.
      param_unit: the unit of the initializer's parameters, or None.
      unit: the unit the caller requested, or None.

    Returns:
      ``values`` itself when neither unit is set. When both are set, a
      Quantity in ``param_unit`` converted to ``unit``. Otherwise a Quantity
      in the unit that is set.

    Raises:
      brainunit.UnitMismatchError: if ``unit`` and ``param_unit`` are incompatible.
    """
    if param_unit is None and unit is None:
        return values
    quantity_type = brainunit().Quantity
    if param_unit is None:
        return quantity_type(values, unit=unit)

    quantity = quantity_type(values, unit=param_unit)
    if unit is None or unit == param_unit:
        return quantity
    return quantity.to(unit)
