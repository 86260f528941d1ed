"""Use braininit initializers in Flax Linen and Flax NNX.

braininit initializers are called as ``init(key, shape, dtype)``, the form
Flax expects, so they go straight into ``kernel_init``, ``bias_init``,
``recurrent_kernel_init`` and ``embedding_init``::

    import braininit as bi
    from flax import nnx

    layer = nnx.Linear(256, 128, kernel_init=bi.KaimingNormal(), rngs=nnx.Rngs(0))
    cell = nnx.LSTMCell(16, 32, recurrent_kernel_init=bi.Orthogonal(), rngs=nnx.Rngs(0))

Flax stores kernels in JAX's layout: Dense ``(in, out)`` and Conv
``(*spatial, in, out)``, which is braininit's default, so fans come out right
without arguments. Flax passes ``param_dtype`` as the dtype, bfloat16
included.

Flax parameters are plain arrays. :func:`to_flax` is needed only for
initializers whose values carry a unit, and checks the layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax

from braininit.frameworks._arrays import check_adapter_input, to_mantissa

__all__ = ["InUnit", "to_flax"]


@dataclasses.dataclass(frozen=True)
class InUnit:
    """An initializer that returns the numbers of another initializer's Quantities in ``unit``.

    Attributes:
      initializer: any ``init(key, shape, dtype)`` callable.
      unit: the brainunit unit to express its values in.
    """

    initializer: Callable[..., Any]
    unit: Any

    def __call__(self, key: jax.Array, shape: Any, dtype: Any = None, out_sharding: Any = None) -> jax.Array:
        """Draw from the wrapped initializer and return plain numbers in ``unit``."""
        if out_sharding is None:
            values = self.initializer(key, shape, dtype)
        else:
            values = self.initializer(key, shape, dtype, out_sharding)
        return to_mantissa(values, self.unit, "to_flax")


def to_flax(initializer: Callable[..., Any], *, unit: Any = None) -> Callable[..., Any]:
    """Return ``initializer`` in a form whose values Flax can store as parameters.

    An initializer that returns plain arrays is returned unchanged, since Flax
    calls it as it is. One whose values carry a unit, such as
    ``Normal(-65 * u.mV, 5 * u.mV)``, is wrapped to return its numbers in
    ``unit``.

    Args:
      initializer: a braininit initializer or any ``init(key, shape, dtype)``
        callable.
      unit: the brainunit unit to express Quantity values in; required when
        the initializer's parameters carry a unit.

    Returns:
      ``initializer`` itself, or an :class:`InUnit` wrapping it.

    Raises:
      TypeError: if ``initializer`` is not callable, ``unit`` is not a Unit,
        or the initializer's parameters carry a unit and ``unit`` is None.
      ValueError: if the initializer has ``layout="channels_first"``.

    Example:
      >>> import braininit as bi
      >>> to_flax(bi.KaimingNormal()) == bi.KaimingNormal()
      True
    """
    unit = check_adapter_input(initializer, unit, "Flax", "to_flax")
    if unit is None:
        return initializer
    return InUnit(initializer, unit)
