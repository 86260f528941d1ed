"""Synaptic weight matrices: weights on sparse connections, Dale's law and spectral-radius scaling.

Weight matrices have the layout of :mod:`braininit.connectivity`: shape
``(n_pre, n_post)``, and row ``i`` contains the outgoing weights of
presynaptic neuron ``i``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.checks import resolve_dtype
from braininit.composition import conversion_factor, draw_values, output_unit
from braininit.connectivity import SparseConnections, check_matrix_shape
from braininit.core import Initializer, Shape
from braininit.sampling import compute_dtype
from braininit.units import attach_unit, is_quantity

__all__ = ["connection_weights", "Connected", "DaleLaw", "SpectralRadius"]

_IN_DEGREE_SCALINGS = (None, "inverse_sqrt", "inverse")


def _check_scaling(owner: str, in_degree_scaling: Any) -> None:
    if in_degree_scaling not in _IN_DEGREE_SCALINGS:
        raise ValueError(f"{owner}: in_degree_scaling must be one of {_IN_DEGREE_SCALINGS}, got {in_degree_scaling!r}.")


def _weight_values(
    key: jax.Array,
    connections: SparseConnections,
    initializer: Any,
    in_degree_scaling: str | None,
    dtype: np.dtype,
    owner: str,
) -> jax.Array:
    """Draw one weight per connection as a plain array in the initializer's unit, zero on padding."""
    shape = (connections.max_in_degree, connections.n_post)
    values = draw_values(initializer, key, shape, dtype, output_unit(initializer), owner).T

    in_degree = jnp.maximum(connections.in_degree, 1).astype(values.dtype)[:, None]
    if in_degree_scaling == "inverse_sqrt":
        values = values / jnp.sqrt(in_degree)
    elif in_degree_scaling == "inverse":
        values = values / in_degree
    return jnp.where(connections.valid, values, jnp.zeros((), values.dtype))


def connection_weights(
    key: jax.Array,
    connections: SparseConnections,
    initializer: Any,
    in_degree_scaling: str | None = None,
    dtype: Any = None,
) -> Any:
    """Draw a weight for every connection of a sparse form.

    The initializer is called with shape ``(max_in_degree, n_post)``, the
    dense layout of a layer with ``max_in_degree`` inputs, so fan-based
    initializers such as ``KaimingNormal`` see ``fan_in = max_in_degree``.
    The result is transposed to the layout of ``connections``.

    Args:
      key: a PRNG key.
      connections: the sparse form, e.g. from ``FixedProbability.sparse``.
      initializer: any initializer; its unit is kept.
      in_degree_scaling: None for no scaling. ``"inverse_sqrt"`` divides the
        weights of each postsynaptic neuron by ``sqrt(K)`` and ``"inverse"``
        by ``K``, where ``K`` is that neuron's realised in-degree.
      dtype: the result dtype; None means JAX's default float dtype.

    Returns:
      Array or Quantity of shape ``(n_post, max_in_degree)``, zero on padding.

    Raises:
      ValueError: for an unknown ``in_degree_scaling``.
    """
    _check_scaling("connection_weights", in_degree_scaling)
    dtype = resolve_dtype(dtype, "connection_weights", allow_complex=False)
    values = _weight_values(key, connections, initializer, in_degree_scaling, dtype, "connection_weights")
    return attach_unit(values, output_unit(initializer), None)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Connected(Initializer):
    """Weights on the connections of a connectivity rule, zero elsewhere.

    ``Connected(weights, rule)(key, (n_pre, n_post))`` is the dense weight
    matrix; ``.sparse(key, n_pre, n_post)`` returns the same connections and
    weights as ``(SparseConnections, values)`` without a dense matrix. For one
    key both forms hold the same numbers. The weights are drawn as in
    :func:`connection_weights`.

    Args:
      weights: the initializer of the weight values; its unit is the result's.
      connectivity: a rule with a ``sparse(key, n_pre, n_post)`` method, such
        as :class:`FixedProbability` or :class:`FixedInDegree`.
      in_degree_scaling: None, ``"inverse_sqrt"`` or ``"inverse"``; see
        :func:`connection_weights`.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if ``weights`` is not callable or ``connectivity`` has no ``sparse`` method.
      ValueError: for an unknown ``in_degree_scaling``.

    Example:
      >>> import jax, brainunit as u
      >>> from braininit import Constant, FixedInDegree
      >>> init = Connected(Constant(0.6 * u.nS), FixedInDegree(80))
      >>> w = init(jax.random.key(0), (3200, 1000))
      >>> str(w.unit), round(float(w.mantissa.sum(axis=0).max()), 3)
      ('nS', 48.0)
    """

    weights: Any
    connectivity: Any
    in_degree_scaling: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.weights):
            raise TypeError(f"Connected: weights must be an initializer, got {self.weights!r}.")
        if not callable(getattr(self.connectivity, "sparse", None)):
            raise TypeError(
                f"Connected: connectivity must have a sparse(key, n_pre, n_post) method, got {self.connectivity!r}."
            )
        _check_scaling("Connected", self.in_degree_scaling)
        object.__setattr__(self, "_param_unit", output_unit(self.weights))

    def sparse(self, key: jax.Array, n_pre: int, n_post: int, dtype: Any = None) -> tuple[SparseConnections, Any]:
        """Draw ``(connections, values)``; ``values`` has shape ``(n_post, max_in_degree)`` and the weights' unit."""
        dtype = resolve_dtype(self.dtype if dtype is None else dtype, "Connected", allow_complex=False)
        connections, values = self._draw_sparse(key, n_pre, n_post, dtype)
        return connections, attach_unit(values, self._param_unit, None)

    def _draw_sparse(self, key: jax.Array, n_pre: int, n_post: int, dtype: np.dtype) -> tuple[SparseConnections, jax.Array]:
        connectivity_key, weight_key = jax.random.split(key)
        connections = self.connectivity.sparse(connectivity_key, n_pre, n_post)
        values = _weight_values(weight_key, connections, self.weights, self.in_degree_scaling, dtype, "Connected")
        return connections, values

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        n_pre, n_post = check_matrix_shape("Connected", shape)
        connections, values = self._draw_sparse(key, n_pre, n_post, dtype)
        post = jnp.broadcast_to(jnp.arange(n_post)[:, None], values.shape)
        dense = jnp.zeros((n_pre, n_post), dtype)
        return dense.at[connections.pre_indices, post].add(values, mode="drop")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DaleLaw(Initializer):
    """An E/I weight matrix obeying Dale's law: each presynaptic neuron is excitatory or inhibitory.

    The first ``round(excitatory_fraction * n_pre)`` rows are excitatory and
    contain ``|excitatory(key_e, (n_e, n_post))|``. The other rows are
    inhibitory and contain ``-|inhibitory(key_i, (n_i, n_post))|``. With ``balance=True``
    the inhibitory weights of each column are rescaled so that the column
    sums to zero, which makes the mean input of every postsynaptic neuron
    zero when all presynaptic neurons fire at the same rate.

    The two initializers may themselves be sparse, e.g.
    ``Connected(Normal(...), FixedProbability(0.1))``; balancing then acts on
    the realised connections. A column without inhibitory input cannot be
    balanced and is left as drawn.

    Args:
      excitatory: initializer of the excitatory magnitudes; its unit is the result's.
      inhibitory: initializer of the inhibitory magnitudes, in a compatible
        unit; None means ``excitatory``.
      excitatory_fraction: the fraction of excitatory presynaptic neurons, in ``[0, 1]``.
      balance: whether to rescale the inhibitory weights to zero column sums.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if an initializer is not callable.
      ValueError: if ``excitatory_fraction`` is outside ``[0, 1]``.
      brainunit.UnitMismatchError: if the two initializers have incompatible units.

    Example:
      >>> import jax
      >>> from braininit import Uniform
      >>> w = DaleLaw(Uniform(0.0, 1.0), balance=True)(jax.random.key(0), (100, 50))
      >>> bool((w[:80] >= 0).all() and (w[80:] <= 0).all()), float(abs(w.sum(axis=0)).max()) < 1e-4
      (True, True)
    """

    excitatory: Any
    inhibitory: Any = None
    excitatory_fraction: float = 0.8
    balance: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("excitatory", "inhibitory"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"DaleLaw: {name} must be an initializer, got {value!r}.")
        if not (isinstance(self.excitatory_fraction, (int, float, np.floating)) and 0.0 <= self.excitatory_fraction <= 1.0):
            raise ValueError(f"DaleLaw: excitatory_fraction must be in [0, 1], got {self.excitatory_fraction!r}.")

        unit = output_unit(self.excitatory)
        factor = conversion_factor(
            output_unit(self._inhibitory), unit, "DaleLaw: the inhibitory unit must match the excitatory unit"
        )
        object.__setattr__(self, "_param_unit", unit)
        object.__setattr__(self, "_inhibitory_factor", factor)

    @property
    def _inhibitory(self) -> Any:
        return self.excitatory if self.inhibitory is None else self.inhibitory

    def n_excitatory(self, n_pre: int) -> int:
        """Return the number of excitatory rows among ``n_pre`` presynaptic neurons."""
        return int(round(self.excitatory_fraction * n_pre))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        n_pre, n_post = check_matrix_shape("DaleLaw", shape)
        n_e = self.n_excitatory(n_pre)
        excitatory_key, inhibitory_key = jax.random.split(key)

        excitatory = jnp.abs(draw_values(self.excitatory, excitatory_key, (n_e, n_post), dtype, self._param_unit, "DaleLaw"))
        inhibitory_unit = output_unit(self._inhibitory)
        inhibitory = jnp.abs(draw_values(self._inhibitory, inhibitory_key, (n_pre - n_e, n_post), dtype, inhibitory_unit, "DaleLaw"))
        if self._inhibitory_factor != 1.0:
            inhibitory = inhibitory * jnp.asarray(self._inhibitory_factor, dtype)

        if self.balance:
            excitatory_sum = excitatory.sum(axis=0)
            inhibitory_sum = inhibitory.sum(axis=0)
            has_inhibition = inhibitory_sum > 0
            ratio = jnp.where(has_inhibition, excitatory_sum / jnp.where(has_inhibition, inhibitory_sum, 1), 1)
            inhibitory = inhibitory * ratio.astype(dtype)
        return jnp.concatenate([excitatory, -inhibitory], axis=0).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SpectralRadius(Initializer):
    """Rescale the square matrices of an initializer to a target spectral radius.

    ``W * radius / max|eig(W)|``, as for the recurrent weights of echo-state
    networks and reservoirs. The eigenvalues come from ``jnp.linalg.eigvals``
    inside the compiled call, so it runs under ``jax.jit``; half-precision
    dtypes are computed in float32. A matrix whose eigenvalues are all zero
    (nilpotent, or all zero) cannot be rescaled and is returned unchanged.

    Args:
      initializer: initializer of the matrices; shapes are ``(..., n, n)`` and
        leading axes are a batch.
      radius: the target spectral radius, non-negative; a number (read in
        the initializer's unit) or a Quantity of the same dimension.
      dtype: default result dtype (see :class:`~braininit.Initializer`).

    Raises:
      TypeError: if ``initializer`` is not callable.
      ValueError: if ``radius`` is negative or not finite; at call time, if the
        last two dimensions differ.
      brainunit.UnitMismatchError: if ``radius`` has a unit incompatible with
        the initializer's.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from braininit import Normal
      >>> w = SpectralRadius(Normal(0.0, 1.0), 0.9)(jax.random.key(0), (200, 200))
      >>> round(float(jnp.abs(jnp.linalg.eigvals(w)).max()), 3)
      0.9
    """

    initializer: Any
    radius: Any = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.initializer):
            raise TypeError(f"SpectralRadius: initializer must be callable, got {self.initializer!r}.")

        unit = output_unit(self.initializer)
        radius = self.radius
        if is_quantity(radius):
            context = f"SpectralRadius: radius={radius!r} cannot scale values in {unit}"
            radius = float(radius.mantissa) * conversion_factor(radius.unit, unit, context)
        if not (np.ndim(radius) == 0 and np.isfinite(radius) and radius >= 0):
            raise ValueError(f"SpectralRadius: radius must be a finite non-negative scalar, got {self.radius!r}.")
        object.__setattr__(self, "_param_unit", unit)
        object.__setattr__(self, "_radius", float(radius))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError(f"SpectralRadius: expected square matrices of shape (..., n, n), got {shape}.")

        work_dtype = compute_dtype(dtype)
        values = draw_values(self.initializer, key, shape, work_dtype, self._param_unit, "SpectralRadius")
        radius = jnp.abs(jnp.linalg.eigvals(values)).max(axis=-1)
        scale = jnp.where(radius > 0, self._radius / jnp.where(radius > 0, radius, 1), 1)
        return (values * scale[..., None, None].astype(values.dtype)).astype(dtype)
