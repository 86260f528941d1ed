"""Use braininit initializers in Haiku, whose initializers are called as ``init(shape, dtype)``.

Haiku draws the key of an initializer from the transform's random stream, so
:func:`to_haiku` wraps a braininit initializer to take ``hk.next_rng_key()``::

    import haiku as hk, braininit as bi
    from braininit.frameworks.haiku import to_haiku

    def forward(x):
        return hk.Linear(128, w_init=to_haiku(bi.KaimingNormal()))(x)

    params = hk.transform(forward).init(jax.random.key(0), x)

Haiku stores kernels in JAX's layout: Linear ``(in, out)`` and Conv
``(*spatial, in, out)``, braininit's default. haiku is imported only when a
wrapped initializer is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax

from braininit.frameworks._arrays import check_adapter_input, to_mantissa

__all__ = ["HaikuInitializer", "to_haiku"]


@dataclasses.dataclass(frozen=True)
class HaikuInitializer:
    """A Haiku initializer ``init(shape, dtype)`` that calls a braininit one with ``hk.next_rng_key()``.

    Attributes:
      initializer: any ``init(key, shape, dtype)`` callable.
      unit: the brainunit unit to express Quantity values in, or None.
    """

    initializer: Callable[..., Any]
    unit: Any = None

    def __call__(self, shape: Sequence[int], dtype: Any) -> jax.Array:
        """Draw an array of ``shape`` and ``dtype`` with the next key of the Haiku transform.

        Raises:
          ValueError: from Haiku, if no random key was given to the transform.
        """
        import haiku as hk

        values = self.initializer(hk.next_rng_key(), tuple(shape), dtype)
        return to_mantissa(values, self.unit, "to_haiku")


def to_haiku(initializer: Callable[..., Any], *, unit: Any = None) -> HaikuInitializer:
    """Wrap ``initializer`` as a Haiku initializer ``init(shape, dtype)``.

    Args:
      initializer: a braininit initializer or any ``init(key, shape, dtype)``
        callable.
      unit: the brainunit unit to express Quantity values in; required when
        the initializer's parameters carry a unit, since Haiku parameters are
        plain arrays.

    Returns:
      A :class:`HaikuInitializer` for ``w_init=``, ``b_init=`` or
      ``hk.get_parameter(..., init=)``.

    Raises:
      TypeError: if ``initializer`` is not callable, ``unit`` is not a Unit,
        or the initializer's parameters carry a unit and ``unit`` is None.
      ValueError: if the initializer has ``layout="channels_first"``.

    Example:
      >>> import braininit as bi
      >>> to_haiku(bi.KaimingNormal()).initializer == bi.KaimingNormal()
      True
    """
    unit = check_adapter_input(initializer, unit, "Haiku", "to_haiku")
    return HaikuInitializer(initializer, unit)
