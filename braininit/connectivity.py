"""Random connectivity: fixed connection probability and fixed in-degree, dense and sparse.

Layout: a dense mask or weight matrix has shape ``(n_pre, n_post)``, the JAX
dense-layer layout, so ``rates @ W`` gives the input of each postsynaptic
neuron and row ``i`` contains the outgoing connections of presynaptic neuron ``i``.

The sparse form, :class:`SparseConnections`, stores for each postsynaptic
neuron the indices of its presynaptic partners in an array of shape
``(n_post, max_in_degree)``, so memory grows as ``n_post * max_in_degree``
and never as ``n_pre * n_post``. For the same key, a rule's dense mask is its
sparse form made dense. Every construction is a pure JAX function of the key
with static sizes, so it runs under ``jax.jit``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Shape
from braininit.distributions import _MaskInitializer

__all__ = ["SparseConnections", "FixedProbability", "FixedInDegree"]

# A row of a fixed-probability sparse form has room for max_in_degree
# connections. The bound is chosen so that all rows fit with probability
# 1 - 1e-12 (see _binomial_upper_bound).
_OVERFLOW_PROBABILITY = 1e-12


@functools.partial(jax.tree_util.register_dataclass, data_fields=["pre_indices", "valid"], meta_fields=["n_pre"])
@dataclasses.dataclass(frozen=True)
class SparseConnections:
    """Connections stored per postsynaptic neuron as index arrays; a JAX pytree.

    Row ``j`` lists the presynaptic partners of postsynaptic neuron ``j``.
    Rows are padded to a common length: padding entries have ``valid`` False
    and hold the out-of-range index ``n_pre``, which ``to_dense`` and
    ``to_bcoo`` drop.

    Attributes:
      pre_indices: int32 array of shape ``(n_post, max_in_degree)``, sorted
        within each row.
      valid: bool array of the same shape, True for a real connection.
      n_pre: the number of presynaptic neurons (static).
    """

    pre_indices: jax.Array
    valid: jax.Array
    n_pre: int

    @property
    def n_post(self) -> int:
        """The number of postsynaptic neurons."""
        return self.pre_indices.shape[0]

    @property
    def max_in_degree(self) -> int:
        """The padded row length: an upper bound of every in-degree."""
        return self.pre_indices.shape[1]

    @property
    def in_degree(self) -> jax.Array:
        """The realised number of inputs of each postsynaptic neuron, shape ``(n_post,)``."""
        return self.valid.sum(axis=1)

    @property
    def num_connections(self) -> jax.Array:
        """The total number of connections."""
        return self.valid.sum()

    def to_dense(self) -> jax.Array:
        """Return the bool mask of shape ``(n_pre, n_post)``; use only when that matrix fits in memory."""
        post = jnp.broadcast_to(jnp.arange(self.n_post)[:, None], self.pre_indices.shape)
        mask = jnp.zeros((self.n_pre, self.n_post), bool)
        return mask.at[self.pre_indices, post].set(True, mode="drop")

    def to_bcoo(self, values: Any = None) -> Any:
        """Return a ``jax.experimental.sparse.BCOO`` matrix of shape ``(n_pre, n_post)``.

        Args:
          values: plain array of shape ``(n_post, max_in_degree)`` with the value
            of each connection; None gives 1.0 (float32) on every connection.

        Raises:
          TypeError: if ``values`` is a Quantity, because BCOO stores plain
            arrays. Pass ``values.to_decimal(unit)`` and keep the unit separately.
        """
        from jax.experimental import sparse

        if hasattr(values, "mantissa"):
            raise TypeError(
                f"SparseConnections.to_bcoo: BCOO stores plain arrays, got a Quantity in {values.unit}; "
                "pass values.to_decimal(unit) and keep the unit separately."
            )
        data = jnp.ones(self.pre_indices.shape, jnp.float32) if values is None else jnp.asarray(values)
        data = jnp.where(self.valid, data, jnp.zeros((), data.dtype))
        post = jnp.broadcast_to(jnp.arange(self.n_post)[:, None], self.pre_indices.shape)
        indices = jnp.stack([self.pre_indices.ravel(), post.ravel()], axis=-1)
        return sparse.BCOO((data.ravel(), indices), shape=(self.n_pre, self.n_post))

    def propagate(self, presynaptic: jax.Array, weights: jax.Array | None = None) -> jax.Array:
        """Return ``presynaptic @ W``: per postsynaptic neuron, the weighted sum over its inputs.

        Args:
          presynaptic: plain array of shape ``(n_pre,)``, such as spikes or rates.
          weights: plain array of shape ``(n_post, max_in_degree)``; None means 1.

        Returns:
          Array of shape ``(n_post,)``.
        """
        gathered = jnp.take(presynaptic, self.pre_indices, axis=0, mode="fill", fill_value=0)
        if weights is not None:
            gathered = gathered * weights
        return jnp.where(self.valid, gathered, jnp.zeros((), gathered.dtype)).sum(axis=1)


def _binomial_upper_bound(trials: int, p: float, rows: int) -> int:
    """Return the smallest k with ``rows * P(Binomial(trials, p) > k) < 1e-12``, computed on the host."""
    if p == 0.0 or trials == 0 or rows == 0:
        return 0
    if p == 1.0:
        return trials

    target = _OVERFLOW_PROBABILITY / rows
    start = int(math.floor(trials * p))
    log_term = (
        math.lgamma(trials + 1) - math.lgamma(start + 1) - math.lgamma(trials - start + 1)
        + start * math.log(p) + (trials - start) * math.log1p(-p)
    )
    log_odds = math.log(p) - math.log1p(-p)

    # Walk up from the mean until the terms are negligible beside the target.
    # Above the mode they fall faster than geometrically, so the rest is smaller still.
    terms = []
    k = start
    while k < trials:
        log_term += math.log((trials - k) / (k + 1)) + log_odds
        k += 1
        terms.append(math.exp(log_term))
        if log_term < math.log(target) - 30.0:
            break

    tail = 0.0
    bound = k
    for offset in range(len(terms) - 1, -1, -1):
        tail += terms[offset]
        if tail >= target:
            break
        bound = start + offset
    return bound


def _empty_connections(n_pre: int, n_post: int) -> SparseConnections:
    return SparseConnections(jnp.zeros((n_post, 0), jnp.int32), jnp.zeros((n_post, 0), bool), n_pre)


def _check_square(owner: str, n_pre: int, n_post: int, self_connections: bool) -> None:
    if not self_connections and n_pre != n_post:
        raise ValueError(
            f"{owner}: self_connections=False needs one population, n_pre == n_post, got {n_pre} and {n_post}."
        )


def _skip_self(indices: jax.Array) -> jax.Array:
    """Map indices in ``[0, n - 1)`` of row ``j`` to ``[0, n)`` without ``j``, keeping their order."""
    rows = jnp.arange(indices.shape[0], dtype=indices.dtype)[:, None]
    return indices + (indices >= rows).astype(indices.dtype)


def check_matrix_shape(owner: str, shape: Shape) -> tuple[int, int]:
    """Return ``(n_pre, n_post)`` from a 2-D shape, or raise ValueError."""
    if len(shape) != 2:
        raise ValueError(f"{owner}: expected a 2-D shape (n_pre, n_post), got {shape}.")
    return shape


@functools.partial(jax.jit, static_argnums=(0, 2, 3))
def _sparse_compiled(rule: Any, key: jax.Array, n_pre: int, n_post: int) -> SparseConnections:
    return rule._sparse(key, n_pre, n_post)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class FixedProbability(_MaskInitializer):
    """Connect every (pre, post) pair independently with probability ``p``.

    The sparse form draws each row as a Bernoulli process over the candidate
    presynaptic neurons, by geometric gaps between successive connections,
    in ``O(n_post * max_in_degree)`` time and memory. ``max_in_degree`` is the
    smallest bound that all rows stay below with probability ``1 - 1e-12``,
    computed from the binomial distribution. A row is cut short only in the
    remaining chance, below 1e-12.

    Called as an initializer, ``rule(key, (n_pre, n_post))`` returns the dense
    bool mask (see :class:`~braininit.Bernoulli` for the dtype rules).

    Args:
      p: connection probability, in ``[0, 1]``.
      self_connections: whether neuron ``i`` may connect to itself; False
        needs ``n_pre == n_post``.
      dtype: default dtype of the dense mask; None means bool.

    Raises:
      ValueError: if ``p`` is outside ``[0, 1]``.

    Example:
      >>> import jax
      >>> rule = FixedProbability(0.02, self_connections=False)
      >>> conn = rule.sparse(jax.random.key(0), 4000, 4000)
      >>> conn.pre_indices.shape[0], 60 < float(conn.in_degree.mean()) < 100
      (4000, True)
    """

    p: float
    self_connections: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        is_number = isinstance(self.p, (int, float, np.floating)) and not isinstance(self.p, bool)
        if not (is_number and 0.0 <= float(self.p) <= 1.0):
            raise ValueError(f"FixedProbability: p is a probability and must be in [0, 1], got {self.p!r}.")

    def sparse(self, key: jax.Array, n_pre: int, n_post: int) -> SparseConnections:
        """Draw the connections as :class:`SparseConnections`; see the class docstring."""
        _check_square("FixedProbability", n_pre, n_post, self.self_connections)
        return _sparse_compiled(self, key, int(n_pre), int(n_post))

    def _sparse(self, key: jax.Array, n_pre: int, n_post: int) -> SparseConnections:
        candidates = n_pre if self.self_connections else n_pre - 1
        width = _binomial_upper_bound(candidates, float(self.p), n_post)
        if width == 0:
            return _empty_connections(n_pre, n_post)

        # Gaps between successive connections are geometric: floor(E / -log(1 - p)) + 1
        # with E ~ Exp(1). Clipping at candidates + 1 keeps the sums in int32.
        rate = -math.log1p(-float(self.p)) if self.p < 1.0 else math.inf
        exponential = jax.random.exponential(key, (n_post, width), jnp.float32)
        gaps = jnp.clip(jnp.floor(exponential / rate) + 1.0, 1.0, candidates + 1.0).astype(jnp.int32)
        saturating_add = lambda a, b: jnp.minimum(a + b, candidates + 1)
        positions = jax.lax.associative_scan(saturating_add, gaps, axis=1) - 1

        valid = positions < candidates
        indices = positions if self.self_connections else _skip_self(positions)
        return SparseConnections(jnp.where(valid, indices, n_pre).astype(jnp.int32), valid, n_pre)

    def _generate(self, key: jax.Array, shape: Shape) -> jax.Array:
        n_pre, n_post = check_matrix_shape("FixedProbability", shape)
        _check_square("FixedProbability", n_pre, n_post, self.self_connections)
        return self._sparse(key, n_pre, n_post).to_dense()


def _distinct_by_rejection(key: jax.Array, rows: int, count: int, candidates: int) -> jax.Array:
    """Draw ``count`` distinct sorted integers in ``[0, candidates)`` per row, uniformly over subsets.

    Draws with replacement and redraws duplicates until none remain. The
    procedure treats all candidates alike, so the resulting subset is uniform.
    """

    def duplicates(values: jax.Array) -> jax.Array:
        repeated = values[:, 1:] == values[:, :-1]
        return jnp.concatenate([jnp.zeros((rows, 1), bool), repeated], axis=1)

    def redraw(state: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
        key, values = state
        key, subkey = jax.random.split(key)
        fresh = jax.random.randint(subkey, (rows, count), 0, candidates, jnp.int32)
        return key, jnp.sort(jnp.where(duplicates(values), fresh, values), axis=1)

    key, subkey = jax.random.split(key)
    values = jnp.sort(jax.random.randint(subkey, (rows, count), 0, candidates, jnp.int32), axis=1)
    _, values = jax.lax.while_loop(lambda state: duplicates(state[1]).any(), redraw, (key, values))
    return values


def _distinct_by_ranking(key: jax.Array, rows: int, count: int, candidates: int) -> jax.Array:
    """Draw ``count`` distinct sorted integers per row as the top ``count`` of random scores."""
    scores = jax.random.uniform(key, (rows, candidates))
    _, indices = jax.lax.top_k(scores, count)
    return jnp.sort(indices.astype(jnp.int32), axis=1)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class FixedInDegree(_MaskInitializer):
    """Give every postsynaptic neuron exactly ``in_degree`` distinct presynaptic partners.

    The partners of each neuron are a uniformly random subset of the
    candidates. Called as an initializer, ``rule(key, (n_pre, n_post))``
    returns the dense bool mask, whose every column sums to ``in_degree``.

    Args:
      in_degree: the number of inputs per postsynaptic neuron, a non-negative int.
      self_connections: whether neuron ``i`` may connect to itself; False
        needs ``n_pre == n_post``.
      dtype: default dtype of the dense mask; None means bool.

    Raises:
      ValueError: if ``in_degree`` is negative, or at call time larger than
        the number of candidates.

    Example:
      >>> import jax
      >>> conn = FixedInDegree(10).sparse(jax.random.key(0), 100_000, 100_000)
      >>> conn.pre_indices.shape, int(conn.in_degree.min())
      ((100000, 10), 10)
    """

    in_degree: int
    self_connections: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.in_degree, bool) or not isinstance(self.in_degree, (int, np.integer)) or self.in_degree < 0:
            raise ValueError(f"FixedInDegree: in_degree must be a non-negative int, got {self.in_degree!r}.")

    def _check_sizes(self, n_pre: int, n_post: int) -> None:
        _check_square("FixedInDegree", n_pre, n_post, self.self_connections)
        candidates = n_pre if self.self_connections else n_pre - 1
        if self.in_degree > candidates:
            raise ValueError(
                f"FixedInDegree: in_degree={self.in_degree} exceeds the {candidates} candidate presynaptic neurons."
            )

    def sparse(self, key: jax.Array, n_pre: int, n_post: int) -> SparseConnections:
        """Draw the connections as :class:`SparseConnections` with rows of length ``in_degree``."""
        self._check_sizes(n_pre, n_post)
        return _sparse_compiled(self, key, int(n_pre), int(n_post))

    def _sparse(self, key: jax.Array, n_pre: int, n_post: int) -> SparseConnections:
        candidates = n_pre if self.self_connections else n_pre - 1
        count = int(self.in_degree)
        if count == 0:
            return _empty_connections(n_pre, n_post)
        # Rejection needs few rounds while duplicates are rare; for dense rows ranking is cheaper.
        if 2 * count <= candidates:
            indices = _distinct_by_rejection(key, n_post, count, candidates)
        else:
            indices = _distinct_by_ranking(key, n_post, count, candidates)

        if not self.self_connections:
            indices = _skip_self(indices)
        return SparseConnections(indices, jnp.ones(indices.shape, bool), n_pre)

    def _generate(self, key: jax.Array, shape: Shape) -> jax.Array:
        n_pre, n_post = check_matrix_shape("FixedInDegree", shape)
        self._check_sizes(n_pre, n_post)
        return self._sparse(key, n_pre, n_post).to_dense()
