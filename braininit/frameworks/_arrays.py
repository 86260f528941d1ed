"""Checks shared by the adapters whose parameters are plain arrays: Flax, Haiku and Equinox."""

from __future__ import annotations

from typing import Any

from braininit.units import check_unit, is_quantity

__all__ = ["check_adapter_input", "check_jax_layout", "to_mantissa"]


def check_adapter_input(initializer: Any, unit: Any, framework: str, owner: str) -> Any:
    """Check an initializer and unit handed to a plain-array adapter, and return the unit.

    Raises:
      TypeError: if ``initializer`` is not callable, ``unit`` is not a Unit,
        or the initializer's parameters carry a unit and ``unit`` is None.
      ValueError: if the initializer has ``layout="channels_first"``.
    """
    if not callable(initializer):
        raise TypeError(f"{owner}: initializer must be callable, got {initializer!r}.")
    check_jax_layout(initializer, framework)
    unit = check_unit(unit, owner)

    param_unit = getattr(initializer, "param_unit", None)
    if param_unit is not None and unit is None:
        raise TypeError(
            f"{owner}: {initializer!r} returns values in {param_unit}, but {framework} parameters are plain "
            f"arrays; pass unit= (e.g. unit={param_unit}) to store the numbers in that unit."
        )
    return unit


def check_jax_layout(initializer: Any, framework: str) -> None:
    """Raise if ``initializer`` was built for channels-first weights.

    Flax and Haiku store dense kernels as ``(in, out)`` and convolution kernels
    as ``(*spatial, in, out)``, so a ``layout="channels_first"`` initializer
    would compute its fans from the wrong axes.
    """
    layout = getattr(initializer, "layout", "jax")
    if layout != "jax":
        raise ValueError(
            f"{framework} stores kernels in JAX's layout, (in, out) and (*spatial, in, out), but "
            f"{initializer!r} has layout={layout!r}; build it with layout='jax' (the default)."
        )


def to_mantissa(values: Any, unit: Any, owner: str) -> Any:
    """Return ``values`` as a plain array, expressed in ``unit`` when they are a Quantity.

    Args:
      values: an initializer's result.
      unit: the brainunit unit to express a Quantity in, or None.
      owner: the adapter's name, used in messages.

    Returns:
      ``values`` unchanged when they are an array, else the numbers of the
      Quantity in ``unit``.

    Raises:
      TypeError: if ``values`` is a Quantity and ``unit`` is None, because
        dropping the unit silently would leave numbers in an unknown unit.
      brainunit.UnitMismatchError: if ``unit`` does not match the Quantity's.
    """
    if not is_quantity(values):
        return values
    if unit is None:
        raise TypeError(
            f"{owner}: the initializer returned values in {values.unit}, but the parameters are plain "
            "arrays; pass unit= to store the numbers in a unit you choose."
        )
    return values.to_decimal(unit)
