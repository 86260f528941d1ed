"""Use braininit initializers where brainstate and braintools expect ``init(size)``.

brainstate layers call their initializers as ``init(size)`` and draw the key
from brainstate's global random state; braintools' ``init.param`` does the
same and may pass ``rng=``. :func:`to_brainstate` wraps a braininit
initializer (or any ``init(key, shape, dtype)`` callable) in that form::

    import brainstate, braininit as bi
    from braininit.frameworks.brainstate import to_brainstate

    brainstate.random.seed(0)
    layer = brainstate.nn.Linear(10, 5, w_init=to_brainstate(bi.KaimingNormal()))

Every call takes one fresh key from the random state, so results follow
``brainstate.random.seed`` exactly like brainstate's own initializers. Shapes
use brainstate's layout, which is JAX's: Linear weights are ``(in, out)``
and convolution kernels ``(*spatial, in, out)``.

brainstate is imported when a wrapped initializer is called without ``key``
or ``rng``, not when this module is imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax

from braininit.core import Initializer
from braininit.frameworks._arrays import check_jax_layout
from braininit.serialization import freeze

__all__ = ["BrainstateInitializer", "to_brainstate"]


def _key_from(rng: Any) -> jax.Array:
    """Return a fresh PRNG key from a brainstate ``RandomState`` or a NumPy ``Generator``."""
    if hasattr(rng, "split_key"):
        return rng.split_key()
    if hasattr(rng, "integers"):
        # A NumPy generator cannot hand out JAX keys; seed one from it, so the
        # result still follows the generator's state.
        return jax.random.key(int(rng.integers(0, 2**32)))
    raise TypeError(
        f"rng must be a brainstate.random.RandomState or a numpy.random.Generator, got {rng!r}."
    )


def _default_key() -> jax.Array:
    import brainstate

    return brainstate.random.split_key()


@dataclasses.dataclass(frozen=True, eq=False)
class BrainstateInitializer:
    """A braininit initializer called as brainstate's: ``init(size, *, rng=None, key=None, dtype=None)``.

    Attributes:
      initializer: the wrapped initializer, a braininit one or any callable
        ``init(key, shape, dtype)`` such as ``jax.nn.initializers.he_normal()``.
      dtype: the default result dtype; None leaves it to the initializer
        (JAX's default float dtype for braininit's).
      unit: optional brainunit unit of the result, passed as ``unit=`` to a
        braininit initializer.
    """

    initializer: Any
    dtype: Any = None
    unit: Any = None

    def __post_init__(self) -> None:
        if not callable(self.initializer):
            raise TypeError(f"to_brainstate: initializer must be callable, got {self.initializer!r}.")
        if self.unit is not None and not isinstance(self.initializer, Initializer):
            raise TypeError(
                f"to_brainstate: unit= needs a braininit initializer, got {self.initializer!r}; "
                "wrap it first with braininit.with_unit(initializer, unit)."
            )
        check_jax_layout(self.initializer, "brainstate")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.initializer, freeze(self.dtype), freeze(self.unit))

    def __call__(
        self,
        size: int | Sequence[int],
        *,
        rng: Any = None,
        key: jax.Array | None = None,
        dtype: Any = None,
    ) -> Any:
        """Draw an array of shape ``size``.

        Args:
          size: an int or a sequence of ints, as brainstate passes it.
          rng: optional brainstate ``RandomState`` or NumPy ``Generator`` to
            draw the key from, as braintools' initializers accept.
          key: optional explicit PRNG key; it takes precedence over ``rng``.
          dtype: optional result dtype, overriding the wrapper's ``dtype``.

        Returns:
          The initializer's result: an array, or a Quantity when a unit applies.

        Raises:
          TypeError: if both ``key`` and ``rng`` are given, or ``rng`` has an unknown type.
        """
        if key is not None and rng is not None:
            raise TypeError("pass either key or rng, not both.")
        if key is None:
            key = _default_key() if rng is None else _key_from(rng)

        dtype = self.dtype if dtype is None else dtype
        if isinstance(self.initializer, Initializer):
            return self.initializer(key, size, dtype, unit=self.unit)
        return self.initializer(key, size, dtype)


def to_brainstate(initializer: Any, *, dtype: Any = None, unit: Any = None) -> BrainstateInitializer:
    """Wrap ``initializer`` to be called as ``init(size)`` with keys from brainstate's random state.

    Args:
      initializer: a braininit initializer or any ``init(key, shape, dtype)`` callable.
      dtype: the default result dtype; None leaves it to the initializer.
      unit: optional brainunit unit of the result (braininit initializers only).

    Returns:
      A :class:`BrainstateInitializer`, usable as ``w_init`` / ``b_init`` of
      brainstate layers and with ``braintools.init.param``.

    Example:
      >>> import brainstate, braininit as bi
      >>> brainstate.random.seed(0)
      >>> layer = brainstate.nn.Linear(10, 5, w_init=to_brainstate(bi.KaimingNormal()))
      >>> layer.weight.value["weight"].shape
      (10, 5)
    """
    return BrainstateInitializer(initializer, dtype, unit)
