"""Fixed-value initializers: Zeros, Ones and Constant."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape

__all__ = ["Zeros", "Ones", "Constant"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Zeros(Initializer):
    """Fill the array with zeros; the key is checked but unused.

    Example:
      >>> import jax
      >>> Zeros()(jax.random.key(0), (2, 3)).sum()
      Array(0., dtype=float32)
    """

    draws_random = False
    supports_complex = True

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        del key
        return jnp.zeros(shape, dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Ones(Initializer):
    """Fill the array with ones; the key is checked but unused.

    Example:
      >>> import jax
      >>> Ones()(jax.random.key(0), (2, 3)).sum()
      Array(6., dtype=float32)
    """

    draws_random = False
    supports_complex = True

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        del key
        return jnp.ones(shape, dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Constant(Initializer):
    """Fill the array with ``value``, broadcast to the requested shape.

    Args:
      value: a scalar, an array broadcastable to the shape, or a brainunit
        Quantity (the result is then a Quantity in its unit).

    Raises:
      ValueError: at call time, if ``value`` does not broadcast to the shape.

    Example:
      >>> import jax, brainunit as u
      >>> Constant(-65.0 * u.mV)(jax.random.key(0), (3,))
      Quantity([-65. -65. -65.], "mV")
    """

    value: Any = 0.0

    draws_random = False
    supports_complex = True
    unit_fields = ("value",)

    def __post_init__(self) -> None:
        value = self.value
        if isinstance(value, (list, tuple)) or isinstance(value, jax.Array):
            object.__setattr__(self, "value", np.asarray(value))
        super().__post_init__()

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        del key
        value = np.asarray(self._mantissas["value"])
        try:
            broadcast = np.broadcast_shapes(value.shape, shape)
        except ValueError:
            broadcast = None
        if broadcast != shape:
            raise ValueError(
                f"Constant: value of shape {value.shape} does not broadcast to the requested shape {shape}."
            )
        return jnp.broadcast_to(jnp.asarray(value, dtype), shape)
