"""Initializers built from other initializers."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import numpy as np

from braininit.core import Initializer, Shape
from braininit.units import attach_unit, check_unit, is_quantity, is_unit

__all__ = ["WithUnit", "with_unit"]


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

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> Any:
        return self.initializer(key, shape, dtype)

    def __call__(self, key, shape, dtype=None, out_sharding=None, *, unit=None):
        unit = check_unit(unit, "WithUnit")
        values = super().__call__(key, shape, dtype, out_sharding)
        if is_quantity(values):
            values = values.to(self.unit)
            return values if unit is None else values.to(unit)
        return attach_unit(values, self.unit, unit)


def with_unit(initializer: Callable[..., Any], unit: Any) -> WithUnit:
    """Return ``initializer`` wrapped to produce Quantities in ``unit``; see :class:`WithUnit`.

    Example:
      >>> import jax, brainunit as u
      >>> init = with_unit(jax.nn.initializers.he_normal(), u.nS)
      >>> init(jax.random.key(0), (4, 4)).unit
      nS
    """
    return WithUnit(initializer, unit)
