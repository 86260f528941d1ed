"""Distances between neuron positions and distance-dependent connection probability.

Distances are computed in JAX, so they run under ``jax.jit`` together with
the rest of a network's construction. Positions are arrays of shape
``(n, d)``, plain or brainunit Quantities; the unit rule of
:mod:`braininit.units` applies: a plain number next to a Quantity is read in
that Quantity's unit.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit import serialization
from braininit.composition import conversion_factor
from braininit.connectivity import FixedProbability, SparseConnections
from braininit.units import attach_unit, is_quantity

__all__ = ["pairwise_distances", "paired_distances", "DistanceDependent"]

_PROFILES = ("gaussian", "exponential")


def _unit_of(*values: Any) -> Any:
    for value in values:
        if is_quantity(value):
            return value.unit
    return None


def _mantissa(value: Any, unit: Any, context: str) -> Any:
    """Express ``value`` in ``unit`` as a plain JAX array; a plain value is read in ``unit``."""
    if value is None:
        return None
    if not is_quantity(value):
        return jnp.asarray(value)
    factor = conversion_factor(value.unit, unit, context)
    return value.mantissa if factor == 1.0 else value.mantissa * factor


def _displacement(x: jax.Array, y: jax.Array, box: jax.Array | None) -> jax.Array:
    """Return ``x - y``, wrapped to the nearest periodic image when ``box`` is given."""
    delta = x - y
    if box is None:
        return delta
    return delta - box * jnp.round(delta / box)


def paired_distances(x: Any, y: Any, box: Any = None) -> Any:
    """Return the Euclidean distance between matching rows of ``x`` and ``y``.

    ``|x - y|`` over the last axis; with a periodic ``box`` of side ``L``, each
    coordinate difference is first wrapped into ``[-L/2, L/2]``.

    Args:
      x: positions of shape ``(..., d)``; a plain array or a Quantity.
      y: positions broadcastable against ``x``, in a compatible unit.
      box: None for open boundaries, or the side lengths of a periodic box, a
        scalar or shape ``(d,)``, in a compatible unit.

    Returns:
      The distances, of the broadcast shape without the last axis, as a
      Quantity in the unit of the first Quantity argument.

    Raises:
      brainunit.UnitMismatchError: if the arguments have incompatible units.
    """
    unit = _unit_of(x, y, box)
    context = "paired_distances: positions and box must share one length unit"
    delta = _displacement(_mantissa(x, unit, context), _mantissa(y, unit, context), _mantissa(box, unit, context))
    return attach_unit(jnp.sqrt(jnp.sum(delta * delta, axis=-1)), unit, None)


def pairwise_distances(x: Any, y: Any = None, box: Any = None) -> Any:
    """Return the matrix of Euclidean distances between the rows of ``x`` and the rows of ``y``.

    Args:
      x: positions of shape ``(n, d)``; a plain array or a Quantity.
      y: positions of shape ``(m, d)``; None means ``x``.
      box: None, or the side lengths of a periodic box (see :func:`paired_distances`).

    Returns:
      Array or Quantity of shape ``(n, m)``; it takes ``n * m * d`` memory, so
      use :meth:`DistanceDependent.sparse` for large populations.

    Example:
      >>> import jax.numpy as jnp, brainunit as u
      >>> x = jnp.array([[0.0], [900.0]]) * u.um
      >>> d = pairwise_distances(x, box=1000 * u.um)
      >>> [round(float(v), 3) for v in d.mantissa.ravel()]
      [0.0, 100.0, 100.0, 0.0]
    """
    y = x if y is None else y
    return paired_distances(x[:, None, :], y[None, :, :], box)


@dataclasses.dataclass(frozen=True, eq=False)
class DistanceDependent:
    """Connect neurons with a probability that falls with their distance.

    ``p(d) = p_max * exp(-d**2 / (2 * scale**2))`` for the Gaussian profile and
    ``p(d) = p_max * exp(-d / scale)`` for the exponential one; each pair
    connects independently. The sparse form thins a fixed-probability draw:
    it takes candidates with probability ``p_max`` (see
    :class:`~braininit.FixedProbability`) and keeps each with probability
    ``p(d) / p_max``, which gives exactly ``p(d)`` per pair at a cost of
    ``n_post * n_pre * p_max`` distance evaluations. For one key the dense
    mask is the sparse form made dense.

    Args:
      scale: the length scale, sigma of the Gaussian or lambda of the
        exponential profile; a positive number or a length Quantity.
      profile: ``"gaussian"`` or ``"exponential"``.
      p_max: the probability at distance zero, in ``(0, 1]``.
      box: None for open boundaries, or the side lengths of a periodic box,
        scalar or shape ``(d,)``, in a unit compatible with ``scale``.
      self_connections: whether neuron ``i`` may connect to itself; False
        needs the same population as pre and post.

    Raises:
      ValueError: for an unknown profile, a non-positive scale or box, or
        ``p_max`` outside ``(0, 1]``.
      brainunit.UnitMismatchError: if ``scale`` and ``box`` have incompatible units.

    Example:
      >>> import jax, brainunit as u
      >>> from braininit import Uniform
      >>> positions = Uniform(0 * u.um, 1000 * u.um)(jax.random.key(1), (500, 2))
      >>> rule = DistanceDependent(100 * u.um, p_max=0.5, box=1000 * u.um)
      >>> mask = rule.dense(jax.random.key(0), positions, positions)
      >>> mask.shape, mask.dtype
      ((500, 500), dtype('bool'))
    """

    scale: Any
    profile: str = "gaussian"
    p_max: float = 1.0
    box: Any = None
    self_connections: bool = True

    def __post_init__(self) -> None:
        if self.profile not in _PROFILES:
            raise ValueError(f"DistanceDependent: profile must be one of {_PROFILES}, got {self.profile!r}.")
        if not (isinstance(self.p_max, (int, float, np.floating)) and 0.0 < float(self.p_max) <= 1.0):
            raise ValueError(f"DistanceDependent: p_max must be in (0, 1], got {self.p_max!r}.")

        unit = _unit_of(self.scale, self.box)
        context = "DistanceDependent: scale and box must share one length unit"
        scale = np.asarray(_mantissa(self.scale, unit, context), dtype=float)
        if scale.ndim != 0 or not (math.isfinite(float(scale)) and float(scale) > 0):
            raise ValueError(f"DistanceDependent: scale must be a positive scalar length, got {self.scale!r}.")
        box = None if self.box is None else np.asarray(_mantissa(self.box, unit, context), dtype=float)
        if box is not None and (np.any(~np.isfinite(box)) or np.any(box <= 0)):
            raise ValueError(f"DistanceDependent: box side lengths must be positive, got {self.box!r}.")

        object.__setattr__(self, "_scale", float(scale))
        object.__setattr__(self, "_box", box)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple(serialization.freeze(getattr(self, field.name)) for field in dataclasses.fields(self))

    def _length_unit(self, *positions: Any) -> Any:
        """Return the unit of ``scale``, or of the positions when ``scale`` is a plain number."""
        return _unit_of(self.scale, self.box, *positions)

    def probability(self, distance: Any) -> jax.Array:
        """Return the connection probability at ``distance``; plain numbers are read in the unit of ``scale``."""
        context = "DistanceDependent: distance must be a length compatible with scale"
        ratio = _mantissa(distance, self._length_unit(distance), context) / self._scale
        if self.profile == "gaussian":
            return self.p_max * jnp.exp(-0.5 * ratio * ratio)
        return self.p_max * jnp.exp(-ratio)

    def sparse(self, key: jax.Array, pre_positions: Any, post_positions: Any) -> SparseConnections:
        """Draw the connections between two populations as :class:`~braininit.SparseConnections`.

        Args:
          key: a PRNG key.
          pre_positions: shape ``(n_pre, d)``, plain or a length Quantity.
          post_positions: shape ``(n_post, d)``, in a compatible unit.

        Raises:
          ValueError: if the positions are not 2-D with the same ``d``, or
            ``self_connections=False`` with populations of different sizes.
          brainunit.UnitMismatchError: if the positions' unit is not a length
            compatible with ``scale``.
        """
        unit = self._length_unit(pre_positions, post_positions)
        context = "DistanceDependent: positions must be lengths in a unit compatible with scale"
        pre = _mantissa(pre_positions, unit, context)
        post = _mantissa(post_positions, unit, context)
        if pre.ndim != 2 or post.ndim != 2 or pre.shape[1] != post.shape[1]:
            raise ValueError(
                f"DistanceDependent: positions must have shapes (n_pre, d) and (n_post, d), got {pre.shape} and {post.shape}."
            )
        return _thinned(self, key, pre, post)

    def dense(self, key: jax.Array, pre_positions: Any, post_positions: Any) -> jax.Array:
        """Draw the bool mask of shape ``(n_pre, n_post)``; the arguments are those of :meth:`sparse`."""
        return self.sparse(key, pre_positions, post_positions).to_dense()


@functools.partial(jax.jit, static_argnums=0)
def _thinned(rule: DistanceDependent, key: jax.Array, pre: jax.Array, post: jax.Array) -> SparseConnections:
    """Keep each fixed-probability candidate with probability ``p(d) / p_max``."""
    candidate_key, keep_key = jax.random.split(key)
    n_pre, n_post = pre.shape[0], post.shape[0]
    candidates = FixedProbability(rule.p_max, self_connections=rule.self_connections).sparse(candidate_key, n_pre, n_post)

    box = None if rule._box is None else jnp.asarray(rule._box, pre.dtype)
    candidate_positions = jnp.take(pre, candidates.pre_indices, axis=0, mode="clip")
    distance = jnp.sqrt(jnp.sum(_displacement(candidate_positions, post[:, None, :], box) ** 2, axis=-1))

    keep = jax.random.uniform(keep_key, distance.shape) * rule.p_max < rule.probability(distance)
    valid = candidates.valid & keep
    return SparseConnections(jnp.where(valid, candidates.pre_indices, n_pre), valid, n_pre)
